// The real OpenClaw's own choice of config file, for the comparison in config-path.test.ts: its
// dist modules, called in a child process the way its entry does it before anything reads a
// path (2026.9.6 dist/entry.js: parseCliProfileArgs, applyCliProfileEnv, then pinRuntimePaths;
// 2026.3.2 dist/entry.js: the same two, then CONFIG_PATH = resolveConfigPathCandidate). The dist
// file names carry build hashes, so the functions are found by their names in the export lines.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import type { OpenClaw } from './openclaw.ts'

/** A dist file defining `fn` and the name it is exported under; throws when none does. */
function exported(oc: OpenClaw, fn: string, prefer: (file: string) => boolean = () => true): { file: string; as: string } {
  const dist = path.join(oc.packageDir, 'dist')
  const files = readdirSync(dist).filter((f) => /\.m?js$/.test(f)).sort((a, b) => Number(!prefer(a)) - Number(!prefer(b)))
  for (const f of files) {
    const text = readFileSync(path.join(dist, f), 'utf8')
    if (!text.includes(`function ${fn}(`)) continue
    const m = new RegExp(`\\b${fn} as (\\w+)\\b`).exec(text.slice(text.lastIndexOf('export {')))
    if (m) return { file: path.join(dist, f), as: m[1] as string }
  }
  throw new Error(`openclaw ${oc.version}: no dist file exports ${fn}`)
}

const JUDGE = `
const [profileFile, profileAs, applyFile, applyAs, pathsFile, pathsAs, pinAs, twice] = JSON.parse(process.env.JUDGE_MODULES)
const words = JSON.parse(process.env.JUDGE_WORDS)
delete process.env.JUDGE_MODULES; delete process.env.JUDGE_WORDS
const parse = (await import(profileFile))[profileAs]
const apply = (await import(applyFile))[applyAs]
const paths = await import(pathsFile)
const argv = ['node', 'openclaw.mjs', ...words]
for (let i = 0; i < (twice ? 2 : 1); i++) {
  const parsed = parse(argv)
  if (!parsed.ok) { process.stdout.write(JSON.stringify({ error: parsed.error })); process.exit(0) }
  if (parsed.profile) apply({ profile: parsed.profile })
}
const file = pinAs ? paths[pinAs](process.env).configPath : paths[pathsAs](process.env)
process.stdout.write(JSON.stringify({ file }))
`

/**
 * The file `oc`'s own code says its CLI reads, run as `openclaw <words>` with exactly `env` (no
 * other variable) in `cwd`: { file } or { error } (a command line it refuses).
 */
export function openclawChoice(oc: OpenClaw, env: Record<string, string>, words: string[], cwd: string): { file?: string; error?: string } {
  const modern = !oc.version.startsWith('2026.3.')
  const profile = modern ? exported(oc, 'parseCliProfileArgs', (f) => f.startsWith('profile-')) : exported(oc, 'parseCliProfileArgs', (f) => f === 'entry.js')
  const apply = modern ? exported(oc, 'applyCliProfileEnv', (f) => f.startsWith('profile-')) : exported(oc, 'applyCliProfileEnv', (f) => f === 'entry.js')
  const paths = exported(oc, 'resolveConfigPathCandidate', (f) => f.startsWith('paths-'))
  const pin = modern ? exported(oc, 'pinRuntimePaths', (f) => f === path.basename(paths.file)).as : ''
  const out = execFileSync(oc.node, ['--input-type=module', '-e', JUDGE], {
    cwd,
    env: { ...env, JUDGE_WORDS: JSON.stringify(words), JUDGE_MODULES: JSON.stringify([profile.file, profile.as, apply.file, apply.as, paths.file, paths.as, pin, modern]) },
    encoding: 'utf8',
    timeout: 120_000,
  })
  return JSON.parse(out) as { file?: string; error?: string }
}
