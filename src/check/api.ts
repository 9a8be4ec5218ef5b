// The CheckApi of src/check/checks.ts over @kubernetes/client-node: reads, one server-side
// dry-run create, and a TLS handshake with the webhook, either at its URL or through a
// port-forward to one of its pods (through the API server, as `kubectl port-forward` does).
import { PassThrough, Duplex } from 'node:stream'
import tls from 'node:tls'
import { apiStatus, describeApiError, loadKubeConfig, requestOptions, type KubeClientOptions } from '../certs/cluster.ts'
import type { CheckApi, DryRunOutcome, ServingCertificate, ServingTarget } from './checks.ts'

/** A CheckApi for the cluster of the current kubeconfig (same credential order as `certs`). */
export async function createCheckApi(options: KubeClientOptions = {}): Promise<CheckApi> {
  const { k8s, kc, server } = await loadKubeConfig(options)
  const timeoutMs = options.timeoutMs ?? 30_000
  const opts = () => requestOptions(k8s, timeoutMs)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const apps = kc.makeApiClient(k8s.AppsV1Api)
  const policy = kc.makeApiClient(k8s.PolicyV1Api)
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api)
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api)

  const call = async <T>(what: string, fn: () => Promise<T>, notFound?: () => T): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      if (apiStatus(error) === 404 && notFound !== undefined) return notFound()
      throw describeApiError(what, server, error)
    }
  }
  const absent = () => undefined

  return {
    server,
    getWebhookConfiguration: (name) => call(`get MutatingWebhookConfiguration ${name}`, () => admission.readMutatingWebhookConfiguration({ name }, opts()), absent),
    getService: (namespace, name) => call(`get Service ${namespace}/${name}`, () => core.readNamespacedService({ namespace, name }, opts()), absent),
    listEndpointSlices: async (namespace, service) =>
      (await call(`list EndpointSlices of ${namespace}/${service}`, () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector: `kubernetes.io/service-name=${service}` }, opts()))).items,
    listDeployments: async (namespace, labelSelector) => (await call(`list Deployments in ${namespace}`, () => apps.listNamespacedDeployment({ namespace, labelSelector }, opts()))).items,
    listPodDisruptionBudgets: async (namespace) => (await call(`list PodDisruptionBudgets in ${namespace}`, () => policy.listNamespacedPodDisruptionBudget({ namespace }, opts()))).items,
    getNamespace: (name) => call(`get Namespace ${name}`, () => core.readNamespace({ name }, opts()), absent),
    listNamespaces: async (labelSelector) => (await call('list Namespaces', () => core.listNamespace({ labelSelector }, opts()))).items,
    listPods: async (namespace) => (await call(`list Pods in ${namespace}`, () => core.listNamespacedPod({ namespace }, opts()))).items,
    getReplicaSet: (namespace, name) => call(`get ReplicaSet ${namespace}/${name}`, () => apps.readNamespacedReplicaSet({ namespace, name }, opts()), absent),
    dryRunCreatePod: async (namespace, pod): Promise<DryRunOutcome> => {
      try {
        const created = await core.createNamespacedPod({ namespace, body: pod as never, dryRun: 'All' }, opts())
        return { ok: true, pod: created as never, warnings: [] }
      } catch (error) {
        const status = apiStatus(error)
        // 4xx/5xx from admission is the answer this check wants to show, not a failure of the check
        if (status !== undefined && status !== 401 && status !== 403) return { ok: false, message: describeApiError(`create Pod in ${namespace} (dry run)`, server, error).message }
        throw describeApiError(`create Pod in ${namespace} (dry run)`, server, error)
      }
    },
    servingCertificate: (target) => (target.kind === 'url' ? certificateAtUrl(target.url, timeoutMs) : certificateThroughPortForward(k8s, kc, target, timeoutMs)),
  }
}

/** The peer chain of a TLS handshake over `connect()`'s socket; nothing is verified here (checks.ts judges it). */
function handshake(options: tls.ConnectionOptions, what: string, timeoutMs: number): Promise<ServingCertificate> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ ...options, rejectUnauthorized: false })
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`${what}: no TLS handshake within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    socket.once('secureConnect', () => {
      clearTimeout(timer)
      const chainPem: string[] = []
      let cert = socket.getPeerCertificate(true)
      const seen = new Set<string>()
      while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256)
        chainPem.push(`-----BEGIN CERTIFICATE-----\n${cert.raw.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`)
        cert = cert.issuerCertificate
      }
      socket.destroy()
      resolve({ chainPem })
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      socket.destroy()
      reject(new Error(`${what}: ${error.code ?? ''}${error.code ? ' ' : ''}${error.message.replace(/^\w+ /, '')}`.trim()))
    })
  })
}

function certificateAtUrl(url: string, timeoutMs: number): Promise<ServingCertificate> {
  const u = new URL(url)
  const host = u.hostname.replace(/^\[|\]$/g, '')
  const servername = /^[\d.]+$|:/.test(host) ? undefined : host
  return handshake({ host, port: Number(u.port || 443), ...(servername ? { servername } : {}) }, `connect to ${url}`, timeoutMs)
}

async function certificateThroughPortForward(k8s: typeof import('@kubernetes/client-node'), kc: import('@kubernetes/client-node').KubeConfig, target: Extract<ServingTarget, { kind: 'pod' }>, timeoutMs: number): Promise<ServingCertificate> {
  const what = `port-forward to pod ${target.namespace}/${target.pod}:${target.port}`
  const fromPod = new PassThrough()
  const toPod = new PassThrough()
  const errors = new PassThrough()
  let errorText = ''
  errors.on('data', (d: Buffer) => (errorText += d.toString()))
  let ws: { close(): void } | undefined
  try {
    const forward = new k8s.PortForward(kc, false)
    const opened = await forward.portForward(target.namespace, target.pod, [target.port], fromPod, errors, toPod)
    ws = typeof opened === 'function' ? (opened() ?? undefined) : opened
  } catch (error) {
    throw new Error(`${what}: ${(error as Error).message ?? String(error)}`)
  }
  try {
    const socket = Duplex.from({ readable: fromPod, writable: toPod })
    return await handshake({ socket, servername: target.serverName }, what + (errorText ? ` (${errorText.trim()})` : ''), timeoutMs)
  } finally {
    ws?.close()
  }
}
