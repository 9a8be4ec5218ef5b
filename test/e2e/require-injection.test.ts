// The require-injection ValidatingAdmissionPolicy of manifests/ (require-injection/), evaluated
// by a real kube-apiserver: no webhook is registered here at all, which is what the API
// server sees when the webhook cannot answer under failurePolicy Ignore. Each pod is a
// server-side dry run (nothing is stored); the policy's verdict is read where a client sees
// it: the Warning header, or the refusal.
//   - a pod the engine injected (the real engine's output) is allowed without a word;
//   - an OpenClaw pod in an opted-in namespace without the init container gets the warning;
//   - pods opted out (annotation or label), pods of other namespaces, non-OpenClaw and
//     Windows pods get nothing;
//   - with the binding of components/require-injection-deny, that pod is refused.
import t from 'tap'
import { startControlPlane, type ControlPlane } from './controlplane/control-plane.ts'
import { collectionPath, one, render, renderWithComponents } from '../manifests/helpers/kustomize.ts'
import { mutatePod } from '../../src/engine/index.ts'
import { ANNOTATIONS, OPT_LABEL } from '../../src/engine/annotations.ts'
import { dryRunPod } from '../../src/check/checks.ts'
import { defaultSettings } from '../../src/settings.ts'

t.setTimeout(Number(process.env.CONTROLPLANE_TEST_TIMEOUT_MS) || 30 * 60_000)

const POLICY = 'openclaw-injector-require-injection'
const settings = defaultSettings().engine

let cp: ControlPlane
t.before(async () => {
  cp = await startControlPlane()
})
t.teardown(() => cp?.stop())

/** A dry-run pod create in `namespace`: status, the Warning header(s) and the refusal message. */
async function create(namespace: string, pod: any): Promise<{ status: number; warning: string; message: string }> {
  const res = await cp.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, pod)
  const warning = [res.headers.warning ?? []].flat().join('\n')
  return { status: res.status, warning, message: res.ok ? '' : String(res.body?.message ?? res.text) }
}

/** The check command's OpenClaw pod (restricted, state volume), with `patch` applied to its metadata and spec. */
function openclawPod(name: string, patch: { labels?: Record<string, string>; annotations?: Record<string, string>; spec?: Record<string, unknown> } = {}): any {
  const pod: any = dryRunPod(settings)
  delete pod.metadata.generateName
  pod.metadata.name = name
  pod.metadata.labels = { ...pod.metadata.labels, ...patch.labels }
  pod.metadata.annotations = { ...patch.annotations }
  pod.spec = { ...pod.spec, ...patch.spec }
  return pod
}

/** What the webhook would have sent back: the engine's own output for the pod. */
function injected(pod: any): any {
  const result = mutatePod(structuredClone(pod), settings)
  if (result.decision.action !== 'inject') throw new Error(`the engine did not inject ${pod.metadata.name}: ${result.decision.reasons.join('; ')}`)
  return result.pod
}

