// The Grafana dashboard (manifests/components/grafana-dashboard/, the chart's
// metrics.dashboard) against what the webhook really exports: every series a panel queries
// is in a running webhook's /metrics (or is the API server's or Prometheus' own), every
// query is PromQL that promtool accepts, and the panels the issue asks for are there.
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { stringify } from 'yaml'
import { ROOT } from '../manifests/helpers/kustomize.ts'
import { liveExposition, parseExposition, selectorNames, seriesNames } from '../helpers/metrics.ts'
import { PROMTOOL_BUILD_TIMEOUT_MS, promtool } from './promtool.ts'

t.setTimeout(PROMTOOL_BUILD_TIMEOUT_MS + 5 * 60_000)
const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'manifests/components/grafana-dashboard/openclaw-injector-dashboard.json'), 'utf8'))
const panels: any[] = dashboard.panels
const queries = panels.flatMap((p) => (p.targets ?? []).map((target: any) => ({ panel: p.title as string, expr: target.expr as string })))
const DOC = readFileSync(path.join(ROOT, 'docs/cluster-admin.md'), 'utf8')

t.test('every series a panel queries is one the webhook exports, or the API server\'s or Prometheus\' own', async (t) => {
  const exported = seriesNames(parseExposition(await liveExposition()))
  t.ok(queries.length >= 10, `${queries.length} queries`)
  for (const q of queries) {
    const names = selectorNames(q.expr)
    t.ok(names.length > 0, `${q.panel}: the query names a metric`)
    for (const name of names) {
      if (name === 'up') continue
      if (name.startsWith('apiserver_')) t.ok(DOC.includes(`\`${name}\``), `${q.panel}: ${name} (the API server's) is named in docs/cluster-admin.md`)
      else t.ok(exported.has(name), `${q.panel}: ${name} is exported by a running webhook`)
    }
  }
})

t.test('every query is PromQL promtool accepts (as a recording rule, $__rate_interval as 5m)', async (t) => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'openclaw-dashboard-'))
  t.teardown(() => rmSync(work, { recursive: true, force: true }))
  const file = path.join(work, 'dashboard-queries.yaml')
  const rules = queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr.replaceAll('$__rate_interval', '5m') }))
  writeFileSync(file, stringify({ groups: [{ name: 'dashboard', rules }] }))
  const r = promtool(['check', 'rules', file])
  t.equal(r.status, 0, r.output.trim())
})

t.test('the panels: admissions by decision and reason, latency, refusals, certificate expiry, replicas', async (t) => {
  const uses = (metric: string, also?: RegExp) => queries.some((q) => q.expr.includes(metric) && (also === undefined || also.test(q.expr)))
  t.ok(uses('openclaw_injector_admissions_total', /by \(decision, reason\)/), 'admissions by decision and reason')
  t.ok(uses('openclaw_injector_admission_duration_seconds_bucket', /histogram_quantile\(0\.99/), 'p99 latency')
  t.ok(uses('openclaw_injector_rejected_requests_total') && uses('openclaw_injector_engine_errors_total'), 'refusals and engine errors')
  t.ok(uses('openclaw_injector_certificate_expiry_timestamp_seconds'), 'certificate expiry')
  t.ok(uses('up{job="openclaw-injector"}'), 'replicas')
  t.equal(dashboard.uid, 'openclaw-injector', 'a stable uid, so links and the sidecar\'s updates keep the same dashboard')
  const ids = panels.map((p) => p.id)
  t.equal(new Set(ids).size, ids.length, 'panel ids are unique')
  for (const p of panels) t.equal(p.datasource?.uid, '${datasource}', `${p.title}: on the dashboard's Prometheus variable`)
  t.ok(dashboard.templating.list.some((v: any) => v.name === 'datasource' && v.type === 'datasource' && v.query === 'prometheus'), 'a Prometheus data source variable')
})
