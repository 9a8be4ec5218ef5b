// The engine: a pure function from (pod, settings) to (decision, mutated pod, patch).
// No I/O; the webhook, the CLI and the tests are shells around it.
import type { V1EnvVar } from '@kubernetes/client-node'
import { VERSION } from '../build-info.generated.ts'
import type { EngineSettings, SyncMode } from '../settings.ts'
import { ANNOTATIONS } from './annotations.ts'
import { credentialEnv, podEnvNames, resolveConfigCredentials } from './config-credentials.ts'
import { resolveCredential, type CredentialKind } from './credentials.ts'
import { envNames, envSourcesFor, envValue } from './env.ts'
import { exceededLimit } from './limits.ts'
import { resolveIdentity } from './identity.ts'
import { buildInitContainer, isChartTokenSync, isInjectedContainer, subPathExprNames } from './init-container.ts'
import { createPatch } from './patch.ts'
import { commandLineEnv, containerMounts, mayChooseProfile, PATH_VARIABLES, resolutionDifference } from './paths.ts'
import { chooseName, initPosition, placeInit, type Placement } from './placement.ts'
import { syncResources } from './resources.ts'
import { resolveSeed } from './seed.ts'
import { imageMatches } from './images.ts'
import { containersOf, findGateway, selectPod } from './selection.ts'
import type { Container, DecisionCode, EngineResult, InjectionSummary, Pod } from './types.ts'
import { copyJson, isRecord, listOf, objectsOf } from './shape.ts'

export type { Decision, DecisionCode, EngineResult, InjectionSummary, Pod, PatchOperation } from './types.ts'
export { ANNOTATIONS } from './annotations.ts'

