// Every metric the webhook exports is in the table of docs/cluster-admin.md ("### Metrics"),
// and every row of the table is a metric it exports: read from the live registry of a real
// `serve` (its GET /metrics), not from the source. Labels too: the table's label names are
// the ones the samples carry, and every value seen is one the table lists. A row ending in
// `*` documents a group by prefix (the process_* and nodejs_* figures a metrics library
// adds by itself), so those need no row each.
import t from 'tap'
import { documentedMetrics, listedValue, liveExposition, parseExposition } from '../helpers/metrics.ts'

const families = parseExposition(await liveExposition())
const rows = documentedMetrics()

t.test('every exported metric has a row of the table (or a group row for its prefix)', async (t) => {
  for (const family of families.values()) {
    const row = rows.find((r) => (r.group ? family.name.startsWith(r.name) : r.name === family.name))
    t.ok(row, `${family.name} (${family.type}) is documented in docs/cluster-admin.md, Metrics`)
    if (row !== undefined && !row.group) t.equal(row.type, family.type, `${family.name}: documented as ${family.type}`)
  }
})

t.test('every row of the table is a metric the webhook exports', async (t) => {
  for (const row of rows) {
    const found = row.group ? [...families.keys()].some((name) => name.startsWith(row.name)) : families.has(row.name)
    t.ok(found, `${row.group ? `${row.name}*` : row.name} is exported by a running webhook`)
    t.not(row.alertOn, '', `${row.name}: the row says what to alert on (or "nothing")`)
  }
})

t.test('labels: the names the samples carry, each value one the table lists', async (t) => {
  for (const row of rows.filter((r) => !r.group)) {
    const family = families.get(row.name)
    if (family === undefined) continue
    const seen = new Map<string, Set<string>>()
    for (const sample of family.samples) {
      for (const [label, value] of Object.entries(sample.labels)) {
        if (label === 'le' && family.type === 'histogram') continue
        if (!seen.has(label)) seen.set(label, new Set())
        seen.get(label)!.add(value)
      }
    }
    if (family.samples.length > 0) t.strictSame([...seen.keys()].sort(), [...row.labels.keys()].sort(), `${row.name}: labels ${[...row.labels.keys()].join(', ') || 'none'}`)
    for (const [label, values] of seen) {
      const listed = row.labels.get(label)
      if (listed === undefined) continue
      for (const value of values) t.ok(listedValue(listed, value), `${row.name}{${label}="${value}"} is a value the table lists`)
    }
  }
})

t.test('the parser of the table refuses what it cannot read, so the test above cannot pass by reading nothing', async (t) => {
  t.throws(() => documentedMetrics('# x\n'), /no "### Metrics" section/)
  t.throws(() => documentedMetrics('\n### Metrics\n\nno table\n'), /no table/)
  t.throws(() => documentedMetrics('\n### Metrics\n| `a_total` | counter | `x` y | z |\n'), /label is written/)
  const [row] = documentedMetrics('\n### Metrics\n| `a_total` | counter | `status`: `4xx`, `500`; `version`: one per build | when it grows |\n')
  t.strictSame([...row!.labels.entries()], [['status', ['4xx', '500']], ['version', undefined]])
  t.ok(listedValue(['4xx'], '413'))
  t.notOk(listedValue(['4xx'], '500'))
})
