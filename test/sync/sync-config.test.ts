// Runs the real sync script, in the shipped (minified) form bundled from the modules in src/sync/, with the real node on temp directories.
// Every run also checks that no credential, old or new, nor any part of one, reaches stdout/stderr.
import t from 'tap'
import type { Test } from 'tap'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { reachableCopy, reachableNode } from '../helpers/reachable.ts'
import { SYNC_SCRIPT_FILE } from '../helpers/sync-script.ts'

// Some 250 runs of the real node: 15-20 s on an idle 2-core machine, well past tap's default
// 30 s per file when the machine is busy.
t.setTimeout(5 * 60_000)

// The shipped (minified) form, as the pod runs it.
const SCRIPT = SYNC_SCRIPT_FILE
const { parseJson5 } = createRequire(import.meta.url)(SCRIPT) as { parseJson5: (text: string) => unknown }

// Distinctive values: any 5-character piece of one showing up in the output is a leak.
const TOKEN = 'Kq7vZp2XwT9mRb4N'
const OLD_TOKEN = 'Hd3sLc8YfJ1gWe6U'
const PASSWORD = 'Vr5#nQ0!tBz8@mXa'
const OLD_PASSWORD = 'Gy2$pE7%kS4^uLc1'
const SECRETS = [TOKEN, OLD_TOKEN, PASSWORD, OLD_PASSWORD]
const REF_TOKEN = { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' }
const REF_PASSWORD = { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_PASSWORD' }

type Env = Record<string, string | undefined>
type Run = { status: number | null; stdout: string; stderr: string }

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-sync-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

function assertNoLeak(t: Test, r: Run, extra: string[] = []): void {
  const out = r.stdout + r.stderr
  for (const secret of [...SECRETS, ...extra]) {
    const pieces = new Set<string>()
    for (let i = 0; i + 5 <= secret.length; i++) pieces.add(secret.slice(i, i + 5))
    const leaked = [...pieces].filter((p) => out.includes(p))
    t.same(leaked, [], 'output holds no part of a credential')
  }
}

// Exactly this environment and nothing else: not the developer's shell (an OPENCLAW_GATEWAY_TOKEN
// there would change every result), and not the NODE_OPTIONS that tap adds to every child it sees
// spawned, which is why the script is started through `env -i`.
function cleanCommand(env: Env, args: string[], node = process.execPath): [string, string[]] {
  const pairs = Object.entries(env).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)
  return ['/usr/bin/env', ['-i', ...pairs, node, ...args]]
}

// JSON5_FROM defaults to an empty directory: the built-in reader.
function runSync(t: Test, env: Env, opts: { evalMode?: boolean; uid?: number; gid?: number; leakExtra?: string[] } = {}): Run {
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-empty-'))
  try {
    // Another uid cannot reach the checkout's node or script when the checkout's parents are private.
    const otherUid = opts.uid !== undefined
    const script = otherUid ? reachableCopy(SCRIPT) : SCRIPT
    const args = opts.evalMode ? ['-e', fs.readFileSync(SCRIPT, 'utf8')] : [script]
    if (otherUid) fs.chmodSync(emptyDir, 0o755)
    const [cmd, argv] = cleanCommand({ PATH: process.env.PATH, OPENCLAW_INJECTOR_JSON5_FROM: emptyDir, ...env }, args, otherUid ? reachableNode() : process.execPath)
    const r = spawnSync(cmd, argv, {
      encoding: 'utf8',
      timeout: 20_000,
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid }),
    })
    if (r.error) throw r.error
    const run = { status: r.status, stdout: r.stdout, stderr: r.stderr }
    assertNoLeak(t, run, opts.leakExtra)
    for (const line of (run.stdout + run.stderr).split('\n').filter(Boolean)) {
      t.match(line, /^openclaw-injector: /, 'every output line carries the prefix')
    }
    return run
  } finally {
    fs.rmSync(emptyDir, { recursive: true, force: true })
  }
}

