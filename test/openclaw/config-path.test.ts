// Which file OpenClaw reads, table-driven: the shipped sync script (the form for OpenClaw images,
// run as `node -e SCRIPT` with OPENCLAW_INJECTOR_RESOLVE_ONLY=1, its log line naming the file)
// against the real package's own resolver (helpers/resolver.ts), on the pinned release and on
// 2026.3.2, for each shape: the image's ENV, root options on the command line, legacy locations.
// Where the script does not know the release (no package.json in its app directory) it must give
// the release's file or refuse, never another file.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SYNC_SCRIPT_IMAGE_JSON5 } from '../../src/build-info.generated.ts'
import { installOpenClaw, OPENCLAW_BEFORE_REFS, OPENCLAW_VERSION, type OpenClaw } from './helpers/openclaw.ts'
import { openclawChoice } from './helpers/resolver.ts'

t.setTimeout(15 * 60_000)
const RELEASES = [OPENCLAW_VERSION, OPENCLAW_BEFORE_REFS]
t.before(() => {
  for (const v of RELEASES) installOpenClaw(v)
})

interface Shape {
  name: string
  /** The env OpenClaw sees (the image's ENV and the pod's); `~` is the shape's home. */
  env: Record<string, string>
  /** OpenClaw's words after its entry (`node openclaw.mjs WORDS`). */
  words: string[]
  /** Files (ending in .json) and directories (ending in /) that exist under the root before. */
  files?: string[]
  /** Relative to the root; the root by default. */
  cwd?: string
}

// Paths in env and files are relative to a fresh root: `/h` is the home, `/data` a volume.
const SHAPES: Shape[] = [
  { name: 'default home, nothing there yet', env: { HOME: '/h' }, words: ['gateway', 'run'] },
  { name: 'default home, state volume at ~/.openclaw', env: { HOME: '/h' }, words: ['gateway'], files: ['h/.openclaw/openclaw.json'] },
  { name: 'image ENV OPENCLAW_STATE_DIR=/data/.openclaw, config there', env: { HOME: '/h', OPENCLAW_STATE_DIR: '/data/.openclaw' }, words: ['gateway'], files: ['data/.openclaw/openclaw.json'] },
  { name: 'image ENV OPENCLAW_STATE_DIR, empty volume', env: { HOME: '/h', OPENCLAW_STATE_DIR: '/data/.openclaw' }, words: ['gateway'], files: ['data/'] },
  { name: 'image ENV OPENCLAW_STATE_DIR, empty, a legacy file in the home', env: { HOME: '/h', OPENCLAW_STATE_DIR: '/data/.openclaw' }, words: ['gateway'], files: ['data/.openclaw/', 'h/.clawdbot/clawdbot.json'] },
  { name: 'image ENV HOME=/data', env: { HOME: '/data' }, words: ['gateway'], files: ['data/.openclaw/openclaw.json'] },
  { name: 'OPENCLAW_HOME', env: { HOME: '/h', OPENCLAW_HOME: '/data' }, words: ['gateway'], files: ['h/.openclaw/openclaw.json'] },
  { name: 'OPENCLAW_HOME=~/sub', env: { HOME: '/h', OPENCLAW_HOME: '~/sub' }, words: ['gateway'] },
  { name: 'OPENCLAW_CONFIG_PATH=~/c.json, trailing spaces', env: { HOME: '/h', OPENCLAW_CONFIG_PATH: '~/c.json  ' }, words: ['gateway'], files: ['h/.openclaw/openclaw.json'] },
  { name: 'relative OPENCLAW_STATE_DIR, from the working directory', env: { HOME: '/h', OPENCLAW_STATE_DIR: 'state' }, words: ['gateway'], cwd: 'app', files: ['app/state/'] },
  { name: '--profile work gateway run', env: { HOME: '/h' }, words: ['--profile', 'work', 'gateway', 'run'], files: ['h/.openclaw/openclaw.json'] },
  { name: '--profile=work, its file there', env: { HOME: '/h' }, words: ['--profile=work', 'gateway'], files: ['h/.openclaw-work/openclaw.json', 'h/.openclaw/openclaw.json'] },
  { name: '--dev gateway', env: { HOME: '/h' }, words: ['--dev', 'gateway'], files: ['h/.openclaw/openclaw.json'] },
  { name: "gateway --dev (the gateway command's own flag)", env: { HOME: '/h' }, words: ['gateway', '--dev'], files: ['h/.openclaw/openclaw.json'] },
  { name: 'gateway run --profile work (after the command)', env: { HOME: '/h' }, words: ['gateway', 'run', '--profile', 'work'], files: ['h/.openclaw/openclaw.json'] },
  { name: '--log-level debug --profile work gateway', env: { HOME: '/h' }, words: ['--log-level', 'debug', '--profile', 'work', 'gateway'] },
  { name: '--profile work with OPENCLAW_STATE_DIR set', env: { HOME: '/h', OPENCLAW_STATE_DIR: '/data/s' }, words: ['--profile', 'work', 'gateway'], files: ['data/s/openclaw.json'] },
  { name: '--profile work with OPENCLAW_CONFIG_PATH set', env: { HOME: '/h', OPENCLAW_CONFIG_PATH: '/data/c.json' }, words: ['--profile', 'work', 'gateway'] },
  { name: '--profile work over an inherited OPENCLAW_PROFILE and its state dir', env: { HOME: '/h', OPENCLAW_PROFILE: 'old', OPENCLAW_STATE_DIR: '/h/.openclaw-old' }, words: ['--profile', 'work', 'gateway'], files: ['h/.openclaw-old/openclaw.json'] },
  { name: '--profile with a name OpenClaw refuses', env: { HOME: '/h' }, words: ['--profile', 'no/such', 'gateway'] },
  { name: '--dev and --profile together', env: { HOME: '/h' }, words: ['--dev', '--profile', 'x', 'gateway'] },
  { name: 'legacy ~/.clawdbot/clawdbot.json only', env: { HOME: '/h' }, words: ['gateway'], files: ['h/.clawdbot/clawdbot.json'] },
  { name: 'legacy ~/.clawdbot directory without a file', env: { HOME: '/h' }, words: ['gateway'], files: ['h/.clawdbot/'] },
  { name: 'empty ~/.openclaw beside a legacy file', env: { HOME: '/h' }, words: ['gateway'], files: ['h/.openclaw/', 'h/.clawdbot/clawdbot.json'] },
  { name: 'openclaw.json in the legacy directory', env: { HOME: '/h' }, words: ['gateway'], files: ['h/.clawdbot/openclaw.json'] },
  { name: 'legacy ~/.moltbot/moltbot.json (an earlier name)', env: { HOME: '/h' }, words: ['gateway'], files: ['h/.moltbot/moltbot.json'] },
  { name: 'CLAWDBOT_STATE_DIR (an earlier variable)', env: { HOME: '/h', CLAWDBOT_STATE_DIR: '/data/cb' }, words: ['gateway'], files: ['data/cb/openclaw.json'] },
  { name: 'clawdbot.json inside OPENCLAW_STATE_DIR', env: { HOME: '/h', OPENCLAW_STATE_DIR: '/data/s' }, words: ['gateway'], files: ['data/s/clawdbot.json'] },
  { name: 'HOME "undefined" with OPENCLAW_HOME', env: { HOME: 'undefined', OPENCLAW_HOME: '/h' }, words: ['gateway'] },
]

