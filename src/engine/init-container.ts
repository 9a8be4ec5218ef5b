// The init container the engine adds: the OpenClaw image running our sync script with node.
import type { V1EnvVar, V1SecurityContext, V1VolumeMount } from '@kubernetes/client-node'
import { SYNC_SCRIPT, SYNC_SCRIPT_IMAGE_JSON5 } from '../build-info.generated.ts'
import type { EngineSettings, SyncMode } from '../settings.ts'
import { envEntries, referencedNames } from './env.ts'
import { SEED_MOUNT_PATH, type Seed } from './seed.ts'
import type { StateMount } from './paths.ts'
import type { Container, Pod } from './types.ts'
import { listOf } from './shape.ts'
import { imageMatches } from './images.ts'

/** Present in every init container the engine made; how it recognises its own work. */
export const MARKER_ENV = 'OPENCLAW_INJECTOR_MODE'

export function isInjectedContainer(container: Container): boolean {
  return envEntries(container).some((e) => e.name === MARKER_ENV)
}

/**
 * The OpenClaw Helm chart's own init-config that writes OPENCLAW_GATEWAY_TOKEN into
 * openclaw.json with `node -e`: the workaround this project replaces.
 */
export function isChartTokenSync(container: Container): boolean {
  const text = [...listOf(container.command), ...listOf(container.args)].join('\n')
  return text.includes('OPENCLAW_GATEWAY_TOKEN') && text.includes('openclaw.json')
}

export interface InitContainerSpec {
  name: string
  image: string
  imagePullPolicy?: string
  configPath: string
  state: StateMount
  seed?: Seed
  mode: SyncMode
  credentials: V1EnvVar[]
  gateway: Container
  pod: Pod
  settings: EngineSettings
}

export function buildInitContainer(spec: InitContainerSpec): Container {
  const { settings, state, seed } = spec
  const env: V1EnvVar[] = [
    { name: 'OPENCLAW_CONFIG_PATH', value: spec.configPath },
    { name: MARKER_ENV, value: spec.mode },
    { name: 'OPENCLAW_INJECTOR_ON_ERROR', value: settings.onError },
    { name: 'OPENCLAW_INJECTOR_JSON5_FROM', value: settings.json5From },
  ]
  if (seed !== undefined) env.push({ name: 'OPENCLAW_INJECTOR_SEED_PATH', value: seed.filePath })
  for (const entry of [...spec.credentials, ...subPathExprEnv(state.mount, spec.gateway)]) {
    if (!env.some((e) => e.name === entry.name)) env.push(entry)
  }

  const stateMount: V1VolumeMount = { name: state.mount.name, mountPath: state.mount.mountPath }
  if (state.mount.subPath) stateMount.subPath = state.mount.subPath
  if (state.mount.subPathExpr) stateMount.subPathExpr = state.mount.subPathExpr
  const volumeMounts = [stateMount]
  if (seed !== undefined) volumeMounts.push({ name: seed.volume.name, mountPath: SEED_MOUNT_PATH, readOnly: true })

  const container: Container = {
    name: spec.name,
    image: spec.image,
    command: ['node', '-e', syncScriptFor(spec.image, settings)],
    env,
    volumeMounts,
    resources: {
      requests: { cpu: settings.cpuRequest, memory: settings.memoryRequest },
      limits: { cpu: settings.cpuLimit, memory: settings.memoryLimit },
    },
    securityContext: securityContext(spec),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  }
  if (spec.imagePullPolicy) container.imagePullPolicy = spec.imagePullPolicy
  return container
}

/**
 * The form of the sync script for `image` (both built from src/sync/sync-config.cjs): an OpenClaw
 * image (settings.imagePattern) has OpenClaw's own json5 in its app directory (settings.json5From),
 * so it gets the form without the built-in JSON5 reader; any other image carries the reader along.
 */
export function syncScriptFor(image: string, settings: EngineSettings): string {
  return imageMatches(image, settings.imagePattern) ? SYNC_SCRIPT_IMAGE_JSON5 : SYNC_SCRIPT
}

/**
 * Restricted-profile settings, with the gateway's identity so the files keep their owner.
 * runAsNonRoot is asserted only where the kubelet can verify it: a known non-zero uid, or the
 * gateway's own assertion on the very same image. The official image's USER is the name `node`,
 * which the kubelet refuses to check against runAsNonRoot.
 */
function securityContext(spec: InitContainerSpec): V1SecurityContext {
  const podContext = spec.pod.spec?.securityContext ?? {}
  const gatewayContext = spec.gateway.securityContext ?? {}
  const context: V1SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
  }
  const runAsUser = gatewayContext.runAsUser ?? podContext.runAsUser
  const runAsGroup = gatewayContext.runAsGroup ?? podContext.runAsGroup
  if (typeof runAsUser === 'number') context.runAsUser = runAsUser
  if (typeof runAsGroup === 'number') context.runAsGroup = runAsGroup
  const sameImage = spec.image === spec.gateway.image
  if ((typeof runAsUser === 'number' && runAsUser !== 0) || (gatewayContext.runAsNonRoot === true && sameImage)) context.runAsNonRoot = true
  return context
}

/** subPathExpr expands the container's own env, so the variables it names come along. */
function subPathExprEnv(mount: V1VolumeMount, gateway: Container): V1EnvVar[] {
  if (!mount.subPathExpr) return []
  const names = referencedNames(mount.subPathExpr)
  return envEntries(gateway)
    .filter((e) => names.has(e.name))
    .map((e) => structuredClone(e))
}
