// Claims of ../shared/openclaw-facts.md that the engine and the sync script build on, checked
// against the real release: where the config lives, and which credentials the gateway refuses
// at start (the sync script must never write those).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { CREDENTIAL_SURFACE_VERSION, SECRETREF_PATHS, STRING_ONLY_PATHS } from '../../src/engine/credential-surface.ts'
import { cleanEnv, GatewayStartError, installOpenClaw, openclaw, REPO, run, startGateway } from './helpers/openclaw.ts'
import { onTeardown, tempDir, type T } from './helpers/scenarios.ts'
import { SYNC_SCRIPT_FILE } from '../helpers/sync-script.ts'

t.setTimeout(15 * 60_000)
t.before(() => {
  installOpenClaw()
})

t.test('config path: OPENCLAW_CONFIG_PATH > $OPENCLAW_STATE_DIR/openclaw.json > (OPENCLAW_HOME or HOME)/.openclaw/openclaw.json', async (t) => {
  const oc = installOpenClaw()
  const dir = tempDir(t, 'paths')
  const cases: Array<[string, Record<string, string>, string]> = [
    ['OPENCLAW_CONFIG_PATH wins over OPENCLAW_STATE_DIR', { OPENCLAW_CONFIG_PATH: '/cfg/x.json', OPENCLAW_STATE_DIR: '/state', OPENCLAW_HOME: '/oh', HOME: '/h' }, '/cfg/x.json'],
    ['OPENCLAW_STATE_DIR wins over the homes', { OPENCLAW_STATE_DIR: '/state', OPENCLAW_HOME: '/oh', HOME: '/h' }, '/state/openclaw.json'],
    ['OPENCLAW_HOME wins over HOME', { OPENCLAW_HOME: '/oh', HOME: '/h' }, '/oh/.openclaw/openclaw.json'],
    ['HOME last', { HOME: '/h' }, '/h/.openclaw/openclaw.json'],
    ['HOME=/ (a uid without a passwd entry) moves it to /.openclaw', { HOME: '/' }, '/.openclaw/openclaw.json'],
    ['~ in OPENCLAW_CONFIG_PATH is OPENCLAW_HOME', { OPENCLAW_CONFIG_PATH: '~/c.json', OPENCLAW_HOME: '/oh', HOME: '/h' }, '/oh/c.json'],
  ]
  const results = await Promise.all(cases.map(([, env]) => openclaw(oc, ['config', 'file'], { env: cleanEnv(oc, env), cwd: dir })))
  cases.forEach(([name, , want], i) => {
    const r = results[i]!
    t.equal(r.stdout.trim().split('\n').at(-1), want, name, { stderr: r.stderr.slice(-500) })
  })
})

async function refusedAtStart(t: T, label: string, config: object, env: Record<string, string>): Promise<string | undefined> {
  const oc = installOpenClaw()
  const dir = tempDir(t, label)
  const state = path.join(dir, 'state')
  mkdirSync(state, { recursive: true })
  writeFileSync(path.join(state, 'openclaw.json'), JSON.stringify({ ...config, models: { catalogRefresh: { enabled: false } } }))
  const home = path.join(dir, 'home')
  mkdirSync(home, { recursive: true })
  try {
    const gw = await startGateway(oc, { env: cleanEnv(oc, { HOME: home, OPENCLAW_STATE_DIR: state, OPENCLAW_CONFIG_PATH: path.join(state, 'openclaw.json'), ...env }), cwd: dir, logFile: path.join(dir, 'gateway.log'), readyTimeoutMs: 180_000 })
    onTeardown(dir, () => gw.stop())
    await gw.stop()
    return undefined
  } catch (error) {
    if (!(error instanceof GatewayStartError)) throw error
    return error.log
  }
}
t.test('the gateway refuses to start on a placeholder token', async (t) => {
  // One start: the env token, which the gateway uses when the file has none.
  const log = await refusedAtStart(t, 'placeholder', { gateway: { mode: 'local', auth: { mode: 'token' } } }, { OPENCLAW_GATEWAY_TOKEN: 'change-me-now' })
  t.ok(log !== undefined, 'gateway with OPENCLAW_GATEWAY_TOKEN=change-me-now does not get ready')
  t.match(log ?? '', /blank, a published example placeholder, or the literal string undefined\/null/, 'and says why')
})

t.test('the gateway refuses to start with auth.token and auth.password but no auth.mode', async (t) => {
  const log = await refusedAtStart(t, 'token-and-password', { gateway: { mode: 'local', auth: { token: 'a'.repeat(32), password: 'b'.repeat(32) } } }, {})
  t.ok(log !== undefined, 'gateway does not get ready')
  t.match(log ?? '', /gateway\.auth\.mode is unset/, 'and says why')
})

/** The config as the real sync script leaves it after one run with `env`. */
async function syncedConfig(t: T, config: object, env: Record<string, string>): Promise<object> {
  const oc = installOpenClaw()
  const dir = tempDir(t, 'synced')
  const file = path.join(dir, 'openclaw.json')
  writeFileSync(file, JSON.stringify(config))
  const script = readFileSync(SYNC_SCRIPT_FILE, 'utf8')
  const r = await run(oc.node, ['-e', script], { env: cleanEnv(oc, { OPENCLAW_CONFIG_PATH: file, ...env }), cwd: dir })
  t.equal(r.code, 0, `sync script: ${r.stderr}`)
  return JSON.parse(readFileSync(file, 'utf8')) as object
}

