// An in-memory ClusterClient with the API server's optimistic concurrency: every write
// bumps resourceVersion and a write against a stale one fails with 409.
import { ClusterError, type ClusterClient, type SecretState, type WebhookConfigurationState } from '../../../src/certs/cluster.ts'

export interface MemoryCluster extends ClusterClient {
  secrets: Map<string, SecretState & { labels: Record<string, string> }>
  configs: Map<string, WebhookConfigurationState>
  /** Every call, as "verb kind name". */
  calls: string[]
  /** Runs before each write; may change the stored objects (a concurrent writer) or throw. */
  beforeWrite?: (call: string) => void
  /** "verb kind" pairs answered with 403. */
  forbidden: Set<string>
  bump(): string
}

export function memoryCluster(): MemoryCluster {
  let rv = 100
  const cluster: MemoryCluster = {
    server: 'memory://cluster',
    secrets: new Map(),
    configs: new Map(),
    calls: [],
    forbidden: new Set(),
    bump: () => String(++rv),
    async readSecret(namespace, name) {
      record('get', 'Secret', `${namespace}/${name}`)
      const s = cluster.secrets.get(`${namespace}/${name}`)
      return s === undefined ? undefined : structuredClone({ resourceVersion: s.resourceVersion, type: s.type, data: s.data })
    },
    async createSecret(namespace, name, data, labels) {
      record('create', 'Secret', `${namespace}/${name}`)
      if (cluster.secrets.has(`${namespace}/${name}`)) throw new ClusterError(`create Secret ${namespace}/${name}: conflict (HTTP 409): already exists`, 409)
      cluster.secrets.set(`${namespace}/${name}`, { resourceVersion: cluster.bump(), type: 'kubernetes.io/tls', data: { ...data }, labels: { ...labels } })
    },
    async replaceSecretData(namespace, name, resourceVersion, data) {
      record('update', 'Secret', `${namespace}/${name}`)
      const s = cluster.secrets.get(`${namespace}/${name}`)
      if (s === undefined) throw new ClusterError(`update Secret ${namespace}/${name}: not found (HTTP 404)`, 404)
      if (s.resourceVersion !== resourceVersion) throw new ClusterError(`update Secret ${namespace}/${name}: conflict (HTTP 409): the object has been modified`, 409)
      s.data = { ...data }
      s.resourceVersion = cluster.bump()
    },
    async deleteSecret(namespace, name) {
      record('delete', 'Secret', `${namespace}/${name}`)
      return cluster.secrets.delete(`${namespace}/${name}`)
    },
    async readWebhookConfiguration(name) {
      record('get', 'MutatingWebhookConfiguration', name)
      const c = cluster.configs.get(name)
      return c === undefined ? undefined : structuredClone(c)
    },
    async patchCaBundles(name, resourceVersion, indices, caBundle) {
      record('patch', 'MutatingWebhookConfiguration', name)
      const c = cluster.configs.get(name)
      if (c === undefined) throw new ClusterError(`patch MutatingWebhookConfiguration ${name}: not found (HTTP 404)`, 404)
      if (c.resourceVersion !== resourceVersion) throw new ClusterError(`patch MutatingWebhookConfiguration ${name}: conflict (HTTP 409): the object has been modified`, 409)
      for (const i of indices) c.webhooks[i]!.caBundle = caBundle
      c.resourceVersion = cluster.bump()
    },
  }
  function record(verb: string, kind: string, name: string): void {
    const call = `${verb} ${kind} ${name}`
    cluster.calls.push(call)
    if (cluster.forbidden.has(`${verb} ${kind}`)) {
      throw new ClusterError(`${verb} ${kind} ${name}: forbidden (HTTP 403): not allowed (check the RBAC rules of the ServiceAccount this runs as)`, 403)
    }
    if (verb !== 'get') cluster.beforeWrite?.(call)
  }
  return cluster
}

export function writes(cluster: MemoryCluster): string[] {
  return cluster.calls.filter((c) => !c.startsWith('get '))
}
