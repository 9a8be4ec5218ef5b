// The HTTPS admission listener: one route, POST /mutate, on node:https. Everything about
// HTTP lives here (content types, body limit, status codes, the admission log line); the
// protocol is in admission-review.ts and the decision in handler.ts. No web framework:
// one route needs none, and each one measured here cost the webhook more CPU per review
// and more memory than all of its own work.
import { createServer, type Server } from 'node:https'
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { Settings } from '../settings.ts'
import { mutatePod } from '../engine/index.ts'
import { parseAdmissionReview, serializeAdmissionReview } from './admission-review.ts'
import { createAdmissionHandler, type Mutate } from './handler.ts'
import type { Logger } from './log.ts'
import type { ServerMetrics } from './metrics.ts'
import { MIN_TLS_VERSION, type TlsMaterial } from './tls.ts'

// secure-json-parse (Fastify's, the one this listener used before): JSON.parse plus a refusal of
// __proto__ and constructor.prototype keys, checked only when the text contains them at all.
const secureJson = createRequire(import.meta.url)('secure-json-parse') as {
  parse(text: string, reviver: null, options: { protoAction: 'error'; constructorAction: 'error' }): unknown
}

export const MUTATE_PATH = '/mutate'
/** Reasons name containers and paths, which a hostile pod can make huge. */
const MAX_LOGGED_REASON = 300
const JSON_TYPE = 'application/json; charset=utf-8'
/** Metric label values for the operation; anything else a client makes up is `other`. */
const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT'])
/** The API server gives a webhook at most 30 s; a request still open after 60 s is an attack. */
const REQUEST_TIMEOUT_MS = 60_000
/** Idle keep-alive connections stay open this long (Fastify's default, which this listener used before). */
const KEEP_ALIVE_TIMEOUT_MS = 72_000

export interface AppOptions {
  tls: TlsMaterial
  metrics: ServerMetrics
  log: Logger
  /** The engine; tests pass one that throws. */
  mutate?: Mutate
  /** True from the start of shutdown: answers then carry `Connection: close`. */
  stopping: () => boolean
}

