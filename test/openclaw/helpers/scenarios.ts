// The tier's scenarios and the one procedure every scenario goes through:
// state volume as an earlier run left it -> the init container `inject` adds, run as the pod
// would run it -> the real gateway with the rotated Secret -> the real CLI's three checks.
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { V1Container } from '@kubernetes/client-node'
import type tap from 'tap'
import { cleanEnv, GatewayStartError, installOpenClaw, openclaw, startGateway, type Gateway, type OpenClaw, type RunResult } from './openclaw.ts'
import { chartPodWithCopyInit, IMAGE_HOME, inject, PodFs, type Injected, runNodeContainer, SEED_CONFIGMAP, staleBuild, STATE_MOUNT, TOKEN_SECRET, type Mode, type Secrets } from './pod.ts'

// A tap subtest (the last overload of t.test takes just the callback).
export type T = Parameters<Parameters<typeof tap.test>[0]>[0]

export type Kind = 'token' | 'password'

export interface Credentials {
  kind: Kind
  /** What the volume holds from before the rotation. */
  old: string
  /** The Secret's value now. */
  current: string
  env: 'OPENCLAW_GATEWAY_TOKEN' | 'OPENCLAW_GATEWAY_PASSWORD'
  /** Credentials other than the gateway's (annotation openclaw.ai/credentials): a Telegram bot token, a model provider key. */
  telegram: { old: string; current: string }
  openai: { old: string; current: string }
}

/** Fresh random values per run: never a fixed string, never in a test name or snapshot. */
export function newCredentials(kind: Kind = 'token'): Credentials {
  const value = () => randomBytes(24).toString('hex')
  const pair = () => ({ old: value(), current: value() })
  return { kind, old: value(), current: value(), env: kind === 'token' ? 'OPENCLAW_GATEWAY_TOKEN' : 'OPENCLAW_GATEWAY_PASSWORD', telegram: pair(), openai: pair() }
}

/** Every value of a run, old and current, for "is any of them on the volume / in the output". */
export function allSecrets(c: Credentials): string[] {
  return [c.current, c.old, c.telegram.current, c.telegram.old, c.openai.current, c.openai.old]
}

/** Keeps the gateway off the network: the hosted model catalog refresh has no env switch. */
export const QUIET_CONFIG = { catalogRefresh: { enabled: false } }

/**
 * The chart's default `config` (values.yaml, chart for image 2026.8.1) as its ConfigMap holds it,
 * less its two absolute paths (agents.defaults.workspace, session.store), which would point
 * outside the test's temp dir. 2026.9.6 migrates it at gateway start (agents.list, and
 * logging.consoleStyle "compact" / logging.redactSensitive, which it no longer accepts) and
 * rewrites the file: the seed scenario also shows the gateway's own write keeps what the init
 * container put there.
 */
export function chartSeed(): string {
  return JSON.stringify({
    gateway: { port: 18789, mode: 'local', controlUi: { allowedOrigins: ['*'] }, trustedProxies: ['10.0.0.1'] },
    browser: { enabled: false },
    agents: {
      defaults: { userTimezone: 'UTC', timeoutSeconds: 600, maxConcurrent: 1 },
      list: [{ id: 'main', default: true, identity: { name: 'OpenClaw', emoji: '\u{1F99E}' } }],
    },
    session: { scope: 'per-sender', reset: { mode: 'idle', idleMinutes: 60 } },
    logging: { level: 'info', consoleLevel: 'info', consoleStyle: 'compact', redactSensitive: 'tools' },
    tools: { profile: 'full', web: { search: { enabled: false }, fetch: { enabled: true } } },
    models: QUIET_CONFIG,
  })
}

/** A config as OpenClaw itself writes it (plain JSON, 2 spaces, meta), mode 0600; `models` merged with QUIET_CONFIG. */
function asOpenClawWrites(gateway: object, rest: { models?: object; [section: string]: unknown } = {}): string {
  const { models, ...others } = rest
  return JSON.stringify({ gateway: { port: 18789, mode: 'local', ...gateway }, ...others, models: { ...QUIET_CONFIG, ...models }, meta: { lastTouchedVersion: '2026.9.6' } }, null, 2) + '\n'
}

