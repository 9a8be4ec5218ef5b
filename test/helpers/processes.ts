// Child processes of the tests that cannot outlive them: each runs under
// `setpriv --pdeathsig KILL` where setpriv exists (the kernel kills it if the test process
// dies without running its handlers: SIGKILL, a tap timeout), and an 'exit' hook kills
// whatever is still running when the test process ends normally.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync } from 'node:fs'

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))
const live = new Set<ChildProcess>()
let hooked = false

/** spawn(), tied to this process's life. setpriv execs the command, so the pid is the command's own. */
export function spawnTied(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  if (!hooked) {
    hooked = true
    // 'exit' handlers must be synchronous.
    process.on('exit', () => {
      for (const child of live) {
        try {
          child.kill('SIGKILL')
        } catch {
          /* already gone */
        }
      }
    })
  }
  const child = SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options) : spawn(command, args, options)
  live.add(child)
  const forget = () => live.delete(child)
  child.once('exit', forget)
  child.once('error', forget)
  return child
}
