'use strict'
// openclaw-injector: run before OpenClaw starts, keeps the gateway credentials in OpenClaw's config
// file in line with the Secret. The gateway prefers a plaintext gateway.auth.token in the file to the
// environment, so a stale copy on the volume would silently cancel a rotated Secret. Never prints a
// credential; a file it cannot handle safely is left byte-for-byte as it is.
// False only in the forms scripts/build.ts makes for OpenClaw images, which bring OpenClaw's own
// json5: the build defines OPENCLAW_INJECTOR_IMAGE_JSON5, and the built-in reader drops out.
const BUILTIN_JSON5 = typeof OPENCLAW_INJECTOR_IMAGE_JSON5 === 'undefined'
// False only in the forms for pods without annotation openclaw.ai/credentials (the build defines
// OPENCLAW_INJECTOR_NO_CREDENTIALS), which leave the code for those credentials out.
// Both first, before any call, so that the minifier can fold them.
const CONFIG_CREDS = typeof OPENCLAW_INJECTOR_NO_CREDENTIALS === 'undefined'
const fs = require('node:fs')
const path = require('node:path')
const os = require('node:os')
const crypto = require('node:crypto')

const PREFIX = 'openclaw-injector:'
// Values the gateway refuses at start (OpenClaw 2026.9.6: blank, "undefined"/"null", published
// examples, redaction markers) plus common defaults. Compared trimmed, case-insensitively.
const PLACEHOLDERS = ['undefined', 'null', 'change-me-now', 'change-me-to-a-long-random-token',
  'change-me-to-a-strong-password', 'change-me', 'changeme', '__openclaw_redacted__', 'redacted', '***',
  '[redacted]', '<redacted>', '[redacted credential]', '[redacted_private_key]', 'xoxb-redacted', 'xapp-redacted']
const CREDENTIALS = [
  { key: 'token', env: 'OPENCLAW_GATEWAY_TOKEN' },
  { key: 'password', env: 'OPENCLAW_GATEWAY_PASSWORD' },
]
// The first OpenClaw release that takes an env SecretRef at gateway.auth.token (2026.3.2 refuses
// one); the engine's REF_SINCE (src/engine/index.ts) holds the same number.
const REF_SINCE = [2026, 3, 7]
// A temp file left by a killed run is removed only once this old: a run in progress elsewhere
// (another pod on a shared volume) must not lose its temp file.
const STALE_TEMP_MS = 10 * 60 * 1000
// The most of a config or seed file this script reads; a larger one is refused before it is read.
// Peak memory grows with the file and its shape (`npm run bench:sync`): at 2 MiB about 120 MiB for a
// config of agents and 240 MiB for the worst shape measured, 700,000 empty objects, both within the
// container's default 256Mi limit; at 4 MiB that shape takes 360 MiB.
const MAX_CONFIG_BYTES = 2 * 1024 * 1024
const OVER_MAX = `more than the ${MAX_CONFIG_BYTES} (${MAX_CONFIG_BYTES / 1048576} MiB) this script reads`

// An expected failure: its lines are printed as they are; ON_ERROR decides the exit code.
class Refusal extends Error {
  constructor(lines) { super(String(lines)); this.lines = [].concat(lines) }
}
const untouched = (file, why) => new Refusal(`${file}: ${why}; file left unchanged`)
const log = (line) => process.stdout.write(`${PREFIX} ${line}\n`)
const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k)
const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
// SecretRef objects ({source, provider, id}) are resolved by OpenClaw: they follow the Secret already.
const isSecretRef = (v) => isObject(v) && hasOwn(v, 'source')
const isSet = (v) => (typeof v === 'string' && v.trim() !== '') || isObject(v)

// True when OpenClaw takes the string from the environment itself: ${UPPER_CASE_VAR} anywhere in it
// ($${VAR} is OpenClaw's escape for a literal), or the whole value being the shorthand $VAR.
function isEnvReference(s) {
  if (/^\s*\$[A-Z][A-Z0-9_]{0,127}\s*$/.test(s)) return true
  const re = /\$?\$\{[A-Z_][A-Z0-9_]*\}/g
  for (let m; (m = re.exec(s)) !== null;) if (!m[0].startsWith('$$')) return true
  return false
}

