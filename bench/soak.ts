// Growth check of the webhook (`npm run bench:soak`): one `serve` process, as the Deployment
// runs it, reviews the chart's pod 500,000 times (a fresh uid in each review) under wrk's
// load; its resident memory after 50,000 reviews and after 500,000 is compared. A leak of
// even a few hundred bytes per review shows as tens of MiB; the figures say so, and the
// process's own heap figures from /metrics are printed beside them.
//
// Options (env): SOAK_REVIEWS (500000), SOAK_FIRST (50000), SOAK_CONNECTIONS (16),
// SOAK_MAX_MINUTES (30, the bound on the whole run).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { get as httpGet } from 'node:http'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { servingCertificates, writePair } from '../test/helpers/tls.ts'
import { deploymentNodeOptions, findWrk, ROOT, rssMiB, runWrk, startWebhook, stop } from './servers.ts'

const REVIEWS = Number(process.env.SOAK_REVIEWS ?? 500_000)
const FIRST = Number(process.env.SOAK_FIRST ?? 50_000)
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 16)
const DEADLINE = Date.now() + Number(process.env.SOAK_MAX_MINUTES ?? 30) * 60_000
const PLACEHOLDER_UID = '00000000-0000-4000-8000-000000000000'
const GROWTH_LIMIT = 0.1

const dir = mkdtempSync(path.join(tmpdir(), 'openclaw-injector-soak-'))
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const wrk = findWrk()
const material = await servingCertificates()
const { certPath, keyPath } = await writePair(dir, { cert: material.cert, key: material.key })
const review = JSON.parse(readFileSync(path.join(ROOT, 'examples', 'admission-review.json'), 'utf8')) as { request: { uid: string } }
review.request.uid = PLACEHOLDER_UID
const bodyFile = path.join(dir, 'review.json')
writeFileSync(bodyFile, JSON.stringify(review))

console.log(`openclaw-injector soak: ${REVIEWS} reviews of the chart's pod, RSS after ${FIRST} against after ${REVIEWS}`)
console.log(`machine: ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; node ${process.version}; webhook NODE_OPTIONS ${JSON.stringify(deploymentNodeOptions())} (from the Deployment)`)
// Log lines go to a file, as a container runtime would take them; 500,000 of them are ~200 MB.
const webhook = await startWebhook(certPath, keyPath, path.join(dir, 'webhook.log'))
const samples: Array<{ reviews: number; rss: number; heapUsed: number }> = []
try {
  let done = 0
  let next = FIRST
  console.log('reviews    RSS MiB   heap used MiB')
  while (done < REVIEWS) {
    if (Date.now() > DEADLINE) throw new Error(`not done within SOAK_MAX_MINUTES: ${done} reviews`)
    const r = runWrk(wrk, webhook.port, bodyFile, { seconds: 5, threads: 2, connections: CONNECTIONS, uniqueUid: true })
    if (r.errors > 0) throw new Error(`${r.errors} requests failed`)
    done = await admissions(webhook.opsPort)
    if (done >= next || done >= REVIEWS) {
      const metrics = await metricsText(webhook.opsPort)
      const sample = { reviews: done, rss: rssMiB(webhook.pid, 'VmRSS'), heapUsed: metric(metrics, 'nodejs_heap_size_used_bytes') / 2 ** 20 }
      samples.push(sample)
      console.log(`${String(done).padStart(7)}   ${sample.rss.toFixed(1).padStart(7)}   ${sample.heapUsed.toFixed(1).padStart(13)}`)
      next += FIRST
    }
  }
} finally {
  await stop(webhook.child)
}
const first = samples[0]!
const last = samples.at(-1)!
const growth = last.rss / first.rss - 1
console.log('')
console.log(`RSS after ${first.reviews} reviews ${first.rss.toFixed(1)} MiB, after ${last.reviews} ${last.rss.toFixed(1)} MiB: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} % (target: within ${GROWTH_LIMIT * 100} %) ${Math.abs(growth) <= GROWTH_LIMIT ? 'met' : 'MISSED'}`)
console.log(`heap used ${first.heapUsed.toFixed(1)} MiB -> ${last.heapUsed.toFixed(1)} MiB`)

function metricsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d))
      res.on('end', () => resolve(text))
    }).on('error', reject)
  })
}

function metric(text: string, name: string): number {
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'gm'))].reduce((sum, m) => sum + Number(m[1]), 0)
}

async function admissions(port: number): Promise<number> {
  return metric(await metricsText(port), 'openclaw_injector_admissions_total')
}
