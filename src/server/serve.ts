// Puts the pieces together: certificate, metrics, the HTTPS listener, the operations port,
// the certificate watch and the shutdown sequence. The `serve` command is a thin shell
// over startServer; the tests and the benchmark call it directly.
import type { Server } from 'node:http'
import type { Server as HttpsServer } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import type { Settings } from '../settings.ts'
import { createAdmissionServer } from './app.ts'
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
  /** The HTTPS admission listener. */
  server: HttpsServer
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

/**
 * Loads the certificate, starts both listeners and the certificate watch, and resolves once
 * the webhook is ready. Throws with one line when the certificate is bad or a port is taken.
 */
export async function startServer(settings: Settings, options: ServeOptions): Promise<RunningServer> {
  const material = await loadTlsMaterial(options.tls)
  const log = createLogger({ level: settings.server.logLevel, ...(options.logStream === undefined ? {} : { stream: options.logStream }) })
  const metrics = createMetrics({ version: options.version, defaultMetrics: options.defaultMetrics ?? true })
  metrics.certificateLoaded(material.notAfter)
  const server = createAdmissionServer(settings, {
    tls: material,
    metrics,
    log,
    stopping: () => lifecycle.stopping,
    ...(options.mutate === undefined ? {} : { mutate: options.mutate }),
  })

  let watcher: TlsWatcher | undefined
  const ops = createOpsServer({ registry: metrics.registry, isReady: () => lifecycle.ready })
  const lifecycle = createLifecycle({
    timeoutMs: settings.server.shutdownTimeoutMs,
    log,
    drain: () => {
      const closing = closeServer(server, false)
      connections.closeIdle()
      return closing
    },
    forceClose: () => {
      server.closeAllConnections()
      connections.destroyAll()
    },
    cleanup: async () => {
      watcher?.close()
      await closeServer(ops, true)
    },
  })
  const connections = trackConnections(server, metrics, () => lifecycle.stopping)

  // The operations port first, so probes see "not ready" rather than a refused connection.
  await listen(ops, settings.server.metricsPort, options.host, '--metrics-port')
  try {
    await listen(server, settings.server.port, options.host, '--port')
  } catch (error) {
    await closeServer(ops, true)
    throw error
  }

  watcher = watchTls({
    files: options.tls,
    current: material,
    server,
    log,
    ...options.tlsWatch,
    onReload: (result) => {
      metrics.certificateReload(result.ok ? 'success' : 'error')
      if (result.ok) metrics.certificateLoaded(result.material.notAfter)
    },
  })

  const address = server.address() as AddressInfo
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
  return { server, ops, metrics, lifecycle, log, tls: watcher, url, opsUrl, close: () => lifecycle.shutdown('close') }
}

/**
 * Counts the requests in flight on each TLS connection, and in all (the in-flight gauge).
 * node:http only closes connections it
 * has seen a request on; a connection a client opened and kept spare (Go's HTTP client in
 * kube-apiserver does) would hold the drain until the bound. While stopping, a connection is
 * closed as soon as it carries no request: at once when idle, else after its last answer.
 */
function trackConnections(server: HttpsServer, metrics: ServerMetrics, stopping: () => boolean): { closeIdle(): void; destroyAll(): void } {
  const inFlight = new Map<Socket, number>()
  server.on('secureConnection', (socket: Socket) => {
    // A handshake that completes after the drain began: the client has no request on it yet.
    if (stopping()) return socket.destroy()
    inFlight.set(socket, 0)
    socket.once('close', () => inFlight.delete(socket))
  })
  server.on('request', (request, response) => {
    const socket = request.socket
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1)
    const answered = metrics.requestStarted()
    // 'close' comes once per response: answered, or its connection gone.
    response.once('close', () => {
      answered()
      const left = Math.max(0, (inFlight.get(socket) ?? 1) - 1)
      if (inFlight.has(socket)) inFlight.set(socket, left)
      if (left === 0 && stopping()) socket.end()
    })
  })
  return {
    closeIdle() {
      for (const [socket, requests] of inFlight) if (requests === 0) socket.destroy()
    },
    destroyAll() {
      for (const socket of inFlight.keys()) socket.destroy()
    },
  }
}

function listen(server: Server | HttpsServer, port: number, host: string, flag: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${host}:${port} (${flag}): ${error.code ?? error.message}`))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** Stops accepting and resolves once every connection has ended; `cutAll` ends them at once. */
function closeServer(server: Server | HttpsServer, cutAll: boolean): Promise<void> {
  if (!server.listening) return Promise.resolve()
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    if (cutAll) server.closeAllConnections()
  })
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '' || host === '::') return '127.0.0.1'
  return host.includes(':') ? `[${host}]` : host
}
