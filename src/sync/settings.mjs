// The sync program's settings: the env the engine sets (OPENCLAW_INJECTOR_*) -> one validated object.
// Throws an Error naming the variable on a broken injection (main exits 2).
import { gatewayCommandLine } from './config-path.mjs'
import { path } from './node.mjs'

export function readSettings(env) {
  const choice = (name, allowed) => {
    const v = env[name] || allowed[0]
    if (!allowed.includes(v)) throw new Error(`${name} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`)
    return v
  }
  gatewayCommandLine(env) // a malformed command line is a broken injection
  if (typeof OPENCLAW_INJECTOR_NO_CREDENTIALS !== 'undefined' && env.OPENCLAW_INJECTOR_CREDENTIALS) throw new Error('OPENCLAW_INJECTOR_CREDENTIALS is set, but this form is built without it')
  return {
    seedPath: env.OPENCLAW_INJECTOR_SEED_PATH || '',
    mode: choice('OPENCLAW_INJECTOR_MODE', ['auto', 'sync', 'ref']),
    // The annotation openclaw.ai/credentials, as the engine resolved it: one `FORM PATH ENV` a line.
    configCreds: typeof OPENCLAW_INJECTOR_NO_CREDENTIALS === 'undefined' ? (env.OPENCLAW_INJECTOR_CREDENTIALS || '').split('\n').filter(Boolean).map((line) => {
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
