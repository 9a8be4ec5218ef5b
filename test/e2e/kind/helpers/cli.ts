// The openclaw-injector CLI as a cluster admin runs it from the docs, against the kind cluster.
import path from 'node:path'
import { CommandError, repoRoot, run, type Cluster } from './cluster.ts'

/** The CLI just built (`npm run build`). */
export const CLI = path.join(repoRoot, 'dist', 'cli.js')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * `openclaw-injector ARGS` (ARGS as the docs give them, without the program name) with
 * --kubeconfig of the kind cluster added; resolves for any exit status.
 */
export async function openclawInjector(cluster: Cluster, args: readonly string[], timeoutMs = 300_000): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [CLI, ...args, '--kubeconfig', cluster.kubeconfig], { timeoutMs })
    return { code: 0, stdout: r.stdout, stderr: r.stderr }
  } catch (err) {
    if (!(err instanceof CommandError)) throw err
    return { code: err.code ?? -1, stdout: err.stdout, stderr: err.stderr }
  }
}
