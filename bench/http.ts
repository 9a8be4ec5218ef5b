// HTTP benchmark of the webhook (`npm run bench:http`): four servers answering the same
// review of the Helm chart's pod (examples/admission-review.json), each alone on the machine,
// loaded in turn by wrk over keep-alive HTTPS on loopback:
//   - openclaw-injector: `node dist/cli.js serve`, with the Node flags of the Deployment
//     (NODE_OPTIONS in manifests/base/deployment.yaml);
//   - a Go webhook on controller-runtime's webhook package (bench/go-peer), making the same
//     mutation with its usual patch helper; built here from the Go module proxy;
//   - plain Fastify with the webhook's own options (TLS, logger, limits), parsing the body and
//     answering openclaw-injector's answer as fixed bytes (bench/fastify.mjs): the framework's
//     cost, so that the gap to the webhook is the product's own work;
//   - bare node:https answering openclaw-injector's own answer as fixed bytes (bench/bare.mjs).
// Each run: a fresh server, its idle RSS, a warm-up, then the measured load; CPU per request
// from /proc/<pid>/stat over the measured part, peak RSS (VmHWM) at the end. The rounds
// interleave the servers; the table shows the median of the rounds and the ratios between
// servers of the same run. Nothing is asserted: this prints figures.
//
// Options (env): BENCH_SECONDS (20), BENCH_WARMUP_SECONDS (5), BENCH_ROUNDS (3),
// BENCH_CONNECTIONS (16), BENCH_THREADS (2), BENCH_SERVERS (webhook,go,fastify,bare),
// BENCH_NODE_OPTIONS (the webhook's Node flags instead of the Deployment's).
import { loadavg, cpus, tmpdir } from 'node:os'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import jsonpatch from 'fast-json-patch'
import { mutatePod } from '../src/engine/index.ts'
import { isInjectedContainer } from '../src/engine/init-container.ts'
import { defaultSettings } from '../src/settings.ts'
import { servingCertificates, writePair } from '../test/helpers/tls.ts'
import { cpuMicros, deploymentNodeOptions, findWrk, median, post, ROOT, rssMiB, runWrk, startBare, startFastify, startGoPeer, startWebhook, stop, buildGoPeer, type Started } from './servers.ts'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 20)
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16)
const THREADS = Number(process.env.BENCH_THREADS ?? 2)
const SERVERS = (process.env.BENCH_SERVERS ?? 'webhook,go,fastify,bare').split(',') as ServerName[]
type ServerName = 'webhook' | 'go' | 'fastify' | 'bare'
const LABEL: Record<ServerName, string> = {
  webhook: 'openclaw-injector',
  go: 'Go, controller-runtime webhook',
  fastify: 'plain Fastify, same options, fixed bytes',
  bare: 'bare Node https, fixed bytes',
}

interface Run {
  rps: number
  p50: number
  p99: number
  cpuUs: number
  idleRss: number
  peakRss: number
  readyMs: number
  errors: number
}