t.test('the policy warns about an uninjected OpenClaw pod, says nothing otherwise, and refuses it with Deny', async (t) => {
  const objects = render('.')
  const policy = one(objects, 'ValidatingAdmissionPolicy', POLICY)
  const binding = one(objects, 'ValidatingAdmissionPolicyBinding', POLICY)
  await cp.requestOk('POST', collectionPath(policy), policy)
  await cp.requestOk('POST', collectionPath(binding), binding)
  await cp.createNamespace('ri-in', { [OPT_LABEL]: 'enabled' })
  await cp.createNamespace('ri-out')

  // The API server loads a new policy asynchronously: dry-run until the warning shows.
  const uninjected = openclawPod('uninjected')
  let first = await create('ri-in', uninjected)
  for (let i = 0; first.warning === '' && i < 200; i++) {
    await new Promise((r) => setTimeout(r, 100))
    first = await create('ri-in', uninjected)
  }
  t.equal(first.status, 201, 'with Warn and Audit the uninjected pod is created')
  t.match(first.warning, `ValidatingAdmissionPolicy '${POLICY}'`, 'and the client gets the policy\'s warning')
  t.match(first.warning, /no token-sync init container/, 'saying what is wrong')
  t.match(first.warning, /openclaw-injector check/, 'and naming the fix')

  // The type checker's verdict on every expression (status.typeChecking, filled in by the
  // API server's policy controller).
  let status: any
  for (let i = 0; i < 100 && status?.typeChecking === undefined; i++) {
    status = (await cp.requestOk('GET', `${collectionPath(policy)}/${POLICY}`)).status
    if (status?.typeChecking === undefined) await new Promise((r) => setTimeout(r, 100))
  }
  t.strictSame(status?.typeChecking?.expressionWarnings ?? [], [], 'the API server\'s type check finds nothing to say about the CEL')

  const silent: [string, string, any][] = [
    ['injected by the engine', 'ri-in', injected(openclawPod('injected'))],
    ['annotated openclaw.ai/token-sync: disabled', 'ri-in', openclawPod('opted-out-annotation', { annotations: { [ANNOTATIONS.tokenSync]: 'disabled' } })],
    ['labelled openclaw.ai/token-sync=disabled', 'ri-in', openclawPod('opted-out-label', { labels: { [OPT_LABEL]: 'disabled' } })],
    ['in a namespace that did not opt in', 'ri-out', openclawPod('elsewhere')],
    ['not an OpenClaw pod', 'ri-in', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } }],
    ['a Windows pod', 'ri-in', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'windows' }, spec: { os: { name: 'windows' }, containers: [{ name: 'gateway', image: 'ghcr.io/openclaw/openclaw:2026.9.6' }] } }],
  ]
  for (const [what, ns, pod] of silent) {
    const r = await create(ns, pod)
    t.equal(r.status, 201, `${what}: created${r.message ? `: ${r.message}` : ''}`)
    t.equal(r.warning, '', `${what}: no warning`)
  }
  const byImage = openclawPod('by-image', { labels: { 'app.kubernetes.io/name': 'something-else' } })
  t.match((await create('ri-in', byImage)).warning, POLICY, 'an OpenClaw image alone is enough to be flagged')
  const byAnnotation = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'by-annotation', annotations: { [ANNOTATIONS.tokenSync]: 'enabled' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } }
  t.match((await create('ri-in', byAnnotation)).warning, POLICY, 'as is the opt-in annotation')

  // What monitoring sees: the API server counts the policy's verdicts in its own metrics
  // (an alert on uninjected OpenClaw pods can be built on them).
  const metrics = (await cp.request('GET', '/metrics')).text
  const counted = metrics.split('\n').filter((l) => l.startsWith('apiserver_validating_admission_policy_check_total{') && l.includes(`policy="${POLICY}"`))
  t.ok(counted.length > 0, 'apiserver_validating_admission_policy_check_total counts the policy\'s verdicts')
  for (const line of counted) t.comment(line)

  // Deny, as components/require-injection-deny renders the binding.
  const deny = one(renderWithComponents(['require-injection-deny']), 'ValidatingAdmissionPolicyBinding', POLICY)
  t.strictSame(deny.spec.validationActions, ['Deny', 'Audit'])
  await cp.requestOk('PATCH', `${collectionPath(deny)}/${POLICY}`, { spec: { validationActions: deny.spec.validationActions } })
  let refused = await create('ri-in', uninjected)
  for (let i = 0; refused.status === 201 && i < 200; i++) {
    await new Promise((r) => setTimeout(r, 100))
    refused = await create('ri-in', uninjected)
  }
  t.equal(refused.status, 422, 'with Deny the uninjected pod is refused')
  t.match(refused.message, `ValidatingAdmissionPolicy '${POLICY}'`, 'by the policy')
  t.match(refused.message, /openclaw-injector check/, 'with the fix in the message')
  const stillFine = await create('ri-in', injected(openclawPod('injected-under-deny')))
  t.equal(stillFine.status, 201, 'an injected pod is still created')
  t.equal(stillFine.warning, '')
  const optedOut = await create('ri-in', openclawPod('opted-out-under-deny', { annotations: { [ANNOTATIONS.tokenSync]: 'disabled' } }))
  t.equal(optedOut.status, 201, 'an opted-out pod is still created')
})
