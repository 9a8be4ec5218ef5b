// All settings of openclaw-injector, engine and server alike, with their defaults,
// their flag and environment names, and one validator each. Precedence, highest first:
// command-line flag, environment variable (OPENCLAW_INJECTOR_*), YAML file (--config), default.
import { readFileSync } from 'node:fs'
import { isDnsLabel, isDnsSubdomain } from './names.ts'
import { createRequire } from 'node:module'

/**
 * `auto`: the sync script uses `ref` when the image's OpenClaw is 2026.3.7 or later (the first to
 * take a SecretRef at gateway.auth.token), `sync` otherwise or when it cannot tell.
 */
export type SyncMode = 'auto' | 'sync' | 'ref'
export type OnError = 'fail' | 'warn'
export type LegacyPolicy = 'keep' | 'replace'
export type PullPolicy = '' | 'Always' | 'IfNotPresent' | 'Never'

export interface EngineSettings {
  /** Regular expression matched against an image's repository (registry, tag and digest removed from the end). */
  imagePattern: string
  /** Values of the pod label app.kubernetes.io/name that mark an OpenClaw pod. */
  appNames: string[]
  initContainerName: string
  /** Name used when a foreign init container already holds initContainerName. */
  fallbackInitContainerName: string
  /** Image for the init container; empty means the gateway container's own image. */
  syncImage: string
  syncImagePullPolicy: PullPolicy
  /**
   * HOME the official image runs with: where `check`'s dry-run pod mounts its state. The engine no
   * longer reads it: the injected container finds the config in the pod, in the gateway's image.
   */
  defaultHome: string
  /** NAME[/KEY] of a Secret holding the gateway token, used when the pod names no other source. Empty: none. */
  defaultTokenSecret: string
  /** NAME[/KEY] of a Secret holding the gateway password, used when the pod names no other source. Empty: none. */
  defaultPasswordSecret: string
  mode: SyncMode
  onError: OnError
  legacy: LegacyPolicy
  cpuRequest: string
  memoryRequest: string
  cpuLimit: string
  memoryLimit: string
  /** Directory whose node_modules provides json5 inside the OpenClaw image. */
  json5From: string
}

export interface ServerSettings {
  /** Listen address; empty means 127.0.0.1 when serving the generated development certificate, else 0.0.0.0. */
  host: string
  port: number
  metricsPort: number
  tlsCert: string
  tlsKey: string
  /** Where `serve` without --tls-cert/--tls-key keeps its generated development CA and certificate. */
  certsDir: string
  bodyLimit: number
  shutdownTimeoutMs: number
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'
}

export interface Settings {
  engine: EngineSettings
  server: ServerSettings
}

export const DEFAULT_ENGINE_SETTINGS: Readonly<EngineSettings> = Object.freeze({
  imagePattern: '(^|/)openclaw/openclaw$',
  appNames: ['openclaw', 'openclaw-helm'],
  initContainerName: 'init-config',
  fallbackInitContainerName: 'openclaw-token-sync',
  syncImage: '',
  syncImagePullPolicy: '',
  defaultHome: '/home/node',
  defaultTokenSecret: '',
  defaultPasswordSecret: '',
  mode: 'auto',
  onError: 'fail',
  legacy: 'replace',
  // Sized from the sync script's measured peak (`npm run bench:sync`: about 50 MiB and 0.1 s of
  // CPU on a small config, 90 MiB and 0.4 s on a 1 MB one), within the limit/request ratios
  // namespaces commonly allow (2 for memory, 10 for cpu) and their usual minimums (50m, 64Mi).
  cpuRequest: '50m',
  memoryRequest: '128Mi',
  cpuLimit: '500m',
  memoryLimit: '256Mi',
  json5From: '/app',
} satisfies EngineSettings)

