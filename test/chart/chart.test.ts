// The Helm chart (charts/openclaw-injector/) and the kustomize base (manifests/) are two
// spellings of one installation: with default values the chart renders the same objects,
// field for field. The few differences Helm forces are listed here, each with its reason,
// and everything else must be equal, so neither can drift without this test failing.
// Also: helm lint, the values that change the rendering, and the bad values it refuses.
import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { DEFAULT_ENGINE_SETTINGS } from '../../src/settings.ts'
import { imageMatches } from '../../src/engine/images.ts'
import { one, parseYaml, render, renderWithComponents, ROOT } from '../manifests/helpers/kustomize.ts'
import { celImageRegex, celStringList } from '../manifests/helpers/cel.ts'
import { CHART_DIR, helmBinary, helmVersion, lint, runHelm, template, valuesInput } from '../helm/helm.ts'

// A cold Helm build (only when the cache is empty) takes minutes.
t.setTimeout(Number(process.env.HELM_BUILD_TIMEOUT_MS) || 30 * 60_000)
helmBinary()
t.comment(`helm: ${helmVersion()}`)

const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version
const HOOK = 'helm.sh/hook'
const key = (o: any) => `${o.kind}/${o.metadata.name}`

function renderChart(values?: Record<string, unknown>, release = 'openclaw-injector', namespace = 'openclaw-injector'): any[] {
  return parseYaml(template({ values, release, namespace }), 'helm template')
}

/**
 * The chart's objects as kustomize would have written them, and what that took:
 *  - Helm's two conventional labels on each object's own metadata (not on pod templates or
 *    selectors) are removed after checking their values;
 *  - the certs Job's name loses its `-<revision>` suffix (see templates/certs-job.yaml);
 *  - hook objects (helm.sh/hook) are set aside: they exist only for `helm uninstall`.
 */
function normalise(t: Test, objects: any[], revision = 1): { regular: any[]; hooks: any[] } {
  const regular: any[] = []
  const hooks: any[] = []
  for (const source of objects) {
    const o = structuredClone(source)
    const labels = o.metadata.labels ?? {}
    t.equal(labels['app.kubernetes.io/managed-by'], 'Helm', `${key(o)}: managed-by Helm`)
    t.equal(labels['helm.sh/chart'], `openclaw-injector-${version}`, `${key(o)}: helm.sh/chart`)
    delete labels['app.kubernetes.io/managed-by']
    delete labels['helm.sh/chart']
    if (o.metadata.annotations?.[HOOK] !== undefined) {
      hooks.push(o)
      continue
    }
    if (o.kind === 'Job') {
      t.match(o.metadata.name, new RegExp(`-${revision}$`), 'the certs Job is named after the revision')
      o.metadata.name = o.metadata.name.replace(new RegExp(`-${revision}$`), '')
    }
    regular.push(o)
  }
  return { regular, hooks }
}

/**
 * The webhook configuration with each matchCondition's runs of white space made one space.
 * CEL ignores white space, and the YAML libraries disagree on it here: kustomize's reads the
 * folded (>-) block of manifests/base/mutatingwebhookconfiguration.yaml with a blank line
 * after each line that precedes a more-indented one, Helm's and ours without. The chart's
 * expression is compared character for character with that file separately (below).
 */
function celSpacing(o: any): any {
  const spaced = (text: string) => text.replace(/\s+/g, ' ')
  if (o.kind === 'MutatingWebhookConfiguration') {
    const copy = structuredClone(o)
    for (const w of copy.webhooks ?? []) for (const c of w.matchConditions ?? []) c.expression = spaced(c.expression)
    return copy
  }
  if (o.kind === 'ValidatingAdmissionPolicy') {
    const copy = structuredClone(o)
    for (const c of copy.spec.matchConditions ?? []) c.expression = spaced(c.expression)
    for (const v of copy.spec.validations ?? []) {
      v.expression = spaced(v.expression)
      if (v.message !== undefined) v.message = spaced(v.message)
    }
    return copy
  }
  return o
}