function readSettings(env) {
  const choice = (name, allowed) => {
    const v = env[name] || allowed[0]
    if (!allowed.includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`)
    return v
  }
  gatewayCommandLine(env) // a malformed command line is a broken injection
  if (!CONFIG_CREDS && env.OPENCLAW_INJECTOR_CREDENTIALS) throw new Error('OPENCLAW_INJECTOR_CREDENTIALS is set, but this form is built without it')
  return {
    seedPath: env.OPENCLAW_INJECTOR_SEED_PATH || '',
    mode: choice('OPENCLAW_INJECTOR_MODE', ['auto', 'sync', 'ref']),
    // The annotation openclaw.ai/credentials, as the engine resolved it: one `FORM PATH ENV` a line.
    configCreds: CONFIG_CREDS ? (env.OPENCLAW_INJECTOR_CREDENTIALS || '').split('\n').filter(Boolean).map((line) => {
      const [form, p, name] = line.split(' ')
      if (!['ref', 'template'].includes(form) || !p || !/^[A-Z][A-Z0-9_]{0,127}$/.test(name || '')) throw new Error(`OPENCLAW_INJECTOR_CREDENTIALS: bad line ${JSON.stringify(line)}`)
      return { form, path: p, env: name }
    }) : [],
    onError: choice('OPENCLAW_INJECTOR_ON_ERROR', ['fail', 'warn']),
    json5From: env.OPENCLAW_INJECTOR_JSON5_FROM || '/app',
    // OPENCLAW_INJECTOR_RESOLVE_ONLY=1: name the file the gateway reads (the log line) and stop.
    resolveOnly: env.OPENCLAW_INJECTOR_RESOLVE_ONLY === '1',
    // The gateway's writable mounts (the engine sets one per mount): nothing is written elsewhere.
    stateMounts: Object.keys(env).filter((k) => k.startsWith('OPENCLAW_INJECTOR_STATE_MOUNT_')).map((k) => path.normalize(env[k])),
  }
}

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
const PATH_RULES = [
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
const ROOT_VALUE_OPTIONS = ['--profile', '--log-level', '--container']
const ROOT_FLAGS = ['--dev', '--no-color']
const PROFILE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i

// The words OpenClaw's CLI sees after its entry (process.argv.slice(2)), from the gateway's
// command and args; null when they cannot be told (a shell, or the image's own entrypoint).
function cliWords(argv) {
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
function profileOf(words, rule) {
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
function resolveWithRule(rule, env, words) {
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
function gatewayCommandLine(env) {
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
function openclawVersion(dir) {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'))
    if (pkg.name === 'openclaw' && typeof pkg.version === 'string') return pkg.version
  } catch { /* no OpenClaw here */ }
  return undefined
}

// The file the gateway reads: { file, line } (line: the log line naming it and why), or
// { error } (the file is left alone). The row of the image's release when PATH_RULES has one;
// otherwise every row must give the same file.
function resolveConfigFile(env, json5From) {
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

const isPlaceholder = (v) => !v.trim() || PLACEHOLDERS.includes(v.trim().toLowerCase())

// The credentials to sync. Empty means "not provided" (optional secretKeyRef); a placeholder is
// refused before anything is read or written. So is an empty or placeholder value of a credential
// the annotation names (its secretKeyRef is not optional): OpenClaw would run with it unresolved.
function readCredentials(env, configCreds) {
  const creds = CREDENTIALS.filter((c) => env[c.env]).map((c) => ({ ...c, value: env[c.env] }))
  const bad = creds.filter((c) => isPlaceholder(c.value)).map((c) => `${c.env} is a placeholder (blank, "undefined", "change-me-now", ...) that the gateway refuses; not written`)
  if (CONFIG_CREDS) for (const c of configCreds) if (isPlaceholder(env[c.env] || '')) bad.push(`${c.env} (for ${c.path}) is empty or a placeholder; check its Secret; nothing written`)
  if (bad.length) throw new Refusal(bad)
  return creds
}

// What `auto` decides: `ref` when the image's OpenClaw (the app's package.json in dir, the
// official image's /app) is REF_SINCE or later, `sync` otherwise or when it cannot tell.
function resolveMode(mode, dir) {
  if (mode !== 'auto') return mode
  const version = openclawVersion(dir)
  const m = typeof version === 'string' && /^(\d+)\.(\d+)\.(\d+)(-?)/.exec(version)
  const v = m ? m.slice(1, 4).map(Number) : []
  const i = v.findIndex((n, k) => n !== REF_SINCE[k])
  // A prerelease of REF_SINCE itself counts as older.
  const ref = m ? (i < 0 ? !m[4] : v[i] > REF_SINCE[i]) : false
  log(`mode auto: ${ref ? 'ref' : 'sync'}: ${m ? `OpenClaw ${version}` : 'no OpenClaw version'} in ${dir}; env SecretRefs need ${REF_SINCE.join('.')} or later`)
  return ref ? 'ref' : 'sync'
}

// OpenClaw's own json5 (in the image's app dir) when present, else the built-in reader below (or,
// in the form without it, JSON.parse, which refuses a file with JSON5 syntax as not valid).
function loadParser(dir) {
  try {
    const mod = require(json5Entry(dir))
    const parse = mod && (mod.parse || (mod.default && mod.default.parse))
    if (typeof parse === 'function') return (text) => parse(text)
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' || !BUILTIN_JSON5) {
      log(`cannot load json5 from ${dir} (${e.code || e.name}); ${BUILTIN_JSON5 ? 'using the built-in reader' : 'reading plain JSON only'}`)
    }
  }
  return BUILTIN_JSON5 ? parseJson5 : JSON.parse
}

// The absolute path of the file that is json5 in the app directory dir: <dir>/node_modules/json5
// (through links inside dir, as pnpm makes them), its entry read from its package.json here: the
// first of the require, node and default conditions of exports["."], else main, else index.js,
// the exact file named (as json5's releases name it). Node's own lookup of require('json5') would
// also search every parent's node_modules, $HOME/.node_modules, $HOME/.node_libraries and
// NODE_PATH, where a module planted on the volume or named in the pod's env would run; nothing
// outside dir is ever loaded from here.
// Throws an error with code MODULE_NOT_FOUND when dir has no json5, OUTSIDE_APP_DIR when its
// package or entry resolves outside dir, or the file system's error.
function json5Entry(dir) {
  const real = (p) => {
    try { return fs.realpathSync(p) } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw Object.assign(new Error(`no ${p}`), { code: 'MODULE_NOT_FOUND' })
      throw e
    }
  }
  const within = (p, d) => p === d || p.startsWith(d.endsWith(path.sep) ? d : d + path.sep)
  const outside = (what) => Object.assign(new Error(`${what} resolves outside ${dir}`), { code: 'OUTSIDE_APP_DIR' })
  const app = real(path.resolve(dir))
  const pkgDir = real(path.join(app, 'node_modules', 'json5'))
  if (!within(pkgDir, app)) throw outside('node_modules/json5')
  let pkg = {}
  try { pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) } catch (e) { if (e.code !== 'ENOENT') throw e }
  let entry = isObject(pkg.exports) && hasOwn(pkg.exports, '.') ? pkg.exports['.'] : pkg.exports
  for (let n = 0; n < 8 && (isObject(entry) || Array.isArray(entry)); n++) {
    entry = Array.isArray(entry) ? entry[0] : entry[Object.keys(entry).find((k) => ['require', 'node', 'default'].includes(k))]
  }
  if (typeof entry !== 'string') entry = typeof pkg.main === 'string' && pkg.main ? pkg.main : 'index.js'
  const file = real(path.resolve(pkgDir, entry))
  if (!within(file, pkgDir)) throw outside(`json5's entry ${entry}`)
  return file
}

// JSON5 reader (spec.json5.org): comments, trailing commas, identifier keys, single quotes, hex,
// +/-Infinity, NaN, .5 and 5., escapes, line continuations. Errors carry line and column only,
// never the text, which may hold a secret. Left out of the form for OpenClaw images (BUILTIN_JSON5).
const parseJson5 = BUILTIN_JSON5 && function parseJson5(text) {
  let i = 0
  // ES5.1 identifier classes, as JSON5 (and OpenClaw's json5) define them; each \\u escape must
  // be such a character on its own.
  const ID_START = /[\p{L}\p{Nl}$_]/u
  const ID_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$\u200c\u200d]/u
  // Deeper than any real config; a clear refusal instead of a stack overflow.
  const MAX_DEPTH = 1000
  let depth = 0
  const NUMBER = /0[xX][0-9a-fA-F]+|(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y
  const SPACE = /[\t\n\v\f\r \u00a0\u2028\u2029\ufeff\p{Zs}]/u
  const ESCAPES = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '', '\u2028': '', '\u2029': '' }
  const fail = (what) => {
    const lines = text.slice(0, i).split(/\r\n|[\n\r\u2028\u2029]/)
    throw Object.assign(new SyntaxError(what), { lineNumber: lines.length, columnNumber: lines[lines.length - 1].length + 1 })
  }
  const skip = () => {
    for (;;) {
      const c = text[i]
      if (c === '/' && text[i + 1] === '/') while (i < text.length && !'\n\r\u2028\u2029'.includes(text[i])) i++
      else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2)
        if (end < 0) fail('unterminated comment')
        i = end + 2
      } else if (c === ' ' || c === '\n' || (c !== undefined && SPACE.test(c))) i++
      else return
    }
  }
  const hex = (n) => {
    const h = text.slice(i, i + n)
    if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== n) fail('bad escape')
    i += n
    return String.fromCharCode(parseInt(h, 16))
  }
  const string = () => {
    const quote = text[i++]
    let out = ''
    for (let from = i; ;) {
      const c = text[i]
      if (c === undefined || c === '\n' || c === '\r') fail('unterminated string')
      if (c === quote) return out + text.slice(from, i++)
      if (c !== '\\') { i++; continue }
      out += text.slice(from, i)
      const e = text[i + 1]
      i += 2
      if (e === undefined || /[1-9]/.test(e) || (e === '0' && /[0-9]/.test(text[i] || ''))) fail('bad escape')
      else if (e === 'x' || e === 'u') out += hex(e === 'x' ? 2 : 4)
      else if (e === '0') out += '\0'
      else if (e === '\r') { if (text[i] === '\n') i++ }
      else out += hasOwn(ESCAPES, e) ? ESCAPES[e] : e
      from = i
    }
  }
  const number = () => {
    const sign = text[i] === '-' ? -1 : 1
    if (text[i] === '+' || text[i] === '-') i++
    if (text.startsWith('Infinity', i)) { i += 8; return sign * Infinity }
    if (text.startsWith('NaN', i)) { i += 3; return NaN }
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text) || fail('bad number')
    i += m[0].length
    return sign * Number(m[0])
  }
  const key = () => {
    if (text[i] === '"' || text[i] === "'") return string()
    let name = ''
    for (;;) {
      const at = i
      const escaped = text[i] === '\\'
      let c
      if (escaped) {
        if (text[i + 1] !== 'u') fail('bad property name')
        i += 2
        c = hex(4)
      } else {
        const code = text.codePointAt(i)
        if (code === undefined) break
        c = String.fromCodePoint(code)
      }
      if (!(name === '' ? ID_START : ID_PART).test(c)) {
        i = at
        if (escaped) fail('bad property name')
        break
      }
      if (!escaped) i += c.length
      name += c
    }
    if (name === '') fail('expected a property name')
    return name
  }
  // Objects and arrays: items separated by commas, optionally one trailing comma.
  const list = (close, item) => {
    i++
    skip()
    while (text[i] !== close) {
      item()
      skip()
      if (text[i] === ',') { i++; skip() } else if (text[i] !== close) fail(`expected ',' or '${close}'`)
    }
    i++
  }
  const value = () => {
    skip()
    const c = text[i]
    if ((c === '{' || c === '[') && ++depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`)
    if (c === '{') {
      const obj = {}
      list('}', () => {
        const k = key()
        skip()
        if (text[i] !== ':') fail("expected ':'")
        i++
        // Like JSON.parse: a "__proto__" key becomes an ordinary property.
        Object.defineProperty(obj, k, { value: value(), enumerable: true, writable: true, configurable: true })
      })
      depth--
      return obj
    }
    if (c === '[') { const arr = []; list(']', () => arr.push(value())); depth--; return arr }
    if (c === '"' || c === "'") return string()
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) { i += word.length; return v }
    }
    if (c !== undefined && /[-+.0-9IN]/.test(c)) return number()
    return fail(c === undefined ? 'unexpected end of input' : 'unexpected character')
  }
  const result = value()
  skip()
  if (i < text.length) fail('unexpected content after the value')
  return result
}

// The text of the bytes read from file (named in a refusal): UTF-8, as OpenClaw reads it. Bytes that
// are not UTF-8 are refused: the lenient decoding OpenClaw does turns them into U+FFFD, which a
// rewrite would write back. A byte order mark stays, as in OpenClaw's text: JSON5 takes it for space.
function decodeConfig(file, bytes) {
  // Made outside the try: a Node without ICU refuses `fatal`, and says so itself.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  try { return decoder.decode(bytes) } catch {
    throw untouched(file, 'not valid UTF-8, which a rewrite would not keep')
  }
}

// Where doc holds a number JSON cannot hold (Infinity, -Infinity or NaN, which JSON5 allows and
// JSON.stringify writes as null): { at: a path such as agents.list[2].limit, value }, or null.
// Depth first without recursion, and without building a path for every value on the way.
function nonFiniteNumber(doc) {
  const open = (value) => ({ value, keys: Array.isArray(value) ? null : Object.keys(value), next: 0 })
  const stack = [open(doc)]
  while (stack.length) {
    const top = stack[stack.length - 1]
    if (top.next >= (top.keys ? top.keys.length : top.value.length)) { stack.pop(); continue }
    const v = top.value[top.keys ? top.keys[top.next] : top.next]
    top.next++
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const at = stack.map((f) => (f.keys ? `.${f.keys[f.next - 1]}` : `[${f.next - 1}]`)).join('').replace(/^\./, '')
      return { at, value: v }
    }
    if (typeof v === 'object' && v !== null) stack.push(open(v))
  }
  return null
}

function parseConfig(file, text, parse) {
  let doc
  try { doc = parse(text) } catch (e) {
    throw untouched(file, `not valid JSON5${e && e.lineNumber ? ` (line ${e.lineNumber}, column ${e.columnNumber})` : ''}`)
  }
  if (!isObject(doc)) throw untouched(file, 'the top level is not an object')
  // What $include pulls in lives in another file, which could override or contradict an edit here.
  const included = (what) => untouched(file, `${what} from $include, which this script does not edit`)
  const gateway = doc.gateway
  if (gateway === undefined) {
    if (hasOwn(doc, '$include')) throw included('the gateway section may come')
    return doc
  }
  if (!isObject(gateway)) throw untouched(file, 'gateway is not an object')
  if (hasOwn(gateway, '$include')) throw included('gateway comes')
  for (const section of ['auth', 'remote']) {
    const s = gateway[section]
    if (s === undefined) continue
    if (!isObject(s)) throw untouched(file, `gateway.${section} is not an object`)
    if (hasOwn(s, '$include')) throw included(`gateway.${section} comes`)
    for (const k of ['token', 'password']) if (isObject(s[k]) && hasOwn(s[k], '$include')) throw included(`gateway.${section}.${k} comes`)
  }
  return doc
}

// Sets the credentials in doc; returns one log line per credential that changed. A SecretRef to
// the credential's own env is turned back into plaintext only when sync was asked for explicitly.
function applyCredentials(file, doc, creds, mode, explicitSync) {
  const changes = []
  const authMode = doc.gateway && isObject(doc.gateway.auth) ? doc.gateway.auth.mode : undefined
  for (const c of creds) {
    if (c.key === 'token' && authMode === 'trusted-proxy') {
      // OpenClaw 2026.9.6 refuses to start a trusted-proxy gateway that has any token configured.
      log('token not written: gateway.auth.mode is trusted-proxy, which refuses a shared token')
      continue
    }
    const desired = mode === 'ref' ? { source: 'env', provider: 'default', id: c.env } : c.value
    const fields = []
    for (const section of ['auth', 'remote']) {
      const field = `gateway.${section}.${c.key}`
      const current = doc.gateway && doc.gateway[section] ? doc.gateway[section][c.key] : undefined
      if (current === desired) continue
      if (typeof current === 'string' && isEnvReference(current)) { log(`${field} left as is: it references the environment`); continue }
      const ours = isSecretRef(current) && current.source === 'env' && current.id === c.env
      if (isSecretRef(current) && !(ours && explicitSync)) {
        if (mode === 'sync' || !ours) log(`${field} left as is: it is a SecretRef`)
        continue
      }
      doc.gateway = doc.gateway || {}
      doc.gateway[section] = doc.gateway[section] || {}
      doc.gateway[section][c.key] = desired
      fields.push(field)
    }
    if (fields.length) changes.push(`${c.key} ${mode === 'ref' ? `replaced by a SecretRef to env ${c.env}` : 'updated'} in ${fields.join(', ')}`)
  }
  const auth = doc.gateway && doc.gateway.auth
  if (changes.length && auth && isSet(auth.token) && isSet(auth.password) && !isSet(auth.mode)) {
    throw untouched(file, 'the gateway refuses gateway.auth.token and gateway.auth.password both set without gateway.auth.mode; set gateway.auth.mode to "token" or "password"')
  }
  return changes
}

// Writes a reference at each path the annotation openclaw.ai/credentials names, whatever the mode:
// an env SecretRef (`ref` paths, in ref mode) or a `${VAR}` string (paths that take no SecretRef,
// and in sync mode, where the OpenClaw may predate SecretRefs). A parent section missing from the
// config is not created: OpenClaw 2026.9.6 takes channels.telegram holding only a botToken for a
// configured, enabled Telegram account (test/openclaw), so creating one would start a channel.
// Returns one log line per change; the other entries apply whatever one of them meets.
const applyConfigCredentials = CONFIG_CREDS && function applyConfigCredentials(doc, configCreds, mode) {
  const changes = []
  for (const c of configCreds) {
    const keys = c.path.split('.')
    let parent = doc
    let at = 0
    for (; at < keys.length - 1 && isObject(parent) && !hasOwn(parent, '$include'); at++) parent = hasOwn(parent, keys[at]) ? parent[keys[at]] : undefined
    const where = keys.slice(0, at).join('.') || 'the top level'
    if (parent === undefined) { log(`${c.path} not written: ${where} is not in the config, and writing it would configure it anew`); continue }
    if (!isObject(parent)) { log(`${c.path} not written: ${where} is not an object`); continue }
    if (hasOwn(parent, '$include')) { log(`${c.path} not written: ${where} comes from $include, which this script does not edit`); continue }
    const key = keys[keys.length - 1]
    const current = hasOwn(parent, key) ? parent[key] : undefined
    const refForm = { source: 'env', provider: 'default', id: c.env }
    const textForm = `\${${c.env}}`
    const desired = c.form === 'ref' && mode === 'ref' ? refForm : textForm
    const ours = current === textForm || (isSecretRef(current) && current.source === 'env' && current.id === c.env && (current.provider === undefined || current.provider === 'default'))
    if (ours && JSON.stringify(current) === JSON.stringify(desired)) continue
    if (!ours && (isSecretRef(current) || (typeof current === 'string' && isEnvReference(current)))) { log(`${c.path} left as is: it already references ${isSecretRef(current) ? 'a secret' : 'the environment'}`); continue }
    if (current !== undefined && typeof current !== 'string' && !ours) { log(`${c.path} left as is: it is not a string`); continue }
    parent[key] = desired
    const form = desired === textForm ? `the string \${${c.env}}` : `a SecretRef to env ${c.env}`
    changes.push(`${c.path}: ${current === undefined ? 'set to' : ours ? 'reference rewritten as' : 'plaintext replaced by'} ${form}`)
  }
  return changes
}

// Removes only our own temp files: ".<name>.openclaw-injector-<pid>-<8 hex>.tmp".
function removeStaleTemps(file) {
  const dir = path.dirname(file)
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const ours = new RegExp(`^\\.${base}\\.openclaw-injector-\\d+-[0-9a-f]{8}\\.tmp$`)
  let names = []
  try { names = fs.readdirSync(dir).filter((n) => ours.test(n)).map((n) => path.join(dir, n)) } catch { return }
  for (const name of names) {
    try {
      const st = fs.lstatSync(name)
      if (!st.isFile() || Date.now() - st.mtimeMs < STALE_TEMP_MS) continue
      fs.unlinkSync(name)
      log(`removed stale temporary file ${name}`)
    } catch { /* best effort: a leftover temp file does no harm */ }
  }
}

// Crash-safe replace: write a temp file in the same directory, fsync, rename over the target,
// fsync the directory. A process killed at any instant leaves the old file or the new one.
function writeAtomic(file, data, original) {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.openclaw-injector-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`)
  const fd = fs.openSync(tmp, 'wx', 0o600) // 'wx': never follows or reuses an existing path
  let open = true
  try {
    fs.fchmodSync(fd, 0o600) // a credential file; also whatever the umask says
    const mine = fs.fstatSync(fd)
    if (original && (mine.uid !== original.uid || mine.gid !== original.gid)) {
      try { fs.fchownSync(fd, original.uid, original.gid) } catch (e) { if (e.code !== 'EPERM') throw e }
    }
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data)
    for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off, buf.length - off)
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    open = false
    fs.renameSync(tmp, file)
  } catch (e) {
    if (open) fs.closeSync(fd)
    try { fs.unlinkSync(tmp) } catch { /* the original error matters */ }
    throw e
  }
  let dfd
  try {
    dfd = fs.openSync(dir, 'r')
    fs.fsyncSync(dfd) // makes the rename durable
  } catch (e) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR', 'EACCES'].includes(e.code)) throw e // fs without dir fsync
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd)
  }
}

