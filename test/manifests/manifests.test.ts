// Structural checks of manifests/: what the rendered objects must say, independent of any
// cluster. Server-side validation and the real CEL evaluation are in test/e2e/.
import t from 'tap'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { ANNOTATIONS, APP_NAME_LABEL, OPT_LABEL } from '../../src/engine/annotations.ts'
import { DEFAULT_ENGINE_SETTINGS } from '../../src/settings.ts'
import { MARKER_ENV } from '../../src/engine/init-container.ts'
import { serviceDnsNames } from '../../src/certs/generate.ts'
import { MANIFESTS, ROOT, kustomize, one, parseYaml, render, renderWithComponents } from './helpers/kustomize.ts'
import { celImageRegex, celStringList } from './helpers/cel.ts'
import { docCommands, docSteps, readmeCommands } from '../helpers/docs.ts'

const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name)
    if (statSync(full).isDirectory()) return yamlFiles(full)
    return /\.ya?ml$/.test(name) ? [full] : []
  })
}

/** Every value under `key` anywhere in the object. */
function findKey(value: unknown, key: string, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => findKey(v, key, `${at}[${i}]`))
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => [...(k === key ? [`${at}.${k}`] : []), ...findKey(v, key, `${at}.${k}`)])
}

// Building kustomize (only when none is found) takes a minute or two the first time.
t.setTimeout(Number(process.env.KUSTOMIZE_BUILD_TIMEOUT_MS) || 20 * 60_000)
t.comment(`kustomize: ${kustomize().description}`)
const base = render('.')
const certManager = render('overlays/cert-manager')

t.test('every YAML file parses and every kustomization lists its files', async (t) => {
  const files = yamlFiles(MANIFESTS)
  t.ok(files.length >= 18, `${files.length} files`)
  for (const file of files) {
    const rel = path.relative(ROOT, file)
    const docs = parseYaml(readFileSync(file, 'utf8'), rel)
    t.ok(docs.length > 0, `${rel}: has documents`)
    for (const doc of docs) {
      if (Array.isArray(doc)) {
        // a JSON patch (RFC 6902) that a kustomization lists under patches
        t.ok(doc.every((op) => typeof op.op === 'string' && typeof op.path === 'string'), `${rel}: a JSON patch`)
        continue
      }
      t.type(doc.apiVersion, 'string', `${rel}: apiVersion`)
      t.type(doc.kind, 'string', `${rel}: kind`)
    }
    if (path.basename(file) === 'kustomization.yaml') {
      const component = rel.startsWith('manifests/components/')
      t.equal(docs[0].kind, component ? 'Component' : 'Kustomization', `${rel} is a ${component ? 'Component' : 'Kustomization'}`)
      const dir = path.dirname(file)
      const listed = new Set<string>([...(docs[0].resources ?? []), ...(docs[0].patches ?? []).map((p: any) => p.path).filter(Boolean)])
      for (const sibling of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n) && n !== 'kustomization.yaml')) {
        t.ok(listed.has(sibling), `${rel} lists ${sibling}`)
      }
    }
  }
  t.equal(statSync(path.join(MANIFESTS, 'kustomization.yaml')).isFile(), true, 'kubectl apply -k manifests/ works from the root')
})

t.test('the base renders exactly these objects, in namespace openclaw-injector', async (t) => {
  const names = base.map((o) => `${o.kind}/${o.metadata.name}`).sort()
  t.same(names, [
    'ClusterRole/openclaw-injector-certs',
    'ClusterRoleBinding/openclaw-injector-certs',
    'CronJob/openclaw-injector-certs',
    'Deployment/openclaw-injector',
    'Job/openclaw-injector-certs',
    'MutatingWebhookConfiguration/openclaw-injector',
    'Namespace/openclaw-injector',
    'NetworkPolicy/openclaw-injector',
    'PodDisruptionBudget/openclaw-injector',
    'Role/openclaw-injector-certs',
    'RoleBinding/openclaw-injector-certs',
    'Service/openclaw-injector',
    'ServiceAccount/openclaw-injector',
    'ServiceAccount/openclaw-injector-certs',
    'ValidatingAdmissionPolicy/openclaw-injector-require-injection',
    'ValidatingAdmissionPolicyBinding/openclaw-injector-require-injection',
  ])
  const clusterScoped = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding'])
  for (const o of base) {
    if (clusterScoped.has(o.kind)) t.equal(o.metadata.namespace, undefined, `${o.kind} is cluster-scoped`)
    else t.equal(o.metadata.namespace, 'openclaw-injector', `${o.kind}/${o.metadata.name} namespace`)
  }
  const ns = one(base, 'Namespace')
  t.equal(ns.metadata.labels['pod-security.kubernetes.io/enforce'], 'restricted', 'the namespace enforces Pod Security restricted')
})

