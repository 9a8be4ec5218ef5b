// Puts the pieces together: certificate, metrics, the HTTPS app, the operations port,
// the certificate watch and the shutdown sequence. The `serve` command is a thin shell
// over startServer; the tests and the benchmark call it directly.
import type { Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Settings } from '../settings.ts'
import { buildApp } from './app.ts'
import type { Mutate } from './handler.ts'
import { createLifecycle, type Lifecycle } from './lifecycle.ts'
import { createLogger, type Logger } from './log.ts'
import { createMetrics, type ServerMetrics } from './metrics.ts'
import { createOpsServer } from './ops-server.ts'
import { loadTlsMaterial, watchTls, type TlsFiles, type TlsWatcher } from './tls.ts'

export interface ServeOptions {
  tls: TlsFiles
  /** Listen address of both ports. */
  host: string
  version: string
  mutate?: Mutate
  logStream?: { write(line: string): unknown }
  tlsWatch?: { debounceMs?: number; pollMs?: number }
  /** process_* and nodejs_* metrics (default on). */
  defaultMetrics?: boolean
}

export interface RunningServer {
  app: FastifyInstance
  ops: Server
  metrics: ServerMetrics
  lifecycle: Lifecycle
  log: Logger
  tls: TlsWatcher
  /** https://host:port of the admission listener. */
  url: string
  /** http://host:port of the operations listener. */
  opsUrl: string
  /** Graceful shutdown, as on SIGTERM; resolves with the exit code. */
  close(): Promise<number>
}

export async function startServer(settings: Settings, options: ServeOptions): Promise<RunningServer> {
  const material = await loadTlsMaterial(options.tls)
  const log = createLogger({ level: settings.server.logLevel, ...(options.logStream === undefined ? {} : { stream: options.logStream }) })
  const metrics = createMetrics({ version: options.version, defaultMetrics: options.defaultMetrics ?? true })
  metrics.certificateLoaded(material.notAfter)
  const app = buildApp(settings, {
    tls: material,
    metrics,
    log,
    ...(options.mutate === undefined ? {} : { mutate: options.mutate }),
  })

  let watcher: TlsWatcher | undefined
  const ops = createOpsServer({ registry: metrics.registry, isReady: () => lifecycle.ready })
  const lifecycle = createLifecycle({
    timeoutMs: settings.server.shutdownTimeoutMs,
    log,
    drain: () => {
      const closing = app.close()
      connections.closeIdle()
      return closing
    },
    forceClose: () => app.server.closeAllConnections(),
    cleanup: async () => {
      watcher?.close()
      await closeServer(ops)
    },
  })
  const connections = trackConnections(app, metrics, () => lifecycle.stopping)

  // The operations port first, so probes see "not ready" rather than a refused connection.
  await listen(ops, settings.server.metricsPort, options.host, 'metrics')
  try {
    await app.listen({ host: options.host, port: settings.server.port })
  } catch (error) {
    await closeServer(ops)
    throw new Error(`cannot listen on ${options.host}:${settings.server.port} (--port): ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }

  watcher = watchTls({
    files: options.tls,
    current: material,
    server: app.server as unknown as { setSecureContext(options: object): void },
    log,
    ...options.tlsWatch,
    onReload: (result) => {
      metrics.certificateReload(result.ok ? 'success' : 'error')
      if (result.ok) metrics.certificateLoaded(result.material.notAfter)
    },
  })

  const address = app.server.address() as AddressInfo
  const opsAddress = ops.address() as AddressInfo
  const url = `https://${hostForUrl(options.host)}:${address.port}`
  const opsUrl = `http://${hostForUrl(options.host)}:${opsAddress.port}`
  lifecycle.markReady()
  log.info(
    {
      url: `${url}/mutate`,
      metrics: `${opsUrl}/metrics`,
      certificate: options.tls.certPath,
      serialNumber: material.serialNumber,
      notAfter: material.notAfter.toISOString(),
      readyMs: Math.round(performance.now()),
    },
    'ready',
  )
  return { app, ops, metrics, lifecycle, log, tls: watcher, url, opsUrl, close: () => lifecycle.shutdown('close') }
}

/**
 * Counts the requests in flight on each TLS connection, and in all (the in-flight gauge).
 * node:http only closes connections it
 * has seen a request on; a connection a client opened and kept spare (Go's HTTP client in
 * kube-apiserver does) would hold the drain until the bound. While stopping, a connection is
 * closed as soon as it carries no request: at once when idle, else after its last answer.
 */
function trackConnections(app: FastifyInstance, metrics: ServerMetrics, stopping: () => boolean): { closeIdle(): void } {
  const inFlight = new Map<Socket, number>()
  app.server.on('secureConnection', (socket: Socket) => {
    // A handshake that completes after the drain began: the client has no request on it yet.
    if (stopping()) return socket.destroy()
    inFlight.set(socket, 0)
    socket.once('close', () => inFlight.delete(socket))
  })
  app.addHook('onRequest', (request, reply, done) => {
    const socket = request.raw.socket
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
    const answered = metrics.requestStarted()
    // 'close' comes once per response: answered, or its connection gone.
    reply.raw.once('close', () => {
      answered()
      const left = Math.max(0, (inFlight.get(socket) ?? 1) - 1)
      if (inFlight.has(socket)) inFlight.set(socket, left)
      if (left === 0 && stopping()) socket.end()
    })
    done()
  })
  return {
    closeIdle() {
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy()
    },
  }
}

function listen(server: Server, port: number, host: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port} (--${what}-port): ${error.code ?? error.message}`))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