/** The Secrets the credentials scenario names in annotation openclaw.ai/credentials. */
export const TELEGRAM_SECRET = 'telegram-bot'
export const LLM_SECRET = 'llm-keys'

const envRef = (id: string) => ({ source: 'env', provider: 'default', id })

export interface Scenario {
  id: string
  title: string
  kind: Kind
  /** The config file on the PVC before the pod starts; undefined: none yet. */
  volume?: (c: Credentials) => { text: string; mode: number }
  /** The seed ConfigMap's openclaw.json. */
  seed?: () => string
  /**
   * After a sync-mode run the file alone (a CLI without the credential in its environment)
   * authenticates: true where the file ends up holding the plaintext secret.
   */
  fileAloneInSync: boolean
  /** Pod annotations besides the mode. */
  annotations?: Record<string, string>
  /** Secrets besides the gateway's. */
  secrets?: (c: Credentials) => Secrets
  /** Also run OpenClaw's own `secrets audit` on the volume before and after the init container. */
  audit?: boolean
}

export const SCENARIOS: Scenario[] = [
  {
    id: 'stale-plaintext',
    title: 'stale plaintext gateway.auth.token and gateway.remote.token',
    kind: 'token',
    volume: (c) => ({ text: asOpenClawWrites({ auth: { mode: 'token', token: c.old }, remote: { token: c.old } }), mode: 0o600 }),
    fileAloneInSync: true,
  },
  {
    id: 'remote-only-stale',
    title: 'only gateway.remote.token stale (no auth.token)',
    kind: 'token',
    volume: (c) => ({ text: asOpenClawWrites({ auth: { mode: 'token' }, remote: { token: c.old } }), mode: 0o600 }),
    fileAloneInSync: true,
  },
  {
    id: 'json5-hand-edited',
    title: 'hand-edited JSON5 (comments, trailing commas, unquoted keys, single quotes)',
    kind: 'token',
    volume: (c) => ({
      text: `// OpenClaw config, edited by hand on the PVC (kubectl exec ... vi)
{
  gateway: {
    mode: 'local',
    port: 18789,
    bind: 'loopback',
    auth: {
      mode: 'token',
      token: '${c.old}', // the token from before the rotation
    },
    remote: { token: "${c.old}", },
  },
  /* the chart's defaults, trimmed */
  session: { scope: 'per-sender', reset: { mode: 'idle', idleMinutes: 60, }, },
  logging: { level: 'info', consoleLevel: 'info', },
  tools: { profile: 'full', web: { search: { enabled: false }, fetch: { enabled: true } } },
  models: { catalogRefresh: { enabled: false } },
}
`,
      mode: 0o644,
    }),
    fileAloneInSync: true,
  },
  {
    id: 'seed-only',
    title: 'no config on the volume yet, seed ConfigMap',
    kind: 'token',
    seed: chartSeed,
    fileAloneInSync: true,
  },
  {
    id: 'secretref-env',
    title: 'env SecretRef objects in both token fields',
    kind: 'token',
    volume: () => ({ text: asOpenClawWrites({ auth: { mode: 'token', token: envRef('OPENCLAW_GATEWAY_TOKEN') }, remote: { token: envRef('OPENCLAW_GATEWAY_TOKEN') } }), mode: 0o600 }),
    fileAloneInSync: false,
  },
  {
    id: 'env-template',
    title: '${OPENCLAW_GATEWAY_TOKEN} strings in both token fields',
    kind: 'token',
    volume: () => ({ text: asOpenClawWrites({ auth: { mode: 'token', token: '${OPENCLAW_GATEWAY_TOKEN}' }, remote: { token: '${OPENCLAW_GATEWAY_TOKEN}' } }), mode: 0o600 }),
    fileAloneInSync: false,
  },
  {
    id: 'password',
    title: 'password auth, stale gateway.auth.password and gateway.remote.password',
    kind: 'password',
    volume: (c) => ({ text: asOpenClawWrites({ auth: { mode: 'password', password: c.old }, remote: { password: c.old } }), mode: 0o600 }),
    fileAloneInSync: true,
  },
  {
    id: 'credentials',
    title: 'stale plaintext gateway token, Telegram bot token and model provider key (annotation openclaw.ai/credentials)',
    kind: 'token',
    volume: (c) => ({
      text: asOpenClawWrites({ auth: { mode: 'token', token: c.old }, remote: { token: c.old } }, {
        channels: { telegram: { enabled: true, botToken: c.telegram.old, dmPolicy: 'pairing' } },
        models: { providers: { openai: { baseUrl: 'https://api.openai.com/v1', apiKey: c.openai.old, models: [] } } },
      }),
      mode: 0o600,
    }),
    fileAloneInSync: true,
    annotations: { 'openclaw.ai/credentials': `channels.telegram.botToken=${TELEGRAM_SECRET}/token, models.providers.openai.apiKey=${LLM_SECRET}/openai` },
    secrets: (c) => ({ [TELEGRAM_SECRET]: { token: c.telegram.current }, [LLM_SECRET]: { openai: c.openai.current } }),
    audit: true,
  },
]

