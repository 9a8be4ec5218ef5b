// Readiness and graceful shutdown. On SIGTERM: readiness turns false, the HTTPS
// listener stops accepting, idle keep-alive connections close, in-flight admissions
// finish (their connections close after the answer), then the operations port closes.
// All within a bound: when it runs out, the remaining connections are cut and the
// exit code says so.

export interface LifecycleLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
  error(fields: object, message: string): void
}

export interface LifecycleOptions {
  /** Stops accepting and resolves when every in-flight request has been answered. */
  drain: () => Promise<void>
  /** Cuts whatever connections are still open when the bound runs out. */
  forceClose: () => void
  /** Closes what is left after the drain (operations port, watchers). */
  cleanup: () => Promise<void>
  timeoutMs: number
  log: LifecycleLogger
}

export interface Lifecycle {
  readonly ready: boolean
  readonly stopping: boolean
  markReady(): void
  /** Idempotent; resolves with the exit code: 0 after a clean drain, 1 when the bound ran out or closing failed. */
  shutdown(reason: string): Promise<number>
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  let ready = false
  let stopping: Promise<number> | undefined

  const run = async (reason: string): Promise<number> => {
    const started = performance.now()
    ready = false
    options.log.info({ reason, timeoutMs: options.timeoutMs }, 'shutting down: not ready, draining in-flight admissions')
    let timer: NodeJS.Timeout | undefined
    const bound = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMs)
    })
    let code = 0
    try {
      const result = await Promise.race([options.drain().then(() => 'drained' as const), bound])
      if (result === 'timeout') {
        code = 1
        options.log.warn({ timeoutMs: options.timeoutMs }, 'shutdown bound reached; cutting the remaining connections')
        options.forceClose()
      }
    } catch (error) {
      code = 1
      options.log.error({ error: (error as Error).message }, 'closing the HTTPS listener failed')
      options.forceClose()
    } finally {
      clearTimeout(timer)
    }
    try {
      await options.cleanup()
    } catch (error) {
      code = 1
      options.log.error({ error: (error as Error).message }, 'closing the operations port failed')
    }
    options.log.info({ exitCode: code, durationMs: Math.round(performance.now() - started) }, 'stopped')
    return code
  }

  return {
    get ready() {
      return ready
    },
    get stopping() {
      return stopping !== undefined
    },
    markReady() {
      if (stopping === undefined) ready = true
    },
    shutdown(reason) {
      stopping ??= run(reason)
      return stopping
    },
  }
}

/**
 * SIGTERM and SIGINT start the shutdown; `exit` gets its code. A second signal while
 * draining exits at once with code 1. Returns a function that removes the handlers.
 */
export function handleSignals(lifecycle: Lifecycle, exit: (code: number) => void, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): () => void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (lifecycle.stopping) return exit(1)
    void lifecycle.shutdown(signal).then(exit)
  }
  for (const signal of signals) process.on(signal, onSignal)
  return () => {
    for (const signal of signals) process.off(signal, onSignal)
  }
}