t.test('no caBundle anywhere in the rendered manifests', async (t) => {
  for (const [name, objects] of [['base', base], ['cert-manager', certManager]] as const) {
    t.same(objects.flatMap((o) => findKey(o, 'caBundle').map((p) => `${o.kind}/${o.metadata.name}${p}`)), [], name)
  }
})

// Pod Security "restricted" (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// checked on every pod template.
function podTemplates(objects: any[]): { where: string; spec: any; metadata: any }[] {
  return objects.flatMap((o) => {
    if (o.kind === 'Deployment' || o.kind === 'Job') return [{ where: `${o.kind}/${o.metadata.name}`, spec: o.spec.template.spec, metadata: o.spec.template.metadata }]
    if (o.kind === 'CronJob') return [{ where: `${o.kind}/${o.metadata.name}`, spec: o.spec.jobTemplate.spec.template.spec, metadata: o.spec.jobTemplate.spec.template.metadata }]
    return []
  })
}

t.test('every pod template meets Pod Security "restricted" and has requests and limits', async (t) => {
  const templates = podTemplates(base)
  t.equal(templates.length, 3)
  for (const { where, spec } of templates) {
    const pod = spec.securityContext ?? {}
    t.equal(pod.runAsNonRoot, true, `${where}: runAsNonRoot`)
    t.equal(pod.seccompProfile?.type, 'RuntimeDefault', `${where}: seccomp RuntimeDefault`)
    t.ok(Number.isInteger(pod.runAsUser) && pod.runAsUser > 0, `${where}: numeric non-root uid ${pod.runAsUser}`)
    t.equal(pod.runAsUser, 65532, `${where}: uid 65532, as in the Dockerfile`)
    t.notOk(spec.hostNetwork || spec.hostPID || spec.hostIPC, `${where}: no host namespaces`)
    t.notOk((spec.volumes ?? []).some((v: any) => v.hostPath), `${where}: no hostPath`)
    t.equal(spec.enableServiceLinks, false, `${where}: no service env vars`)
    for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
      const sc = c.securityContext ?? {}
      t.equal(sc.allowPrivilegeEscalation, false, `${where}/${c.name}: allowPrivilegeEscalation false`)
      t.same(sc.capabilities?.drop, ['ALL'], `${where}/${c.name}: drop ALL`)
      t.equal(sc.capabilities?.add, undefined, `${where}/${c.name}: adds no capability`)
      t.equal(sc.readOnlyRootFilesystem, true, `${where}/${c.name}: read-only root filesystem`)
      t.equal(sc.runAsNonRoot, true)
      t.notOk(sc.privileged, `${where}/${c.name}: not privileged`)
      t.equal(sc.seccompProfile?.type ?? pod.seccompProfile?.type, 'RuntimeDefault')
      for (const kind of ['requests', 'limits']) {
        t.ok(c.resources?.[kind]?.cpu && c.resources?.[kind]?.memory, `${where}/${c.name}: ${kind} for cpu and memory`)
      }
      t.equal(c.image, `ghcr.io/openclaw/openclaw-injector:${version}`, `${where}/${c.name}: our image at the package version`)
      t.equal(c.imagePullPolicy, 'IfNotPresent')
    }
  }
})