export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({
  host: '',
  port: 8443,
  metricsPort: 8080,
  tlsCert: '',
  tlsKey: '',
  certsDir: 'certs',
  bodyLimit: 4 * 1024 * 1024,
  shutdownTimeoutMs: 10_000,
  logLevel: 'info',
} satisfies ServerSettings)

export function defaultSettings(): Settings {
  return {
    engine: { ...DEFAULT_ENGINE_SETTINGS, appNames: [...DEFAULT_ENGINE_SETTINGS.appNames] },
    server: { ...DEFAULT_SERVER_SETTINGS },
  }
}

export class SettingsError extends Error {
  override name = 'SettingsError'
}

type Section = keyof Settings
type Parser = (raw: unknown, where: string) => unknown

interface Descriptor {
  section: Section
  key: string
  parse: Parser
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/
/** A non-negative Kubernetes quantity: `200m`, `0.5`, `128Mi`, `1e3`. */
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][-+]?\d+)?$/
const SUFFIX_FACTOR: Record<string, number> = {
  '': 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
}

/** Whether `value` is a non-negative Kubernetes quantity (`200m`, `0.5`, `128Mi`, `1e3`). */
export function isQuantity(value: string): boolean {
  return QUANTITY.test(value)
}

/** The number a quantity stands for, to compare a request with its limit. */
export function quantityValue(quantity: string): number {
  const match = QUANTITY.exec(quantity)
  if (match === null) return NaN
  const suffix = match[2] ?? ''
  const factor = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : (SUFFIX_FACTOR[suffix] ?? NaN)
  return Number(match[1]) * factor
}

