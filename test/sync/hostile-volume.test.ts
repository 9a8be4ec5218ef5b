// The sync script on a volume whose contents may be hostile (issue 19, item 6): the shipped forms of
// the script, run by the real node on real files, must read at most MAX_CONFIG_BYTES through one
// descriptor that is never a FIFO or a link swapped in, load json5 only from the image's app
// directory, and leave byte for byte a file it cannot rewrite faithfully (bytes that are not UTF-8,
// numbers JSON cannot hold). Each refusal is one line, and its exit code follows ON_ERROR.
import t from 'tap'
import type { Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  SYNC_SCRIPT_FILE, SYNC_SCRIPT_IMAGE_JSON5_FILE, SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS_FILE, SYNC_SCRIPT_NO_CREDENTIALS_FILE, SYNC_SCRIPT_SOURCE,
} from '../helpers/sync-script.ts'

t.setTimeout(5 * 60_000)

const REPO = path.resolve(path.dirname(SYNC_SCRIPT_SOURCE), '../..')
// The cap in src/sync/common.mjs (MAX_CONFIG_BYTES).
const CAP = 2 * 1024 * 1024
const TOKEN = 'Wm3kTq8ZrV5nXc2L'
const OLD_TOKEN = 'Bh7pFs4JyD9gQe1K'
const FORMS = {
  'built-in reader': SYNC_SCRIPT_FILE,
  'image json5': SYNC_SCRIPT_IMAGE_JSON5_FILE,
  'built-in reader, no credentials code': SYNC_SCRIPT_NO_CREDENTIALS_FILE,
  'image json5, no credentials code': SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS_FILE,
}
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`
const lines = (s: string): string[] => s.split('\n').filter(Boolean)

type Env = Record<string, string>
type Run = { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; maxRssKiB?: number }

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-hostile-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

// Prints the child's own peak memory at exit (process.resourceUsage().maxRSS, KiB) on fd 3.
const PROBE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'oci-probe-')), 'probe.cjs')
fs.writeFileSync(PROBE, "process.on('exit', () => require('fs').writeSync(3, String(process.resourceUsage().maxRSS)))\n")
t.teardown(() => fs.rmSync(path.dirname(PROBE), { recursive: true, force: true }))

// The script with exactly `env` (through `env -i`: not the developer's environment, nor the
// NODE_OPTIONS tap gives its children), JSON5_FROM an empty directory unless given.
function runScript(t: Test, script: string, env: Env, opts: { probe?: boolean; timeoutMs?: number } = {}): Run {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-empty-'))
  try {
    const pairs = Object.entries({ PATH: process.env.PATH ?? '', OPENCLAW_INJECTOR_JSON5_FROM: empty, ...env }).map(([k, v]) => `${k}=${v}`)
    const r = spawnSync('/usr/bin/env', ['-i', ...pairs, process.execPath, ...(opts.probe ? ['-r', PROBE] : []), script], {
      encoding: 'utf8', timeout: opts.timeoutMs ?? 20_000, stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    })
    if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error
    const out = (r.stdout ?? '') + (r.stderr ?? '')
    for (const secret of [TOKEN, OLD_TOKEN]) t.notOk(out.includes(secret.slice(0, 6)), 'no credential in the output')
    const fd3 = r.output[3] as string | null
    return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ...(fd3 ? { maxRssKiB: Number(fd3) } : {}) }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true })
  }
}

function snapshot(file: string): { bytes: Buffer; ino: number; mtimeMs: number } {
  const st = fs.statSync(file)
  return { bytes: fs.readFileSync(file), ino: st.ino, mtimeMs: st.mtimeMs }
}
function assertUntouched(t: Test, file: string, before: ReturnType<typeof snapshot>, what = 'file'): void {
  const after = snapshot(file)
  t.ok(after.bytes.equals(before.bytes), `${what}: bytes unchanged`)
  t.equal(after.ino, before.ino, `${what}: same inode, not rewritten`)
  t.equal(after.mtimeMs, before.mtimeMs, `${what}: mtime unchanged`)
}

/** Asserts one error line matching `re` and the exit code ON_ERROR gives it, for fail and for warn. */
function refusedBoth(t: Test, script: string, env: Env, re: RegExp, file: string): void {
  const before = snapshot(file)
  for (const onError of ['fail', 'warn']) {
    const r = runScript(t, script, { ...env, OPENCLAW_INJECTOR_ON_ERROR: onError })
    t.equal(r.status, onError === 'fail' ? 1 : 0, `ON_ERROR=${onError}: exit ${onError === 'fail' ? 1 : 0}`)
    const errors = lines(r.stderr)
    t.equal(errors.length, 1, `ON_ERROR=${onError}: one error line`)
    t.match(errors[0], /^openclaw-injector: error: /)
    t.match(errors[0], re)
    assertUntouched(t, file, before)
  }
}

// A config of exactly `size` bytes: valid JSON with a stale token, padded with spaces.
function configOfSize(size: number): string {
  const text = JSON.stringify({ gateway: { mode: 'local', auth: { mode: 'token', token: OLD_TOKEN } } })
  return text + ' '.repeat(size - text.length)
}

// ---------------------------------------------------------------------------------------------
// The size cap.

t.test('a config over the cap is refused before it is read, one line, exit by ON_ERROR; at the cap it is synced', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  for (const [name, script] of Object.entries(FORMS)) {
    fs.writeFileSync(file, configOfSize(CAP + 1), { mode: 0o600 })
    refusedBoth(t, script, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN },
      new RegExp(`${file}: ${CAP + 1} bytes, more than the ${CAP} \\(2 MiB\\) this script reads; file left unchanged$`), file)
    fs.writeFileSync(file, configOfSize(CAP), { mode: 0o600 })
    const r = runScript(t, script, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: REPO })
    t.equal(r.status, 0, `${name}: a config of exactly ${CAP} bytes is read (${r.stderr})`)
    t.same(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.auth.token, TOKEN, `${name}: and synced`)
  }
  t.end()
})

t.test('a rewrite that would be over the cap is refused: the script never writes what it would refuse to read', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  // Dense JSON of 1 MiB: 2-space JSON puts each number on a line of its own, over 3 MiB.
  const head = `{"gateway":{"auth":{"token":"${OLD_TOKEN}"}},"x":[`
  fs.writeFileSync(file, `${head}${Array(Math.floor((1024 * 1024 - head.length - 2) / 2)).fill('0').join(',')}]}`)
  refusedBoth(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN },
    new RegExp(`${file}: rewritten as 2-space JSON it would be \\d+ bytes, more than the ${CAP} \\(2 MiB\\) this script reads; file left unchanged$`), file)
  t.end()
})

t.test('a seed over the cap: one line naming the seed, no config created', (t) => {
  const dir = tempDir(t)
  const seed = path.join(dir, 'seed.json')
  fs.writeFileSync(seed, configOfSize(CAP + 1))
  const file = path.join(dir, 'state', 'openclaw.json')
  for (const [name, script] of Object.entries(FORMS)) {
    for (const env of [{ OPENCLAW_GATEWAY_TOKEN: TOKEN }, {}] as Env[]) {
      const r = runScript(t, script, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_SEED_PATH: seed, ...env })
      t.equal(r.status, 1, `${name}: exit 1${env.OPENCLAW_GATEWAY_TOKEN ? '' : ' (even when the seed would only be copied)'}`)
      t.same(lines(r.stderr), [`openclaw-injector: error: ${seed}: ${CAP + 1} bytes, more than the ${CAP} (2 MiB) this script reads; file left unchanged`])
      t.notOk(fs.existsSync(file), `${name}: no config created`)
    }
  }
  t.end()
})

t.test('memory: a 16 MiB and a 64 MiB config cost no more than a small one (process.resourceUsage in the child)', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  fs.writeFileSync(file, json({ gateway: { auth: { token: OLD_TOKEN } } }))
  const small = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN }, { probe: true })
  t.equal(small.status, 0, small.stderr)
  for (const mib of [16, 64]) {
    // A real file of that size: a small object, then NUL bytes (a sparse file, cheap to make).
    fs.writeFileSync(file, json({ gateway: { auth: { token: OLD_TOKEN } } }))
    fs.truncateSync(file, mib * 1024 * 1024)
    const r = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_ON_ERROR: 'warn' }, { probe: true })
    t.equal(r.status, 0, `${mib} MiB, ON_ERROR=warn: exit 0`)
    t.match(r.stderr, /more than the \d+ \(2 MiB\) this script reads/)
    t.comment(`max RSS: ${Math.round(small.maxRssKiB! / 1024)} MiB on a small config, ${Math.round(r.maxRssKiB! / 1024)} MiB on ${mib} MiB`)
    // Reading the file whole would take at least its own size on top (and several times that to parse).
    t.ok(r.maxRssKiB! < small.maxRssKiB! + 8 * 1024, `${mib} MiB: max RSS ${Math.round(r.maxRssKiB! / 1024)} MiB, within 8 MiB of the small config's ${Math.round(small.maxRssKiB! / 1024)} MiB`)
  }
  t.end()
})