t.test('the webhook Deployment', async (t) => {
  const d = one(base, 'Deployment', 'openclaw-injector')
  const spec = d.spec.template.spec
  const labels = d.spec.template.metadata.labels
  t.equal(d.spec.replicas, 2, '2 replicas')
  t.same(d.spec.strategy.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 })
  for (const [k, v] of Object.entries(d.spec.selector.matchLabels)) t.equal(labels[k], v, `selector ${k} matches the template`)
  const spread = spec.topologySpreadConstraints
  t.equal(spread.length, 1)
  t.equal(spread[0].topologyKey, 'kubernetes.io/hostname', 'spread across nodes')
  t.equal(spread[0].maxSkew, 1)
  t.same(spread[0].labelSelector.matchLabels, d.spec.selector.matchLabels)
  t.equal(spec.automountServiceAccountToken, false, 'no API token in the webhook pods')
  t.equal(spec.serviceAccountName, 'openclaw-injector')
  t.equal(one(base, 'ServiceAccount', 'openclaw-injector').automountServiceAccountToken, false)

  const c = one(spec.containers.map((x: any) => ({ ...x, kind: 'Container', metadata: { name: x.name } })), 'Container', 'webhook')
  t.same(c.args, ['serve', '--tls-cert', '/tls/tls.crt', '--tls-key', '/tls/tls.key', '--port', '8443', '--metrics-port', '8080'])
  t.equal(c.command, undefined, 'the image entrypoint runs')
  const port = (name: string) => c.ports.find((p: any) => p.name === name)?.containerPort
  t.equal(port('https'), 8443)
  t.equal(port('metrics'), 8080)
  t.same(c.livenessProbe.httpGet, { path: '/healthz', port: 'metrics' }, 'liveness on the plain port')
  t.same(c.readinessProbe.httpGet, { path: '/readyz', port: 'metrics' }, 'readiness on the plain port')
  t.same(c.lifecycle?.preStop, { sleep: { seconds: 5 } }, 'keeps serving while endpoints catch up')
  t.ok(spec.terminationGracePeriodSeconds >= 5 + 10 + 5, 'grace period covers the preStop sleep and the server\'s drain')
  const tls = c.volumeMounts.find((m: any) => m.mountPath === '/tls')
  t.ok(tls, 'the Secret is mounted at /tls')
  t.equal(tls.subPath, undefined, 'as a directory, so renewals reach the pod')
  t.equal(tls.readOnly, true)
  const volume = spec.volumes.find((v: any) => v.name === tls.name)
  t.equal(volume.secret.secretName, 'openclaw-injector-tls')
  t.equal(volume.secret.optional, undefined, 'the Secret is required')

  const pdb = one(base, 'PodDisruptionBudget')
  t.equal(pdb.spec.minAvailable, 1, 'PDB minAvailable 1')
  t.same(pdb.spec.selector.matchLabels, d.spec.selector.matchLabels, 'PDB selects the webhook pods')

  const svc = one(base, 'Service')
  t.same(svc.spec.selector, d.spec.selector.matchLabels, 'Service selects the webhook pods')
  t.same(svc.spec.ports.map((p: any) => [p.port, p.targetPort]), [[443, 'https']], 'Service 443 -> https (8443)')

  const np = one(base, 'NetworkPolicy')
  t.same(np.spec.podSelector.matchLabels, d.spec.selector.matchLabels, 'NetworkPolicy selects only the webhook pods')
  t.same(np.spec.policyTypes, ['Ingress', 'Egress'])
  t.same(np.spec.egress, [], 'no egress at all')
  t.same(np.spec.ingress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort(), [8080, 8443])
})

t.test('the MutatingWebhookConfiguration', async (t) => {
  const mwc = one(base, 'MutatingWebhookConfiguration', 'openclaw-injector')
  t.equal(mwc.webhooks.length, 1)
  const w = mwc.webhooks[0]
  t.equal(w.name, 'token-sync.openclaw.ai')
  t.same(w.admissionReviewVersions, ['v1'])
  t.equal(w.sideEffects, 'None')
  t.equal(w.timeoutSeconds, 5)
  t.equal(w.reinvocationPolicy, 'IfNeeded')
  t.equal(w.failurePolicy, 'Ignore')
  t.same(w.rules, [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }])
  const svc = one(base, 'Service')
  t.same(w.clientConfig, { service: { name: svc.metadata.name, namespace: svc.metadata.namespace, path: '/mutate', port: 443 } })

  t.same(w.namespaceSelector, {
    matchExpressions: [
      { key: OPT_LABEL, operator: 'In', values: ['enabled'] },
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'kube-public', 'kube-node-lease', one(base, 'Namespace').metadata.name] },
    ],
  }, 'opted-in namespaces only, never the system ones or our own')
  t.same(w.objectSelector, { matchExpressions: [{ key: OPT_LABEL, operator: 'NotIn', values: ['disabled'] }] })
  const raw = readFileSync(path.join(MANIFESTS, 'base/mutatingwebhookconfiguration.yaml'), 'utf8')
  t.match(raw, /failurePolicy: what the API server does/, 'the failurePolicy trade-off is explained in place')
  t.match(raw, /Fail: the pod creation is refused/)
})

