// Everything that is not a well-formed AdmissionReview: the status codes and the
// one-line reasons, and that nothing of the body is echoed back.
import t, { type Test } from 'tap'
import tls from 'node:tls'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'
import { startTestServer } from './helpers/server.ts'

const BODY_LIMIT = 64 * 1024
const server = await startTestServer(t, { server: { bodyLimit: BODY_LIMIT } })

function expectRefusal(t: Test, res: { status: number; text: string; json(): any }, status: number, reason: RegExp) {
  t.equal(res.status, status, `status ${status}`)
  const body = res.json()
  t.equal(body.statusCode, status)
  t.match(body.message, reason)
  t.notMatch(body.message, /\n/, 'one line')
}

t.test('415 for any content type but application/json', async (t) => {
  const body = JSON.stringify(review(chartPod()))
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'application/yaml', 'application/json-patch+json', 'multipart/form-data; boundary=x', '*/*', 'garbage']) {
    expectRefusal(t, await server.post(body, { headers: { 'content-type': type } }), 415, /content type must be application\/json/)
  }
  // no content type at all
  const res = await server.request({ method: 'POST', path: '/mutate', headers: { 'content-length': Buffer.byteLength(body) }, body })
  expectRefusal(t, res, 415, /content type must be application\/json/)
})

t.test('413 for a body over the limit, declared or chunked', async (t) => {
  const big = JSON.stringify(review({ ...chartPod(), metadata: { annotations: { big: 'x'.repeat(BODY_LIMIT) } } }))
  expectRefusal(t, await server.post(big), 413, new RegExp(`larger than the limit of ${BODY_LIMIT} bytes`))
  const chunked = await server.request({ method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, body: big })
  expectRefusal(t, chunked, 413, /larger than the limit/)
  // and just under the limit is fine
  const pod = chartPod()
  const base = JSON.stringify(review({ ...pod, metadata: { ...pod.metadata, annotations: { pad: '' } } })).length
  const fits = review({ ...pod, metadata: { ...pod.metadata, annotations: { pad: 'x'.repeat(BODY_LIMIT - base - 100) } } })
  t.equal((await server.post(fits)).status, 200, 'a body just under the limit is served')
})

t.test('400 for bodies that are not JSON, never quoting them', async (t) => {
  const secret = 'sk-live-0123456789abcdef'
  for (const body of ['{', `{"apiVersion": "${secret}`, 'not json', '{"a":1}}', `[${secret}]`, '\u0000', '{"a": NaN}']) {
    const res = await server.post(body)
    expectRefusal(t, res, 400, /^request body is not valid JSON$/)
    t.notMatch(res.text, secret)
  }
  expectRefusal(t, await server.post(''), 400, /request body is empty/)
})