// A printable name for a test: JSON, with anything outside ASCII escaped (U+2028 breaks TAP lines).
const show = (s: string): string => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
const lines = (s: string): string[] => s.split('\n').filter(Boolean)
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`
const mode = (p: string): number => fs.statSync(p).mode & 0o777

function writeConfig(dir: string, text: string, fileMode = 0o600): string {
  const file = path.join(dir, 'openclaw.json')
  fs.writeFileSync(file, text, { mode: fileMode })
  fs.chmodSync(file, fileMode)
  return file
}

// Asserts the file is byte-for-byte, inode and mtime the same as before the run.
function snapshot(file: string): { bytes: Buffer; ino: number; mtimeMs: number } {
  const st = fs.statSync(file)
  return { bytes: fs.readFileSync(file), ino: st.ino, mtimeMs: st.mtimeMs }
}
function assertUntouched(t: Test, file: string, before: ReturnType<typeof snapshot>): void {
  const after = snapshot(file)
  t.ok(after.bytes.equals(before.bytes), 'file bytes unchanged')
  t.equal(after.ino, before.ino, 'same inode: not rewritten')
  t.equal(after.mtimeMs, before.mtimeMs, 'mtime unchanged')
}

function noTempLeft(t: Test, dir: string): void {
  t.same(fs.readdirSync(dir).filter((n) => n.includes('openclaw-injector')), [], 'no temp file left behind')
}

// ---------------------------------------------------------------------------------------------
// Successful syncs: the file is rewritten as 2-space JSON with a trailing newline.
type SyncCase = { name: string; input: string; env: Env; expected: unknown; stdout: RegExp[]; notStdout?: RegExp[] }
const syncCases: SyncCase[] = [
  {
    name: 'stale plaintext auth.token and remote.token',
    input: json({ gateway: { mode: 'local', auth: { mode: 'token', token: OLD_TOKEN }, remote: { token: OLD_TOKEN } }, agents: { x: [1, 2] } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { gateway: { mode: 'local', auth: { mode: 'token', token: TOKEN }, remote: { token: TOKEN } }, agents: { x: [1, 2] } },
    stdout: [/token updated in gateway\.auth\.token, gateway\.remote\.token/],
  },
  {
    name: 'only remote.token stale',
    input: json({ gateway: { auth: { token: TOKEN }, remote: { url: 'wss://gw', token: OLD_TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { gateway: { auth: { token: TOKEN }, remote: { url: 'wss://gw', token: TOKEN } } },
    stdout: [/token updated in gateway\.remote\.token \(/],
    notStdout: [/gateway\.auth\.token/],
  },
  {
    name: 'no gateway section: created with both fields',
    input: json({ agents: {} }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { agents: {}, gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } },
    stdout: [/token updated in gateway\.auth\.token, gateway\.remote\.token/],
  },
  {
    name: 'hand-edited JSON5 (comments, trailing commas, quotes, identifier keys, hex, continuation)',
    input: `// written by a person
{
  /* the gateway */
  gateway: {
    port: 0x4965, // 18789
    auth: { mode: 'token', token: '${OLD_TOKEN}', },
    remote: { token: "${OLD_TOKEN}", },
  },
  ratio: .5, whole: 5., big: +1e3,
  note: 'it\\'s a \\
continued line',
}
`,
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { gateway: { port: 18789, auth: { mode: 'token', token: TOKEN }, remote: { token: TOKEN } }, ratio: 0.5, whole: 5, big: 1000, note: "it's a continued line" },
    stdout: [/token updated in gateway\.auth\.token, gateway\.remote\.token/],
  },
  {
    name: '${OPENCLAW_GATEWAY_TOKEN} reference kept, stale remote.token synced',
    input: json({ gateway: { auth: { token: '${OPENCLAW_GATEWAY_TOKEN}' }, remote: { token: OLD_TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { gateway: { auth: { token: '${OPENCLAW_GATEWAY_TOKEN}' }, remote: { token: TOKEN } } },
    stdout: [/gateway\.auth\.token left as is: it references the environment/, /token updated in gateway\.remote\.token \(/],
  },
  {
    name: 'shorthand $VAR and embedded ${VAR} references kept',
    input: json({ gateway: { auth: { token: '$MY_TOKEN' }, remote: { token: 'pre-${MY_TOKEN}' } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: null, // unchanged: checked below as "already in sync"
    stdout: [],
  },
  {
    name: 'escaped $${VAR} is a literal (plaintext): replaced',
    input: json({ gateway: { auth: { mode: 'token', token: '$${OPENCLAW_GATEWAY_TOKEN}' }, remote: { token: TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { gateway: { auth: { mode: 'token', token: TOKEN }, remote: { token: TOKEN } } },
    stdout: [/token updated in gateway\.auth\.token \(/],
  },
  {
    name: 'password synced to auth.password and remote.password',
    input: json({ gateway: { auth: { mode: 'password', password: OLD_PASSWORD }, remote: { password: OLD_PASSWORD } } }),
    env: { OPENCLAW_GATEWAY_PASSWORD: PASSWORD },
    expected: { gateway: { auth: { mode: 'password', password: PASSWORD }, remote: { password: PASSWORD } } },
    stdout: [/password updated in gateway\.auth\.password, gateway\.remote\.password/],
  },
  {
    name: 'token and password together with auth.mode set',
    input: json({ gateway: { auth: { mode: 'password', token: OLD_TOKEN, password: OLD_PASSWORD } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_GATEWAY_PASSWORD: PASSWORD },
    expected: { gateway: { auth: { mode: 'password', token: TOKEN, password: PASSWORD }, remote: { token: TOKEN, password: PASSWORD } } },
    stdout: [/token updated/, /password updated/],
  },
  {
    name: 'ref mode: plaintext replaced by env SecretRefs',
    input: json({ gateway: { auth: { mode: 'token', token: OLD_TOKEN }, remote: { token: OLD_TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'ref' },
    expected: { gateway: { auth: { mode: 'token', token: REF_TOKEN }, remote: { token: REF_TOKEN } } },
    stdout: [/token replaced by a SecretRef to env OPENCLAW_GATEWAY_TOKEN in gateway\.auth\.token, gateway\.remote\.token/],
  },
  {
    name: 'ref mode: password, ${VAR} kept',
    input: json({ gateway: { auth: { mode: 'password', password: OLD_PASSWORD }, remote: { password: '${OPENCLAW_GATEWAY_PASSWORD}' } } }),
    env: { OPENCLAW_GATEWAY_PASSWORD: PASSWORD, OPENCLAW_INJECTOR_MODE: 'ref' },
    expected: { gateway: { auth: { mode: 'password', password: REF_PASSWORD }, remote: { password: '${OPENCLAW_GATEWAY_PASSWORD}' } } },
    stdout: [/password replaced by a SecretRef to env OPENCLAW_GATEWAY_PASSWORD in gateway\.auth\.password \(/],
  },
  {
    name: 'top-level $include with a local gateway section is edited (local keys win over the include)',
    input: json({ $include: './base.json5', gateway: { auth: { mode: 'token', token: OLD_TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    expected: { $include: './base.json5', gateway: { auth: { mode: 'token', token: TOKEN }, remote: { token: TOKEN } } },
    stdout: [/token updated/],
  },
]

for (const c of syncCases) {
  t.test(`sync: ${c.name}`, (t) => {
    const dir = tempDir(t)
    const file = writeConfig(dir, c.input, 0o644)
    const before = snapshot(file)
    const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, ...c.env })
    t.equal(r.status, 0, 'exit 0')
    t.equal(r.stderr, '', 'nothing on stderr')
    if (c.expected === null) {
      assertUntouched(t, file, before)
      t.match(r.stdout, /already in sync; not rewritten/)
    } else {
      const text = fs.readFileSync(file, 'utf8')
      t.equal(text, json(c.expected), 'plain 2-space JSON with a trailing newline, as expected')
      t.equal(mode(file), 0o600, 'mode 0600 after the write (was 0644)')
      t.notOk(text.includes(OLD_TOKEN) || text.includes(OLD_PASSWORD), 'no old credential left in the file')
      if (c.env.OPENCLAW_INJECTOR_MODE === 'ref') {
        t.notOk(text.includes(TOKEN) || text.includes(PASSWORD), 'ref mode: no credential value in the file at all')
      }
    }
    for (const re of c.stdout) t.match(r.stdout, re)
    for (const re of c.notStdout ?? []) t.notMatch(r.stdout, re)
    noTempLeft(t, dir)
    t.end()
  })
}

// ---------------------------------------------------------------------------------------------
// Runs that must not write: the file stays byte-for-byte, same inode, same mtime.
type KeepCase = { name: string; input: string; env: Env; status: number; stdout?: RegExp; stderr?: RegExp }
const refusals = (name: string, input: string, env: Env, stderr: RegExp): KeepCase[] => [
  { name, input, env, status: 1, stderr },
  { name: `${name} (ON_ERROR=warn)`, input, env: { ...env, OPENCLAW_INJECTOR_ON_ERROR: 'warn' }, status: 0, stderr },
]
const keepCases: KeepCase[] = [
  {
    name: 'tokens already current in a hand-edited JSON5 file',
    input: `{\n  // mine\n  gateway: { auth: { token: '${TOKEN}' }, remote: { token: '${TOKEN}', }, },\n}\n`,
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    status: 0,
    stdout: /already in sync; not rewritten/,
  },
  {
    name: 'SecretRefs in both fields (sync mode)',
    input: json({ gateway: { auth: { token: REF_TOKEN }, remote: { token: { source: 'file', provider: 'vault', id: '/gw' } } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    status: 0,
    stdout: /gateway\.auth\.token left as is: it is a SecretRef[^]*gateway\.remote\.token left as is: it is a SecretRef[^]*already in sync/,
  },
  {
    name: 'ref mode already applied',
    input: json({ gateway: { auth: { token: REF_TOKEN }, remote: { token: REF_TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'ref' },
    status: 0,
    stdout: /already in sync; not rewritten/,
  },
  {
    name: 'no credential in the environment (the file is not even parsed)',
    input: '{ this is not JSON5',
    env: {},
    status: 0,
    stdout: /OPENCLAW_GATEWAY_TOKEN and OPENCLAW_GATEWAY_PASSWORD are not set; nothing to sync/,
  },
  {
    name: 'empty OPENCLAW_GATEWAY_TOKEN means not provided',
    input: json({ gateway: { auth: { token: OLD_TOKEN } } }),
    env: { OPENCLAW_GATEWAY_TOKEN: '' },
    status: 0,
    stdout: /are not set; nothing to sync/,
  },
  ...refusals('token + password without auth.mode',
    json({ gateway: { auth: { token: OLD_TOKEN } } }),
    { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_GATEWAY_PASSWORD: PASSWORD },
    /gateway\.auth\.token and gateway\.auth\.password both set without gateway\.auth\.mode; set gateway\.auth\.mode/),
  ...refusals('ref mode: token + password without auth.mode',
    json({ gateway: { auth: { password: OLD_PASSWORD } } }),
    { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'ref' },
    /without gateway\.auth\.mode/),
  ...refusals('unparseable file', '{ gateway: { auth: { token: "abc" }\n  oops }', { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    /not valid JSON5 \(line 2, column 3\); file left unchanged/),
  ...refusals('top level is an array', '[1, 2]', { OPENCLAW_GATEWAY_TOKEN: TOKEN }, /the top level is not an object/),
  ...refusals('gateway from $include', json({ gateway: { $include: './gateway.json5' } }), { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    /gateway comes from \$include/),
  ...refusals('gateway.auth from $include', json({ gateway: { auth: { $include: './auth.json5' }, remote: { token: OLD_TOKEN } } }),
    { OPENCLAW_GATEWAY_TOKEN: TOKEN }, /gateway\.auth comes from \$include/),
  ...refusals('gateway.remote from $include', json({ gateway: { remote: { $include: './r.json5' } } }), { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    /gateway\.remote comes from \$include/),
  ...refusals('top-level $include and no gateway section', json({ $include: ['./a.json5'], agents: {} }), { OPENCLAW_GATEWAY_TOKEN: TOKEN },
    /the gateway section may come from \$include/),
  ...refusals('gateway is not an object', json({ gateway: 'x' }), { OPENCLAW_GATEWAY_TOKEN: TOKEN }, /gateway is not an object/),
  ...[' ', '\t\n', 'change-me-now', 'undefined', 'null', ' CHANGEME ', 'change-me', 'change-me-to-a-long-random-token', '__OPENCLAW_REDACTED__'].flatMap(
    (placeholder) => refusals(`placeholder token ${show(placeholder)}`, json({ gateway: { auth: { token: OLD_TOKEN } } }),
      { OPENCLAW_GATEWAY_TOKEN: placeholder }, /OPENCLAW_GATEWAY_TOKEN is a placeholder \(blank, "undefined", "change-me-now", \.\.\.\) that the gateway refuses; not written/)),
  ...refusals('placeholder password next to a good token (nothing written at all)', json({ gateway: { auth: { mode: 'password', password: OLD_PASSWORD } } }),
    { OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_GATEWAY_PASSWORD: 'change-me-to-a-strong-password' }, /OPENCLAW_GATEWAY_PASSWORD is a placeholder/),
]

for (const c of keepCases) {
  t.test(`untouched: ${c.name}`, (t) => {
    const dir = tempDir(t)
    const file = writeConfig(dir, c.input, 0o640)
    const before = snapshot(file)
    const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, ...c.env })
    t.equal(r.status, c.status, `exit ${c.status}`)
    assertUntouched(t, file, before)
    t.equal(mode(file), 0o640, 'mode untouched too')
    if (c.stdout) t.match(r.stdout, c.stdout)
    if (c.stderr) {
      const errs = lines(r.stderr)
      t.equal(errs.length, 1, 'exactly one error line')
      t.match(errs[0], c.stderr)
      t.match(errs[0], /^openclaw-injector: error: /)
      if (!/placeholder/.test(c.name)) t.ok(errs[0]!.includes(file), 'the line names the file')
    } else {
      t.equal(r.stderr, '', 'nothing on stderr')
    }
    noTempLeft(t, dir)
    t.end()
  })
}

// ---------------------------------------------------------------------------------------------
t.test('invalid settings: exit 2 with one clear line, nothing touched, even with ON_ERROR=warn', (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const before = snapshot(file)
  const cases: Array<[Env, RegExp]> = [
    [{ OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_MODE: 'plaintext', OPENCLAW_INJECTOR_ON_ERROR: 'warn' }, /OPENCLAW_INJECTOR_MODE must be one of auto, sync, ref, not "plaintext"/],
    [{ OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_ON_ERROR: 'ignore' }, /OPENCLAW_INJECTOR_ON_ERROR must be one of fail, warn, not "ignore"/],
    [{ OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_GATEWAY_ARGS: 'gateway run', OPENCLAW_INJECTOR_ON_ERROR: 'warn' }, /OPENCLAW_INJECTOR_GATEWAY_ARGS must be a JSON array of strings/],
    [{ OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_GATEWAY_COMMAND: '["node", 1]' }, /OPENCLAW_INJECTOR_GATEWAY_COMMAND must be a JSON array of strings/],
  ]
  for (const [env, re] of cases) {
    const r = runSync(t, { OPENCLAW_GATEWAY_TOKEN: TOKEN, ...env })
    t.equal(r.status, 2, 'exit 2')
    t.equal(r.stdout, '')
    t.equal(lines(r.stderr).length, 1, 'one line')
    t.match(r.stderr, re)
  }
  assertUntouched(t, file, before)
  t.end()
})

t.test('seed: copied byte-for-byte when the config is absent; state dir created 0700', (t) => {
  const dir = tempDir(t)
  const seed = path.join(dir, 'seed.json5')
  const seedText = `// from the ConfigMap\n{ gateway: { mode: 'local' }, }\n`
  fs.writeFileSync(seed, seedText, { mode: 0o644 })
  const stateDir = path.join(dir, 'volume', 'home', '.openclaw')
  const file = path.join(stateDir, 'openclaw.json')
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed })
  t.equal(r.status, 0)
  t.equal(fs.readFileSync(file, 'utf8'), seedText, 'seed copied as-is (comments kept)')
  t.equal(mode(file), 0o600, 'config mode 0600')
  t.equal(mode(stateDir), 0o700, 'state dir mode 0700')
  t.match(r.stdout, /created state directory/)
  t.match(r.stdout, new RegExp(`created ${file} from seed ${seed}`))
  noTempLeft(t, stateDir)
  const again = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed })
  t.equal(again.status, 0)
  t.notMatch(again.stdout, /from seed/, 'an existing config is never replaced by the seed')
  t.end()
})

t.test('seed + token: the config starts from the seed, synced', (t) => {
  const dir = tempDir(t)
  const seed = path.join(dir, 'seed.json5')
  fs.writeFileSync(seed, `{ gateway: { auth: { mode: 'token', token: 'change-me-now' } } }`)
  const file = path.join(dir, 'state', 'openclaw.json')
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0)
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { auth: { mode: 'token', token: TOKEN }, remote: { token: TOKEN } } }))
  t.equal(mode(file), 0o600)
  t.match(r.stdout, /from seed[^]*token updated in gateway\.auth\.token, gateway\.remote\.token/)
  t.end()
})

