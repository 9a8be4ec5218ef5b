// `openclaw-injector check`: what a cluster admin would look at, one line each, with the
// command that fixes each problem. The checks read the cluster through the small CheckApi
// interface (src/check/api.ts implements it with @kubernetes/client-node) and decide with
// plain functions over the objects, so every rule is stated once, here.
import { X509Certificate } from 'node:crypto'
import { ANNOTATIONS, OPT_LABEL } from '../engine/annotations.ts'
import { mutatePod } from '../engine/index.ts'
import type { Pod } from '../engine/types.ts'
import { splitPemBundle } from '../certs/generate.ts'
import type { EngineSettings } from '../settings.ts'

/** The webhook's name inside its configuration (manifests/ and the chart). */
export const WEBHOOK_NAME = 'token-sync.openclaw.ai'
/** The labels both manifests/ and the chart put on the webhook's pods. */
export const WEBHOOK_POD_LABELS = { 'app.kubernetes.io/name': 'openclaw-injector', 'app.kubernetes.io/component': 'webhook' } as const
/** A serving certificate expiring sooner than this is a ✗: the certs CronJob renews 30 days ahead. */
export const EXPIRY_WARNING_DAYS = 7
const DAY_MS = 86_400_000

export interface CheckResult {
  /** What was checked, e.g. "webhook configuration", "pod agents/openclaw-0". */
  name: string
  ok: boolean
  /** One line: what was found. Never a credential. */
  detail: string
  /** For a failed check: one line, usually a command, that fixes it. */
  fix?: string
}

/** Where the webhook's TLS endpoint is, as the API server would reach it. */
export type ServingTarget =
  | { kind: 'url'; url: string }
  | { kind: 'pod'; namespace: string; pod: string; port: number; serverName: string }

export interface ServingCertificate {
  /** The peer's chain as presented, leaf first, PEM. */
  chainPem: string[]
}

export type DryRunOutcome = { ok: true; pod: Pod; warnings: string[] } | { ok: false; message: string }

/** What the checks read from the cluster. Every method throws a one-line Error on an API failure. */
export interface CheckApi {
  readonly server: string
  getWebhookConfiguration(name: string): Promise<any | undefined>
  getService(namespace: string, name: string): Promise<any | undefined>
  listEndpointSlices(namespace: string, service: string): Promise<any[]>
  listDeployments(namespace: string, labelSelector: string): Promise<any[]>
  listPodDisruptionBudgets(namespace: string): Promise<any[]>
  getNamespace(name: string): Promise<any | undefined>
  listNamespaces(labelSelector: string): Promise<any[]>
  listPods(namespace: string): Promise<any[]>
  getReplicaSet(namespace: string, name: string): Promise<any | undefined>
  /** A server-side dry-run create (dryRun=All): admission runs, nothing is stored. */
  dryRunCreatePod(namespace: string, pod: Pod): Promise<DryRunOutcome>
  /** The certificate chain the webhook presents at `target` (TLS handshake only, no request). */
  servingCertificate(target: ServingTarget): Promise<ServingCertificate>
}

export interface CheckOptions {
  /** The MutatingWebhookConfiguration's name (default openclaw-injector). */
  webhookConfiguration: string
  /** Where the Deployment and PDB live when the webhook is registered by URL (no Service to say). */
  injectorNamespace: string
  /** Only this namespace for the dry run and the pod checks; default every labelled one. */
  namespace?: string
  /** The engine settings the webhook runs with, to explain pods that were not injected. */
  settings: EngineSettings
  now?: Date
}

const ok = (name: string, detail: string): CheckResult => ({ name, ok: true, detail })
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, ok: false, detail, fix })

/** The name of the check whose ✓ proves the whole path: the API server called the webhook and a dry-run pod came back injected. */
export const DRY_RUN_CHECK = 'dry-run pod'

export interface WaitOptions {
  /** Give up after this many milliseconds (measured from the first run). */
  timeoutMs: number
  /** Pause between runs, in milliseconds (default 2000). */
  intervalMs?: number
  /** Injected for tests: a pause, and a clock in milliseconds. */
  sleep?: (ms: number) => Promise<void>
  now?: () => number
}

