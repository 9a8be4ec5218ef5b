// `openclaw-injector serve`: the HTTPS admission webhook. Settings come from flags,
// OPENCLAW_INJECTOR_* variables and an optional YAML file (--config), checked before
// anything starts. Without --tls-cert/--tls-key it makes a development CA and
// certificate once in --certs-dir, listens on 127.0.0.1 and says how to try it.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { existsSync } from 'node:fs'
import { VERSION } from '../build-info.generated.ts'
import { defaultSettings, envName, flagName } from '../settings.ts'
import { KEEP_RUNNING, type CommandIO } from './io.ts'
import { parseSettingsArgs } from './settings-args.ts'

const NAME = 'openclaw-injector serve'
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
export const EXAMPLE_REVIEW = path.join(PACKAGE_ROOT, 'examples', 'admission-review.json')

export async function run(args: string[], io: CommandIO): Promise<number> {
  const parsed = parseSettingsArgs(NAME, usage, args, io)
  if (typeof parsed === 'number') return parsed
  const { settings } = parsed

  const development = settings.server.tlsCert === ''
  let tls = { certPath: settings.server.tlsCert, keyPath: settings.server.tlsKey }
  let caPath: string | undefined
  let created = false
  const { startServer } = await import('../server/serve.ts')
  if (development) {
    const { ensureDevelopmentCertificates } = await import('../certs/generate.ts')
    try {
      const files = await ensureDevelopmentCertificates(settings.server.certsDir)
      tls = { certPath: files.certPath, keyPath: files.keyPath }
      caPath = files.caPath
      created = files.created
    } catch (error) {
      io.stderr.write(`${NAME}: cannot make the development certificate in ${settings.server.certsDir} (--certs-dir): ${(error as Error).message}\n`)
      return 1
    }
  }
  const host = settings.server.host || (development ? '127.0.0.1' : '0.0.0.0')

  let server
  try {
    server = await startServer(settings, { tls, host, version: VERSION, logStream: io.stdout })
  } catch (error) {
    io.stderr.write(`${NAME}: ${(error as Error).message.split('\n')[0]}\n`)
    return 1
  }

  if (caPath !== undefined) io.stderr.write(developmentHint(caPath, created, settings.server.certsDir, `${server.url}/mutate`))

  const { handleSignals } = await import('../server/lifecycle.ts')
  handleSignals(server.lifecycle, (code) => {
    process.exitCode = code
    // Everything is closed and the process ends by itself; this only guards against a stray handle.
    setTimeout(() => process.exit(code), 2_000).unref()
  })
  return KEEP_RUNNING
}

function developmentHint(caPath: string, created: boolean, certsDir: string, url: string): string {
  const example = existsSync(EXAMPLE_REVIEW) ? shellPath(EXAMPLE_REVIEW) : 'review.json'
  return [
    `${NAME}: no --tls-cert/--tls-key, so serving a development certificate ${created ? 'made now' : 'made earlier'} in ${certsDir}/`,
    `  CA to trust: ${path.resolve(caPath)}`,
    `  send the sample review (a pod from the OpenClaw Helm chart) and see the patch come back:`,
    `  curl --cacert ${shellPath(caPath)} -H 'Content-Type: application/json' --data @${example} ${url}`,
    '',
  ].join('\n')
}

/** A path as short as it can be for copy-paste: relative when under the working directory, quoted when it must be. */
function shellPath(file: string): string {
  const relative = path.relative(process.cwd(), path.resolve(file))
  const shown = relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : path.resolve(file)
  return /^[\w@%+=:,./-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`
}

function usage(): string {
  const defaults = defaultSettings()
  const rows: Array<[string, string]> = [['--config FILE', 'YAML file with engine: and server: sections (env OPENCLAW_INJECTOR_CONFIG)']]
  for (const section of ['server', 'engine'] as const) {
    for (const [key, value] of Object.entries(defaults[section])) {
      const shown = Array.isArray(value) ? value.join(',') : String(value)
      rows.push([`--${flagName(key)}`, `${envName(key)}${shown === '' ? '' : `  (default ${shown})`}`])
    }
  }
  const width = Math.max(...rows.map(([flag]) => flag.length))
  return [
    `usage: ${NAME} [flags]`,
    '',
    'Runs the HTTPS admission webhook (POST /mutate) and a plain-HTTP port with /healthz, /readyz and /metrics.',
    'Without --tls-cert and --tls-key it makes a development CA and certificate in --certs-dir and listens on 127.0.0.1.',
    'Each flag can also be given as the environment variable shown, or in the YAML file; flags win over the',
    'environment, which wins over the file.',
    '',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    `  ${'--help'.padEnd(width)}  this text`,
    '',
  ].join('\n')
}