// The rule the sync script keeps for each gateway.auth.mode (src/sync/plan.mjs), checked
// by starting the real gateway on the file the script wrote: it must start in every mode.
t.test('auth modes: the gateway starts on what the sync script writes', async (t) => {
  const secret = () => randomBytes(24).toString('hex')
  const trusted = { trustedProxy: { userHeader: 'x-forwarded-user' } }
  const modes: Array<{ mode: string; auth: object; env: Record<string, string>; token: boolean }> = [
    { mode: 'token', auth: {}, env: { OPENCLAW_GATEWAY_TOKEN: secret() }, token: true },
    { mode: 'password', auth: {}, env: { OPENCLAW_GATEWAY_TOKEN: secret(), OPENCLAW_GATEWAY_PASSWORD: secret() }, token: true },
    { mode: 'none', auth: {}, env: { OPENCLAW_GATEWAY_TOKEN: secret() }, token: true },
    { mode: 'trusted-proxy', auth: trusted, env: { OPENCLAW_GATEWAY_TOKEN: secret(), OPENCLAW_GATEWAY_PASSWORD: secret() }, token: false },
  ]
  for (const m of modes) {
    const config = { gateway: { mode: 'local', trustedProxies: ['127.0.0.1'], auth: { mode: m.mode, ...m.auth } } }
    const synced = (await syncedConfig(t, config, m.env)) as { gateway: { auth: Record<string, unknown> } }
    t.equal(synced.gateway.auth.token !== undefined, m.token, `${m.mode}: token ${m.token ? 'written' : 'not written'}`)
    const log = await refusedAtStart(t, `mode-${m.mode}`, synced, {})
    t.equal(log, undefined, `${m.mode}: the gateway starts`, { log: log?.slice(-800) })
  }
  // The control: the token the script leaves out is what stops a trusted-proxy gateway.
  const withToken = { gateway: { mode: 'local', trustedProxies: ['127.0.0.1'], auth: { mode: 'trusted-proxy', ...trusted, token: secret() } } }
  const log = await refusedAtStart(t, 'trusted-proxy-token', withToken, {})
  t.match(log ?? '', /mutually exclusive/, 'trusted-proxy with a token: refused at start')
})

/** The `- \`path\`` entries of a docs page between its `[//]: # "NAME-start"` and `-end` markers. */
function listBetween(page: string, name: string): string[] {
  const start = page.indexOf(`"${name}-start"`)
  const end = page.indexOf(`"${name}-end"`)
  if (start === -1 || end === -1) return []
  return [...page.slice(start, end).matchAll(/^- `([^`]+)`/gm)].map((m) => m[1]!)
}

// src/engine/credential-surface.ts is the pinned release's page as data: it must say what the page says.
t.test('the engine\'s credential surface is the pinned release\'s reference/secretref-credential-surface.md', async (t) => {
  const oc = installOpenClaw()
  const page = readFileSync(path.join(oc.packageDir, 'docs', 'reference', 'secretref-credential-surface.md'), 'utf8')
  t.equal(CREDENTIAL_SURFACE_VERSION, oc.version, 'taken from the release the tier runs')
  const supported = listBetween(page, 'secretref-supported-list').filter((p) => !p.startsWith('profiles.'))
  t.ok(supported.length > 100, `the page lists ${supported.length} openclaw.json paths that take a SecretRef`)
  t.same([...SECRETREF_PATHS].sort(), supported.sort(), 'the same SecretRef paths')
  const unsupported = listBetween(page, 'secretref-unsupported-list')
  for (const p of STRING_ONLY_PATHS) t.ok(unsupported.includes(p), `${p} is on the page's unsupported list: a \${VAR} string, not a SecretRef`)
})

// The sync script does not create a parent section the config lacks (applyConfigCredentials in
// src/sync/plan.mjs): the release takes such a section for a configured, enabled channel.
t.test('a channels.telegram holding only a botToken is a configured, enabled Telegram account; the script creates none', async (t) => {
  const oc = installOpenClaw()
  const dir = tempDir(t, 'channel-section')
  const file = path.join(dir, 'openclaw.json')
  const name = 'OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN'
  const env = cleanEnv(oc, { HOME: dir, OPENCLAW_CONFIG_PATH: file, [name]: `123456:${randomBytes(16).toString('hex')}` })
  // `channels list` reads the config and plugin metadata only (docs/cli/channels.md); the Telegram
  // plugin must be loadable for it to see the account.
  delete env.OPENCLAW_DISABLE_BUNDLED_PLUGINS
  delete env.OPENCLAW_SKIP_CHANNELS
  const channels = async (config: object) => {
    writeFileSync(file, JSON.stringify(config))
    return openclaw(oc, ['channels', 'list'], { env, cwd: dir })
  }
  const only = await channels({ gateway: { mode: 'local' }, channels: { telegram: { botToken: { source: 'env', provider: 'default', id: name } } } })
  t.match(only.stdout, /Telegram default: .*configured, enabled/, 'the section alone configures and enables Telegram', { output: only.stdout + only.stderr })
  const synced = await syncedConfig(t, { gateway: { mode: 'local' } }, { HOME: dir, OPENCLAW_INJECTOR_MODE: 'ref', OPENCLAW_INJECTOR_CREDENTIALS: `ref channels.telegram.botToken ${name}`, [name]: env[name]! })
  t.same(synced, { gateway: { mode: 'local' } }, 'the script leaves a config without channels.telegram as it is')
  const none = await channels(synced)
  t.match(none.stdout, /no configured chat channels/, 'so no channel starts that the config did not have', { output: none.stdout + none.stderr })
})
