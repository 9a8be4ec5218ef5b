// An in-process webhook for tests: the real startServer on 127.0.0.1, ports chosen by
// the system, a certificate from a fresh test CA, every log line captured, and a small
// HTTPS client that trusts that CA.
import https from 'node:https'
import http from 'node:http'
import { defaultSettings, type EngineSettings, type ServerSettings, type Settings } from '../../../src/settings.ts'
import { startServer, type RunningServer } from '../../../src/server/serve.ts'
import type { Mutate } from '../../../src/server/handler.ts'
import { makeCa, tempDir, writePair, type TestCa } from '../../helpers/tls.ts'

export interface LogCapture {
  readonly lines: string[]
  write(chunk: string): boolean
  /** Every line parsed as JSON. */
  records(): Array<Record<string, unknown>>
  text(): string
}

export function captureLogs(): LogCapture {
  const lines: string[] = []
  let partial = ''
  return {
    lines,
    write(chunk: string) {
      partial += chunk
      let newline
      while ((newline = partial.indexOf('\n')) !== -1) {
        lines.push(partial.slice(0, newline))
        partial = partial.slice(newline + 1)
      }
      return true
    },
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    text: () => lines.join('\n') + partial,
  }
}

export interface TestServerOptions {
  mutate?: Mutate
  server?: Partial<ServerSettings>
  engine?: Partial<EngineSettings>
  /** Serve these files instead of a fresh pair in a temp dir. */
  tls?: { certPath: string; keyPath: string }
  ca?: TestCa
  tlsWatch?: { debounceMs?: number; pollMs?: number }
}

export interface TestServer {
  running: RunningServer
  settings: Settings
  ca: TestCa
  logs: LogCapture
  agent: https.Agent
  /** POST to the admission listener (default path /mutate, content type application/json). */
  post(body: string | Buffer | object, options?: RequestOptions): Promise<Response>
  request(options: RequestOptions & { method: string; path: string; body?: string | Buffer }): Promise<Response>
  /** GET on the operations port. */
  ops(path: string): Promise<Response>
  close(): Promise<number>
}

export interface RequestOptions {
  path?: string
  headers?: Record<string, string | number>
  agent?: https.Agent | false
}

export interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
  json(): any
}

interface Teardown {
  teardown(fn: () => unknown): void
}

export async function startTestServer(t: Teardown, options: TestServerOptions = {}): Promise<TestServer> {
  const settings = defaultSettings()
  Object.assign(settings.server, { port: 0, metricsPort: 0, logLevel: 'info' }, options.server)
  Object.assign(settings.engine, options.engine)
  const ca = options.ca ?? (await makeCa())
  let tls = options.tls
  if (tls === undefined) {
    const { dir, remove } = await tempDir()
    t.teardown(remove)
    tls = await writePair(dir, await ca.leaf())
  }
  const logs = captureLogs()
  const running = await startServer(settings, {
    tls,
    host: '127.0.0.1',
    version: '0.0.0-test',
    logStream: logs,
    defaultMetrics: false,
    ...(options.mutate === undefined ? {} : { mutate: options.mutate }),
    ...(options.tlsWatch === undefined ? {} : { tlsWatch: options.tlsWatch }),
  })
  const agent = new https.Agent({ keepAlive: true, ca: ca.cert, maxSockets: 16 })
  let closed: Promise<number> | undefined
  const close = () => {
    closed ??= running.close().finally(() => agent.destroy())
    return closed
  }
  t.teardown(close)

  const request: TestServer['request'] = (req) =>
    send(`${running.url}${req.path}`, { method: req.method, headers: req.headers ?? {}, agent: req.agent ?? agent, ca: ca.cert }, req.body)

  return {
    running,
    settings,
    ca,
    logs,
    agent,
    request,
    post(body, opts = {}) {
      const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body)
      return request({ method: 'POST', path: opts.path ?? '/mutate', headers: { 'content-type': 'application/json', ...opts.headers }, body: payload, agent: opts.agent ?? agent })
    },
    ops: (p) => send(`${running.opsUrl}${p}`, { method: 'GET', headers: {} }),
    close,
  }
}

/** One request; rejects only when no HTTP answer came back (reset, hang-up, TLS failure). */
export function send(
  url: string,
  options: { method: string; headers: Record<string, string | number>; agent?: https.Agent | http.Agent | false; ca?: string; timeoutMs?: number },
  body?: string | Buffer,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const target = new URL(url)
    const client = target.protocol === 'https:' ? https : http
    const req = client.request(
      target,
      { method: options.method, headers: options.headers, ...(options.agent === undefined ? {} : { agent: options.agent }), ...(options.ca === undefined ? {} : { ca: options.ca }) },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', reject)
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) })
        })
      },
    )
    req.setTimeout(options.timeoutMs ?? 20_000, () => req.destroy(new Error(`no answer within ${options.timeoutMs ?? 20_000} ms`)))
    req.on('error', reject)
    req.end(body)
  })
}
