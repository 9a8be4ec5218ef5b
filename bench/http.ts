// HTTP benchmark of the webhook (`npm run bench:http`).
//
// Starts the real server (`node dist/cli.js serve`) as a child process, and beside it a
// bare node:https server, also a child, that answers every request with the webhook's
// own answer to the same body, precomputed. Loads both in turns with autocannon over
// keep-alive HTTPS on loopback (16 connections, the chart's pod review as the body) and
// prints throughput, the ratio, p50/p99 latency, the server's peak RSS and its time from
// spawn to ready, each against its target. A missed target is reported, not fatal:
// this is a benchmark and the machine may be shared.
//
// Besides wall-clock figures it prints each server's CPU time per request (from
// /proc/<pid>/stat), which says more than req/s on a machine shared with other work.
//
// Latency is measured twice: under full load (16 connections as fast as they go, where
// it is mostly queueing) and at a fixed, webhook-like rate (BENCH_RATE, 200 req/s, on
// one connection: autocannon fires rate-limited connections in step, which would queue).
//
// Options (env): BENCH_ROUNDS (3), BENCH_SECONDS per run (4), BENCH_CONNECTIONS (16), BENCH_RATE (200),
// BENCH_NODE_OPTIONS (NODE_OPTIONS for the webhook only, e.g. --max-semi-space-size=2).
import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { readFileSync, writeFileSync, mkdtempSync, rmSync, openSync, closeSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import { request as httpsRequest } from 'node:https'
import { get as httpGet } from 'node:http'
import { tmpdir, loadavg, cpus } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../test/helpers/wait.ts'

const ROOT = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const CLI = path.join(ROOT, 'dist', 'cli.js')
const SELF = fileURLToPath(import.meta.url)

const TARGETS = { ratio: 0.85, p99Ms: 2, rssMiB: 80, readyMs: 500 }

// autocannon ships no types; this is the part of its programmatic API used here.
interface AutocannonResult {
  requests: { total: number }
  duration: number
  errors: number
  timeouts: number
  non2xx: number
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, bytes: number, ms: number) => void): void
}
type Autocannon = (options: Record<string, unknown>, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance

if (process.argv[2] === '--bare') await bareServer()
else await main()

/** The baseline: TLS, HTTP/1.1 keep-alive, read the whole body, write fixed bytes. Nothing else. */
async function bareServer(): Promise<void> {
  const [, , , port, certPath, keyPath, responsePath] = process.argv
  const response = readFileSync(responsePath!)
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(response.length) }
  const server = createHttpsServer({ cert: readFileSync(certPath!), key: readFileSync(keyPath!), minVersion: 'TLSv1.2', keepAliveTimeout: 72_000 }, (req, res) => {
    req.on('data', () => {})
    req.on('end', () => {
      res.writeHead(200, headers)
      res.end(response)
    })
  })
  server.listen(Number(port), '127.0.0.1', () => process.send?.('ready'))
  process.on('SIGTERM', () => server.close(() => process.exit(0)))
}

interface Run {
  server: 'webhook' | 'bare'
  round: number
  requests: number
  seconds: number
  /** Server CPU (user + system) per request, microseconds. */
  cpuUs: number
  rps: number
  p50: number
  p99: number
  errors: number
  non2xx: number
}