function text(raw: unknown, where: string): string {
  if (typeof raw === 'string') return raw
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw)
  throw new SettingsError(`${where}: expected a string, got ${describe(raw)}`)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`
}

const parsers = {
  string: (raw: unknown, where: string) => text(raw, where),
  port: (raw: unknown, where: string) => {
    const digits = text(raw, where).trim()
    // Number('') is 0, and port 0 means "any": an empty value must not pass as that.
    const value = /^\d+$/.test(digits) ? Number(digits) : NaN
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new SettingsError(`${where}: expected a port number 0-65535, got ${JSON.stringify(raw)}`)
    return value
  },
  positiveInt: (raw: unknown, where: string) => {
    const digits = text(raw, where).trim()
    const value = /^\d+$/.test(digits) ? Number(digits) : NaN
    if (!Number.isSafeInteger(value) || value <= 0) throw new SettingsError(`${where}: expected a positive whole number, got ${JSON.stringify(raw)}`)
    return value
  },
  oneOf: (...choices: string[]) => (raw: unknown, where: string) => {
    const value = text(raw, where)
    if (!choices.includes(value)) throw new SettingsError(`${where}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${JSON.stringify(value)}`)
    return value
  },
  regex: (raw: unknown, where: string) => {
    const value = text(raw, where)
    try {
      new RegExp(value)
    } catch (error) {
      throw new SettingsError(`${where}: not a valid regular expression: ${(error as Error).message}`)
    }
    return value
  },
  list: (raw: unknown, where: string) => {
    const items = Array.isArray(raw) ? raw.map((item) => text(item, where)) : text(raw, where).split(',')
    return items.map((item) => item.trim()).filter((item) => item !== '')
  },
  containerName: (raw: unknown, where: string) => {
    const value = text(raw, where)
    if (!isDnsLabel(value)) throw new SettingsError(`${where}: ${JSON.stringify(value)} is not a valid container name (a DNS label)`)
    return value
  },
  secretRef: (raw: unknown, where: string) => {
    const value = text(raw, where)
    if (value !== '' && parseSecretRef(value, 'KEY') === undefined) throw new SettingsError(`${where}: expected NAME or NAME/KEY of a Secret, got ${JSON.stringify(value)}`)
    return value
  },
  quantity: (raw: unknown, where: string) => {
    const value = text(raw, where)
    if (!isQuantity(value)) throw new SettingsError(`${where}: ${JSON.stringify(value)} is not a Kubernetes quantity`)
    return value
  },
  absolutePath: (raw: unknown, where: string) => {
    const value = text(raw, where)
    if (!value.startsWith('/')) throw new SettingsError(`${where}: expected an absolute path, got ${JSON.stringify(value)}`)
    return value
  },
}

const DESCRIPTORS: Descriptor[] = [
  { section: 'engine', key: 'imagePattern', parse: parsers.regex },
  { section: 'engine', key: 'appNames', parse: parsers.list },
  { section: 'engine', key: 'initContainerName', parse: parsers.containerName },
  { section: 'engine', key: 'fallbackInitContainerName', parse: parsers.containerName },
  { section: 'engine', key: 'syncImage', parse: parsers.string },
  { section: 'engine', key: 'syncImagePullPolicy', parse: parsers.oneOf('', 'Always', 'IfNotPresent', 'Never') },
  { section: 'engine', key: 'defaultHome', parse: parsers.absolutePath },
  { section: 'engine', key: 'defaultTokenSecret', parse: parsers.secretRef },
  { section: 'engine', key: 'defaultPasswordSecret', parse: parsers.secretRef },
  { section: 'engine', key: 'mode', parse: parsers.oneOf('auto', 'sync', 'ref') },
  { section: 'engine', key: 'onError', parse: parsers.oneOf('fail', 'warn') },
  { section: 'engine', key: 'legacy', parse: parsers.oneOf('keep', 'replace') },
  { section: 'engine', key: 'cpuRequest', parse: parsers.quantity },
  { section: 'engine', key: 'memoryRequest', parse: parsers.quantity },
  { section: 'engine', key: 'cpuLimit', parse: parsers.quantity },
  { section: 'engine', key: 'memoryLimit', parse: parsers.quantity },
  { section: 'engine', key: 'json5From', parse: parsers.absolutePath },
  { section: 'server', key: 'host', parse: parsers.string },
  { section: 'server', key: 'port', parse: parsers.port },
  { section: 'server', key: 'metricsPort', parse: parsers.port },
  { section: 'server', key: 'tlsCert', parse: parsers.string },
  { section: 'server', key: 'tlsKey', parse: parsers.string },
  { section: 'server', key: 'certsDir', parse: parsers.string },
  { section: 'server', key: 'bodyLimit', parse: parsers.positiveInt },
  { section: 'server', key: 'shutdownTimeoutMs', parse: parsers.positiveInt },
  { section: 'server', key: 'logLevel', parse: parsers.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent') },
]

/** `imagePattern` -> `--image-pattern`. */
export function flagName(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
}

/** `imagePattern` -> `OPENCLAW_INJECTOR_IMAGE_PATTERN`. */
export function envName(key: string): string {
  return `OPENCLAW_INJECTOR_${flagName(key).replace(/-/g, '_').toUpperCase()}`
}

/** The flags every command that reads settings accepts, in node:util parseArgs form. */
export function settingsFlags(): Record<string, { type: 'string' }> {
  const flags: Record<string, { type: 'string' }> = { config: { type: 'string' } }
  for (const d of DESCRIPTORS) flags[flagName(d.key)] = { type: 'string' }
  return flags
}

export interface SettingsSources {
  /** Parsed flags (values from node:util parseArgs); `config` names the YAML file. */
  flags?: Record<string, unknown>
  env?: NodeJS.ProcessEnv
  /** YAML text, when the caller already read the file. */
  fileText?: string
  fileName?: string
}

/**
 * Builds the settings from defaults, an optional YAML file, the environment and flags.
 * Every bad value is collected; the error lists each on its own line.
 */
export function loadSettings(sources: SettingsSources = {}): Settings {
  const settings = defaultSettings()
  const errors: string[] = []
  const flags = sources.flags ?? {}
  const env = sources.env ?? {}
  const fileName = sources.fileName ?? (typeof flags.config === 'string' ? flags.config : env.OPENCLAW_INJECTOR_CONFIG)
  let fileText = sources.fileText
  if (fileText === undefined && fileName) {
    try {
      fileText = readFileSync(fileName, 'utf8')
    } catch (error) {
      throw new SettingsError(`settings file ${fileName}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
    }
  }
  const file = fileText === undefined ? {} : readSettingsFile(fileText, fileName ?? 'settings file', errors)

  const apply = (d: Descriptor, raw: unknown, where: string) => {
    try {
      ;(settings[d.section] as unknown as Record<string, unknown>)[d.key] = d.parse(raw, where)
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error
      errors.push(error.message)
    }
  }
  for (const d of DESCRIPTORS) {
    const fromFile = file[d.section]?.[d.key]
    if (fromFile !== undefined) apply(d, fromFile, `${fileName}: ${d.section}.${d.key}`)
    const fromEnv = env[envName(d.key)]
    if (fromEnv !== undefined) apply(d, fromEnv, envName(d.key))
    const fromFlag = flags[flagName(d.key)]
    if (fromFlag !== undefined) apply(d, fromFlag, `--${flagName(d.key)}`)
  }
  if (Boolean(settings.server.tlsCert) !== Boolean(settings.server.tlsKey)) {
    errors.push('--tls-cert and --tls-key: give both or neither')
  }
  for (const resource of ['cpu', 'memory'] as const) {
    const request = settings.engine[`${resource}Request`]
    const limit = settings.engine[`${resource}Limit`]
    // The API server refuses a pod whose request exceeds its limit: every injected pod would fail.
    if (quantityValue(request) > quantityValue(limit)) errors.push(`--${resource}-request ${request} is more than --${resource}-limit ${limit}`)
  }
  if (settings.engine.initContainerName === settings.engine.fallbackInitContainerName) {
    errors.push('--init-container-name and --fallback-init-container-name must differ')
  }
  if (errors.length > 0) throw new SettingsError(errors.join('\n'))
  return settings
}

