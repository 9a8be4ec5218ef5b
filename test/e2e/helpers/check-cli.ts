// `openclaw-injector check` run as an admin would, against the e2e API server's kubeconfig:
// the real built CLI (dist/cli.js) in a child process, its `-o json` report parsed.
import { spawnSync } from 'node:child_process'
import { CLI } from './injector.ts'

/** One line of the report: a check's name, whether it passed, what it found and, for a ✗, the fix. */
export interface Check { name: string; ok: boolean; detail: string; fix?: string }

/** The whole report: the exit code (0 healthy, 1 a ✗, 2 bad usage), `healthy`, the checks, and stderr. */
export interface Report { code: number; healthy: boolean | undefined; checks: Check[]; stderr: string }

/** Runs `check --kubeconfig <kubeconfig> -o json <args...>` with a 60 s bound; no stdout gives no checks. */
export function runCheck(kubeconfig: string, ...args: string[]): Report {
  const r = spawnSync(process.execPath, [CLI, 'check', '--kubeconfig', kubeconfig, '-o', 'json', ...args], { encoding: 'utf8', timeout: 60_000 })
  const parsed = r.stdout ? JSON.parse(r.stdout) : { healthy: undefined, checks: [] }
  return { code: r.status ?? -1, healthy: parsed.healthy, checks: parsed.checks, stderr: r.stderr }
}
