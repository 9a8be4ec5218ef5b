// `openclaw-injector check`: is the installation in the current cluster healthy? One line per
// check, ✓ or ✗, a fix for each ✗; exit 1 when any check fails. -o json for machines.
import { isDnsLabel, isDnsSubdomain } from '../names.ts'
import { ClusterError } from '../certs/cluster.ts'
import { createCheckApi } from '../check/api.ts'
import { runChecks, untilInjected, type CheckResult } from '../check/checks.ts'
import { parseDuration } from './certs.ts'
import type { CommandIO } from './io.ts'
import { parseSettingsArgs } from './settings-args.ts'

const USAGE = `usage: openclaw-injector check [-n NAMESPACE] [-o text|json] [--wait[=DURATION]] [flags]

Checks a live installation against the current kubeconfig (--kubeconfig, KUBECONFIG,
in-cluster, ~/.kube/config): the webhook configuration and its caBundle, the serving
certificate the webhook presents (verified with that caBundle) and its expiry, the
Deployment's ready replicas, the PodDisruptionBudget, a server-side dry-run OpenClaw pod
(nothing is stored), and the pods of every labelled namespace (or -n NAMESPACE): OpenClaw
pods not injected, and pods injected by another version than the one running.
Exit 0 when every check passes, 1 when one fails, 2 for bad flags.

  -n, --namespace NS            only this namespace for the dry run and the pod checks
  --wait[=DURATION]             run the checks again every 2s until the dry-run pod comes
                                back injected, at most DURATION (default 2m): the last step
                                of an install, since Ready webhook pods are not yet a Service
                                the API server reaches; then report as usual
  -o, --output text|json        text (default): one line per check; json: an object
  --webhook-configuration NAME  the MutatingWebhookConfiguration (default openclaw-injector)
  --injector-namespace NS       where the Deployment runs when the webhook is registered by
                                URL (default openclaw-injector; else from its Service)
  --kubeconfig FILE, --context NAME, --timeout DURATION (per request, default 30s)
  --config FILE, --<setting> VALUE   the engine settings the webhook runs with, to explain
                                pods that were not injected (as for explain)`

const FLAGS = {
  namespace: { type: 'string', short: 'n' },
  output: { type: 'string', short: 'o' },
  'webhook-configuration': { type: 'string' },
  'injector-namespace': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  timeout: { type: 'string' },
  wait: { type: 'string' },
} as const

/** What a bare `--wait` waits for. */
const DEFAULT_WAIT = '2m'

/** The text report: one line per check; a ✗ line ends with its fix. */
export function formatText(results: CheckResult[]): string {
  return results.map((r) => `${r.ok ? '✓' : '✗'} ${r.name}: ${r.detail}${r.ok || r.fix === undefined ? '' : `; fix: ${r.fix}`}\n`).join('')
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  const command = 'openclaw-injector check'
  // --wait takes an optional value: a bare --wait is --wait=2m (node:util parseArgs has no optional values).
  const parsed = parseSettingsArgs(command, () => USAGE, args.map((a) => (a === '--wait' ? `--wait=${DEFAULT_WAIT}` : a)), io, FLAGS)
  if (typeof parsed === 'number') return parsed
  const values = parsed.values as Record<string, string | undefined>
  const usage = (message: string): number => {
    io.stderr.write(`${command}: ${message}; see --help\n`)
    return 2
  }
  const output = values.output ?? 'text'
  if (output !== 'text' && output !== 'json') return usage(`-o must be text or json, got ${JSON.stringify(output)}`)
  for (const flag of ['namespace', 'injector-namespace'] as const) {
    const value = values[flag]
    if (value !== undefined && !isDnsLabel(value)) return usage(`--${flag} ${JSON.stringify(value)}: not a valid namespace name`)
  }
  const configName = values['webhook-configuration'] ?? 'openclaw-injector'
  if (!isDnsSubdomain(configName)) return usage(`--webhook-configuration ${JSON.stringify(configName)}: not a valid object name`)
  const timeoutMs = values.timeout === undefined ? 30_000 : parseDuration(values.timeout)
  if (timeoutMs === undefined || timeoutMs <= 0) return usage(`--timeout ${JSON.stringify(values.timeout)}: expected a duration such as 30s or 2m`)
  const waitMs = values.wait === undefined ? undefined : (parseDuration(values.wait) ?? 0)
  if (waitMs !== undefined && waitMs <= 0) return usage(`--wait ${JSON.stringify(values.wait)}: expected a duration such as 30s or 2m`)

  let results: CheckResult[]
  try {
    const api = await createCheckApi({ kubeconfig: values.kubeconfig, context: values.context, timeoutMs })
    const once = () => runChecks(api, {
      webhookConfiguration: configName,
      injectorNamespace: values['injector-namespace'] ?? 'openclaw-injector',
      namespace: values.namespace,
      settings: parsed.settings.engine,
    })
    if (waitMs === undefined) {
      results = await once()
    } else {
      io.stderr.write(`${command}: waiting up to ${values.wait} for a dry-run OpenClaw pod to come back injected\n`)
      const waited = await untilInjected(once, { timeoutMs: waitMs })
      results = waited.results
      const seconds = (waited.waitedMs / 1000).toFixed(0)
      io.stderr.write(`${command}: ${waited.injected ? `the API server reached the webhook after ${seconds} s` : `the dry-run pod did not come back injected within ${values.wait}`} (${waited.runs} run${waited.runs === 1 ? '' : 's'})\n`)
    }
  } catch (error) {
    if (!(error instanceof ClusterError)) throw error
    io.stderr.write(`${command}: ${error.message}\n`)
    return 1
  }
  const healthy = results.every((r) => r.ok)
  if (output === 'json') io.stdout.write(JSON.stringify({ healthy, checks: results }, null, 2) + '\n')
  else io.stdout.write(formatText(results) + (healthy ? 'openclaw-injector is healthy\n' : `${results.filter((r) => !r.ok).length} of ${results.length} checks failed\n`))
  return healthy ? 0 : 1
}
