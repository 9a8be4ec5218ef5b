// The chart's monitoring values (metrics.podMonitor, metrics.prometheusRule,
// metrics.dashboard) and the kustomize components of manifests/components/: off by default,
// and when on, the chart renders exactly the objects of manifests/overlays/monitoring/ (the
// base plus the three components), field for field, as chart.test.ts does for the rest.
import t from 'tap'
import { readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import { one, parseYaml, render, ROOT } from '../manifests/helpers/kustomize.ts'
import { CHART_DIR, helmBinary, lint, runHelm, template } from '../helm/helm.ts'

t.setTimeout(Number(process.env.HELM_BUILD_TIMEOUT_MS) || 30 * 60_000)
helmBinary()

const ON = { metrics: { podMonitor: { enabled: true }, prometheusRule: { enabled: true }, dashboard: { enabled: true } } }
const MONITORING_KINDS = ['PodMonitor', 'PrometheusRule', 'ConfigMap']
const key = (o: any) => `${o.kind}/${o.metadata.name}`

function renderChart(values?: Record<string, unknown>, release = 'openclaw-injector', namespace = 'openclaw-injector'): any[] {
  return parseYaml(template({ values, release, namespace }), 'helm template')
}

/** Without Helm's two labels and the hook objects; the certs Job under its kustomize name (see chart.test.ts). */
function asKustomize(objects: any[]): any[] {
  return objects
    .filter((o) => o.metadata.annotations?.['helm.sh/hook'] === undefined)
    .map((source) => {
      const o = structuredClone(source)
      delete o.metadata.labels['app.kubernetes.io/managed-by']
      delete o.metadata.labels['helm.sh/chart']
      if (o.kind === 'Job') o.metadata.name = o.metadata.name.replace(/-1$/, '')
      return o
    })
}

t.test('off by default: no monitoring object', async (t) => {
  t.strictSame(renderChart().filter((o) => ['PodMonitor', 'PrometheusRule'].includes(o.kind) || o.metadata.name.endsWith('-dashboard')).map(key), [])
})

t.test('metrics.*.enabled render the objects of manifests/overlays/monitoring/, field for field', async (t) => {
  const chart = asKustomize(renderChart(ON)).filter((o) => MONITORING_KINDS.includes(o.kind))
  const kustomize = render('overlays/monitoring').filter((o) => MONITORING_KINDS.includes(o.kind))
  t.strictSame(chart.map(key).sort(), ['ConfigMap/openclaw-injector-dashboard', 'PodMonitor/openclaw-injector', 'PrometheusRule/openclaw-injector'])
  t.strictSame(kustomize.map(key).sort(), chart.map(key).sort(), 'the same objects')
  for (const k of kustomize) t.strictSame(chart.find((c) => key(c) === key(k)), k, `${key(k)} is the same object`)
  // and the overlay is the base plus these three, nothing else changed
  const base = render('.')
  t.strictSame(render('overlays/monitoring').filter((o) => !MONITORING_KINDS.includes(o.kind)), base, 'the overlay leaves the base as it is')
})

t.test('the dashboard JSON is one file: the chart links to the component\'s', async (t) => {
  const linked = path.join(CHART_DIR, 'files', 'openclaw-injector-dashboard.json')
  t.equal(realpathSync(linked), realpathSync(path.join(ROOT, 'manifests/components/grafana-dashboard/openclaw-injector-dashboard.json')))
  const cm = one(renderChart(ON), 'ConfigMap', 'openclaw-injector-dashboard')
  t.equal(cm.data['openclaw-injector-dashboard.json'], readFileSync(linked, 'utf8'))
  t.equal(cm.metadata.labels.grafana_dashboard, '1', 'labelled for the Grafana sidecar')
})

t.test('the PodMonitor selects the Deployment\'s pods and scrapes the port its probes use', async (t) => {
  const objects = renderChart(ON, 'oci', 'tools')
  const pm = one(objects, 'PodMonitor')
  const d = one(objects, 'Deployment')
  t.equal(pm.metadata.namespace, 'tools')
  t.strictSame(pm.spec.selector.matchLabels, d.spec.selector.matchLabels)
  const container = d.spec.template.spec.containers[0]
  const port = container.ports.find((p: any) => p.name === pm.spec.podMetricsEndpoints[0].port)
  t.ok(port, 'the endpoint names a port of the container')
  t.equal(container.readinessProbe.httpGet.port, port.name, 'the operations port, where /metrics is')
  t.equal(pm.spec.jobLabel, 'app.kubernetes.io/name')
  t.equal(d.spec.template.metadata.labels['app.kubernetes.io/name'], 'openclaw-injector', 'so the job is openclaw-injector whatever the release is called, as the alerts expect')
  const np = one(objects, 'NetworkPolicy')
  t.ok(np.spec.ingress.some((rule: any) => rule.ports.some((p: any) => p.port === port.containerPort)), 'the NetworkPolicy lets the scrape in')
})

t.test('values: extra labels, the refusal threshold, and the latency threshold from webhook.timeoutSeconds', async (t) => {
  const objects = renderChart({
    metrics: {
      podMonitor: { enabled: true, interval: '15s', labels: { release: 'kps' } },
      prometheusRule: { enabled: true, labels: { release: 'kps' }, failingReviewsPerSecond: 0.2 },
      dashboard: { enabled: true, labels: { grafana_dashboard: '1', team: 'x' }, annotations: { grafana_folder: 'OpenClaw' } },
    },
    webhook: { timeoutSeconds: 9 },
  })
  t.equal(one(objects, 'PodMonitor').metadata.labels.release, 'kps')
  t.equal(one(objects, 'PodMonitor').spec.podMetricsEndpoints[0].interval, '15s')
  const rule = one(objects, 'PrometheusRule')
  t.equal(rule.metadata.labels.release, 'kps')
  const alert = (name: string) => rule.spec.groups[0].rules.find((r: any) => r.alert === name)
  t.match(alert('OpenClawInjectorSlowAdmissions').expr, /\) > 4\.5$/, 'half of timeoutSeconds 9')
  t.match(alert('OpenClawInjectorReviewsFailing').expr, /> 0\.2$/)
  const cm = one(objects, 'ConfigMap', 'openclaw-injector-dashboard')
  t.equal(cm.metadata.labels.team, 'x')
  t.equal(cm.metadata.annotations.grafana_folder, 'OpenClaw')
  for (const [input, complaint] of [['metrics:\n  podMonitor:\n    enabeld: true\n', /enabeld/], ['metrics:\n  prometheusRule:\n    failingReviewsPerSecond: 0\n', /failingReviewsPerSecond/]] as const) {
    const r = runHelm(['template', 'x', CHART_DIR, '--values', '-'], { input })
    t.not(r.status, 0, `refused: ${input.trim().replace(/\n\s*/g, ' ')}`)
    t.match(r.stderr, complaint)
  }
})

t.test('helm lint --strict is clean with the monitoring objects on', async (t) => {
  const r = lint(ON)
  t.equal(r.status, 0, `${r.stdout.trim().split('\n').pop()} ${r.stderr.trim()}`)
  t.notMatch(r.stdout + r.stderr, /\[(WARNING|ERROR)\]/)
})
