// npm run bench: the engine's median time per pod, beside a baseline measured in the
// same run (JSON.parse of the same pod's text, which the webhook pays on every request
// anyway), so the figures mean something on a busy or slow machine.
import { mutatePod } from '../src/engine/index.ts'
import { defaultSettings } from '../src/settings.ts'
import { bigPod as makeBigPod, chartPod as readChartPod } from '../test/helpers/pods.ts'

const settings = defaultSettings().engine
const chartPod = readChartPod()
const bigPod = makeBigPod(100)

/** Median of `rounds` rounds of `batch` calls, in microseconds per call. */
function median(fn: () => unknown, batch: number, rounds = 31): number {
  for (let i = 0; i < batch * 3; i++) fn()
  const samples: number[] = []
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < batch; i++) fn()
    samples.push(Number(process.hrtime.bigint() - start) / 1000 / batch)
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)] as number
}

interface Row {
  name: string
  engine: number
  baseline: number
  target: number
}

const rows: Row[] = []
for (const [name, pod, batch, target] of [
  ["the chart's pod", chartPod, 2000, 50],
  ['a pod with 100 containers', bigPod, 100, 2000],
] as const) {
  const text = JSON.stringify(pod)
  const result = mutatePod(pod, settings)
  if (result.decision.action !== 'inject') throw new Error(`${name} was not injected: ${result.decision.reasons.join('; ')}`)
  rows.push({ name, engine: median(() => mutatePod(pod, settings), batch), baseline: median(() => JSON.parse(text), batch), target })
}

console.log(`engine benchmark, node ${process.version}, median of 31 rounds`)
for (const row of rows) {
  const verdict = row.engine <= row.target ? 'meets' : 'MISSES'
  console.log(
    `${row.name.padEnd(28)} engine ${row.engine.toFixed(1).padStart(8)} µs/pod   JSON.parse of the pod ${row.baseline.toFixed(1).padStart(8)} µs   ratio ${(row.engine / row.baseline).toFixed(2)}   target ≤ ${row.target} µs: ${verdict}`,
  )
}