// ---------------------------------------------------------------------------------------------
// One descriptor: a FIFO or another file put at the path while the script runs.

t.test('non-regular files are refused without blocking: a FIFO, a directory, /dev/zero behind a symbolic link', (t) => {
  const dir = tempDir(t)
  const fifo = path.join(dir, 'fifo.json')
  spawnSync('mkfifo', [fifo])
  t.ok(fs.statSync(fifo).isFIFO(), 'a FIFO made with mkfifo')
  const link = path.join(dir, 'zero.json')
  fs.symlinkSync('/dev/zero', link)
  for (const [config, seed] of [[fifo, ''], [link, ''], [dir, ''], [path.join(dir, 'none', 'openclaw.json'), fifo], [path.join(dir, 'none2', 'openclaw.json'), link]]) {
    const r = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: config!, OPENCLAW_INJECTOR_SEED_PATH: seed!, OPENCLAW_GATEWAY_TOKEN: TOKEN }, { timeoutMs: 10_000 })
    t.equal(r.signal, null, `${config} (seed ${seed || 'none'}): finished, not blocked`)
    t.equal(r.status, 1)
    t.equal(lines(r.stderr).length, 1, 'one line')
    t.match(r.stderr, /not a regular file/)
  }
  t.end()
})

// Swaps the config path between a regular file and a FIFO as fast as it can (hard links of both,
// renamed over the path in turn), while the script runs again and again. A script that checks the
// path and then opens it again by name sooner or later opens the FIFO and blocks for ever.
t.test('a FIFO swapped in while the script runs never blocks it', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  const regular = path.join(dir, 'regular')
  const fifo = path.join(dir, 'fifo')
  fs.writeFileSync(regular, json({ gateway: { mode: 'local', auth: { mode: 'token', token: OLD_TOKEN } } }))
  spawnSync('mkfifo', [fifo])
  fs.copyFileSync(regular, file)
  const swapper = spawn(process.execPath, ['-e', `
    const fs = require('fs'); const [file, regular, fifo] = process.argv.slice(1)
    for (let i = 0; ; i++) { const from = i % 2 ? regular : fifo; const tmp = file + '.swap'; try { fs.unlinkSync(tmp) } catch {} fs.linkSync(from, tmp); fs.renameSync(tmp, file) }
  `, file, regular, fifo], { stdio: 'ignore' })
  t.teardown(() => { swapper.kill('SIGKILL') })
  const outcomes: Record<string, number> = {}
  for (let i = 0; i < 40; i++) {
    const r = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN }, { timeoutMs: 8_000 })
    const outcome = r.signal ? `killed by ${r.signal} (blocked)` : r.status === 0 ? 'synced' : lines(r.stderr).length === 1 && /not a regular file/.test(r.stderr) ? 'refused: not a regular file' : `exit ${r.status}: ${r.stderr.trim()}`
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1
    if (r.signal) break
  }
  t.comment(JSON.stringify(outcomes))
  t.same(Object.keys(outcomes).filter((o) => o !== 'synced' && o !== 'refused: not a regular file'), [], 'every run synced the file or refused the FIFO in one line; none blocked')
})

