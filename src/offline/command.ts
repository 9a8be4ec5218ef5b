// What `inject` and `explain` share: flags, settings and reading the input whole
// before anything is written, so bad input never leaves half an output behind.
import { readFile } from 'node:fs/promises'
import { text } from 'node:stream/consumers'
import type { CommandIO } from '../commands/io.ts'
import { parseSettingsArgs, type ExtraFlags } from '../commands/settings-args.ts'
import { InputError, processManifests, type ProcessedInput } from './documents.ts'

export interface OfflineRun {
  processed: ProcessedInput
  values: Record<string, unknown>
}

export async function runOffline(name: string, usage: string, args: string[], io: CommandIO, extraFlags: ExtraFlags = {}): Promise<OfflineRun | number> {
  const command = `openclaw-injector ${name}`
  const parsed = parseSettingsArgs(command, () => usage, args, io, { file: { type: 'string', short: 'f' }, ...extraFlags })
  if (typeof parsed === 'number') return parsed
  const { values } = parsed
  const settings = parsed.settings.engine
  const file = values.file
  if (typeof file !== 'string') {
    io.stderr.write(`${command}: -f FILE (or -f - for standard input) is required\n${usage}\n`)
    return 2
  }
  let input: string
  try {
    input = file === '-' ? await text(io.stdin) : await readFile(file, 'utf8')
  } catch (error) {
    io.stderr.write(`${command}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`)
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