t.test('seed path given but missing: one line, then sync-only (nothing to sync into)', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  const seed = path.join(dir, 'no-such-seed.json')
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0)
  t.match(r.stdout, new RegExp(`seed file ${seed} does not exist; continuing without it`))
  t.match(r.stdout, /no config file at .* and no seed; nothing to sync/)
  t.equal(r.stderr, '')
  t.notOk(fs.existsSync(file), 'no empty config created')
  t.end()
})

t.test('no config and no seed: exit 0, nothing created (OpenClaw makes its own state dir)', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'new-state', 'openclaw.json')
  for (const extra of [{}, { OPENCLAW_INJECTOR_MODE: 'ref' }]) {
    const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, ...extra })
    t.equal(r.status, 0)
    t.match(r.stdout, /nothing to sync/)
    t.notOk(fs.existsSync(file))
  }
  t.notOk(fs.existsSync(path.dirname(file)), 'no state dir created: the script makes one only for a seed')
  t.end()
})

t.test('unparseable seed + token: nothing copied, exit 1 naming the seed', (t) => {
  const dir = tempDir(t)
  const seed = path.join(dir, 'seed.json')
  fs.writeFileSync(seed, '{ "gateway": ')
  const file = path.join(dir, 'openclaw.json')
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 1)
  t.equal(lines(r.stderr).length, 1)
  t.match(r.stderr, `${seed}: not valid JSON5`)
  t.notOk(fs.existsSync(file))
  t.end()
})

