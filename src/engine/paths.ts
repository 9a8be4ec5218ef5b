// Where the gateway container will read openclaw.json, and which volume holds it.
// OpenClaw's order: OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR/openclaw.json,
// else <home>/.openclaw/openclaw.json with home = OPENCLAW_HOME, else HOME.
import path from 'node:path/posix'
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node'
import { envFromMayDefine, envValue, type EnvValue } from './env.ts'
import type { Container, Pod } from './types.ts'
import { objectsOf } from './shape.ts'

export type Resolved<T> = { ok: true; value: T; reason: string } | { ok: false; reason: string }

/** The variables OpenClaw's config path depends on, in its order of precedence. */
export const PATH_VARIABLES = ['OPENCLAW_CONFIG_PATH', 'OPENCLAW_STATE_DIR', 'OPENCLAW_HOME', 'HOME'] as const

/** A path known now, or `runtime`: it depends on a value only the pod will have. */
export type ConfigPath = { known: true; path: string } | { known: false }

/**
 * Where the gateway reads openclaw.json, following OpenClaw's order. `known: false` when a
 * variable that decides it has a value only known in the pod: set from a Secret, ConfigMap or
 * field, expanding `$(VAR)` from one, or possibly defined by an envFrom source (env wins over
 * envFrom, so an absent env entry leaves it to envFrom). Errors (`ok: false`): a literal that is
 * not an absolute path.
 */
export function resolveConfigPath(container: Container, defaultHome: string): Resolved<ConfigPath> {
  const home = homeOf(container, defaultHome)
  for (const [variable, toConfig] of [
    ['OPENCLAW_CONFIG_PATH', (p: string) => p],
    ['OPENCLAW_STATE_DIR', (p: string) => path.join(p, 'openclaw.json')],
  ] as const) {
    const value = envValue(container, variable)
    if (value !== undefined) return fromEnv(value, variable, container.name, home, toConfig)
    if (envFromMayDefine(container, variable)) return runtime(`${variable} may come from container ${container.name}'s envFrom (${describeEnvFrom(container)}), which only the pod can read`)
  }
  if (!home.ok) return home
  if (!home.value.known) return { ok: true, value: { known: false }, reason: home.reason }
  const configPath = path.join(home.value.path, '.openclaw', 'openclaw.json')
  return { ok: true, value: { known: true, path: configPath }, reason: `config path ${configPath} (${home.reason})` }
}

function runtime(reason: string): Resolved<ConfigPath> {
  return { ok: true, value: { known: false }, reason }
}

function describeEnvFrom(container: Container): string {
  return objectsOf(container.envFrom)
    .map((e) => (e.configMapRef ? `ConfigMap ${e.configMapRef.name}` : e.secretRef ? `Secret ${e.secretRef.name}` : 'a source'))
    .join(', ')
}

function homeOf(container: Container, defaultHome: string): Resolved<ConfigPath> {
  for (const variable of ['OPENCLAW_HOME', 'HOME']) {
    const value = envValue(container, variable)
    if (value === undefined) {
      if (envFromMayDefine(container, variable)) return runtime(`${variable} may come from container ${container.name}'s envFrom (${describeEnvFrom(container)}), which only the pod can read`)
      continue
    }
    if (value.kind === 'dynamic') return runtime(`${variable} of container ${container.name} is only known in the pod (${describeDynamic(value)})`)
    if (!value.value.startsWith('/')) return { ok: false, reason: `${variable} of container ${container.name} is not an absolute path` }
    return { ok: true, value: { known: true, path: path.normalize(value.value) }, reason: `home from ${variable}` }
  }
  return { ok: true, value: { known: true, path: defaultHome }, reason: `the image's home ${defaultHome}` }
}

function describeDynamic(value: EnvValue): string {
  if (value.kind !== 'dynamic') return 'a literal'
  return value.entry.valueFrom ? 'set from a Secret, ConfigMap or field' : `expands ${JSON.stringify(value.entry.value)}`
}

function fromEnv(value: EnvValue, variable: string, container: string | undefined, home: Resolved<ConfigPath>, toConfig: (p: string) => string): Resolved<ConfigPath> {
  if (value.kind === 'dynamic') return runtime(`${variable} of container ${container} is only known in the pod (${describeDynamic(value)})`)
  let raw = value.value.trim()
  if (raw === '~' || raw.startsWith('~/')) {
    if (!home.ok) return home
    if (!home.value.known) return { ok: true, value: { known: false }, reason: `${variable} starts with ~ and ${home.reason}` }
    raw = path.join(home.value.path, raw.slice(1))
  }
  if (!raw.startsWith('/')) return { ok: false, reason: `${variable} of container ${container} is not an absolute path: ${JSON.stringify(value.value)}` }
  const resolved = toConfig(path.normalize(raw))
  return { ok: true, value: { known: true, path: resolved }, reason: `config path ${resolved} (from ${variable})` }
}

