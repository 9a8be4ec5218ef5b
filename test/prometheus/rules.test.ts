// The chart's alerts (templates/prometheusrule.yaml; the kustomize component is the same
// object, test/chart/monitoring.test.ts) with the real promtool, built from the Go module
// proxy (install.sh):
//  - `promtool check rules` on the rules as rendered, with the default values and with the
//    extremes of webhook.timeoutSeconds;
//  - `promtool test rules` with rules.tests.yaml: every alert fires on series that show its
//    fault and stays silent on ones that come close (the test checks both kinds exist);
//  - each alert's summary, description and runbook section, and each series it reads one
//    the webhook exports (its live /metrics) or the API server's or Prometheus' own.
import t from 'tap'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'
import { one, parseYaml } from '../manifests/helpers/kustomize.ts'
import { template } from '../helm/helm.ts'
import { liveExposition, parseExposition, selectorNames, seriesNames } from '../helpers/metrics.ts'
import { PROMTOOL_BUILD_TIMEOUT_MS, prometheusTools, promtool } from './promtool.ts'

t.setTimeout(PROMTOOL_BUILD_TIMEOUT_MS + 5 * 60_000)
const HERE = path.dirname(fileURLToPath(import.meta.url))
const DOC = readFileSync(path.join(HERE, '../../docs/cluster-admin.md'), 'utf8')
t.comment(`promtool: ${promtool(['--version']).output.split('\n')[0]}`)

const work = mkdtempSync(path.join(os.tmpdir(), 'openclaw-promtool-'))
t.teardown(() => rmSync(work, { recursive: true, force: true }))

function renderedRule(values: Record<string, unknown> = {}): any {
  const metrics = { prometheusRule: { enabled: true } }
  return one(parseYaml(template({ values: { ...values, metrics }, args: ['--show-only', 'templates/prometheusrule.yaml'] }), 'helm template'), 'PrometheusRule')
}
const rule = renderedRule()
const alerts: any[] = rule.spec.groups.flatMap((g: any) => g.rules).filter((r: any) => r.alert)

/** The rules file promtool reads: the PrometheusRule's spec.groups, as Prometheus Operator writes them. */
function writeRules(file: string, groups: any[]): string {
  writeFileSync(file, stringify({ groups }))
  return file
}

t.test('promtool check rules: the rendered rules, with timeoutSeconds 5 (default), 1 and 30', async (t) => {
  for (const timeoutSeconds of [undefined, 1, 30]) {
    const r = timeoutSeconds === undefined ? rule : renderedRule({ webhook: { timeoutSeconds } })
    const file = writeRules(path.join(work, `check-${timeoutSeconds ?? 'default'}.yaml`), r.spec.groups)
    const result = promtool(['check', 'rules', file])
    t.equal(result.status, 0, `timeoutSeconds ${timeoutSeconds ?? 'default'}: ${result.output.trim()}`)
    t.match(result.output, new RegExp(`SUCCESS: ${alerts.length} rules found`))
  }
  const broken = writeRules(path.join(work, 'broken.yaml'), [{ name: 'x', rules: [{ alert: 'X', expr: 'sum(rate(x[5m])' }] }])
  t.not(promtool(['check', 'rules', broken]).status, 0, 'and promtool does refuse a bad expression, so the checks above mean something')
})

t.test('promtool test rules: each alert fires on its fault, and not on what comes close', async (t) => {
  const tests = parse(readFileSync(path.join(HERE, 'rules.tests.yaml'), 'utf8'))
  // Annotations do not change when an alert fires, and promtool would compare them
  // character for character; they are checked below instead.
  const groups = rule.spec.groups.map((g: any) => ({ ...g, rules: g.rules.map(({ annotations: _, ...r }: any) => r) }))
  writeRules(path.join(work, 'rules.yaml'), groups)
  copyFileSync(path.join(HERE, 'rules.tests.yaml'), path.join(work, 'rules.tests.yaml'))
  const result = promtool(['test', 'rules', 'rules.tests.yaml'], work)
  t.equal(result.status, 0, result.output.trim().split('\n').slice(-40).join('\n'))
  const cases = tests.tests.flatMap((c: any) => c.alert_rule_test ?? [])
  for (const a of alerts) {
    t.ok(cases.some((c: any) => c.alertname === a.alert && (c.exp_alerts ?? []).length > 0), `${a.alert}: a case where it fires`)
    t.ok(cases.some((c: any) => c.alertname === a.alert && (c.exp_alerts ?? []).length === 0), `${a.alert}: a case where it does not`)
  }
  t.strictSame([...new Set(cases.map((c: any) => c.alertname))].sort(), alerts.map((a) => a.alert).sort(), 'no case for an alert that does not exist')
})

t.test('promtool test rules fails when an alert is broken, so the cases above can fail', async (t) => {
  const groups = rule.spec.groups.map((g: any) => ({ ...g, rules: g.rules.map(({ annotations: _, ...r }: any) => (r.alert === 'OpenClawInjectorSlowAdmissions' ? { ...r, expr: r.expr.replace(/> [\d.]+$/, '> 15') } : r)) }))
  writeRules(path.join(work, 'rules.yaml'), groups)
  const result = promtool(['test', 'rules', 'rules.tests.yaml'], work)
  t.not(result.status, 0, 'a threshold of 15 s misses the slow case')
  t.match(result.output, /OpenClawInjectorSlowAdmissions/)
})

t.test('each alert: a severity, a summary, a description naming the fix, a runbook section', async (t) => {
  for (const a of alerts) {
    t.match(a.labels?.severity, /^(critical|warning)$/, `${a.alert}: severity`)
    t.ok(a.annotations?.summary, `${a.alert}: summary`)
    t.ok((a.annotations?.description ?? '').length > 80, `${a.alert}: a description`)
    const anchor = /#([a-z]+)$/.exec(a.annotations?.runbook_url ?? '')?.[1]
    t.equal(anchor, a.alert.toLowerCase(), `${a.alert}: runbook_url points at its section`)
    t.ok(DOC.includes(`\n#### ${a.alert}\n`), `${a.alert}: docs/cluster-admin.md has the section "#### ${a.alert}"`)
  }
})

t.test('every series an alert reads is exported by the webhook, or is the API server\'s or Prometheus\' own', async (t) => {
  const families = parseExposition(await liveExposition())
  const exported = seriesNames(families)
  // histogram_quantile() never reports more than the largest finite bound, so the webhook's
  // buckets must reach half of the largest timeoutSeconds (30, values.schema.json), and the
  // default threshold must be a bound (with 1 s last, as before, the alert could never fire).
  const bounds = new Set((families.get('openclaw_injector_admission_duration_seconds')?.samples ?? []).map((s) => s.labels.le).filter((le) => le !== undefined && le !== '+Inf').map(Number))
  t.ok(Math.max(...bounds) >= 15, `the latency histogram's largest finite bound (${Math.max(...bounds)} s) reaches 15 s, half of timeoutSeconds 30`)
  t.ok(bounds.has(2.5), 'and 2.5 s, half of the default timeoutSeconds 5, is a bound')
  for (const a of alerts) {
    for (const name of selectorNames(a.expr)) {
      if (name === 'up') continue // Prometheus' own, per scrape target
      if (name.startsWith('apiserver_')) {
        t.ok(DOC.includes(`\`${name}\``), `${a.alert}: ${name} (the API server's) is named in docs/cluster-admin.md`)
        continue
      }
      t.ok(exported.has(name), `${a.alert}: ${name} is exported by a running webhook`)
    }
  }
})