export interface WaitOutcome {
  /** The results of the last run. */
  results: CheckResult[]
  /** True when the last run's dry-run pod came back injected. */
  injected: boolean
  runs: number
  waitedMs: number
}

/**
 * Runs the checks again and again until the dry-run pod comes back injected or `timeoutMs`
 * passes, and returns the last run. Why: right after an install, Ready webhook pods are not
 * yet a reachable Service (the kubelet and kube-proxy lag behind the Deployment's status), so
 * a pod created then is let through uninjected under failurePolicy Ignore; only a review the
 * API server really sent to the webhook shows the path works. Never throws for what it
 * finds; `run` is runChecks bound to its API and options.
 */
export async function untilInjected(run: () => Promise<CheckResult[]>, options: WaitOptions): Promise<WaitOutcome> {
  const now = options.now ?? Date.now
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const interval = options.intervalMs ?? 2000
  const start = now()
  for (let runs = 1; ; runs++) {
    const results = await run()
    const injected = results.some((r) => r.name === DRY_RUN_CHECK && r.ok)
    const waitedMs = now() - start
    if (injected || waitedMs + interval > options.timeoutMs) return { results, injected, runs, waitedMs }
    await sleep(interval)
  }
}

/** Runs every check in order; never throws for what it finds in the cluster (that is a ✗). */
export async function runChecks(api: CheckApi, options: CheckOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  const now = options.now ?? new Date()
  const guard = async <T>(name: string, fix: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn()
    } catch (error) {
      results.push(fail(name, (error as Error).message, fix))
      return undefined
    }
  }

  // 1. the webhook configuration and its caBundle
  const configName = options.webhookConfiguration
  const config = await guard('webhook configuration', `check the credentials and that ${api.server} is the cluster you mean`, () => api.getWebhookConfiguration(configName))
  if (config === undefined && results.length > 0) return results
  const webhook = config?.webhooks?.find((w: any) => w?.name === WEBHOOK_NAME)
  if (config === undefined) {
    results.push(fail('webhook configuration', `MutatingWebhookConfiguration ${configName} not found`, 'install openclaw-injector: helm install openclaw-injector charts/openclaw-injector -n openclaw-injector --create-namespace (or kubectl apply -k manifests/)'))
  } else if (webhook === undefined) {
    results.push(fail('webhook configuration', `MutatingWebhookConfiguration ${configName} has no webhook ${WEBHOOK_NAME}`, `re-install openclaw-injector, or pass --webhook-configuration with the right name`))
  } else {
    results.push(ok('webhook configuration', `${configName}: webhook ${WEBHOOK_NAME}, failurePolicy ${webhook.failurePolicy ?? 'Fail'}`))
  }
  const service = webhook?.clientConfig?.service as { name: string; namespace: string; port?: number } | undefined
  const injectorNamespace = service?.namespace ?? options.injectorNamespace
  const certsFix = config?.metadata?.annotations?.['cert-manager.io/inject-ca-from'] !== undefined
    ? `cert-manager's cainjector fills it: kubectl -n ${injectorNamespace} get certificate, and the cainjector's logs`
    : `kubectl -n ${injectorNamespace} create job --from=cronjob/${service?.name ?? configName}-certs certs-now-${Math.floor(now.getTime() / 1000)}`
  let caBundle: string | undefined
  if (webhook !== undefined) {
    const pem = webhook.clientConfig?.caBundle ? Buffer.from(webhook.clientConfig.caBundle, 'base64').toString('utf8') : ''
    const cas = parseBundle(pem)
    if (cas.length === 0) {
      results.push(fail('caBundle', pem === '' ? 'empty: the API server cannot trust the webhook' : 'holds no readable certificate', certsFix))
    } else {
      caBundle = pem
      results.push(ok('caBundle', `${cas.length} CA certificate${cas.length === 1 ? '' : 's'}, ${cas.map((c) => `${subjectCn(c)} until ${isoDay(c.validTo)}`).join('; ')}`))
    }
  }

  // 2. the serving certificate the webhook presents, verified with the caBundle
  if (webhook !== undefined) {
    const target = await guard('serving certificate', `kubectl -n ${injectorNamespace} get pods,endpointslices -l app.kubernetes.io/name=openclaw-injector`, () => servingTarget(api, webhook.clientConfig, injectorNamespace))
    if (target !== undefined) {
      if (typeof target === 'string') {
        results.push(fail('serving certificate', target, `kubectl -n ${injectorNamespace} describe pods -l app.kubernetes.io/name=openclaw-injector`))
      } else {
        const presented = await guard('serving certificate', `kubectl -n ${injectorNamespace} logs deployment/${service?.name ?? 'openclaw-injector'}`, () => api.servingCertificate(target))
        if (presented !== undefined) results.push(...judgeServingCertificate(presented, caBundle, target, now, certsFix))
      }
    }
  }

  // 3. the Deployment and its PodDisruptionBudget
  const selector = Object.entries(WEBHOOK_POD_LABELS).map(([k, v]) => `${k}=${v}`).join(',')
  const deployments = await guard('deployment', `kubectl -n ${injectorNamespace} get deployments`, () => api.listDeployments(injectorNamespace, selector))
  const deployment = deployments?.[0]
  if (deployments !== undefined) {
    if (deployment === undefined) {
      results.push(fail('deployment', `no Deployment labelled ${selector} in namespace ${injectorNamespace}`, 're-install openclaw-injector (or pass --injector-namespace)'))
    } else {
      results.push(judgeDeployment(deployment))
      const pdbs = await guard('pod disruption budget', `kubectl -n ${injectorNamespace} get pdb`, () => api.listPodDisruptionBudgets(injectorNamespace))
      if (pdbs !== undefined) results.push(judgePdb(pdbs, deployment))
    }
  }

  // 3b. our pods that cannot pull their image (a ✗ only when there is one)
  if (deployment !== undefined && (deployment.status?.readyReplicas ?? 0) < (deployment.spec?.replicas ?? 1)) {
    const pods = await guard('image', `kubectl -n ${injectorNamespace} describe pods -l app.kubernetes.io/name=openclaw-injector`, () => api.listPods(injectorNamespace))
    const pulled = pods === undefined ? undefined : judgeImagePulls(pods)
    if (pulled !== undefined) results.push(pulled)
  }

  // 4. the webhook answering, and the pods of the opted-in namespaces
  const namespaces = await guard('namespaces', 'kubectl get namespaces --show-labels', () => targetNamespaces(api, options.namespace, webhook))
  if (namespaces === undefined) return results
  const labelHint = namespaceLabelHint(webhook)
  if (namespaces.length === 0) {
    results.push(fail(DRY_RUN_CHECK, options.namespace === undefined ? `no namespace is labelled ${labelHint}, so no pod is ever sent to the webhook` : `namespace ${options.namespace} not found`,
      `kubectl label namespace NAMESPACE ${labelHint}`))
    return results
  }
  let runningVersion: string | undefined
  if (webhook !== undefined) {
    const ns = namespaces[0]!
    const outcome = await guard(DRY_RUN_CHECK, `kubectl auth can-i create pods -n ${ns.name}`, () => api.dryRunCreatePod(ns.name, dryRunPod(options.settings)))
    if (outcome !== undefined) {
      const judged = judgeDryRun(outcome, ns.name, webhook)
      results.push(judged.result)
      runningVersion = judged.version
    }
  }
  for (const ns of namespaces) {
    if (!ns.labelled) {
      results.push(fail(`namespace ${ns.name}`, `not labelled ${labelHint}: its pods are never sent to the webhook`, `kubectl label namespace ${ns.name} ${labelHint}`))
      continue
    }
    const pods = await guard(`namespace ${ns.name}`, `kubectl auth can-i list pods -n ${ns.name}`, () => api.listPods(ns.name))
    if (pods === undefined) continue
    results.push(...await judgePods(api, ns.name, pods, options.settings, runningVersion))
  }
  return results
}

