// The log: JSON, one line per admission with who, what and why, and never a value a
// pod carries. Pods with literal tokens in every place a pod can hold one go through
// every path of the server (inject, skip, refusal, engine error); then the whole log
// is searched for them.
import t from 'tap'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'
import { captureLogs, startTestServer } from './helpers/server.ts'
import { createLogger } from '../../src/server/log.ts'
import { scrub, sensitiveLiterals } from '../../src/server/redact.ts'
import type { Pod } from '../../src/engine/types.ts'

const SECRETS = {
  envToken: 'oc_gw_7QmZp4Lk2Vt9Xr8Ns1Bw6Hd3Fy5Jc0Ea',
  envPassword: 'hunter2-correct-horse-battery',
  initEnv: 'ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8',
  annotation: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcGVuY2xhdyJ9.c2lnbmF0dXJl',
  tokenAnnotation: 'Tk_UPPER_and_lower_0123456789',
  tokenSyncAnnotation: 'sk-proj-9d8c7b6a5f4e3d2c1b0a',
  argToken: 'a3f1c9e27b4d6058e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8',
  argPassword: 'Pa55w0rd!Pa55w0rd',
  commandToken: 'xoxb-123456789012-abcdefABCDEF',
  configPath: 'relative/with-a-token-Zx9Yw8Vu7',
}

function podWithSecrets(): Pod {
  const pod = chartPod()
  const main = pod.spec!.containers[0]!
  main.env!.push({ name: 'OPENCLAW_GATEWAY_TOKEN', value: SECRETS.envToken }, { name: 'OPENCLAW_GATEWAY_PASSWORD', value: SECRETS.envPassword })
  main.args = [...main.args!, `--token=${SECRETS.argToken}`, '--password', SECRETS.argPassword]
  pod.spec!.initContainers![0]!.env!.push({ name: 'GITHUB_TOKEN', value: SECRETS.initEnv })
  pod.spec!.initContainers![0]!.command = ['sh', '-c', `echo ${SECRETS.commandToken} > /tmp/t`]
  pod.metadata!.annotations = { 'example.com/api-key': SECRETS.annotation }
  return pod
}

const server = await startTestServer(t)

t.test('each admission is one JSON line with uid, namespace, name, decision, reasons and duration', async (t) => {
  const before = server.logs.lines.length
  await server.post(review(chartPod(), { uid: 'line-1' }))
  const lines = server.logs.lines.slice(before)
  t.equal(lines.length, 1, 'exactly one line')
  const line = JSON.parse(lines[0]!)
  t.match(line, {
    level: 30,
    msg: 'admission',
    uid: 'line-1',
    namespace: 'agents',
    name: 'openclaw-6d4f9c7b8-',
    operation: 'CREATE',
    kind: 'Pod',
    dryRun: false,
    decision: 'inject',
    patchOperations: Number,
    durationMs: Number,
  })
  t.ok(Array.isArray(line.reasons) && line.reasons.length > 0, 'reasons')
  t.notMatch(lines[0], /\[redacted\]/, 'the chart pod has nothing that needs hiding')
  t.notOk('req' in line || 'res' in line, 'no request or response dump')

  const named = chartPod()
  named.metadata!.name = 'openclaw-0'
  await server.post(review(named, { uid: 'line-2', operation: 'UPDATE' }))
  const second = server.logs.records().at(-1)!
  t.match(second, { uid: 'line-2', name: 'openclaw-0', decision: 'ignore', operation: 'UPDATE' })
})

