// The decisions of `openclaw-injector check`, on plain objects: no cluster needed. The whole
// command against a real kube-apiserver is test/e2e/check.test.ts.
import t from 'tap'
import { mutatePod } from '../../src/engine/index.ts'
import { defaultSettings } from '../../src/settings.ts'
import { DRY_RUN_CHECK, dryRunPod, judgeDeployment, judgeDryRun, judgePdb, judgeServingCertificate, untilInjected } from '../../src/check/checks.ts'
import { formatText, run } from '../../src/commands/check.ts'
import { PassThrough } from 'node:stream'
import { generateCertificates } from '../../src/certs/generate.ts'
import { ANNOTATIONS } from '../../src/engine/annotations.ts'

const deployment = (replicas: number, ready: number) => ({
  metadata: { name: 'openclaw-injector', namespace: 'openclaw-injector' },
  spec: { replicas, template: { metadata: { labels: { 'app.kubernetes.io/name': 'openclaw-injector', 'app.kubernetes.io/component': 'webhook', 'app.kubernetes.io/part-of': 'openclaw-injector' } } } },
  status: { readyReplicas: ready },
})

t.test('the dry-run pod is one the engine injects, whatever imagePattern and appNames say', async (t) => {
  for (const settings of [defaultSettings().engine, { ...defaultSettings().engine, imagePattern: '^nothing/matches$', appNames: ['x'] }]) {
    const result = mutatePod(dryRunPod(settings), settings)
    t.equal(result.decision.action, 'inject', result.decision.reasons.join('; '))
  }
  const pod = dryRunPod(defaultSettings().engine)
  t.equal(pod.metadata!.annotations![ANNOTATIONS.tokenSync], 'enabled', 'opted in by annotation: passes the matchConditions')
  t.equal(pod.spec!.securityContext!.runAsNonRoot, true, 'Pod Security "restricted"')
  t.equal(pod.spec!.containers[0]!.securityContext!.allowPrivilegeEscalation, false)
  t.equal(pod.metadata!.name, undefined, 'generateName: no clash with a real pod')
})

t.test('deployment: scaled to 0, not ready, partly ready, ready', async (t) => {
  t.same(judgeDeployment(deployment(0, 0)), { name: 'deployment', ok: false, detail: 'openclaw-injector/openclaw-injector is scaled to 0: nothing answers the API server', fix: 'kubectl -n openclaw-injector scale deployment/openclaw-injector --replicas=2' })
  t.match(judgeDeployment(deployment(2, 0)), { ok: false, detail: '0 of 2 replicas ready', fix: /describe pods/ })
  t.match(judgeDeployment(deployment(2, 1)), { ok: false, detail: '1 of 2 replicas ready' })
  t.match(judgeDeployment(deployment(2, 2)), { ok: true, detail: 'openclaw-injector/openclaw-injector: 2 of 2 replicas ready' })
})

t.test('pod disruption budget: selects the pods by labels or expressions; one that blocks drains is a ✗', async (t) => {
  const pdb = (selector: any, minAvailable = 1) => ({ metadata: { name: 'p' }, spec: { minAvailable, selector } })
  t.match(judgePdb([], deployment(2, 2)), { ok: false, detail: /no PodDisruptionBudget in openclaw-injector selects the webhook pods/ })
  t.match(judgePdb([pdb({ matchLabels: { 'app.kubernetes.io/name': 'other' } })], deployment(2, 2)), { ok: false })
  t.match(judgePdb([pdb({ matchLabels: { 'app.kubernetes.io/name': 'openclaw-injector' } })], deployment(2, 2)), { ok: true, detail: 'openclaw-injector/p: minAvailable 1 of 2 replicas' })
  t.match(judgePdb([pdb({ matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'In', values: ['webhook'] }, { key: 'x', operator: 'DoesNotExist' }] })], deployment(2, 2)), { ok: true })
  t.match(judgePdb([pdb({ matchExpressions: [{ key: 'app.kubernetes.io/component', operator: 'NotIn', values: ['webhook'] }] })], deployment(2, 2)), { ok: false })
  t.match(judgePdb([pdb({ matchLabels: { 'app.kubernetes.io/name': 'openclaw-injector' } })], deployment(1, 1)), { ok: false, detail: /no replica can be evicted/, fix: 'kubectl -n openclaw-injector scale deployment/openclaw-injector --replicas=2' })
  t.match(judgePdb([pdb(undefined)], deployment(2, 2)), { ok: false }, 'a PDB without a selector selects nothing')
})