/** The root-relative paths of a shape made absolute under `root` (env values starting with / or ~/ stay as OpenClaw reads them, under root). */
function materialise(shape: Shape, root: string): { env: Record<string, string>; cwd: string } {
  for (const f of shape.files ?? []) {
    const p = path.join(root, f)
    if (f.endsWith('/')) mkdirSync(p, { recursive: true })
    else {
      mkdirSync(path.dirname(p), { recursive: true })
      writeFileSync(p, '{}\n')
    }
  }
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(shape.env)) env[k] = v.startsWith('/') ? path.join(root, v) + (v.endsWith(' ') ? '  ' : '') : v
  const cwd = path.join(root, shape.cwd ?? '')
  mkdirSync(cwd, { recursive: true })
  return { env, cwd }
}

/** The shipped script's choice: the file its log line names, or { error } when it leaves the file alone. */
function scriptChoice(env: Record<string, string>, words: string[], cwd: string, json5From: string): { file?: string; error?: string; line: string } {
  const out = execFileSync(process.execPath, ['-e', SYNC_SCRIPT_IMAGE_JSON5], {
    cwd,
    env: {
      ...env,
      OPENCLAW_INJECTOR_GATEWAY_COMMAND: JSON.stringify(['node', '/app/openclaw.mjs']),
      OPENCLAW_INJECTOR_GATEWAY_ARGS: JSON.stringify(words),
      OPENCLAW_INJECTOR_RESOLVE_ONLY: '1',
      OPENCLAW_INJECTOR_JSON5_FROM: json5From,
    },
    encoding: 'utf8',
  })
  const line = out.split('\n').find((l) => l.includes('config file')) ?? out
  const m = /config file (\S+) \(/.exec(line)
  return m ? { file: m[1] as string, line } : { error: line, line }
}

for (const version of RELEASES) {
  t.test(`openclaw ${version}: the script's file is OpenClaw's own, on ${SHAPES.length} shapes`, async (t) => {
    const oc: OpenClaw = installOpenClaw(version)
    const unknown = mkdtempSync(path.join(os.tmpdir(), 'oi-noversion-'))
    t.teardown(() => rmSync(unknown, { recursive: true, force: true }))
    for (const shape of SHAPES) {
      const root = mkdtempSync(path.join(os.tmpdir(), 'oi-path-'))
      try {
        const { env, cwd } = materialise(shape, root)
        const want = openclawChoice(oc, env, shape.words, cwd)
        const got = scriptChoice(env, shape.words, cwd, oc.packageDir)
        if (want.error !== undefined) t.ok(got.error !== undefined && /not resolved/.test(got.line), `${shape.name}: OpenClaw refuses the command line (${want.error}); the script leaves the file alone`, { line: got.line })
        else t.equal(got.file, want.file, `${shape.name}: ${path.relative(root, want.file ?? '')}`, { line: got.line })
        // The same pod where the script cannot read the release: OpenClaw's file, or none.
        const blind = scriptChoice(env, shape.words, cwd, unknown)
        if (blind.file !== undefined) t.equal(blind.file, want.file, `${shape.name}: release unknown to the script, same file`, { line: blind.line })
        else t.match(blind.line, /config file not resolved: /, `${shape.name}: release unknown to the script: left alone, with the reason`)
      } finally {
        rmSync(root, { recursive: true, force: true })
      }
    }
  })
}
