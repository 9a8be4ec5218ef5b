// The real OpenClaw for the tier: installs the pinned release (install.sh), starts its gateway on
// a free loopback port and runs its CLI, and makes sure every process it started is gone when
// the test ends, pass or fail.
import { execFileSync, spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../helpers/wait.ts'

export const OPENCLAW_VERSION = '2026.9.6'

const HERE = path.dirname(fileURLToPath(import.meta.url))
export const REPO = path.resolve(HERE, '../../..')

/**
 * How long a gateway may take to answer /readyz before its start counts as failed. A deadline,
 * not a measurement: 10-12 s idle, but 45 s and more was seen on the 2-core machine while a
 * kind cluster ran three real gateways, so it is generous; a refused start is still seen at
 * once from its log line.
 */
export const GATEWAY_READY_TIMEOUT_MS = 300_000

export interface OpenClaw {
  version: string
  /** The npm prefix the release is installed in: has node_modules/json5 like the image's /app. */
  root: string
  /** The package's own directory (node_modules/openclaw). */
  packageDir: string
  /** openclaw.mjs, run with `node`. */
  bin: string
  /** Node >= 24.16, which the release needs: the one running the tests. */
  node: string
}

/**
 * A release before 2026.3.7, the first whose gateway takes an env SecretRef at gateway.auth.token:
 * mode auto must fall back to sync on it.
 */
export const OPENCLAW_BEFORE_REFS = '2026.3.2'

const installed = new Map<string, OpenClaw>()

/** Installs `version` (the pinned release by default) into the cache (seconds when it is there already). */
export function installOpenClaw(version: string = OPENCLAW_VERSION): OpenClaw {
  const done = installed.get(version)
  if (done) return done
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
  if (major < 24 || (major === 24 && minor < 16)) throw new Error(`openclaw ${version} needs node >= 24.16; the tests run on ${process.versions.node}`)
  // install.sh logs to stderr (shown as it goes) and prints the directory last on stdout.
  const out = execFileSync('bash', [path.join(HERE, '..', 'install.sh'), version], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 10 * 60_000 })
  const root = out.trim().split('\n').at(-1) ?? ''
  const packageDir = path.join(root, 'node_modules', 'openclaw')
  const bin = path.join(packageDir, 'openclaw.mjs')
  if (!existsSync(bin)) throw new Error(`install.sh did not leave ${bin}`)
  const oc = { version, root, packageDir, bin, node: process.execPath }
  installed.set(version, oc)
  return oc
}

/**
 * Environment every OpenClaw process of the tier gets on top of its own: nothing reaches the
 * network (update check, telemetry, Bonjour, hosted catalogs, channels, providers), and the
 * gateway skips what a token check does not need (bundled plugins, cron, browser, canvas).
 * The model catalog refresh has no env switch: scenario configs set
 * models.catalogRefresh.enabled=false (see CONFIG_BASE in scenarios.ts).
 */
export const QUIET_ENV: Readonly<Record<string, string>> = Object.freeze({
  OPENCLAW_NO_AUTO_UPDATE: '1',
  OPENCLAW_TELEMETRY_ENDPOINT: 'http://127.0.0.1:9/telemetry-disabled',
  OPENCLAW_DISABLE_BONJOUR: '1',
  OPENCLAW_OFFLINE: '1',
  OPENCLAW_SKIP_CHANNELS: '1',
  OPENCLAW_SKIP_PROVIDERS: '1',
  OPENCLAW_SKIP_CRON: '1',
  OPENCLAW_SKIP_GMAIL_WATCHER: '1',
  OPENCLAW_SKIP_BROWSER_CONTROL_SERVER: '1',
  OPENCLAW_SKIP_CANVAS_HOST: '1',
  OPENCLAW_SKIP_STARTUP_MODEL_PREWARM: '1',
  OPENCLAW_DISABLE_BUNDLED_PLUGINS: '1',
  NO_COLOR: '1',
})

/**
 * A process environment built from scratch: nothing of the developer's or CI's environment
 * (an OPENCLAW_GATEWAY_TOKEN, OPENCLAW_* paths, CI=true) reaches OpenClaw by accident.
 */
export function cleanEnv(oc: OpenClaw, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {
    PATH: [path.dirname(oc.node), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    LANG: 'C.UTF-8',
    ...QUIET_ENV,
  }
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR
  return { ...env, ...extra }
}

// ---- processes -------------------------------------------------------------------------------

/** Every process group the tier started and has not seen end; killed on exit at the latest. */
const live = new Set<number>()
process.once('exit', () => {
  for (const pid of live) killTree(pid, 'SIGKILL')
})
// A signalled test process (tap's timeout, ^C) kills them too, then dies of the signal as it
// would have, unless someone else (tap) handles that signal.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  const handler = () => {
    for (const pid of live) killTree(pid, 'SIGKILL')
    if (process.listenerCount(signal) === 1) {
      process.removeListener(signal, handler)
      process.kill(process.pid, signal)
    }
  }
  process.on(signal, handler)
}

/** pid -> children, from /proc. */
function childrenMap(): Map<number, number[]> {
  const map = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue
    }
    // pid (comm) state ppid ...; comm may hold spaces and parentheses.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    const list = map.get(ppid) ?? []
    list.push(Number(name))
    map.set(ppid, list)
  }
  return map
}

