// npm run bench: the engine's median time per pod, beside a baseline measured in the
// same run (JSON.parse of the same pod's text, which the webhook pays on every request
// anyway), so the figures mean something on a busy or slow machine. Then the same for pods
// growing along one axis (test/helpers/pods.ts, GROWING_PODS): a linear engine keeps the
// time per entry flat, so "growth" (time ratio over size ratio, against the row before) stays
// near 1; a quadratic step shows as a growth near the size ratio.
import { mutatePod } from '../src/engine/index.ts'
import type { Pod } from '../src/engine/types.ts'
import { defaultSettings } from '../src/settings.ts'
import { bigPod as makeBigPod, chartPod as readChartPod, GROWING_PODS } from '../test/helpers/pods.ts'

const settings = defaultSettings().engine

/**
 * Median time of one call in microseconds: rounds of `batch` calls each, the batch sized to take
 * about 20 ms, as many rounds (3 to 31) as fit in about `budgetMs`.
 */
function median(fn: () => unknown, budgetMs = 600): number {
  const once = () => {
    const start = process.hrtime.bigint()
    fn()
    return Number(process.hrtime.bigint() - start) / 1000
  }
  once()
  const estimate = Math.max(once(), 0.05)
  const batch = Math.max(1, Math.floor(20_000 / estimate))
  for (let i = 0; i < Math.min(batch * 3, 3000); i++) fn()
  const rounds = Math.min(31, Math.max(3, Math.floor((budgetMs * 1000) / (batch * estimate))))
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] as number
}

function measure(name: string, pod: Pod): { engine: number; baseline: number; code: string } {
  const text = JSON.stringify(pod)
  const code = mutatePod(pod, settings).decision.code
  return { engine: median(() => mutatePod(pod, settings)), baseline: median(() => JSON.parse(text)), code }
}

const fixed: [string, Pod, number][] = [
  ["the chart's pod", readChartPod(), 50],
  ['a pod with 100 containers', makeBigPod(100), 2000],
]
console.log(`engine benchmark, node ${process.version}, median µs per pod`)
for (const [name, pod, target] of fixed) {
  const row = measure(name, pod)
  if (row.code !== 'injected') throw new Error(`${name} was not injected: ${row.code}`)
  const verdict = row.engine <= target ? 'meets' : 'MISSES'
  console.log(
    `${name.padEnd(28)} engine ${row.engine.toFixed(1).padStart(8)} µs/pod   JSON.parse of the pod ${row.baseline.toFixed(1).padStart(8)} µs   ratio ${(row.engine / row.baseline).toFixed(2)}   target ≤ ${target} µs: ${verdict}`,
  )
}

/** Sizes per axis: ×4 steps, the last one the size of the report (6,000 env entries) or beyond. */
const SIZES: Record<keyof typeof GROWING_PODS, number[]> = {
  'env chain, reversed': [375, 1500, 6000],
  'env chain, forward': [375, 1500, 6000],
  containers: [16, 64, 256, 960],
  volumes: [16, 64, 256, 960],
  'credentials entries': [250, 1000, 4000],
}
/** The report's pod: 6,000 env entries listed in reverse plus one envFrom, 5 s on the quadratic engine. */
const TARGET = { axis: 'env chain, reversed', size: 6000, us: 50_000 }

console.log('')
console.log(`${'pod grows by'.padEnd(22)}${'size'.padStart(6)}${'KiB'.padStart(6)}  ${'engine µs/pod'.padStart(14)}  ${'µs/entry'.padStart(9)}  ${'JSON.parse µs'.padStart(14)}  ${'ratio'.padStart(6)}  ${'growth'.padStart(6)}  decision`)
let verdict = ''
for (const [axis, sizes] of Object.entries(SIZES) as [keyof typeof GROWING_PODS, number[]][]) {
  let previous: { size: number; engine: number } | undefined
  for (const size of sizes) {
    const pod = GROWING_PODS[axis](size)
    const row = measure(`${axis} ${size}`, pod)
    const growth = previous === undefined ? '' : (row.engine / previous.engine / (size / previous.size)).toFixed(2)
    console.log(
      `${axis.padEnd(22)}${String(size).padStart(6)}${String(Math.round(JSON.stringify(pod).length / 1024)).padStart(6)}  ${row.engine.toFixed(1).padStart(14)}  ${(row.engine / size).toFixed(2).padStart(9)}  ${row.baseline.toFixed(1).padStart(14)}  ${(row.engine / row.baseline).toFixed(2).padStart(6)}  ${growth.padStart(6)}  ${row.code}`,
    )
    if (axis === TARGET.axis && size === TARGET.size) {
      verdict = `${axis} of ${size}: ${(row.engine / 1000).toFixed(2)} ms per pod, target ≤ ${TARGET.us / 1000} ms: ${row.engine <= TARGET.us && row.code === 'injected' ? 'meets' : 'MISSES'}`
    }
    previous = { size, engine: row.engine }
  }
}
console.log('')
console.log('ratio: engine time over JSON.parse of the same pod; growth: (time ratio) / (size ratio) against the row above, 1 for linear, the size ratio (4) for quadratic')
console.log(verdict)