t.test('symlinked config: the target is written, the link survives', (t) => {
  const dir = tempDir(t)
  const realDir = path.join(dir, 'real')
  const linkDir = path.join(dir, 'state')
  fs.mkdirSync(realDir)
  fs.mkdirSync(linkDir)
  const target = writeConfig(realDir, json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const link = path.join(linkDir, 'openclaw.json')
  fs.symlinkSync(target, link)
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: link, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0)
  t.ok(fs.lstatSync(link).isSymbolicLink(), 'still a symlink')
  t.equal(fs.readlinkSync(link), target, 'pointing at the same target')
  t.equal(fs.readFileSync(target, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))
  t.same(fs.readdirSync(linkDir), ['openclaw.json'])
  noTempLeft(t, realDir)

  fs.rmSync(target)
  const dangling = runSync(t, { OPENCLAW_CONFIG_PATH: link, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(dangling.status, 0, 'a dangling link does not block the pod: the gateway, with the same mounts, finds no file there either')
  t.match(dangling.stdout, /is a symbolic link to a file on none of the gateway's volumes or a missing one; file left alone/)
  t.ok(fs.lstatSync(link).isSymbolicLink(), 'the dangling link is left alone')
  t.end()
})

t.test('owner kept, mode 0600 (as root: the file belongs to another uid/gid)', { skip: process.getuid?.() !== 0 && 'needs root' }, (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, json({ gateway: { auth: { token: OLD_TOKEN } } }), 0o644)
  fs.chownSync(file, 1234, 5678)
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0)
  const st = fs.statSync(file)
  t.equal(st.uid, 1234, 'uid kept')
  t.equal(st.gid, 5678, 'gid kept')
  t.equal(st.mode & 0o777, 0o600)
  t.end()
})

t.test('as uid 1000 on a file it does not own: chown EPERM ignored, write succeeds', { skip: process.getuid?.() !== 0 && 'needs root to switch user' }, (t) => {
  const dir = tempDir(t)
  fs.chmodSync(dir, 0o755)
  const state = path.join(dir, 'state')
  fs.mkdirSync(state)
  fs.chownSync(state, 1000, 1000)
  const file = writeConfig(state, json({ gateway: { auth: { token: OLD_TOKEN } } }), 0o644)
  fs.chownSync(file, 2000, 2000)
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN }, { uid: 1000 })
  t.equal(r.status, 0, r.stderr)
  const st = fs.statSync(file)
  t.equal(st.uid, 1000, 'now owned by the writer (chown to 2000 was not permitted)')
  t.equal(st.mode & 0o777, 0o600)
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))

  fs.chmodSync(state, 0o555) // a read-only state dir: a clear error, the file untouched
  const before = snapshot(file)
  const ro = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: PASSWORD }, { uid: 1000 })
  t.equal(ro.status, 1)
  t.equal(lines(ro.stderr).length, 1)
  t.match(ro.stderr, /^openclaw-injector: error: EACCES/)
  assertUntouched(t, file, before)
  fs.chmodSync(state, 0o755)
  t.end()
})

t.test('runs under node -e (as embedded in the pod spec)', (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, `{ gateway: { auth: { token: '${OLD_TOKEN}' } } } // json5`)
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN }, { evalMode: true })
  t.equal(r.status, 0, r.stderr)
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))
  const bad = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_MODE: 'x' }, { evalMode: true })
  t.equal(bad.status, 2, 'errors exit non-zero under node -e too')
  t.end()
})

t.test('json5 from OPENCLAW_INJECTOR_JSON5_FROM is used when present', (t) => {
  const dir = tempDir(t)
  const app = path.join(dir, 'app')
  const marker = path.join(dir, 'json5-used')
  fs.mkdirSync(path.join(app, 'node_modules', 'json5'), { recursive: true })
  fs.writeFileSync(path.join(app, 'package.json'), '{"name":"app"}')
  // A stand-in for the image's json5 (ours has none): records that it was called.
  fs.writeFileSync(path.join(app, 'node_modules', 'json5', 'index.js'),
    `module.exports = { parse(text) { require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'used'); return JSON.parse(text) } }\n`)
  const file = writeConfig(dir, json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: app })
  t.equal(r.status, 0, r.stderr)
  t.ok(fs.existsSync(marker), 'the app json5 parsed the file')
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))

  // The same stand-in cannot read JSON5: an error from it is reported like any parse error,
  // with line/column only when the parser gives them, and never its message (it may quote text).
  const file5 = writeConfig(dir, `{ gateway: { auth: { token: '${OLD_TOKEN}' } } }`)
  const r5 = runSync(t, { OPENCLAW_CONFIG_PATH: file5, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: app })
  t.equal(r5.status, 1)
  t.match(r5.stderr, /not valid JSON5; file left unchanged/)

  // A broken json5 install: one line, then the built-in reader.
  fs.writeFileSync(path.join(app, 'node_modules', 'json5', 'index.js'), `throw Object.assign(new Error('broken'), { code: 'EBROKEN' })\n`)
  const rb = runSync(t, { OPENCLAW_CONFIG_PATH: file5, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: app })
  t.equal(rb.status, 0, rb.stderr)
  t.match(rb.stdout, /cannot load json5 from .* \(EBROKEN\); using the built-in reader/)
  t.equal(fs.readFileSync(file5, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))
  t.end()
})

t.test('stale temp files: only ours, only old ones, are removed', (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const old = path.join(dir, '.openclaw.json.openclaw-injector-123-0badc0de.tmp')
  const fresh = path.join(dir, '.openclaw.json.openclaw-injector-456-12345678.tmp')
  const foreign = [path.join(dir, '.openclaw.json.tmp'), path.join(dir, '.other.json.openclaw-injector-1-00000000.tmp'), path.join(dir, 'openclaw.json.bak')]
  for (const p of [old, fresh, ...foreign]) fs.writeFileSync(p, '{"torn":')
  const hourAgo = new Date(Date.now() - 3600_000)
  for (const p of [old, ...foreign]) fs.utimesSync(p, hourAgo, hourAgo)
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0)
  t.notOk(fs.existsSync(old), 'our stale temp removed')
  t.ok(fs.existsSync(fresh), 'a recent temp (maybe a run in progress) kept')
  for (const p of foreign) t.ok(fs.existsSync(p), `${path.basename(p)} kept`)
  t.match(r.stdout, /removed stale temporary file .*0badc0de\.tmp/)
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))
  t.end()
})