export function scenarioById(id: string): Scenario {
  const found = SCENARIOS.find((s) => s.id === id)
  if (!found) throw new Error(`no scenario ${id}`)
  return found
}

// ---- the procedure ---------------------------------------------------------------------------

const injections = new Map<string, Promise<Injected>>()

export interface Prepared {
  oc: OpenClaw
  dir: string
  creds: Credentials
  secrets: Secrets
  fs: PodFs
  gatewayContainer: V1Container
  configFile: string
  /** Output of the init container, when it ran. */
  init?: RunResult
  /** `openclaw secrets audit` on the volume as it was before the init container (scenario.audit). */
  auditBefore?: Audit
}

function redactor(creds: Credentials): (text: string) => string {
  return (text) => allSecrets(creds).reduce((out, secret, i) => out.split(secret).join(`<${i % 2 === 0 ? 'current' : 'old'} secret>`), text)
}

/** Tail of a process's output for a diagnostic, secrets replaced. */
function tail(creds: Credentials, r: RunResult | string, lines = 15): string {
  const text = typeof r === 'string' ? r : `${r.stdout}\n${r.stderr}${r.timedOut ? '\n(timed out)' : ''}`
  return redactor(creds)(text).split('\n').filter((l) => l.trim() !== '').slice(-lines).join('\n')
}

/** Processes to stop before a temp dir goes, by temp dir. */
const stoppers = new Map<string, Array<() => Promise<void>>>()

/**
 * A temp dir for one scenario run. At teardown, first every gateway started in it is stopped
 * (see onTeardown), then it is removed, unless OPENCLAW_TIER_KEEP is set.
 */
export function tempDir(t: T, label: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `openclaw-tier-${label}-`))
  stoppers.set(dir, [])
  t.teardown(async () => {
    for (const stop of stoppers.get(dir) ?? []) await stop()
    stoppers.delete(dir)
    if (process.env.OPENCLAW_TIER_KEEP) t.comment(`kept ${dir}`)
    else rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 })
  })
  return dir
}

/** Runs `stop` at the teardown of the test that made `dir`, before the dir is removed. */
export function onTeardown(dir: string, stop: () => Promise<void>): void {
  stoppers.get(dir)?.push(stop)
}

/**
 * Lays out the pod's volumes as an earlier run left them and, unless `inject` is false, runs the
 * init container openclaw-injector adds. With inject false the pod is the chart's own, untouched.
 */