// A symlinked config is still written through to its target: sync-config.test.ts ('symlinked config').
t.test('a seed behind ConfigMap-style links is still read through', (t) => {
  const dir = tempDir(t)
  // A configMap volume: KEY -> ..data/KEY, ..data -> ..<timestamp> (kubelet's atomic writer).
  const seedDir = path.join(dir, 'seed')
  fs.mkdirSync(path.join(seedDir, '..2026_12_05_01_00_00.000000001'), { recursive: true })
  fs.writeFileSync(path.join(seedDir, '..2026_12_05_01_00_00.000000001', 'openclaw.json'), `// seed\n{ gateway: { mode: 'local' } }\n`)
  fs.symlinkSync('..2026_12_05_01_00_00.000000001', path.join(seedDir, '..data'))
  fs.symlinkSync('..data/openclaw.json', path.join(seedDir, 'openclaw.json'))
  const fresh = path.join(dir, 'fresh', 'openclaw.json')
  const s = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: fresh, OPENCLAW_INJECTOR_SEED_PATH: path.join(seedDir, 'openclaw.json') })
  t.equal(s.status, 0, s.stderr)
  t.equal(fs.readFileSync(fresh, 'utf8'), `// seed\n{ gateway: { mode: 'local' } }\n`, 'the seed copied through its links')
  t.end()
})

// ---------------------------------------------------------------------------------------------
// json5 comes from the image's app directory only.

