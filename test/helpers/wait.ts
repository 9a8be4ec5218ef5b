// Waiting in tests: poll a condition to a deadline, find free ports, probe a port.
import net from 'node:net'

export interface UntilOptions {
  /** Default 5 s. */
  timeoutMs?: number
  /** Default 25 ms. */
  intervalMs?: number
  /**
   * Keep polling when `check` throws (a cluster object not there yet, a command failing while
   * a component restarts); the last error is named in the timeout message. Default false: the
   * error ends the wait at once.
   */
  retryOnError?: boolean
}

/**
 * Polls `check` until it is true; throws "timed out waiting for <what> (<ms> ms)" past the
 * deadline, with the last error `check` threw when `retryOnError` is set.
 */
export async function until(what: string, check: () => boolean | Promise<boolean>, options: UntilOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5_000
  const intervalMs = options.intervalMs ?? 25
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      if (!options.retryOnError) throw err
      last = (err as Error).message.split('\n').slice(0, 3).join(' ')
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)${last ? `; last error: ${last}` : ''}`)
    await new Promise((r) => setTimeout(r, intervalMs))
  }
}

/** Distinct free TCP ports on 127.0.0.1 (all held open together so they differ). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = []
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer()
      servers.push(srv)
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject)
        srv.listen(0, '127.0.0.1', () => resolve())
      })
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port)
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
  }
}

/** One free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1)
  return port!
}

/** Whether a TCP connection to host:port is accepted. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, host)
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })
}
