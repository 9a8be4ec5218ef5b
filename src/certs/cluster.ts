// In-cluster certificates, the way ingress-nginx's kube-webhook-certgen works but with renewal:
// a `kubernetes.io/tls` Secret (tls.crt, tls.key, ca.crt) for the webhook pods to mount, and
// the CA written into the MutatingWebhookConfiguration's caBundle.
//
// The decisions ("is this Secret still good?", "which caBundles differ?") are pure functions
// over plain data; the API calls sit behind the small ClusterClient interface, implemented
// with @kubernetes/client-node below and by an in-memory fake in the tests.
//
// Renewal without a gap: the new CA is written into the caBundle next to the previous one
// before the Secret changes, so the API server trusts both the serving certificate the
// webhook pods still hold and the one they load next. The CA's private key is never stored:
// renewal makes a new CA, so nobody can mint further certificates the API server would trust.
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  assessMaterial,
  generateCertificates,
  parseCertificate,
  pruneCaBundle,
  readCertificateDir,
  rotatedCaBundle,
  splitPemBundle,
  writeCertificateDir,
  type Assessment,
  type Expectation,
  type StoredMaterial,
} from './generate.ts'

export const SECRET_TYPE_TLS = 'kubernetes.io/tls'
export const KEYS = { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' } as const
export const MANAGED_BY = 'openclaw-injector-certs'

// ---------------------------------------------------------------------------
// What the API returns, reduced to what the decisions need

export interface SecretState {
  resourceVersion: string
  type: string
  /** Values decoded from base64. */
  data: Record<string, string>
}

export interface WebhookConfigurationState {
  resourceVersion: string
  /** In order; caBundle decoded from base64 ('' when unset). */
  webhooks: { name: string; caBundle: string }[]
}

/** An API error reduced to what a one-line message needs. */
export class ClusterError extends Error {
  override name = 'ClusterError'
  readonly status: number | undefined
  constructor(message: string, status?: number) {
    super(message)
    this.status = status
  }
}

export interface ClusterClient {
  /** A description of where requests go, for messages (e.g. the API server URL). */
  readonly server: string
  /** undefined when the Secret does not exist. */
  readSecret(namespace: string, name: string): Promise<SecretState | undefined>
  /** Fails with status 409 when it exists already. */
  createSecret(namespace: string, name: string, data: Record<string, string>, labels: Record<string, string>): Promise<void>
  /** Replaces the Secret's data; fails with status 409 when resourceVersion is no longer current. */
  replaceSecretData(namespace: string, name: string, resourceVersion: string, data: Record<string, string>): Promise<void>
  /** Deletes the Secret: true when it was deleted, false when it did not exist. */
  deleteSecret(namespace: string, name: string): Promise<boolean>
  /** undefined when the configuration does not exist. */
  readWebhookConfiguration(name: string): Promise<WebhookConfigurationState | undefined>
  /** Sets caBundle of the webhooks at these indices; fails with status 409 when resourceVersion is no longer current. */
  patchCaBundles(name: string, resourceVersion: string, indices: number[], caBundle: string): Promise<void>
}

// ---------------------------------------------------------------------------
// Where the material lives: a Secret, or a directory (`certs --out`)

export interface StoredVersion {
  /** Opaque; passed back to write() so a concurrent change is refused rather than overwritten. */
  version: string
  material: StoredMaterial
}

export interface MaterialStore {
  /** "Secret NS/NAME" or "directory DIR", for messages. */
  readonly label: string
  /** undefined when nothing is stored yet. */
  read(): Promise<StoredVersion | undefined>
  /** Creates (previous undefined) or replaces (previous = what read() returned). A lost race fails with status 409. */
  write(material: StoredMaterial, previous: StoredVersion | undefined): Promise<void>
}

export function materialOfSecret(secret: SecretState): StoredMaterial {
  return { caCert: secret.data[KEYS.ca] ?? '', cert: secret.data[KEYS.cert] ?? '', key: secret.data[KEYS.key] ?? '' }
}

/** The store for a `kubernetes.io/tls` Secret (plus ca.crt). */
export function secretStore(client: ClusterClient, namespace: string, name: string, labels: Record<string, string> = {}): MaterialStore {
  const label = `Secret ${namespace}/${name}`
  return {
    label,
    async read() {
      const secret = await client.readSecret(namespace, name)
      if (secret === undefined) return undefined
      if (secret.type !== SECRET_TYPE_TLS) {
        throw new ClusterError(`${label} has type ${secret.type}, not ${SECRET_TYPE_TLS}, and a Secret's type cannot change: delete it and run again`)
      }
      return { version: secret.resourceVersion, material: materialOfSecret(secret) }
    },
    async write(material, previous) {
      const data = { [KEYS.cert]: material.cert, [KEYS.key]: material.key, [KEYS.ca]: material.caCert }
      if (previous === undefined) await client.createSecret(namespace, name, data, { 'app.kubernetes.io/managed-by': MANAGED_BY, ...labels })
      else await client.replaceSecretData(namespace, name, previous.version, data)
    },
  }
}

/** The store for a directory holding ca.crt, tls.crt and tls.key (each written atomically, the key 0600). */
export function directoryStore(dir: string): MaterialStore {
  return {
    label: `directory ${dir}`,
    async read() {
      const material = await readCertificateDir(dir)
      return material === undefined ? undefined : { version: '', material }
    },
    async write(material) {
      await writeCertificateDir(dir, material)
    },
  }
}

// ---------------------------------------------------------------------------
// Pure decisions

export type Plan =
  | { action: 'keep'; notAfter: Date; caBundle: string }
  /** The certificate is good, but the CA bundle carries expired certificates to drop. */
  | { action: 'prune'; notAfter: Date; caBundle: string }
  | { action: 'create'; reason: string }
  | { action: 'renew'; reason: string }

/** What to do with the stored material (undefined: nothing stored). */
export function planMaterial(stored: StoredMaterial | undefined, expected: Expectation): Plan {
  if (stored === undefined) return { action: 'create', reason: 'absent' }
  const assessment: Assessment = assessMaterial(stored, expected)
  if (!assessment.valid) return { action: 'renew', reason: assessment.reason }
  const pruned = pruneCaBundle(stored.caCert, expected.now)
  const before = splitPemBundle(stored.caCert).length
  const after = splitPemBundle(pruned).length
  if (after > 0 && after < before) return { action: 'prune', notAfter: assessment.notAfter, caBundle: pruned }
  return { action: 'keep', notAfter: assessment.notAfter, caBundle: stored.caCert }
}

/** Indices of the webhooks whose caBundle is not exactly `caBundle`. */
export function webhooksNeedingCaBundle(config: WebhookConfigurationState, caBundle: string): number[] {
  const indices: number[] = []
  config.webhooks.forEach((webhook, index) => {
    if (webhook.caBundle !== caBundle) indices.push(index)
  })
  return indices
}

/** The previous bundle's first certificate when it is a CA that has not expired; otherwise nothing worth trusting on. */
export function previousCaIfUsable(bundle: string | undefined, now: Date): string | undefined {
  const first = splitPemBundle(bundle ?? '')[0]
  if (first === undefined) return undefined
  try {
    const cert = parseCertificate(first, 'previous CA')
    return cert.ca && cert.validToDate.getTime() > now.getTime() ? first : undefined
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------
// Reconciling

export interface ReconcileOptions {
  commonName: string
  dnsNames: string[]
  ipAddresses: string[]
  validityDays: number
  renewBeforeMs: number
  /** The MutatingWebhookConfiguration whose webhooks get the CA bundle, and the client to reach it. */
  webhook?: { client: ClusterClient; name: string }
  /** One line per thing done or found. */
  report: (line: string) => void
  /** Attempts when another writer gets there first (HTTP 409). Default 5. */
  attempts?: number
  now?: () => Date
}

export interface ReconcileResult {
  stored: 'kept' | 'created' | 'renewed' | 'pruned'
  /** How many webhooks had their caBundle patched (0 when none differed or no configuration was given). */
  webhooksPatched: number
  caBundle: string
  notAfter: Date
}

/**
 * Makes the store hold a valid CA bundle, certificate and key for the requested names,
 * renewing CA and certificate together when they expire within the renewal window, and
 * makes every webhook of the configuration trust that bundle. Changes nothing when all is
 * current. Starts again from a fresh read when a concurrent writer wins (HTTP 409).
 */
export async function reconcile(store: MaterialStore, options: ReconcileOptions): Promise<ReconcileResult> {
  const attempts = options.attempts ?? 5
  const now = options.now ?? (() => new Date())
  for (let attempt = 1; ; attempt++) {
    try {
      return await reconcileOnce(store, options, now())
    } catch (error) {
      if (error instanceof ClusterError && error.status === 409 && attempt < attempts) {
        options.report(`${error.message}; reading again (attempt ${attempt + 1} of ${attempts})`)
        continue
      }
      throw error
    }
  }
}

async function reconcileOnce(store: MaterialStore, options: ReconcileOptions, now: Date): Promise<ReconcileResult> {
  const { report } = options
  const expected: Expectation = { dnsNames: options.dnsNames, ipAddresses: options.ipAddresses, renewBeforeMs: options.renewBeforeMs, now }
  const current = await store.read()
  const plan = planMaterial(current?.material, expected)

  if (plan.action === 'keep' || plan.action === 'prune') {
    if (plan.action === 'prune') {
      await store.write({ ...current!.material, caCert: plan.caBundle }, current)
      report(`${store.label}: dropped expired CA certificates from ${KEYS.ca}; certificate valid until ${plan.notAfter.toISOString()}`)
    } else {
      report(`${store.label}: valid until ${plan.notAfter.toISOString()}; left alone`)
    }
    const patched = await ensureCaBundle(options, plan.caBundle)
    return { stored: plan.action === 'keep' ? 'kept' : 'pruned', webhooksPatched: patched, caBundle: plan.caBundle, notAfter: plan.notAfter }
  }

  const material = await generateCertificates({
    commonName: options.commonName,
    dnsNames: options.dnsNames,
    ipAddresses: options.ipAddresses,
    validityDays: options.validityDays,
  })
  // Keep trusting the previous CA (while it is valid) next to the new one, so the serving
  // certificate the webhook pods hold right now stays trusted until they load the new one.
  const caBundle = rotatedCaBundle(material.caCert, previousCaIfUsable(current?.material.caCert, now), now)
  // The API server must trust the new CA before any pod can serve the new certificate.
  const patched = await ensureCaBundle(options, caBundle)
  // The CA key is not stored: the next renewal makes a new CA.
  await store.write({ caCert: caBundle, cert: material.cert, key: material.key }, current)
  if (current === undefined) {
    report(`${store.label}: created; certificate valid until ${material.notAfter.toISOString()}`)
    return { stored: 'created', webhooksPatched: patched, caBundle, notAfter: material.notAfter }
  }
  report(`${store.label}: renewed CA and certificate (${plan.reason}); valid until ${material.notAfter.toISOString()}`)
  return { stored: 'renewed', webhooksPatched: patched, caBundle, notAfter: material.notAfter }
}

async function ensureCaBundle(options: ReconcileOptions, caBundle: string): Promise<number> {
  if (options.webhook === undefined) return 0
  const { client, name } = options.webhook
  const config = await client.readWebhookConfiguration(name)
  if (config === undefined) {
    throw new ClusterError(`MutatingWebhookConfiguration ${name}: not found (HTTP 404): apply the manifests first, or fix --patch-webhook`, 404)
  }
  if (config.webhooks.length === 0) throw new ClusterError(`MutatingWebhookConfiguration ${name} has no webhooks to give a caBundle`)
  const indices = webhooksNeedingCaBundle(config, caBundle)
  if (indices.length === 0) {
    options.report(`MutatingWebhookConfiguration ${name}: caBundle of ${describeWebhooks(config.webhooks.map((w) => w.name))} already current`)
    return 0
  }
  await client.patchCaBundles(name, config.resourceVersion, indices, caBundle)
  options.report(`MutatingWebhookConfiguration ${name}: caBundle of ${describeWebhooks(indices.map((i) => config.webhooks[i]!.name))} patched`)
  return indices.length
}

function describeWebhooks(names: string[]): string {
  return names.length === 1 ? `webhook ${names[0]}` : `webhooks ${names.join(', ')}`
}

// ---------------------------------------------------------------------------
// The client-node implementation

export interface KubeClientOptions {
  /** --kubeconfig; otherwise KUBECONFIG, then in-cluster, then ~/.kube/config. */
  kubeconfig?: string
  context?: string
  env?: NodeJS.ProcessEnv
  /** Per request. Default 30 s. */
  timeoutMs?: number
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token'

/** $HOME, else the passwd entry; undefined in a container whose uid has neither (os.homedir() throws there). */
function homeDirectory(): string | undefined {
  try {
    return os.homedir()
  } catch {
    return undefined
  }
}

/** Where credentials come from, in order: --kubeconfig, KUBECONFIG, in-cluster, ~/.kube/config. */
export function credentialSource(options: KubeClientOptions, exists: (file: string) => boolean = existsSync, home: string | undefined = homeDirectory()):
  | { kind: 'file'; file: string; from: string }
  | { kind: 'cluster' }
  | { kind: 'none'; message: string } {
  const env = options.env ?? process.env
  if (options.kubeconfig) return { kind: 'file', file: options.kubeconfig, from: '--kubeconfig' }
  if (env.KUBECONFIG) return { kind: 'file', file: env.KUBECONFIG, from: 'KUBECONFIG' }
  if (env.KUBERNETES_SERVICE_HOST && exists(SERVICE_ACCOUNT_TOKEN)) return { kind: 'cluster' }
  const fallback = home === undefined ? undefined : path.join(home, '.kube', 'config')
  if (fallback !== undefined && exists(fallback)) return { kind: 'file', file: fallback, from: '~/.kube/config' }
  return { kind: 'none', message: 'no Kubernetes credentials: pass --kubeconfig, set KUBECONFIG, run in a pod with a ServiceAccount token, or create ~/.kube/config' }
}

type ClientNode = typeof import('@kubernetes/client-node')

export interface LoadedKubeConfig {
  k8s: ClientNode
  kc: import('@kubernetes/client-node').KubeConfig
  /** The API server URL of the current context. */
  server: string
}

/**
 * Loads credentials the way every command that talks to the API server does (credentialSource:
 * --kubeconfig, KUBECONFIG (several files merged, as kubectl does), in-cluster, ~/.kube/config)
 * and selects --context. Throws ClusterError with one line when none can be loaded.
 */
export async function loadKubeConfig(options: KubeClientOptions = {}): Promise<LoadedKubeConfig> {
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  const source = credentialSource(options)
  if (source.kind === 'none') throw new ClusterError(source.message)
  try {
    if (source.kind === 'cluster') {
      kc.loadFromCluster()
    } else {
      // KUBECONFIG may list several files; like kubectl, merge them
      const files = source.file.split(path.delimiter).filter((f) => f !== '')
      for (const file of files) {
        if (!existsSync(file)) throw new ClusterError(`kubeconfig ${file} (from ${source.from}) does not exist`)
      }
      kc.loadFromFile(files[0]!)
      for (const file of files.slice(1)) {
        const other = new k8s.KubeConfig()
        other.loadFromFile(file)
        kc.mergeConfig(other)
      }
    }
  } catch (error) {
    if (error instanceof ClusterError) throw error
    throw new ClusterError(`cannot load Kubernetes credentials${source.kind === 'file' ? ` from ${source.file}` : ' (in-cluster)'}: ${oneLine((error as Error).message)}`)
  }
  if (options.context !== undefined) {
    if (kc.getContextObject(options.context) === null) throw new ClusterError(`kubeconfig has no context ${JSON.stringify(options.context)}`)
    kc.setCurrentContext(options.context)
  }
  const cluster = kc.getCurrentCluster()
  if (cluster === null) throw new ClusterError('kubeconfig has no current cluster (set current-context or pass --context)')
  return { k8s, kc, server: cluster.server }
}

/**
 * Per-request options for client-node's object-parameter API: a timeout, and optionally a
 * Content-Type (JSON Patch for patches). That API runs "observable" middleware, built with
 * client-node's own minimal Observable.
 */
export function requestOptions(k8s: ClientNode, timeoutMs: number, contentType?: string): never {
  return {
    middleware: [
      {
        pre: (context: { setSignal(signal: AbortSignal): void; setHeaderParam(key: string, value: string): void }) => {
          context.setSignal(AbortSignal.timeout(timeoutMs))
          if (contentType !== undefined) context.setHeaderParam('Content-Type', contentType)
          return new k8s.Observable(Promise.resolve(context))
        },
        post: (response: unknown) => new k8s.Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append' as const,
  } as never
}

/** A ClusterClient talking to the API server through @kubernetes/client-node. */
export async function createKubeClient(options: KubeClientOptions = {}): Promise<ClusterClient> {
  const { k8s, kc, server } = await loadKubeConfig(options)
  const core = kc.makeApiClient(k8s.CoreV1Api)
  const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api)
  const timeoutMs = options.timeoutMs ?? 30_000
  const opts = (contentType?: string) => requestOptions(k8s, timeoutMs, contentType)
  const jsonPatch = 'application/json-patch+json'

  const call = async <T>(what: string, fn: () => Promise<T>, notFound?: () => T): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      const status = apiStatus(error)
      if (status === 404 && notFound !== undefined) return notFound()
      throw describeApiError(what, server, error)
    }
  }

  return {
    server,
    readSecret: (namespace, name) =>
      call(`get Secret ${namespace}/${name}`, async () => {
        const secret = await core.readNamespacedSecret({ name, namespace }, opts())
        const data: Record<string, string> = {}
        for (const [key, value] of Object.entries(secret.data ?? {})) data[key] = Buffer.from(value, 'base64').toString('utf8')
        return { resourceVersion: secret.metadata?.resourceVersion ?? '', type: secret.type ?? 'Opaque', data }
      }, () => undefined),
    createSecret: (namespace, name, data, labels) =>
      call(`create Secret ${namespace}/${name}`, async () => {
        await core.createNamespacedSecret(
          { namespace, body: { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace, labels }, type: SECRET_TYPE_TLS, data: encode(data) } },
          opts(),
        )
      }),
    replaceSecretData: (namespace, name, resourceVersion, data) =>
      call(`update Secret ${namespace}/${name}`, async () => {
        // Setting resourceVersion in the patch makes the API server refuse it (409) when the Secret changed since it was read.
        const body = [
          { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
          { op: 'add', path: '/data', value: encode(data) },
        ]
        await core.patchNamespacedSecret({ name, namespace, body }, opts(jsonPatch))
      }),
    deleteSecret: (namespace, name) =>
      call(`delete Secret ${namespace}/${name}`, async () => {
        await core.deleteNamespacedSecret({ name, namespace }, opts())
        return true
      }, () => false),
    readWebhookConfiguration: (name) =>
      call(`get MutatingWebhookConfiguration ${name}`, async () => {
        const config = await admission.readMutatingWebhookConfiguration({ name }, opts())
        return {
          resourceVersion: config.metadata?.resourceVersion ?? '',
          webhooks: (config.webhooks ?? []).map((w) => ({ name: w.name, caBundle: w.clientConfig?.caBundle ? Buffer.from(w.clientConfig.caBundle, 'base64').toString('utf8') : '' })),
        }
      }, () => undefined),
    patchCaBundles: (name, resourceVersion, indices, caBundle) =>
      call(`patch MutatingWebhookConfiguration ${name}`, async () => {
        const value = Buffer.from(caBundle).toString('base64')
        const body = [
          { op: 'replace', path: '/metadata/resourceVersion', value: resourceVersion },
          ...indices.map((i) => ({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value })),
        ]
        await admission.patchMutatingWebhookConfiguration({ name, body }, opts(jsonPatch))
      }),
  }
}

function encode(data: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
}

export function apiStatus(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'number' ? code : undefined
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim()
}

/** One line saying what failed, with the API server's own message. */
export function describeApiError(what: string, server: string, error: unknown): ClusterError {
  const status = apiStatus(error)
  if (status === undefined) {
    const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause
    const name = (error as Error | null)?.name
    const detail = name === 'AbortError' || name === 'TimeoutError' ? 'timed out' : oneLine(cause?.message ?? (error as Error)?.message ?? String(error))
    return new ClusterError(`${what}: cannot reach the API server at ${server}: ${detail}`)
  }
  let body = (error as { body?: unknown }).body
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body)
    } catch {
      /* keep the text */
    }
  }
  const message = typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
    ? (body as { message: string }).message
    : typeof body === 'string' && body !== '' ? body : ''
  const hint = status === 403 ? ' (check the RBAC rules of the ServiceAccount this runs as)'
    : status === 401 ? ' (the credentials were not accepted)'
      : status === 404 ? ' (does the namespace exist?)'
        : ''
  const label = status === 403 ? 'forbidden' : status === 404 ? 'not found' : status === 409 ? 'conflict' : status === 401 ? 'unauthorized' : 'failed'
  return new ClusterError(`${what}: ${label} (HTTP ${status})${message ? `: ${oneLine(message).slice(0, 400)}` : ''}${hint}`, status)
}
