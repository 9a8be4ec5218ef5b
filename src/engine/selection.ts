// Which pods are OpenClaw pods, and which of their containers is the gateway.
import type { EngineSettings } from '../settings.ts'
import { ANNOTATIONS, APP_NAME_LABEL } from './annotations.ts'
import { imageMatches } from './images.ts'
import type { Container, Pod } from './types.ts'
import { objectsOf } from './shape.ts'

export type Selection = { selected: true; reason: string } | { selected: false; reason: string }

export function containersOf(pod: Pod): Container[] {
  const containers = pod.spec?.containers
  return objectsOf(containers)
}

export function selectPod(pod: Pod, settings: EngineSettings, optIn: boolean): Selection {
  const matching = containersOf(pod).find((c) => imageMatches(c.image, settings.imagePattern))
  if (matching !== undefined) return { selected: true, reason: `container ${matching.name} runs an OpenClaw image (${matching.image})` }
  const appName = pod.metadata?.labels?.[APP_NAME_LABEL]
  if (typeof appName === 'string' && settings.appNames.includes(appName)) return { selected: true, reason: `label ${APP_NAME_LABEL}=${appName}` }
  if (optIn) return { selected: true, reason: `annotation ${ANNOTATIONS.tokenSync}=enabled` }
  return {
    selected: false,
    reason: `not an OpenClaw pod: no container image matches /${settings.imagePattern}/ and label ${APP_NAME_LABEL} is not ${settings.appNames.join(' or ')}`,
  }
}

const CONVENTIONAL_GATEWAY_NAMES = ['main', 'gateway', 'openclaw']

export type GatewayChoice = { found: true; container: Container; reason: string } | { found: false; reason: string }

export function findGateway(pod: Pod, settings: EngineSettings): GatewayChoice {
  const containers = containersOf(pod)
  const annotated = pod.metadata?.annotations?.[ANNOTATIONS.gatewayContainer]
  if (typeof annotated === 'string') {
    const container = containers.find((c) => c.name === annotated)
    if (container === undefined) return { found: false, reason: `annotation ${ANNOTATIONS.gatewayContainer} names container ${JSON.stringify(annotated)}, which the pod does not have` }
    return { found: true, container, reason: `gateway container ${container.name} (annotation ${ANNOTATIONS.gatewayContainer})` }
  }
  const byImage = containers.find((c) => imageMatches(c.image, settings.imagePattern))
  if (byImage !== undefined) return { found: true, container: byImage, reason: `gateway container ${byImage.name} (first container with an OpenClaw image)` }
  for (const name of CONVENTIONAL_GATEWAY_NAMES) {
    const byName = containers.find((c) => c.name === name)
    if (byName !== undefined) return { found: true, container: byName, reason: `gateway container ${byName.name} (by name)` }
  }
  return { found: false, reason: `no gateway container: none has an OpenClaw image or is named ${CONVENTIONAL_GATEWAY_NAMES.join(', ')}; set annotation ${ANNOTATIONS.gatewayContainer}` }
}
