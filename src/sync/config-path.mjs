// Which file OpenClaw reads: its PATH_RULES per release, the gateway's command line as OpenClaw's CLI
// sees it, and the resolution. Reads only the env passed in and whether candidate paths exist.
import { fs, path, os } from './node.mjs'

// Which file OpenClaw reads, per release, as data: read from each release's npm package (dist/,
// named above each row), and checked against that package's own resolver by
// test/openclaw/config-path.test.ts.
// `configVars`/`stateVars`: the env names of OPENCLAW_CONFIG_PATH and OPENCLAW_STATE_DIR, first
// set wins; `legacyDirs`/`legacyFiles`: the earlier names, tried after .openclaw/openclaw.json in
// this order; `blankHome`: home values taken as unset; `profileArgs`: `before-command` (root
// options end at the first word) or `anywhere` (until `--`; `--dev` after `gateway` is that
// command's own flag); `profileEnv`: `fill` (the profile's dir fills OPENCLAW_STATE_DIR and
// OPENCLAW_CONFIG_PATH where unset) or `switch` (as fill, and a state dir or config path naming
// the inherited OPENCLAW_PROFILE's own dir moves to the new one); `fastTest`: what turns on its
// test shortcut (no existence checks).
export const PATH_RULES = [
  // openclaw@2026.3.2 dist/entry.js (parseCliProfileArgs, applyCliProfileEnv), dist/daemon-cli.js
  // (src/infra/home-dir.ts, src/config/paths.ts)
  {
    release: '2026.3.2',
    configVars: ['OPENCLAW_CONFIG_PATH', 'CLAWDBOT_CONFIG_PATH'],
    stateVars: ['OPENCLAW_STATE_DIR', 'CLAWDBOT_STATE_DIR'],
    legacyDirs: ['.clawdbot', '.moldbot', '.moltbot'],
    legacyFiles: ['clawdbot.json', 'moldbot.json', 'moltbot.json'],
    blankHome: [],
    profileArgs: 'before-command',
    profileEnv: 'fill',
    fastTest: 'OPENCLAW_TEST_FAST',
  },
  // openclaw@2026.9.6 dist/entry.js, profile-*.mjs (src/cli/profile.ts), cli-root-options.mjs,
  // paths-*.mjs (src/config/state-dir.ts, src/config/paths.ts), home-dir-*.mjs, test-runtime-env-*.mjs
  {
    release: '2026.9.6',
    configVars: ['OPENCLAW_CONFIG_PATH'],
    stateVars: ['OPENCLAW_STATE_DIR'],
    legacyDirs: ['.clawdbot'],
    legacyFiles: ['clawdbot.json'],
    blankHome: ['undefined', 'null'],
    profileArgs: 'anywhere',
    profileEnv: 'switch',
    fastTest: 'OPENCLAW_TEST_FAST+vitest',
  },
]
// OpenClaw's root options (cli-root-options.mjs, 2026.9.6) that take a value, and those that do not.
export const ROOT_VALUE_OPTIONS = ['--profile', '--log-level', '--container']
export const ROOT_FLAGS = ['--dev', '--no-color']
export const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i

// The words OpenClaw's CLI sees after its entry (process.argv.slice(2)), from the gateway's
// command and args; null when they cannot be told (a shell, or the image's own entrypoint).
export function cliWords(argv) {
  if (argv.length === 0) return null
  const base = (w) => path.basename(String(w))
  // Init wrappers that run the rest as it is: tini (the official image's ENTRYPOINT) up to its
  // `--`, and the node image's docker-entrypoint.sh before a command.
  if (/^tini(-static)?$/.test(base(argv[0])) && argv.includes('--')) return cliWords(argv.slice(argv.indexOf('--') + 1))
  if (base(argv[0]) === 'docker-entrypoint.sh' && argv.length > 1 && !argv[1].startsWith('-')) return cliWords(argv.slice(1))
  let i = 0
  if (/^node(js)?[0-9.]*$/.test(base(argv[0]))) {
    for (i = 1; i < argv.length && argv[i].startsWith('-'); i++) if (['-r', '--require', '--import', '--loader', '--conditions', '-C'].includes(argv[i])) i++
    if (i >= argv.length || ['-e', '--eval', '-p', '--print'].includes(argv[i - 1])) return null
    return /openclaw|\.m?js$/.test(base(argv[i])) ? argv.slice(i + 1) : null
  }
  return /^openclaw(\.mjs)?$/.test(base(argv[0])) ? argv.slice(1) : null
}