// ---------------------------------------------------------------------------------------------
// The built-in JSON5 reader, required directly.
t.test('built-in JSON5 reader', (t) => {
  const ok: Array<[string, unknown]> = [
    ['{}', {}],
    ['{a:1,}', { a: 1 }],
    ['[1,2,]', [1, 2]],
    ["{'a':'b', \"c\": \"d\"}", { a: 'b', c: 'd' }],
    ['{$_a1: 1, ünï: 2, \\u0061b: 3}', { $_a1: 1, ünï: 2, ab: 3 }],
    ['{null: 1, true: 2, Infinity: 3}', { null: 1, true: 2, Infinity: 3 }],
    ['[0x1F, -0xa, .5, 5., +1, -.5e1, 1e+2, 0, -0]', [31, -10, 0.5, 5, 1, -5, 100, 0, -0]],
    ["'a\\\nb\\\r\nc\\\u2028d'", 'abcd'],
    ["'\\x41\\u0042\\0\\q\\'\\\"\\b\\f\\n\\r\\t\\v'", 'AB\0q\'"\b\f\n\r\t\v'],
    ["'😀' ", '😀'],
    ['"\\ud83d\\ude00"', '😀'],
    ['// c\n/* d */ {a /* e */ : [ /* f */ ] } // g', { a: [] }],
    ['\ufeff{a:1}\u00a0\u2003', { a: 1 }],
    ['{a:1, a:2}', { a: 2 }],
    ['{a:{b:[{c:null}, true, false]}}', { a: { b: [{ c: null }, true, false] } }],
  ]
  for (const [text, expected] of ok) t.same(parseJson5(text), expected, show(text))
  t.same(parseJson5('[Infinity, -Infinity, NaN, +NaN]'), [Infinity, -Infinity, NaN, NaN], 'Infinity and NaN')
  const proto = parseJson5('{"__proto__": {"polluted": 1}}') as Record<string, unknown>
  t.ok(Object.prototype.hasOwnProperty.call(proto, '__proto__'), '__proto__ is an own property, as with JSON.parse')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution')

  const bad: Array<[string, number, number]> = [
    ['', 1, 1], ['{', 1, 2], ['{a}', 1, 3], ['{a:}', 1, 4], ['[,]', 1, 2], ['[1,,2]', 1, 4], ['[1 2]', 1, 4],
    ['01', 1, 2], ['0x', 1, 2], ['1.5.2', 1, 4], ['"a\nb"', 1, 3], ["'\\1'", 1, 4], ["'\\01'", 1, 4], ['"\\x4"', 1, 4],
    ['/* open', 1, 1], ['{a:1}\n\n  x', 3, 3], ['nul', 1, 1], ['truex', 1, 5], ['{1: 2}', 1, 2], ['{\\u0031a: 1}', 1, 2],
  ]
  for (const [text, line, column] of bad) {
    try {
      parseJson5(text)
      t.fail(`${show(text)} should not parse`)
    } catch (e) {
      const err = e as SyntaxError & { lineNumber: number; columnNumber: number }
      t.type(err, SyntaxError)
      t.same([err.lineNumber, err.columnNumber], [line, column], `${show(text)} fails at ${line}:${column}`)
    }
  }
  try {
    parseJson5(`{ token: "${TOKEN}" oops }`)
    t.fail('should not parse')
  } catch (e) {
    t.notOk(String((e as Error).message).includes(TOKEN.slice(0, 5)), 'errors never quote the input')
  }
  t.end()
})

// ---------------------------------------------------------------------------------------------
// OpenClaw's auth modes (issue 11): which credential is written for each gateway.auth.mode.
// Rules checked against the real gateway 2026.9.6 in test/openclaw/facts.test.ts.
type AuthCase = { authMode: string | undefined; token: boolean; password: boolean }
const authCases: AuthCase[] = [
  { authMode: undefined, token: true, password: false },
  { authMode: 'token', token: true, password: false },
  { authMode: 'password', token: true, password: true },
  { authMode: 'none', token: true, password: false },
  { authMode: 'trusted-proxy', token: false, password: true },
]
for (const c of authCases) {
  t.test(`auth mode ${c.authMode ?? '(unset)'}: token ${c.token ? 'written' : 'never written'}`, (t) => {
    const dir = tempDir(t)
    const auth: Record<string, string> = c.authMode === undefined ? {} : { mode: c.authMode }
    const file = writeConfig(dir, json({ gateway: { mode: 'local', auth: c.password ? { ...auth, password: OLD_PASSWORD } : auth } }))
    const env: Env = { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, ...(c.password ? { OPENCLAW_GATEWAY_PASSWORD: PASSWORD } : {}) }
    const r = runSync(t, env)
    t.equal(r.status, 0, r.stderr)
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    t.equal(doc.gateway.auth.token, c.token ? TOKEN : undefined, 'gateway.auth.token')
    t.equal(doc.gateway.remote?.token, c.token ? TOKEN : undefined, 'gateway.remote.token')
    if (c.password) t.equal(doc.gateway.auth.password, PASSWORD, 'the password is written in every mode that has one')
    const skipped = lines(r.stdout).filter((l) => /token not written/.test(l))
    t.same(skipped, c.token ? [] : ['openclaw-injector: token not written: gateway.auth.mode is trusted-proxy, which refuses a shared token'], 'one line saying why')
    t.end()
  })
}

t.test('trusted-proxy seed: copied without a token', (t) => {
  const dir = tempDir(t)
  const seed = path.join(dir, 'seed.json')
  fs.writeFileSync(seed, json({ gateway: { mode: 'local', auth: { mode: 'trusted-proxy', trustedProxy: { userHeader: 'x-user' } } } }))
  const file = path.join(dir, 'state', 'openclaw.json')
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0, r.stderr)
  t.notMatch(fs.readFileSync(file, 'utf8'), /token/)
  t.end()
})

t.test('redaction placeholders in the file are stale values, overwritten', (t) => {
  for (const stale of ['__OPENCLAW_REDACTED__', '***', 'REDACTED', '[redacted]', 'change-me-now', '', 'undefined']) {
    const dir = tempDir(t)
    const file = writeConfig(dir, json({ gateway: { mode: 'local', auth: { mode: 'token', token: stale }, remote: { token: stale } } }))
    const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN })
    t.equal(r.status, 0, `${show(stale)}: ${r.stderr}`)
    const doc = JSON.parse(fs.readFileSync(file, 'utf8'))
    t.same([doc.gateway.auth.token, doc.gateway.remote.token], [TOKEN, TOKEN], `${show(stale)} overwritten`)
  }
  t.end()
})