function descendants(pid: number): number[] {
  const map = childrenMap()
  const out: number[] = []
  const queue = [pid]
  while (queue.length > 0) {
    for (const child of map.get(queue.shift()!) ?? []) {
      out.push(child)
      queue.push(child)
    }
  }
  return out
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Signals the process group of `pid` and every descendant and its group. The gateway starts
 * helpers in sessions of their own (its spawn broker), which a group kill alone would miss.
 */
function killTree(pid: number, signal: NodeJS.Signals): void {
  const targets = [pid, ...descendants(pid)]
  for (const target of targets) {
    for (const id of [-target, target]) {
      try {
        process.kill(id, signal)
      } catch {
        /* gone already */
      }
    }
  }
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

/** SIGTERM, then SIGKILL after graceMs; resolves when the leader and its descendants are gone. */
export async function stopTree(pid: number, graceMs = 10_000): Promise<void> {
  const tree = [pid, ...descendants(pid)]
  killTree(pid, 'SIGTERM')
  const deadline = Date.now() + graceMs
  while (tree.some(alive) && Date.now() < deadline) await sleep(50)
  if (tree.some(alive)) {
    killTree(pid, 'SIGKILL')
    for (const p of tree) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
    const hard = Date.now() + 5_000
    while (tree.some(alive) && Date.now() < hard) await sleep(50)
  }
  live.delete(pid)
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
}

/** Runs a command to its end in its own process group; on timeout the whole tree is killed. */
export async function run(command: string, args: string[], options: { env: Record<string, string>; cwd: string; timeoutMs?: number; input?: string }): Promise<RunResult> {
  const started = Date.now()
  const child = spawn(command, args, { env: options.env, cwd: options.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  const pid = child.pid
  if (pid !== undefined) live.add(pid)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
  child.stdin.end(options.input ?? '')
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    if (pid !== undefined) void stopTree(pid, 2_000)
  }, options.timeoutMs ?? 60_000)
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject)
    child.once('close', (c, s) => resolve([c, s]))
  })
  clearTimeout(timer)
  // Anything the command left behind in its group goes with it.
  if (pid !== undefined) await stopTree(pid, 2_000)
  return { code, signal, stdout, stderr, ms: Date.now() - started, timedOut }
}

// ---- gateway ---------------------------------------------------------------------------------

export interface Gateway {
  port: number
  pid: number
  /** ms from spawn to /readyz answering 200. */
  readyMs: number
  logFile: string
  log(): string
  stop(): Promise<void>
}

export class GatewayStartError extends Error {
  readonly log: string
  constructor(message: string, log: string) {
    super(message)
    this.name = 'GatewayStartError'
    this.log = log
  }
}

export interface GatewayOptions {
  env: Record<string, string>
  cwd: string
  logFile: string
  readyTimeoutMs?: number
}

/**
 * `openclaw gateway run --port P --bind loopback` on a free port, resolved once GET /readyz
 * answers 200. Rejects with the log when the gateway exits first (a refused config) or does not
 * get ready in time. The caller stops it (t.teardown(gateway.stop)); exit kills it regardless.
 * --bind loopback always: in a container the gateway's default bind is not loopback.
 */
export async function startGateway(oc: OpenClaw, options: GatewayOptions): Promise<Gateway> {
  const port = await freePort()
  mkdirSync(path.dirname(options.logFile), { recursive: true })
  const fd = openSync(options.logFile, 'a')
  const started = Date.now()
  const child = spawn(oc.node, [oc.bin, 'gateway', 'run', '--port', String(port), '--bind', 'loopback'], { env: options.env, cwd: options.cwd, detached: true, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  const pid = child.pid
  if (pid === undefined) throw new GatewayStartError('gateway did not spawn', '')
  live.add(pid)
  let exited: string | undefined
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? code}`))
  const log = () => {
    try {
      return readFileSync(options.logFile, 'utf8')
    } catch {
      return ''
    }
  }
  let stopped: Promise<void> | undefined
  const stop = () => (stopped ??= stopTree(pid))
  const deadline = started + (options.readyTimeoutMs ?? GATEWAY_READY_TIMEOUT_MS)
  for (;;) {
    if (exited !== undefined) {
      await stop()
      throw new GatewayStartError(`gateway ${exited} before it was ready`, log())
    }
    if (Date.now() > deadline) {
      await stop()
      throw new GatewayStartError(`gateway not ready within ${options.readyTimeoutMs ?? GATEWAY_READY_TIMEOUT_MS} ms`, log())
    }
    // A refused config: the gateway says so, then runs a slow triage before it exits.
    if (/Gateway failed to start/.test(log())) {
      await sleep(200)
      await stop()
      throw new GatewayStartError('gateway failed to start', log())
    }
    if (await ready(port)) break
    await sleep(100)
  }
  return { port, pid, readyMs: Date.now() - started, logFile: options.logFile, log, stop }
}

async function ready(port: number): Promise<boolean> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) })
    await response.body?.cancel()
    return response.status === 200
  } catch {
    return false
  }
}

/** `openclaw <args>`: the real CLI. */
export async function openclaw(oc: OpenClaw, args: string[], options: { env: Record<string, string>; cwd: string; timeoutMs?: number }): Promise<RunResult> {
  return run(oc.node, [oc.bin, ...args], { ...options, timeoutMs: options.timeoutMs ?? 60_000 })
}
