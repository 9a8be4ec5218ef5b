// Prometheus metrics of the webhook, on a registry of its own (never prom-client's
// global one, so two servers in one process, as in the tests, do not collide).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

const PREFIX = 'openclaw_injector_'

export interface AdmissionLabels {
  /** CREATE, UPDATE, DELETE, CONNECT as the API server sent it. */
  operation: string
  /** inject, skip, ignore (not a pod CREATE) or error (engine exception). */
  decision: string
  /** The engine's decision code (a closed set), or the handler's own label. */
  reason: string
}

export interface ServerMetrics {
  readonly registry: Registry
  observeAdmission(labels: AdmissionLabels, seconds: number): void
  engineError(): void
  /** A request refused before the engine: 400, 404, 413, 415. */
  rejected(status: number): void
  certificateLoaded(notAfter: Date): void
  certificateReload(result: 'success' | 'error'): void
  /** A request reached the admission listener; the returned function marks it answered or abandoned. */
  requestStarted(): () => void
}

export interface MetricsOptions {
  version: string
  /** process_* and nodejs_* metrics; on in the server, off where they only cost time. */
  defaultMetrics?: boolean
}

export function createMetrics(options: MetricsOptions): ServerMetrics {
  const registry = new Registry()
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry })

  const admissions = new Counter({
    name: `${PREFIX}admissions_total`,
    help: 'Admission reviews answered, by operation, decision and reason.',
    labelNames: ['operation', 'decision', 'reason'] as const,
    registers: [registry],
  })
  const duration = new Histogram({
    name: `${PREFIX}admission_duration_seconds`,
    help: 'Time from receiving an admission review to answering it.',
    labelNames: ['decision'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  })
  const engineErrors = new Counter({
    name: `${PREFIX}engine_errors_total`,
    help: 'Exceptions thrown by the injection engine; each pod was admitted unchanged.',
    registers: [registry],
  })
  const rejected = new Counter({
    name: `${PREFIX}rejected_requests_total`,
    help: 'Requests refused before reaching the engine, by HTTP status.',
    labelNames: ['status'] as const,
    registers: [registry],
  })
  const certificateExpiry = new Gauge({
    name: `${PREFIX}certificate_expiry_timestamp_seconds`,
    help: 'Expiry (notAfter) of the serving certificate in use, as a Unix timestamp.',
    registers: [registry],
  })
  const certificateReloads = new Counter({
    name: `${PREFIX}certificate_reloads_total`,
    help: 'Reloads of the serving certificate after its files changed, by result.',
    labelNames: ['result'] as const,
    registers: [registry],
  })
  const buildInfo = new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; the labels say which build is running.',
    labelNames: ['version', 'node_version'] as const,
    registers: [registry],
  })
  const inFlight = new Gauge({
    name: `${PREFIX}in_flight_requests`,
    help: 'Requests on the admission listener that have not been answered yet; what a drain waits for.',
    registers: [registry],
  })
  buildInfo.set({ version: options.version, node_version: process.version }, 1)
  // Make the zero visible from the start so rate() and alerts have a series.
  engineErrors.inc(0)
  certificateReloads.inc({ result: 'success' }, 0)
  certificateReloads.inc({ result: 'error' }, 0)

  return {
    registry,
    observeAdmission(labels, seconds) {
      admissions.inc(labels)
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