export function mutatePod(pod: Pod, settings: EngineSettings): EngineResult {
  const reasons: string[] = []
  const warnings: string[] = []
  const skip = (code: DecisionCode, reason: string): EngineResult => ({ decision: { action: 'skip', code, reasons: [...reasons, reason], warnings }, pod, patch: [] })
  // A gateway left without a sync out of doubt: the admission warning says so, and why.
  const skipInDoubt = (code: DecisionCode, reason: string): EngineResult => {
    warnings.push(`not injected (${code}): ${reason}`)
    return skip(code, reason)
  }

  if (pod === null || typeof pod !== 'object' || pod.spec === null || typeof pod.spec !== 'object') return skip('not-a-pod', 'not a pod: it has no spec')
  const annotations: Record<string, string> = isRecord(pod.metadata?.annotations) ? (pod.metadata.annotations as Record<string, string>) : {}
  const optAnnotation = annotations[ANNOTATIONS.tokenSync]
  if (optAnnotation === 'disabled') return skip('opted-out', `annotation ${ANNOTATIONS.tokenSync}=disabled`)
  if (optAnnotation !== undefined && optAnnotation !== 'enabled') {
    warnings.push(`annotation ${ANNOTATIONS.tokenSync} is ${JSON.stringify(optAnnotation)}; expected enabled or disabled, so it is ignored`)
  }
  if (pod.spec.os?.name === 'windows') return skip('windows', 'a Windows pod: OpenClaw runs on Linux')
  const tooLarge = exceededLimit(pod)
  if (tooLarge !== undefined) return skip('too-large', tooLarge)
  const containers = containersOf(pod)
  if (containers.length === 0) return skip('no-containers', 'the pod has no containers')
  const initContainers = objectsOf(pod.spec.initContainers)
  const ours = initContainers.find(isInjectedContainer)
  if (ours !== undefined) return skip('already-injected', `already injected: init container ${ours.name} is in place`)

  const selection = selectPod(pod, settings, optAnnotation === 'enabled')
  if (!selection.selected) return skip('not-openclaw', selection.reason)
  reasons.push(selection.reason)

  const gatewayChoice = findGateway(pod, settings)
  if (!gatewayChoice.found) return skip('no-gateway', gatewayChoice.reason)
  const gateway = gatewayChoice.container
  reasons.push(gatewayChoice.reason)

  // The file is resolved in the pod (paths.ts): only whether anything could be written is decided here.
  const mounts = containerMounts(pod, gateway)
  const writable = mounts.filter((m) => !m.readOnly)
  if (mounts.length === 0) return skip('no-state-volume', `container ${gateway.name} mounts no volume, so its config is on no volume an init container could reach`)
  if (writable.length === 0) {
    return skipInDoubt('state-read-only', `every volume of container ${gateway.name} is read-only (${mounts.map((m) => m.volume.name).join(', ')}); the injector never makes one writable, so there is nothing it may write`)
  }
  reasons.push(
    `the config file is resolved in the pod, as OpenClaw resolves it (env, root options, legacy locations): the init container runs with the gateway's env sources for it, its command line and all its mounts (read-only kept), and writes only through its writable ones (${writable.map((m) => m.volume.name).join(', ')}); the gateway's env is left as it is`,
  )

  const seed = resolveSeed(pod)
  if (!seed.ok) return skip('bad-annotation', seed.reason)
  if (seed.seed !== undefined) reasons.push(seed.seed.description)

  const mode = syncMode(annotations[ANNOTATIONS.mode], settings.mode, warnings)
  const configCredentials = resolveConfigCredentials(annotations[ANNOTATIONS.credentials], podEnvNames(pod))
  warnings.push(...configCredentials.warnings)
  for (const c of configCredentials.credentials) reasons.push(`${c.path} from Secret ${c.secret}, key ${c.key}, as env ${c.envName} (annotation ${ANNOTATIONS.credentials})`)
  const credentials: V1EnvVar[] = []
  const gatewayEnv: V1EnvVar[] = []
  const found: Partial<Record<'token' | 'password', string>> = {}
  for (const kind of credentialKinds(settings)) {
    const source = resolveCredential(kind, pod, gateway)
    warnings.push(...source.warnings)
    if (!source.found) {
      if (source.error !== undefined) return skip('bad-annotation', source.error)
      continue
    }
    reasons.push(source.description)
    found[kind.label] = source.description
    credentials.push(source.env)
    // Only a SecretRef to the environment needs the variable in the gateway, and in `auto` mode
    // the script may write one. In sync mode the file carries the value, and a token in the
    // gateway's env stops a trusted-proxy gateway ("trusted-proxy and token auth are mutually
    // exclusive", OpenClaw 2026.9.6).
    if (source.addToGateway && mode !== 'sync') gatewayEnv.push(copyJson(source.env))
  }
  if (credentials.length === 0 && configCredentials.credentials.length === 0) {
    warnings.push(`no source for OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD found; the init container only ${seed.seed ? 'copies the seed config where there is none' : 'resolves the config file'}; name a Secret with annotation ${ANNOTATIONS.tokenSecret}`)
  }

  const image = syncImage(annotations[ANNOTATIONS.syncImage], settings, gateway, warnings)
  if (image === undefined) return skip('no-image', `container ${gateway.name} has no image to run the sync script with; set annotation ${ANNOTATIONS.syncImage}`)
  if (image !== gateway.image) {
    const fixed = fixedConfigPath(gateway)
    if (fixed !== undefined) return skipInDoubt('config-path-unknown', `the sync image ${image} is not the gateway's image ${gateway.image ?? '(none)'}, so the ENV OpenClaw's config path depends on is unknown in it, and ${fixed}`)
    reasons.push(`the sync image ${image} is not the gateway's, but the gateway's own env fixes the config path (OPENCLAW_CONFIG_PATH, an absolute literal) and its command line names no profile`)
  }
  const syncPossible = mode === 'sync' || (mode === 'auto' && autoMayChooseSync(image, settings))
  if (syncPossible && credentials.length > 0) warnings.push(syncRestartWarning(found.token !== undefined ? 'token' : 'password', mode === 'auto' ? 'auto' : 'sync'))
  const imagePullPolicy = image === gateway.image ? (settings.syncImagePullPolicy || gateway.imagePullPolicy) : settings.syncImagePullPolicy
  const identity = resolveIdentity(pod, gateway, image, settings)
  if (!identity.ok) return skip('identity-unknown', identity.reason)
  reasons.push(identity.reason)

  const originalInit = listOf(pod.spec.initContainers)
  let replaceIndex = -1
  const legacyIndex = initContainers.findIndex((c) => c.name === settings.initContainerName && isChartTokenSync(c))
  if (legacyIndex !== -1) {
    const legacy = legacyPolicy(annotations[ANNOTATIONS.legacy], settings, warnings)
    if (legacy.policy === 'keep') {
      warnings.push(`init container ${settings.initContainerName} is the Helm chart's own token sync; the pod is left as it is (${legacy.from})`)
      return skip('legacy-chart-sync', `the pod carries the Helm chart's token-sync workaround in init container ${settings.initContainerName}, kept (${legacy.from})`)
    }
    replaceIndex = originalInit.indexOf(initContainers[legacyIndex] as Container)
    warnings.push(`the Helm chart's token sync ${settings.initContainerName} is replaced by openclaw-injector's; ${ANNOTATIONS.legacy}: keep keeps it`)
    reasons.push(`replaces the Helm chart's token-sync init container ${settings.initContainerName} in place (${legacy.from}): the namespace opted in, and the chart's sync writes plaintext, non-atomically, and crashes on JSON5`)
  }
  const nameChoice = chooseName(pod, settings.initContainerName, settings.fallbackInitContainerName, replaceIndex === -1 ? undefined : settings.initContainerName)
  if (!nameChoice.ok) return skip('name-conflict', nameChoice.reason)
  const name = nameChoice.name
  if (nameChoice.reason !== undefined) reasons.push(nameChoice.reason)

  const position = initPosition(annotations[ANNOTATIONS.initPosition], warnings)
  const placement: Placement = replaceIndex === -1 ? placeInit(initContainers, position, name) : { index: replaceIndex, reason: `init container ${name} takes the legacy container's place` }
  reasons.push(placement.reason)

  const resources = syncResources(pod, annotations, settings, warnings)
  reasons.push(resources.reason)

  const initContainer = buildInitContainer({
    name,
    image,
    imagePullPolicy,
    mounts,
    commandLine: commandLineEnv(gateway),
    ...(typeof gateway.workingDir === 'string' && gateway.workingDir !== '' ? { workingDir: gateway.workingDir } : {}),
    seed: seed.seed,
    mode,
    credentials,
    configCredentials: configCredentials.credentials,
    envSources: envSourcesFor(gateway, [...PATH_VARIABLES, ...subPathExprNames(mounts)]),
    identity,
    resources: resources.resources,
    settings,
  })

  // The env each reference in the file names: the credentials annotation's always, the gateway's
  // wherever the script may write a SecretRef for them.
  gatewayEnv.push(...configCredentials.credentials.map(credentialEnv))
  const referencedEnv = gatewayEnv
  const gatewayNames = envNames(gateway)
  const gatewayEnvAdded = gatewayEnv.filter((entry) => !gatewayNames.has(entry.name))

  // Another OpenClaw container gets that env only where it finds the same file as the gateway
  // (resolutionDifference, judged conservatively from the spec); each other one is left alone,
  // with the reason. No container's path variables are ever set.
  const leftAlone: Record<string, string> = {}
  const sidecarEnvAdded: Record<string, string[]> = {}
  const mutatedSpec = { ...pod.spec }
  const mutatedContainers = (pod.spec.containers as Container[]).map((c) => {
    if (c === gateway) {
      return gatewayEnvAdded.length === 0 ? c : { ...c, env: [...listOf(c.env), ...gatewayEnvAdded.map((e) => copyJson(e))] }
    }
    if (c === null || typeof c !== 'object') return c
    if (!imageMatches(c.image, settings.imagePattern)) {
      leftAlone[c.name] = 'not an OpenClaw image'
      return c
    }
    const difference = resolutionDifference(gateway, c)
    if (difference !== undefined) {
      leftAlone[c.name] = `it may read another file than the gateway's: ${difference}`
      return c
    }
    const defined = envNames(c)
    const added = referencedEnv.filter((entry) => !defined.has(entry.name)).map((e) => copyJson(e))
    if (added.length === 0) return c
    sidecarEnvAdded[c.name] = added.map((e) => e.name)
    return { ...c, env: [...listOf(c.env), ...added] }
  })
  if (mutatedContainers.some((c, i) => c !== (pod.spec?.containers as Container[])[i])) mutatedSpec.containers = mutatedContainers
  mutatedSpec.initContainers =
    replaceIndex === -1
      ? [...originalInit.slice(0, originalIndex(originalInit, initContainers, placement.index)), initContainer, ...originalInit.slice(originalIndex(originalInit, initContainers, placement.index))]
      : originalInit.map((c, i) => (i === replaceIndex ? initContainer : c))
  if (seed.seed?.added) mutatedSpec.volumes = [...listOf(pod.spec.volumes), seed.seed.volume]

  const mutated: Pod = {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...annotations, [ANNOTATIONS.status]: 'injected', [ANNOTATIONS.version]: VERSION },
    },
    spec: mutatedSpec,
  }

  const summary: InjectionSummary = {
    gatewayContainer: gateway.name,
    initContainer: name,
    initPosition: placement.index,
    image,
    configPath: 'resolved in the pod',
    stateVolume: writable.map((m) => m.volume.name).join(', '),
    runAs: identity.runAsUser === undefined ? `the USER of image ${image}` : `uid ${identity.runAsUser}${identity.runAsGroup === undefined ? '' : `, gid ${identity.runAsGroup}`}`,
    resources: resources.resources,
    mode,
    gatewayEnvAdded: gatewayEnvAdded.map((e) => e.name),
    containersLeftAlone: leftAlone,
    sidecarEnvAdded,
    credentials: configCredentials.credentials.map((c) => ({ path: c.path, secret: c.secret, key: c.key, env: c.envName, form: c.form })),
    volumesAdded: seed.seed?.added ? [seed.seed.volume.name] : [],
  }
  if (seed.seed !== undefined) summary.seed = { configMap: seed.seed.configMap, key: seed.seed.key }
  if (found.token !== undefined) summary.token = found.token
  if (found.password !== undefined) summary.password = found.password

  return { decision: { action: 'inject', code: 'injected', reasons, warnings }, pod: mutated, patch: createPatch(pod, mutated), summary }
}

