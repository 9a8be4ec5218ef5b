// The pod annotation `openclaw.ai/credentials`: OpenClaw credentials other than the gateway's,
// each taken from a Kubernetes Secret into an env var and referenced from openclaw.json, so that
// no such credential is stored on the volume. What each path accepts comes from the credential
// surface of the pinned OpenClaw release (credential-surface.ts).
import { createHash } from 'node:crypto'
import type { V1EnvVar } from '@kubernetes/client-node'
import { parseSecretRef } from '../settings.ts'
import { ANNOTATIONS } from './annotations.ts'
import { CREDENTIAL_SURFACE_VERSION, SECRETREF_PATHS, STRING_ONLY_PATHS } from './credential-surface.ts'
import { envEntries } from './env.ts'
import type { Container, Pod } from './types.ts'
import { objectsOf } from './shape.ts'

/**
 * How the sync script writes a credential: `ref` an env SecretRef object (where OpenClaw older
 * than SecretRefs may run, the script writes the `${VAR}` string instead); `template` always the
 * `${VAR}` string, for paths that take no SecretRef.
 */
export type CredentialForm = 'ref' | 'template'

export interface ConfigCredential {
  /** The dot path in openclaw.json, as the annotation gave it. */
  path: string
  secret: string
  key: string
  /** The env var that carries the Secret's value into the pod; an OpenClaw env id. */
  envName: string
  form: CredentialForm
}

export interface ConfigCredentials {
  credentials: ConfigCredential[]
  /** One line per refused entry, naming it. */
  warnings: string[]
}

/**
 * Every env var the engine names for a credential starts so: whose it is, at a glance. The rest
 * keeps the name within OpenClaw's rule for env ids, `^[A-Z][A-Z0-9_]{0,127}$`
 * (docs/reference/secretref-credential-surface.md, "Notes").
 */
const CREDENTIAL_ENV_PREFIX = 'OPENCLAW_CRED_'
const SEGMENT = /^[A-Za-z0-9_-]+$/
/** Names a JavaScript object inherits: never a key the script may walk into or write. */
const UNSAFE_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor'])

/**
 * The annotation's entries, `CONFIG.PATH=SECRET[/KEY]` separated by commas or newlines, checked
 * against the credential surface. A bad entry is one warning naming it; the others still apply.
 * `taken` holds the env names the pod already uses (see podEnvNames); each credential gets a
 * name outside it, the same for the same annotation and pod. Errors: none thrown.
 */
export function resolveConfigCredentials(annotation: string | undefined, taken: Set<string>): ConfigCredentials {
  const result: ConfigCredentials = { credentials: [], warnings: [] }
  if (annotation === undefined) return result
  const used = new Set(taken)
  const next = new Map<string, number>()
  const seen = new Set<string>()
  for (const raw of annotation.split(/[,\n]/)) {
    const entry = raw.trim()
    if (entry === '') continue
    const refuse = (why: string) => result.warnings.push(`annotation ${ANNOTATIONS.credentials}: ${JSON.stringify(entry)} ${why}; entry ignored`)
    const eq = entry.indexOf('=')
    if (eq === -1) {
      refuse('is not CONFIG.PATH=SECRET[/KEY]')
      continue
    }
    const path = entry.slice(0, eq).trim()
    const segments = path.split('.')
    if (!segments.every((s) => SEGMENT.test(s) && !UNSAFE_SEGMENTS.has(s))) {
      refuse('has a config path that is not dot-separated names')
      continue
    }
    const last = segments.at(-1) ?? ''
    const ref = parseSecretRef(entry.slice(eq + 1).trim(), last)
    if (ref === undefined) {
      refuse(`names no Secret: expected SECRET or SECRET/KEY (a Secret name, a key of letters, digits, -, _ or .)`)
      continue
    }
    if (segments[0] === 'gateway') {
      refuse(`is a gateway credential: use annotation ${ANNOTATIONS.tokenSecret} or ${ANNOTATIONS.passwordSecret}`)
      continue
    }
    const form = credentialForm(segments)
    if (form === undefined) {
      refuse(`is not a credential path of OpenClaw ${CREDENTIAL_SURFACE_VERSION} (docs/reference/secretref-credential-surface.md)`)
      continue
    }
    if (seen.has(path)) {
      refuse('repeats a path named before')
      continue
    }
    seen.add(path)
    const envName = credentialEnvName(segments, used, next)
    used.add(envName)
    result.credentials.push({ path, secret: ref.name, key: ref.key, envName, form })
  }
  return result
}

/** The surface's paths split into segments once, not once per annotation entry. */
const SECRETREF_PATTERNS = SECRETREF_PATHS.map((p) => p.split('.'))
const STRING_ONLY_PATTERNS = STRING_ONLY_PATHS.map((p) => p.split('.'))

/** `ref` or `template` for a path of the surface (`*` matching one segment), undefined elsewhere. */
export function credentialForm(segments: readonly string[]): CredentialForm | undefined {
  const matches = (parts: string[]) => parts.length === segments.length && parts.every((p, i) => p === '*' || p === segments[i])
  if (SECRETREF_PATTERNS.some(matches)) return 'ref'
  if (STRING_ONLY_PATTERNS.some(matches)) return 'template'
  return undefined
}

/**
 * `channels.telegram.accounts.ops-bot.botToken` -> `OPENCLAW_CRED_CHANNELS_TELEGRAM_ACCOUNTS_OPS_BOT_BOT_TOKEN`:
 * camelCase split, anything else than letters and digits an underscore, upper case; longer than
 * OpenClaw's 128 characters: cut, with 8 hex digits of the path's sha256. Taken: the first free
 * of `_2`, `_3`, ... `next` remembers per base where the search stopped: names only ever become
 * taken, so none below it is free, and many paths of one base (`a-b`, `a_b`, `a--b`, ...) cost
 * one lookup each instead of one per name before them.
 */
function credentialEnvName(segments: readonly string[], taken: Set<string>, next: Map<string, number>): string {
  const words = segments.map((s) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_'))
  let base = `${CREDENTIAL_ENV_PREFIX}${words.join('_')}`.toUpperCase().replace(/_+/g, '_').replace(/_$/, '')
  if (base.length > 124) base = `${base.slice(0, 115)}_${createHash('sha256').update(segments.join('.')).digest('hex').slice(0, 8).toUpperCase()}`
  if (!taken.has(base)) return base
  let n = next.get(base) ?? 2
  while (taken.has(`${base}_${n}`)) n++
  next.set(base, n + 1)
  return `${base}_${n}`
}

/** Every env name set by an env entry of any container of the pod (init, regular, ephemeral). */
export function podEnvNames(pod: Pod): Set<string> {
  const names = new Set<string>()
  for (const list of [pod.spec?.initContainers, pod.spec?.containers, pod.spec?.ephemeralContainers]) {
    for (const c of objectsOf(list as Container[] | undefined)) for (const e of envEntries(c)) names.add(e.name)
  }
  return names
}

/**
 * The env entry of a credential: from its Secret's key, not optional, so a missing Secret or key
 * stops the container with the kubelet's CreateContainerConfigError instead of an empty credential.
 */
export function credentialEnv(credential: ConfigCredential): V1EnvVar {
  return { name: credential.envName, valueFrom: { secretKeyRef: { name: credential.secret, key: credential.key } } }
}

/**
 * What the sync script needs of the credentials, one line each: `FORM PATH ENV`. Only paths and
 * names, never a value; the table stays in the engine.
 */
export function credentialsForScript(credentials: readonly ConfigCredential[]): string {
  return credentials.map((c) => `${c.form} ${c.path} ${c.envName}`).join('\n')
}