// ---------------------------------------------------------------------------
// The decisions

function parseBundle(pem: string): X509Certificate[] {
  const out: X509Certificate[] = []
  for (const block of splitPemBundle(pem)) {
    try {
      out.push(new X509Certificate(block))
    } catch {
      /* not a certificate: counted as unreadable by the caller */
    }
  }
  return out
}

function subjectCn(cert: X509Certificate): string {
  return /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ')
}

function isoDay(date: string | Date): string {
  return new Date(date).toISOString().slice(0, 10)
}

/** Where to reach the webhook: its URL, or a ready pod behind its Service (a string says why there is none). */
async function servingTarget(api: CheckApi, clientConfig: any, injectorNamespace: string): Promise<ServingTarget | string> {
  if (typeof clientConfig?.url === 'string') return { kind: 'url', url: clientConfig.url }
  const ref = clientConfig?.service
  if (ref === undefined) return 'the webhook has neither clientConfig.url nor clientConfig.service'
  const svc = await api.getService(ref.namespace, ref.name)
  if (svc === undefined) return `Service ${ref.namespace}/${ref.name} not found`
  const port = (svc.spec?.ports ?? []).find((p: any) => p.port === (ref.port ?? 443))
  if (port === undefined) return `Service ${ref.namespace}/${ref.name} has no port ${ref.port ?? 443}`
  const slices = await api.listEndpointSlices(ref.namespace, ref.name)
  for (const slice of slices) {
    const slicePort = (slice.ports ?? []).find((p: any) => (p.name ?? '') === (port.name ?? ''))
    if (slicePort?.port === undefined) continue
    for (const endpoint of slice.endpoints ?? []) {
      if (endpoint.conditions?.ready === false || endpoint.targetRef?.kind !== 'Pod') continue
      return { kind: 'pod', namespace: ref.namespace, pod: endpoint.targetRef.name, port: slicePort.port, serverName: `${ref.name}.${ref.namespace}.svc` }
    }
  }
  return `Service ${ref.namespace}/${ref.name} has no ready endpoint: no webhook pod is serving (namespace ${injectorNamespace})`
}