/**
 * Why the config path is not fixed by the gateway's pod spec alone, or undefined when it is: an
 * absolute literal OPENCLAW_CONFIG_PATH in its env (which overrides any image ENV; OpenClaw
 * 2026.3.2 and 2026.9.6 read it first) and no root option choosing a profile (which may replace
 * it: 2026.9.6 dist/profile-*.mjs, applyCliProfileEnv). Used where the sync image is not the
 * gateway's, so the image's ENV is unknown in the pod too.
 */
function fixedConfigPath(gateway: Container): string | undefined {
  const value = envValue(gateway, 'OPENCLAW_CONFIG_PATH')
  if (value === undefined || value.kind !== 'literal' || !value.value.trim().startsWith('/')) return `container ${gateway.name} sets no absolute literal OPENCLAW_CONFIG_PATH`
  if (mayChooseProfile(gateway)) return `container ${gateway.name}'s command line may choose an OpenClaw profile`
  return undefined
}

/**
 * The index in the raw initContainers list (which may hold nulls the engine skips) before which
 * the element at `index` of the cleaned list stands; the end when `index` is past it.
 */
function originalIndex(raw: readonly unknown[], cleaned: Container[], index: number): number {
  if (index >= cleaned.length) return raw.length
  return raw.indexOf(cleaned[index])
}