async function main(): Promise<void> {
  const nodeOptions = process.env.BENCH_NODE_OPTIONS ?? ''
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
  const seconds = Number(process.env.BENCH_SECONDS ?? 4)
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 16)
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
  const { servingCertificates, writePair } = await import('../test/helpers/tls.ts')

  const dir = mkdtempSync(path.join(tmpdir(), 'openclaw-injector-bench-'))
  const children: ChildProcess[] = []
  const cleanup = () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  process.on('exit', cleanup)

  const material = await servingCertificates()
  const { certPath, keyPath } = await writePair(dir, material)
  const bodyPath = path.join(ROOT, 'examples', 'admission-review.json')
  const body = readFileSync(bodyPath)

  // Time to ready, from spawn to the first 200 on /readyz, over a few cold starts.
  const readyTimes: number[] = []
  for (let i = 0; i < 3; i++) {
    const started = await startWebhook(dir, certPath, keyPath, nodeOptions)
    readyTimes.push(started.readyMs)
    await stop(started.child)
  }

  const webhook = await startWebhook(dir, certPath, keyPath, nodeOptions)
  children.push(webhook.child)
  const response = await post(webhook.port, body, material.caCert)
  if (response.status !== 200 || !response.text.includes('"patchType":"JSONPatch"')) throw new Error(`the webhook did not inject the sample pod: ${response.status} ${response.text.slice(0, 200)}`)
  const responsePath = path.join(dir, 'response.json')
  writeFileSync(responsePath, response.text)

  const barePort = await freePort()
  const bare = spawn(process.execPath, [SELF, '--bare', String(barePort), certPath, keyPath, responsePath], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  children.push(bare)
  await new Promise<void>((resolve, reject) => {
    bare.once('message', () => resolve())
    bare.once('exit', (code) => reject(new Error(`the bare server exited with ${code}`)))
  })
  const bareAnswer = await post(barePort, body, material.caCert)
  if (bareAnswer.text !== response.text) throw new Error('the bare server does not answer what the webhook answers')

  const rate = Number(process.env.BENCH_RATE ?? 200)
  const load = (port: number, duration: number, pid?: number, overallRate?: number, conns = connections) =>
    new Promise<{ requests: number; seconds: number; latencies: Float64Array; errors: number; non2xx: number; cpuMs: number }>((resolve, reject) => {
      const latencies: number[] = []
      const cpuBefore = pid === undefined ? 0 : cpuMs(pid)
      const instance = autocannon(
        {
          url: `https://127.0.0.1:${port}/mutate`,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          connections: conns,
          pipelining: 1,
          duration,
          servername: 'localhost',
          ...(overallRate === undefined ? {} : { overallRate }),
        },
        (error, result) => {
          if (error) return reject(error)
          const cpu = pid === undefined ? 0 : cpuMs(pid) - cpuBefore
          resolve({ requests: result.requests.total, seconds: result.duration, latencies: Float64Array.from(latencies), errors: result.errors + result.timeouts, non2xx: result.non2xx, cpuMs: cpu })
        },
      )
      // autocannon's own histogram has whole-millisecond resolution; keep the exact times.
      instance.on('response', (_client, _status, _bytes, ms) => latencies.push(ms))
    })

  const header = `openclaw-injector HTTP benchmark: ${connections} keep-alive HTTPS connections on loopback, body ${(body.length / 1024).toFixed(1)} KiB (${path.relative(ROOT, bodyPath)}), ${rounds} rounds x ${seconds} s per server, alternating`
  console.log(header)
  console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; node ${process.version}${nodeOptions ? `; webhook NODE_OPTIONS=${nodeOptions}` : ''}`)
  console.log('warming up both servers (1 s each)...')
  await load(webhook.port, 1)
  await load(barePort, 1)

  const runs: Run[] = []
  const all = { webhook: [] as Float64Array[], bare: [] as Float64Array[] }
  console.log('')
  console.log('round  server    req/s     p50 ms   p99 ms   CPU us/req   errors')
  for (let round = 1; round <= rounds; round++) {
    const order: Array<['webhook' | 'bare', number, number]> =
      round % 2 === 1 ? [['webhook', webhook.port, webhook.child.pid!], ['bare', barePort, bare.pid!]] : [['bare', barePort, bare.pid!], ['webhook', webhook.port, webhook.child.pid!]]
    for (const [server, port, pid] of order) {
      const r = await load(port, seconds, pid)
      const sorted = r.latencies.slice().sort()
      all[server].push(sorted)
      const run: Run = { server, round, requests: r.requests, seconds: r.seconds, cpuUs: (r.cpuMs * 1000) / r.requests, rps: r.requests / r.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), errors: r.errors, non2xx: r.non2xx }
      runs.push(run)
      console.log(`${String(round).padEnd(7)}${server.padEnd(10)}${run.rps.toFixed(0).padStart(7)}   ${run.p50.toFixed(2).padStart(6)}   ${run.p99.toFixed(2).padStart(6)}   ${run.cpuUs.toFixed(0).padStart(10)}   ${run.errors + run.non2xx}`)
    }
  }

  // Latency at a steady, moderate rate: what the API server sees on a normal day.
  const steady = { webhook: NaN, bare: NaN, webhook50: NaN, bare50: NaN }
  for (const [server, port] of [['webhook', webhook.port], ['bare', barePort]] as const) {
    const r = await load(port, seconds, undefined, rate, 1)
    const sorted = r.latencies.slice().sort()
    steady[server] = percentile(sorted, 0.99)
    steady[`${server}50`] = percentile(sorted, 0.5)
  }
  console.log('')
  console.log(`at a steady ${rate} req/s: webhook p50 ${steady.webhook50.toFixed(2)} ms, p99 ${steady.webhook.toFixed(2)} ms; bare p50 ${steady.bare50.toFixed(2)} ms, p99 ${steady.bare.toFixed(2)} ms`)

  const webhookPeak = peakRss(webhook.child.pid!)
  const barePeak = peakRss(bare.pid!)
  await stop(webhook.child)
  bare.kill('SIGTERM')

  const summary = (server: 'webhook' | 'bare') => {
    const mine = runs.filter((r) => r.server === server)
    const requests = mine.reduce((a, r) => a + r.requests, 0)
    const secs = mine.reduce((a, r) => a + r.seconds, 0)
    const merged = Float64Array.from(all[server].flatMap((a) => Array.from(a))).sort()
    const cpuUs = mine.reduce((a, r) => a + r.cpuUs * r.requests, 0) / requests
    return { rps: requests / secs, p50: percentile(merged, 0.5), p99: percentile(merged, 0.99), cpuUs, errors: mine.reduce((a, r) => a + r.errors + r.non2xx, 0) }
  }
  const w = summary('webhook')
  const b = summary('bare')
  const ratio = w.rps / b.rps
  const readyMedian = median(readyTimes)

  console.log('')
  console.log(`webhook: ${w.rps.toFixed(0)} req/s, p50 ${w.p50.toFixed(2)} ms, p99 ${w.p99.toFixed(2)} ms, ${w.cpuUs.toFixed(0)} us CPU/req, peak RSS ${webhookPeak.toFixed(1)} MiB, ready ${readyTimes.map((t) => t.toFixed(0)).join('/')} ms after spawn, errors ${w.errors}`)
  console.log(`bare:    ${b.rps.toFixed(0)} req/s, p50 ${b.p50.toFixed(2)} ms, p99 ${b.p99.toFixed(2)} ms, ${b.cpuUs.toFixed(0)} us CPU/req, peak RSS ${barePeak.toFixed(1)} MiB, errors ${b.errors}`)
  console.log(`ratio webhook/bare throughput: ${ratio.toFixed(3)} (measured); ${(b.cpuUs / w.cpuUs).toFixed(3)} (from CPU per request, what a saturated dedicated core would give)`)
  console.log(`response ${(response.text.length / 1024).toFixed(1)} KiB per request (the patch carries the sync script), request ${(body.length / 1024).toFixed(1)} KiB`)
  console.log('')
  const verdicts = [
    check(`throughput >= ${TARGETS.ratio} of bare`, `${ratio.toFixed(3)}`, ratio >= TARGETS.ratio),
    check(`p99 <= ${TARGETS.p99Ms} ms under full load`, `${w.p99.toFixed(2)} ms`, w.p99 <= TARGETS.p99Ms),
    check(`p99 <= ${TARGETS.p99Ms} ms at ${rate} req/s`, `${steady.webhook.toFixed(2)} ms`, steady.webhook <= TARGETS.p99Ms),
    check(`peak RSS <= ${TARGETS.rssMiB} MiB`, `${webhookPeak.toFixed(1)} MiB`, webhookPeak <= TARGETS.rssMiB),
    check(`ready <= ${TARGETS.readyMs} ms after spawn (median of 3)`, `${readyMedian.toFixed(0)} ms`, readyMedian <= TARGETS.readyMs),
  ]
  console.log('targets:')
  for (const v of verdicts) console.log(v)
  const missed = verdicts.filter((v) => v.includes('MISSED')).length
  console.log('')
  console.log(
    missed === 0
      ? 'all targets met.'
      : `${missed} target(s) MISSED on this run. Latency and throughput depend on the machine: the client shares the cores with the server here (load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}).`,
  )
  if (w.errors + b.errors > 0) console.log(`WARNING: ${w.errors + b.errors} requests failed or were not 2xx during the load`)
  process.off('exit', cleanup)
  cleanup()
}

/** User + system CPU time of a process so far, in milliseconds (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return NaN
  }
}

function check(name: string, value: string, met: boolean): string {
  return `  ${met ? 'met   ' : 'MISSED'}  ${name.padEnd(44)} ${value}`
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]!
}

/** VmHWM: the peak resident set size of a process, from /proc. */
function peakRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1])
    return kb / 1024
  } catch {
    return NaN
  }
}

/** Spawns the webhook and measures spawn -> first 200 on /readyz. Logs go to a file, as in a container. */
async function startWebhook(dir: string, certPath: string, keyPath: string, nodeOptions: string): Promise<{ child: ChildProcess; port: number; readyMs: number }> {
  const port = await freePort()
  const metricsPort = await freePort()
  const log = openSync(path.join(dir, `webhook-${port}.log`), 'w')
  const spawnedAt = performance.now()
  const child = spawn(process.execPath, [CLI, 'serve', '--tls-cert', certPath, '--tls-key', keyPath, '--host', '127.0.0.1', '--port', String(port), '--metrics-port', String(metricsPort)], {
    stdio: ['ignore', log, 'inherit'],
    env: nodeOptions === '' ? process.env : { ...process.env, NODE_OPTIONS: nodeOptions },
  })
  closeSync(log)
  let exited = false
  child.once('exit', () => (exited = true))
  for (;;) {
    if (exited) throw new Error('the webhook exited before it was ready')
    if (await isReady(metricsPort)) return { child, port, readyMs: performance.now() - spawnedAt }
    if (performance.now() - spawnedAt > 10_000) throw new Error('the webhook was not ready within 10 s')
    await new Promise((r) => setTimeout(r, 2))
  }
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

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}

function post(port: number, body: Buffer, ca: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path: '/mutate', method: 'POST', ca, servername: 'localhost', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}
