// The Helm CLI for the tests: built once from the Go module proxy by install.sh (next to
// this file) into the project cache, then run with its own config, cache and data
// directories so the tests never read or write the user's Helm setup.
//
// The fast suite renders and lints the chart with it; the e2e and kind tiers install,
// upgrade and uninstall releases through test/e2e/helpers/helm.ts, which builds on this.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(HERE, '..', '..')
export const CHART_DIR = path.join(ROOT, 'charts', 'openclaw-injector')
/** install.sh builds a cold Helm in several minutes on two busy cores. */
export const HELM_BUILD_TIMEOUT_MS = 30 * 60_000

let binary: string | undefined
let home: string | undefined

/**
 * The absolute path of the helm binary: $HELM_BIN when set, otherwise what install.sh
 * built (it returns at once when the cached binary is current). Throws with the script's
 * output when the build fails.
 */
export function helmBinary(): string {
  if (binary !== undefined) return binary
  if (process.env.HELM_BIN) return (binary = process.env.HELM_BIN)
  const r = spawnSync('bash', [path.join(HERE, 'install.sh')], { encoding: 'utf8', timeout: HELM_BUILD_TIMEOUT_MS })
  const line = /^HELM=(.+)$/m.exec(r.stdout ?? '')
  if (r.status !== 0 || line === null) throw new Error(`test/helm/install.sh failed (exit ${r.status ?? r.signal}):\n${r.stderr}`)
  return (binary = line[1]!.trim())
}

/** HELM_*_HOME in a temp dir of this process, removed when it exits. */
function helmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  if (home === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-helm-home-'))
    home = dir
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  return {
    ...process.env,
    HELM_CONFIG_HOME: path.join(home, 'config'),
    HELM_CACHE_HOME: path.join(home, 'cache'),
    HELM_DATA_HOME: path.join(home, 'data'),
    ...extra,
  }
}

export interface HelmResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs helm with `args`; never throws for a non-zero exit (the caller looks at status). */
export function runHelm(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): HelmResult {
  const r = spawnSync(helmBinary(), args, {
    encoding: 'utf8',
    env: helmEnv(options.env),
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 32 * 1024 * 1024,
    input: options.input,
  })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Runs helm and returns stdout; throws with helm's stderr on a non-zero exit. */
export function helm(args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): string {
  const r = runHelm(args, options)
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`)
  return r.stdout
}

/** `--values -` input for a values object (YAML). */
export function valuesInput(values: Record<string, unknown> | undefined): { args: string[]; input?: string } {
  return values === undefined ? { args: [] } : { args: ['--values', '-'], input: stringify(values) }
}

export interface TemplateOptions {
  release?: string
  namespace?: string
  values?: Record<string, unknown>
  /** Extra helm template flags, e.g. ['--show-only', 'templates/deployment.yaml']. */
  args?: string[]
}

/** `helm template` of the chart: the rendered YAML text (hooks included). Throws on a render error. */
export function template(options: TemplateOptions = {}): string {
  const v = valuesInput(options.values)
  return helm(['template', options.release ?? 'openclaw-injector', CHART_DIR, '--namespace', options.namespace ?? 'openclaw-injector', ...v.args, ...(options.args ?? [])], { input: v.input })
}

/** `helm lint --strict` of the chart; the result, not thrown. */
export function lint(values?: Record<string, unknown>): HelmResult {
  const v = valuesInput(values)
  return runHelm(['lint', '--strict', CHART_DIR, ...v.args], { input: v.input })
}

/** The helm binary's version line (`helm version --short`). */
export function helmVersion(): string {
  return execFileSync(helmBinary(), ['version', '--short'], { encoding: 'utf8', env: helmEnv() }).trim()
}
