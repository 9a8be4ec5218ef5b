// The kind tier's cluster: the images and tools from prepare.sh, one kind cluster per test
// process, and the sweep of whatever a killed run left behind.
//
// prepareKind() runs prepare.sh (progress streams to stderr as it goes) and reads the shell it
// prints. startCluster() creates a one-node cluster named `oi-kind-<pid>-<hex>` from the node
// image, loads the images into it, and returns kubectl bound to its kubeconfig; stop() deletes
// it and its temp dir. Every child runs under spawnTied, so a killed test process takes its
// children with it; a cluster or temp dir whose owning pid is gone is deleted by the next
// startCluster() on this machine (sweepLeftovers).
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { spawnTied } from '../../../helpers/processes.ts'
import { until } from '../../../helpers/wait.ts'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')
const PREPARE = path.join(repoRoot, 'test', 'e2e', 'kind', 'prepare.sh')
const CLUSTER_PREFIX = 'oi-kind-'
const TEMP_PREFIX = 'openclaw-kind-'

/** What prepare.sh made: image references (docker tags) and the PATH holding kind, kubectl and the docker wrapper. */
export interface KindTools {
  nodeImage: string
  webhookImage: string
  openclawImage: string
  /** The stand-in with ENV OPENCLAW_STATE_DIR=/data/.openclaw (images/openclaw-state-dir/). */
  openclawStateDirImage: string
  /** PATH to give kind and kubectl: prepare's bin dir first. */
  path: string
}

export interface RunResult {
  stdout: string
  stderr: string
}

export interface RunOptions {
  input?: string
  env?: NodeJS.ProcessEnv
  /** Kill the command after this many ms (default 10 minutes). */
  timeoutMs?: number
  /** Stream the command's stderr to ours as it comes (long builds). */
  streamStderr?: boolean
}

/** Thrown by run() when a command exits non-zero; `code` is its exit status, with its whole output. */
export class CommandError extends Error {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  constructor(message: string, code: number | null, stdout: string, stderr: string) {
    super(message)
    this.code = code
    this.stdout = stdout
    this.stderr = stderr
  }
}

/**
 * Runs a command tied to this process; resolves with its output, rejects with a CommandError
 * carrying the last 3000 characters of its stderr (or stdout) when it exits non-zero or times out.
 */
export function run(cmd: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const shown = args.filter((a) => !a.includes('\n')).join(' ')
  process.stderr.write(`[kind] ${cmd} ${shown.slice(0, 240)}\n`)
  return new Promise((resolve, reject) => {
    const child = spawnTied(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000)
    child.stdout!.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      stderr += d
      if (options.streamStderr) process.stderr.write(d)
    })
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve({ stdout, stderr })
      else reject(new CommandError(`${cmd} ${shown.slice(0, 300)} ${signal ? `was killed (${signal})` : `exited ${code}`}:\n${(stderr || stdout).slice(-3000)}`, code, stdout, stderr))
    })
    child.stdin!.end(options.input ?? '')
  })
}

/**
 * Runs prepare.sh. Resolves with the tools, or with `{ skip }` when the script says no Docker
 * daemon can be had on this machine at all (its exit status 3); rejects on any other failure.
 */
export async function prepareKind(): Promise<KindTools | { skip: string }> {
  let out: RunResult
  try {
    out = await run('bash', [PREPARE], { streamStderr: true, timeoutMs: 60 * 60_000 })
  } catch (err) {
    if (err instanceof CommandError && err.code === 3) {
      const reason = err.stderr.split('\n').filter((l) => l.includes('ERROR:')).pop() ?? 'no Docker daemon'
      return { skip: reason.replace(/^.*ERROR:\s*/, '') }
    }
    throw err
  }
  const value = (name: string): string => {
    const m = new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(out.stdout)
    if (!m) throw new Error(`prepare.sh printed no ${name}:\n${out.stdout}`)
    return m[1]!
  }
  const bin = /export PATH=(\S+):"\$PATH"/.exec(out.stdout)?.[1]
  if (!bin) throw new Error(`prepare.sh printed no PATH line:\n${out.stdout}`)
  return {
    nodeImage: value('KIND_NODE_IMAGE'),
    webhookImage: value('OPENCLAW_INJECTOR_IMAGE'),
    openclawImage: value('OPENCLAW_IMAGE'),
    openclawStateDirImage: value('OPENCLAW_STATE_DIR_IMAGE'),
    path: `${bin}:${process.env.PATH ?? ''}`,
  }
}