function credentialKinds(settings: EngineSettings): CredentialKind[] {
  return [
    { label: 'token', envName: 'OPENCLAW_GATEWAY_TOKEN', annotation: ANNOTATIONS.tokenSecret, defaultSecret: settings.defaultTokenSecret },
    { label: 'password', envName: 'OPENCLAW_GATEWAY_PASSWORD', annotation: ANNOTATIONS.passwordSecret, defaultSecret: settings.defaultPasswordSecret },
  ]
}

function syncMode(annotated: string | undefined, fallback: SyncMode, warnings: string[]): SyncMode {
  if (annotated === undefined) return fallback
  if (annotated === 'auto' || annotated === 'sync' || annotated === 'ref') return annotated
  warnings.push(`annotation ${ANNOTATIONS.mode} is ${JSON.stringify(annotated)}; expected auto, sync or ref, so ${fallback} is used`)
  return fallback
}

function legacyPolicy(annotated: string | undefined, settings: EngineSettings, warnings: string[]): { policy: 'keep' | 'replace'; from: string } {
  if (annotated === 'keep' || annotated === 'replace') return { policy: annotated, from: `annotation ${ANNOTATIONS.legacy}: ${annotated}` }
  if (annotated !== undefined) warnings.push(`annotation ${ANNOTATIONS.legacy} is ${JSON.stringify(annotated)}; expected keep or replace, so ${settings.legacy} is used`)
  return { policy: settings.legacy, from: `setting legacy: ${settings.legacy}` }
}

