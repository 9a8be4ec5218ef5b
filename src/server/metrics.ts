// Prometheus metrics of the webhook, through prom-client, on a registry of each server's own
// (never prom-client's global one, so two servers in one process, as in the tests, keep their
// own counts). With `defaultMetrics`, prom-client's default set comes too: process_* (CPU,
// memory, file descriptors, start time) and nodejs_* (event-loop lag, heap spaces, GC, handles).
// Metric names and labels here are what docs/cluster-admin.md documents and alerts are built
// on: add labels or metrics, never rename.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

const PREFIX = 'openclaw_injector_'

export interface AdmissionLabels {
  /** CREATE, UPDATE, DELETE, CONNECT as the API server sent it, or `other`. */
  operation: string
  /** inject, skip, ignore (not a pod CREATE) or error (engine exception). */
  decision: string
  /** The engine's decision code (a closed set), or the handler's own label. */
  reason: string
  /** request.dryRun: the API server persists nothing, so an `inject` here injected no pod. */
  dryRun: boolean
}

/** What /metrics serves. */
export interface MetricsRegistry {
  readonly contentType: string
  /** The exposition text of every series now. */
  metrics(): Promise<string>
}

export interface ServerMetrics {
  readonly registry: MetricsRegistry
  /** One answered review and how long it took, in seconds from the start of its request. */
  observeAdmission(labels: AdmissionLabels, seconds: number): void
  engineError(): void
  /** A request refused before the engine: 400, 404, 413, 415, 429. */
  rejected(status: number): void
  certificateLoaded(notAfter: Date): void
  certificateReload(result: 'success' | 'error'): void
  /** A request reached the admission listener; the returned function marks it answered or abandoned. */
  requestStarted(): () => void
}

export interface MetricsOptions {
  version: string
  /** prom-client's default process_* and nodejs_* metrics; on in the server, off where they only cost time. */
  defaultMetrics?: boolean
}

/**
 * Seconds. Fine below 10 ms, where answers are, and up to 15 s, past the chart's
 * timeoutSeconds (5) and the API server's default (10), so a stall shows in the buckets and
 * histogram_quantile() can see a p99 above half of any timeoutSeconds of 1 to 30 s (the
 * chart's alert OpenClawInjectorSlowAdmissions): past the last finite bound it stops there.
 */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 5, 10, 15]

/** The server's metrics, starting at zero. Throws nothing. */
export function createMetrics(options: MetricsOptions): ServerMetrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })
  const registers = [registry]

  const admissions = new Counter({
    name: `${PREFIX}admissions_total`,
    help: 'Admission reviews answered, by operation, decision, reason and whether the request was a dry run (dry_run="true" persisted nothing).',
    labelNames: ['operation', 'decision', 'reason', 'dry_run'] as const,
    registers,
  })
  const duration = new Histogram({
    name: `${PREFIX}admission_duration_seconds`,
    help: 'Time from the start of an admission request to its answer, by the webhook\'s own clock.',
    labelNames: ['decision'] as const,
    buckets: DURATION_BUCKETS,
    registers,
  })
  const engineErrors = new Counter({
    name: `${PREFIX}engine_errors_total`,
    help: 'Exceptions thrown by the injection engine; each pod was admitted unchanged.',
    registers,
  })
  const rejected = new Counter({
    name: `${PREFIX}rejected_requests_total`,
    help: 'Requests refused before reaching the engine, by HTTP status (429: too many bodies being read at once).',
    labelNames: ['status'] as const,
    registers,
  })
  const certificateExpiry = new Gauge({
    name: `${PREFIX}certificate_expiry_timestamp_seconds`,
    help: 'Expiry (notAfter) of the serving certificate in use, as a Unix timestamp.',
    registers,
  })
  const certificateReloads = new Counter({
    name: `${PREFIX}certificate_reloads_total`,
    help: 'Reloads of the serving certificate after its files changed, by result.',
    labelNames: ['result'] as const,
    registers,
  })
  const buildInfo = new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels say which build is running.',
    labelNames: ['version', 'node_version'] as const,
    registers,
  })
  const inFlight = new Gauge({
    name: `${PREFIX}in_flight_requests`,
    help: 'Requests on the admission listener that have not been answered yet; what a drain waits for.',
    registers,
  })
  buildInfo.set({ version: options.version, node_version: process.version }, 1)
  // Make the zero visible from the start so rate() and alerts have a series.
  engineErrors.inc(0)
  certificateReloads.inc({ result: 'success' }, 0)
  certificateReloads.inc({ result: 'error' }, 0)
  inFlight.set(0)

  return {
    registry,
    observeAdmission(labels, seconds) {
      admissions.inc({ operation: labels.operation, decision: labels.decision, reason: labels.reason, dry_run: String(labels.dryRun) })
      duration.observe({ decision: labels.decision }, seconds)
    },
    engineError() {
      engineErrors.inc()
    },
    rejected(status) {
      rejected.inc({ status: String(status) })
    },
    certificateLoaded(notAfter) {
      certificateExpiry.set(Math.floor(notAfter.getTime() / 1000))
    },
    certificateReload(result) {
      certificateReloads.inc({ result })
    },
    requestStarted() {
      inFlight.inc()
      let done = false
      return () => {
        if (done) return
        done = true
        inFlight.dec()
      }
    },
  }
}