// ---------------------------------------------------------------------------------------------
// A config path only the pod knows: the script resolves it as OpenClaw does, and writes only
// through one of the gateway's writable mounts (OPENCLAW_INJECTOR_STATE_MOUNT_<n>).
t.test('config path resolved in the pod, as OpenClaw resolves it', (t) => {
  const dir = tempDir(t)
  const mount = path.join(dir, 'state')
  fs.mkdirSync(mount)
  const cases: { name: string; env: Env; file: string }[] = [
    { name: 'OPENCLAW_CONFIG_PATH wins', env: { OPENCLAW_CONFIG_PATH: `${mount}/a/conf.json`, OPENCLAW_STATE_DIR: `${mount}/b`, HOME: dir }, file: `${mount}/a/conf.json` },
    { name: 'then OPENCLAW_STATE_DIR', env: { OPENCLAW_STATE_DIR: `${mount}/b`, OPENCLAW_HOME: dir, HOME: '/' }, file: `${mount}/b/openclaw.json` },
    { name: 'then OPENCLAW_HOME', env: { OPENCLAW_HOME: mount, HOME: '/' }, file: `${mount}/.openclaw/openclaw.json` },
    { name: 'then HOME', env: { HOME: mount }, file: `${mount}/.openclaw/openclaw.json` },
    { name: '~ is the home', env: { OPENCLAW_STATE_DIR: '~/s', HOME: mount }, file: `${mount}/s/openclaw.json` },
  ]
  for (const c of cases) {
    fs.rmSync(mount, { recursive: true, force: true })
    fs.mkdirSync(mount)
    fs.mkdirSync(path.dirname(c.file), { recursive: true })
    writeConfig(path.dirname(c.file), '{}')
    if (path.basename(c.file) !== 'openclaw.json') fs.renameSync(path.join(path.dirname(c.file), 'openclaw.json'), c.file)
    const r = runSync(t, { ...c.env, OPENCLAW_INJECTOR_STATE_MOUNT_0: mount, OPENCLAW_GATEWAY_TOKEN: TOKEN })
    t.equal(r.status, 0, `${c.name}: ${r.stderr}`)
    t.match(r.stdout, new RegExp(`config file ${c.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(.*resolved in the pod`), `${c.name}: says which file`)
    t.equal(JSON.parse(fs.readFileSync(c.file, 'utf8')).gateway?.auth?.token, TOKEN, `${c.name}: written there`)
  }
  t.end()
})

t.test('config path resolved in the pod but on none of the gateway volumes: nothing written, exit 0', (t) => {
  const dir = tempDir(t)
  const elsewhere = path.join(dir, 'root-fs', '.openclaw')
  const r = runSync(t, { HOME: path.join(dir, 'root-fs'), OPENCLAW_INJECTOR_STATE_MOUNT_0: path.join(dir, 'state'), OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /is on none of the gateway's writable volumes .*; nothing to sync/)
  t.notOk(fs.existsSync(elsewhere), 'no directory created outside the volumes')
  t.end()
})

// ---------------------------------------------------------------------------------------------
// Mode auto: the script reads the image's OpenClaw version (the app's package.json, as in the
// official image's /app, or node_modules/openclaw under it) and picks ref from 2026.3.7 on.

/** An app directory like the image's /app, holding OpenClaw `version` (or another package). */
function appDir(t: Test, pkg: object | undefined, layout: 'app' | 'node_modules' = 'app'): string {
  const dir = tempDir(t)
  if (pkg === undefined) return dir
  const where = layout === 'app' ? dir : path.join(dir, 'node_modules', 'openclaw')
  fs.mkdirSync(where, { recursive: true })
  fs.writeFileSync(path.join(where, 'package.json'), JSON.stringify(pkg))
  return dir
}

t.test('auto: ref on OpenClaw 2026.3.7 or later, sync before it or when the version is unknown', (t) => {
  const cases: Array<[string, object | undefined, 'app' | 'node_modules', 'ref' | 'sync', RegExp]> = [
    ['the pinned release in /app', { name: 'openclaw', version: '2026.9.6' }, 'app', 'ref', /mode auto: ref: OpenClaw 2026\.9\.6 in .*; env SecretRefs need 2026\.3\.7 or later/],
    ['2026.3.7 itself', { name: 'openclaw', version: '2026.3.7' }, 'app', 'ref', /mode auto: ref:/],
    ['only under node_modules: not the app', { name: 'openclaw', version: '2026.9.6' }, 'node_modules', 'sync', /mode auto: sync: no OpenClaw version in /],
    ['2026.3.2, which refuses a SecretRef at gateway.auth.token', { name: 'openclaw', version: '2026.3.2' }, 'app', 'sync', /mode auto: sync: OpenClaw 2026\.3\.2 in /],
    ['a prerelease of 2026.3.7', { name: 'openclaw', version: '2026.3.7-beta.1' }, 'app', 'sync', /mode auto: sync:/],
    ['another app', { name: 'my-app', version: '9999.1.1' }, 'app', 'sync', /mode auto: sync: no OpenClaw version in /],
    ['no package.json (another sync image)', undefined, 'app', 'sync', /mode auto: sync: no OpenClaw version in /],
  ]
  for (const [name, pkg, layout, want, line] of cases) {
    const dir = tempDir(t)
    const file = writeConfig(dir, json({ gateway: { mode: 'local', auth: { mode: 'token', token: OLD_TOKEN }, remote: { token: OLD_TOKEN } } }))
    const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'auto', OPENCLAW_INJECTOR_JSON5_FROM: appDir(t, pkg, layout) })
    t.equal(r.status, 0, `${name}: exit 0`)
    t.match(r.stdout, line, `${name}: one line says which and why`)
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as { gateway: { auth: { token: unknown }; remote: { token: unknown } } }
    t.same(written.gateway.auth.token, want === 'ref' ? REF_TOKEN : TOKEN, `${name}: ${want}`)
    t.same(written.gateway.remote.token, want === 'ref' ? REF_TOKEN : TOKEN)
  }
  t.end()
})

t.test('back from ref to sync: plaintext again only when sync is set explicitly', (t) => {
  const old = appDir(t, { name: 'openclaw', version: '2026.3.2' })
  const dir = tempDir(t)
  const text = json({ gateway: { mode: 'local', auth: { mode: 'token', token: REF_TOKEN }, remote: { token: REF_TOKEN } } })
  const file = writeConfig(dir, text)
  const before = snapshot(file)
  const auto = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'auto', OPENCLAW_INJECTOR_JSON5_FROM: old })
  t.equal(auto.status, 0)
  t.match(auto.stdout, /gateway\.auth\.token left as is: it is a SecretRef/)
  assertUntouched(t, file, before)
  const explicit = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'sync' })
  t.equal(explicit.status, 0)
  t.same(JSON.parse(fs.readFileSync(file, 'utf8')).gateway, { mode: 'local', auth: { mode: 'token', token: TOKEN }, remote: { token: TOKEN } }, 'explicit sync writes the Secret\'s value')
  const other = { source: 'file', provider: 'vault', id: '/gateway/token' }
  fs.writeFileSync(file, json({ gateway: { auth: { token: other } } }))
  const foreign = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'sync' })
  t.equal(foreign.status, 0)
  t.same(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.auth.token, other, 'a SecretRef of the user\'s own is never replaced')
  t.end()
})

// ---------------------------------------------------------------------------------------------
// The annotation openclaw.ai/credentials, as the engine hands it over: `FORM PATH ENV` lines.
const BOT = 'Tg4bWq9LzX2nYc7P'
const OLD_BOT = 'Pf8kDs1MvR6hZj3Q'
const OPENAI = 'Oa3xNm8QrT5vLk2W'
const HOOKS = 'Hk7cVb1NsE4pQw9Y'
const CRED_SECRETS = [BOT, OLD_BOT, OPENAI, HOOKS]
const CRED_LIST = [
  'ref channels.telegram.botToken OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN',
  'ref models.providers.openai.apiKey OPENCLAW_CRED_MODELS_PROVIDERS_OPENAI_API_KEY',
  'template hooks.token OPENCLAW_CRED_HOOKS_TOKEN',
  'ref channels.slack.botToken OPENCLAW_CRED_CHANNELS_SLACK_BOT_TOKEN',
].join('\n')
const CRED_ENV: Env = {
  OPENCLAW_INJECTOR_CREDENTIALS: CRED_LIST,
  OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN: BOT,
  OPENCLAW_CRED_MODELS_PROVIDERS_OPENAI_API_KEY: OPENAI,
  OPENCLAW_CRED_HOOKS_TOKEN: HOOKS,
  OPENCLAW_CRED_CHANNELS_SLACK_BOT_TOKEN: 'Sl5gHt2KpW8mNc4R',
}
const envRef = (id: string) => ({ source: 'env', provider: 'default', id })