/**
 * The first OpenClaw release that takes an env SecretRef at gateway.auth.token (2026.3.2 refuses
 * one: /work/shared/openclaw-facts.md, "Secrets at rest"). The sync script holds the same number.
 */
export const REF_SINCE: readonly [number, number, number] = [2026, 3, 7]

/**
 * Whether the sync script, in `auto` mode in `image`, may find no OpenClaw of REF_SINCE or later
 * and so write plaintext: an image that is not OpenClaw's (no app package.json to read the
 * version from), or one whose tag names an older release. A tag without a version (`latest`, a
 * digest) is OpenClaw's current release: no.
 */
export function autoMayChooseSync(image: string, settings: EngineSettings): boolean {
  if (!imageMatches(image, settings.imagePattern)) return true
  const tag = /:([^/:@]+)(@.*)?$/.exec(image)?.[1]
  const version = tag === undefined ? null : /^v?(\d+)\.(\d+)\.(\d+)/.exec(tag)
  if (version === null) return false
  const [a, b, c] = version.slice(1).map(Number) as [number, number, number]
  const [x, y, z] = REF_SINCE
  return a !== x ? a < x : b !== y ? b < y : c < z
}

/**
 * The one gap of `sync` mode, as a warning of at most 120 characters (the admission response's
 * limit): the init container writes the credential into the file at pod start only. When only the
 * gateway container restarts (a crash, an OOM kill), the kubelet reads the Secret into its env
 * again but runs no init container, and OpenClaw takes a plaintext gateway.auth.token from the
 * file before the env, so the gateway keeps the old value and refuses the Secret's new one until
 * the pod is re-created. `ref` mode leaves only env SecretRefs in the file and has no such gap.
 * Given for `sync`, and for `auto` where the script may choose sync (autoMayChooseSync).
 * Measured with the real gateway on kind: test/e2e/kind/kind.test.ts, scenario 5.
 */
export function syncRestartWarning(credential: 'token' | 'password', mode: 'sync' | 'auto' = 'sync'): string {
  if (mode === 'auto') return `sync may be chosen: after a rotation, a restarted gateway keeps the old ${credential}; use ${ANNOTATIONS.mode}: ref`
  return `sync mode: after a rotation, a restarted gateway container keeps the old ${credential}; use ${ANNOTATIONS.mode}: ref`
}

function syncImage(annotated: string | undefined, settings: EngineSettings, gateway: Container, warnings: string[]): string | undefined {
  if (annotated !== undefined) {
    if (/^[^\s]+$/.test(annotated)) return annotated
    warnings.push(`annotation ${ANNOTATIONS.syncImage} is not an image reference; it is ignored`)
  }
  if (settings.syncImage !== '') return settings.syncImage
  return typeof gateway.image === 'string' && gateway.image !== '' ? gateway.image : undefined
}