/** A json5 stand-in that records, in `marker`, that it ran. */
function plantJson5(where: string, marker: string, pkg?: object, entry = 'index.js'): void {
  fs.mkdirSync(path.dirname(path.join(where, entry)), { recursive: true })
  if (pkg !== undefined) fs.writeFileSync(path.join(where, 'package.json'), JSON.stringify(pkg))
  fs.writeFileSync(path.join(where, entry), `require('node:fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); module.exports = { parse: JSON.parse }\n`)
}

t.test('a json5 planted in HOME/.node_modules, NODE_PATH, HOME/.node_libraries or a parent of the app dir never runs', (t) => {
  const dir = tempDir(t)
  const home = path.join(dir, 'volume', 'home')
  const nodePath = path.join(dir, 'volume', 'lib')
  const app = path.join(dir, 'parent', 'app')
  fs.mkdirSync(app, { recursive: true })
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'openclaw', version: '2026.9.6' }))
  const markers = {
    'HOME/.node_modules': path.join(dir, 'ran-home-node-modules'),
    'HOME/.node_libraries': path.join(dir, 'ran-home-node-libraries'),
    NODE_PATH: path.join(dir, 'ran-node-path'),
    'a parent of the app dir': path.join(dir, 'ran-parent'),
  }
  plantJson5(path.join(home, '.node_modules', 'json5'), markers['HOME/.node_modules'])
  plantJson5(path.join(home, '.node_libraries', 'json5'), markers['HOME/.node_libraries'], { main: 'index.js' })
  plantJson5(path.join(nodePath, 'json5'), markers.NODE_PATH)
  plantJson5(path.join(dir, 'parent', 'node_modules', 'json5'), markers['a parent of the app dir'])
  const file = path.join(home, '.openclaw', 'openclaw.json')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  for (const [name, script] of Object.entries(FORMS)) {
    fs.writeFileSync(file, json({ gateway: { mode: 'local', auth: { mode: 'token', token: OLD_TOKEN } } }))
    const r = runScript(t, script, { HOME: home, NODE_PATH: nodePath, OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: app, OPENCLAW_INJECTOR_MODE: 'sync' })
    t.equal(r.status, 0, `${name}: ${r.stderr}`)
    for (const [where, marker] of Object.entries(markers)) t.notOk(fs.existsSync(marker), `${name}: the json5 in ${where} did not run`)
    if (name.startsWith('image')) t.match(r.stdout, `cannot load json5 from ${app} (MODULE_NOT_FOUND); reading plain JSON only`)
    t.equal(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.auth.token, TOKEN, `${name}: synced with the script's own reader`)
  }
  t.end()
})

t.test('json5 in the app dir: its package.json entry (exports, main), through links inside the app dir only', (t) => {
  const layouts: { name: string; make: (app: string, marker: string, outside: string) => void; loaded: boolean; line?: RegExp }[] = [
    { name: 'main', loaded: true, make: (app, marker) => plantJson5(path.join(app, 'node_modules', 'json5'), marker, { name: 'json5', main: 'lib/index.js' }, 'lib/index.js') },
    {
      name: 'exports with require and import conditions', loaded: true, make: (app, marker) => {
        const pkg = path.join(app, 'node_modules', 'json5')
        plantJson5(pkg, marker, { name: 'json5', main: 'wrong.js', exports: { '.': { types: './x.d.ts', import: './esm.mjs', require: './lib/cjs.js' } } }, 'lib/cjs.js')
        fs.writeFileSync(path.join(pkg, 'wrong.js'), 'throw new Error("main is not the entry when exports is there")\n')
      },
    },
    {
      name: 'a pnpm link inside the app dir', loaded: true, make: (app, marker) => {
        const store = path.join(app, 'node_modules', '.pnpm', 'json5@2.2.3', 'node_modules', 'json5')
        plantJson5(store, marker, { name: 'json5', main: 'lib/index.js' }, 'lib/index.js')
        fs.symlinkSync(path.relative(path.join(app, 'node_modules'), store), path.join(app, 'node_modules', 'json5'))
      },
    },
    {
      name: 'a link to a package outside the app dir (the volume)', loaded: false, line: /cannot load json5 from .* \(OUTSIDE_APP_DIR\)/, make: (app, marker, outside) => {
        plantJson5(outside, marker, { name: 'json5', main: 'index.js' })
        fs.mkdirSync(path.join(app, 'node_modules'), { recursive: true })
        fs.symlinkSync(outside, path.join(app, 'node_modules', 'json5'))
      },
    },
    {
      name: 'an entry that leaves the package', loaded: false, line: /cannot load json5 from .* \(OUTSIDE_APP_DIR\)/, make: (app, marker, outside) => {
        plantJson5(outside, marker)
        fs.mkdirSync(path.join(app, 'node_modules', 'json5'), { recursive: true })
        fs.writeFileSync(path.join(app, 'node_modules', 'json5', 'package.json'), JSON.stringify({ main: path.join(outside, 'index.js') }))
      },
    },
  ]
  for (const layout of layouts) {
    const dir = tempDir(t)
    const app = path.join(dir, 'app')
    fs.mkdirSync(app)
    const marker = path.join(dir, 'ran')
    layout.make(app, marker, path.join(dir, 'volume', 'json5'))
    const file = path.join(dir, 'openclaw.json')
    fs.writeFileSync(file, json({ gateway: { auth: { token: OLD_TOKEN } } }))
    const r = runScript(t, SYNC_SCRIPT_IMAGE_JSON5_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: app, OPENCLAW_INJECTOR_MODE: 'sync' })
    t.equal(r.status, 0, `${layout.name}: ${r.stderr}`)
    t.equal(fs.existsSync(marker), layout.loaded, `${layout.name}: ${layout.loaded ? 'loaded' : 'not loaded'}`)
    if (layout.line) t.match(r.stdout, layout.line, `${layout.name}: one line says why`)
    t.equal(JSON.parse(fs.readFileSync(file, 'utf8')).gateway.auth.token, TOKEN)
  }
  t.end()
})

