// The webhook's log: one JSON object per line, in the shape pino writes (numeric `level`,
// `time` in epoch milliseconds, `pid`, `hostname`, `msg`), so log pipelines that know pino
// (and the lines this webhook wrote before) read it unchanged. Written synchronously to
// one stream; a line is built only when its level is enabled.
import { hostname } from 'node:os'

export const LOG_LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const
export type LogLevel = keyof typeof LOG_LEVELS

export interface Logger {
  trace(fields: object, message: string): void
  debug(fields: object, message: string): void
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
  fatal(fields: object, message: string): void
  /** Whether a line at `level` would be written. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean
}

export interface LoggerOptions {
  level: LogLevel
  /** Where the lines go (default process.stdout). */
  stream?: { write(line: string): unknown }
}

/**
 * A JSON-lines logger at `options.level` (lines below it are dropped before they are built).
 * Fields are written after the fixed ones; an Error in a field becomes { type, message, stack }.
 * Throws nothing: a field that cannot be serialised is replaced by a note saying so.
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LOG_LEVELS[options.level]
  const stream = options.stream ?? process.stdout
  // The fixed part of every line after `level` and `time`, made once.
  const fixed = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`
  const write = (level: number, fields: object, message: string) => {
    if (level < threshold) return
    let body: string
    try {
      body = JSON.stringify(fields, errorsAsObjects)
    } catch (error) {
      body = JSON.stringify({ logError: `fields could not be serialised: ${(error as Error).name}` })
    }
    const rest = body === '{}' ? '' : `,${body.slice(1, -1)}`
    stream.write(`{"level":${level},"time":${Date.now()}${fixed}${rest},"msg":${JSON.stringify(message)}}\n`)
  }
  return {
    trace: (fields, message) => write(10, fields, message),
    debug: (fields, message) => write(20, fields, message),
    info: (fields, message) => write(30, fields, message),
    warn: (fields, message) => write(40, fields, message),
    error: (fields, message) => write(50, fields, message),
    fatal: (fields, message) => write(60, fields, message),
    enabled: (level) => LOG_LEVELS[level] >= threshold,
  }
}

function errorsAsObjects(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { type: value.name, message: value.message, stack: value.stack }
  return value
}