// The profile the gateway's root options choose (`parseCliProfileArgs`), or { error }.
export function profileOf(words, rule) {
  let profile = null
  let sawDev = false
  let command = null
  const isValue = (w) => w !== undefined && w !== '' && w !== '--' && (!w.startsWith('-') || /^-\d+(\.\d+)?$/.test(w))
  for (let i = 0; i < words.length; i++) {
    const w = words[i]
    if (rule.profileArgs === 'before-command' && command !== null) break
    if (w === '--' && rule.profileArgs === 'anywhere') break
    if (w === '--dev') {
      if (rule.profileArgs === 'anywhere' && command === 'gateway') continue
      if (profile && profile !== 'dev') return { error: 'Cannot combine --dev with --profile' }
      sawDev = true
      profile = 'dev'
      continue
    }
    if (w === '--profile' || w.startsWith('--profile=')) {
      const inline = w.includes('=')
      const next = words[i + 1]
      const consumed = !inline && (rule.profileArgs === 'anywhere' ? isValue(next) : Boolean(next))
      const value = ((inline ? w.slice(w.indexOf('=') + 1) : consumed ? next : '') || '').trim() || null
      if (consumed) i++
      if (rule.profileArgs === 'anywhere' && command === 'qa' && words.slice(0, i).filter((x) => !x.startsWith('-'))[1] === 'matrix') continue
      if (sawDev) return { error: 'Cannot combine --dev with --profile' }
      if (!value) return { error: '--profile requires a value' }
      if (!PROFILE_NAME.test(value)) return { error: 'Invalid --profile' }
      profile = value
      continue
    }
    if (rule.profileArgs === 'anywhere' && (ROOT_VALUE_OPTIONS.includes(w) || ROOT_FLAGS.includes(w))) {
      if (ROOT_VALUE_OPTIONS.includes(w) && isValue(words[i + 1])) i++
      continue
    }
    if (!w.startsWith('-') && command === null) command = w
  }
  return { profile }
}

// The file `rule` says OpenClaw reads with this env (the image's ENV and the gateway's env
// sources, as this container has them), cwd and CLI words: { file, why } or { error }.
export function resolveWithRule(rule, env, words) {
  const first = (names) => { for (const n of names) { const v = (env[n] || '').trim(); if (v) return { name: n, value: v } } return null }
  const homeValue = (v) => { const t = (v || '').trim(); return t && !rule.blankHome.includes(t) ? t : undefined }
  const osHome = () => homeValue(env.HOME) || homeValue(env.USERPROFILE) || homeValue(os.homedir())
  const home = () => {
    const explicit = homeValue(env.OPENCLAW_HOME)
    if (explicit && (explicit === '~' || explicit.startsWith('~/'))) {
      const base = osHome()
      return base ? path.resolve(explicit.replace(/^~/, base)) : process.cwd()
    }
    const raw = explicit || osHome()
    return path.resolve(raw || process.cwd())
  }
  const userPath = (v) => path.resolve(v.startsWith('~') && /^~($|\/)/.test(v) ? v.replace(/^~/, home()) : v)
  const fast = rule.fastTest === 'OPENCLAW_TEST_FAST' ? env.OPENCLAW_TEST_FAST === '1'
    : env.OPENCLAW_TEST_FAST === '1' && (['true', '1'].includes(env.VITEST) || env.VITEST_POOL_ID !== undefined || env.VITEST_WORKER_ID !== undefined || env.NODE_ENV === 'test')
  const exists = (p) => { try { return fs.existsSync(p) } catch { return false } }
  let why = []
  if (words !== null) {
    const parsed = profileOf(words, rule)
    if (parsed.error) return { error: `the gateway's command line is one OpenClaw refuses (${parsed.error})` }
    if (parsed.profile) {
      // applyCliProfileEnv: env as the gateway's CLI leaves it before anything reads a path.
      const profile = parsed.profile
      const dirOf = (p) => path.join(home(), p.toLowerCase() === 'default' ? '.openclaw' : `.openclaw-${p}`)
      const stateDir0 = (env.OPENCLAW_STATE_DIR || '').trim()
      const config0 = (env.OPENCLAW_CONFIG_PATH || '').trim()
      const inherited = (env.OPENCLAW_PROFILE || '').trim() || 'default'
      const serviceMarker = (env.OPENCLAW_SERVICE_MARKER || '').trim()
      env = { ...env, OPENCLAW_PROFILE: profile }
      if (rule.profileEnv === 'fill') {
        const stateDir = stateDir0 || dirOf(profile)
        if (!stateDir0) env.OPENCLAW_STATE_DIR = stateDir
        if (!config0) env.OPENCLAW_CONFIG_PATH = path.join(stateDir, 'openclaw.json')
      } else {
        if (!PROFILE_NAME.test(inherited)) return { error: `OPENCLAW_PROFILE ${JSON.stringify(inherited)} is a name OpenClaw refuses` }
        if (serviceMarker === 'openclaw') return { error: 'OPENCLAW_SERVICE_MARKER is set, whose service rules this script does not carry' }
        const switches = dirOf(inherited) !== dirOf(profile)
        const switchesState = Boolean(stateDir0 && switches && userPath(stateDir0) === dirOf(inherited))
        const replacesConfig = Boolean(switches && (!stateDir0 || switchesState) && config0 && userPath(config0) === path.join(dirOf(inherited), 'openclaw.json'))
        const stateDir = stateDir0 && !switchesState ? stateDir0 : dirOf(profile)
        if (!stateDir0 || switchesState) env.OPENCLAW_STATE_DIR = stateDir
        if (!config0 || replacesConfig) env.OPENCLAW_CONFIG_PATH = path.join(stateDir, 'openclaw.json')
      }
      why.push(`profile ${profile}`)
    }
  }
  const explicit = first(rule.configVars)
  if (explicit) return { file: userPath(explicit.value), why: [...why, explicit.name].join(', ') }
  const stateVar = first(rule.stateVars)
  const dirs = [path.join(home(), '.openclaw'), ...rule.legacyDirs.map((d) => path.join(home(), d))]
  const stateDir = () => {
    if (stateVar) return userPath(stateVar.value)
    if (fast || exists(dirs[0])) return dirs[0]
    return dirs.find(exists) || dirs[0]
  }
  if (!fast) {
    const candidates = []
    for (const dir of [...(stateVar ? [userPath(stateVar.value)] : []), ...dirs]) for (const name of ['openclaw.json', ...rule.legacyFiles]) candidates.push(path.join(dir, name))
    const found = candidates.find(exists)
    if (found) return { file: found, why: [...why, stateVar ? stateVar.name : 'home', 'the first existing candidate'].join(', ') }
  }
  const dir = stateDir()
  return { file: path.join(dir, 'openclaw.json'), why: [...why, stateVar ? stateVar.name : dir === dirs[0] ? 'home' : 'an existing legacy state directory', 'no file yet'].join(', ') }
}

