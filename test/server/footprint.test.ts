// What `serve` loads: the real binary, with every module it loads recorded, answering a
// review, serving its metrics and shutting down. Fastify with its logger (pino) and
// prom-client; no Kubernetes client, no YAML parser, no schema compilers.
import t from 'tap'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chartPod } from '../helpers/pods.ts'
import { makeCa, tempDir, writePair } from '../helpers/tls.ts'
import { review } from './helpers/reviews.ts'
import { send } from './helpers/server.ts'
import { spawnCli, ROOT } from './helpers/child.ts'

t.setTimeout(60_000)

const HOOK = fileURLToPath(new URL('./helpers/record-modules.ts', import.meta.url))

/** The packages under node_modules that a list of module URLs comes from. */
function packagesOf(urls: string[]): string[] {
  const names = new Set<string>()
  for (const url of urls) {
    const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)
    if (match !== null) names.add(match[1]!)
  }
  return [...names].sort()
}

t.test('serve loads only what it uses', async (t) => {
  const ca = await makeCa()
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const { certPath, keyPath } = await writePair(dir, await ca.leaf())
  const record = path.join(dir, 'modules.txt')
  // Through `env -i`: exactly this environment, without the NODE_OPTIONS preloads tap adds to
  // every child it sees spawned, which would be recorded too.
  const child = spawnCli(['serve', '--tls-cert', certPath, '--tls-key', keyPath, '--port', '0', '--metrics-port', '0', '--host', '127.0.0.1'], {
    command: ['/usr/bin/env', '-i', `PATH=${process.env.PATH}`, `NODE_OPTIONS=--import=${HOOK}`, `RECORD_MODULES_FILE=${record}`, process.execPath],
  })
  t.teardown(() => child.kill())
  const ready = await child.waitFor('ready')
  const answer = await send(String(ready.url), { method: 'POST', headers: { 'content-type': 'application/json' }, ca: ca.cert }, JSON.stringify(review(chartPod())))
  t.equal(answer.status, 200, 'a review was answered')
  // What is sent, stored in etcd with the pod and shown by `kubectl describe pod`. Issue 13 aimed
  // at 12 KiB; with the rules of issues 11 and 12 the script's smallest form was ~8.8 KB and the
  // answer ~14.5 KB. Issue 18 added OpenClaw's own path rules for two releases (the file is
  // resolved in the pod): the script's smallest form is 15.1 KB and the answer 23.4 KB; issue 19's bounded reads and
  // json5 loading bring them to 17.4 KB and 26.6 KB (README, What the pod spec carries). This bound catches growth past that.
  const bytes = Buffer.byteLength(answer.text)
  t.ok(answer.json().response.patch, 'the chart pod was injected')
  t.ok(bytes <= 27 * 1024, `the answer for the chart's pod is at most 27 KiB (${bytes} bytes)`)
  const metrics = await send(String(ready.metrics), { method: 'GET', headers: {} })
  t.equal(metrics.status, 200, 'and the metrics served')
  for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'process_open_fds', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_heap_size_used_bytes']) {
    t.match(metrics.text, new RegExp(`^${name} [0-9.e+-]+$`, 'm'), `prom-client's default ${name}`)
  }
  child.process.kill('SIGTERM')
  t.equal((await child.exited).code, 0)

  const urls = readFileSync(record, 'utf8').trim().split('\n').filter((u) => u.startsWith('file:'))
  const packages = packagesOf(urls)
  t.comment(`packages loaded: ${packages.join(' ')}`)
  t.ok(packages.includes('fastify'), 'Fastify serves the admissions')
  t.ok(packages.includes('pino'), "Fastify's own logger writes the log")
  t.ok(packages.includes('prom-client'), 'prom-client keeps the metrics')
  for (const unused of [
    ['@kubernetes/client-node', 'the Kubernetes client (the certs command uses it)'],
    ['yaml', 'the YAML parser (only for a --config file, or the inject and explain commands)'],
    ['ajv', 'Ajv (no route has a schema)'],
    ['@fastify/ajv-compiler', "Fastify's schema compiler"],
    ['selfsigned', 'the certificate generator (given certificates)'],
  ]) {
    t.notOk(packages.includes(unused[0]!), `not ${unused[1]}`)
  }
  const ours = urls.filter((u) => !u.includes('/node_modules/')).map((u) => path.relative(ROOT, fileURLToPath(u))).filter((f) => !f.startsWith('test/'))
  for (const file of ours) t.match(file, /^dist\//, `${file} is built code`)
  for (const unused of ['dist/certs/cluster.js', 'dist/certs/generate.js', 'dist/offline/documents.js', 'dist/commands/inject.js']) {
    t.notOk(ours.includes(unused), `${unused} is not loaded when serving given certificates`)
  }
})
