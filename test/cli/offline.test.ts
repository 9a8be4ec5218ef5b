// The offline CLI as a person runs it: the built dist/cli.js in a child process.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { chartPod } from '../helpers/pods.ts'

const cli = new URL('../../dist/cli.js', import.meta.url).pathname
// Some 40 runs of the built CLI, each a fresh node: past tap's default 30 s per file on a busy machine.
t.setTimeout(5 * 60_000)

function run(args: string[], input?: string) {
  const result = spawnSync(process.execPath, [cli, ...args], { input, encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

const SERVICE = `# rendered by helm
apiVersion: v1
kind: Service
metadata:
  name: openclaw   # comment kept
spec:
  ports: [{port: 18789}]
`

function deployment(): string {
  const pod = chartPod()
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: openclaw
  namespace: agents
spec:
  selector: {matchLabels: {app.kubernetes.io/name: openclaw-helm}}
  template:
${JSON.stringify({ metadata: { labels: pod.metadata!.labels }, spec: pod.spec }).replace(/^/, '    ')}
`
}

t.test('inject: documents in order, others byte for byte, templates injected', async (t) => {
  const dir = t.testdir({ 'all.yaml': `${SERVICE}---\n${deployment()}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n` })
  const result = run(['inject', '-f', path.join(dir, 'all.yaml')])
  t.equal(result.code, 0, result.stderr)
  const parts = result.stdout.split(/^---\n/m)
  t.equal(parts.length, 3)
  t.equal(parts[0], SERVICE, 'an untouched document comes out byte for byte, comments included')
  t.equal(parts[2], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n')
  const injected = parse(parts[1]!)
  t.equal(injected.spec.template.spec.initContainers[1].name, 'init-config', "after the pod's own init containers")
  t.equal(injected.spec.template.metadata.annotations['openclaw.ai/token-sync-status'], 'injected')
  t.equal(injected.spec.template.spec.initContainers[0].name, 'init-skills')
})

t.test('inject: JSON in, JSON out; Lists and CronJobs', async (t) => {
  const pod = chartPod()
  const list = {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: pod.spec } } } } },
      { ...pod, metadata: { ...pod.metadata, name: 'p' } },
    ],
  }
  const result = run(['inject', '-f', '-'], JSON.stringify(list))
  t.equal(result.code, 0, result.stderr)
  const out = JSON.parse(result.stdout)
  t.equal(out.items[0].spec.jobTemplate.spec.template.spec.initContainers[1].name, 'init-config')
  t.equal(out.items[0].spec.jobTemplate.spec.template.metadata.annotations['openclaw.ai/token-sync-status'], 'injected', 'a template without metadata gets it')
  t.equal(out.items[1].spec.initContainers[1].name, 'init-config')
})

t.test('inject: template metadata that is null, or an alias, is edited in place only', async (t) => {
  const pod = chartPod()
  const spec = JSON.stringify(pod.spec)
  const input = `apiVersion: apps/v1
kind: Deployment
metadata: &meta {name: a, labels: {app.kubernetes.io/name: openclaw}}
spec:
  template:
    metadata:
    spec: ${spec}
---
apiVersion: apps/v1
kind: Deployment
metadata: &shared {name: b, labels: {app.kubernetes.io/name: openclaw}}
spec:
  template:
    metadata: *shared
    spec: ${spec}
`
  const result = run(['inject', '-f', '-'], input)
  t.equal(result.code, 0, result.stderr)
  const [nullMeta, aliased] = result.stdout.split(/^---\n/m).map((doc) => parse(doc))
  t.equal(nullMeta.spec.template.metadata.annotations['openclaw.ai/token-sync-status'], 'injected')
  t.equal(aliased.spec.template.metadata.annotations['openclaw.ai/token-sync-status'], 'injected')
  t.notOk(aliased.metadata.annotations, "the anchored Deployment metadata is not edited through the alias")
  t.equal(aliased.spec.template.metadata.name, 'b', 'the template keeps what the alias named')
})

t.test('inject is idempotent: its own output passes through unchanged', async (t) => {
  const first = run(['inject', '-f', '-'], deployment())
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, /openclaw.ai\/token-sync-status: injected/, 'the first pass injects')
  const second = run(['inject', '-f', '-'], first.stdout)
  t.equal(second.code, 0)
  t.equal(second.stdout, first.stdout)
})

t.test('bad input: one line naming the document, non-zero exit, nothing on stdout', async (t) => {
  const cases: [string, RegExp][] = [
    [`${SERVICE}---\nkey: [unclosed\n`, /stdin: document 2: not valid YAML/],
    [`${SERVICE}---\napiVersion: v1\nmetadata: {name: x}\n`, /stdin: document 2: no kind/],
    [`${SERVICE}---\napiVersion: v1\nkind: Pod\nmetadata: {name: empty}\nspec: {containers: []}\n`, /stdin: document 2 \(Pod empty\): the pod has no containers/],
    [`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {}\n`, /document 1 \(Deployment d\): has no pod template at spec.template/],
    ['{"kind": "Pod",', /stdin: not valid JSON/],
    ['- just\n- a list\n', /document 1: expected a Kubernetes object, got a list/],
  ]
  for (const [input, message] of cases) {
    const result = run(['inject', '-f', '-'], input)
    t.equal(result.code, 1, String(message))
    t.equal(result.stdout, '', 'nothing half-written')
    t.match(result.stderr, message)
    t.equal(result.stderr.trim().split('\n').length, 1, 'one line')
  }
  const missing = run(['inject', '-f', '/nonexistent/x.yaml'])
  t.match(missing.stderr, /cannot read \/nonexistent\/x.yaml: ENOENT/)
  const noFile = run(['inject'])
  t.equal(noFile.code, 2)
  t.match(noFile.stderr, /-f FILE/)
  const badSetting = run(['inject', '-f', '-', '--mode', 'plain'], SERVICE)
  t.equal(badSetting.code, 2)
  t.match(badSetting.stderr, /--mode: expected one of "auto", "sync", "ref", got "plain"/)
})

t.test('explain: text and json', async (t) => {
  const input = `${deployment()}---\napiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec: {containers: [{name: nginx, image: nginx}]}\n`
  const text = run(['explain', '-f', '-'], input)
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, /document 1: Deployment agents\/openclaw: INJECT/)
  t.match(text.stdout, /because token from envFrom Secret openclaw-gateway-token, key OPENCLAW_GATEWAY_TOKEN/)
  t.match(text.stdout, /adds init container init-config/)
  t.match(text.stdout, /adds init container init-config at initContainers\[1\] \(image ghcr.io\/openclaw\/openclaw:2026.9.6, mode auto: ref on OpenClaw 2026.3.7 or later, else sync,/)
  const sync = run(['explain', '-f', '-', '--mode', 'sync'], input)
  t.match(sync.stdout, /warning: sync mode: after a rotation, a restarted gateway container keeps the old token; use openclaw.ai\/token-sync-mode: ref/)
  t.match(text.stdout, /document 2: Pod web: SKIP \(not-openclaw\)\n {2}because not an OpenClaw pod/)
  const json = run(['explain', '-f', '-', '-o', 'json'], input)
  const report = JSON.parse(json.stdout)
  t.match(report, [
    { document: 1, kind: 'Deployment', action: 'inject', path: '/spec/template', added: { initContainer: 'init-config', configPath: 'resolved in the pod' } },
    { document: 2, kind: 'Pod', action: 'skip', code: 'not-openclaw' },
  ])
})

t.test('explain lists each credential of openclaw.ai/credentials: path, Secret and key, env var, form written', async (t) => {
  const pod = chartPod()
  pod.metadata = { ...pod.metadata, name: 'p', annotations: { 'openclaw.ai/credentials': 'channels.telegram.botToken=telegram-bot/token, hooks.token=hooks, nope.path=x' } }
  const file = path.join(t.testdir(), 'pod.json')
  writeFileSync(file, JSON.stringify(pod))
  const text = run(['explain', '-f', file])
  t.equal(text.code, 0, text.stderr)
  t.match(text.stdout, '  credential channels.telegram.botToken: Secret telegram-bot, key token, env OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN, written as {"source":"env","provider":"default","id":"OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN"} (the "${VAR}" string where sync is chosen)\n')
  t.match(text.stdout, '  credential hooks.token: Secret hooks, key token, env OPENCLAW_CRED_HOOKS_TOKEN, written as "${OPENCLAW_CRED_HOOKS_TOKEN}" (takes no SecretRef)\n')
  t.match(text.stdout, /warning: annotation openclaw.ai\/credentials: "nope.path=x" is not a credential path of OpenClaw 2026.9.6/)
  const json = JSON.parse(run(['explain', '-f', file, '-o', 'json']).stdout)
  t.same(json[0].added.credentials.map((c: { path: string; form: string }) => [c.path, c.form]), [['channels.telegram.botToken', 'ref'], ['hooks.token', 'template']])
})

t.test('literal tokens stay out of explain and warnings', async (t) => {
  const token = 'tok-' + Math.random().toString(36).slice(2)
  const pod = chartPod()
  pod.spec!.containers[0]!.env!.push({ name: 'OPENCLAW_GATEWAY_TOKEN', value: token })
  const file = path.join(t.testdir(), 'pod.json')
  writeFileSync(file, JSON.stringify({ ...pod, metadata: { ...pod.metadata, name: 'p' } }))
  const explain = run(['explain', '-f', file, '-o', 'json'])
  t.notMatch(explain.stdout + explain.stderr, token)
  const inject = run(['inject', '-f', file])
  t.notMatch(inject.stderr, token)
  t.match(inject.stderr, /literal value; it belongs in a Secret/)
})

t.test('help and unknown commands', async (t) => {
  t.match(run(['--help']).stdout, /inject/)
  const unknown = run(['frobnicate'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /unknown command "frobnicate"/)
  t.match(run(['version']).stdout, /^\d+\.\d+\.\d+\n$/)
})

// A StatefulSet's template mounts volumes that only its volumeClaimTemplates declare; the
// controller adds them to each pod (pkg/controller/statefulset/stateful_set_utils.go).
t.test('StatefulSet: decided as the webhook decides on the pod the controller creates', async (t) => {
  const { mutatePod } = await import('../../src/engine/index.ts')
  const { defaultSettings } = await import('../../src/settings.ts')
  const template = {
    metadata: { labels: { 'app.kubernetes.io/name': 'openclaw' } },
    spec: {
      securityContext: { fsGroup: 1000 },
      containers: [{ name: 'openclaw', image: 'ghcr.io/openclaw/openclaw:2026.9.6', envFrom: [{ secretRef: { name: 'openclaw-gateway-token' } }], volumeMounts: [{ name: 'state', mountPath: '/home/node/.openclaw' }] }],
    },
  }
  const shapes: { name: string; template: typeof template & { spec: { volumes?: object[] } } }[] = [
    { name: 'no template volumes', template },
    { name: 'other template volumes', template: { ...template, spec: { ...template.spec, volumes: [{ name: 'tmp', emptyDir: {} }] } } },
    { name: 'a template volume the claim replaces', template: { ...template, spec: { ...template.spec, volumes: [{ name: 'state', emptyDir: {} }] } } },
  ]
  for (const shape of shapes) {
    const set = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'openclaw', namespace: 'agents' }, spec: { serviceName: 'openclaw', selector: { matchLabels: template.metadata.labels }, template: shape.template, volumeClaimTemplates: [{ metadata: { name: 'state' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } } } }] } }
    const explain = run(['explain', '-f', '-', '-o', 'json'], JSON.stringify(set))
    t.equal(explain.code, 0, explain.stderr)
    const [report] = JSON.parse(explain.stdout)
    t.equal(report.action, 'inject', `${shape.name}: INJECT`)
    t.equal(report.added.stateVolume, 'state', `${shape.name}: the claim's volume`)
    // The pod the controller creates from the original template, through the webhook's engine:
    const controllerPod = (tpl: typeof shape.template) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { ...tpl.metadata, name: 'openclaw-0' }, spec: { ...tpl.spec, volumes: [{ name: 'state', persistentVolumeClaim: { claimName: 'state-openclaw-0' } }, ...(tpl.spec.volumes ?? []).filter((v) => (v as { name: string }).name !== 'state')] } })
    const webhook = mutatePod(controllerPod(shape.template) as never, defaultSettings().engine)
    t.equal(webhook.decision.action, 'inject')
    t.same(report.reasons, webhook.decision.reasons, `${shape.name}: the same reasons as the webhook`)
    const injected = run(['inject', '-f', '-'], JSON.stringify(set))
    const out = JSON.parse(injected.stdout)
    t.same(out.spec.template.spec.volumes, shape.template.spec.volumes, `${shape.name}: the template's volumes untouched (the controller adds the claim's)`)
    const fromTemplate = controllerPod(out.spec.template)
    t.same((fromTemplate.spec as { initContainers?: unknown }).initContainers, webhook.pod.spec?.initContainers, `${shape.name}: the controller's pod from the injected template is the webhook's pod`)
    t.equal(mutatePod(fromTemplate as never, defaultSettings().engine).decision.code, 'already-injected', `${shape.name}: the webhook leaves it alone`)
  }
})
