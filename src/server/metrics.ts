// Prometheus metrics of the webhook, each server with its own set (two servers in one
// process, as in the tests, never share counts), in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). A handful of series
// need no client library: prom-client alone made up a fifth of the webhook's resident
// memory at idle.
import { readdirSync, readFileSync } from 'node:fs'

const PREFIX = 'openclaw_injector_'
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export interface AdmissionLabels {
  /** CREATE, UPDATE, DELETE, CONNECT as the API server sent it. */
  operation: string
  /** inject, skip, ignore (not a pod CREATE) or error (engine exception). */
  decision: string
  /** The engine's decision code (a closed set), or the handler's own label. */
  reason: string
}

/** What /metrics serves. */
export interface MetricsRegistry {
  readonly contentType: string
  /** The exposition text of every series now. */
  metrics(): string
}

export interface ServerMetrics {
  readonly registry: MetricsRegistry
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

/**
 * Upper bounds in seconds. Sub-millisecond for the usual answer; 2.5, 5, 10 and 15 so that
 * histogram_quantile() can see a p99 above half of the webhook configuration's timeoutSeconds
 * (1 to 30 s; the chart's alert OpenClawInjectorSlowAdmissions): above the last finite bound
 * the quantile stops at that bound, and with 1 s last that alert could never fire.
 */
const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5, 5, 10, 15]

/** A label value as the format quotes it: backslash, double quote and newline escaped. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function labelText(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`
}

function header(name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string {
  return `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`
}

/** Series by their label text; the label names are fixed per metric, in the order given. */
class Family {
  readonly values = new Map<string, number>()
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge'
  constructor(name: string, help: string, type: 'counter' | 'gauge') {
    this.name = name
    this.help = help
    this.type = type
  }
  add(labels: ReadonlyArray<readonly [string, string]>, by: number): void {
    const key = labelText(labels)
    this.values.set(key, (this.values.get(key) ?? 0) + by)
  }
  set(labels: ReadonlyArray<readonly [string, string]>, value: number): void {
    this.values.set(labelText(labels), value)
  }
  text(): string {
    let out = header(this.name, this.help, this.type)
    for (const [labels, value] of this.values) out += `${this.name}${labels} ${value}\n`
    return out
  }
}

class DurationHistogram {
  /** Per decision: the count in each bucket (not cumulative), then sum and count. */
  readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>()
  readonly name: string
  readonly help: string
  constructor(name: string, help: string) {
    this.name = name
    this.help = help
  }
  observe(decision: string, seconds: number): void {
    let s = this.series.get(decision)
    if (s === undefined) this.series.set(decision, (s = { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 }))
    const i = DURATION_BUCKETS.findIndex((le) => seconds <= le)
    if (i !== -1) s.buckets[i]!++
    s.sum += seconds
    s.count++
  }
  text(): string {
    let out = header(this.name, this.help, 'histogram')
    for (const [decision, s] of this.series) {
      const d = `decision="${escapeLabel(decision)}"`
      let cumulative = 0
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += s.buckets[i]!
        out += `${this.name}_bucket{le="${le}",${d}} ${cumulative}\n`
      })
      out += `${this.name}_bucket{le="+Inf",${d}} ${s.count}\n${this.name}_sum{${d}} ${s.sum}\n${this.name}_count{${d}} ${s.count}\n`
    }
    return out
  }
}

