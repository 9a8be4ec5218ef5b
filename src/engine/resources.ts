// Requests and limits of the injected init container: the settings' defaults (sized from the
// sync script's measured peak, `npm run bench:sync`), per-pod annotations over them, and equal
// requests and limits in a Guaranteed pod so it stays Guaranteed.
import type { V1ResourceRequirements } from '@kubernetes/client-node'
import { isQuantity, quantityValue, type EngineSettings } from '../settings.ts'
import { ANNOTATIONS } from './annotations.ts'
import type { Container, Pod } from './types.ts'
import { isRecord, objectsOf } from './shape.ts'

type Resource = 'cpu' | 'memory'
const RESOURCES: Resource[] = ['cpu', 'memory']

/** Which annotation and which setting give each value. */
const SOURCES = {
  cpu: { request: [ANNOTATIONS.syncCpuRequest, 'cpuRequest'], limit: [ANNOTATIONS.syncCpuLimit, 'cpuLimit'] },
  memory: { request: [ANNOTATIONS.syncMemoryRequest, 'memoryRequest'], limit: [ANNOTATIONS.syncMemoryLimit, 'memoryLimit'] },
} as const

export interface SyncResources {
  resources: { requests: Record<Resource, string>; limits: Record<Resource, string> }
  reason: string
}

/**
 * The init container's resources. An annotation that is not a quantity, or that puts a request
 * above its limit, is a warning naming it, and that resource keeps the defaults (the API server
 * refuses a request above its limit). In a Guaranteed pod (every container with cpu and memory
 * limits, requests equal to them: pkg/apis/core/helper/qos/qos.go) a request not set by
 * annotation is the limit.
 */
export function syncResources(pod: Pod, annotations: Record<string, string>, settings: EngineSettings, warnings: string[]): SyncResources {
  const requests = {} as Record<Resource, string>
  const limits = {} as Record<Resource, string>
  const guaranteed = isGuaranteed(pod)
  const notes: string[] = []
  for (const resource of RESOURCES) {
    const pick = (which: 'request' | 'limit'): { value: string; annotated: boolean } => {
      const [annotation, setting] = SOURCES[resource][which]
      const raw = annotations[annotation]
      if (raw === undefined) return { value: settings[setting], annotated: false }
      if (isQuantity(raw.trim())) return { value: raw.trim(), annotated: true }
      warnings.push(`annotation ${annotation} is ${JSON.stringify(raw)}, not a Kubernetes quantity; the default ${settings[setting]} is used`)
      return { value: settings[setting], annotated: false }
    }
    const request = pick('request')
    const limit = pick('limit')
    if (guaranteed && !request.annotated) request.value = limit.value
    if (quantityValue(request.value) > quantityValue(limit.value)) {
      const [requestAnnotation] = SOURCES[resource].request
      const [limitAnnotation] = SOURCES[resource].limit
      warnings.push(`annotations ${requestAnnotation} and ${limitAnnotation} put the ${resource} request ${request.value} above the limit ${limit.value}; the defaults are used`)
      const [, requestSetting] = SOURCES[resource].request
      const [, limitSetting] = SOURCES[resource].limit
      request.value = guaranteed ? settings[limitSetting] : settings[requestSetting]
      limit.value = settings[limitSetting]
    }
    if (request.annotated || limit.annotated) notes.push(`${resource} from annotations`)
    requests[resource] = request.value
    limits[resource] = limit.value
  }
  const origin = [guaranteed ? 'requests equal to limits, so the Guaranteed pod stays Guaranteed' : '', ...notes].filter(Boolean)
  return {
    resources: { requests, limits },
    reason: `resources: requests cpu ${requests.cpu}, memory ${requests.memory}; limits cpu ${limits.cpu}, memory ${limits.memory}${origin.length ? ` (${origin.join('; ')})` : ''}`,
  }
}

/** Every container and init container has cpu and memory limits, and requests equal to them or absent (defaulted to the limit). */
export function isGuaranteed(pod: Pod): boolean {
  const all = [...objectsOf(pod.spec?.containers), ...objectsOf(pod.spec?.initContainers)]
  return all.length > 0 && all.every((c) => RESOURCES.every((r) => guaranteedIn(c, r)))
}

function guaranteedIn(container: Container, resource: Resource): boolean {
  const resources: V1ResourceRequirements = isRecord(container.resources) ? container.resources : {}
  const limit = isRecord(resources.limits) ? resources.limits[resource] : undefined
  const request = isRecord(resources.requests) ? resources.requests[resource] : undefined
  if (typeof limit !== 'string' && typeof limit !== 'number') return false
  if (request === undefined) return true
  return quantityValue(String(request)) === quantityValue(String(limit))
}
