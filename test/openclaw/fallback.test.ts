// Mode auto on a release older than 2026.3.7, the first whose gateway takes an env SecretRef at
// gateway.auth.token: the script must read the version, fall back to sync and say so, and the
// gateway must start and take the rotated token. The control shows why: on that release, what
// ref writes does not work.
import t from 'tap'
import path from 'node:path'
import { cleanEnv, GatewayStartError, installOpenClaw, OPENCLAW_BEFORE_REFS, startGateway } from './helpers/openclaw.ts'
import { gateway, onTeardown, prepare, readVolumeConfig, refused, runChecks, scenarioById, type Scenario } from './helpers/scenarios.ts'

t.setTimeout(15 * 60_000)
t.before(() => {
  installOpenClaw(OPENCLAW_BEFORE_REFS)
})

// The stale plaintext scenario without the pinned release's models.catalogRefresh, which this
// release does not know ("Unrecognized key") and refuses at start.
const STALE: Scenario = {
  ...scenarioById('stale-plaintext'),
  id: 'stale-plaintext-old-release',
  volume: (c) => ({ text: `${JSON.stringify({ gateway: { port: 18789, mode: 'local', auth: { mode: 'token', token: c.old }, remote: { token: c.old } } }, null, 2)}\n`, mode: 0o600 }),
}

t.test(`auto on openclaw ${OPENCLAW_BEFORE_REFS}: sync, and the gateway takes the rotated token`, async (t) => {
  const p = await prepare(t, STALE, 'auto', { inject: true, version: OPENCLAW_BEFORE_REFS })
  if (p.init?.code !== 0) return
  t.match(p.init.stdout, new RegExp(`mode auto: sync: OpenClaw ${OPENCLAW_BEFORE_REFS.replace(/\./g, '\\.')} in `), 'the script read the version and says why it chose sync')
  const after = readVolumeConfig(p)
  t.ok(after?.text.includes(p.creds.current) && !after.text.includes('"source"'), 'the file holds the current token as plaintext, no SecretRef')
  const gw = await gateway(t, p)
  if (!gw) return
  // Checks 2 and 3 only: this release's `gateway health --port P` dials gateway.port from the
  // config (18789), not P, so check 1 cannot reach the test's gateway.
  const r = await runChecks(p, gw, { fileAlone: false })
  t.equal(r.current.code, 0, '2. a client presenting the rotated token is accepted')
  t.ok(refused(r.old), '3. a client presenting the old token is refused')
  await gw.stop()
})

t.test(`control: ref on openclaw ${OPENCLAW_BEFORE_REFS} does not work`, async (t) => {
  const p = await prepare(t, STALE, 'ref', { inject: true, version: OPENCLAW_BEFORE_REFS })
  if (p.init?.code !== 0) return
  const env = cleanEnv(p.oc, p.fs.containerEnv(p.gatewayContainer, p.secrets))
  let gw
  try {
    gw = await startGateway(p.oc, { env, cwd: path.join(p.fs.root, 'app'), logFile: path.join(p.dir, 'gateway.log') })
  } catch (error) {
    if (!(error instanceof GatewayStartError)) throw error
    t.match(error.log, /gateway\.auth\.token: Invalid input: expected string, received object/, 'the gateway refuses to start: it takes no SecretRef at gateway.auth.token')
    return
  }
  onTeardown(p.dir, () => gw.stop())
  const r = await runChecks(p, gw, { fileAlone: false })
  t.ok(refused(r.current), 'the gateway started but refuses the rotated token: it does not resolve the SecretRef', { exit: r.current.code })
  await gw.stop()
})