export async function prepare(t: T, scenario: Scenario, mode: Mode | undefined, options: { inject: boolean; version?: string }): Promise<Prepared> {
  const oc = installOpenClaw(options.version)
  const creds = newCredentials(scenario.kind)
  const dir = tempDir(t, `${scenario.id}-${mode ?? 'none'}`)
  const secrets: Secrets = { [TOKEN_SECRET]: { [creds.env]: creds.current }, ...scenario.secrets?.(creds) }
  const original = chartPodWithCopyInit({ mode, annotations: scenario.annotations })
  let pod = original
  let initContainer: V1Container | undefined
  let gatewayContainer = original.spec!.containers[0]!
  if (options.inject) {
    // The pod is the same for every scenario of a mode and annotations: one `inject` each per process.
    const key = JSON.stringify([mode ?? 'default', scenario.annotations ?? {}])
    let pending = injections.get(key)
    if (pending === undefined) injections.set(key, (pending = inject(oc, original, dir)))
    const injected = structuredClone(await pending)
    if (staleBuild(injected.init)) t.comment('warning: dist/ embeds another sync script than src/sync/ holds; run `npm run build` (npm run test:openclaw does)')
    pod = injected.pod
    initContainer = injected.init
    gatewayContainer = injected.gateway
  }
  const fs = new PodFs(path.join(dir, 'pod'), pod, oc)
  fs.materialize({ [SEED_CONFIGMAP]: scenario.seed ? { 'openclaw.json': scenario.seed() } : {} })
  const configFile = fs.map(gatewayContainer, `${STATE_MOUNT}/openclaw.json`)
  if (scenario.volume) {
    const { text, mode: fileMode } = scenario.volume(creds)
    mkdirSync(path.dirname(configFile), { recursive: true })
    writeFileSync(configFile, text)
    chmodSync(configFile, fileMode)
  }
  const prepared: Prepared = { oc, dir, creds, secrets, fs, gatewayContainer, configFile }
  if (initContainer) {
    // Without an OPENCLAW_CONFIG_PATH of ours (the chart's envFrom Secret may set the path), the
    // script resolves it in the pod as OpenClaw does: here the image's HOME.
    const own = (initContainer.env ?? []).find((e) => e.name === 'OPENCLAW_CONFIG_PATH')?.value
    const expected = fs.map(initContainer, own ?? `${IMAGE_HOME}/.openclaw/openclaw.json`)
    t.equal(expected, configFile, `the init container's config path is the gateway's config on the state volume`)
    if (scenario.audit) prepared.auditBefore = await secretsAudit(prepared)
    prepared.init = await runNodeContainer(fs, initContainer, secrets)
    t.equal(prepared.init.code, 0, `init container ${initContainer.name} exits 0`, { output: tail(creds, prepared.init) })
    const output = `${prepared.init.stdout}${prepared.init.stderr}`
    t.notOk(allSecrets(creds).some((secret) => output.includes(secret)), 'init container prints no secret')
  }
  return prepared
}

/** The real gateway with the pod's environment (the rotated Secret) and the volume's config. */
export async function gateway(t: T, p: Prepared): Promise<Gateway | undefined> {
  const env = cleanEnv(p.oc, p.fs.containerEnv(p.gatewayContainer, p.secrets))
  try {
    const gw = await startGateway(p.oc, { env, cwd: path.join(p.fs.root, 'app'), logFile: path.join(p.dir, 'gateway.log') })
    onTeardown(p.dir, () => gw.stop())
    t.comment(`gateway ready in ${gw.readyMs} ms`)
    return gw
  } catch (error) {
    if (!(error instanceof GatewayStartError)) throw error
    t.fail(`the gateway starts with the config on the volume: ${error.message}`, { log: tail(p.creds, error.log, 25) })
    return undefined
  }
}

export interface CheckResults {
  health: RunResult
  fileAlone?: RunResult
  current: RunResult
  old: RunResult
}

/** `openclaw gateway health` in the gateway container, as `kubectl exec` runs it: its env, its HOME, no flags. */
function healthInPod(p: Prepared, gw: Gateway, withoutCredentials: boolean): Promise<RunResult> {
  const env = cleanEnv(p.oc, p.fs.containerEnv(p.gatewayContainer, p.secrets))
  if (withoutCredentials) {
    delete env.OPENCLAW_GATEWAY_TOKEN
    delete env.OPENCLAW_GATEWAY_PASSWORD
  }
  return openclaw(p.oc, ['gateway', 'health', '--port', String(gw.port), '--timeout', '20000'], { env, cwd: path.join(p.fs.root, 'app') })
}

/**
 * A client that presents `secret` and nothing else: its own empty HOME (no config, no device
 * identity, no paired-device token) and --url, with which the CLI never adds config or env
 * credentials of its own.
 */
function client(p: Prepared, gw: Gateway, secret: string, label: string): Promise<RunResult> {
  const home = path.join(p.dir, 'clients', label)
  mkdirSync(home, { recursive: true })
  const flag = p.creds.kind === 'token' ? '--token' : '--password'
  return openclaw(p.oc, ['gateway', 'health', '--url', `ws://127.0.0.1:${gw.port}`, flag, secret, '--timeout', '20000'], { env: cleanEnv(p.oc, { HOME: home }), cwd: home })
}