t.test('400 for prototype-poisoning keys, which are never merged', async (t) => {
  const bodies = [
    '{"__proto__": {"polluted": true}, "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}',
    '{"request": {"object": {"metadata": {"__proto__": {"polluted": true}}}}}',
    '{"constructor": {"prototype": {"polluted": true}}}',
    JSON.stringify(review({ ...chartPod(), spec: { containers: [{ name: 'a', image: 'b', env: [] }] } })).replace('"env":[]', '"env":[], "__proto__": {"x": 1}'),
  ]
  for (const body of bodies) {
    expectRefusal(t, await server.post(body), 400, /forbidden __proto__ or constructor\.prototype key/)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
  // `constructor` as an ordinary key (without .prototype) is plain data
  const fine = review(chartPod())
  fine.request.object.metadata.labels.constructor = 'x'
  t.equal((await server.post(fine)).status, 200)
})

t.test('400 with a one-line reason for JSON that is not an AdmissionReview', async (t) => {
  const good = () => review(chartPod())
  const cases: Array<[string, unknown, RegExp]> = [
    ['an array', [], /expected a JSON object, got a list/],
    ['a number', 42, /expected a JSON object, got a number/],
    ['null', null, /expected a JSON object, got null/],
    ['a string', 'AdmissionReview', /expected a JSON object, got a string/],
    ['no kind', { ...good(), kind: undefined }, /kind is nothing/],
    ['another kind', { ...good(), kind: 'Pod' }, /kind is "Pod"/],
    ['unknown version', { ...good(), apiVersion: 'admission.k8s.io/v2' }, /unsupported AdmissionReview apiVersion "admission.k8s.io\/v2"/],
    ['no request', { ...good(), request: undefined }, /no request object/],
    ['request a list', { ...good(), request: [] }, /no request object \(got a list\)/],
    ['no uid', (() => { const r = good(); delete r.request.uid; return r })(), /request\.uid: expected a non-empty string, got nothing/],
    ['empty uid', (() => { const r = good(); r.request.uid = ''; return r })(), /request\.uid/],
    ['numeric uid', (() => { const r = good(); r.request.uid = 7; return r })(), /request\.uid: .* got a number/],
    ['huge uid', (() => { const r = good(); r.request.uid = 'u'.repeat(10_000); return r })(), /request\.uid: longer than/],
    ['no kind in request', (() => { const r = good(); delete r.request.kind; return r })(), /request\.kind/],
    ['kind.kind a number', (() => { const r = good(); r.request.kind.kind = 1; return r })(), /request\.kind\.kind: expected a string/],
    ['no operation', (() => { const r = good(); delete r.request.operation; return r })(), /request\.operation/],
    ['namespace an object', (() => { const r = good(); r.request.namespace = {}; return r })(), /request\.namespace: expected a string, got an object/],
    ['dryRun a string', (() => { const r = good(); r.request.dryRun = 'true'; return r })(), /request\.dryRun: expected a boolean/],
    ['object a string', (() => { const r = good(); r.request.object = 'pod'; return r })(), /request\.object: expected an object/],
    ['CREATE without object', (() => { const r = good(); delete r.request.object; return r })(), /a CREATE request must carry the object/],
  ]
  for (const [name, body, reason] of cases) {
    const res = await server.post(JSON.stringify(body))
    t.equal(res.status, 400, name)
    t.match(res.json().message, reason, name)
    t.notMatch(res.json().message, /\n/)
  }
})

t.test('404 for other paths and methods', async (t) => {
  const get = await server.request({ method: 'GET', path: '/mutate' })
  t.equal(get.status, 404)
  t.match(get.json().message, /serves POST \/mutate/)
  t.equal((await server.post(review(chartPod()), { path: '/validate' })).status, 404)
})

t.test('TLS below 1.2 is refused', async (t) => {
  const port = new URL(server.running.url).port
  const error = await new Promise<Error | undefined>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: server.ca.cert, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' }, () => {
      socket.end()
      resolve(undefined)
    })
    socket.on('error', resolve)
  })
  t.ok(error, `a TLS 1.1 handshake fails (${error?.message})`)
})

t.test('every refusal is counted and logged on one line without the body', async (t) => {
  const metrics = await (await server.ops('/metrics')).text
  t.match(metrics, /openclaw_injector_rejected_requests_total\{status="400"\} \d+/)
  t.match(metrics, /openclaw_injector_rejected_requests_total\{status="413"\} \d+/)
  t.match(metrics, /openclaw_injector_rejected_requests_total\{status="415"\} \d+/)
  const refused = server.logs.records().filter((r) => r.msg === 'request refused')
  t.ok(refused.length > 20)
  t.notMatch(server.logs.text(), /sk-live-0123456789abcdef/, 'no body in the log')
  t.notMatch(server.logs.text(), /polluted/, 'no body in the log')
})

t.test('the server is healthy after all that', async (t) => {
  t.equal((await server.ops('/healthz')).status, 200)
  t.equal((await server.post(review(chartPod()))).status, 200)
})