/** The presented chain against the caBundle and the name the API server uses, and its expiry. */
export function judgeServingCertificate(presented: ServingCertificate, caBundle: string | undefined, target: ServingTarget, now: Date, certsFix: string): CheckResult[] {
  const where = target.kind === 'url' ? target.url : `pod ${target.namespace}/${target.pod}:${target.port}`
  const leafPem = presented.chainPem[0]
  if (leafPem === undefined) return [fail('serving certificate', `${where} presented no certificate`, certsFix)]
  const leaf = new X509Certificate(leafPem)
  const results: CheckResult[] = []
  const host = target.kind === 'url' ? new URL(target.url).hostname.replace(/^\[|\]$/g, '') : target.serverName
  const nameOk = /^[\d.]+$|:/.test(host) ? leaf.checkIP(host) !== undefined : leaf.checkHost(host) !== undefined
  const cas = caBundle === undefined ? [] : parseBundle(caBundle)
  const signer = cas.find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey))
  if (caBundle === undefined) {
    results.push(fail('serving certificate', `${where} presents ${subjectCn(leaf)}, but there is no caBundle to verify it with`, certsFix))
  } else if (signer === undefined) {
    results.push(fail('serving certificate', `${where} presents ${subjectCn(leaf)}, which no CA in the caBundle signed: the API server will refuse it (x509: certificate signed by unknown authority)`, certsFix))
  } else if (!nameOk) {
    results.push(fail('serving certificate', `${where} presents a certificate not valid for ${host}`, certsFix))
  } else {
    results.push(ok('serving certificate', `${where} presents ${subjectCn(leaf)}, signed by ${subjectCn(signer)} in the caBundle, valid for ${host}`))
  }
  const left = (new Date(leaf.validTo).getTime() - now.getTime()) / DAY_MS
  if (left <= 0) results.push(fail('certificate expiry', `expired on ${isoDay(leaf.validTo)}`, certsFix))
  else if (left < EXPIRY_WARNING_DAYS) results.push(fail('certificate expiry', `expires on ${isoDay(leaf.validTo)}, in ${left.toFixed(1)} days, and was not renewed`, certsFix))
  else results.push(ok('certificate expiry', `valid until ${isoDay(leaf.validTo)} (${Math.floor(left)} days)`))
  return results
}

