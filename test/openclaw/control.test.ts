// Control runs: the chart's pod WITHOUT openclaw-injector's init container. They must fail the
// checks the injected pod passes, or the tier could not tell a working sync from a broken one.
// They also pin OpenClaw's token precedence (../shared/openclaw-facts.md): when a release
// changes it, this file fails first.
import t from 'tap'
import { installOpenClaw } from './helpers/openclaw.ts'
import { gateway, prepare, refused, runChecks, scenarioById as scenario } from './helpers/scenarios.ts'

t.setTimeout(15 * 60_000)
t.before(() => {
  installOpenClaw()
})

t.test('control: stale plaintext auth.token and remote.token, no init container', async (t) => {
  const p = await prepare(t, scenario('stale-plaintext'), undefined, { inject: false })
  const gw = await gateway(t, p)
  if (!gw) return
  const r = await runChecks(p, gw, { fileAlone: false })
  t.ok(r.current.code !== 0 || !refused(r.old), 'check 2 or check 3 fails without the init container')
  t.ok(refused(r.current), 'the gateway refuses the rotated token: a plaintext gateway.auth.token beats OPENCLAW_GATEWAY_TOKEN')
  t.equal(r.old.code, 0, 'the gateway accepts the stale token from the file')
  t.equal(r.health.code, 0, 'health inside the pod still passes (the CLI presents the same stale token), so health alone cannot see it')
  await gw.stop()
})

t.test('control: only remote.token stale, no init container', async (t) => {
  const p = await prepare(t, scenario('remote-only-stale'), undefined, { inject: false })
  const gw = await gateway(t, p)
  if (!gw) return
  const r = await runChecks(p, gw, { fileAlone: true })
  t.equal(r.current.code, 0, 'the gateway takes OPENCLAW_GATEWAY_TOKEN when gateway.auth.token is unset')
  t.ok(refused(r.old), 'the gateway does not fall back to gateway.remote.token while the env token is set')
  t.ok(r.fileAlone && refused(r.fileAlone), 'a CLI reading only the file presents the stale gateway.remote.token and is refused (check 1b fails)')
  await gw.stop()
})