export interface Cluster {
  name: string
  kubeconfig: string
  /** The cluster's temp dir (kubeconfig, anything a test writes), removed by stop(). */
  dir: string
  kubectl(args: readonly string[], options?: RunOptions): Promise<RunResult>
  /** kubectl … -o json, parsed. */
  getJson(args: readonly string[]): Promise<any>
  /** `kind load docker-image` of the images, side by side. */
  load(images: readonly string[]): Promise<void>
  /** Deletes the cluster and its temp dir (KIND_KEEP_CLUSTER=1 keeps both and says where). */
  stop(): Promise<void>
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Deletes kind clusters and temp dirs of this tier whose owning process is gone. */
export async function sweepLeftovers(tools: KindTools): Promise<void> {
  const env = { ...process.env, PATH: tools.path }
  const clusters = (await run('kind', ['get', 'clusters'], { env })).stdout.split('\n').map((s) => s.trim())
  for (const name of clusters) {
    const m = new RegExp(`^${CLUSTER_PREFIX}(\\d+)-[0-9a-f]+$`).exec(name)
    if (m && !alive(Number(m[1]))) {
      process.stderr.write(`[kind] deleting cluster ${name} left by a run that is gone\n`)
      await run('kind', ['delete', 'cluster', '--name', name], { env })
    }
  }
  for (const entry of readdirSync(os.tmpdir())) {
    const m = new RegExp(`^${TEMP_PREFIX}(\\d+)-`).exec(entry)
    if (m && !alive(Number(m[1]))) rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true })
  }
}

/** Creates a one-node cluster from the prepared node image and waits for it to be Ready. */
export async function startCluster(tools: KindTools): Promise<Cluster> {
  await sweepLeftovers(tools)
  const env = { ...process.env, PATH: tools.path }
  const name = `${CLUSTER_PREFIX}${process.pid}-${randomBytes(3).toString('hex')}`
  const dir = mkdtempSync(path.join(os.tmpdir(), `${TEMP_PREFIX}${process.pid}-`))
  const kubeconfig = path.join(dir, 'kubeconfig')
  const keep = process.env.KIND_KEEP_CLUSTER === '1'
  const kubectl = (args: readonly string[], options: RunOptions = {}) =>
    run('kubectl', ['--kubeconfig', kubeconfig, ...args], { ...options, env })
  const cluster: Cluster = {
    name,
    kubeconfig,
    dir,
    kubectl,
    getJson: async (args) => JSON.parse((await kubectl([...args, '-o', 'json'])).stdout),
    // Side by side: each is a `docker save` piped into the node's containerd, mostly waiting on
    // I/O, so two at once take less than one after the other.
    load: async (images) => {
      await Promise.all(images.map(async (image) => {
        const started = Date.now()
        await run('kind', ['load', 'docker-image', image, '--name', name], { env })
        process.stderr.write(`[kind] loaded ${image} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
      }))
    },
    stop: async () => {
      if (keep) {
        process.stderr.write(`[kind] kept cluster ${name}; KUBECONFIG=${kubeconfig} PATH=${tools.path.split(':')[0]}:$PATH\n`)
        return
      }
      await run('kind', ['delete', 'cluster', '--name', name], { env }).catch((e: Error) => process.stderr.write(`${e.message}\n`))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  const started = Date.now()
  try {
    await run('kind', ['create', 'cluster', '--name', name, '--image', tools.nodeImage, '--kubeconfig', kubeconfig, '--wait', '240s', '--retain'], { env, streamStderr: true })
  } catch (err) {
    // Keep what shows why, then clean up: the node's journal holds kubelet's and containerd's story.
    const logs = path.join(os.tmpdir(), `kind-create-failure-${name}`)
    spawnSync('kind', ['export', 'logs', logs, '--name', name], { env, stdio: 'ignore', timeout: 120_000 })
    process.stderr.write(`[kind] cluster ${name} failed to come up; its logs are in ${logs}\n`)
    await cluster.stop()
    throw err
  }
  process.stderr.write(`[kind] cluster ${name} up in ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
  return cluster
}

/**
 * Polls `check` every 2 s until it is true, through errors (objects not there yet, a
 * component restarting), for at most `timeoutMs`; test/helpers/wait.ts's `until`.
 */
export function eventually(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  return until(what, check, { timeoutMs, intervalMs: 2_000, retryOnError: true })
}
