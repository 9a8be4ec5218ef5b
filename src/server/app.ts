// The HTTPS admission app: one route, POST /mutate. Everything about HTTP lives here
// (content types, body limit, status codes, the admission log line); the protocol is
// in admission-review.ts and the decision in handler.ts.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Settings } from '../settings.ts'
import { mutatePod } from '../engine/index.ts'
import { parseAdmissionReview, serializeAdmissionReview } from './admission-review.ts'
import { createAdmissionHandler, type Mutate } from './handler.ts'
import type { Logger } from './log.ts'
import type { ServerMetrics } from './metrics.ts'
import { secureContextOptions, type TlsMaterial } from './tls.ts'
import { nodeHttp } from './node-http.ts'

export const MUTATE_PATH = '/mutate'
/** Reasons name containers and paths, which a hostile pod can make huge. */
const MAX_LOGGED_REASON = 300
const JSON_TYPE = 'application/json; charset=utf-8'
/** Metric label values for the operation; anything else a client makes up is `other`. */
const OPERATIONS = new Set(['CREATE', 'UPDATE', 'DELETE', 'CONNECT'])

export interface AppOptions {
  tls: TlsMaterial
  metrics: ServerMetrics
  /** The engine; tests pass one that throws. */
  mutate?: Mutate
  /** The webhook's log (src/server/log.ts). */
  log: Logger
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

export function buildApp(settings: Settings, options: AppOptions): FastifyInstance {
  const { metrics, log } = options
  const handle = createAdmissionHandler({ engine: settings.engine, mutate: options.mutate ?? mutatePod })

  const app = Fastify({
    https: secureContextOptions(options.tls),
    // Fastify's own logger (pino) stays off: the admission line and every other line are
    // written by src/server/log.ts in the same shape, and serve then never loads pino.
    logger: false,
    // No route declares a schema, so no schema compiler is ever asked for: these stand in for
    // Fastify's defaults (Ajv and fast-json-stringify), which serve then never loads.
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
    bodyLimit: settings.server.bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // The API server gives a webhook at most 30 s; a request still open after 60 s is an attack.
    requestTimeout: 60_000,
    // While draining, requests that arrive on open keep-alive connections are still
    // answered (with Connection: close) rather than refused with 503: a refusal would
    // fail the pod's admission under failurePolicy Fail.
    return503OnClosing: false,
  })

  // Only application/json (any parameters); everything else is 415.
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parseJson(request, body as string, (error, value) => {
      if (error === null || error === undefined) return done(null, value)
      if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY') return done(new Refusal(400, jsonProblem(body as string)), undefined)
      done(error, undefined)
    })
  })

  app.setErrorHandler((error, request, reply) => {
    const status = statusOf(error)
    const message = status === 500 ? 'internal error' : reasonOf(error, status, settings.server.bodyLimit)
    metrics.rejected(status)
    if (status === 500) log.error({ err: error, method: request.method, path: pathOf(request) }, 'request failed')
    else log.info({ status, reason: message, method: request.method, path: pathOf(request) }, 'request refused')
    return refuse(reply, status, message)
  })

  app.setNotFoundHandler((request, reply) => {
    metrics.rejected(404)
    log.debug({ method: request.method, path: pathOf(request) }, 'no such route')
    return refuse(reply, 404, `no route ${request.method} ${pathOf(request)}; the webhook serves POST ${MUTATE_PATH}`)
  })

  app.post(MUTATE_PATH, (request, reply) => {
    const parsed = parseAdmissionReview(request.body)
    if (!parsed.ok) throw new Refusal(400, parsed.reason)
    const admission = parsed.request
    const outcome = handle(admission)
    const seconds = reply.elapsedTime / 1000
    metrics.observeAdmission({ operation: OPERATIONS.has(admission.operation) ? admission.operation : 'other', decision: outcome.decision, reason: outcome.label }, seconds)
    if (outcome.error !== undefined) metrics.engineError()
    if (!log.enabled(outcome.error !== undefined ? 'error' : 'info')) return reply.type(JSON_TYPE).send(serializeAdmissionReview(outcome.review))
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
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
    }
    if (outcome.error !== undefined) {
      log.error({ ...line, error: outcome.error }, 'admission: engine error, admitted unchanged')
    } else {
      log.info(line, 'admission')
    }
    return reply.type(JSON_TYPE).send(serializeAdmissionReview(outcome.review))
  })

  return app
}

/** The schema compiler factory of an app without schemas: compiling one is a bug here. */
function noSchemas(): () => never {
  return () => {
    throw new Error('openclaw-injector declares no schemas; a schema compiler was asked for one')
  }
}

function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send({ statusCode: status, error: nodeHttp.STATUS_CODES[status] ?? 'Error', message })
}

function statusOf(error: unknown): number {
  const status = (error as { statusCode?: unknown }).statusCode
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500
}

/** Our own message for every refusal: Fastify's and V8's messages can quote the body. */
function reasonOf(error: unknown, status: number, bodyLimit: number): string {
  if (error instanceof Refusal) return error.message
  switch ((error as { code?: string }).code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is larger than the limit of ${bodyLimit} bytes`
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'content type must be application/json'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'request body is empty; expected an AdmissionReview'
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'request body length does not match its Content-Length'
    default:
      return nodeHttp.STATUS_CODES[status] ?? 'bad request'
  }
}

/** Why the default parser refused the body: bad JSON, or JSON with a prototype-poisoning key. */
function jsonProblem(body: string): string {
  try {
    JSON.parse(body)
  } catch {
    return 'request body is not valid JSON'
  }
  return 'request body contains a forbidden __proto__ or constructor.prototype key'
}

function pathOf(request: FastifyRequest): string {
  const url = request.url
  const query = url.indexOf('?')
  return (query === -1 ? url : url.slice(0, query)).slice(0, 200)
}