// Whether dir is on a read-only mount (a readOnly volumeMount, a read-only PVC): EROFS.
function readOnlyDir(dir) {
  try { fs.accessSync(dir, fs.constants.W_OK) } catch (e) { return e.code === 'EROFS' }
  return false
}

// Reads file, an absolute path whose last part is no symbolic link (the caller resolved it), through
// one descriptor: opened with O_NOFOLLOW (a link put there since is refused, not followed) and
// O_NONBLOCK (a FIFO or device put there cannot block the open), then fstat on that descriptor decides
// and the bytes come from it: only a regular file of at most MAX_CONFIG_BYTES is read. Returns
// { bytes: Buffer, stat: fs.Stats }; throws a Refusal naming shown (the path as configured) otherwise,
// or the file system's error.
function readBounded(file, shown) {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants
  let fd
  try { fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) } catch (e) {
    if (e.code === 'ELOOP') throw untouched(shown, `${file} became a symbolic link while being opened`)
    throw e
  }
  try {
    const stat = fs.fstatSync(fd)
    if (!stat.isFile()) throw untouched(shown, 'not a regular file')
    if (stat.size > MAX_CONFIG_BYTES) throw untouched(shown, `${stat.size} bytes, ${OVER_MAX}`)
    const bytes = Buffer.alloc(stat.size + 1) // one more: a file that grows past its fstat size is caught
    let length = 0
    for (let n = 1; n > 0 && length < bytes.length; length += n) n = fs.readSync(fd, bytes, length, bytes.length - length, null)
    if (length > stat.size) throw untouched(shown, 'grew while being read')
    return { bytes: bytes.subarray(0, length), stat }
  } finally {
    fs.closeSync(fd)
  }
}