const REFUSAL = /unauthorized|mismatch/i

/** The three checks. Each only reports; the caller decides what a scenario expects. */
export async function runChecks(p: Prepared, gw: Gateway, options: { fileAlone: boolean }): Promise<CheckResults> {
  const [health, fileAlone, current, old] = await Promise.all([
    healthInPod(p, gw, false),
    options.fileAlone ? healthInPod(p, gw, true) : Promise.resolve(undefined),
    client(p, gw, p.creds.current, 'current'),
    client(p, gw, p.creds.old, 'old'),
  ])
  return fileAlone ? { health, fileAlone, current, old } : { health, current, old }
}

export function refused(r: RunResult): boolean {
  return r.code !== 0 && REFUSAL.test(`${r.stdout}\n${r.stderr}`)
}

/** Asserts checks 1-3 passed; true when all did. */
export function assertChecks(t: T, p: Prepared, r: CheckResults): boolean {
  const secret = p.creds.kind
  const results = [
    t.equal(r.health.code, 0, `1. openclaw gateway health with the config on the volume succeeds`, { output: tail(p.creds, r.health) }),
    r.fileAlone ? t.equal(r.fileAlone.code, 0, `1b. ... also without ${p.creds.env} in its environment: the file alone holds the current ${secret}`, { output: tail(p.creds, r.fileAlone) }) : true,
    t.equal(r.current.code, 0, `2. a client presenting the rotated ${secret} is accepted`, { output: tail(p.creds, r.current) }),
    t.ok(refused(r.old), `3. a client presenting the old ${secret} is refused`, { exit: r.old.code, output: tail(p.creds, r.old) }),
  ]
  return results.every(Boolean)
}

/** What the state volume's config holds now, read with OpenClaw's own json5. */
export function readVolumeConfig(p: Prepared): { text: string; value: unknown } | undefined {
  if (!existsSync(p.configFile)) return undefined
  const text = readFileSync(p.configFile, 'utf8')
  const json5 = createRequire(path.join(p.oc.root, 'package.json'))('json5') as { parse(text: string): unknown }
  return { text, value: json5.parse(text) }
}

/**
 * Gateway runs already made in this process, by what decides their outcome: the config file's
 * bytes and the gateway's environment, each with the run's secrets and temp dir blanked out,
 * and which checks run. Scenarios whose init container leaves the same file (say, every one
 * that ref mode turns into the same two SecretRefs) share one gateway run.
 */
const proven = new Map<string, { name: string; passed: boolean }>()

function outcomeKey(p: Prepared, fileAlone: boolean): string {
  const blank = (text: string) => redactor(p.creds)(text).split(p.dir).join('<dir>')
  const config = existsSync(p.configFile) ? blank(readFileSync(p.configFile, 'utf8')) : null
  const env = Object.entries(p.fs.containerEnv(p.gatewayContainer, p.secrets)).map(([k, v]) => `${k}=${blank(v)}`).sort()
  return JSON.stringify({ kind: p.creds.kind, fileAlone, config, env })
}

export interface Audit {
  code: number | null
  /** The report of `openclaw secrets audit --json` (docs/cli/secrets.md, "Report shape"). */
  report?: { status: string; resolution: { refsChecked: number }; summary: { plaintextCount: number; unresolvedRefCount: number }; findings: Array<{ code: string; jsonPath?: string }> }
  output: string
}

/**
 * OpenClaw's own check for secrets at rest, `openclaw secrets audit --json`, in the gateway
 * container as `kubectl exec` runs it: its env (the Secrets' values for the references), its
 * config on the volume. Exit 0 clean or findings, 1 findings with --check, 2 unresolved refs.
 */
export async function secretsAudit(p: Prepared): Promise<Audit> {
  const env = cleanEnv(p.oc, p.fs.containerEnv(p.gatewayContainer, p.secrets))
  // The audit reads files only (docs/cli/secrets.md: a read-only scan); it needs the channel
  // plugins loaded to know their credential paths, which QUIET_ENV turns off for the gateway.
  delete env.OPENCLAW_DISABLE_BUNDLED_PLUGINS
  delete env.OPENCLAW_SKIP_CHANNELS
  const r = await openclaw(p.oc, ['secrets', 'audit', '--json'], { env, cwd: path.join(p.fs.root, 'app'), timeoutMs: 180_000 })
  const start = r.stdout.indexOf('{')
  let report: Audit['report']
  try {
    report = start === -1 ? undefined : (JSON.parse(r.stdout.slice(start)) as Audit['report'])
  } catch {
    report = undefined
  }
  return { code: r.code, report, output: tail(p.creds, r, 30) }
}

