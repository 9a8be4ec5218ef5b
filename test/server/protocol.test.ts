// The AdmissionReview protocol over the real HTTPS listener: versions, kinds,
// operations, dryRun, the uid, and a patch that turns the pod into the engine's pod.
import t from 'tap'
import { mutatePod } from '../../src/engine/index.ts'
import { applyPatch, chartPod, engineSettings } from '../helpers/pods.ts'
import { decodePatch, review } from './helpers/reviews.ts'
import { startTestServer } from './helpers/server.ts'

const server = await startTestServer(t)

for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
  t.test(`Pod CREATE in ${apiVersion}: the engine's patch, in the version asked`, async (t) => {
    const pod = chartPod()
    const body = review(pod, { apiVersion, uid: 'b1c7b7a8-0000-4000-8000-000000000001' })
    const res = await server.post(body)
    t.equal(res.status, 200)
    t.match(res.headers['content-type'], /^application\/json/)
    const answer = res.json()
    t.equal(answer.apiVersion, apiVersion)
    t.equal(answer.kind, 'AdmissionReview')
    t.equal(answer.response.uid, 'b1c7b7a8-0000-4000-8000-000000000001', 'uid echoed')
    t.equal(answer.response.allowed, true)
    t.equal(answer.response.patchType, 'JSONPatch')
    const expected = mutatePod(chartPod(), engineSettings())
    t.equal(expected.decision.action, 'inject', 'the chart pod is injected')
    const patch = decodePatch(answer.response)
    t.same(patch, expected.patch, 'the patch is the engine patch')
    t.same(applyPatch(pod, patch), expected.pod, 'applied with fast-json-patch it gives the engine pod')
    t.same(Object.keys(answer.response).sort(), ['allowed', 'patch', 'patchType', 'uid', ...(answer.response.warnings ? ['warnings'] : [])].sort(), 'nothing else in the response')
  })
}

t.test('dryRun is answered exactly like a real request', async (t) => {
  const uid = 'dry-run-uid'
  const real = (await server.post(review(chartPod(), { uid }))).json()
  const dry = (await server.post(review(chartPod(), { uid, dryRun: true }))).json()
  t.same(dry, real)
})

t.test('a pod the engine skips gets no patch', async (t) => {
  const pod = chartPod()
  pod.metadata!.annotations = { 'openclaw.ai/token-sync': 'disabled' }
  const answer = (await server.post(review(pod, { uid: 'skip' }))).json()
  t.same(answer.response, { uid: 'skip', allowed: true })
})

t.test('a pod that is not OpenClaw gets no patch', async (t) => {
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx', namespace: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.29' }] } }
  const answer = (await server.post(review(pod, { uid: 'nginx' }))).json()
  t.same(answer.response, { uid: 'nginx', allowed: true })
})

t.test('other operations and kinds are allowed unchanged, without asking the engine', async (t) => {
  const cases = [
    { name: 'Pod UPDATE', options: { operation: 'UPDATE' } },
    { name: 'Pod DELETE', options: { operation: 'DELETE' }, object: null },
    { name: 'Pod CONNECT', options: { operation: 'CONNECT' } },
    { name: 'Deployment CREATE', options: { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } } },
    { name: 'ConfigMap CREATE', options: { kind: { group: '', version: 'v1', kind: 'ConfigMap' } } },
    { name: 'a Pod kind of another group', options: { kind: { group: 'example.com', version: 'v1', kind: 'Pod' } } },
    { name: 'pods/binding CREATE', options: { subResource: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' } } },
    { name: 'pods/ephemeralcontainers on a Pod', options: { subResource: 'ephemeralcontainers' } },
  ]
  for (const c of cases) {
    for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
      const object = 'object' in c ? c.object : chartPod()
      const res = await server.post(review(object, { uid: `u-${c.name}`, apiVersion, ...c.options }))
      t.equal(res.status, 200, c.name)
      t.same(res.json(), { apiVersion, kind: 'AdmissionReview', response: { uid: `u-${c.name}`, allowed: true } }, `${c.name} (${apiVersion})`)
    }
  }
})

t.test('warnings are passed on, one line and at most 120 characters each', async (t) => {
  const long = 'x'.repeat(300)
  const fake = await startTestServer(t, {
    mutate: (pod) => ({ decision: { action: 'skip', code: 'not-openclaw', reasons: ['test'], warnings: [long, 'line one\nline two', 'short', 'short'] }, pod, patch: [] }),
  })
  const answer = (await fake.post(review(chartPod()))).json()
  t.equal(answer.response.patch, undefined)
  const warnings: string[] = answer.response.warnings
  t.equal(warnings.length, 3, 'duplicates dropped')
  for (const w of warnings) t.ok(w.length <= 120 && !/[\n\r]/.test(w), `${JSON.stringify(w.slice(0, 20))}… fits`)
  t.match(warnings[0], /^x+\.\.\.$/)
  t.equal(warnings[1], 'line one line two')
})

t.test("the real engine's warnings come back, and only when it has some", async (t) => {
  const refPod = chartPod()
  refPod.metadata = { ...refPod.metadata, annotations: { 'openclaw.ai/token-sync-mode': 'ref' } }
  const quiet = (await server.post(review(refPod))).json()
  t.equal(quiet.response.warnings, undefined, "the chart's pod in ref mode earns no warning")
  t.equal((await server.post(review(chartPod()))).json().response.warnings, undefined, "nor in auto mode, the default, on OpenClaw 2026.9.6")
  const syncPod = chartPod()
  syncPod.metadata = { ...syncPod.metadata, annotations: { 'openclaw.ai/token-sync-mode': 'sync' } }
  const sync = (await server.post(review(syncPod))).json()
  const restart = mutatePod(structuredClone(syncPod), engineSettings()).decision.warnings
  t.equal(restart.length, 1, 'the engine gives a sync-mode pod one warning')
  t.same(sync.response.warnings, restart, "in sync mode, the engine's container-restart warning comes back")
  const pod = chartPod()
  pod.spec!.containers[0]!.env!.push({ name: 'OPENCLAW_GATEWAY_TOKEN', value: 'literal-token-for-warning-test' })
  pod.spec!.containers[0]!.envFrom!.push({ secretRef: { name: 'second-secret' } })
  const expected = mutatePod(structuredClone(pod), engineSettings())
  t.ok(expected.decision.warnings.length >= 2, 'the engine warns about the literal token and the envFrom Secrets')
  const answer = (await server.post(review(pod))).json()
  t.same(answer.response.warnings, expected.decision.warnings.map((w) => (w.length > 120 ? w.slice(0, 117).trimEnd() + '...' : w)))
  t.notMatch(JSON.stringify(answer.response.warnings), 'literal-token-for-warning-test')
})

t.test('a query string (the API server adds ?timeout=10s) is fine', async (t) => {
  const res = await server.post(review(chartPod(), { uid: 'q' }), { path: '/mutate?timeout=10s' })
  t.equal(res.status, 200)
  t.equal(res.json().response.uid, 'q')
})

t.test('content type with parameters is accepted', async (t) => {
  const res = await server.post(review(chartPod(), { uid: 'cs' }), { headers: { 'content-type': 'application/json; charset=utf-8' } })
  t.equal(res.status, 200)
})
