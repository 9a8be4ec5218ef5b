// Flags and settings, as every command that reads settings takes them: node:util parseArgs
// over the settings' flags plus the command's own, --help, then loadSettings with one
// line per bad value. Exit 2 for a bad command line, as getopt tools do.
import { parseArgs } from 'node:util'
import { loadSettings, SettingsError, settingsFlags, type Settings } from '../settings.ts'
import type { CommandIO } from './io.ts'

export type ExtraFlags = Record<string, { type: 'string' | 'boolean'; short?: string }>

export interface ParsedArgs {
  values: Record<string, unknown>
  settings: Settings
}

/** The parsed flags and settings, or the exit code when the command is done (help shown, or bad input reported). */
export function parseSettingsArgs(name: string, usage: () => string, args: string[], io: CommandIO, extraFlags: ExtraFlags = {}): ParsedArgs | number {
  let values: Record<string, unknown>
  try {
    ;({ values } = parseArgs({ args, options: { ...extraFlags, ...settingsFlags(), help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }))
  } catch (error) {
    // node:util's messages run over several lines; the first says what is wrong.
    io.stderr.write(`${name}: ${(error as Error).message.split('\n')[0]!.replace(/\.$/, '')}; see --help\n`)
    return 2
  }
  if (values.help === true) {
    io.stdout.write(usage().replace(/\n?$/, '\n'))
    return 0
  }
  try {
    return { values, settings: loadSettings({ flags: values, env: process.env }) }
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    for (const line of error.message.split('\n')) io.stderr.write(`${name}: ${line}\n`)
    return 2
  }
}