const dir = mkdtempSync(path.join(tmpdir(), 'openclaw-injector-bench-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))

const wrk = findWrk()
const material = await servingCertificates()
const { certPath, keyPath } = await writePair(dir, { cert: material.cert, key: material.key })
const bodyFile = path.join(ROOT, 'examples', 'admission-review.json')
const body = readFileSync(bodyFile)
const review = JSON.parse(body.toString('utf8')) as { request: { object: Record<string, any> } }

// What openclaw-injector answers, and the same mutation for the Go peer, from the engine's own result.
const webhookAnswer = await answerOf('webhook')
const result = mutatePod(structuredClone(review.request.object), defaultSettings().engine)
if (result.decision.action !== 'inject' || result.summary === undefined) throw new Error('the engine does not inject the benchmark pod')
const gateway = result.pod.spec!.containers.find((c) => c.name === result.summary!.gatewayContainer)!
const mutationFile = path.join(dir, 'mutation.json')
const initIndex = result.pod.spec!.initContainers!.findIndex(isInjectedContainer)
writeFileSync(mutationFile, JSON.stringify({
  initContainer: result.pod.spec!.initContainers![initIndex],
  initIndex,
  gateway: gateway.name,
  gatewayEnv: (gateway.env ?? []).filter((e) => result.summary!.gatewayEnvAdded.includes(e.name)),
  annotations: Object.fromEntries(Object.entries(result.pod.metadata!.annotations!).filter(([k]) => k.startsWith('openclaw.ai/token-sync-'))),
}))
const responseFile = path.join(dir, 'response.json')
writeFileSync(responseFile, webhookAnswer)
if (SERVERS.includes('go')) buildGoPeer()

const answers: Partial<Record<ServerName, Buffer>> = { webhook: webhookAnswer }
for (const name of SERVERS.filter((s) => s !== 'webhook')) answers[name] = await answerOf(name)
checkSamePod()

console.log(`openclaw-injector HTTP benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`)
console.log(`machine: ${cpus().length} x ${cpus()[0]?.model.trim()}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} at start; node ${process.version}; webhook NODE_OPTIONS ${JSON.stringify(deploymentNodeOptions())} (${process.env.BENCH_NODE_OPTIONS === undefined ? 'from the Deployment' : 'BENCH_NODE_OPTIONS'})`)
console.log(`wrk: ${THREADS} threads, ${CONNECTIONS} keep-alive HTTPS connections on loopback, ${WARMUP} s warm-up then ${SECONDS} s measured, each server alone, ${ROUNDS} interleaved rounds; body ${body.length} bytes (${path.relative(ROOT, bodyFile)})`)
console.log('')
console.log('round  server      req/s    p50 ms   p99 ms   CPU us/req   idle/peak RSS MiB   errors')

const runs: Record<ServerName, Run[]> = { webhook: [], go: [], fastify: [], bare: [] }
for (let round = 1; round <= ROUNDS; round++) {
  // Rotate the order so that no server always runs first or last.
  const order = SERVERS.map((_, i) => SERVERS[(i + round - 1) % SERVERS.length]!)
  for (const name of order) {
    const run = await measure(name)
    runs[name].push(run)
    console.log(`${String(round).padEnd(7)}${name.padEnd(10)}${run.rps.toFixed(0).padStart(7)}   ${run.p50.toFixed(2).padStart(6)}   ${run.p99.toFixed(2).padStart(6)}   ${run.cpuUs.toFixed(0).padStart(10)}   ${`${run.idleRss.toFixed(0)} / ${run.peakRss.toFixed(0)}`.padStart(17)}   ${run.errors}`)
  }
}

const summary = Object.fromEntries(
  SERVERS.map((name) => {
    const r = runs[name]
    const m = (f: (x: Run) => number) => median(r.map(f))
    return [name, { rps: m((x) => x.rps), p50: m((x) => x.p50), p99: m((x) => x.p99), cpuUs: m((x) => x.cpuUs), idleRss: m((x) => x.idleRss), peakRss: m((x) => x.peakRss), readyMs: m((x) => x.readyMs), errors: r.reduce((a, x) => a + x.errors, 0) }]
  }),
) as Record<ServerName, Run>

console.log('')
console.log(`median of ${ROUNDS} rounds (load average now ${loadavg().map((l) => l.toFixed(2)).join(' ')}):`)
console.log('')
console.log('| server | req/s | p50 / p99 ms | CPU µs per request | idle / peak RSS MiB | answer bytes |')
console.log('| --- | --- | --- | --- | --- | --- |')
for (const name of SERVERS) {
  const s = summary[name]
  console.log(`| ${LABEL[name]} | ${s.rps.toFixed(0)} | ${s.p50.toFixed(1)} / ${s.p99.toFixed(1)} | ${s.cpuUs.toFixed(0)} | ${s.idleRss.toFixed(0)} / ${s.peakRss.toFixed(0)} | ${answers[name]!.length} |`)
}
console.log('')
const w = summary.webhook
const ratio = (a: number, b: number) => (a / b).toFixed(2)
if (SERVERS.includes('go') && SERVERS.includes('webhook')) {
  const g = summary.go
  console.log(`openclaw-injector against the Go peer: ${ratio(w.rps, g.rps)}x the throughput, ${ratio(g.cpuUs, w.cpuUs)}x less CPU per request, p99 ${ratio(w.p99, g.p99)}x`)
}
if (SERVERS.includes('fastify') && SERVERS.includes('webhook')) {
  const f = summary.fastify
  console.log(`openclaw-injector against plain Fastify with its options (the product's own work): throughput ${ratio(w.rps, f.rps)}x, CPU per request ${ratio(w.cpuUs, f.cpuUs)}x (+${(w.cpuUs - f.cpuUs).toFixed(0)} µs), p99 ${ratio(w.p99, f.p99)}x, idle RSS ${ratio(w.idleRss, f.idleRss)}x, peak RSS ${ratio(w.peakRss, f.peakRss)}x`)
}
if (SERVERS.includes('bare') && SERVERS.includes('webhook')) {
  const b = summary.bare
  console.log(`openclaw-injector against bare Node: throughput ${ratio(w.rps, b.rps)}x, CPU per request ${ratio(w.cpuUs, b.cpuUs)}x, p99 ${ratio(w.p99, b.p99)}x, idle RSS ${ratio(w.idleRss, b.idleRss)}x, peak RSS ${ratio(w.peakRss, b.peakRss)}x`)
}
console.log(`from spawn to serving (median): ${SERVERS.map((n) => `${n} ${summary[n].readyMs.toFixed(0)} ms`).join(', ')}`)
const errors = SERVERS.reduce((a, n) => a + summary[n].errors, 0)
if (errors > 0) console.log(`WARNING: ${errors} requests failed or were not 2xx`)

/** One run of one server, started fresh and stopped after. */
async function measure(name: ServerName): Promise<Run> {
  const server = await start(name)
  try {
    await new Promise((r) => setTimeout(r, 1_000))
    const idleRss = rssMiB(server.pid, 'VmRSS')
    runWrk(wrk, server.port, bodyFile, { seconds: WARMUP, threads: THREADS, connections: CONNECTIONS })
    const cpuBefore = cpuMicros(server.pid)
    const r = runWrk(wrk, server.port, bodyFile, { seconds: SECONDS, threads: THREADS, connections: CONNECTIONS })
    const cpu = cpuMicros(server.pid) - cpuBefore
    return { rps: r.requests / r.seconds, p50: r.p50Ms, p99: r.p99Ms, cpuUs: cpu / r.requests, idleRss, peakRss: rssMiB(server.pid, 'VmHWM'), readyMs: server.readyMs, errors: r.errors }
  } finally {
    await stop(server.child)
  }
}

async function start(name: ServerName): Promise<Started> {
  switch (name) {
    case 'webhook':
      return startWebhook(certPath, keyPath, path.join(dir, 'webhook.log'))
    case 'go':
      return startGoPeer(dir, mutationFile, path.join(dir, 'go-peer.log'))
    case 'fastify':
      return startFastify(certPath, keyPath, responseFile, path.join(dir, 'fastify.log'))
    case 'bare':
      return startBare(certPath, keyPath, responseFile)
  }
}

async function answerOf(name: ServerName): Promise<Buffer> {
  const server = await start(name)
  try {
    const answer = await post(server.port, body)
    if (answer.status !== 200) throw new Error(`${name} answered HTTP ${answer.status}: ${answer.bytes.toString('utf8').slice(0, 200)}`)
    return answer.bytes
  } finally {
    await stop(server.child)
  }
}

/**
 * The Go peer's patch must make the same pod as ours. Go's json.Marshal of a typed pod adds
 * empty values the API server drops or defaults anyway (creationTimestamp: null,
 * resources: {}, status: {}); they are pruned from both sides before comparing.
 */
function checkSamePod(): void {
  const podAfter = (answer: Buffer) => {
    const response = JSON.parse(answer.toString('utf8')).response as { patch?: string }
    const patch = JSON.parse(Buffer.from(response.patch ?? '', 'base64').toString('utf8') || '[]')
    return { pod: prune(jsonpatch.applyPatch(structuredClone(review.request.object), patch, true, false).newDocument), operations: patch.length }
  }
  const ours = podAfter(webhookAnswer)
  if (answers.bare !== undefined && !answers.bare.equals(webhookAnswer)) throw new Error('the bare server does not answer what the webhook answers')
  if (answers.fastify !== undefined && !answers.fastify.equals(webhookAnswer)) throw new Error('the plain Fastify server does not answer what the webhook answers')
  if (answers.go !== undefined) {
    const go = podAfter(answers.go)
    if (JSON.stringify(sortKeys(go.pod)) !== JSON.stringify(sortKeys(ours.pod))) throw new Error('the Go peer\'s patch does not make the same pod as openclaw-injector\'s')
    console.log(`the Go peer's patch (${go.operations} operations) and openclaw-injector's (${ours.operations}) make the same pod`)
  }
}

function prune(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(prune)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) {
    const p = prune(v)
    if (p === null || (typeof p === 'object' && !Array.isArray(p) && Object.keys(p as object).length === 0)) continue
    out[k] = p
  }
  return out
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]))
}
