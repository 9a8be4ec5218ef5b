// What the HTTP benchmarks share: the four servers they load (openclaw-injector as the
// Deployment runs it, the Go peer on controller-runtime, plain Fastify with the webhook's
// options and bare node:https, both answering fixed bytes), wrk to load them, and the figures read from /proc. Every process started here is
// tied to the benchmark's own life (test/helpers/processes.ts) and stopped by it; all
// traffic stays on loopback.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { homedir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'
import { spawnTied } from '../test/helpers/processes.ts'
import { canConnect, freePort } from '../test/helpers/wait.ts'

export const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const CLI = path.join(ROOT, 'dist', 'cli.js')
const GO_PEER_DIR = path.join(ROOT, 'bench', 'go-peer')
const WRK_SCRIPT = path.join(ROOT, 'bench', 'wrk-post.lua')
const CACHE = path.join(process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache'), 'openclaw-injector', 'bench')
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

export interface Started {
  child: ChildProcess
  port: number
  pid: number
  /** From spawn to serving (the webhook: to its first 200 on /readyz), milliseconds. */
  readyMs: number
}

/**
 * NODE_OPTIONS of the webhook container in manifests/base/deployment.yaml ('' when it sets
 * none), or BENCH_NODE_OPTIONS when that is set, to try other flags.
 */
export function deploymentNodeOptions(): string {
  if (process.env.BENCH_NODE_OPTIONS !== undefined) return process.env.BENCH_NODE_OPTIONS
  const deployment = parseYaml(readFileSync(path.join(ROOT, 'manifests', 'base', 'deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } }
  }
  const webhook = deployment.spec.template.spec.containers.find((c) => c.name === 'webhook')
  return webhook?.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? ''
}

/** `node dist/cli.js serve` with the Deployment's Node flags; its log lines go to `logFile`. */
export async function startWebhook(certPath: string, keyPath: string, logFile: string): Promise<Started & { opsPort: number }> {
  const [port, opsPort] = [await freePort(), await freePort()]
  const log = openSync(logFile, 'w')
  const nodeOptions = deploymentNodeOptions()
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' }
  if (nodeOptions !== '') env.NODE_OPTIONS = nodeOptions
  const spawnedAt = performance.now()
  const child = spawnTied(process.execPath, [CLI, 'serve', '--tls-cert', certPath, '--tls-key', keyPath, '--host', '127.0.0.1', '--port', String(port), '--metrics-port', String(opsPort)], {
    stdio: ['ignore', log, 'inherit'],
    env,
  })
  closeSync(log)
  await waitUntil('the webhook to be ready', child, () => isReady(opsPort))
  return { child, port, pid: child.pid!, opsPort, readyMs: performance.now() - spawnedAt }
}

/** This file's sibling bare.mjs (plain JavaScript, as a bare server would be) as a child: node:https answering every request with `responseFile`. */
export async function startBare(certPath: string, keyPath: string, responseFile: string): Promise<Started> {
  const port = await freePort()
  const spawnedAt = performance.now()
  const child = spawnTied(process.execPath, [path.join(ROOT, 'bench', 'bare.mjs'), String(port), certPath, keyPath, responseFile], { stdio: ['ignore', 'inherit', 'inherit'], env: { PATH: process.env.PATH ?? '' } })
  await waitUntil('the bare server to listen', child, () => canConnect('127.0.0.1', port))
  return { child, port, pid: child.pid!, readyMs: performance.now() - spawnedAt }
}

/** This file's sibling fastify.mjs (on the build in dist/) as a child: Fastify with the webhook's options answering every POST /mutate with `responseFile`. */
export async function startFastify(certPath: string, keyPath: string, responseFile: string, logFile: string): Promise<Started> {
  const port = await freePort()
  const log = openSync(logFile, 'w')
  const nodeOptions = deploymentNodeOptions()
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '' }
  if (nodeOptions !== '') env.NODE_OPTIONS = nodeOptions
  const spawnedAt = performance.now()
  const child = spawnTied(process.execPath, [path.join(ROOT, 'bench', 'fastify.mjs'), String(port), certPath, keyPath, responseFile], { stdio: ['ignore', log, 'inherit'], env })
  closeSync(log)
  await waitUntil('the plain Fastify server to listen', child, () => canConnect('127.0.0.1', port))
  return { child, port, pid: child.pid!, readyMs: performance.now() - spawnedAt }
}

/** The Go peer (bench/go-peer), built once per source version into the cache. */
export async function startGoPeer(certDir: string, mutationFile: string, logFile: string): Promise<Started> {
  const binary = buildGoPeer()
  const port = await freePort()
  // Its log (Go's http server reports the readiness probe's bare connections) goes to a file.
  const log = openSync(logFile, 'w')
  const spawnedAt = performance.now()
  const child = spawnTied(binary, ['-host', '127.0.0.1', '-port', String(port), '-cert-dir', certDir, '-mutation', mutationFile], { stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '' } })
  closeSync(log)
  await waitUntil(`the Go peer to listen (its log: ${logFile})`, child, () => canConnect('127.0.0.1', port))
  return { child, port, pid: child.pid!, readyMs: performance.now() - spawnedAt }
}

/**
 * Builds bench/go-peer with the Go toolchain, modules from the Go module proxy (go.sum pins
 * them), into ~/.cache/openclaw-injector/bench, named by the digest of its sources. Returns the path.
 */
export function buildGoPeer(): string {
  const digest = createHash('sha256')
  for (const file of ['go.mod', 'go.sum', 'main.go']) digest.update(readFileSync(path.join(GO_PEER_DIR, file)))
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  digest.update(goVersion)
  const binary = path.join(CACHE, `go-peer-${digest.digest('hex').slice(0, 16)}`)
  if (existsSync(binary)) return binary
  mkdirSync(CACHE, { recursive: true })
  console.log(`building the Go peer with ${goVersion} (controller-runtime from the Go module proxy; a few minutes the first time)...`)
  const tmp = `${binary}.tmp-${process.pid}`
  execFileSync('go', ['build', '-trimpath', '-mod=readonly', '-o', tmp, '.'], { cwd: GO_PEER_DIR, stdio: 'inherit' })
  renameSync(tmp, binary)
  return binary
}

/** wrk from PATH; where it is missing and this runs as root on Debian, `apt-get install wrk`. */
export function findWrk(): string {
  const which = () => spawnSync('sh', ['-c', 'command -v wrk'], { encoding: 'utf8' }).stdout.trim()
  let wrk = which()
  if (wrk === '' && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    console.log('wrk is not installed; installing it from the Debian packages (apt-get install wrk)...')
    spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    wrk = which()
  }
  if (wrk === '') throw new Error('wrk is not installed: apt-get install wrk (Debian, Ubuntu), or put it on PATH')
  return wrk
}

export interface WrkResult {
  requests: number
  seconds: number
  p50Ms: number
  p99Ms: number
  errors: number
}

/** One wrk run against https://127.0.0.1:port/mutate, POSTing `bodyFile`; bounded by its duration plus a margin. */
export function runWrk(wrk: string, port: number, bodyFile: string, options: { seconds: number; threads: number; connections: number; uniqueUid?: boolean }): WrkResult {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '', BENCH_BODY: bodyFile }
  if (options.uniqueUid) env.BENCH_UNIQUE_UID = '1'
  const r = spawnSync(wrk, ['-t', String(options.threads), '-c', String(options.connections), '-d', `${options.seconds}s`, '--timeout', '10s', '-s', WRK_SCRIPT, `https://127.0.0.1:${port}/mutate`], {
    encoding: 'utf8',
    env,
    timeout: (options.seconds + 30) * 1000,
    killSignal: 'SIGKILL',
  })
  if (r.error) throw r.error
  const line = r.stdout.split('\n').find((l) => l.startsWith('{"requests"'))
  if (line === undefined) throw new Error(`wrk printed no result (exit ${r.status}): ${r.stderr.trim() || r.stdout.trim()}`)
  const j = JSON.parse(line) as Record<string, number>
  return {
    requests: j.requests!,
    seconds: j.durationUs! / 1e6,
    p50Ms: j.p50Us! / 1000,
    p99Ms: j.p99Us! / 1000,
    errors: j.connectErrors! + j.readErrors! + j.writeErrors! + j.statusErrors! + j.timeouts!,
  }
}

/** User + system CPU time of a process so far, in microseconds, from /proc/<pid>/stat. */
export function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS
}

/** VmRSS (now) or VmHWM (the peak so far) of a process, in MiB. */
export function rssMiB(pid: number, which: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(new RegExp(`^${which}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) / 1024
}

/** POSTs `body` once and returns the answer's bytes (the certificate is the bench's own: not verified). */
export function post(port: number, body: Buffer): Promise<{ status: number; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path: '/mutate', method: 'POST', rejectUnauthorized: false, agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (d: Buffer) => chunks.push(d))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks) }))
      },
    )
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')))
    req.on('error', reject)
    req.end(body)
  })
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the process is gone. */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

function isReady(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
  })
}

async function waitUntil(what: string, child: ChildProcess, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 15_000
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${what}: the process exited (${child.exitCode ?? child.signalCode})`)
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`)
    await new Promise((r) => setTimeout(r, 10))
  }
}
