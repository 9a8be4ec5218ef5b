// The operations port: /healthz, /readyz, /metrics and what the metrics say.
import t from 'tap'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'
import { send, startTestServer } from './helpers/server.ts'

const server = await startTestServer(t)

t.test('healthz and readyz answer ok while serving', async (t) => {
  const health = await server.ops('/healthz')
  t.equal(health.status, 200)
  t.equal(health.text, 'ok\n')
  t.equal((await server.ops('/readyz')).status, 200)
  t.equal((await server.ops('/nope')).status, 404)
  const post = await send(`${server.running.opsUrl}/healthz`, { method: 'POST', headers: {} }, 'x')
  t.equal(post.status, 405)
  const head = await send(`${server.running.opsUrl}/readyz`, { method: 'HEAD', headers: {} })
  t.equal(head.status, 200)
  t.equal(head.text, '')
})

t.test('metrics: admissions by operation, decision, reason and dry run; latency; certificate; build', async (t) => {
  await server.post(review(chartPod()))
  await server.post(review(chartPod(), { dryRun: true }))
  const skipped = chartPod()
  skipped.metadata!.annotations = { 'openclaw.ai/token-sync': 'disabled' }
  await server.post(review(skipped))
  await server.post(review(chartPod(), { operation: 'DELETE' }))
  await server.post(review(chartPod(), { kind: { group: '', version: 'v1', kind: 'Secret' } }))
  await server.post('{')
  await server.post(review(chartPod(), { operation: 'MADE-UP-1' }))
  await server.post(review(chartPod(), { operation: 'MADE-UP-2' }))

  const res = await server.ops('/metrics')
  t.equal(res.status, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  const m = res.text
  t.match(m, /^openclaw_injector_admissions_total\{operation="CREATE",decision="inject",reason="injected",dry_run="false"\} 1$/m, 'one pod injected')
  t.match(m, /^openclaw_injector_admissions_total\{operation="CREATE",decision="inject",reason="injected",dry_run="true"\} 1$/m, 'and one dry run, counted apart')
  t.match(m, /^openclaw_injector_admissions_total\{operation="CREATE",decision="skip",reason="opted-out",dry_run="false"\} 1$/m)
  t.match(m, /^openclaw_injector_admissions_total\{operation="DELETE",decision="ignore",reason="not-create",dry_run="false"\} 1$/m)
  t.match(m, /^openclaw_injector_admissions_total\{operation="CREATE",decision="ignore",reason="not-a-pod",dry_run="false"\} 1$/m)
  t.match(m, /^openclaw_injector_admissions_total\{operation="other",decision="ignore",reason="not-create",dry_run="false"\} 2$/m, 'made-up operations do not make new series')
  t.notMatch(m, /MADE-UP/)
  t.match(m, /openclaw_injector_admission_duration_seconds_count\{decision="inject"\} 2/)
  t.match(m, /openclaw_injector_admission_duration_seconds_bucket\{le="0\.001",decision="inject"\} \d/)
  t.match(m, /^openclaw_injector_engine_errors_total 0$/m)
  t.match(m, /openclaw_injector_rejected_requests_total\{status="400"\} 1/)
  t.match(m, /openclaw_injector_build_info\{version="0\.0\.0-test",node_version="v\d+\.\d+\.\d+"\} 1/)
  const expiry = Number(/^openclaw_injector_certificate_expiry_timestamp_seconds (\d+)$/m.exec(m)?.[1])
  t.equal(expiry, Math.floor(server.running.tls.current.notAfter.getTime() / 1000), 'certificate expiry is the notAfter of the served certificate')
  t.ok(expiry * 1000 > Date.now(), 'in the future')
})

t.test('each server counts on its own, in the Prometheus text format', async (t) => {
  const other = await startTestServer(t)
  await other.post(review(chartPod()))
  const mine = (await server.ops('/metrics')).text
  const theirs = (await other.ops('/metrics')).text
  t.match(theirs, /openclaw_injector_admissions_total\{operation="CREATE",decision="inject",reason="injected",dry_run="false"\} 1$/m, 'the other server counted its one review')
  t.match(mine, /openclaw_injector_admissions_total\{operation="CREATE",decision="inject",reason="injected",dry_run="true"\} 1$/m, 'and this one still its own')
  // Text exposition format 0.0.4: HELP and TYPE once per family, before its samples; every
  // sample a name, optional labels with quoted values, and a number.
  const typed = new Map<string, string>()
  for (const line of theirs.trimEnd().split('\n')) {
    if (line === '') continue // the format ignores empty lines; prom-client puts one between families
    const comment = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$/.exec(line)
    if (comment !== null) {
      if (comment[1] === 'TYPE') {
        t.notOk(typed.has(comment[2]!), `${comment[2]} typed once`)
        typed.set(comment[2]!, comment[3]!)
      }
      continue
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line)
    if (sample === null) {
      t.fail(`not a valid exposition line: ${line}`)
      continue
    }
    const family = sample[1]!.replace(/_(bucket|sum|count)$/, '')
    t.ok(typed.has(sample[1]!) || typed.get(family) === 'histogram', `${sample[1]} comes after its TYPE`)
  }
  t.equal(typed.get('openclaw_injector_admission_duration_seconds'), 'histogram')
  t.equal(typed.get('openclaw_injector_admissions_total'), 'counter')
})
