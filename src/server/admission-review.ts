// The AdmissionReview wire format, admission.k8s.io/v1 and v1beta1: turns an
// untrusted, already JSON-parsed body into a request, and builds the response in
// the version that was asked. Pure: no I/O, no engine, no logging.
import type { PatchOperation } from '../engine/types.ts'
import { stringifyJson } from './json.ts'

export const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const
export type AdmissionVersion = (typeof ADMISSION_VERSIONS)[number]

export interface GroupVersionKind {
  group: string
  version: string
  kind: string
}

/** The fields of `request` this webhook reads, type-checked. */
export interface AdmissionRequest {
  apiVersion: AdmissionVersion
  uid: string
  kind: GroupVersionKind
  operation: string
  namespace: string
  name: string
  subResource: string
  dryRun: boolean
  /** request.object as sent: a JSON object for CREATE and UPDATE, null or absent for DELETE. */
  object: unknown
}

export type ParseResult = { ok: true; request: AdmissionRequest } | { ok: false; reason: string }

export interface AdmissionResponse {
  uid: string
  allowed: true
  patchType?: 'JSONPatch'
  patch?: string
  warnings?: string[]
}

export interface AdmissionReviewResponse {
  apiVersion: AdmissionVersion
  kind: 'AdmissionReview'
  response: AdmissionResponse
}

/** The API server truncates longer warnings; we shorten them ourselves so they end cleanly. */
export const MAX_WARNING_LENGTH = 120
/** Kubernetes caps the total size of warnings it passes on; a webhook has no reason to send many. */
export const MAX_WARNINGS = 16
const MAX_UID_LENGTH = 256

/** Parses a JSON value as an AdmissionReview request; the reason is one line when it is not one. */
export function parseAdmissionReview(body: unknown): ParseResult {
  if (!isObject(body)) return fail(`body is not an AdmissionReview: expected a JSON object, got ${typeName(body)}`)
  if (body.kind !== 'AdmissionReview') return fail(`body is not an AdmissionReview: kind is ${show(body.kind, KIND_SHAPE)}`)
  const apiVersion = body.apiVersion
  if (!ADMISSION_VERSIONS.includes(apiVersion as AdmissionVersion)) {
    return fail(`unsupported AdmissionReview apiVersion ${show(apiVersion, API_VERSION_SHAPE)}: expected ${ADMISSION_VERSIONS.join(' or ')}`)
  }
  const request = body.request
  if (!isObject(request)) return fail(`AdmissionReview has no request object (got ${typeName(request)})`)

  const uid = request.uid
  if (typeof uid !== 'string' || uid === '') return fail(`request.uid: expected a non-empty string, got ${typeName(uid)}`)
  if (uid.length > MAX_UID_LENGTH) return fail(`request.uid: longer than ${MAX_UID_LENGTH} characters`)

  const kind = request.kind
  if (!isObject(kind)) return fail(`request.kind: expected an object with group, version and kind, got ${typeName(kind)}`)
  for (const field of ['group', 'version', 'kind'] as const) {
    const value = kind[field]
    // group is "" for the core API group and may be left out.
    if (value === undefined && field === 'group') continue
    if (typeof value !== 'string') return fail(`request.kind.${field}: expected a string, got ${typeName(value)}`)
  }

  const operation = request.operation
  if (typeof operation !== 'string' || operation === '') return fail(`request.operation: expected a non-empty string, got ${typeName(operation)}`)

  const optional = { namespace: '', name: '', subResource: '' }
  for (const field of ['namespace', 'name', 'subResource'] as const) {
    const value = request[field]
    if (value === undefined || value === null) continue
    if (typeof value !== 'string') return fail(`request.${field}: expected a string, got ${typeName(value)}`)
    optional[field] = value
  }

  const dryRun = request.dryRun
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') return fail(`request.dryRun: expected a boolean, got ${typeName(dryRun)}`)

  const object = request.object
  if (object !== undefined && object !== null && !isObject(object)) return fail(`request.object: expected an object, got ${typeName(object)}`)
  if (operation === 'CREATE' && !isObject(object)) return fail('request.object: a CREATE request must carry the object')

  return {
    ok: true,
    request: {
      apiVersion: apiVersion as AdmissionVersion,
      uid,
      kind: { group: (kind.group as string | undefined) ?? '', version: kind.version as string, kind: kind.kind as string },
      operation,
      ...optional,
      dryRun: dryRun === true,
      object,
    },
  }
}