/** The credentials scenario's own checks: nothing of its extra credentials on the volume; in ref, OpenClaw's audit is clean. */
async function assertNoCredentialAtRest(t: T, p: Prepared, mode: Mode, text: string): Promise<void> {
  const extra = [p.creds.telegram.old, p.creds.telegram.current, p.creds.openai.old, p.creds.openai.current]
  t.notOk(extra.some((secret) => text.includes(secret)), `${mode}: no Telegram bot token or model provider key, old or current, on the volume`)
  const before = p.auditBefore
  t.same(before?.report?.findings.filter((f) => f.code === 'PLAINTEXT_FOUND').map((f) => f.jsonPath).sort(), ['channels.telegram.botToken', 'gateway.auth.token', 'gateway.remote.token', 'models.providers.openai.apiKey'], 'control: before the init container, OpenClaw\'s secrets audit finds the four plaintext credentials', { output: before?.output })
  if (mode === 'sync') return
  const after = await secretsAudit(p)
  t.equal(after.code, 0, `${mode}: openclaw secrets audit exits 0`, { output: after.output })
  t.equal(after.report?.status, 'clean', `${mode}: OpenClaw's secrets audit: clean`, { output: after.output })
  t.equal(after.report?.summary.plaintextCount, 0, 'no plaintext in openclaw.json')
  t.equal(after.report?.summary.unresolvedRefCount, 0, 'every reference resolved from the env the gateway container gets')
  t.ok((after.report?.resolution.refsChecked ?? 0) >= 3, `references checked: ${after.report?.resolution.refsChecked} (gateway token, bot token, provider key)`)
}

/** A whole scenario with the injected init container: volume, init, gateway, checks. */
export async function runScenario(t: T, scenario: Scenario, mode: Mode): Promise<void> {
  const p = await prepare(t, scenario, mode, { inject: true })
  if (p.init?.code !== 0) return
  const after = readVolumeConfig(p)
  t.ok(after, 'the state volume holds a config file')
  if (after) {
    t.notOk(after.text.includes(p.creds.old), `no copy of the old ${scenario.kind} is left in the config`)
    if (mode !== 'sync') t.notOk(after.text.includes(p.creds.current), `${mode} mode stores no ${scenario.kind} on the volume`)
    if (mode === 'auto') t.match(p.init?.stdout, /mode auto: ref: OpenClaw 2026\.9\.6 in /, 'auto chose ref on the pinned release, and said why')
    if (scenario.audit) await assertNoCredentialAtRest(t, p, mode, after.text)
  }
  const fileAlone = mode === 'sync' && scenario.fileAloneInSync
  const key = outcomeKey(p, fileAlone)
  const earlier = proven.get(key)
  if (earlier) {
    t.comment(`same config file and gateway environment as "${earlier.name}" (secrets aside): no second gateway`)
    t.ok(earlier.passed, `checks 1-3 passed on that identical config`)
    return
  }
  const gw = await gateway(t, p)
  if (!gw) return
  const results = await runChecks(p, gw, { fileAlone })
  proven.set(key, { name: `${mode}: ${scenario.title}`, passed: assertChecks(t, p, results) })
  await gw.stop()
  // The gateway may rewrite the file itself (start-up migrations): it must keep what we wrote.
  const final = readVolumeConfig(p)
  if (final) {
    t.notOk(final.text.includes(p.creds.old), `after the gateway ran, still no old ${scenario.kind} in the config`)
    if (mode !== 'sync') t.notOk(final.text.includes(p.creds.current), `after the gateway ran, still no ${scenario.kind} on the volume`)
    if (scenario.audit) t.notOk([p.creds.telegram.current, p.creds.openai.current].some((secret) => final.text.includes(secret)), 'after the gateway ran, still no Telegram or provider credential on the volume')
  }
}
