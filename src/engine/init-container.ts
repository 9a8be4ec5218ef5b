// The init container the engine adds: the OpenClaw image running our sync script with node.
import type { V1EnvVar, V1SecurityContext, V1VolumeMount } from '@kubernetes/client-node'
import { SYNC_SCRIPT, SYNC_SCRIPT_IMAGE_JSON5, SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS, SYNC_SCRIPT_NO_CREDENTIALS } from '../build-info.generated.ts'
import type { EngineSettings, SyncMode } from '../settings.ts'
import { credentialEnv, credentialsForScript, type ConfigCredential } from './config-credentials.ts'
import { envEntries, referencedNames, type EnvSources } from './env.ts'
import type { Identity } from './identity.ts'
import type { SyncResources } from './resources.ts'
import { SEED_MOUNT_PATH, type Seed } from './seed.ts'
import type { StateMount } from './paths.ts'
import type { Container } from './types.ts'
import { copyJson, listOf } from './shape.ts'
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
  /** All the gateway's mounts, taken over at the same paths with readOnly and recursiveReadOnly kept. */
  mounts: StateMount[]
  /** The gateway's command line for the script (commandLineEnv). */
  commandLine: V1EnvVar[]
  /** The gateway's workingDir: OpenClaw resolves relative paths, and finds a home without one, from it. */
  workingDir?: string
  seed?: Seed
  mode: SyncMode
  credentials: V1EnvVar[]
  /** The annotation openclaw.ai/credentials: written as references at their paths. */
  configCredentials: ConfigCredential[]
  /** The gateway's env entries and envFrom the init container needs (path variables, subPathExpr variables). */
  envSources: EnvSources
  identity: Extract<Identity, { ok: true }>
  resources: SyncResources['resources']
  settings: EngineSettings
}

/** The env the sync script reads the credentials annotation's entries from (credentialsForScript). */
export const CREDENTIALS_ENV = 'OPENCLAW_INJECTOR_CREDENTIALS'

/** Env names the sync script reads the gateway's writable mount paths from, one per mount: it writes through no other. */
export const STATE_MOUNT_ENV_PREFIX = 'OPENCLAW_INJECTOR_STATE_MOUNT_'

/**
 * The init container: `node -e <sync script>` with its settings in env, the credentials, and
 * what it needs of the gateway's env to see the same paths. Inputs are copied, never shared.
 */
export function buildInitContainer(spec: InitContainerSpec): Container {
  const { settings, seed } = spec
  const env: V1EnvVar[] = []
  env.push(
    { name: MARKER_ENV, value: spec.mode },
    { name: 'OPENCLAW_INJECTOR_ON_ERROR', value: settings.onError },
    { name: 'OPENCLAW_INJECTOR_JSON5_FROM', value: settings.json5From },
  )
  if (seed !== undefined) env.push({ name: 'OPENCLAW_INJECTOR_SEED_PATH', value: seed.filePath })
  if (spec.configCredentials.length > 0) env.push({ name: CREDENTIALS_ENV, value: credentialsForScript(spec.configCredentials) })
  spec.mounts.filter((m) => !m.readOnly).forEach((m, i) => env.push({ name: `${STATE_MOUNT_ENV_PREFIX}${i}`, value: m.mount.mountPath }))
  env.push(...spec.commandLine.map((e) => copyJson(e)))
  // The gateway's envFrom may carry NODE_OPTIONS meant for it (--require of its own files, heap
  // sizes). An entry without a value is the empty string, and env wins over envFrom; written as
  // the API server stores it (it drops an empty value).
  if (spec.envSources.envFrom.length > 0) env.push({ name: 'NODE_OPTIONS' })
  const names = new Set(env.map((e) => e.name))
  for (const entry of [...spec.credentials.map((e) => copyJson(e)), ...spec.configCredentials.map(credentialEnv), ...spec.envSources.env]) {
    if (!names.has(entry.name)) (names.add(entry.name), env.push(entry))
  }

  const volumeMounts: V1VolumeMount[] = spec.mounts.map(({ mount }) => {
    // mountPropagation is not copied: Bidirectional needs a privileged container, and the
    // script needs nothing the gateway's mounts receive later.
    const copy: V1VolumeMount = { name: mount.name, mountPath: mount.mountPath }
    if (mount.subPath) copy.subPath = mount.subPath
    if (mount.subPathExpr) copy.subPathExpr = mount.subPathExpr
    if (mount.readOnly === true) copy.readOnly = true
    if (mount.recursiveReadOnly) copy.recursiveReadOnly = mount.recursiveReadOnly
    return copy
  })
  if (seed !== undefined) volumeMounts.push({ name: seed.volume.name, mountPath: SEED_MOUNT_PATH, readOnly: true })

  const container: Container = {
    name: spec.name,
    image: spec.image,
    command: ['node', '-e', syncScriptFor(spec.image, settings, spec.configCredentials.length > 0)],
    env,
    ...(spec.envSources.envFrom.length > 0 ? { envFrom: spec.envSources.envFrom } : {}),
    ...(spec.workingDir === undefined ? {} : { workingDir: spec.workingDir }),
    volumeMounts,
    resources: copyJson(spec.resources),
    securityContext: securityContext(spec.identity),
    terminationMessagePolicy: 'FallbackToLogsOnError',
  }
  if (spec.imagePullPolicy) container.imagePullPolicy = spec.imagePullPolicy
  return container
}

/**
 * The form of the sync script for `image` (all bundled from the modules in src/sync/): an OpenClaw
 * image (settings.imagePattern) has OpenClaw's own json5 in its app directory (settings.json5From),
 * so it gets the form without the built-in JSON5 reader; any other image carries the reader along.
 * Only a pod with entries of annotation openclaw.ai/credentials (`credentials`) gets the code for them.
 */
export function syncScriptFor(image: string, settings: EngineSettings, credentials: boolean): string {
  if (imageMatches(image, settings.imagePattern)) return credentials ? SYNC_SCRIPT_IMAGE_JSON5 : SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS
  return credentials ? SYNC_SCRIPT : SYNC_SCRIPT_NO_CREDENTIALS
}

/**
 * Restricted-profile settings (Pod Security Standards, "restricted") with the gateway's identity,
 * so the files keep their owner. runAsNonRoot is asserted only where the kubelet can verify it:
 * a known non-zero uid, or the gateway's own assertion on the very same image.
 */
function securityContext(identity: InitContainerSpec['identity']): V1SecurityContext {
  const context: V1SecurityContext = {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
  }
  if (identity.runAsUser !== undefined) context.runAsUser = identity.runAsUser
  if (identity.runAsGroup !== undefined) context.runAsGroup = identity.runAsGroup
  if (identity.nonRoot) context.runAsNonRoot = true
  return context
}

/** The variables the mounts' subPathExpr expand: the kubelet expands them in the container's own env. */
export function subPathExprNames(mounts: StateMount[]): Set<string> {
  const names = new Set<string>()
  for (const { mount } of mounts) if (mount.subPathExpr) for (const name of referencedNames(mount.subPathExpr)) names.add(name)
  return names
}
