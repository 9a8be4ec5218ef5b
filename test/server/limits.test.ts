// What one client can make the admission listener do: bodies nested deeper than a review
// are refused before they are parsed, large bodies read at once are capped (429 with
// Retry-After), durations come from the webhook's own clock, and the connection timeouts
// and cap are set on the real server. Idle connections: test/server/idle-connections.test.ts;
// memory under hostile load with the real binary: test/server/hostile-load.test.ts.
import t from 'tap'
import tls from 'node:tls'
import { chartPod } from '../helpers/pods.ts'
import { mutatePod } from '../../src/engine/index.ts'
import { LIMITS, jsonShapeBeyond } from '../../src/server/app.ts'
import { review } from './helpers/reviews.ts'
import { startTestServer, type TestServer } from './helpers/server.ts'

t.test('a body nested deeper than a review can be is refused, with one line, before it is parsed', async (t) => {
  const server = await startTestServer(t)
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n)
  for (const [what, body] of [
    ['65 nested arrays', deep(LIMITS.maxJsonDepth + 1)],
    ['4 MiB of nested arrays', deep(2 * 1024 * 1024 - 8)],
    ['nested objects inside a review', JSON.stringify(review(chartPod())).replace('"metadata":{', `"metadata":{"x":${'{"a":'.repeat(70)}1${'}'.repeat(70)},`)],
  ] as const) {
    const res = await server.post(body)
    t.equal(res.status, 400, `${what}: 400`)
    t.equal(res.json().message, `request body is nested deeper than ${LIMITS.maxJsonDepth} levels; an AdmissionReview is not`, `${what}: says why, in one line`)
  }
  const brackets = chartPod()
  brackets.metadata!.annotations = { 'example.com/brackets': '['.repeat(5000) + '{'.repeat(5000) + '\\"[' }
  t.equal((await server.post(review(brackets))).status, 200, 'brackets inside strings do not count')
  t.equal((await server.post(deep(LIMITS.maxJsonDepth))).status, 400, 'exactly the limit is parsed (and then is no review)')
  t.match((await server.post(deep(LIMITS.maxJsonDepth))).json().message, /not an AdmissionReview/)
  t.match(server.logs.text(), /nested deeper than 64 levels/, 'the refusal is logged')
})

t.test('a body with more objects and arrays than a review can have is refused before it is parsed', async (t) => {
  const server = await startTestServer(t)
  const res = await server.post('[' + '{},'.repeat(LIMITS.maxJsonContainers) + '{}]')
  t.equal(res.status, 400)
  t.equal(res.json().message, `request body has more than ${LIMITS.maxJsonContainers} objects and arrays; an AdmissionReview has far fewer`)
  const wide = chartPod()
  wide.spec!.containers[0]!.env = Array.from({ length: 20_000 }, (_, i) => ({ name: `E${i}`, value: '' }))
  t.equal((await server.post(review(wide))).status, 200, 'a pod with 20,000 env entries is still a review')
})

t.test('jsonShapeBeyond counts brackets outside strings only', async (t) => {
  const over = (text: string, depth: number, containers = 1000) => jsonShapeBeyond(Buffer.from(text), depth, containers)
  t.equal(over('[[1]]', 2), undefined)
  t.equal(over('[[[1]]]', 2), 'depth')
  t.equal(over('{"a":{"b":[1]}}', 3), undefined)
  t.equal(over('{"a":{"b":[1]}}', 2), 'depth')
  t.equal(over('["[[[[", "\\"[[[[", {"\\\\":"]]]["}]', 2), undefined, 'escaped quotes and backslashes')
  t.equal(over('[1],[2],[3]', 1), undefined, 'siblings are not nested')
  t.equal(over('[[],[],[]]', 2, 4), undefined, 'four containers')
  t.equal(over('[[],[],[],[]]', 2, 4), 'containers', 'five')
})

/** A TLS connection that has sent the headers of a POST of `bytes` and a first chunk of the body, and holds. */
function holdLargeBody(server: TestServer, bytes: number): Promise<tls.TLSSocket> {
  const { hostname, port } = new URL(server.running.url)
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: hostname, port: Number(port), ca: server.ca.cert, servername: 'localhost' }, () => {
      socket.write(`POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${bytes}\r\n\r\n{"kind":`, () => resolve(socket))
    })
    socket.on('error', reject)
  })
}