/** Strict, object by object: the same set of kind/name, and each pair deep-equal. */
function compare(t: Test, chart: any[], manifests: any[], manifestOnly: string[]) {
  const chartKeys = chart.map(key).sort()
  const manifestKeys = manifests.map(key).filter((k) => !manifestOnly.includes(k)).sort()
  t.strictSame(chartKeys, manifestKeys, 'the same objects')
  for (const m of manifests) {
    if (manifestOnly.includes(key(m))) continue
    const c = chart.find((o) => key(o) === key(m))
    if (c !== undefined) t.strictSame(celSpacing(c), celSpacing(m), `${key(m)} is the same object`)
  }
}

t.test('default values render the objects of manifests/, field for field', async (t) => {
  const { regular, hooks } = normalise(t, renderChart())
  // The release namespace holds Helm's own release record, so it exists before the chart
  // is applied (`--create-namespace`, or created by the admin with its Pod Security labels).
  compare(t, regular, render('.'), ['Namespace/openclaw-injector'])
  const source = parseYaml(readFileSync(path.join(ROOT, 'manifests/base/mutatingwebhookconfiguration.yaml'), 'utf8'), 'mwc')[0]
  t.strictSame(one(regular, 'MutatingWebhookConfiguration').webhooks[0].matchConditions, source.webhooks[0].matchConditions, 'matchConditions character for character as in the manifest file')
  const policy = parseYaml(readFileSync(path.join(ROOT, 'manifests/require-injection/validatingadmissionpolicy.yaml'), 'utf8'), 'policy')[0]
  const rendered = one(regular, 'ValidatingAdmissionPolicy')
  t.strictSame(rendered.spec.matchConditions, policy.spec.matchConditions, 'the policy\'s matchConditions character for character as in the manifest file')
  t.strictSame(rendered.spec.validations, policy.spec.validations, 'its validation and message character for character as in the manifest file')
  t.strictSame(hooks.map(key).sort(), [
    'Job/openclaw-injector-cleanup',
    'Role/openclaw-injector-cleanup',
    'RoleBinding/openclaw-injector-cleanup',
    'ServiceAccount/openclaw-injector-cleanup',
  ], 'the only chart-only objects are the uninstall hook')
})

t.test('certManager.enabled renders the cert-manager overlay', async (t) => {
  const { regular, hooks } = normalise(t, renderChart({ certManager: { enabled: true } }))
  compare(t, regular, render('overlays/cert-manager'), ['Namespace/openclaw-injector'])
  const role = one(hooks, 'Role')
  t.strictSame(role.rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['openclaw-injector-tls', 'openclaw-injector-ca'], verbs: ['delete'] }],
    'the uninstall hook deletes the Secrets cert-manager made, and may do nothing else')
})

t.test('the uninstall hook deletes the certs Job\'s Secret and nothing else', async (t) => {
  const { hooks } = normalise(t, renderChart())
  for (const o of hooks) {
    t.equal(o.metadata.annotations[HOOK], 'pre-delete', `${key(o)}: pre-delete (the RBAC still exists then)`)
    t.equal(o.metadata.annotations['helm.sh/hook-delete-policy'], 'before-hook-creation,hook-succeeded', `${key(o)}: removed once done`)
    t.equal(o.metadata.namespace, 'openclaw-injector')
  }
  const job = one(hooks, 'Job')
  t.ok(Number(job.metadata.annotations['helm.sh/hook-weight']) > Number(one(hooks, 'Role').metadata.annotations['helm.sh/hook-weight']), 'RBAC before the Job')
  const pod = job.spec.template.spec
  t.strictSame(pod.containers[0].args, ['certs', '--namespace', 'openclaw-injector', '--delete-secret', 'openclaw-injector-tls'])
  t.equal(pod.containers[0].image, `ghcr.io/openclaw/openclaw-injector:${version}`)
  t.equal(pod.serviceAccountName, 'openclaw-injector-cleanup')
  t.strictSame(one(hooks, 'Role').rules, [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['openclaw-injector-tls'], verbs: ['delete'] }])
  t.strictSame(one(hooks, 'RoleBinding').subjects, [{ kind: 'ServiceAccount', name: 'openclaw-injector-cleanup', namespace: 'openclaw-injector' }])
  // the Job's pod passes the same Pod Security "restricted" checks as the chart's other pods
  const regular = normalise(t, renderChart()).regular
  const certsPod = one(regular, 'Job').spec.template.spec
  t.strictSame(pod.securityContext, certsPod.securityContext)
  t.strictSame(pod.containers[0].securityContext, certsPod.containers[0].securityContext)
  t.equal(renderChart({ cleanupOnUninstall: false }).filter((o) => o.metadata.annotations?.[HOOK]).length, 0, 'cleanupOnUninstall: false leaves the Secrets')
})

