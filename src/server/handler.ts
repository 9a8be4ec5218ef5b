// Turns an admission request into an admission response, as controller-runtime's
// admission.Handler does: decides whether the engine sees the request at all, calls it,
// and answers `allowed: true` in every case. An engine exception becomes an answer with
// no patch and a warning, so a bug can never block pod creation.
// No I/O: the caller logs the outcome and counts it.
import type { EngineSettings } from '../settings.ts'
import type { EngineResult, Pod } from '../engine/types.ts'
import { buildAdmissionReview, isPodCreate, type AdmissionRequest, type AdmissionReviewResponse } from './admission-review.ts'
import { scrub, scrubAll, sensitiveLiterals } from './redact.ts'

export type Mutate = (pod: Pod, settings: EngineSettings) => EngineResult

export type OutcomeDecision = 'inject' | 'skip' | 'ignore' | 'error'

export interface AdmissionOutcome {
  review: AdmissionReviewResponse
  decision: OutcomeDecision
  /** The engine's reasons, or the handler's own; scrubbed of the pod's literal values. */
  reasons: string[]
  /** Warnings sent back, scrubbed for the log. */
  warnings: string[]
  /** Pod name, or its generateName when the API server has not named it yet. */
  podName: string
  patchOperations: number
  /** The metric label: the engine's decision code, or the handler's own for ignore and error. */
  label: string
  /** The engine's exception, scrubbed, when decision is `error`. */
  error?: { type: string; message: string; stack?: string }
}

export interface HandlerOptions {
  engine: EngineSettings
  mutate: Mutate
}

export const ENGINE_ERROR_WARNING = 'openclaw-injector hit an internal error and admitted this pod unchanged; see the webhook log'

export type AdmissionHandler = (request: AdmissionRequest) => AdmissionOutcome

export function createAdmissionHandler({ engine, mutate }: HandlerOptions): AdmissionHandler {
  return function handle(request) {
    const podName = podNameOf(request)
    if (!isPodCreate(request)) {
      const [label, why]: [string, string] =
        request.subResource !== ''
          ? ['subresource', `subresource ${request.subResource}`]
          : request.operation !== 'CREATE'
            ? ['not-create', `operation ${request.operation}`]
            : ['not-a-pod', `kind ${request.kind.group === '' ? '' : request.kind.group + '/'}${request.kind.kind}`]
      return {
        review: buildAdmissionReview(request.apiVersion, request.uid),
        decision: 'ignore',
        label,
        reasons: [`only Pod CREATE is mutated; this is ${why.slice(0, 120)}`],
        warnings: [],
        podName,
        patchOperations: 0,
      }
    }

    const pod = request.object as Pod
    let result: EngineResult
    let review: AdmissionReviewResponse
    try {
      result = mutate(pod, engine)
      if (!Array.isArray(result?.patch) || !Array.isArray(result.decision?.warnings) || !Array.isArray(result.decision?.reasons)) {
        throw new TypeError('the engine returned a malformed result')
      }
      review = buildAdmissionReview(request.apiVersion, request.uid, { patch: result.patch, warnings: result.decision.warnings })
    } catch (error) {
      const literals = safeLiterals(pod)
      return {
        review: buildAdmissionReview(request.apiVersion, request.uid, { warnings: [ENGINE_ERROR_WARNING] }),
        decision: 'error',
        label: 'engine-exception',
        reasons: ['the engine threw an exception; admitted unchanged'],
        warnings: [ENGINE_ERROR_WARNING],
        podName: scrub(podName, literals),
        patchOperations: 0,
        error: describeError(error, literals),
      }
    }

    const literals = safeLiterals(pod)
    return {
      review,
      decision: result.decision.action === 'inject' ? 'inject' : 'skip',
      label: result.decision.code,
      reasons: scrubAll(result.decision.reasons, literals),
      warnings: scrubAll(review.response.warnings ?? [], literals),
      podName,
      patchOperations: result.patch.length,
    }
  }
}

function podNameOf(request: AdmissionRequest): string {
  const metadata = (request.object as { metadata?: unknown } | null | undefined)?.metadata
  if (typeof metadata === 'object' && metadata !== null) {
    const { name, generateName } = metadata as { name?: unknown; generateName?: unknown }
    if (typeof name === 'string' && name !== '') return name.slice(0, 253)
    if (typeof generateName === 'string' && generateName !== '') return generateName.slice(0, 253)
  }
  return request.name.slice(0, 253)
}

/** The pod's literals, or none when even collecting them fails (a hostile object). */
function safeLiterals(pod: unknown): readonly string[] {
  try {
    return sensitiveLiterals(pod)
  } catch {
    return []
  }
}

function describeError(error: unknown, literals: readonly string[]): { type: string; message: string; stack?: string } {
  if (error instanceof Error) {
    const described: { type: string; message: string; stack?: string } = { type: error.name, message: scrub(String(error.message), literals) }
    if (typeof error.stack === 'string') described.stack = scrub(error.stack, literals)
    return described
  }
  return { type: typeof error, message: 'a non-Error value was thrown' }
}