// ---------------------------------------------------------------------------------------------
// What a rewrite could not keep.

t.test('bytes that are not UTF-8: refused, file byte for byte, with either reader', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  // "café" in Latin-1 (0xE9), a lone continuation byte, and a truncated sequence.
  for (const bad of [Buffer.from([0x63, 0x61, 0x66, 0xe9]), Buffer.from([0x80]), Buffer.from([0xe2, 0x82])]) {
    const bytes = Buffer.concat([Buffer.from(`{ "gateway": { "auth": { "token": "${OLD_TOKEN}" } }, "agents": { "name": "`), bad, Buffer.from('" } }\n')])
    for (const [name, script] of [['built-in reader', SYNC_SCRIPT_FILE], ['json5', SYNC_SCRIPT_IMAGE_JSON5_FILE]] as const) {
      t.test(`${name}, ${bad.toString('hex')}`, async (t) => {
        fs.writeFileSync(file, bytes)
        refusedBoth(t, script, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: REPO }, new RegExp(`${file}: not valid UTF-8, which a rewrite would not keep; file left unchanged$`), file)
      })
    }
  }
  // A byte order mark is UTF-8: read (JSON5 takes it for whitespace), as before.
  fs.writeFileSync(file, `\ufeff{ gateway: { auth: { token: '${OLD_TOKEN}' } } }`)
  const bom = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(bom.status, 0, bom.stderr)
  t.end()
})

t.test('Infinity or NaN in the config: refused when a rewrite is due, left alone when none is', (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  const cases: [string, string][] = [
    [`{ gateway: { auth: { token: '${OLD_TOKEN}' } }, agents: { defaults: { limit: Infinity } } }`, 'agents.defaults.limit is Infinity'],
    [`{ gateway: { auth: { token: '${OLD_TOKEN}' } }, agents: { list: [{ id: 'a' }, { id: 'b', weights: [1, -Infinity] }] } }`, 'agents.list\\[1\\].weights\\[1\\] is -Infinity'],
    [`{ x: NaN, gateway: { auth: { token: '${OLD_TOKEN}' } } }`, 'x is NaN'],
  ]
  for (const [text, what] of cases) {
    for (const [name, script] of [['built-in reader', SYNC_SCRIPT_FILE], ['json5', SYNC_SCRIPT_IMAGE_JSON5_FILE]] as const) {
      t.test(`${name}: ${what}`, async (t) => {
        fs.writeFileSync(file, text)
        refusedBoth(t, script, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: REPO },
          new RegExp(`${file}: ${what}, which JSON cannot hold: a rewrite would turn it into null; file left unchanged$`), file)
      })
    }
  }
  fs.writeFileSync(file, `{ gateway: { auth: { token: '${TOKEN}' }, remote: { token: '${TOKEN}' } }, agents: { defaults: { limit: Infinity } } }`)
  const before = snapshot(file)
  const inSync = runScript(t, SYNC_SCRIPT_FILE, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN })
  t.equal(inSync.status, 0, 'nothing to rewrite: no refusal')
  t.match(inSync.stdout, /already in sync; not rewritten/)
  assertUntouched(t, file, before)
  t.end()
})
