// What the injected container needs to find, in the pod, the file the gateway reads: the
// gateway's mounts, its env sources for the names OpenClaw's resolver reads, and its command line.
// The engine never decides the path itself (it cannot see the image's ENV, its passwd entry, or
// which files exist); the sync script resolves it in the pod with OpenClaw's own rules
// (src/sync/config-path.mjs, PATH_RULES), and the gateway's env is never changed to choose one.
import type { V1Volume, V1VolumeMount } from '@kubernetes/client-node'
import { envSourcesFor, type EnvSources } from './env.ts'
import type { Container, Pod } from './types.ts'
import { listOf, objectsOf } from './shape.ts'

/**
 * The env names OpenClaw's config path depends on, in any release the sync script carries
 * (PATH_RULES in src/sync/config-path.mjs; openclaw 2026.3.2 dist/daemon-cli.js and entry.js,
 * 2026.9.6 dist/paths-*.mjs, home-dir-*.mjs, profile-*.mjs, test-runtime-env-*.mjs). The
 * injected container gets the gateway's sources for each.
 */
export const PATH_VARIABLES = [
  'OPENCLAW_CONFIG_PATH',
  'OPENCLAW_STATE_DIR',
  'OPENCLAW_HOME',
  'HOME',
  'USERPROFILE',
  'OPENCLAW_PROFILE',
  'OPENCLAW_SERVICE_MARKER',
  'CLAWDBOT_CONFIG_PATH',
  'CLAWDBOT_STATE_DIR',
  'OPENCLAW_TEST_FAST',
  'VITEST',
  'VITEST_POOL_ID',
  'VITEST_WORKER_ID',
  'NODE_ENV',
] as const

/** OpenClaw's root options that choose a state directory (2026.9.6 dist/profile-*.mjs, parseCliProfileArgs). */
const PROFILE_OPTION = /^--(profile(=.*)?|dev)$/

export interface StateMount {
  mount: V1VolumeMount
  volume: V1Volume
  /** Mounted read-only: the mount's readOnly, a PVC's readOnly, or a read-only source (configMap, secret, downwardAPI, projected). */
  readOnly: boolean
}

const READ_ONLY_SOURCES = ['configMap', 'secret', 'downwardAPI', 'projected'] as const

/**
 * Every mount of the container with its declared volume, in order, and whether it is read-only
 * to the container (Kubernetes mounts a PVC with `readOnly: true`, and the sources above,
 * read-only whatever the mount says). Mounts of undeclared volumes are left out.
 */
export function containerMounts(pod: Pod, container: Container): StateMount[] {
  const volumes = new Map<unknown, V1Volume>()
  for (const v of objectsOf(pod.spec?.volumes)) if (!volumes.has(v.name)) volumes.set(v.name, v)
  const result: StateMount[] = []
  for (const mount of objectsOf(container.volumeMounts)) {
    if (typeof mount.mountPath !== 'string' || typeof mount.name !== 'string') continue
    const volume = volumes.get(mount.name)
    if (volume === undefined) continue
    const readOnly = mount.readOnly === true || volume.persistentVolumeClaim?.readOnly === true || READ_ONLY_SOURCES.some((s) => volume[s] !== undefined && volume[s] !== null)
    result.push({ mount, volume, readOnly })
  }
  return result
}

/**
 * The gateway's command line for the sync script, as JSON arrays: its command where it has one
 * (an empty list is none: the image's ENTRYPOINT runs, as the kubelet does it), and its args
 * always (empty: the image's CMD, which the script says it cannot read).
 */
export function commandLineEnv(container: Container): Array<{ name: string; value: string }> {
  const command = listOf(container.command).map(String)
  const env: Array<{ name: string; value: string }> = []
  if (command.length > 0) env.push({ name: 'OPENCLAW_INJECTOR_GATEWAY_COMMAND', value: JSON.stringify(command) })
  env.push({ name: 'OPENCLAW_INJECTOR_GATEWAY_ARGS', value: JSON.stringify(listOf(container.args).map(String)) })
  return env
}

/** Whether the command line names a root option that chooses a profile (`--profile`, `--profile=X`, `--dev`), or a shell that might. */
export function mayChooseProfile(container: Container): boolean {
  const words = [...listOf(container.command), ...listOf(container.args)].map(String)
  return words.some((w) => PROFILE_OPTION.test(w) || /--profile|--dev\b/.test(w))
}

/**
 * Whether `other` finds the same file as `gateway` by OpenClaw's rules, judged from the spec
 * alone and conservatively: the same image (so the same ENV and passwd), the same env sources
 * for PATH_VARIABLES, the same working directory, the same command-line root options (none, or
 * the same command line), and the same mounts at the same paths. Undefined when it does; else
 * the first difference, as a reason.
 */
export function resolutionDifference(gateway: Container, other: Container): string | undefined {
  if (other.image !== gateway.image) return `it runs image ${other.image ?? '(none)'}, not the gateway's, whose ENV may differ`
  const sources = (c: Container): EnvSources => envSourcesFor(c, PATH_VARIABLES)
  if (JSON.stringify(stripContainerName(sources(other))) !== JSON.stringify(stripContainerName(sources(gateway)))) {
    return `its env for the config path (${PATH_VARIABLES.slice(0, 4).join(', ')}, ...) differs from the gateway's`
  }
  if ((other.workingDir ?? '') !== (gateway.workingDir ?? '')) return 'its workingDir differs from the gateway\'s'
  const line = (c: Container): string => JSON.stringify([listOf(c.command), listOf(c.args)])
  if ((mayChooseProfile(other) || mayChooseProfile(gateway)) && line(other) !== line(gateway)) return 'its command line may choose another OpenClaw profile (--profile, --dev)'
  const key = (m: StateMount): string => JSON.stringify([m.mount.name, m.mount.mountPath, m.mount.subPath ?? '', m.mount.subPathExpr ?? ''])
  const set = (c: Container): string => JSON.stringify(objectsOf(c.volumeMounts).map((mount) => key({ mount, volume: {} as V1Volume, readOnly: false })).sort())
  if (set(other) !== set(gateway)) return 'its volume mounts differ from the gateway\'s, so the files OpenClaw finds may differ'
  return undefined
}

/** A resourceFieldRef copy names its container; the comparison is of the sources themselves. */
function stripContainerName(sources: EnvSources): EnvSources {
  return {
    envFrom: sources.envFrom,
    env: sources.env.map((e) => {
      const field = e.valueFrom?.resourceFieldRef
      return field ? { ...e, valueFrom: { ...e.valueFrom, resourceFieldRef: { ...field, containerName: undefined } } } : e
    }),
  }
}
