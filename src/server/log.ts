// The webhook's log: pino, the logger Fastify is built around, handed to Fastify as its own
// logger so that every line (ours and Fastify's) goes through one instance. One JSON object
// per line in pino's shape: numeric `level`, `time` in epoch milliseconds, `pid`, `hostname`,
// the fields, `msg`. Fields named like a credential are replaced by REDACTED wherever they
// sit in the first three levels of a line (pino's redact, https://getpino.io/#/docs/redaction);
// values a pod carries are kept out of the text by src/server/redact.ts before they get here.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino'
import type { ServerSettings } from '../settings.ts'
import { REDACTED } from './redact.ts'

/** pino's logger: `info(fields, message)` and the other levels, `isLevelEnabled(level)`, `child(bindings)`. */
export type Logger = PinoLogger

export interface LoggerOptions {
  level: ServerSettings['logLevel']
  /** Where the lines go (default: standard output, written synchronously). */
  stream?: { write(line: string): unknown }
}

/**
 * Field names whose values are credentials whatever they are attached to: HTTP's
 * (Authorization, Cookie, Set-Cookie), OAuth's (access/refresh/id tokens, client
 * secret), and the usual spellings of passwords, tokens, API keys and private keys.
 */
const CREDENTIAL_FIELDS = [
  'authorization', 'proxy-authorization', 'cookie', 'set-cookie',
  'password', 'passwd', 'passphrase', 'secret', 'token',
  'accessToken', 'access_token', 'refreshToken', 'refresh_token', 'idToken', 'id_token',
  'clientSecret', 'client_secret', 'apiKey', 'api_key', 'apikey', 'x-api-key',
  'privateKey', 'private_key', 'credentials',
]

/** pino redact paths for each credential field at the top level and one or two levels down (req.headers.authorization). */
export const REDACT_PATHS: readonly string[] = CREDENTIAL_FIELDS.flatMap((field) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(field) ? `.${field}` : `["${field}"]`
  return [key.startsWith('.') ? field : key, `*${key}`, `*.*${key}`]
})

/**
 * A pino logger at `options.level`, writing to `options.stream` (default stdout).
 * Lines below the level are dropped before they are built. Throws nothing for the levels
 * the settings allow.
 */
export function createLogger(options: LoggerOptions): Logger {
  const destination = (options.stream ?? pino.destination({ dest: 1, sync: true })) as DestinationStream
  return pino({ level: options.level, redact: { paths: [...REDACT_PATHS], censor: REDACTED } }, destination)
}