export function judgeDeployment(d: any): CheckResult {
  const name = `${d.metadata.namespace}/${d.metadata.name}`
  const wanted = d.spec?.replicas ?? 1
  const ready = d.status?.readyReplicas ?? 0
  if (wanted === 0) return fail('deployment', `${name} is scaled to 0: nothing answers the API server`, `kubectl -n ${d.metadata.namespace} scale deployment/${d.metadata.name} --replicas=2`)
  if (ready === 0) return fail('deployment', `${name}: 0 of ${wanted} replicas ready`, `kubectl -n ${d.metadata.namespace} describe pods -l app.kubernetes.io/name=openclaw-injector`)
  if (ready < wanted) return fail('deployment', `${name}: ${ready} of ${wanted} replicas ready`, `kubectl -n ${d.metadata.namespace} describe pods -l app.kubernetes.io/name=openclaw-injector`)
  return ok('deployment', `${name}: ${ready} of ${wanted} replicas ready`)
}

/** The kubelet's waiting reasons of a container whose image it cannot pull (pkg/kubelet/images/types.go). */
export const IMAGE_PULL_REASONS = ['ErrImagePull', 'ImagePullBackOff', 'ErrImageNeverPull', 'InvalidImageName'] as const

/**
 * A ✗ naming the image that the pods of openclaw-injector (webhook and certs Job, by the
 * label app.kubernetes.io/name=openclaw-injector) cannot pull, with how to get it there;
 * undefined when no container of theirs waits for an image. `pods`: the namespace's pods,
 * as the API returns them (status.containerStatuses and initContainerStatuses).
 */
export function judgeImagePulls(pods: any[]): CheckResult | undefined {
  const stuck: Array<{ pod: string; image: string; reason: string }> = []
  for (const pod of pods) {
    if (pod?.metadata?.labels?.['app.kubernetes.io/name'] !== WEBHOOK_POD_LABELS['app.kubernetes.io/name']) continue
    for (const status of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      const reason = status?.state?.waiting?.reason
      if ((IMAGE_PULL_REASONS as readonly string[]).includes(reason)) stuck.push({ pod: pod.metadata.name, image: String(status.image ?? ''), reason })
    }
  }
  if (stuck.length === 0) return undefined
  const images = [...new Set(stuck.map((s) => s.image))]
  const ns = pods[0]?.metadata?.namespace ?? 'openclaw-injector'
  return fail('image',
    `${stuck.length === 1 ? `pod ${ns}/${stuck[0]!.pod}` : `${stuck.length} containers of ${new Set(stuck.map((s) => s.pod)).size} pods in ${ns}`}: ${stuck[0]!.reason} for ${images.join(', ')}: the nodes cannot pull it (no release is published yet, or the registry needs credentials)`,
    'build the image with `npm run image`, push it to a registry your nodes reach (or `kind load docker-image`), and point the install at it: helm --set image.repository=REGISTRY/openclaw-injector --set image.tag=VERSION, or images: in your kustomize overlay (docs/cluster-admin.md, Get the image)')
}

function selects(selector: any, labels: Record<string, string>): boolean {
  if (selector === undefined || selector === null) return false
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions ?? []) {
    const has = e.key in labels
    if (e.operator === 'In' && !(has && e.values.includes(labels[e.key]))) return false
    if (e.operator === 'NotIn' && has && e.values.includes(labels[e.key])) return false
    if (e.operator === 'Exists' && !has) return false
    if (e.operator === 'DoesNotExist' && has) return false
  }
  return true
}

