// The plain-HTTP operations port: /healthz (the process answers), /readyz (serving
// admissions and not shutting down) and /metrics (Prometheus text). Bare node:http:
// three fixed routes need no framework.
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { nodeHttp } from './node-http.ts'
import type { MetricsRegistry } from './metrics.ts'

export interface OpsServerOptions {
  registry: MetricsRegistry
  /** True once the HTTPS listener accepts admissions, false again from the start of shutdown. */
  isReady: () => boolean
}

export function createOpsServer({ registry, isReady }: OpsServerOptions): Server {
  const server = nodeHttp.createServer((request, response) => {
    route(request, response)
  })
  // Probes and scrapes are tiny; anything slow on this port is not a client we serve.
  server.requestTimeout = 10_000
  server.headersTimeout = 10_000
  server.keepAliveTimeout = 5_000

  function route(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?', 1)[0]
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, request, 405, 'method not allowed\n', { allow: 'GET, HEAD' })
    switch (path) {
      case '/healthz':
        return send(response, request, 200, 'ok\n')
      case '/readyz':
        return isReady() ? send(response, request, 200, 'ok\n') : send(response, request, 503, 'not ready\n')
      case '/metrics':
        registry.metrics().then(
          (text) => send(response, request, 200, text, { 'content-type': registry.contentType }),
          () => send(response, request, 500, 'collecting metrics failed\n'),
        )
        return
      default:
        return send(response, request, 404, 'not found: /healthz, /readyz, /metrics\n')
    }
  }

  return server
}

function send(response: ServerResponse, request: IncomingMessage, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  })
  response.end(request.method === 'HEAD' ? undefined : body)
}
