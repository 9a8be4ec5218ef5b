// The chart's monitoring objects on the kind cluster, with the Prometheus Operator's own
// CRDs (from the module zip of github.com/prometheus-operator/prometheus-operator on the Go
// module proxy: test/prometheus/install.sh crds), and the webhook's metrics as the
// PodMonitor would scrape them.
//
// monitoringScenario() expects the kustomize install of scenario 1 to be running. It
// installs the PodMonitor and PrometheusRule CRDs, applies the chart's PodMonitor,
// PrometheusRule and dashboard ConfigMap (metrics.*.enabled; test/chart/ shows the kustomize
// components are the same objects) with strict field validation into a namespace of its
// own, reads them back unchanged, sees the API server refuse a broken rule (so the schema
// is really checked), finds the webhook's pods with the PodMonitor's selector and scrapes
// /metrics on its endpoint's port through the API server's pod proxy, checking that every
// webhook series an alert reads is there. No Prometheus runs: promtool (test/prometheus/)
// evaluates the rules. It removes the namespace and the CRDs when done.
import type { Test } from 'tap'
import path from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import { template } from '../../../helm/helm.ts'
import { parseExposition, selectorNames, seriesNames } from '../../../helpers/metrics.ts'
import { operatorCrds } from '../../../prometheus/promtool.ts'
import { CommandError, type Cluster } from '../helpers/cluster.ts'

const CRDS = ['podmonitors', 'prometheusrules']
const WEBHOOK_NS = 'openclaw-injector'

export async function monitoringScenario(t: Test, cluster: Cluster, id: string): Promise<void> {
  const ns = `e2e-monitoring-${id}`
  const crdDir = operatorCrds()
  const files = CRDS.map((plural) => path.join(crdDir, `monitoring.coreos.com_${plural}.yaml`))
  t.teardown(async () => {
    await cluster.kubectl(['delete', 'namespace', ns, '--ignore-not-found', '--wait=false']).catch(() => undefined)
    await cluster.kubectl(['delete', '--ignore-not-found', '--wait=false', ...files.flatMap((f) => ['-f', f])]).catch(() => undefined)
  })

  // Server-side: these CRDs are larger than the last-applied annotation may be.
  await cluster.kubectl(['apply', '--server-side', ...files.flatMap((f) => ['-f', f])])
  await cluster.kubectl(['wait', '--for=condition=Established', '--timeout=60s', ...CRDS.map((p) => `crd/${p}.monitoring.coreos.com`)])
  t.pass(`the Prometheus Operator's CRDs (${path.basename(crdDir)}) are established`)

  const objects = parseAllDocuments(template({
    namespace: ns,
    values: { metrics: { podMonitor: { enabled: true }, prometheusRule: { enabled: true }, dashboard: { enabled: true } } },
    args: ['--show-only', 'templates/podmonitor.yaml', '--show-only', 'templates/prometheusrule.yaml', '--show-only', 'templates/dashboard-configmap.yaml'],
  })).map((d) => d.toJS()).filter((o) => o && typeof o === 'object')
  await cluster.kubectl(['create', 'namespace', ns])
  await cluster.kubectl(['apply', '--validate=strict', '-f', '-'], { input: objects.map((o) => stringify(o)).join('---\n') })
  const kinds = objects.map((o) => o.kind).sort()
  t.strictSame(kinds, ['ConfigMap', 'PodMonitor', 'PrometheusRule'], 'applied with strict field validation: no field the CRDs do not know')
  for (const o of objects) {
    const back = await cluster.getJson(['get', o.kind.toLowerCase(), o.metadata.name, '-n', ns])
    t.strictSame(o.kind === 'ConfigMap' ? back.data : back.spec, o.kind === 'ConfigMap' ? o.data : o.spec, `${o.kind}/${o.metadata.name} reads back as applied (nothing pruned)`)
  }

  const rule = objects.find((o) => o.kind === 'PrometheusRule')
  const broken = structuredClone(rule)
  broken.metadata.name = 'broken'
  broken.spec.groups[0].rules[0].for = '5 minutes'
  try {
    await cluster.kubectl(['apply', '--validate=strict', '-f', '-'], { input: stringify(broken) })
    t.fail('a rule with for: "5 minutes" was accepted')
  } catch (err) {
    if (!(err instanceof CommandError)) throw err
    t.match(err.stderr, /for/, 'the API server refuses a rule the CRD\'s schema does not allow, so the schema is really checked')
  }

  // The PodMonitor finds the webhook's pods, and their endpoint serves the series the alerts read.
  const pm = objects.find((o) => o.kind === 'PodMonitor')
  const selector = Object.entries(pm.spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(',')
  const pods = (await cluster.getJson(['get', 'pods', '-n', WEBHOOK_NS, '-l', selector])).items.filter((p: any) => p.status?.phase === 'Running')
  t.ok(pods.length > 0, `the PodMonitor's selector finds ${pods.length} running webhook pod(s)`)
  const pod = pods[0]
  const endpoint = pm.spec.podMetricsEndpoints[0]
  const port = pod.spec.containers.flatMap((c: any) => c.ports ?? []).find((p: any) => p.name === endpoint.port)
  t.ok(port, `the pods have the port ${endpoint.port} the PodMonitor scrapes`)
  const scraped = (await cluster.kubectl(['get', '--raw', `/api/v1/namespaces/${WEBHOOK_NS}/pods/${pod.metadata.name}:${port.containerPort}/proxy${endpoint.path}`])).stdout
  const exported = seriesNames(parseExposition(scraped))
  const wanted = rule.spec.groups.flatMap((g: any) => g.rules).flatMap((r: any) => selectorNames(r.expr)).filter((n: string) => n.startsWith('openclaw_injector_'))
  for (const name of new Set<string>(wanted)) t.ok(exported.has(name), `${name}, which an alert reads, is on ${pod.metadata.name}'s ${endpoint.path}`)
  t.ok(Number(/^openclaw_injector_certificate_expiry_timestamp_seconds (\d+)/m.exec(scraped)?.[1]) * 1000 > Date.now() + 14 * 86_400_000,
    'the served certificate expires more than 14 days from now: OpenClawInjectorCertificateExpiresSoon would be silent')
}
