// What `inject` and `explain` share: flags, settings and reading the input whole
// before anything is written, so bad input never leaves half an output behind.
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import type { CommandIO } from '../commands/io.ts'
import { loadSettings, SettingsError, settingsFlags, type EngineSettings } from '../settings.ts'
import { InputError, processManifests, type ProcessedInput } from './documents.ts'

export interface OfflineRun {
  processed: ProcessedInput
  values: Record<string, unknown>
}

export async function runOffline(name: string, usage: string, args: string[], io: CommandIO, extraFlags: Record<string, { type: 'string' | 'boolean'; short?: string }> = {}): Promise<OfflineRun | number> {
  let values: Record<string, unknown>
  try {
    values = parseArgs({ args, options: { file: { type: 'string', short: 'f' }, help: { type: 'boolean', short: 'h' }, ...extraFlags, ...settingsFlags() }, allowPositionals: false, strict: true }).values
  } catch (error) {
    io.stderr.write(`openclaw-injector ${name}: ${(error as Error).message}\n${usage}\n`)
    return 2
  }
  if (values.help) {
    io.stdout.write(usage + '\n')
    return 0
  }
  const file = values.file
  if (typeof file !== 'string') {
    io.stderr.write(`openclaw-injector ${name}: -f FILE (or -f - for standard input) is required\n${usage}\n`)
    return 2
  }
  let settings: EngineSettings
  try {
    settings = loadSettings({ flags: values, env: process.env }).engine
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    io.stderr.write(error.message.split('\n').map((line) => `openclaw-injector ${name}: ${line}\n`).join(''))
    return 2
  }
  let text: string
  try {
    text = file === '-' ? await readAll(io.stdin) : await readFile(file, 'utf8')
  } catch (error) {
    io.stderr.write(`openclaw-injector ${name}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`)
    return 1
  }
  try {
    return { processed: processManifests(text, file === '-' ? 'stdin' : file, settings), values }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    io.stderr.write(`openclaw-injector ${name}: ${error.message}\n`)
    return 1
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}
