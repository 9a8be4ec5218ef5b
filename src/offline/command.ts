// What `inject` and `explain` share: flags, settings and reading the input whole
// before anything is written, so bad input never leaves half an output behind.
import { createReadStream } from 'node:fs'
import type { CommandIO } from '../commands/io.ts'
import { parseSettingsArgs, type ExtraFlags } from '../commands/settings-args.ts'
import { InputError, processManifests, type ProcessedInput } from './documents.ts'

/**
 * The most of an input `inject` and `explain` read: far above any manifest stream (the API server
 * takes 3 MiB per object), far below what parsing would need to exhaust memory.
 */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024

class InputTooLarge extends Error {}

/** The whole of `stream` as UTF-8, or InputTooLarge as soon as it is past MAX_INPUT_BYTES; stream errors (ENOENT, EISDIR) are thrown. */
async function readBounded(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of stream) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    size += buffer.length
    if (size > MAX_INPUT_BYTES) {
      if ('destroy' in stream && typeof stream.destroy === 'function') stream.destroy()
      throw new InputTooLarge()
    }
    chunks.push(buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export interface OfflineRun {
  processed: ProcessedInput
  values: Record<string, unknown>
}

/**
 * Parses flags and settings, reads the input (at most MAX_INPUT_BYTES) and runs the engine on it.
 * `check` sees the flags before the input is read and returns what is wrong with them, if anything.
 * Returns the run, or the exit code after one line on stderr: 2 for a bad command line, 1 for
 * input that cannot be read or processed.
 */
export async function runOffline(name: string, usage: string, args: string[], io: CommandIO, extraFlags: ExtraFlags = {}, check: (values: Record<string, unknown>) => string | undefined = () => undefined): Promise<OfflineRun | number> {
  const command = `openclaw-injector ${name}`
  const parsed = parseSettingsArgs(command, () => usage, args, io, { file: { type: 'string', short: 'f' }, ...extraFlags })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  const settings = parsed.settings.engine
  const file = values.file
  if (typeof file !== 'string') {
    io.stderr.write(`${command}: -f FILE (or -f - for standard input) is required; see --help\n`)
    return 2
  }
  const wrong = check(values)
  if (wrong !== undefined) {
    io.stderr.write(`${command}: ${wrong}\n`)
    return 2
  }
  let input: string
  try {
    input = await readBounded(file === '-' ? io.stdin : createReadStream(file))
  } catch (error) {
    const why = error instanceof InputTooLarge ? `more than ${MAX_INPUT_BYTES / 1048576} MiB, the most ${name} reads` : (error as NodeJS.ErrnoException).code ?? (error as Error).message
    io.stderr.write(`${command}: cannot read ${file === '-' ? 'standard input' : file}: ${why}\n`)
    return 1
  }
  try {
    return { processed: processManifests(input, file === '-' ? 'stdin' : file, settings), values }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    io.stderr.write(`${command}: ${error.message}\n`)
    return 1
  }
}
