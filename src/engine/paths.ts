// Where the gateway container will read openclaw.json, and which volume holds it.
// OpenClaw's order: OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR/openclaw.json,
// else <home>/.openclaw/openclaw.json with home = OPENCLAW_HOME, else HOME.
import path from 'node:path/posix'
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node'
import { envValue, type EnvValue } from './env.ts'
import type { Container, Pod } from './types.ts'
import { objectsOf } from './shape.ts'

export type Resolved<T> = { ok: true; value: T; reason: string } | { ok: false; reason: string }

export function resolveConfigPath(container: Container, defaultHome: string): Resolved<string> {
  const name = container.name
  const home = homeOf(container, defaultHome)
  const configPath = envValue(container, 'OPENCLAW_CONFIG_PATH')
  if (configPath !== undefined) return fromEnv(configPath, 'OPENCLAW_CONFIG_PATH', name, home, (p) => p)
  const stateDir = envValue(container, 'OPENCLAW_STATE_DIR')
  if (stateDir !== undefined) return fromEnv(stateDir, 'OPENCLAW_STATE_DIR', name, home, (p) => path.join(p, 'openclaw.json'))
  if (!home.ok) return home
  return { ok: true, value: path.join(home.value, '.openclaw', 'openclaw.json'), reason: `config path ${path.join(home.value, '.openclaw', 'openclaw.json')} (${home.reason})` }
}

function homeOf(container: Container, defaultHome: string): Resolved<string> {
  for (const variable of ['OPENCLAW_HOME', 'HOME']) {
    const value = envValue(container, variable)
    if (value === undefined) continue
    if (value.kind === 'dynamic') return { ok: false, reason: `${variable} of container ${container.name} is only known at run time; set OPENCLAW_CONFIG_PATH literally` }
    if (!value.value.startsWith('/')) return { ok: false, reason: `${variable} of container ${container.name} is not an absolute path` }
    return { ok: true, value: path.normalize(value.value), reason: `home from ${variable}` }
  }
  return { ok: true, value: defaultHome, reason: `the image's home ${defaultHome}` }
}

function fromEnv(value: EnvValue, variable: string, container: string | undefined, home: Resolved<string>, toConfig: (p: string) => string): Resolved<string> {
  if (value.kind === 'dynamic') return { ok: false, reason: `${variable} of container ${container} is only known at run time; set it as a literal value` }
  let raw = value.value.trim()
  if (raw === '~' || raw.startsWith('~/')) {
    if (!home.ok) return home
    raw = path.join(home.value, raw.slice(1))
  }
  if (!raw.startsWith('/')) return { ok: false, reason: `${variable} of container ${container} is not an absolute path: ${JSON.stringify(value.value)}` }
  const resolved = toConfig(path.normalize(raw))
  return { ok: true, value: resolved, reason: `config path ${resolved} (from ${variable})` }
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
