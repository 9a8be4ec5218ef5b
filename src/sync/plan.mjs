// Pure edits of the parsed document: the gateway credentials and the annotation's references. Each
// returns the log lines of what changed; nothing here reads or writes a file.
import { hasOwn, isObject, isSecretRef, isSet, log, untouched } from './common.mjs'

// True when OpenClaw takes the string from the environment itself: ${UPPER_CASE_VAR} anywhere in it
// ($${VAR} is OpenClaw's escape for a literal), or the whole value being the shorthand $VAR.
export function isEnvReference(s) {
  if (/^\s*\$[A-Z][A-Z0-9_]{0,127}\s*$/.test(s)) return true
  const re = /\$?\$\{[A-Z_][A-Z0-9_]*\}/g
  for (let m; (m = re.exec(s)) !== null;) if (!m[0].startsWith('$$')) return true
  return false
}

// Sets the credentials in doc; returns one log line per credential that changed. A SecretRef to
// the credential's own env is turned back into plaintext only when sync was asked for explicitly.
export function applyCredentials(file, doc, creds, mode, explicitSync) {
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
export function applyConfigCredentials(doc, configCreds, mode) {
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
