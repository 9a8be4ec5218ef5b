#!/usr/bin/env node
// openclaw-injector: one binary, one subcommand per job. Each subcommand lives in
// src/commands/ and is loaded only when asked for, so `inject` never pays for Fastify.
import { VERSION } from './build-info.generated.ts'
import { KEEP_RUNNING, type CommandIO } from './commands/io.ts'

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run: (args: string[], io: CommandIO) => Promise<number> }> }> = {
  serve: { summary: 'run the HTTPS admission webhook', load: () => import('./commands/serve.ts') },
  inject: { summary: 'print manifests with every OpenClaw pod template injected, as the webhook would', load: () => import('./commands/inject.ts') },
  explain: { summary: 'say for each pod or template whether it would be injected, and why', load: () => import('./commands/explain.ts') },
  certs: { summary: 'create or renew the webhook CA and serving certificate', load: () => import('./commands/certs.ts') },
  check: { summary: 'check a live installation: webhook, certificate, replicas, a dry-run pod, uninjected pods', load: () => import('./commands/check.ts') },
}

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length))
  return [
    `openclaw-injector ${VERSION}: keeps OpenClaw's gateway token on the state volume in sync with its Secret`,
    '',
    'usage: openclaw-injector <command> [flags]   (openclaw-injector <command> --help for its flags)',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    `  ${'version'.padEnd(width)}  print the version`,
  ].join('\n')
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage() + '\n')
    return name === undefined ? 2 : 0
  }
  if (name === 'version' || name === '--version') {
    io.stdout.write(VERSION + '\n')
    return 0
  }
  const command = COMMANDS[name]
  if (command === undefined) {
    io.stderr.write(`openclaw-injector: unknown command ${JSON.stringify(name)}; commands: ${Object.keys(COMMANDS).join(', ')}, version\n`)
    return 2
  }
  const module = await command.load()
  return module.run(rest, io)
}

// A reader that stops early (`| head`) closes the pipe: the rest of the output is not wanted, and
// that is no error (Node ignores SIGPIPE, so the write fails with EPIPE instead).
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') {
      try { process.stderr.write(`openclaw-injector: cannot write ${stream === process.stdout ? 'standard output' : 'standard error'}: ${error.code ?? error.message}\n`) } catch { /* nowhere left to say it */ }
    }
    process.exit(error.code === 'EPIPE' ? process.exitCode ?? 0 : 1)
  })
}

/**
 * Runs main; an error no command reported (a bug, or a failure nobody foresaw) is one line on
 * standard error and exit 1, never a stack trace.
 */
async function runMain(argv: string[], io: CommandIO): Promise<number> {
  try {
    return await main(argv, io)
  } catch (error) {
    const command = argv[0] === undefined ? 'openclaw-injector' : `openclaw-injector ${argv[0]}`
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    io.stderr.write(`${command}: unexpected error: ${text.split('\n')[0]}\n`)
    return 1
  }
}

const exitCode = await runMain(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr })
// serve keeps running until it is signalled; it sets process.exitCode itself.
if (exitCode !== KEEP_RUNNING) process.exitCode = exitCode