t.test('helm lint --strict is clean, with defaults and with every switch turned', async (t) => {
  for (const values of [undefined, { certManager: { enabled: true } }, { engine: { mode: 'ref', appNames: ['a'] }, webhook: { failurePolicy: 'Fail' }, cleanupOnUninstall: false, networkPolicy: { apiServerCIDRs: ['10.0.0.0/8'] }, requireInjection: { validationActions: ['Deny', 'Audit'] } }, { requireInjection: { enabled: false } }]) {
    const r = lint(values)
    t.equal(r.status, 0, `lint ${JSON.stringify(values ?? 'defaults')}: ${r.stdout.trim().split('\n').pop()} ${r.stderr.trim()}`)
    t.notMatch(r.stdout + r.stderr, /\[(WARNING|ERROR)\]/, 'no warnings')
  }
})

t.test('chart version and appVersion follow package.json', async (t) => {
  const chart = parseYaml(readFileSync(path.join(CHART_DIR, 'Chart.yaml'), 'utf8'), 'Chart.yaml')[0]
  t.equal(chart.version, version)
  t.equal(chart.appVersion, version, 'so the default image tag is the package version, as in manifests/')
})

t.test('a release name other than the default names every object after it', async (t) => {
  const objects = renderChart(undefined, 'oci', 'tools')
  const regular = objects.filter((o) => o.metadata.annotations?.[HOOK] === undefined)
  for (const o of regular) t.match(o.metadata.name, /^oci(-|$)/, `${key(o)} is named after the release`)
  for (const o of regular) if (!['MutatingWebhookConfiguration', 'ClusterRole', 'ClusterRoleBinding', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'].includes(o.kind)) t.equal(o.metadata.namespace, 'tools', `${key(o)} namespace`)
  const w = one(objects, 'MutatingWebhookConfiguration').webhooks[0]
  t.strictSame(w.clientConfig.service, { name: 'oci', namespace: 'tools', path: '/mutate', port: 443 })
  t.strictSame(w.namespaceSelector.matchExpressions[1].values, ['kube-system', 'kube-public', 'kube-node-lease', 'tools'], 'its own namespace is excluded')
  const args = one(objects, 'CronJob').spec.jobTemplate.spec.template.spec.containers[0].args
  t.strictSame(args, ['certs', '--service', 'oci', '--namespace', 'tools', '--secret', 'oci-tls', '--patch-webhook', 'oci'])
  t.equal(one(objects, 'Deployment').spec.template.spec.volumes[0].secret.secretName, 'oci-tls')
  t.strictSame(one(objects, 'ClusterRole').rules[0].resourceNames, ['oci'])
})

t.test('engine settings reach the webhook through a settings file', async (t) => {
  const engine = { mode: 'ref', appNames: ['openclaw', 'my-claw'], cpuLimit: '300m' }
  const objects = renderChart({ engine })
  const cm = one(objects, 'ConfigMap', 'openclaw-injector-settings')
  t.strictSame(parseYaml(cm.data['settings.yaml'], 'settings.yaml')[0], { engine }, 'the values, verbatim, as `serve --config` reads them')
  const pod = one(objects, 'Deployment').spec.template
  const c = pod.spec.containers[0]
  t.strictSame(c.args.slice(-2), ['--config', '/settings/settings.yaml'])
  const mount = c.volumeMounts.find((m: any) => m.name === 'settings')
  t.equal(mount.mountPath, '/settings')
  t.equal(pod.spec.volumes.find((v: any) => v.name === 'settings').configMap.name, cm.metadata.name)
  const checksum = pod.metadata.annotations['checksum/settings']
  t.match(checksum, /^[0-9a-f]{64}$/, 'a checksum of the settings on the pod template')
  const other = one(renderChart({ engine: { ...engine, mode: 'sync' } }), 'Deployment').spec.template.metadata.annotations['checksum/settings']
  t.not(other, checksum, 'so a settings change rolls the pods')
  t.equal(objects.filter((o) => o.kind === 'ConfigMap').length, 1)
  t.equal(renderChart().filter((o) => o.kind === 'ConfigMap').length, 0, 'no ConfigMap with the defaults')
})

t.test('values.schema.json knows every engine setting, and refuses unknown ones', async (t) => {
  const schema = JSON.parse(readFileSync(path.join(CHART_DIR, 'values.schema.json'), 'utf8'))
  t.strictSame(Object.keys(schema.properties.engine.properties).sort(), Object.keys(DEFAULT_ENGINE_SETTINGS).sort(),
    'one schema line per setting of src/settings.ts (add a line there when a setting is added)')
  const r = runHelm(['template', 'x', CHART_DIR, ...valuesInput({ engine: { imagePatern: 'x' } }).args], { input: 'engine:\n  imagePatern: x\n' })
  t.not(r.status, 0, 'a misspelt setting fails the render')
  t.match(r.stderr, /imagePatern/, 'and the error names it')
  const bad = runHelm(['template', 'x', CHART_DIR, '--values', '-'], { input: 'engine:\n  mode: both\n' })
  t.not(bad.status, 0)
  t.match(bad.stderr, /mode/)
  const policy = runHelm(['template', 'x', CHART_DIR, '--values', '-'], { input: 'webhook:\n  failurePolicy: Sometimes\n' })
  t.not(policy.status, 0)
  t.match(policy.stderr, /failurePolicy/)
})

t.test('matchConditions follow engine.imagePattern and engine.appNames', async (t) => {
  const condition = (values?: Record<string, unknown>) => one(renderChart(values), 'MutatingWebhookConfiguration').webhooks[0].matchConditions[0].expression as string
  const names = condition({ engine: { appNames: ['claw', "o'brien"] } })
  t.strictSame(celStringList(names, "object.metadata.labels['app.kubernetes.io/name'] in"), ['claw', "o'brien"], 'app names, quotes escaped for CEL')

  const cases: { pattern: string; regex: string; yes: string[]; no: string[] }[] = [
    {
      pattern: '(^|/)openclaw/openclaw$',
      regex: '^([^@]*/)?openclaw/openclaw(:[^/@:]*)?(@.*)?$',
      yes: ['openclaw/openclaw', 'ghcr.io/openclaw/openclaw:1', 'localhost:5000/openclaw/openclaw@sha256:' + 'ab'.repeat(32)],
      no: ['openclaw/openclaw-x', 'x/openclaw/openclaw-y', 'openclaw/openclaw/x'],
    },
    {
      pattern: '(^|/)(openclaw|acme)/openclaw$',
      regex: '^([^@]*/)?(openclaw|acme)/openclaw(:[^/@:]*)?(@.*)?$',
      yes: ['acme/openclaw', 'registry.acme.com:5000/acme/openclaw:2026.9.6', 'openclaw/openclaw'],
      no: ['acme/openclawx', 'notacme/openclaw'],
    },
    {
      pattern: '^registry\\.example\\.com/openclaw$',
      regex: '^registry\\.example\\.com/openclaw(:[^/@:]*)?(@.*)?$',
      yes: ['registry.example.com/openclaw', 'registry.example.com/openclaw:1'],
      no: ['mirror/registry.example.com/openclaw', 'registryXexample.com/openclaw', 'registry.example.com/openclaw/x'],
    },
  ]
  for (const c of cases) {
    const expression = condition({ engine: { imagePattern: c.pattern } })
    const regex = celImageRegex(expression)
    t.equal(regex, c.regex, `${c.pattern} extended over tag and digest`)
    const re = new RegExp(regex)
    for (const image of c.yes) {
      t.equal(imageMatches(image, c.pattern), true, `engine picks ${image}`)
      t.equal(re.test(image), true, `matchCondition sends ${image}`)
    }
    for (const image of c.no) {
      t.equal(imageMatches(image, c.pattern), false, `engine skips ${image}`)
      t.equal(re.test(image), false, `matchCondition skips ${image}`)
    }
  }
  t.match(condition({ engine: { imagePattern: "(^|/)it's$" } }), "c.image.matches('^([^@]*/)?it\\'s(:[^/@:]*)?(@.*)?$')", 'a quote is escaped for CEL')

  for (const [pattern, complaint] of [['openclaw/openclaw$', /must start with \(\^\|\/\)/], ['(^|/)openclaw/openclaw', /must end with \$/], ['(^|/)a$|(^|/)b$', /alternation/]] as const) {
    const r = runHelm(['template', 'x', CHART_DIR, '--values', '-'], { input: `engine:\n  imagePattern: '${pattern}'\n` })
    t.not(r.status, 0, `${pattern} is refused`)
    t.match(r.stderr, new RegExp(`^Error: .*engine\\.imagePattern .*${complaint.source}`, 'm'), 'with the value and the reason on one line')
  }
})

t.test('webhook values: failurePolicy, timeout, namespace label, extra conditions', async (t) => {
  const w = one(renderChart({
    webhook: {
      failurePolicy: 'Fail',
      timeoutSeconds: 3,
      namespaceLabel: { key: 'example.com/openclaw', value: 'opted-in' },
      excludedNamespaces: ['kube-system'],
      matchConditions: [{ name: 'not-injected', expression: "!has(object.metadata.annotations) || !('openclaw.ai/token-sync-status' in object.metadata.annotations)" }],
    },
    // the policy picks OpenClaw pods with the condition named openclaw-pod, which this list lacks
    requireInjection: { enabled: false },
  }), 'MutatingWebhookConfiguration').webhooks[0]
  t.equal(w.failurePolicy, 'Fail')
  t.equal(w.timeoutSeconds, 3)
  t.strictSame(w.namespaceSelector.matchExpressions, [
    { key: 'example.com/openclaw', operator: 'In', values: ['opted-in'] },
    { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'openclaw-injector'] },
  ])
  t.strictSame(w.matchConditions, [{ name: 'not-injected', expression: "!has(object.metadata.annotations) || !('openclaw.ai/token-sync-status' in object.metadata.annotations)" }], 'the conditions are data: a list from values')
})

t.test('image, replicas and resources', async (t) => {
  const all = renderChart({ image: { repository: 'registry.example.com/oi', tag: '9.9.9', pullPolicy: 'Always' }, replicas: 3, resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '512Mi' } } })
  t.equal(one(all.filter((o) => o.metadata.annotations?.[HOOK]), 'Job').spec.template.spec.containers[0].image, 'registry.example.com/oi:9.9.9', 'the uninstall hook too')
  const objects = all.filter((o) => !o.metadata.annotations?.[HOOK])
  const d = one(objects, 'Deployment')
  t.equal(d.spec.replicas, 3)
  const c = d.spec.template.spec.containers[0]
  t.equal(c.image, 'registry.example.com/oi:9.9.9')
  t.equal(c.imagePullPolicy, 'Always')
  t.strictSame(c.resources, { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2', memory: '512Mi' } })
  for (const kind of ['Job', 'CronJob']) {
    const o = one(objects, kind)
    const spec = kind === 'Job' ? o.spec.template.spec : o.spec.jobTemplate.spec.template.spec
    t.equal(spec.containers[0].image, 'registry.example.com/oi:9.9.9', `${kind}: the same image`)
  }
  const job = one(objects, 'Job')
  t.strictSame(one(objects, 'CronJob').spec.jobTemplate.spec.template, job.spec.template, 'the CronJob runs exactly the Job\'s pod')
})

t.test('networkPolicy.apiServerCIDRs and requireInjection render the components of manifests/', async (t) => {
  const { regular } = normalise(t, renderChart({ networkPolicy: { apiServerCIDRs: ['172.18.0.0/16'] }, requireInjection: { validationActions: ['Deny', 'Audit'] } }))
  compare(t, regular, renderWithComponents(['apiserver-ingress', 'require-injection-deny']), ['Namespace/openclaw-injector'])
  const np = one(renderChart({ networkPolicy: { apiServerCIDRs: ['10.0.0.0/8', 'fd00:10::/64'] } }), 'NetworkPolicy')
  t.strictSame(np.spec.ingress[0].from, [{ ipBlock: { cidr: '10.0.0.0/8' } }, { ipBlock: { cidr: 'fd00:10::/64' } }], 'one ipBlock per CIDR, IPv6 too')
  t.equal(renderChart({ requireInjection: { enabled: false } }).filter((o) => o.kind.startsWith('ValidatingAdmissionPolicy')).length, 0, 'requireInjection.enabled=false leaves the policy out')
  for (const [input, complaint] of [
    ['requireInjection:\n  validationActions: [Deny, Warn]\n', /validationActions/],
    ['requireInjection:\n  validationActions: [Refuse]\n', /validationActions/],
    ['networkPolicy:\n  apiServerCIDRs: [10.0.0.1]\n', /apiServerCIDRs/],
    ['webhook:\n  matchConditions: [{name: other, expression: "true"}]\n', /no condition named openclaw-pod/],
  ] as const) {
    const r = runHelm(['template', 'x', CHART_DIR, '--values', '-'], { input })
    t.not(r.status, 0, `refused: ${input.trim().replace(/\n\s*/g, ' ')}`)
    t.match(r.stderr, complaint, 'naming the value')
  }
})

t.test('the policy follows the release name, the namespace label and the engine\'s selection', async (t) => {
  const objects = renderChart({ engine: { appNames: ['my-claw'], imagePattern: '(^|/)acme/openclaw$' }, webhook: { namespaceLabel: { key: 'example.com/claw', value: 'opted-in' } } }, 'oci', 'tools')
  const policy = one(objects, 'ValidatingAdmissionPolicy', 'oci-require-injection')
  const binding = one(objects, 'ValidatingAdmissionPolicyBinding', 'oci-require-injection')
  t.equal(binding.spec.policyName, policy.metadata.name)
  const w = one(objects, 'MutatingWebhookConfiguration').webhooks[0]
  t.strictSame(policy.spec.matchConstraints.namespaceSelector, w.namespaceSelector, 'the webhook\'s namespaces, release namespace excluded')
  t.equal(policy.spec.matchConditions[0].expression, w.matchConditions[0].expression, 'the webhook\'s openclaw-pod condition')
  t.strictSame(celStringList(policy.spec.matchConditions[0].expression, "object.metadata.labels['app.kubernetes.io/name'] in"), ['my-claw'])
  t.equal(celImageRegex(policy.spec.matchConditions[0].expression), '^([^@]*/)?acme/openclaw(:[^/@:]*)?(@.*)?$')
})