export function judgePdb(pdbs: any[], deployment: any): CheckResult {
  const ns = deployment.metadata.namespace
  const labels = deployment.spec?.template?.metadata?.labels ?? {}
  const pdb = pdbs.find((p) => selects(p.spec?.selector, labels))
  if (pdb === undefined) return fail('pod disruption budget', `no PodDisruptionBudget in ${ns} selects the webhook pods: a drain can take every replica at once`, 're-install openclaw-injector (the chart and manifests/ include one)')
  const replicas = deployment.spec?.replicas ?? 1
  const min = pdb.spec?.minAvailable
  if (typeof min === 'number' && replicas <= min) {
    return fail('pod disruption budget', `${ns}/${pdb.metadata.name} keeps ${min} of ${replicas} replicas: no replica can be evicted, so node drains stall`, `kubectl -n ${ns} scale deployment/${deployment.metadata.name} --replicas=${min + 1}`)
  }
  return ok('pod disruption budget', `${ns}/${pdb.metadata.name}: minAvailable ${min ?? '-'}${pdb.spec?.maxUnavailable !== undefined ? `, maxUnavailable ${pdb.spec.maxUnavailable}` : ''} of ${replicas} replicas`)
}

function namespaceLabelHint(webhook: any): string {
  const expr = (webhook?.namespaceSelector?.matchExpressions ?? []).find((e: any) => e.operator === 'In' && e.key !== 'kubernetes.io/metadata.name')
  if (expr !== undefined) return `${expr.key}=${expr.values[0]}`
  const [key, value] = Object.entries(webhook?.namespaceSelector?.matchLabels ?? {})[0] ?? [OPT_LABEL, 'enabled']
  return `${key}=${value}`
}

interface TargetNamespace {
  name: string
  labelled: boolean
}

/** -n NS (labelled or not), else every namespace the webhook's namespaceSelector picks. */
async function targetNamespaces(api: CheckApi, only: string | undefined, webhook: any): Promise<TargetNamespace[]> {
  const selector = webhook?.namespaceSelector ?? { matchExpressions: [{ key: OPT_LABEL, operator: 'In', values: ['enabled'] }] }
  if (only !== undefined) {
    const ns = await api.getNamespace(only)
    return ns === undefined ? [] : [{ name: only, labelled: selects(selector, ns.metadata?.labels ?? {}) }]
  }
  const hint = namespaceLabelHint(webhook)
  const listed = await api.listNamespaces(hint.replace(/=.*/, ''))
  return listed.filter((ns) => selects(selector, ns.metadata?.labels ?? {})).map((ns) => ({ name: ns.metadata.name, labelled: true })).sort((a, b) => a.name.localeCompare(b.name))
}

/**
 * The pod the dry run sends: an OpenClaw gateway with a state volume, opted in by
 * annotation (so it passes matchConditions whatever imagePattern says), and Pod Security
 * "restricted" so any namespace's policy admits it.
 */
export function dryRunPod(settings: EngineSettings): Pod {
  const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'openclaw-injector-check-',
      labels: { 'app.kubernetes.io/name': settings.appNames[0] ?? 'openclaw' },
      annotations: { [ANNOTATIONS.tokenSync]: 'enabled' },
    },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'gateway',
        image: 'ghcr.io/openclaw/openclaw:latest',
        securityContext: restricted,
        volumeMounts: [{ name: 'state', mountPath: `${settings.defaultHome}/.openclaw` }],
      }],
      volumes: [{ name: 'state', emptyDir: {} }],
    },
  }
}

export function judgeDryRun(outcome: DryRunOutcome, namespace: string, webhook: any): { result: CheckResult; version?: string } {
  const name = DRY_RUN_CHECK
  if (!outcome.ok) {
    return { result: fail(name, `the API server refused a dry-run OpenClaw pod in ${namespace}: ${outcome.message}`, 'fix the ✗ above (with failurePolicy Fail, no OpenClaw pod can be created until then)') }
  }
  const annotations = outcome.pod.metadata?.annotations ?? {}
  if (annotations[ANNOTATIONS.status] === 'injected') {
    const version = annotations[ANNOTATIONS.version]
    return { result: ok(name, `a dry-run OpenClaw pod in ${namespace} came back injected by openclaw-injector ${version ?? '(no version)'}; nothing was stored`), version }
  }
  const policy = webhook?.failurePolicy ?? 'Fail'
  return {
    result: fail(name, `a dry-run OpenClaw pod in ${namespace} came back NOT injected: the API server could not use the webhook${policy === 'Ignore' ? ' and, with failurePolicy Ignore, created the pod anyway' : ''}`,
      'fix the ✗ above; if all are ✓, the API server cannot reach the Service (a NetworkPolicy or firewall in between): see docs/cluster-admin.md#troubleshooting'),
  }
}

