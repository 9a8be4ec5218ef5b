// The forms of the sync script that pods run, as `npm run build` bundles them from the readable
// modules in src/sync/ with esbuild: each names its source and version on its first line, is the
// exact string the engine embeds, and carries no encoded or opaque part. The form for OpenClaw's
// image has no built-in JSON5 reader; it reads hand-edited JSON5 with the image's json5 (here the
// real json5 package, the one OpenClaw depends on) and, where there is none, plain JSON only,
// refusing anything else with the file left as it is.
import t from 'tap'
import type { Test } from 'tap'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { SYNC_SCRIPT, SYNC_SCRIPT_IMAGE_JSON5, SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS, SYNC_SCRIPT_NO_CREDENTIALS, SYNC_SCRIPT_SHA256, VERSION } from '../../src/build-info.generated.ts'
import { SYNC_SCRIPT_FILE, SYNC_SCRIPT_IMAGE_JSON5_FILE, SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS_FILE, SYNC_SCRIPT_NO_CREDENTIALS_FILE, SYNC_SCRIPT_SOURCE } from '../helpers/sync-script.ts'
import { SYNC_DIR, syncModules, syncSourceSha256 } from '../../scripts/sync-source.ts'

const REPO = path.resolve(path.dirname(SYNC_SCRIPT_SOURCE), '../..')
const TOKEN = 'Xb8mQ2vLr6TzK4Np'
const OLD_TOKEN = 'Fj3wHs9Dc1YgPe7R'
const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`

function run(t: Test, script: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  // `env -i`: exactly this environment, not the developer's nor tap's NODE_OPTIONS.
  const pairs = Object.entries({ PATH: process.env.PATH ?? '', ...env }).map(([k, v]) => `${k}=${v}`)
  const r = spawnSync('/usr/bin/env', ['-i', ...pairs, process.execPath, '-e', script], { encoding: 'utf8', timeout: 20_000 })
  if (r.error) throw r.error
  for (const secret of [TOKEN, OLD_TOKEN]) t.notOk((r.stdout + r.stderr).includes(secret.slice(0, 6)), 'no credential in the output')
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

function tempDir(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-forms-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('each form is the embedded string, minified, with a first line naming its source', async (t) => {
  t.equal(fs.readFileSync(SYNC_SCRIPT_FILE, 'utf8'), SYNC_SCRIPT, 'dist/sync/sync-config.cjs is what the engine embeds')
  t.equal(fs.readFileSync(SYNC_SCRIPT_IMAGE_JSON5_FILE, 'utf8'), SYNC_SCRIPT_IMAGE_JSON5, 'and so is the form for OpenClaw images')
  t.equal(fs.readFileSync(SYNC_SCRIPT_NO_CREDENTIALS_FILE, 'utf8'), SYNC_SCRIPT_NO_CREDENTIALS, 'and both forms without openclaw.ai/credentials')
  t.equal(fs.readFileSync(SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS_FILE, 'utf8'), SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS)
  const source = syncModules(REPO).map((name) => fs.readFileSync(path.join(REPO, SYNC_DIR, name), 'utf8')).join('')
  t.equal(syncSourceSha256(REPO), SYNC_SCRIPT_SHA256, 'built from the source in this tree (run npm run build)')
  const forms = [['SYNC_SCRIPT', SYNC_SCRIPT], ['SYNC_SCRIPT_IMAGE_JSON5', SYNC_SCRIPT_IMAGE_JSON5], ['SYNC_SCRIPT_NO_CREDENTIALS', SYNC_SCRIPT_NO_CREDENTIALS], ['SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS', SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS]] as const
  for (const [name, script] of forms) {
    const first = script.slice(0, script.indexOf('\n'))
    t.match(first, new RegExp(`^// openclaw-injector ${VERSION.replace(/\./g, '\\.')}: src/sync/main\\.mjs \\(sha256 ${SYNC_SCRIPT_SHA256.slice(0, 16)}\\) bundled by esbuild \\d+\\.\\d+\\.\\d+`), `${name}: first line names source, digest and version`)
    t.ok(script.length < source.length * 0.6, `${name}: ${script.length} bytes against ${source.length} of source`)
    // Faithful and readable, not a blob: every message and property name of the source is there as text.
    for (const text of ['openclaw-injector:', 'OPENCLAW_CONFIG_PATH', 'OPENCLAW_GATEWAY_TOKEN', 'gateway.', 'file left unchanged', 'writeSync', 'fsyncSync', 'renameSync']) {
      t.ok(script.includes(text), `${name} contains ${JSON.stringify(text)} as text`)
    }
    t.notMatch(script, /[A-Za-z0-9+/]{200,}={0,2}/, `${name}: no long base64 run`)
    t.notMatch(script, /\beval\(|Buffer\.from\([^)]*base64/, `${name}: nothing decoded and run`)
  }
  t.ok(SYNC_SCRIPT_IMAGE_JSON5.length < SYNC_SCRIPT.length - 2000, 'the form for OpenClaw images leaves the JSON5 reader out')
  t.notOk(SYNC_SCRIPT_IMAGE_JSON5.includes('nested deeper than'), 'none of the reader\'s messages are in it')
  for (const [lean, full] of [[SYNC_SCRIPT_NO_CREDENTIALS, SYNC_SCRIPT], [SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS, SYNC_SCRIPT_IMAGE_JSON5]] as const) {
    t.ok(lean.length < full.length - 1000, `without the credentials annotation's code: ${lean.length} bytes against ${full.length}`)
    t.notOk(lean.includes('would configure it anew'), 'none of its messages are in it')
  }
  t.same(createRequire(import.meta.url)(SYNC_SCRIPT_IMAGE_JSON5_FILE), {}, 'nothing to require from it')
})

