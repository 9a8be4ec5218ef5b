// A tiny HTTPS stand-in for the Kubernetes API server: Secrets and one kind of cluster-scoped
// object (MutatingWebhookConfiguration), with bearer-token auth, 403s on demand, JSON Patch,
// resourceVersion preconditions (409) and Status bodies shaped like the real ones. Enough to
// drive @kubernetes/client-node exactly as `certs` does; the e2e suite does the real thing.
import { writeFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import fastJsonPatch from 'fast-json-patch'
import { generateCertificates } from '../../../src/certs/generate.ts'

const { applyPatch } = fastJsonPatch

export interface RecordedRequest {
  method: string
  path: string
  contentType: string | undefined
  body: unknown
}

export interface FakeApiServer {
  url: string
  kubeconfigPath: string
  /** "ns/name" -> Secret object */
  secrets: Map<string, any>
  /** name -> MutatingWebhookConfiguration object */
  webhookConfigs: Map<string, any>
  namespaces: Set<string>
  requests: RecordedRequest[]
  /** "verb resource" (e.g. "create secrets") answered with 403. */
  forbid: Set<string>
  /** When true, requests are read and never answered. */
  stall: boolean
  close(): Promise<void>
}

const TOKEN = 'fake-token-for-tests'

function status(code: number, reason: string, message: string): unknown {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }
}

export async function startFakeApiServer(dir: string): Promise<FakeApiServer> {
  const pki = await generateCertificates({ commonName: 'fake-apiserver', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
  let rv = 1000
  const secrets = new Map<string, any>()
  const webhookConfigs = new Map<string, any>()
  const namespaces = new Set<string>(['default'])
  const requests: RecordedRequest[] = []
  const forbid = new Set<string>()

  const server = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    let raw = ''
    req.setEncoding('utf8').on('data', (d: string) => (raw += d)).on('end', () => {
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      const url = new URL(req.url ?? '/', 'https://x')
      const method = req.method ?? 'GET'
      let body: unknown
      try {
        body = raw === '' ? undefined : JSON.parse(raw)
      } catch {
        return send(400, status(400, 'BadRequest', 'invalid JSON'))
      }
      requests.push({ method, path: url.pathname, contentType: req.headers['content-type'], body })
      if (fake.stall) return
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, status(401, 'Unauthorized', 'Unauthorized'))

      const secret = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(url.pathname)
      const mwc = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/]+)$/.exec(url.pathname)
      const resource = secret ? 'secrets' : mwc ? 'mutatingwebhookconfigurations' : undefined
      if (resource === undefined) return send(404, status(404, 'NotFound', 'the server could not find the requested resource'))
      const verb = method === 'GET' ? 'get' : method === 'POST' ? 'create' : method === 'PATCH' ? 'patch' : method === 'PUT' ? 'update' : method.toLowerCase()
      const ns = secret?.[1]
      const name = secret ? (secret[2] ?? (body as any)?.metadata?.name) : mwc![1]!
      if (forbid.has(`${verb} ${resource}`)) {
        const who = 'User "system:serviceaccount:openclaw-injector:openclaw-injector-certs"'
        return send(403, status(403, 'Forbidden', `${resource} "${name}" is forbidden: ${who} cannot ${verb} resource "${resource}" in API group "${secret ? '' : 'admissionregistration.k8s.io'}"${ns ? ` in the namespace "${ns}"` : ' at the cluster scope'}`))
      }
      const store = secret ? secrets : webhookConfigs
      const key = secret ? `${ns}/${name}` : name
      const kind = secret ? 'secrets' : 'mutatingwebhookconfigurations.admissionregistration.k8s.io'

      if (verb === 'get') {
        const obj = store.get(key)
        return obj === undefined ? send(404, status(404, 'NotFound', `${kind} "${name}" not found`)) : send(200, obj)
      }
      if (verb === 'create' && secret && secret[2] === undefined) {
        if (!namespaces.has(ns!)) return send(404, status(404, 'NotFound', `namespaces "${ns}" not found`))
        if (store.has(key)) return send(409, status(409, 'AlreadyExists', `${kind} "${name}" already exists`))
        const obj = { ...(body as object), metadata: { ...(body as any).metadata, namespace: ns, resourceVersion: String(++rv), uid: `uid-${rv}` } }
        store.set(key, obj)
        return send(201, obj)
      }
      if (verb === 'patch') {
        if (req.headers['content-type'] !== 'application/json-patch+json') return send(415, status(415, 'UnsupportedMediaType', `unsupported patch type ${req.headers['content-type']}`))
        const current = store.get(key)
        if (current === undefined) return send(404, status(404, 'NotFound', `${kind} "${name}" not found`))
        let patched: any
        try {
          patched = applyPatch(structuredClone(current), body as any, true, false).newDocument
        } catch (error) {
          return send(422, status(422, 'Invalid', (error as Error).message.split('\n')[0]!))
        }
        if (patched.metadata.resourceVersion !== current.metadata.resourceVersion) {
          return send(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified; please apply your changes to the latest version and try again`))
        }
        patched.metadata.resourceVersion = String(++rv)
        store.set(key, patched)
        return send(200, patched)
      }
      return send(405, status(405, 'MethodNotAllowed', `${method} not supported here`))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const kubeconfigPath = path.join(dir, 'kubeconfig')
  writeFileSync(kubeconfigPath, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'fake', cluster: { server: url, 'certificate-authority-data': Buffer.from(pki.caCert).toString('base64') } }],
    users: [{ name: 'fake', user: { token: TOKEN } }],
    contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake' } }],
    'current-context': 'fake',
  }))
  const fake: FakeApiServer = {
    stall: false,
    url,
    kubeconfigPath,
    secrets,
    webhookConfigs,
    namespaces,
    requests,
    forbid,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
  return fake
}

/** A MutatingWebhookConfiguration as `kubectl apply` would have stored it (no caBundle). */
export function webhookConfiguration(name: string, webhooks: string[] = ['token-sync.openclaw.ai']): any {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name, resourceVersion: '1', uid: 'uid-mwc' },
    webhooks: webhooks.map((w) => ({
      name: w,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      clientConfig: { service: { name: 'openclaw-injector', namespace: 'openclaw-injector', path: '/mutate', port: 443 } },
      rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
      matchConditions: [{ name: 'openclaw-pod', expression: 'true' }],
      // a field client-node's models may not know must survive the patch
      futureField: { keep: true },
    })),
  }
}