t.test('credentials: references replace plaintext, every other setting kept, a missing section not created', (t) => {
  const dir = tempDir(t)
  const input = {
    gateway: { mode: 'local', auth: { mode: 'token', token: OLD_TOKEN } },
    channels: { telegram: { enabled: true, botToken: OLD_BOT, dmPolicy: 'pairing' } },
    models: { providers: { openai: { baseUrl: 'https://api.openai.com/v1', apiKey: OLD_BOT } } },
    hooks: { enabled: true, path: '/hooks' },
  }
  const file = writeConfig(dir, json(input))
  const env = { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'ref', ...CRED_ENV }
  const r = runSync(t, env, { leakExtra: CRED_SECRETS })
  t.equal(r.status, 0, r.stderr)
  const written = JSON.parse(fs.readFileSync(file, 'utf8'))
  t.same(written, {
    gateway: { mode: 'local', auth: { mode: 'token', token: REF_TOKEN }, remote: { token: REF_TOKEN } },
    channels: { telegram: { enabled: true, botToken: envRef('OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN'), dmPolicy: 'pairing' } },
    models: { providers: { openai: { baseUrl: 'https://api.openai.com/v1', apiKey: envRef('OPENCLAW_CRED_MODELS_PROVIDERS_OPENAI_API_KEY') } } },
    hooks: { enabled: true, path: '/hooks', token: '${OPENCLAW_CRED_HOOKS_TOKEN}' },
  }, 'SecretRefs at SecretRef paths, a ${VAR} string at hooks.token, channels.slack not created')
  t.match(r.stdout, /channels\.telegram\.botToken: plaintext replaced by a SecretRef to env OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN/)
  t.match(r.stdout, /hooks\.token: set to the string \$\{OPENCLAW_CRED_HOOKS_TOKEN\}/)
  t.match(r.stdout, /channels\.slack\.botToken not written: channels\.slack is not in the config, and writing it would configure it anew/)
  t.equal(mode(file), 0o600)
  for (const secret of [...CRED_SECRETS, OLD_TOKEN, TOKEN]) t.notOk(fs.readFileSync(file, 'utf8').includes(secret), 'no credential on the volume')
  noTempLeft(t, dir)
  const before = snapshot(file)
  const again = runSync(t, env, { leakExtra: CRED_SECRETS })
  t.equal(again.status, 0)
  t.match(again.stdout, /already in sync; not rewritten/)
  assertUntouched(t, file, before)
  t.end()
})

t.test('credentials in sync mode: ${VAR} strings, never plaintext; ref mode upgrades them to SecretRefs', (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, json({ channels: { telegram: { botToken: OLD_BOT } }, models: { providers: { openai: { apiKey: { source: 'file', provider: 'vault', id: '/openai' } } } } }))
  const sync = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_MODE: 'auto', ...CRED_ENV }, { leakExtra: CRED_SECRETS })
  t.equal(sync.status, 0, sync.stderr)
  t.match(sync.stdout, /OPENCLAW_GATEWAY_TOKEN and OPENCLAW_GATEWAY_PASSWORD are not set$/m)
  t.match(sync.stdout, /models\.providers\.openai\.apiKey left as is: it already references a secret/)
  let written = JSON.parse(fs.readFileSync(file, 'utf8'))
  t.equal(written.channels.telegram.botToken, '${OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN}', 'auto fell back to sync: the ${VAR} string, which every OpenClaw resolves')
  t.same(written.models.providers.openai.apiKey, { source: 'file', provider: 'vault', id: '/openai' }, 'a SecretRef of the user\'s own is left')
  const ref = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_MODE: 'ref', ...CRED_ENV }, { leakExtra: CRED_SECRETS })
  t.equal(ref.status, 0)
  t.match(ref.stdout, /channels\.telegram\.botToken: reference rewritten as a SecretRef to env OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN/)
  written = JSON.parse(fs.readFileSync(file, 'utf8'))
  t.same(written.channels.telegram.botToken, envRef('OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN'))
  t.end()
})

t.test('credentials: an empty or placeholder value in the Secret is one error line per entry, file untouched', (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, json({ channels: { telegram: { botToken: OLD_BOT } } }))
  const before = snapshot(file)
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_MODE: 'ref', ...CRED_ENV, OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN: ' ', OPENCLAW_CRED_HOOKS_TOKEN: 'changeme' }, { leakExtra: CRED_SECRETS })
  t.equal(r.status, 1, 'exit 1: the gateway must not start with an empty credential')
  t.same(lines(r.stderr).map((l) => l.replace(/ \(for .*/, '')), ['openclaw-injector: error: OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN', 'openclaw-injector: error: OPENCLAW_CRED_HOOKS_TOKEN'])
  t.match(r.stderr, /OPENCLAW_CRED_HOOKS_TOKEN \(for hooks\.token\) is empty or a placeholder; check its Secret; nothing written/)
  assertUntouched(t, file, before)
  const bad = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_CREDENTIALS: 'ref channels.telegram.botToken lower_case' })
  t.equal(bad.status, 2, 'a malformed list from the engine: a broken injection, exit 2')
  t.match(bad.stderr, /OPENCLAW_INJECTOR_CREDENTIALS: bad line/)
  assertUntouched(t, file, before)
  t.end()
})

t.test('credentials: a path through $include or a non-object parent is not written; the others are', (t) => {
  const dir = tempDir(t)
  const file = writeConfig(dir, json({ channels: { telegram: { $include: './telegram.json5' } }, models: 'x', hooks: { token: OLD_BOT } }))
  const list = [
    'ref channels.telegram.botToken OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN',
    'ref models.providers.openai.apiKey OPENCLAW_CRED_MODELS_PROVIDERS_OPENAI_API_KEY',
    'template hooks.token OPENCLAW_CRED_HOOKS_TOKEN',
  ].join('\n')
  const r = runSync(t, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_MODE: 'ref', ...CRED_ENV, OPENCLAW_INJECTOR_CREDENTIALS: list }, { leakExtra: CRED_SECRETS })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /channels\.telegram\.botToken not written: channels\.telegram comes from \$include/)
  t.match(r.stdout, /models\.providers\.openai\.apiKey not written: models is not an object/)
  t.same(JSON.parse(fs.readFileSync(file, 'utf8')), { channels: { telegram: { $include: './telegram.json5' } }, models: 'x', hooks: { token: '${OPENCLAW_CRED_HOOKS_TOKEN}' } })
  t.end()
})

