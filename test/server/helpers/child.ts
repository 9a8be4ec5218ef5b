// The real binary as a child process: `node dist/cli.js serve` (src/cli.ts when dist/
// has not been built; CLI_ENTRY overrides), its output collected line by line.
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { spawnTied } from '../../helpers/processes.ts'

const root = fileURLToPath(new URL('../../../', import.meta.url))
export const CLI_ENTRY = process.env.CLI_ENTRY ?? (existsSync(`${root}dist/cli.js`) ? `${root}dist/cli.js` : `${root}src/cli.ts`)
export const ROOT = root

export interface Child {
  process: ChildProcess
  stdout: string[]
  stderr: () => string
  /** Resolves with the exit code (or the signal's name) and when it came. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>
  /** The parsed JSON log lines on stdout. */
  logs(): Array<Record<string, any>>
  /** Waits for a stdout log line with this msg. */
  waitFor(msg: string, timeoutMs?: number): Promise<Record<string, any>>
  /** Waits until stderr matches. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<string>
  kill(): void
}

/** `command`: what runs CLI_ENTRY, default [node]; e.g. an `env -i ... node` that sets the whole environment. */
export function spawnCli(args: string[], options: { env?: Record<string, string>; cwd?: string; command?: string[] } = {}): Child {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('OPENCLAW_INJECTOR_') && !k.startsWith('TAP')) env[k] = v
  const [command, ...prefix] = options.command ?? [process.execPath]
  // Tied to the test process: no serve child outlives it, whatever a test forgot.
  const child = spawnTied(command!, [...prefix, CLI_ENTRY, ...args], { env: { ...env, ...options.env }, cwd: options.cwd ?? root, stdio: ['ignore', 'pipe', 'pipe'] })
  const stdout: string[] = []
  let partial = ''
  let stderr = ''
  const waiters: Array<() => void> = []
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk
    const lines = partial.split('\n')
    partial = lines.pop()!
    stdout.push(...lines)
    for (const w of waiters.splice(0)) w()
  })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk
    for (const w of waiters.splice(0)) w()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal, at: Date.now() })
      for (const w of waiters.splice(0)) w()
    })
  })
  let done = false
  void exited.then(() => (done = true))
  const logs = () =>
    stdout.flatMap((line) => {
      try {
        return [JSON.parse(line)]
      } catch {
        return []
      }
    })
  return {
    process: child,
    stdout,
    stderr: () => stderr,
    exited,
    logs,
    async waitFor(msg, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const found = logs().find((l) => l.msg === msg)
        if (found) return found
        if (done) throw new Error(`exited before logging ${JSON.stringify(msg)}; stderr: ${stderr}`)
        if (Date.now() > deadline) throw new Error(`no ${JSON.stringify(msg)} within ${timeoutMs} ms; stderr: ${stderr}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
    },
    async waitForStderr(pattern, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(stderr)) {
        if (done) throw new Error(`exited before stderr matched ${pattern}; stderr: ${stderr}`)
        if (Date.now() > deadline) throw new Error(`stderr did not match ${pattern} within ${timeoutMs} ms; stderr: ${stderr}`)
        await new Promise<void>((resolve) => {
          waiters.push(resolve)
          setTimeout(resolve, 100)
        })
      }
      return stderr
    },
    kill() {
      if (!done) child.kill('SIGKILL')
    },
  }
}
