// The webhook's metrics as a real `serve` exports them, and as docs/cluster-admin.md
// documents them (its "### Metrics" table), for the tests that hold the two, the alerts and
// the dashboard together: test/server/metrics-docs.test.ts, test/prometheus/.
import { readFileSync } from 'node:fs'
import { chartPod } from './pods.ts'
import { makeCa, tempDir, writePair } from './tls.ts'
import { spawnCli } from '../server/helpers/child.ts'
import { review } from '../server/helpers/reviews.ts'
import { send } from '../server/helpers/server.ts'

const DOC = new URL('../../docs/cluster-admin.md', import.meta.url)

export interface Sample {
  name: string
  labels: Record<string, string>
}

/** One family of the text exposition format: its `# TYPE`, and its samples. */
export interface Family {
  name: string
  type: string
  samples: Sample[]
}

/**
 * The families of a Prometheus text exposition (format 0.0.4), by name, each with the type
 * of its `# TYPE` line (`untyped` without one) and its samples, whose labels are parsed
 * (escapes undone). A histogram's or summary's _bucket, _sum and _count samples go to
 * their family. Throws on a line that is neither a comment nor a sample.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  const family = (name: string) => {
    let f = families.get(name)
    if (f === undefined) families.set(name, (f = { name, type: 'untyped', samples: [] }))
    return f
  }
  for (const line of text.split('\n')) {
    if (line === '') continue
    const typed = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)$/.exec(line)
    if (typed !== null) {
      family(typed[1]!).type = typed[2]!
      continue
    }
    if (line.startsWith('#')) continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+( \d+)?$/.exec(line)
    if (sample === null) throw new Error(`not an exposition line: ${line}`)
    const labels: Record<string, string> = {}
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c))
    }
    const name = sample[1]!
    const base = name.replace(/_(bucket|sum|count)$/, '')
    const owner = base !== name && ['histogram', 'summary'].includes(families.get(base)?.type ?? '') ? base : name
    family(owner).samples.push({ name, labels })
  }
  return families
}

/** Every series name a family exports: its own, and for a histogram _bucket, _sum, _count. */
export function seriesNames(families: Map<string, Family>): Set<string> {
  const names = new Set<string>()
  for (const f of families.values()) {
    names.add(f.name)
    if (f.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(f.name + suffix)
    if (f.type === 'summary') for (const suffix of ['_sum', '_count']) names.add(f.name + suffix)
  }
  return names
}

/**
 * The live registry of a real webhook: `node dist/cli.js serve` on loopback with a test
 * certificate, after one review of each kind (injected, skipped, not a CREATE, not a pod,
 * a refused body), so that labelled families have series; then GET /metrics on its
 * operations port. The child is killed before this returns.
 */
export async function liveExposition(): Promise<string> {
  const ca = await makeCa()
  const { dir, remove } = await tempDir()
  const { certPath, keyPath } = await writePair(dir, await ca.leaf())
  const child = spawnCli(['serve', '--tls-cert', certPath, '--tls-key', keyPath, '--port', '0', '--metrics-port', '0', '--host', '127.0.0.1'])
  try {
    const ready = await child.waitFor('ready')
    const post = (body: string) => send(String(ready.url), { method: 'POST', headers: { 'content-type': 'application/json' }, ca: ca.cert }, body)
    const skipped = chartPod()
    skipped.metadata!.annotations = { 'openclaw.ai/token-sync': 'disabled' }
    for (const body of [review(chartPod()), review(skipped), review(chartPod(), { operation: 'DELETE' }), review(chartPod(), { kind: { group: '', version: 'v1', kind: 'Secret' } })]) {
      await post(JSON.stringify(body))
    }
    await post('{')
    const metrics = await send(String(ready.metrics), { method: 'GET', headers: {} })
    if (metrics.status !== 200) throw new Error(`GET ${String(ready.metrics)}: ${metrics.status}`)
    return metrics.text
  } finally {
    child.kill()
    await child.exited
    await remove()
  }
}

/** One row of the docs' metrics table. */
export interface DocumentedMetric {
  /** The metric's name, or for a group row its prefix (the row's name without the trailing `*`). */
  name: string
  /** A row for every metric whose name starts with `name` (written `process_*`). */
  group: boolean
  /** counter, gauge, histogram; for a group row what the cell says. */
  type: string
  /**
   * Label name -> its values as the row lists them (backquoted), or undefined for a label
   * whose value is one per process (a version), described in words. `4xx` stands for 400-499.
   */
  labels: Map<string, string[] | undefined>
  alertOn: string
}

/**
 * The rows of the table under `### Metrics` in docs/cluster-admin.md:
 * | `name` or `prefix_*` | type | labels | what to alert on |
 * Labels: `—` for none, else `label`: `v1`, `v2`; `other`: (words) ... separated by `;`.
 * Throws when the heading or the table is missing.
 */
export function documentedMetrics(doc: string = readFileSync(DOC, 'utf8')): DocumentedMetric[] {
  const at = doc.indexOf('\n### Metrics\n')
  if (at === -1) throw new Error('docs/cluster-admin.md has no "### Metrics" section')
  const section = doc.slice(at + 1).split(/\n#{2,3} /)[0]!.replace(/^### Metrics\n/, '')
  const rows = section.split('\n').filter((line) => /^\| `/.test(line))
  if (rows.length === 0) throw new Error('the "### Metrics" section of docs/cluster-admin.md has no table')
  return rows.map((row) => {
    const cells = row.split(/(?<!\\)\|/).slice(1, -1).map((c) => c.trim())
    if (cells.length !== 4) throw new Error(`a metrics row needs 4 cells: ${row}`)
    const [nameCell, type, labelCell, alertOn] = cells as [string, string, string, string]
    const name = /^`([a-zA-Z_:][a-zA-Z0-9_:]*\*?)`$/.exec(nameCell)?.[1]
    if (name === undefined) throw new Error(`not a metric name: ${nameCell}`)
    const labels = new Map<string, string[] | undefined>()
    if (labelCell !== '—') {
      for (const part of labelCell.split(/;\s*/)) {
        const m = /^`([a-zA-Z_][a-zA-Z0-9_]*)`:\s*(.*)$/.exec(part.trim())
        if (m === null) throw new Error(`a label is written \`name\`: values: ${part}`)
        const values = [...m[2]!.matchAll(/`([^`]*)`/g)].map((v) => v[1]!)
        labels.set(m[1]!, values.length === 0 ? undefined : values)
      }
    }
    const group = name.endsWith('*')
    return { name: group ? name.slice(0, -1) : name, group, type, labels, alertOn }
  })
}

/** Whether `value` is one of `listed` (where `4xx` stands for any status 400-499). */
export function listedValue(listed: readonly string[], value: string): boolean {
  return listed.some((v) => v === value || (/^\dxx$/.test(v) && new RegExp(`^${v[0]}\\d\\d$`).test(value)))
}

/**
 * The metric names of a PromQL expression's selectors, each written `name{...}` (the
 * chart's rules and dashboard always give a selector, so none is missed).
 */
export function selectorNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((m) => m[1]!))]
}
