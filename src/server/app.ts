// The HTTPS admission app: one route, POST /mutate. Everything about HTTP lives here
// (content types, body limit, status codes, the admission log line); the protocol is
// in admission-review.ts and the decision in handler.ts.
import Fastify, { LogController, type FastifyHttpsOptions, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { Server as HttpsServer } from 'node:https'
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

/**
 * What one client can make the admission listener hold, with where each figure comes from.
 * Data, read by buildApp and by the benchmark's plain Fastify server (bench/fastify.mjs).
 */
export const LIMITS = {
  /**
   * Nesting depth of the JSON body, counted before JSON.parse builds anything: a real Pod
   * review is under 30 levels (AdmissionReview > request > object > spec > affinity > ...
   * > values, or metadata.managedFields' fieldsV1 at about 20). Deeper is an attack.
   */
  maxJsonDepth: 64,
  /**
   * Objects and arrays in the body, counted in the same pass: JSON.parse makes one heap object
   * of 50-70 bytes for each, so 4 MiB of `{},` would build 1.4 million (a peak of 650 MiB with
   * three such bodies at once). A real review stays far below: the largest pod etcd stores
   * (1.5 MiB) made of the smallest env entries, each with its managedFields entry, has about
   * 100,000.
   */
  maxJsonContainers: 250_000,
  /**
   * Bodies up to this size are read without a reservation: an ordinary review is 5-50 KB,
   * and maxConnections bounds how many can be read at once.
   */
  unreservedBodyBytes: 64 * 1024,
  /**
   * Larger bodies (or bodies of unknown length) reserve their Content-Length (else the body
   * limit) from a budget of this many full-size bodies; past it the answer is 429 with
   * Retry-After, and the API server retries or applies the webhook's failurePolicy.
   */
  fullBodiesInFlight: 3,
  retryAfterSeconds: 1,
  /** TLS handshakes must finish within this (Node's default is 120 s). */
  handshakeTimeoutMs: 10_000,
  /** The request line and headers must arrive within this, from the first byte. */
  headersTimeoutMs: 10_000,
  /**
   * A whole request, body included. The API server waits at most 30 s for a webhook
   * (MutatingWebhook.timeoutSeconds is validated to 1-30 in k8s.io/kubernetes
   * pkg/apis/admissionregistration/validation).
   */
  requestTimeoutMs: 30_000,
  /**
   * A connection with no byte in either direction for this long is closed, request or not.
   * Kept apart from requestTimeoutMs: on Node 24.21, when the idle timer and the request
   * check fire together, the 408 answer resets the idle timer and the connection stays open.
   */
  idleTimeoutMs: 20_000,
  /** Between requests on a kept-alive connection (Node adds one second). */
  keepAliveTimeoutMs: 20_000,
  /**
   * Open connections; more are closed as they arrive. Each API server keeps a few to each
   * webhook; a handshaken idle TLS connection costs about 70 KiB here.
   */
  maxConnections: 512,
} as const

export interface AppOptions {
  tls: TlsMaterial
  metrics: ServerMetrics
  /** The engine; tests pass one that throws. */
  mutate?: Mutate
  /** The webhook's log (src/server/log.ts), which becomes Fastify's own logger. */
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

/**
 * The options the admission listener's Fastify is built with: TLS, the logger (pino, no
 * per-request lines: the admission line says it all), the body limit, the timeouts of
 * LIMITS. Shared with the benchmark's plain Fastify server so both run the same framework setup.
 */
export function fastifyOptions(settings: Settings, tls: TlsMaterial, log: Logger): FastifyHttpsOptions<HttpsServer> {
  return {
    https: { ...secureContextOptions(tls), handshakeTimeout: LIMITS.handshakeTimeoutMs },
    loggerInstance: log,
    logController: new LogController({ disableRequestLogging: true }),
    // No route declares a schema, so no schema compiler is ever asked for: these stand in for
    // Fastify's defaults (Ajv and fast-json-stringify), which serve then never loads.
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
    // The kube-apiserver takes request bodies of at most 3 MiB (MaxRequestBodyBytes in
    // k8s.io/apiserver/pkg/server/config.go); the review wraps that object, so the default
    // 4 MiB is just above what it can send.
    bodyLimit: settings.server.bodyLimit,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    connectionTimeout: LIMITS.idleTimeoutMs,
    keepAliveTimeout: LIMITS.keepAliveTimeoutMs,
    requestTimeout: LIMITS.requestTimeoutMs,
    // While draining, requests that arrive on open keep-alive connections are still
    // answered (with Connection: close) rather than refused with 503: a refusal would
    // fail the pod's admission under failurePolicy Fail.
    return503OnClosing: false,
  }
}

/** Sets the limits Fastify has no option for on its server. */
export function limitServer(server: { headersTimeout: number; maxConnections: number }): void {
  server.headersTimeout = LIMITS.headersTimeoutMs
  server.maxConnections = LIMITS.maxConnections
}

export function buildApp(settings: Settings, options: AppOptions): FastifyInstance {
  const { metrics, log } = options
  const handle = createAdmissionHandler({ engine: settings.engine, mutate: options.mutate ?? mutatePod })
  const bodyLimit = settings.server.bodyLimit

  const app = Fastify(fastifyOptions(settings, options.tls, log))
  limitServer(app.server)
  // The webhook's own clock: every duration is measured from here, the request's start.
  const startedAt = new WeakMap<FastifyRequest, number>()

  // Bodies being read and parsed at once: their reservations never exceed the budget.
  const budget = LIMITS.fullBodiesInFlight * bodyLimit
  let reserved = 0
  app.addHook('onRequest', (request, reply, done) => {
    startedAt.set(request, performance.now())
    const declared = Number(request.headers['content-length'])
    const size = Number.isNaN(declared) ? (request.headers['transfer-encoding'] === undefined ? 0 : bodyLimit) : Math.min(declared, bodyLimit)
    if (size <= LIMITS.unreservedBodyBytes) return done()
    if (reserved + size > budget) {
      metrics.rejected(429)
      log.info({ status: 429, bytes: size, reservedBytes: reserved, method: request.method, path: pathOf(request) }, 'request refused: too many large bodies at once')
      refuse(reply.header('retry-after', String(LIMITS.retryAfterSeconds)), 429, `too many large request bodies being read at once; retry after ${LIMITS.retryAfterSeconds} s`)
      return
    }
    reserved += size
    // 'close' comes once per response: answered, or its connection gone.
    reply.raw.once('close', () => {
      reserved -= size
    })
    done()
  })

  // Only application/json (any parameters); everything else is 415.
  app.removeAllContentTypeParsers()
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, bytes, done) => {
    // Before JSON.parse: 4 MiB of nested brackets or of `{},` would build millions of objects to refuse.
    const shape = jsonShapeBeyond(bytes as Buffer, LIMITS.maxJsonDepth, LIMITS.maxJsonContainers)
    if (shape === 'depth') return done(new Refusal(400, `request body is nested deeper than ${LIMITS.maxJsonDepth} levels; an AdmissionReview is not`), undefined)
    if (shape === 'containers') return done(new Refusal(400, `request body has more than ${LIMITS.maxJsonContainers} objects and arrays; an AdmissionReview has far fewer`), undefined)
    const body = (bytes as Buffer).toString('utf8')
    parseJson(request, body, (error, value) => {
      if (error === null || error === undefined) return done(null, value)
      if ((error as { code?: string }).code === 'FST_ERR_CTP_INVALID_JSON_BODY') return done(new Refusal(400, jsonProblem(body)), undefined)
      done(error, undefined)
    })
  })

  app.setErrorHandler((error, request, reply) => {
    const status = statusOf(error)
    const message = status === 500 ? 'internal error' : reasonOf(error, status, bodyLimit)
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
    const answer = serializeAdmissionReview(outcome.review)
    const milliseconds = performance.now() - (startedAt.get(request) ?? performance.now())
    metrics.observeAdmission(
      { operation: OPERATIONS.has(admission.operation) ? admission.operation : 'other', decision: outcome.decision, reason: outcome.label, dryRun: admission.dryRun },
      milliseconds / 1000,
    )
    if (outcome.error !== undefined) metrics.engineError()
    if (!log.isLevelEnabled(outcome.error !== undefined ? 'error' : 'info')) return reply.type(JSON_TYPE).send(answer)
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
      durationMs: Math.round(milliseconds * 1000) / 1000,
    }
    if (outcome.error !== undefined) {
      log.error({ ...line, error: outcome.error }, 'admission: engine error, admitted unchanged')
    } else {
      log.info(line, 'admission')
    }
    return reply.type(JSON_TYPE).send(answer)
  })

  return app
}

/**
 * Whether the JSON text in `bytes` nests arrays and objects deeper than `maxDepth`
 * ('depth') or opens more than `maxContainers` of them ('containers'); undefined when
 * neither. One pass over the bytes, no allocation; brackets inside strings do not count.
 * Says nothing about whether the text is valid JSON: JSON.parse decides that after.
 */
export function jsonShapeBeyond(bytes: Uint8Array, maxDepth: number, maxContainers: number): 'depth' | 'containers' | undefined {
  let depth = 0
  let containers = 0
  let inString = false
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!
    if (inString) {
      if (b === 0x5c) i++ // backslash: the next byte is escaped
      else if (b === 0x22) inString = false
    } else if (b === 0x22) inString = true
    else if (b === 0x5b || b === 0x7b) {
      if (++depth > maxDepth) return 'depth'
      if (++containers > maxContainers) return 'containers'
    } else if (b === 0x5d || b === 0x7d) depth--
  }
  return undefined
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