// The file to write: a symlinked config is written through to its target, so the link survives.
function resolveTarget(configPath) {
  let st
  try { st = fs.lstatSync(configPath) } catch (e) {
    if (e.code === 'ENOENT') return { file: configPath, stat: null }
    throw e
  }
  let file = configPath
  if (st.isSymbolicLink()) {
    try { file = fs.realpathSync(configPath) } catch (e) {
      // The gateway, with the same mounts, finds no file there either.
      if (e.code === 'ENOENT') return { file: configPath, stat: null, dangling: true }
      throw e
    }
    st = fs.statSync(file)
  }
  if (!st.isFile()) throw new Refusal(`${configPath} is not a regular file; nothing written`)
  return { file, stat: st }
}

function run(settings, env) {
  const { seedPath, configCreds } = settings
  const resolved = resolveConfigFile(env, settings.json5From)
  if (resolved.error) return log(`config file not resolved: ${resolved.error}; nothing written`)
  const configPath = resolved.file
  log(resolved.line)
  if (settings.resolveOnly) return
  const creds = readCredentials(env, configCreds)
  const mode = resolveMode(settings.mode, settings.json5From)
  // On one of the gateway's writable mounts: anything else would not reach the gateway or last.
  const onWritableMount = (p) => !settings.stateMounts.length || settings.stateMounts.some((m) => m === '/' || p === m || p.startsWith(`${m}/`))
  const stateDir = path.dirname(configPath)
  if (!onWritableMount(stateDir)) {
    log(`${configPath} is on none of the gateway's writable volumes (${settings.stateMounts.join(', ')}); nothing to sync`)
    return
  }
  const target = resolveTarget(configPath)
  if (target.dangling) return log(`${configPath} is a symbolic link to a file on none of the gateway's volumes or a missing one; file left alone`)
  if (target.file !== configPath && !onWritableMount(path.dirname(target.file))) {
    return log(`${configPath} links to ${target.file}, on none of the gateway's writable volumes; file left alone`)
  }
  if (target.stat && readOnlyDir(path.dirname(target.file))) return log(`${target.file} is on a read-only mount; file left alone`)
  removeStaleTemps(target.file)
  const anything = creds.length > 0 || configCreds.length > 0
  if (!creds.length) log(`${CREDENTIALS.map((c) => c.env).join(' and ')} are not set${CONFIG_CREDS && configCreds.length ? '' : '; nothing to sync'}`)

  let source = null // the current configuration: the config file, or the seed when there is none
  if (target.stat) {
    if (!anything) return
    // target.file is the config's real path: a symlinked config is read (and written) through.
    source = { file: configPath, ...readBounded(target.file, configPath) }
  } else if (seedPath) {
    // A ConfigMap volume's files are symbolic links (into its ..data directory): read through.
    let real
    try { real = fs.realpathSync(seedPath) } catch (e) {
      if (e.code !== 'ENOENT') throw e
      log(`seed file ${seedPath} does not exist; continuing without it`)
    }
    if (real) source = { file: seedPath, ...readBounded(real, seedPath), seed: true }
  }
  if (!source) {
    // Without a config file OpenClaw reads the credentials from the environment itself.
    log(`no config file at ${configPath} and no seed; nothing to sync`)
    return
  }
  let changes = []
  let data = source.bytes
  if (anything) {
    const doc = parseConfig(source.file, decodeConfig(source.file, source.bytes), loadParser(settings.json5From))
    changes = applyCredentials(source.file, doc, creds, mode, settings.mode === 'sync')
    if (CONFIG_CREDS) changes.push(...applyConfigCredentials(doc, configCreds, mode))
    const lost = changes.length ? nonFiniteNumber(doc) : null
    if (lost) throw untouched(source.file, `${lost.at} is ${lost.value}, which JSON cannot hold: a rewrite would turn it into null`)
    if (changes.length) data = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`) // as OpenClaw writes it
    // Never write a file the next run would refuse to read (2-space JSON can be 3 times a dense file).
    if (data.length > MAX_CONFIG_BYTES) throw untouched(source.file, `rewritten as 2-space JSON it would be ${data.length} bytes, ${OVER_MAX}`)
  }
  if (source.seed) {
    // Only here, for the seed: the directory OpenClaw chose (never one beside a legacy one).
    if (!fs.existsSync(stateDir)) {
      fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 })
      fs.chmodSync(stateDir, 0o700) // whatever the umask says
      log(`created state directory ${stateDir}`)
    }
    if (readOnlyDir(stateDir)) return log(`${stateDir} is on a read-only mount; seed not copied`)
    writeAtomic(target.file, data, null)
    log(`created ${configPath} from seed ${seedPath}`)
  } else if (changes.length) {
    writeAtomic(target.file, data, source.stat)
  } else {
    return log(`${configPath} is already in sync; not rewritten`)
  }
  for (const line of changes) log(`${line} (${configPath})`)
}

function main() {
  let settings
  try { settings = readSettings(process.env) } catch (e) {
    process.stderr.write(`${PREFIX} error: ${e.message}\n`)
    process.exitCode = 2 // a broken injection: not subject to ON_ERROR
    return
  }
  try { run(settings, process.env) } catch (e) {
    // Unexpected errors (fs errors) name paths only, never file contents. With ON_ERROR=warn the
    // same line is printed and the pod starts anyway.
    for (const line of e instanceof Refusal ? e.lines : [String(e && e.message)]) process.stderr.write(`${PREFIX} error: ${line}\n`)
    process.exitCode = settings.onError === 'warn' ? 0 : 1
  }
}

// Runs as a file and under `node -e` (module id "[eval]"); require() (tests) gets the JSON5 reader.
if (require.main === module || module.id === '[eval]' || module.id === '[stdin]') main()
else module.exports = BUILTIN_JSON5 ? { parseJson5 } : {}