/** The server's metrics, starting at zero. Throws nothing. */
export function createMetrics(options: MetricsOptions): ServerMetrics {
  const admissions = new Family(`${PREFIX}admissions_total`, 'Admission reviews answered, by operation, decision and reason.', 'counter')
  const duration = new DurationHistogram(`${PREFIX}admission_duration_seconds`, 'Time from receiving an admission review to answering it.')
  const engineErrors = new Family(`${PREFIX}engine_errors_total`, 'Exceptions thrown by the injection engine; each pod was admitted unchanged.', 'counter')
  const rejected = new Family(`${PREFIX}rejected_requests_total`, 'Requests refused before reaching the engine, by HTTP status.', 'counter')
  const certificateExpiry = new Family(`${PREFIX}certificate_expiry_timestamp_seconds`, 'Expiry (notAfter) of the serving certificate in use, as a Unix timestamp.', 'gauge')
  const certificateReloads = new Family(`${PREFIX}certificate_reloads_total`, 'Reloads of the serving certificate after its files changed, by result.', 'counter')
  const buildInfo = new Family(`${PREFIX}build_info`, 'Always 1; the labels say which build is running.', 'gauge')
  const inFlight = new Family(`${PREFIX}in_flight_requests`, 'Requests on the admission listener that have not been answered yet; what a drain waits for.', 'gauge')
  buildInfo.set([['version', options.version], ['node_version', process.version]], 1)
  // Make the zero visible from the start so rate() and alerts have a series.
  engineErrors.set([], 0)
  certificateReloads.set([['result', 'success']], 0)
  certificateReloads.set([['result', 'error']], 0)
  inFlight.set([], 0)
  const families = [admissions, duration, engineErrors, rejected, certificateExpiry, certificateReloads, buildInfo, inFlight]
  const processMetrics = options.defaultMetrics ?? true

  return {
    registry: {
      contentType: METRICS_CONTENT_TYPE,
      metrics: () => (processMetrics ? processText() : '') + families.map((f) => f.text()).join(''),
    },
    observeAdmission(labels, seconds) {
      admissions.add([['operation', labels.operation], ['decision', labels.decision], ['reason', labels.reason]], 1)
      duration.observe(labels.decision, seconds)
    },
    engineError() {
      engineErrors.add([], 1)
    },
    rejected(status) {
      rejected.add([['status', String(status)]], 1)
    },
    certificateLoaded(notAfter) {
      certificateExpiry.set([], Math.floor(notAfter.getTime() / 1000))
    },
    certificateReload(result) {
      certificateReloads.add([['result', result]], 1)
    },
    requestStarted() {
      inFlight.add([], 1)
      let done = false
      return () => {
        if (done) return
        done = true
        inFlight.add([], -1)
      }
    },
  }
}

const startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime())

/**
 * The standard process_* metrics (names as Prometheus' client libraries use them) and the
 * nodejs_* heap figures, read at scrape time.
 */
function processText(): string {
  const cpu = process.cpuUsage()
  const memory = process.memoryUsage()
  let openFds = NaN
  try {
    openFds = readdirSync('/proc/self/fd').length
  } catch {
    // not Linux: left out below
  }
  let maxFds = NaN
  try {
    maxFds = Number(/^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1])
  } catch {
    // not Linux
  }
  const lines: Array<[string, string, 'counter' | 'gauge', number]> = [
    ['process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', 'counter', cpu.user / 1e6],
    ['process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', 'counter', cpu.system / 1e6],
    ['process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 'counter', (cpu.user + cpu.system) / 1e6],
    ['process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'gauge', startTimeSeconds],
    ['process_resident_memory_bytes', 'Resident memory size in bytes.', 'gauge', memory.rss],
    ['process_open_fds', 'Number of open file descriptors.', 'gauge', openFds],
    ['process_max_fds', 'Maximum number of open file descriptors.', 'gauge', maxFds],
    ['nodejs_heap_size_total_bytes', 'Process heap size from Node.js in bytes.', 'gauge', memory.heapTotal],
    ['nodejs_heap_size_used_bytes', 'Process heap size used from Node.js in bytes.', 'gauge', memory.heapUsed],
    ['nodejs_external_memory_bytes', 'Node.js external memory size in bytes.', 'gauge', memory.external],
  ]
  return lines
    .filter(([, , , value]) => Number.isFinite(value))
    .map(([name, help, type, value]) => `${header(name, help, type)}${name} ${value}\n`)
    .join('')
}