/** What restarts a pod's owner: `kubectl -n NS rollout restart deployment/NAME`, or re-creating a bare pod. */
async function restartCommand(api: CheckApi, namespace: string, pod: any): Promise<string> {
  const owner = (pod.metadata?.ownerReferences ?? []).find((o: any) => o.controller) ?? pod.metadata?.ownerReferences?.[0]
  if (owner?.kind === 'ReplicaSet') {
    const rs = await api.getReplicaSet(namespace, owner.name)
    const deployment = (rs?.metadata?.ownerReferences ?? []).find((o: any) => o.kind === 'Deployment')
    if (deployment !== undefined) return `kubectl -n ${namespace} rollout restart deployment/${deployment.name}`
    return `kubectl -n ${namespace} delete pod ${pod.metadata.name} (ReplicaSet ${owner.name} re-creates it)`
  }
  if (owner?.kind === 'StatefulSet' || owner?.kind === 'DaemonSet') return `kubectl -n ${namespace} rollout restart ${owner.kind.toLowerCase()}/${owner.name}`
  if (owner !== undefined) return `kubectl -n ${namespace} delete pod ${pod.metadata.name} (its ${owner.kind} ${owner.name} re-creates it)`
  return `re-create pod ${namespace}/${pod.metadata.name} (it has no owner to do it): kubectl -n ${namespace} get pod ${pod.metadata.name} -o yaml > pod.yaml, delete it, apply pod.yaml`
}

/** Decision codes for pods that are not the injector's business: no ✗ for them. */
const NOT_OURS = new Set(['not-openclaw', 'opted-out', 'not-a-pod', 'no-containers', 'windows'])

export async function judgePods(api: CheckApi, namespace: string, pods: any[], settings: EngineSettings, runningVersion: string | undefined): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  let injected = 0
  for (const pod of [...pods].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name))) {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue
    const name = `pod ${namespace}/${pod.metadata.name}`
    const annotations = pod.metadata?.annotations ?? {}
    if (annotations[ANNOTATIONS.status] === 'injected') {
      const version = annotations[ANNOTATIONS.version]
      if (runningVersion !== undefined && version !== runningVersion) {
        results.push(fail(name, `injected by openclaw-injector ${version ?? '(unknown version)'}, the webhook now runs ${runningVersion}`, await restartCommand(api, namespace, pod)))
      } else {
        injected++
      }
      continue
    }
    const result = mutatePod(structuredClone(pod), settings)
    const { decision } = result
    if (decision.code === 'already-injected') {
      injected++
      continue
    }
    if (NOT_OURS.has(decision.code)) continue
    if (decision.action === 'inject') {
      results.push(fail(name, 'an OpenClaw pod that was not injected: created before its namespace was labelled, or while the webhook was unreachable', await restartCommand(api, namespace, pod)))
    } else {
      results.push(fail(name, `an OpenClaw pod the webhook skips (${decision.code}): ${decision.reasons.at(-1) ?? ''}`, `kubectl -n ${namespace} get pod ${pod.metadata.name} -o yaml | openclaw-injector explain -f -`))
    }
  }
  if (results.length === 0) {
    results.push(ok(`namespace ${namespace}`, injected === 0 ? 'no OpenClaw pods' : `${injected} OpenClaw pod${injected === 1 ? '' : 's'}, all injected${runningVersion !== undefined ? ` by ${runningVersion}` : ''}`))
  }
  return results
}
