// Figures about the webhook's own pods on a kind cluster: memory and CPU from the kubelet's
// Summary API (the same numbers `kubectl top` shows, without metrics-server), and admission
// latency quantiles from Prometheus histograms: the webhook's own
// openclaw_injector_admission_duration_seconds (scraped through the API server's pod proxy)
// and the API server's apiserver_admission_webhook_admission_duration_seconds, which adds the
// network and TLS round trip. Figures only: the tests print them and never assert on them.
import type { Cluster } from './cluster.ts'

export const WEBHOOK_NAMESPACE = 'openclaw-injector'
/** The webhook's container in manifests/base/deployment.yaml. */
const WEBHOOK_CONTAINER = 'webhook'

/** One webhook pod at one moment, from the kubelet. */
export interface PodUsage {
  pod: string
  /** CPU over cAdvisor's last sampling window, in millicores. */
  cpuMillicores: number
  /** Resident set size of the container, MiB. */
  rssMiB: number
  /** Working set (what the kubelet evicts on), MiB. */
  workingSetMiB: number
}

/** The webhook containers' usage from every node's /stats/summary. */
export async function webhookUsage(k: Cluster): Promise<PodUsage[]> {
  const nodes = (await k.getJson(['get', 'nodes'])).items.map((n: any) => n.metadata.name as string)
  const usage: PodUsage[] = []
  for (const node of nodes) {
    const summary = JSON.parse((await k.kubectl(['get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`])).stdout)
    for (const pod of summary.pods ?? []) {
      if (pod.podRef?.namespace !== WEBHOOK_NAMESPACE) continue
      const container = (pod.containers ?? []).find((c: any) => c.name === WEBHOOK_CONTAINER)
      if (!container) continue
      usage.push({
        pod: pod.podRef.name,
        cpuMillicores: (container.cpu?.usageNanoCores ?? 0) / 1e6,
        rssMiB: (container.memory?.rssBytes ?? 0) / 2 ** 20,
        workingSetMiB: (container.memory?.workingSetBytes ?? 0) / 2 ** 20,
      })
    }
  }
  return usage
}

/** Keeps the highest CPU and memory seen per pod while `during` runs, sampling every `everyMs`. */
export async function peakUsage<T>(k: Cluster, during: Promise<T>, everyMs = 2_000): Promise<{ result: T; peak: PodUsage[] }> {
  const peak = new Map<string, PodUsage>()
  let done = false
  const sampler = (async () => {
    while (!done) {
      try {
        for (const u of await webhookUsage(k)) {
          const seen = peak.get(u.pod)
          peak.set(u.pod, seen === undefined ? u : {
            pod: u.pod,
            cpuMillicores: Math.max(seen.cpuMillicores, u.cpuMillicores),
            rssMiB: Math.max(seen.rssMiB, u.rssMiB),
            workingSetMiB: Math.max(seen.workingSetMiB, u.workingSetMiB),
          })
        }
      } catch {
        // a sample lost while a pod goes away is only a missing figure
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  try {
    return { result: await during, peak: [...peak.values()] }
  } finally {
    done = true
    await sampler
  }
}

export function formatUsage(usage: readonly PodUsage[]): string {
  return usage.map((u) => `${u.pod}: ${u.cpuMillicores.toFixed(1)} mCPU, RSS ${u.rssMiB.toFixed(1)} MiB, working set ${u.workingSetMiB.toFixed(1)} MiB`).join('; ') || 'no sample'
}

/** Cumulative histogram buckets: upper bound (le) and count of observations at or below it. */
export interface Buckets {
  le: number[]
  counts: number[]
}

/**
 * Sums the `<metric>_bucket` series of a Prometheus text exposition whose labels match every
 * entry of `where` (exact values), over all other labels.
 */
export function histogram(text: string, metric: string, where: Record<string, string> = {}): Buckets {
  const sums = new Map<number, number>()
  const line = new RegExp(`^${metric}_bucket\\{([^}]*)\\}\\s+(\\S+)`)
  for (const row of text.split('\n')) {
    const m = line.exec(row)
    if (!m) continue
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]))
    if (Object.entries(where).some(([key, value]) => labels[key] !== value)) continue
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le)
    sums.set(le, (sums.get(le) ?? 0) + Number(m[2]))
  }
  const le = [...sums.keys()].sort((a, b) => a - b)
  return { le, counts: le.map((b) => sums.get(b)!) }
}

/** Adds two sets of buckets with the same bounds (one per scraped pod). */
export function addBuckets(a: Buckets, b: Buckets): Buckets {
  if (a.le.length === 0) return b
  if (b.le.length === 0) return a
  return { le: a.le, counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)) }
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside its bucket as
 * Prometheus' histogram_quantile() does; the highest finite bound when it falls in +Inf;
 * undefined with no observations.
 */
export function quantile(q: number, buckets: Buckets): number | undefined {
  const total = buckets.counts.at(-1) ?? 0
  if (total === 0) return undefined
  const rank = q * total
  let lowerBound = 0
  let lowerCount = 0
  for (let i = 0; i < buckets.le.length; i++) {
    const bound = buckets.le[i]!
    const count = buckets.counts[i]!
    if (count >= rank) {
      if (bound === Infinity) return buckets.le[i - 1]
      return lowerBound + (bound - lowerBound) * ((rank - lowerCount) / Math.max(count - lowerCount, 1))
    }
    lowerBound = bound
    lowerCount = count
  }
  return undefined
}

/** The webhook pods' admission-duration histogram, summed over the pods running now. */
export async function webhookLatency(k: Cluster): Promise<Buckets> {
  const pods = (await k.getJson(['get', 'pods', '-n', WEBHOOK_NAMESPACE, '-l', 'app.kubernetes.io/component=webhook'])).items
  let sum: Buckets = { le: [], counts: [] }
  for (const pod of pods) {
    if (pod.status?.phase !== 'Running') continue
    const text = (await k.kubectl(['get', '--raw', `/api/v1/namespaces/${WEBHOOK_NAMESPACE}/pods/${pod.metadata.name}:8080/proxy/metrics`])).stdout
    sum = addBuckets(sum, histogram(text, 'openclaw_injector_admission_duration_seconds'))
  }
  return sum
}

/** The API server's view of calls to the webhook named `webhook` (round trip included). */
export async function apiserverLatency(k: Cluster, webhook: string): Promise<Buckets> {
  const text = (await k.kubectl(['get', '--raw', '/metrics'])).stdout
  return histogram(text, 'apiserver_admission_webhook_admission_duration_seconds', { name: webhook })
}

export function formatLatency(label: string, buckets: Buckets): string {
  const n = buckets.counts.at(-1) ?? 0
  const ms = (q: number) => {
    const v = quantile(q, buckets)
    return v === undefined ? 'n/a' : `${(v * 1000).toFixed(2)} ms`
  }
  return `${label}: ${n} admissions, p50 ${ms(0.5)}, p99 ${ms(0.99)}`
}