export interface StateMount {
  mount: V1VolumeMount
  volume: V1Volume
}

const READ_ONLY_SOURCES = ['configMap', 'secret', 'downwardAPI', 'projected'] as const

/**
 * The gateway's volumeMount whose mountPath is the longest prefix of the config file's directory.
 * The directory, not only the file, must be on the volume: the sync script writes a temp file
 * beside the config and renames it, which a single-file (subPath) mount cannot take.
 */
export function findStateMount(pod: Pod, container: Container, configPath: string): Resolved<StateMount> {
  const directory = path.dirname(configPath)
  let best: V1VolumeMount | undefined
  for (const mount of objectsOf(container.volumeMounts)) {
    if (typeof mount.mountPath !== 'string' || typeof mount.name !== 'string') continue
    const mountPath = normalizeMountPath(mount.mountPath)
    const covers = mountPath === '/' || configPath === mountPath || directory === mountPath || directory.startsWith(mountPath + '/')
    if (covers && (best === undefined || mountPath.length > normalizeMountPath(best.mountPath).length)) best = mount
  }
  if (best === undefined) {
    return { ok: false, reason: `no volume of container ${container.name} holds ${configPath}, so nothing an init container writes would reach the gateway` }
  }
  if (normalizeMountPath(best.mountPath) === configPath) {
    return { ok: false, reason: `${configPath} is mounted as a single file (volume ${best.name}); the config's directory must be on the volume for a crash-safe write` }
  }
  const volume = objectsOf(pod.spec?.volumes).find((v) => v.name === best.name)
  if (volume === undefined) return { ok: false, reason: `container ${container.name} mounts volume ${best.name}, which the pod does not declare` }
  const readOnlySource = READ_ONLY_SOURCES.find((source) => volume[source] !== undefined && volume[source] !== null)
  if (readOnlySource !== undefined) return { ok: false, reason: `${configPath} is on ${readOnlySource} volume ${volume.name}, which is read-only; there is no state to sync` }
  return { ok: true, value: { mount: best, volume }, reason: `state volume ${volume.name} mounted at ${best.mountPath}${best.subPath ? ` (subPath ${best.subPath})` : ''}` }
}

/**
 * Where another container sees the config file: through its own mount of the same volume
 * and subPath, wherever it mounts it; undefined when it does not mount the state at all.
 */
export function configPathThrough(container: Container, state: StateMount, configPath: string): string | undefined {
  const relative = path.relative(normalizeMountPath(state.mount.mountPath), configPath)
  const mount = objectsOf(container.volumeMounts).find(
    (m) =>
      typeof m.mountPath === 'string' &&
      m.name === state.mount.name &&
      (m.subPath ?? '') === (state.mount.subPath ?? '') &&
      (m.subPathExpr ?? '') === (state.mount.subPathExpr ?? ''),
  )
  return mount === undefined ? undefined : path.join(normalizeMountPath(mount.mountPath), relative)
}

/** `/home/node/.openclaw/` and `/home/node//.openclaw` both mean `/home/node/.openclaw`. */
function normalizeMountPath(mountPath: string): string {
  return path.normalize(mountPath).replace(/(.)\/$/, '$1')
}

/**
 * The gateway's mounts a config could be written through, for a config path only the pod
 * knows: a declared volume that is not a read-only source (configMap, secret, downwardAPI,
 * projected), mounted without readOnly. Mount order kept.
 */
export function writableMounts(pod: Pod, container: Container): StateMount[] {
  const volumes = new Map<unknown, V1Volume>()
  for (const v of objectsOf(pod.spec?.volumes)) if (!volumes.has(v.name)) volumes.set(v.name, v)
  const result: StateMount[] = []
  for (const mount of objectsOf(container.volumeMounts)) {
    if (typeof mount.mountPath !== 'string' || typeof mount.name !== 'string' || mount.readOnly === true) continue
    const volume = volumes.get(mount.name)
    if (volume === undefined || READ_ONLY_SOURCES.some((source) => volume[source] !== undefined && volume[source] !== null)) continue
    result.push({ mount, volume })
  }
  return result
}
