// A bug in the engine must never block a pod: an exception for a well-formed review is
// answered allowed, with no patch and a warning, logged once and counted.
import t from 'tap'
import { ENGINE_ERROR_WARNING } from '../../src/server/handler.ts'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'
import { startTestServer } from './helpers/server.ts'

const TOKEN = 'tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0'

t.test('an engine exception: allowed, no patch, a warning, a log line, a metric', async (t) => {
  let calls = 0
  const server = await startTestServer(t, {
    mutate: (pod) => {
      calls++
      // An engine bug that puts a pod value in its message must not carry it to the log.
      const value = pod.spec?.containers[0]?.env?.[1]?.value
      throw new TypeError(`cannot read properties of ${value}`)
    },
  })
  const pod = chartPod()
  pod.spec!.containers[0]!.env!.push({ name: 'OPENCLAW_GATEWAY_TOKEN', value: TOKEN })
  for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
    const res = await server.post(review(pod, { uid: `boom-${apiVersion}`, apiVersion }))
    t.equal(res.status, 200, 'never a 500')
    t.same(res.json(), { apiVersion, kind: 'AdmissionReview', response: { uid: `boom-${apiVersion}`, allowed: true, warnings: [ENGINE_ERROR_WARNING] } })
  }
  t.equal(calls, 2)
  t.ok(ENGINE_ERROR_WARNING.length <= 120)

  const errors = server.logs.records().filter((r) => r.level === 50)
  t.equal(errors.length, 2, 'one error line per failed admission')
  const line = errors[0]!
  t.equal(line.decision, 'error')
  t.equal(line.uid, 'boom-admission.k8s.io/v1')
  t.match(line.error, { type: 'TypeError', message: /cannot read properties of \[redacted\]/ })
  t.match((line.error as { stack: string }).stack, /engine-errors\.test\.ts/, 'the stack is logged')
  t.notMatch(server.logs.text(), TOKEN, 'the token is not in the log')
  t.equal(server.logs.records().filter((r) => r.msg === 'admission').length, 0, 'no second line for the same admission')

  const metrics = (await server.ops('/metrics')).text
  t.match(metrics, /^openclaw_injector_engine_errors_total 2$/m)
  t.match(metrics, /openclaw_injector_admissions_total\{operation="CREATE",decision="error",reason="engine-exception",dry_run="false"\} 2/)
})

t.test('a malformed engine result is treated as an exception', async (t) => {
  const server = await startTestServer(t, { mutate: () => ({}) as never })
  const res = await server.post(review(chartPod(), { uid: 'odd' }))
  t.equal(res.status, 200)
  t.same(res.json().response, { uid: 'odd', allowed: true, warnings: [ENGINE_ERROR_WARNING] })
})

t.test('a patch that cannot be serialised is treated as an exception', async (t) => {
  const server = await startTestServer(t, {
    mutate: (pod) => ({ decision: { action: 'inject', code: 'injected', reasons: [], warnings: [] }, pod, patch: [{ op: 'add', path: '/x', value: 10n as never }] }),
  })
  const res = await server.post(review(chartPod(), { uid: 'bigint' }))
  t.equal(res.status, 200)
  t.same(res.json().response.warnings, [ENGINE_ERROR_WARNING])
})

t.test('a stack overflow inside the engine is caught too', async (t) => {
  const server = await startTestServer(t, {
    mutate: () => {
      const recurse = (n: number): number => recurse(n + 1) + 1
      return recurse(0) as never
    },
  })
  const res = await server.post(review(chartPod(), { uid: 'deep' }))
  t.equal(res.status, 200)
  t.same(res.json().response.warnings, [ENGINE_ERROR_WARNING])
  t.equal((await server.ops('/healthz')).status, 200)
})