// The gateway's command line as the engine passed it (OPENCLAW_INJECTOR_GATEWAY_COMMAND and
// _ARGS, JSON arrays, each absent where the pod spec has none): { words } for cliWords, or
// { words: null, note } where OpenClaw's words cannot be read here, or { error } where the
// command line may set what decides the path in a way this script cannot follow.
export function gatewayCommandLine(env) {
  const list = (name) => {
    if (env[name] === undefined) return undefined
    let v
    try { v = JSON.parse(env[name]) } catch { v = null }
    if (!Array.isArray(v) || !v.every((w) => typeof w === 'string')) throw new Error(`${name} must be a JSON array of strings`)
    return v
  }
  const command = list('OPENCLAW_INJECTOR_GATEWAY_COMMAND')
  const args = list('OPENCLAW_INJECTOR_GATEWAY_ARGS') || []
  // Neither set: run by hand or by a test, not by the engine, which always sets the args.
  if (command === undefined && env.OPENCLAW_INJECTOR_GATEWAY_ARGS === undefined) return { words: [], note: 'no command line given' }
  // Without a command the args replace the image's CMD: the official image's entrypoint runs them.
  const argv = command === undefined ? args : [...command, ...args]
  if (argv.length === 0) return { words: null, note: "the gateway runs the image's own command, which this container cannot read; OpenClaw's root options assumed absent" }
  const words = cliWords(argv)
  if (words !== null) return { words }
  const text = argv.join(' ')
  if (/--profile|--dev\b|OPENCLAW_|CLAWDBOT_|\bHOME=|\bcd\b/.test(text)) return { error: `the gateway's command line (${path.basename(argv[0])} ...) may set the profile, the env or the directory OpenClaw resolves its config from, in a way this script cannot follow` }
  return { words: null, note: `the gateway's command (${path.basename(argv[0])} ...) is not OpenClaw's CLI itself and names no profile, path variable or directory change; OpenClaw's root options assumed absent` }
}

// The version of the OpenClaw in dir (the image's app directory), or undefined.
export function openclawVersion(dir) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    if (pkg.name === 'openclaw' && typeof pkg.version === 'string') return pkg.version
  } catch { /* no OpenClaw here */ }
  return undefined
}

// The file the gateway reads: { file, line } (line: the log line naming it and why), or
// { error } (the file is left alone). The row of the image's release when PATH_RULES has one;
// otherwise every row must give the same file.
export function resolveConfigFile(env, json5From) {
  const cl = gatewayCommandLine(env)
  if (cl.error) return { error: cl.error }
  const version = openclawVersion(json5From)
  const own = PATH_RULES.find((r) => r.release === version)
  const results = (own ? [own] : PATH_RULES).map((rule) => ({ rule, ...resolveWithRule(rule, env, cl.words) }))
  const bad = results.find((r) => r.error)
  if (bad) return { error: bad.error }
  const files = [...new Set(results.map((r) => r.file))]
  const of = version ? `OpenClaw ${version}` : `no OpenClaw version in ${json5From}`
  if (files.length > 1) {
    return { error: `${of}: its rules are not in this script, and those of ${results.map((r) => `${r.rule.release} (${r.file})`).join(' and ')} differ` }
  }
  const rules = own ? `OpenClaw ${own.release}'s rules` : `${of}; the rules of ${PATH_RULES.map((r) => r.release).join(' and ')} agree`
  return { file: files[0], line: `config file ${files[0]} (${results[0].why}; resolved in the pod by ${rules}${cl.note ? `; ${cl.note}` : ''})` }
}
