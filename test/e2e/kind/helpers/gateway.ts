// Asking the real gateway in a pod who it accepts, through `kubectl exec` into its container:
// the in-pod CLI (`openclaw gateway health` with the container's env and the config on the
// volume) and a bare client that presents one token and nothing else. Tokens reach the
// container on stdin, never as a kubectl argument (run() logs those); every output kept for a
// diagnostic has the tokens replaced by placeholders.
import { randomBytes } from 'node:crypto'
import JSON5 from 'json5'
import { refused } from '../../../openclaw/helpers/scenarios.ts'
import { CommandError, eventually, type Cluster } from './cluster.ts'
import { CONFIG_PATH, GATEWAY_PORT, OPENCLAW_LABELS } from './objects.ts'
import { isInjectedContainer } from '../../../../src/engine/init-container.ts'

/** A fresh random gateway token: 48 hex digits, never a fixed string. */
export function newToken(): string {
  return randomBytes(24).toString('hex')
}

/** Replaces each named secret in a text with `<name>`. */
export function redactor(secrets: Record<string, string>): (text: string) => string {
  return (text) => Object.entries(secrets).reduce((out, [name, value]) => out.split(value).join(`<${name}>`), text)
}

/** What a command run by `kubectl exec` did: its exit status and output (not yet redacted). */
export interface ExecResult {
  code: number | null
  stdout: string
  stderr: string
}

/** `kubectl exec` that reports a non-zero exit instead of throwing. */
export async function exec(k: Cluster, ns: string, pod: string, command: readonly string[], input?: string): Promise<ExecResult> {
  const args = ['exec', ...(input === undefined ? [] : ['-i']), '-n', ns, pod, '-c', 'main', '--', ...command]
  try {
    const out = await k.kubectl(args, { input, timeoutMs: 120_000 })
    return { code: 0, stdout: out.stdout, stderr: out.stderr }
  } catch (err) {
    if (err instanceof CommandError) return { code: err.code ?? -1, stdout: '', stderr: err.message }
    throw err
  }
}

/** Name of the one running, not terminating pod of the OpenClaw Deployment in `ns`. */
export async function currentPod(k: Cluster, ns: string): Promise<any> {
  let found: any
  await eventually(`one running OpenClaw pod in ${ns}`, 120_000, async () => {
    const selector = Object.entries(OPENCLAW_LABELS).map(([key, value]) => `${key}=${value}`).join(',')
    const pods = (await k.getJson(['get', 'pods', '-n', ns, '-l', selector])).items.filter((p: any) => !p.metadata.deletionTimestamp)
    found = pods.length === 1 && pods[0].status?.phase === 'Running' ? pods[0] : undefined
    return found !== undefined
  })
  return found
}

/** The init container openclaw-injector added: the one carrying its marker env (whatever its name). */
export function injectedInit(pod: any): any | undefined {
  return (pod.spec?.initContainers ?? []).find(isInjectedContainer)
}

const CLIENT = `read -r token; home=$(mktemp -d); exec env -u OPENCLAW_GATEWAY_TOKEN -u OPENCLAW_CONFIG_PATH HOME="$home" openclaw gateway health --url ws://127.0.0.1:${GATEWAY_PORT} --token "$token" --timeout 20000`

/**
 * A client with an empty HOME of its own and neither the pod's token env nor its config path,
 * presenting `token` to the gateway on loopback: accepted or refused on that token alone.
 */
export function client(k: Cluster, ns: string, pod: string, token: string): Promise<ExecResult> {
  return exec(k, ns, pod, ['sh', '-c', CLIENT], `${token}\n`)
}

/** `openclaw gateway health` as a user runs it in the gateway container: its env, the config on the volume, no flags. */
export function inPodHealth(k: Cluster, ns: string, pod: string, options: { withoutTokenEnv?: boolean } = {}): Promise<ExecResult> {
  const unset = options.withoutTokenEnv ? ['env', '-u', 'OPENCLAW_GATEWAY_TOKEN'] : []
  return exec(k, ns, pod, [...unset, 'openclaw', 'gateway', 'health', '--timeout', '20000'])
}

/** The config file on the state volume, parsed as OpenClaw parses it (JSON5), and its text. */
export async function readConfig(k: Cluster, ns: string, pod: string): Promise<{ text: string; value: any }> {
  const out = await k.kubectl(['exec', '-n', ns, pod, '-c', 'main', '--', 'cat', CONFIG_PATH])
  return { text: out.stdout, value: JSON5.parse(out.stdout) }
}

/** Who the gateway in `pod` accepts, asked four ways at once. */
export interface Acceptance {
  /** The in-pod CLI with the container's env. */
  health: ExecResult
  /** The in-pod CLI without OPENCLAW_GATEWAY_TOKEN: the file alone (sync mode only). */
  fileAlone?: ExecResult
  /** A client presenting the Secret's current token. */
  current: ExecResult
  /** A client presenting the token from before the rotation. */
  old: ExecResult
}

export async function askGateway(k: Cluster, ns: string, pod: string, tokens: { current: string; old: string }, options: { fileAlone: boolean }): Promise<Acceptance> {
  const [health, fileAlone, current, old] = await Promise.all([
    inPodHealth(k, ns, pod),
    options.fileAlone ? inPodHealth(k, ns, pod, { withoutTokenEnv: true }) : Promise.resolve(undefined),
    client(k, ns, pod, tokens.current),
    client(k, ns, pod, tokens.old),
  ])
  return fileAlone ? { health, fileAlone, current, old } : { health, current, old }
}

/** Accepted: exit 0. Refused: non-zero with OpenClaw's "unauthorized"/"mismatch" message. */
export function verdict(r: ExecResult): 'accepted' | 'refused' | 'failed' {
  if (r.code === 0) return 'accepted'
  return refused({ code: r.code, stdout: r.stdout, stderr: r.stderr, signal: null, ms: 0, timedOut: false }) ? 'refused' : 'failed'
}

/** The last lines of a result for a diagnostic, secrets replaced. */
export function shown(r: ExecResult, redact: (text: string) => string, lines = 8): string {
  return redact(`${r.stdout}\n${r.stderr}`).split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n')
}