t.test('large bodies read at once are capped: 429 with Retry-After; ordinary reviews are not held up', async (t) => {
  const server = await startTestServer(t)
  const full = server.settings.server.bodyLimit
  const held = await Promise.all(Array.from({ length: LIMITS.fullBodiesInFlight }, () => holdLargeBody(server, full)))
  // The server has read the headers of all of them once a request after them is answered.
  t.equal((await server.post(review(chartPod()))).status, 200, 'an ordinary review is answered while the budget is spent')
  const big = JSON.stringify(review({ ...chartPod(), pad: 'x'.repeat(LIMITS.unreservedBodyBytes + 1) }))
  const refused = await server.post(big)
  t.equal(refused.status, 429, 'one more large body: 429')
  t.equal(refused.headers['retry-after'], String(LIMITS.retryAfterSeconds), 'with Retry-After')
  t.match(refused.json().message, /^too many large request bodies being read at once; retry after 1 s$/)
  t.match((await server.ops('/metrics')).text, /^openclaw_injector_rejected_requests_total\{status="429"\} 1$/m, 'counted as a refusal')
  const closed = held.map((s) => new Promise((resolve) => s.once('close', resolve)))
  for (const socket of held) socket.destroy()
  await Promise.all(closed)
  // The reservations go when their connections go.
  let status = 0
  for (let i = 0; i < 50 && status !== 200; i++) {
    status = (await server.post(big)).status
    if (status !== 200) await new Promise((r) => setTimeout(r, 20))
  }
  t.equal(status, 200, 'once they are gone, a large review is read again')
})

t.test('durations come from the webhook clock, from the start of the request', async (t) => {
  const SLOW_MS = 300
  const server = await startTestServer(t, {
    mutate: (pod, settings) => {
      const until = performance.now() + SLOW_MS
      while (performance.now() < until);
      return mutatePod(pod, settings)
    },
  })
  t.equal((await server.post(review(chartPod(), { uid: 'slow-1' }))).status, 200)
  const line = server.logs.records().find((r) => r.uid === 'slow-1')!
  t.ok((line.durationMs as number) >= SLOW_MS, `the log line says ${line.durationMs} ms, at least the ${SLOW_MS} ms the review took`)
  t.ok((line.durationMs as number) < SLOW_MS + 5_000, 'and not absurdly more')
  const m = (await server.ops('/metrics')).text
  const sum = Number(/^openclaw_injector_admission_duration_seconds_sum\{decision="inject"\} (\S+)$/m.exec(m)?.[1])
  t.ok(sum >= SLOW_MS / 1000, `the histogram's sum is ${sum} s`)
  t.match(m, /^openclaw_injector_admission_duration_seconds_bucket\{le="0\.25",decision="inject"\} 0$/m, 'not in the buckets below 300 ms')
  t.match(m, /^openclaw_injector_admission_duration_seconds_bucket\{le="1",decision="inject"\} 1$/m, 'but in the one above')
})

t.test('the admission listener carries the timeouts and the connection cap', async (t) => {
  const server = await startTestServer(t)
  const http = server.running.app.server
  t.equal(http.headersTimeout, LIMITS.headersTimeoutMs, 'headers timeout')
  t.equal(http.requestTimeout, LIMITS.requestTimeoutMs, 'request timeout')
  t.equal(http.keepAliveTimeout, LIMITS.keepAliveTimeoutMs, 'keep-alive timeout')
  t.equal(http.timeout, LIMITS.idleTimeoutMs, 'idle (socket) timeout')
  t.equal(http.maxConnections, LIMITS.maxConnections, 'connection cap')
  t.ok(LIMITS.idleTimeoutMs <= 60_000 && LIMITS.keepAliveTimeoutMs <= 60_000, 'idle connections close within 60 s')
  t.ok(LIMITS.requestTimeoutMs <= 30_000, 'no request outlives the longest the API server waits (30 s)')
})
