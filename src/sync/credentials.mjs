// The credentials to write: values from the env, the placeholder check, and the mode (sync or ref)
// the image's OpenClaw release takes.
import { Refusal, log } from './common.mjs'
import { openclawVersion } from './config-path.mjs'

// Values the gateway refuses at start (OpenClaw 2026.9.6: blank, "undefined"/"null", published
// examples, redaction markers) plus common defaults. Compared trimmed, case-insensitively.
export const PLACEHOLDERS = ['undefined', 'null', 'change-me-now', 'change-me-to-a-long-random-token',
  'change-me-to-a-strong-password', 'change-me', 'changeme', '__openclaw_redacted__', 'redacted', '***',
  '[redacted]', '<redacted>', '[redacted credential]', '[redacted_private_key]', 'xoxb-redacted', 'xapp-redacted']
export const CREDENTIALS = [
  { key: 'token', env: 'OPENCLAW_GATEWAY_TOKEN' },
  { key: 'password', env: 'OPENCLAW_GATEWAY_PASSWORD' },
]
// The first OpenClaw release that takes an env SecretRef at gateway.auth.token (2026.3.2 refuses
// one); the engine's REF_SINCE (src/engine/index.ts) holds the same number.
export const REF_SINCE = [2026, 3, 7]

export const isPlaceholder = (v) => !v.trim() || PLACEHOLDERS.includes(v.trim().toLowerCase())

// The credentials to sync. Empty means "not provided" (optional secretKeyRef); a placeholder is
// refused before anything is read or written. So is an empty or placeholder value of a credential
// the annotation names (its secretKeyRef is not optional): OpenClaw would run with it unresolved.
export function readCredentials(env, configCreds) {
  const creds = CREDENTIALS.filter((c) => env[c.env]).map((c) => ({ ...c, value: env[c.env] }))
  const bad = creds.filter((c) => isPlaceholder(c.value)).map((c) => `${c.env} is a placeholder (blank, "undefined", "change-me-now", ...) that the gateway refuses; not written`)
  if (typeof OPENCLAW_INJECTOR_NO_CREDENTIALS === 'undefined') for (const c of configCreds) if (isPlaceholder(env[c.env] || '')) bad.push(`${c.env} (for ${c.path}) is empty or a placeholder; check its Secret; nothing written`)
  if (bad.length) throw new Refusal(bad)
  return creds
}

// What `auto` decides: `ref` when the image's OpenClaw (the app's package.json in dir, the
// official image's /app) is REF_SINCE or later, `sync` otherwise or when it cannot tell.
export function resolveMode(mode, dir) {
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
