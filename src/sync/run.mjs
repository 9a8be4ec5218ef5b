// One run of the sync program: resolve the file, read it (or the seed), plan the edits, write.
import { MAX_CONFIG_BYTES, OVER_MAX, log, untouched } from './common.mjs'
import { resolveConfigFile } from './config-path.mjs'
import { CREDENTIALS, readCredentials, resolveMode } from './credentials.mjs'
import { loadParser } from './json5.mjs'
import { decodeConfig, readBounded } from './read.mjs'
import { nonFiniteNumber, parseConfig } from './document.mjs'
import { applyConfigCredentials, applyCredentials } from './plan.mjs'
import { createStateDir, readOnlyDir, removeStaleTemps, resolveTarget, writeAtomic } from './atomic-write.mjs'
import { fs, path } from './node.mjs'

export function run(settings, env) {
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
  if (!creds.length) log(`${CREDENTIALS.map((c) => c.env).join(' and ')} are not set${typeof OPENCLAW_INJECTOR_NO_CREDENTIALS === 'undefined' && configCreds.length ? '' : '; nothing to sync'}`)

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
    if (typeof OPENCLAW_INJECTOR_NO_CREDENTIALS === 'undefined') changes.push(...applyConfigCredentials(doc, configCreds, mode))
    const lost = changes.length ? nonFiniteNumber(doc) : null
    if (lost) throw untouched(source.file, `${lost.at} is ${lost.value}, which JSON cannot hold: a rewrite would turn it into null`)
    if (changes.length) data = Buffer.from(`${JSON.stringify(doc, null, 2)}\n`) // as OpenClaw writes it
    // Never write a file the next run would refuse to read (2-space JSON can be 3 times a dense file).
    if (data.length > MAX_CONFIG_BYTES) throw untouched(source.file, `rewritten as 2-space JSON it would be ${data.length} bytes, ${OVER_MAX}`)
  }
  if (source.seed) {
    // Only here, for the seed: the directory OpenClaw chose (never one beside a legacy one).
    createStateDir(stateDir)
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