/** True for the one request this webhook mutates: CREATE of a core v1 Pod, not of a subresource. */
export function isPodCreate(request: AdmissionRequest): boolean {
  return request.operation === 'CREATE' && request.kind.group === '' && request.kind.kind === 'Pod' && request.subResource === ''
}

/**
 * The AdmissionReview answering `request`: always allowed; a JSONPatch only when there
 * are operations; warnings made single-line and at most MAX_WARNING_LENGTH characters.
 */
export function buildAdmissionReview(
  apiVersion: AdmissionVersion,
  uid: string,
  result: { patch?: readonly PatchOperation[]; warnings?: readonly string[] } = {},
): AdmissionReviewResponse {
  const response: AdmissionResponse = { uid, allowed: true }
  if (result.patch !== undefined && result.patch.length > 0) {
    response.patchType = 'JSONPatch'
    response.patch = Buffer.from(stringifyJson(result.patch)).toString('base64')
  }
  const warnings = formatWarnings(result.warnings ?? [])
  if (warnings.length > 0) response.warnings = warnings
  return { apiVersion, kind: 'AdmissionReview', response }
}

/**
 * The review as the bytes of its JSON, built so that the base64 patch (the bulk of an
 * answer: the init container carries the sync script) is copied once as Latin-1 rather
 * than escaped by JSON.stringify and then encoded again as UTF-8 on the socket.
 */
export function serializeAdmissionReview(review: AdmissionReviewResponse): Buffer {
  const { patch, ...rest } = review.response
  if (patch === undefined) return Buffer.from(JSON.stringify(review))
  const head = JSON.stringify({ apiVersion: review.apiVersion, kind: review.kind, response: rest })
  // head ends with the two closing braces of response and review; the patch goes before them.
  const prefix = head.slice(0, -2) + ',"patch":"'
  const suffix = '"}}'
  const prefixBytes = Buffer.byteLength(prefix)
  const out = Buffer.allocUnsafe(prefixBytes + patch.length + suffix.length)
  out.write(prefix, 0, 'utf8')
  out.write(patch, prefixBytes, 'latin1')
  out.write(suffix, prefixBytes + patch.length, 'latin1')
  return out
}

/** One line each, at most MAX_WARNING_LENGTH characters, no empties, no duplicates, at most MAX_WARNINGS. */
export function formatWarnings(warnings: readonly string[]): string[] {
  const out: string[] = []
  for (const warning of warnings) {
    if (typeof warning !== 'string') continue
    // eslint-disable-next-line no-control-regex
    let line = warning.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim()
    if (line === '') continue
    if (line.length > MAX_WARNING_LENGTH) line = truncate(line, MAX_WARNING_LENGTH)
    if (!out.includes(line)) out.push(line)
    if (out.length === MAX_WARNINGS) break
  }
  return out
}

/** Shortens to at most `max` characters ending in "...", never splitting a surrogate pair. */
function truncate(line: string, max: number): string {
  let cut = max - 3
  const code = line.charCodeAt(cut - 1)
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1
  return line.slice(0, cut).trimEnd() + '...'
}

function fail(reason: string): ParseResult {
  return { ok: false, reason }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (value === undefined) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

// Only values shaped like what belongs there are quoted back; anything else could be
// whatever a client put in the field, and refusals are logged.
const KIND_SHAPE = /^[A-Z][A-Za-z]{0,62}$/
const API_VERSION_SHAPE = /^([a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?\/)?v[0-9]{1,2}((alpha|beta)[0-9]{0,2})?$/

/** A value from the body for an error message: quoted when it has the expected shape, else only its type. */
function show(value: unknown, shape: RegExp): string {
  if (typeof value === 'string' && shape.test(value)) return JSON.stringify(value)
  return typeName(value)
}