t.test('no literal value of a pod reaches the log, whatever path the request takes', async (t) => {
  const pod = podWithSecrets()
  // inject
  t.equal((await server.post(review(pod))).json().response.allowed, true)
  // skip: a bad Secret reference in our annotation, which the engine quotes in its reason
  const badRef = podWithSecrets()
  badRef.metadata!.annotations!['openclaw.ai/gateway-token-secret'] = SECRETS.tokenAnnotation
  t.equal((await server.post(review(badRef))).json().response.allowed, true)
  // a warning that quotes an annotation value
  const badOpt = podWithSecrets()
  badOpt.metadata!.annotations!['openclaw.ai/token-sync'] = SECRETS.tokenSyncAnnotation
  await server.post(review(badOpt))
  // a relative config path (the engine passes path variables on by reference, never quoting them)
  const badPath = podWithSecrets()
  badPath.spec!.containers[0]!.env!.push({ name: 'OPENCLAW_CONFIG_PATH', value: SECRETS.configPath })
  await server.post(review(badPath))
  // dry run, UPDATE, DELETE, another kind
  await server.post(review(pod, { dryRun: true }))
  await server.post(review(pod, { operation: 'UPDATE' }))
  await server.post(review(pod, { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } }))
  // refusals: not JSON, not a review, wrong content type, too big, poisoned
  const text = JSON.stringify(review(pod))
  await server.post(text.slice(0, -10))
  await server.post(JSON.stringify({ ...review(pod), kind: 'Nope' }))
  await server.post(JSON.stringify({ ...review(pod), apiVersion: SECRETS.envToken }))
  await server.post(text, { headers: { 'content-type': 'text/plain' } })
  await server.post(text.replace('"metadata":{', '"metadata":{"__proto__":{},'))
  await server.post(JSON.stringify(review({ ...pod, pad: 'x'.repeat(5 * 1024 * 1024) })))
  // a namespace and a uid are logged, so they are not where secrets go; everything else is

  const log = server.logs.text()
  for (const [where, secret] of Object.entries(SECRETS)) t.notOk(log.includes(secret), `${where} is not in the log`)
  // and not in any recognisable part either
  t.notMatch(log, /7QmZp4Lk2Vt9Xr8Ns1Bw6Hd3Fy5Jc0Ea|hunter2|Pa55w0rd/)
  const reasons = server.logs.records().flatMap((r) => (Array.isArray(r.reasons) ? (r.reasons as string[]) : []))
  t.ok(reasons.some((r) => r.includes('[redacted]')), 'a reason that quoted a value was redacted, not dropped')
})

t.test('sensitiveLiterals and scrub', async (t) => {
  const literals = sensitiveLiterals(podWithSecrets())
  for (const secret of [SECRETS.envToken, SECRETS.argToken, SECRETS.argPassword, SECRETS.annotation, SECRETS.initEnv, SECRETS.commandToken]) {
    t.ok(literals.includes(secret), `${secret.slice(0, 6)}… is collected`)
  }
  t.notOk(literals.includes('gateway'), 'plain short words are not')
  t.notOk(literals.includes('/home/node/.openclaw'), 'absolute paths are not')
  t.equal(scrub(`token ${SECRETS.argToken} and --token=${SECRETS.argToken}`, literals), 'token [redacted] and [redacted]')
  const ours = chartPod()
  ours.metadata!.annotations = { 'openclaw.ai/gateway-token-secret': 'my-token-secret/key', 'openclaw.ai/token-sync': 'enabled' }
  t.same(sensitiveLiterals(ours).filter((l) => l.includes('my-token-secret')), [], 'names in our annotations are not hidden')
  t.same(sensitiveLiterals({ spec: 'x', metadata: [] }), [], 'odd shapes give nothing')
  const deep: Record<string, unknown> = {}
  let cursor = deep
  for (let i = 0; i < 100_000; i++) cursor = (cursor.a = {}) as Record<string, unknown>
  t.same(sensitiveLiterals({ metadata: { annotations: deep }, spec: { containers: [deep] } }), [], 'deep nesting is not walked')
})

t.test('the log level setting is honoured', async (t) => {
  const quiet = await startTestServer(t, { server: { logLevel: 'warn' } })
  await quiet.post(review(chartPod()))
  t.equal(quiet.logs.records().filter((r) => r.msg === 'admission').length, 0)
})

t.test("pino's lines: the shape the webhook always wrote, and credential-named fields redacted", async (t) => {
  const lines = captureLogs()
  const log = createLogger({ level: 'info', stream: lines })
  log.info(
    {
      token: SECRETS.envToken,
      req: { headers: { authorization: `Bearer ${SECRETS.initEnv}`, cookie: SECRETS.envPassword, 'x-api-key': SECRETS.argToken } },
      password: SECRETS.argPassword,
      secretRef: { name: 'openclaw-gateway', key: 'token' },
      apiKey: SECRETS.commandToken,
    },
    'hello',
  )
  log.debug({ token: SECRETS.envToken }, 'below the level')
  t.equal(lines.lines.length, 1, 'one line; the debug line was dropped')
  const record = lines.records()[0]!
  t.same(Object.keys(record).slice(0, 4), ['level', 'time', 'pid', 'hostname'], 'level, time, pid, hostname first')
  t.equal(Object.keys(record).at(-1), 'msg', 'msg last')
  t.match(record, { level: 30, time: Number, pid: process.pid, msg: 'hello' })
  t.match(record, {
    token: '[redacted]',
    req: { headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]' } },
    password: '[redacted]',
    secretRef: { name: 'openclaw-gateway', key: 'token' },
    apiKey: '[redacted]',
  })
  for (const [where, secret] of Object.entries(SECRETS)) t.notOk(lines.text().includes(secret), `${where} is not in the line`)
})