// ---------------------------------------------------------------------------------------------
// The file OpenClaw reads, found the way OpenClaw finds it (issue 18). Each fails on the script
// that took only OPENCLAW_CONFIG_PATH/STATE_DIR/HOME: it wrote ~/.openclaw beside the file the
// gateway reads. test/openclaw/config-path.test.ts compares the choice with OpenClaw's own.
t.test("the gateway's --profile: its profile's file is synced, ~/.openclaw is not touched", (t) => {
  const home = tempDir(t)
  fs.mkdirSync(path.join(home, '.openclaw'))
  const plain = writeConfig(path.join(home, '.openclaw'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
  fs.mkdirSync(path.join(home, '.openclaw-work'))
  const profile = writeConfig(path.join(home, '.openclaw-work'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const app = appDir(t, { name: 'openclaw', version: '2026.9.6' })
  for (const words of [['--profile', 'work', 'gateway', 'run'], ['--profile=work', 'gateway'], ['gateway', 'run', '--profile', 'work']]) {
    writeConfig(path.join(home, '.openclaw-work'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
    const r = runSync(t, { HOME: home, OPENCLAW_INJECTOR_GATEWAY_COMMAND: JSON.stringify(['node', 'openclaw.mjs']), OPENCLAW_INJECTOR_GATEWAY_ARGS: JSON.stringify(words), OPENCLAW_INJECTOR_STATE_MOUNT_0: home, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'sync', OPENCLAW_INJECTOR_JSON5_FROM: app })
    t.equal(r.status, 0, r.stderr)
    t.match(r.stdout, new RegExp(`config file ${profile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(profile work`), `${words.join(' ')}: the log line names the profile's file and why`)
    t.equal(JSON.parse(fs.readFileSync(profile, 'utf8')).gateway.auth.token, TOKEN, `${words.join(' ')}: the profile's file holds the Secret's token`)
  }
  // Behind the official image's ENTRYPOINT (tini --) and the node image's docker-entrypoint.sh.
  for (const command of [['/usr/bin/tini', '--', 'node', 'openclaw.mjs'], ['docker-entrypoint.sh', 'openclaw']]) {
    writeConfig(path.join(home, '.openclaw-work'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
    const r = runSync(t, { HOME: home, OPENCLAW_INJECTOR_GATEWAY_COMMAND: JSON.stringify(command), OPENCLAW_INJECTOR_GATEWAY_ARGS: JSON.stringify(['--profile', 'work', 'gateway']), OPENCLAW_INJECTOR_STATE_MOUNT_0: home, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_MODE: 'sync', OPENCLAW_INJECTOR_JSON5_FROM: app })
    t.equal(JSON.parse(fs.readFileSync(profile, 'utf8')).gateway.auth.token, TOKEN, `${command[0]}: the profile's file holds the Secret's token`, { stdout: r.stdout })
  }
  t.equal(JSON.parse(fs.readFileSync(plain, 'utf8')).gateway.auth.token, OLD_TOKEN, 'the default profile is left alone')
  // Where the release is unknown and its rules differ (2026.3.2 reads root options only before
  // the command), the file is left alone.
  writeConfig(path.join(home, '.openclaw-work'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const blind = runSync(t, { HOME: home, OPENCLAW_INJECTOR_GATEWAY_ARGS: JSON.stringify(['openclaw', 'gateway', '--profile', 'work']), OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(blind.status, 0)
  t.match(blind.stdout, /config file not resolved: no OpenClaw version in .*: its rules are not in this script, and those of 2026\.3\.2 \(.*\) and 2026\.9\.6 \(.*\) differ; nothing written/)
  t.equal(JSON.parse(fs.readFileSync(profile, 'utf8')).gateway.auth.token, OLD_TOKEN, 'release unknown: nothing written')
  t.end()
})

t.test('legacy state: the legacy file is synced; no ~/.openclaw is created beside it, not even for a seed', (t) => {
  const home = tempDir(t)
  fs.mkdirSync(path.join(home, '.clawdbot'))
  const legacy = path.join(home, '.clawdbot', 'clawdbot.json')
  fs.writeFileSync(legacy, json({ gateway: { mode: 'local', auth: { token: OLD_TOKEN } } }), { mode: 0o600 })
  const seed = path.join(tempDir(t), 'seed.json')
  fs.writeFileSync(seed, json({ gateway: { mode: 'local' } }))
  const env = { HOME: home, OPENCLAW_INJECTOR_STATE_MOUNT_0: home, OPENCLAW_INJECTOR_SEED_PATH: seed, OPENCLAW_GATEWAY_TOKEN: TOKEN }
  const r = runSync(t, env)
  t.equal(r.status, 0, r.stderr)
  t.equal(JSON.parse(fs.readFileSync(legacy, 'utf8')).gateway.auth.token, TOKEN, 'the legacy file OpenClaw reads holds the token')
  t.notOk(fs.existsSync(path.join(home, '.openclaw')), 'no ~/.openclaw')
  // A legacy state directory without a file: the seed goes where OpenClaw will look, in it.
  fs.rmSync(legacy)
  const seeded = runSync(t, env)
  t.equal(seeded.status, 0, seeded.stderr)
  t.ok(fs.existsSync(path.join(home, '.clawdbot', 'openclaw.json')), 'seed copied into the legacy directory OpenClaw uses')
  t.notOk(fs.existsSync(path.join(home, '.openclaw')), 'still no ~/.openclaw')
  t.end()
})

t.test("the image's ENV: OPENCLAW_STATE_DIR=/data/.openclaw of the image decides, not the default home", (t) => {
  const data = tempDir(t)
  const home = tempDir(t)
  fs.mkdirSync(path.join(data, '.openclaw'))
  const file = writeConfig(path.join(data, '.openclaw'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const r = runSync(t, { HOME: home, OPENCLAW_STATE_DIR: path.join(data, '.openclaw'), OPENCLAW_INJECTOR_STATE_MOUNT_0: data, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0, r.stderr)
  t.equal(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.auth.token, TOKEN, 'the pre-existing config on the volume is the one synced')
  t.same(fs.readdirSync(home), [], 'nothing created in the home')
  t.end()
})

t.test("a config linked into another of the gateway's volumes is written there; one linked off them is left alone, exit 0", (t) => {
  const state = tempDir(t)
  const other = tempDir(t)
  const target = writeConfig(other, json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const link = path.join(state, 'openclaw.json')
  fs.symlinkSync(target, link)
  const env = { OPENCLAW_STATE_DIR: state, OPENCLAW_INJECTOR_STATE_MOUNT_0: state, OPENCLAW_GATEWAY_TOKEN: TOKEN }
  const off = runSync(t, env)
  t.equal(off.status, 0, 'the pod is not blocked')
  t.match(off.stdout, /links to .*, on none of the gateway's writable volumes; file left alone/)
  t.equal(JSON.parse(fs.readFileSync(target, 'utf8')).gateway.auth.token, OLD_TOKEN, 'the target off the volumes is untouched')
  const on = runSync(t, { ...env, OPENCLAW_INJECTOR_STATE_MOUNT_1: other })
  t.equal(on.status, 0, on.stderr)
  t.equal(JSON.parse(fs.readFileSync(target, 'utf8')).gateway.auth.token, TOKEN, 'the target on another gateway volume is written')
  t.ok(fs.lstatSync(link).isSymbolicLink(), 'the link survives')
  t.end()
})

t.test('a command line the script cannot follow (a shell naming a profile): file left alone, exit 0, the reason logged', (t) => {
  const home = tempDir(t)
  fs.mkdirSync(path.join(home, '.openclaw'))
  const file = writeConfig(path.join(home, '.openclaw'), json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const r = runSync(t, { HOME: home, OPENCLAW_INJECTOR_GATEWAY_COMMAND: JSON.stringify(['sh', '-c', 'exec openclaw --profile "$P" gateway']), OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(r.status, 0)
  t.match(r.stdout, /config file not resolved: the gateway's command line \(sh \.\.\.\) may set the profile.*; nothing written/)
  t.equal(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.auth.token, OLD_TOKEN)
  t.end()
})
