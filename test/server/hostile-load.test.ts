// The bound of issue 19: the real binary, run with the Deployment's Node flags, takes
// hostile bodies three at a time (4 MiB of nested arrays; 4 MiB of one flat array of empty
// objects, the widest JSON there is; as many empty objects as it will parse) and its peak resident memory stays under the
// Deployment's memory limit; a normal review right after is answered 200. Prints the figures.
// CLI_ENTRY=<another build's dist/cli.js> measures that build the same way.
import t from 'tap'
import https from 'node:https'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import { chartPod } from '../helpers/pods.ts'
import { makeCa, tempDir, writePair } from '../helpers/tls.ts'
import { review } from './helpers/reviews.ts'
import { spawnCli, ROOT } from './helpers/child.ts'

t.setTimeout(180_000)

const MiB = 1024 * 1024
const BODY_LIMIT = 4 * MiB
const ROUNDS = 5

/** The webhook container of manifests/base/deployment.yaml: its NODE_OPTIONS and memory limit in bytes. */
function deployment(): { nodeOptions: string; memoryLimit: number } {
  const doc = parseYaml(readFileSync(path.join(ROOT, 'manifests', 'base', 'deployment.yaml'), 'utf8')) as {
    spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }>; resources: { limits: { memory: string } } }> } } }
  }
  const webhook = doc.spec.template.spec.containers.find((c) => c.name === 'webhook')!
  const memory = /^(\d+)Mi$/.exec(webhook.resources.limits.memory)
  if (memory === null) throw new Error(`the Deployment's memory limit ${webhook.resources.limits.memory} is not in Mi`)
  return { nodeOptions: webhook.env?.find((e) => e.name === 'NODE_OPTIONS')?.value ?? '', memoryLimit: Number(memory[1]) * MiB }
}

function status(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024
}

function post(url: string, ca: string, body: Buffer | string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${url}/mutate`, { method: 'POST', ca, agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')))
    // The server may answer (400, 429) before it has read the whole body, and close.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve(-1) : reject(error)))
    req.end(body)
  })
}

const hostile = {
  'nested arrays': Buffer.from('['.repeat(BODY_LIMIT / 2) + ']'.repeat(BODY_LIMIT / 2)),
  'one flat array of empty objects': Buffer.from('[' + '{},'.repeat(BODY_LIMIT / 3 - 1) + '{}]'),
  // The most objects the webhook parses (src/server/app.ts LIMITS.maxJsonContainers, 250,000).
  '249,999 empty objects': Buffer.from('[' + '{},'.repeat(249_997) + '{}]'),
}

t.test('peak RSS stays under the memory limit while hostile bodies arrive three at a time', async (t) => {
  const { nodeOptions, memoryLimit } = deployment()
  const ca = await makeCa()
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const { certPath, keyPath } = await writePair(dir, await ca.leaf())
  const child = spawnCli(['serve', '--tls-cert', certPath, '--tls-key', keyPath, '--port', '0', '--metrics-port', '0', '--host', '127.0.0.1'], {
    env: { NODE_OPTIONS: nodeOptions },
  })
  t.teardown(() => child.kill())
  const ready = await child.waitFor('ready')
  const url = String(ready.url).replace(/\/mutate$/, '')
  const pid = child.process.pid!
  t.equal(await post(url, ca.cert, JSON.stringify(review(chartPod()))), 200, 'a review is answered to begin with')
  const idle = status(pid, 'VmRSS')
  const figures: string[] = [`idle ${(idle / MiB).toFixed(0)} MiB`]
  for (const [what, body] of Object.entries(hostile)) {
    t.ok(body.length <= BODY_LIMIT, `${what}: ${body.length} bytes, within the body limit`)
    const answers: number[] = []
    for (let round = 0; round < ROUNDS; round++) answers.push(...(await Promise.all([1, 2, 3].map(() => post(url, ca.cert, body)))))
    const peak = status(pid, 'VmHWM')
    figures.push(`after ${ROUNDS} x 3 ${what}: peak ${(peak / MiB).toFixed(0)} MiB`)
    t.comment(`${what}: answers ${[...new Set(answers)].join(', ')}; peak RSS ${(peak / MiB).toFixed(0)} MiB of the ${(memoryLimit / MiB).toFixed(0)} MiB limit`)
    t.ok(answers.every((a) => a !== 200), `${what}: never answered as a review`)
    t.ok(peak < memoryLimit, `${what}: peak RSS ${(peak / MiB).toFixed(0)} MiB is under the limit of ${(memoryLimit / MiB).toFixed(0)} MiB`)
  }
  t.equal(await post(url, ca.cert, JSON.stringify(review(chartPod()))), 200, 'a normal review right after is answered 200')
  t.comment(`figures (${path.relative(ROOT, String(process.env.CLI_ENTRY ?? 'dist/cli.js'))}, NODE_OPTIONS=${nodeOptions}): ${figures.join('; ')}`)
})