/** A refusal with its HTTP status and a one-line reason for the caller and the log. */
class Refusal extends Error {
  override name = 'Refusal'
  statusCode: number
  constructor(statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

/**
 * The HTTPS server answering admission reviews on POST /mutate; not yet listening. Every
 * request gets an answer: 200 with an AdmissionReview, or a JSON refusal
 * `{ statusCode, error, message }` with a one-line message that never quotes the body
 * (400 not JSON or not a review, 404 another route, 413 over settings.server.bodyLimit,
 * 415 not application/json, 500 a bug here).
 */
export function createAdmissionServer(settings: Settings, options: AppOptions): Server {
  const { metrics, log, stopping } = options
  const handle = createAdmissionHandler({ engine: settings.engine, mutate: options.mutate ?? mutatePod })
  const bodyLimit = settings.server.bodyLimit

  const refuse = (request: IncomingMessage, response: ServerResponse, status: number, message: string) => {
    metrics.rejected(status)
    if (status === 404) log.debug({ method: request.method, path: pathOf(request) }, 'no such route')
    else log.info({ status, reason: message, method: request.method, path: pathOf(request) }, 'request refused')
    send(response, status, Buffer.from(JSON.stringify({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message })))
  }

  const send = (response: ServerResponse, status: number, body: Buffer) => {
    if (response.headersSent || response.destroyed) return
    const headers: Record<string, string | number> = { 'content-type': JSON_TYPE, 'content-length': body.length }
    // While draining, requests that arrive on open keep-alive connections are still answered,
    // then their connection closes: a refusal would fail the pod's admission under failurePolicy Fail.
    if (stopping()) headers.connection = 'close'
    response.writeHead(status, headers)
    response.end(body)
  }

  const admit = (request: IncomingMessage, response: ServerResponse, text: string, startedAt: number) => {
    let body: unknown
    try {
      body = secureJson.parse(text, null, { protoAction: 'error', constructorAction: 'error' })
    } catch {
      throw new Refusal(400, jsonProblem(text))
    }
    const parsed = parseAdmissionReview(body)
    if (!parsed.ok) throw new Refusal(400, parsed.reason)
    const admission = parsed.request
    const outcome = handle(admission)
    const answer = serializeAdmissionReview(outcome.review)
    const elapsedMs = performance.now() - startedAt
    metrics.observeAdmission({ operation: OPERATIONS.has(admission.operation) ? admission.operation : 'other', decision: outcome.decision, reason: outcome.label }, elapsedMs / 1000)
    if (outcome.error !== undefined) metrics.engineError()
    const level = outcome.error !== undefined ? 'error' : 'info'
    if (log.enabled(level)) {
      const line = {
        uid: admission.uid,
        namespace: admission.namespace.slice(0, 63),
        name: outcome.podName,
        kind: admission.kind.kind.slice(0, 63),
        operation: admission.operation.slice(0, 16),
        dryRun: admission.dryRun,
        decision: outcome.decision,
        reasons: outcome.reasons.slice(0, 16).map((reason) => (reason.length > MAX_LOGGED_REASON ? reason.slice(0, MAX_LOGGED_REASON) + '...' : reason)),
        warnings: outcome.warnings.length,
        patchOperations: outcome.patchOperations,
        durationMs: Math.round(elapsedMs * 1000) / 1000,
      }
      if (outcome.error !== undefined) log.error({ ...line, error: outcome.error }, 'admission: engine error, admitted unchanged')
      else log.info(line, 'admission')
    }
    send(response, 200, answer)
  }

  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const startedAt = performance.now()
    const fail = (error: unknown) => {
      if (error instanceof Refusal) return refuse(request, response, error.statusCode, error.message)
      metrics.rejected(500)
      log.error({ err: error, method: request.method, path: pathOf(request) }, 'request failed')
      send(response, 500, Buffer.from(JSON.stringify({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' })))
    }
    try {
      if (request.method !== 'POST' || pathOf(request) !== MUTATE_PATH) {
        return refuse(request, response, 404, `no route ${String(request.method).slice(0, 16)} ${pathOf(request)}; the webhook serves POST ${MUTATE_PATH}`)
      }
      const declared = request.headers['content-length']
      const hasBody = request.headers['transfer-encoding'] !== undefined || (declared !== undefined && declared !== '0')
      if (!hasBody) {
        // Nothing to read: as an empty JSON body when it says it is JSON, else as no review at all.
        if (isJson(request.headers['content-type'])) throw new Refusal(400, 'request body is empty; expected an AdmissionReview')
        const parsed = parseAdmissionReview(undefined)
        throw new Refusal(400, parsed.ok ? 'request body is empty' : parsed.reason)
      }
      if (!isJson(request.headers['content-type'])) throw new Refusal(415, 'content type must be application/json')
      if (declared !== undefined && Number(declared) > bodyLimit) throw new Refusal(413, tooLarge(bodyLimit))

      const chunks: Buffer[] = []
      let length = 0
      let refused = false
      request.on('data', (chunk: Buffer) => {
        if (refused) return
        length += chunk.length
        if (length > bodyLimit) {
          refused = true
          chunks.length = 0
          return fail(new Refusal(413, tooLarge(bodyLimit)))
        }
        chunks.push(chunk)
      })
      request.on('end', () => {
        if (refused) return
        try {
          const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length)).toString('utf8')
          if (text === '') throw new Refusal(400, 'request body is empty; expected an AdmissionReview')
          admit(request, response, text, startedAt)
        } catch (error) {
          fail(error)
        }
      })
      // A client that goes away mid-body: nothing to answer.
      request.on('error', () => {})
    } catch (error) {
      fail(error)
    }
  }

  const server = createServer(
    {
      key: options.tls.key,
      cert: options.tls.cert,
      minVersion: MIN_TLS_VERSION,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    onRequest,
  )
  return server
}

/** application/json, with any parameters, case as the client wrote it. */
function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase() === 'application/json'
}

function tooLarge(bodyLimit: number): string {
  return `request body is larger than the limit of ${bodyLimit} bytes`
}

/** Why the body was refused: bad JSON, or JSON with a prototype-poisoning key. Never quotes it. */
function jsonProblem(body: string): string {
  try {
    JSON.parse(body)
  } catch {
    return 'request body is not valid JSON'
  }
  return 'request body contains a forbidden __proto__ or constructor.prototype key'
}

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/'
  const query = url.indexOf('?')
  return (query === -1 ? url : url.slice(0, query)).slice(0, 200)
}