t.test('matchConditions say what the engine\'s defaults say', async (t) => {
  const w = one(base, 'MutatingWebhookConfiguration').webhooks[0]
  t.same(w.matchConditions.map((c: { name: string }) => c.name), ['openclaw-pod', 'not-yet-injected'],
    'two conditions, ANDed: an OpenClaw pod (its rules ORed inside), and not already injected')
  const expr: string = w.matchConditions[0].expression
  // the three ways in, joined by ||
  t.match(expr, `object.metadata.annotations['${ANNOTATIONS.tokenSync}'] == 'enabled'`, 'opt-in annotation')
  t.match(expr, `'${ANNOTATIONS.tokenSync}' in object.metadata.annotations`, 'guarded by a key test')
  t.match(expr, `object.metadata.labels['${APP_NAME_LABEL}'] in [`, 'app name label')
  t.match(expr, `'${APP_NAME_LABEL}' in object.metadata.labels`)
  t.same(celStringList(expr, `object.metadata.labels['${APP_NAME_LABEL}'] in`), DEFAULT_ENGINE_SETTINGS.appNames, 'the same app names as the engine')
  t.match(expr, /object\.spec\.containers\.exists\(c, has\(c\.image\) &&/, 'any container, image guarded')
  t.notMatch(expr, /initContainers/, 'like the engine, only spec.containers')
  t.equal(expr.split('||').length, 3, 'three alternatives')
  t.match(expr, /has\(object\.metadata\.annotations\)/)
  t.match(expr, /has\(object\.metadata\.labels\)/)
  t.match(expr, /has\(object\.spec\.containers\)/)
  const regex = celImageRegex(expr)
  t.equal(regex, '^([^@]*/)?openclaw/openclaw(:[^/@:]*)?(@.*)?$')
  t.notMatch(regex, /\(\?[=!<]|\\[1-9]/, 'RE2 syntax: no lookaround, no backreferences')
  t.equal(DEFAULT_ENGINE_SETTINGS.imagePattern, '(^|/)openclaw/openclaw$', 'the pattern this regex was derived from; update both together')

  // Reinvocations of an injected pod are not sent; the test is the engine's own marker.
  const injected: string = w.matchConditions[1].expression
  t.match(injected, /^!\(has\(object\.spec\.initContainers\) &&/, 'negated, guarded by has()')
  t.match(injected, `object.spec.initContainers.exists(c, has(c.env) &&`, 'any init container, env guarded')
  t.match(injected, `c.env.exists(e, e.name == '${MARKER_ENV}')`, 'the marker env var that isInjectedContainer looks for')
  t.notMatch(injected, new RegExp(ANNOTATIONS.status.replace(/[./]/g, '\\$&')), 'not the status annotation: a pod that lost our container is sent again')
})

t.test('the require-injection policy picks the webhook\'s pods and asks for its init container', async (t) => {
  const policy = one(base, 'ValidatingAdmissionPolicy', 'openclaw-injector-require-injection')
  const binding = one(base, 'ValidatingAdmissionPolicyBinding', 'openclaw-injector-require-injection')
  const w = one(base, 'MutatingWebhookConfiguration').webhooks[0]
  t.equal(policy.apiVersion, 'admissionregistration.k8s.io/v1')
  t.equal(binding.spec.policyName, policy.metadata.name)
  t.strictSame(binding.spec.validationActions, ['Warn', 'Audit'], 'by default it warns and audits, never refuses')
  t.equal(binding.spec.paramRef, undefined)
  t.equal(binding.spec.matchResources, undefined, 'the policy alone says which pods')
  t.equal(policy.spec.failurePolicy, 'Ignore', 'an error of the policy itself never blocks a pod')
  const m = policy.spec.matchConstraints
  t.strictSame(m.resourceRules, w.rules, 'pod creations, as the webhook')
  t.equal(m.matchPolicy, w.matchPolicy)
  t.strictSame(m.namespaceSelector, w.namespaceSelector, 'the opted-in namespaces, as the webhook')
  t.strictSame(m.objectSelector, w.objectSelector, 'not pods labelled disabled, as the webhook')
  // The CEL as written in the two files (kustomize's YAML library re-folds it, see test/chart).
  const file = (f: string) => parseYaml(readFileSync(path.join(MANIFESTS, f), 'utf8'), f)
  const rawPolicy = file('require-injection/validatingadmissionpolicy.yaml')[0]
  const rawWebhook = file('base/mutatingwebhookconfiguration.yaml')[0].webhooks[0]
  t.same(rawPolicy.spec.matchConditions.map((c: { name: string }) => c.name), ['openclaw-pod', 'not-opted-out', 'not-windows'])
  t.equal(rawPolicy.spec.matchConditions[0].expression, rawWebhook.matchConditions[0].expression, 'OpenClaw pods: the webhook\'s condition, character for character')
  const optOut: string = rawPolicy.spec.matchConditions[1].expression
  t.match(optOut, `object.metadata.annotations['${ANNOTATIONS.tokenSync}'] == 'disabled'`, 'the engine\'s opt-out annotation (src/engine/index.ts, opted-out)')
  t.match(optOut, /^!\(has\(object\.metadata\.annotations\) &&/)
  t.match(rawPolicy.spec.matchConditions[2].expression, "object.spec.os.name == 'windows'", 'the engine skips Windows pods')
  t.equal(rawPolicy.spec.validations.length, 1)
  const v = rawPolicy.spec.validations[0]
  const spaced = (cel: string) => cel.replace(/\s+/g, ' ')
  t.equal(spaced(v.expression), spaced(rawWebhook.matchConditions[1].expression).replace(/^!\(/, '').replace(/\)$/, ''),
    'injected: the webhook\'s not-yet-injected condition without its negation (the marker env var of isInjectedContainer)')
  t.match(v.expression, `c.env.exists(e, e.name == '${MARKER_ENV}')`)
  t.notMatch(v.message, /\n/, 'a message is one line')
  t.match(v.message, /openclaw-injector check/, 'the message names the fix')
  t.match(v.message, /rollout restart/)
  t.match(v.message, `${ANNOTATIONS.tokenSync}=disabled`, 'and how to keep a pod out')
})

t.test('components: require-injection-deny refuses, apiserver-ingress narrows 8443, nothing else changes', async (t) => {
  const key = (o: any) => `${o.kind}/${o.metadata.name}`
  const changed = (objects: any[]) => objects.filter((o) => JSON.stringify(o) !== JSON.stringify(base.find((b) => key(b) === key(o)))).map(key)
  const deny = renderWithComponents(['require-injection-deny'])
  t.strictSame(changed(deny), ['ValidatingAdmissionPolicyBinding/openclaw-injector-require-injection'], 'only the binding changes')
  t.strictSame(one(deny, 'ValidatingAdmissionPolicyBinding').spec.validationActions, ['Deny', 'Audit'])

  const open = one(base, 'NetworkPolicy')
  t.ok(open.spec.ingress.every((r: any) => r.from === undefined), 'by default any source may reach 8443 and 8080')
  t.match(readFileSync(path.join(MANIFESTS, 'base/networkpolicy.yaml'), 'utf8'), /differ per cluster/, 'and the file says why')
  const narrow = renderWithComponents(['apiserver-ingress'])
  t.strictSame(changed(narrow), ['NetworkPolicy/openclaw-injector'], 'only the NetworkPolicy changes')
  const np = one(narrow, 'NetworkPolicy')
  t.strictSame(np.spec.ingress[0].ports, [{ port: 8443, protocol: 'TCP' }])
  t.strictSame(np.spec.ingress[0].from, [{ ipBlock: { cidr: '172.18.0.0/16' } }], 'the webhook port only from the listed CIDRs')
  t.strictSame(np.spec.ingress[1], open.spec.ingress[1], '8080 (probes, Prometheus) as before')
  const both = renderWithComponents(['apiserver-ingress', 'require-injection-deny'])
  t.strictSame(changed(both).sort(), ['NetworkPolicy/openclaw-injector', 'ValidatingAdmissionPolicyBinding/openclaw-injector-require-injection'], 'the two combine')
})

t.test('RBAC: the certs Job may touch its one Secret and one webhook configuration; the webhook nothing', async (t) => {
  const job = one(base, 'Job', 'openclaw-injector-certs')
  const cron = one(base, 'CronJob', 'openclaw-injector-certs')
  const jobPod = job.spec.template.spec
  t.same(cron.spec.jobTemplate.spec.template, job.spec.template, 'the CronJob runs exactly the Job\'s pod')
  t.equal(cron.spec.concurrencyPolicy, 'Forbid')
  const args: string[] = jobPod.containers[0].args
  const flag = (name: string) => args[args.indexOf(name) + 1]
  t.equal(args[0], 'certs')
  const d = one(base, 'Deployment')
  const secretName = d.spec.template.spec.volumes.find((v: any) => v.secret).secret.secretName
  t.equal(flag('--service'), one(base, 'Service').metadata.name)
  t.equal(flag('--namespace'), one(base, 'Namespace').metadata.name)
  t.equal(flag('--secret'), secretName, 'the Job writes the Secret the Deployment mounts')
  t.equal(flag('--patch-webhook'), one(base, 'MutatingWebhookConfiguration').metadata.name)
  t.same(args, ['certs', '--service', 'openclaw-injector', '--namespace', 'openclaw-injector', '--secret', 'openclaw-injector-tls', '--patch-webhook', 'openclaw-injector'])
  t.equal(jobPod.serviceAccountName, 'openclaw-injector-certs')
  t.not(jobPod.serviceAccountName, d.spec.template.spec.serviceAccountName, 'its own ServiceAccount')

  const role = one(base, 'Role', 'openclaw-injector-certs')
  t.same(role.rules, [
    { apiGroups: [''], resources: ['secrets'], resourceNames: [secretName], verbs: ['get', 'patch'] },
    { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
  ], 'get/patch only its Secret; create (which resourceNames cannot limit) alone')
  const clusterRole = one(base, 'ClusterRole', 'openclaw-injector-certs')
  t.same(clusterRole.rules, [
    { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['openclaw-injector'], verbs: ['get', 'patch'] },
  ])
  for (const r of [role, clusterRole]) {
    t.notMatch(JSON.stringify(r.rules), /"\*"/, `${r.kind}: no wildcards`)
  }
  const raw = readFileSync(path.join(MANIFESTS, 'base/certs-rbac.yaml'), 'utf8')
  t.match(raw, /`create` cannot be limited by resourceNames/, 'the create rule is explained')

  const bindings = base.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding')
  t.equal(bindings.length, 2)
  for (const b of bindings) {
    t.same(b.subjects, [{ kind: 'ServiceAccount', name: 'openclaw-injector-certs', namespace: 'openclaw-injector' }], `${b.kind} binds only the certs ServiceAccount`)
    t.equal(b.roleRef.name, 'openclaw-injector-certs')
  }
  const webhookSa = d.spec.template.spec.serviceAccountName
  t.same(bindings.filter((b) => b.subjects.some((s: any) => s.name === webhookSa)), [], 'no binding for the webhook ServiceAccount')
})

t.test('the cert-manager overlay', async (t) => {
  const kinds = (objects: any[]) => objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()
  const removed = kinds(base).filter((k) => !kinds(certManager).includes(k))
  t.same(removed, [
    'ClusterRole/openclaw-injector-certs',
    'ClusterRoleBinding/openclaw-injector-certs',
    'CronJob/openclaw-injector-certs',
    'Job/openclaw-injector-certs',
    'Role/openclaw-injector-certs',
    'RoleBinding/openclaw-injector-certs',
    'ServiceAccount/openclaw-injector-certs',
  ], 'the certs Job, CronJob and their RBAC are gone')
  t.same(kinds(certManager).filter((k) => !kinds(base).includes(k)), [
    'Certificate/openclaw-injector-ca',
    'Certificate/openclaw-injector-tls',
    'Issuer/openclaw-injector-ca',
    'Issuer/openclaw-injector-selfsigned',
  ])
  for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'Namespace', 'ServiceAccount']) {
    t.same(one(certManager, kind, 'openclaw-injector'), one(base, kind, 'openclaw-injector'), `${kind} unchanged`)
  }
  const mwc = one(certManager, 'MutatingWebhookConfiguration')
  t.same(mwc.webhooks, one(base, 'MutatingWebhookConfiguration').webhooks, 'webhooks unchanged (and no caBundle)')

  const selfSigned = one(certManager, 'Issuer', 'openclaw-injector-selfsigned')
  t.same(selfSigned.spec, { selfSigned: {} })
  const caCert = one(certManager, 'Certificate', 'openclaw-injector-ca')
  t.equal(caCert.spec.isCA, true)
  t.equal(caCert.spec.issuerRef.name, selfSigned.metadata.name, 'the CA is self-signed')
  const caIssuer = one(certManager, 'Issuer', 'openclaw-injector-ca')
  t.equal(caIssuer.spec.ca.secretName, caCert.spec.secretName, 'the CA issuer uses the CA')
  const serving = one(certManager, 'Certificate', 'openclaw-injector-tls')
  t.equal(serving.spec.issuerRef.name, caIssuer.metadata.name, 'the serving certificate comes from the CA issuer')
  t.notOk(serving.spec.isCA)
  const d = one(certManager, 'Deployment')
  t.equal(serving.spec.secretName, d.spec.template.spec.volumes.find((v: any) => v.secret).secret.secretName, 'into the Secret the Deployment mounts')
  const svc = one(certManager, 'Service')
  t.same(serving.spec.dnsNames, serviceDnsNames(svc.metadata.name, svc.metadata.namespace))
  t.ok(serving.spec.usages.includes('server auth'))
  t.equal(mwc.metadata.annotations['cert-manager.io/inject-ca-from'], `${serving.metadata.namespace}/${serving.metadata.name}`, 'cainjector fills the caBundle')
  for (const o of [selfSigned, caCert, caIssuer, serving]) t.equal(o.metadata.namespace, 'openclaw-injector')
})

// Found on kind (test/e2e/kind, scenario 8): the Uninstall section deleted the webhook
// configuration first, then `kubectl delete -k manifests/`, which lists it too; kubectl then
// deleted the rest but exited 1 with NotFound, stopping any script at that line. A `delete -k`
// must tolerate objects an earlier command of the section already removed.
t.test("the docs' uninstall commands run without a NotFound error", async (t) => {
  const commands = docCommands('Uninstall')
  t.ok(commands.some((a) => a[0] === 'delete' && a[1] === '-k'), 'the section deletes the manifests with kubectl delete -k')
  const gone: string[] = []
  for (const args of commands) {
    if (args[0] !== 'delete') continue
    if (args[1] === '-k') {
      const dir = path.relative(MANIFESTS, path.join(ROOT, args[2]!)) || '.'
      const listed = render(dir).map((o) => `${o.kind.toLowerCase()}/${o.metadata.name}`)
      const again = gone.filter((name) => listed.includes(name))
      if (again.length > 0) t.ok(args.includes('--ignore-not-found'), `kubectl ${args.join(' ')} tolerates ${again.join(', ')}, deleted by an earlier command`)
    } else if (args.length >= 3) {
      gone.push(`${args[1]!.toLowerCase()}/${args[2]}`)
    }
  }
  t.ok(gone.includes('mutatingwebhookconfiguration/openclaw-injector'), 'the webhook configuration goes first, so no pod creation waits on a webhook that is going away')
})

// Found on kind: a pod created 1 s after both webhook replicas were Ready was let through
// uninjected (the Service was not yet reachable from the API server). Every documented install
// ends by waiting for the real path; the kind tier runs these very commands.
t.test('every documented install ends with check --wait in the namespace it opted in', async (t) => {
  for (const heading of ['Install', 'Install with Helm']) {
    const steps = docSteps(heading)
    const last = steps.at(-1)!
    t.strictSame(last.slice(0, 2), ['openclaw-injector', 'check'], `${heading}: the last step is openclaw-injector check`)
    t.ok(last.some((a) => /^--wait(=\d+[smh])?$/.test(a)), `${heading}: with --wait`)
    const ns = last[last.indexOf('-n') + 1]
    t.ok(steps.some((a) => a.join(' ') === `kubectl label namespace ${ns} openclaw.ai/token-sync=enabled`), `${heading}: namespace ${ns} is opted in before`)
  }
  t.ok(docSteps('Install with Helm')[0]!.includes('--wait'), 'helm install --wait')
  const documented = new Set(['Get the image', 'Install', 'Install with Helm', 'Opt a namespace in'].flatMap((h) => docSteps(h, 'all')).map((a) => a.join(' ')))
  const readme = readmeCommands('Installing it in a cluster')
  t.ok(readme.length >= 6, `README.md's install commands (${readme.length})`)
  for (const command of readme) t.ok(documented.has(command.join(' ')), `README.md: ${command.join(' ')} is as docs/cluster-admin.md gives it`)
})
