// promtool and the Prometheus Operator's CRDs for the tests, built or fetched once from the
// Go module proxy by install.sh (next to this file) into the project cache.
//
// The unit tier checks and unit-tests the chart's alerts with promtool (rules.test.ts) and
// checks the dashboard's queries (dashboard.test.ts); the kind tier applies the PodMonitor
// and PrometheusRule with the CRDs (test/e2e/kind/scenarios/monitoring.ts).
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
/** A cold promtool build (every service discovery plugin of Prometheus) takes minutes on two busy cores. */
export const PROMTOOL_BUILD_TIMEOUT_MS = 40 * 60_000

export interface PrometheusTools {
  /** Absolute path of the promtool binary. */
  promtool: string
  /** Directory of the Prometheus Operator's CRD YAML files (monitoring.coreos.com_*.yaml). */
  crds: string
}

let tools: PrometheusTools | undefined

function install(args: string[]): Record<string, string> {
  const r = spawnSync('bash', [path.join(HERE, 'install.sh'), ...args], { encoding: 'utf8', timeout: PROMTOOL_BUILD_TIMEOUT_MS })
  const out = Object.fromEntries([...(r.stdout ?? '').matchAll(/^([A-Z_]+)=(.+)$/gm)].map((m) => [m[1]!, m[2]!.trim()]))
  if (r.status !== 0 || out.PROMETHEUS_OPERATOR_CRDS === undefined) throw new Error(`test/prometheus/install.sh ${args.join(' ')} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`)
  return out
}

/**
 * What install.sh built ($PROMTOOL_BIN overrides the binary; the CRDs still come from the
 * script). Returns at once when the cache is current. Throws with the script's stderr when
 * a step fails (no Go, a module the proxy refuses, a failed build).
 */
export function prometheusTools(): PrometheusTools {
  if (tools !== undefined) return tools
  const out = install([])
  if (out.PROMTOOL === undefined) throw new Error('test/prometheus/install.sh printed no PROMTOOL=')
  return (tools = { promtool: process.env.PROMTOOL_BIN || out.PROMTOOL, crds: out.PROMETHEUS_OPERATOR_CRDS! })
}

/** The directory of the Prometheus Operator's CRD files only (`install.sh crds`: no promtool build). */
export function operatorCrds(): string {
  return tools?.crds ?? install(['crds']).PROMETHEUS_OPERATOR_CRDS!
}

export interface PromtoolResult {
  status: number | null
  output: string
}

/** Runs promtool with `args` in `cwd`; stdout and stderr together, never throws for an exit code. */
export function promtool(args: string[], cwd?: string): PromtoolResult {
  const r = spawnSync(prometheusTools().promtool, args, { encoding: 'utf8', cwd, timeout: 120_000 })
  if (r.error) throw r.error
  return { status: r.status, output: `${r.stdout}${r.stderr}` }
}