function readSettingsFile(fileText: string, fileName: string, errors: string[]): Partial<Record<Section, Record<string, unknown>>> {
  // Loaded here, only when there is a settings file: `serve` without one never pays for a YAML parser.
  const { parse: parseYaml } = createRequire(import.meta.url)('yaml') as typeof import('yaml')
  let doc: unknown
  try {
    doc = parseYaml(fileText)
  } catch (error) {
    throw new SettingsError(`${fileName}: not valid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
  if (doc === null || doc === undefined) return {}
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new SettingsError(`${fileName}: expected a mapping with 'engine' and/or 'server'`)
  const result: Partial<Record<Section, Record<string, unknown>>> = {}
  for (const [section, body] of Object.entries(doc)) {
    if (section !== 'engine' && section !== 'server') {
      errors.push(`${fileName}: unknown section ${JSON.stringify(section)} (expected engine or server)`)
      continue
    }
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      errors.push(`${fileName}: ${section} must be a mapping`)
      continue
    }
    for (const key of Object.keys(body)) {
      if (!DESCRIPTORS.some((d) => d.section === section && d.key === key)) errors.push(`${fileName}: unknown setting ${section}.${key}`)
    }
    result[section] = body as Record<string, unknown>
  }
  return result
}

export interface SecretKeyRef {
  name: string
  key: string
}

/** Parses `NAME[/KEY]`; undefined when it is not a valid Secret (or ConfigMap) name and key. */
export function parseSecretRef(value: string, defaultKey: string): SecretKeyRef | undefined {
  const slash = value.indexOf('/')
  const name = slash === -1 ? value : value.slice(0, slash)
  const key = slash === -1 ? defaultKey : value.slice(slash + 1)
  if (!isDnsSubdomain(name)) return undefined
  if (key.length === 0 || key.length > 253 || !SECRET_KEY.test(key)) return undefined
  return { name, key }
}