t.test('serving certificate: signed by the caBundle, the right name, expiry', async (t) => {
  const now = new Date()
  const good = await generateCertificates({ commonName: 'openclaw-injector.openclaw-injector.svc', dnsNames: ['openclaw-injector.openclaw-injector.svc'], ipAddresses: [], validityDays: 365 })
  const other = await generateCertificates({ commonName: 'other', dnsNames: ['other'], ipAddresses: [], validityDays: 365 })
  const target = { kind: 'pod', namespace: 'openclaw-injector', pod: 'p', port: 8443, serverName: 'openclaw-injector.openclaw-injector.svc' } as const
  const fix = 'FIX'
  const [trusted, expiry] = judgeServingCertificate({ chainPem: [good.cert] }, good.caCert, target, now, fix)
  t.match(trusted, { ok: true, detail: /^pod openclaw-injector\/p:8443 presents openclaw-injector\.openclaw-injector\.svc, signed by openclaw-injector-ca@\S+ in the caBundle, valid for openclaw-injector\.openclaw-injector\.svc$/ })
  t.match(expiry, { name: 'certificate expiry', ok: true, detail: /\((364|365) days\)/ })
  t.match(judgeServingCertificate({ chainPem: [good.cert] }, other.caCert + good.caCert, target, now, fix)[0], { ok: true }, 'any CA of the bundle will do (renewal overlap)')
  t.match(judgeServingCertificate({ chainPem: [good.cert] }, other.caCert, target, now, fix)[0], { ok: false, detail: /which no CA in the caBundle signed/, fix })
  t.match(judgeServingCertificate({ chainPem: [other.cert] }, other.caCert, target, now, fix)[0], { ok: false, detail: 'pod openclaw-injector/p:8443 presents a certificate not valid for openclaw-injector.openclaw-injector.svc' })
  t.match(judgeServingCertificate({ chainPem: [good.cert] }, undefined, target, now, fix)[0], { ok: false, detail: /no caBundle to verify it with/ })
  t.match(judgeServingCertificate({ chainPem: [] }, good.caCert, target, now, fix)[0], { ok: false, detail: /presented no certificate/ })
  const later = new Date(now.getTime() + 362 * 86_400_000)
  t.match(judgeServingCertificate({ chainPem: [good.cert] }, good.caCert, target, later, fix)[1], { ok: false, detail: /in [23]\.\d days, and was not renewed/, fix })
  const expired = new Date(now.getTime() + 400 * 86_400_000)
  t.match(judgeServingCertificate({ chainPem: [good.cert] }, good.caCert, target, expired, fix)[1], { ok: false, detail: /^expired on / })
})

t.test('dry run: injected, refused, or let through uninjected', async (t) => {
  const injected = { ok: true as const, pod: { metadata: { annotations: { [ANNOTATIONS.status]: 'injected', [ANNOTATIONS.version]: '0.1.0' } } }, warnings: [] }
  t.same(judgeDryRun(injected, 'agents', { failurePolicy: 'Ignore' }).version, '0.1.0')
  t.match(judgeDryRun(injected, 'agents', {}).result, { ok: true, detail: 'a dry-run OpenClaw pod in agents came back injected by openclaw-injector 0.1.0; nothing was stored' })
  t.match(judgeDryRun({ ok: true, pod: { metadata: {} }, warnings: [] }, 'agents', { failurePolicy: 'Ignore' }).result, { ok: false, detail: /NOT injected: .* with failurePolicy Ignore, created the pod anyway/ })
  t.match(judgeDryRun({ ok: false, message: 'failed calling webhook' }, 'agents', { failurePolicy: 'Fail' }).result, { ok: false, detail: 'the API server refused a dry-run OpenClaw pod in agents: failed calling webhook' })
})

t.test('text: one line per check, the fix on the ✗ line', async (t) => {
  t.equal(formatText([{ name: 'a', ok: true, detail: 'fine' }, { name: 'b', ok: false, detail: 'broken', fix: 'do x' }]), '✓ a: fine\n✗ b: broken; fix: do x\n')
})

t.test('--wait: the checks run again until the dry-run pod comes back injected, or the time is up', async (t) => {
  const dryRun = (ok: boolean) => ({ name: DRY_RUN_CHECK, ok, detail: ok ? 'came back injected' : 'came back NOT injected', ...(ok ? {} : { fix: 'x' }) })
  let clock = 0
  const sleeps: number[] = []
  const clocked = { now: () => clock, sleep: async (ms: number) => { sleeps.push(ms); clock += ms } }
  // the first two runs find the Service not yet reachable, the third gets through
  const answers = [false, false, true]
  let runs = 0
  const outcome = await untilInjected(async () => [{ name: 'deployment', ok: true, detail: '2 of 2' }, dryRun(answers[runs++]!)], { timeoutMs: 120_000, ...clocked })
  t.equal(outcome.injected, true)
  t.equal(outcome.runs, 3, 'ran until the dry-run pod came back injected')
  t.strictSame(sleeps, [2000, 2000], 'every 2 s')
  t.equal(outcome.waitedMs, 4000)
  t.equal(outcome.results[1]!.ok, true, 'the last run is reported')

  clock = 0
  sleeps.length = 0
  const never = await untilInjected(async () => [dryRun(false)], { timeoutMs: 10_000, ...clocked })
  t.equal(never.injected, false, 'gives up')
  t.ok(never.waitedMs <= 10_000, `within the time given (${never.waitedMs} ms)`)
  t.equal(never.runs, 6, 'runs at 0, 2, 4, 6, 8 and 10 s; the next would start past 10 s')
  t.equal(never.results[0]!.ok, false, 'and reports the ✗ of the last run')

  let once = 0
  const absent = await untilInjected(async () => { once++; return [{ name: 'webhook configuration', ok: false, detail: 'not found', fix: 'install' }] }, { timeoutMs: 3000, ...clocked })
  t.equal(absent.injected, false, 'no dry-run check at all (nothing installed) is not injected')
  t.equal(once, 2)
})

t.test('--wait takes an optional duration; a bad one is one line and exit 2', async (t) => {
  const io = () => {
    let err = ''
    const sink = new PassThrough()
    const stderr = new PassThrough()
    stderr.on('data', (d) => (err += d))
    return { io: { stdin: new PassThrough(), stdout: sink, stderr }, err: () => err }
  }
  for (const bad of ['--wait=soon', '--wait=0s', '--wait=']) {
    const o = io()
    t.equal(await run([bad], o.io), 2, `${bad}: exit 2`)
    t.match(o.err(), /^openclaw-injector check: --wait "[^"]*": expected a duration such as 30s or 2m; see --help\n$/, `${bad}: one line naming the value`)
  }
  const help = io()
  let out = ''
  help.io.stdout.on('data', (d) => (out += d))
  t.equal(await run(['--help'], help.io), 0)
  t.match(out, /--wait\[=DURATION\]/, 'the usage shows it')
})