t.test('the form for OpenClaw images reads hand-edited JSON5 with the image\'s json5', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  fs.writeFileSync(file, `// hand-edited\n{ gateway: { mode: 'local', auth: { token: '${OLD_TOKEN}', }, }, }\n`, { mode: 0o600 })
  // The repository's node_modules holds json5 (v2, a dev dependency), as OpenClaw's /app does.
  const r = run(t, SYNC_SCRIPT_IMAGE_JSON5, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: REPO })
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stderr, '')
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { mode: 'local', auth: { token: TOKEN }, remote: { token: TOKEN } } }))
  t.equal(fs.statSync(file).mode & 0o777, 0o600)
})

t.test('without json5 in the image, the form for OpenClaw images reads plain JSON and refuses JSON5', async (t) => {
  const dir = tempDir(t)
  const empty = fs.mkdtempSync(path.join(dir, 'app-'))
  const file = path.join(dir, 'openclaw.json')
  fs.writeFileSync(file, json({ gateway: { mode: 'local', auth: { token: OLD_TOKEN } } }), { mode: 0o600 })
  const r = run(t, SYNC_SCRIPT_IMAGE_JSON5, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: empty })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, new RegExp(`^openclaw-injector: cannot load json5 from ${empty} \\(MODULE_NOT_FOUND\\); reading plain JSON only$`, 'm'))
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { mode: 'local', auth: { token: TOKEN }, remote: { token: TOKEN } } }))

  const before = `{ gateway: { auth: { token: '${OLD_TOKEN}' } } } // json5\n`
  fs.writeFileSync(file, before)
  const refused = run(t, SYNC_SCRIPT_IMAGE_JSON5, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: empty })
  t.equal(refused.status, 1)
  t.equal(refused.stderr, `openclaw-injector: error: ${file}: not valid JSON5; file left unchanged\n`, 'one line naming the file')
  t.equal(fs.readFileSync(file, 'utf8'), before, 'byte for byte as it was')

  // The other form reads the same file with its built-in reader.
  const full = run(t, SYNC_SCRIPT, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: empty })
  t.equal(full.status, 0, full.stderr)
  t.equal(fs.readFileSync(file, 'utf8'), json({ gateway: { auth: { token: TOKEN }, remote: { token: TOKEN } } }))
})

t.test('a form without the credentials code refuses a credentials list: exit 2, one line, nothing touched', async (t) => {
  const dir = tempDir(t)
  const file = path.join(dir, 'openclaw.json')
  const before = json({ channels: { telegram: { botToken: OLD_TOKEN } } })
  fs.writeFileSync(file, before, { mode: 0o600 })
  for (const script of [SYNC_SCRIPT_NO_CREDENTIALS, SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS]) {
    const r = run(t, script, { OPENCLAW_CONFIG_PATH: file, OPENCLAW_INJECTOR_CREDENTIALS: 'ref channels.telegram.botToken BOT', BOT: TOKEN, OPENCLAW_INJECTOR_JSON5_FROM: REPO })
    t.equal(r.status, 2)
    t.equal(r.stderr, 'openclaw-injector: error: OPENCLAW_INJECTOR_CREDENTIALS is set, but this form is built without it\n')
  }
  t.equal(fs.readFileSync(file, 'utf8'), before)
})
