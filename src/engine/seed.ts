// The ConfigMap the init container copies onto the volume when no config exists yet.
import type { V1Volume } from '@kubernetes/client-node'
import { parseSecretRef } from '../settings.ts'
import { ANNOTATIONS } from './annotations.ts'
import type { Pod } from './types.ts'
import { objectsOf } from './shape.ts'

export const SEED_MOUNT_PATH = '/openclaw-injector/seed'
export const SEED_VOLUME_NAME = 'openclaw-injector-seed'
const DEFAULT_SEED_KEY = 'openclaw.json'
/** The Helm chart declares its seed config as a configMap volume with this name. */
const CHART_SEED_VOLUME = 'config'

export interface Seed {
  configMap: string
  key: string
  /** The pod volume to mount; `added` when the engine must declare it. */
  volume: V1Volume
  added: boolean
  /** Path of the seed file inside the init container. */
  filePath: string
  description: string
}

export type SeedResult = { ok: true; seed?: Seed } | { ok: false; reason: string }

export function resolveSeed(pod: Pod): SeedResult {
  const volumes = objectsOf(pod.spec?.volumes)
  const annotated = pod.metadata?.annotations?.[ANNOTATIONS.seedConfigMap]
  if (typeof annotated === 'string') {
    const ref = parseSecretRef(annotated.trim(), DEFAULT_SEED_KEY)
    if (ref === undefined) return { ok: false, reason: `annotation ${ANNOTATIONS.seedConfigMap}: ${JSON.stringify(annotated)} is not NAME or NAME/KEY of a ConfigMap` }
    for (const volume of volumes) {
      if (volume.configMap?.name !== ref.name) continue
      const file = fileOf(volume, ref.key)
      if (file !== undefined) return { ok: true, seed: seedFrom(volume, false, ref.key, file, `annotation ${ANNOTATIONS.seedConfigMap}`) }
    }
    const name = uniqueVolumeName(volumes, SEED_VOLUME_NAME)
    const volume: V1Volume = { name, configMap: { name: ref.name, items: [{ key: ref.key, path: ref.key }] } }
    return { ok: true, seed: seedFrom(volume, true, ref.key, ref.key, `annotation ${ANNOTATIONS.seedConfigMap}`) }
  }
  const chartVolume = volumes.find((v) => v.name === CHART_SEED_VOLUME && typeof v.configMap?.name === 'string')
  if (chartVolume !== undefined) {
    const file = fileOf(chartVolume, DEFAULT_SEED_KEY)
    if (file !== undefined) return { ok: true, seed: seedFrom(chartVolume, false, DEFAULT_SEED_KEY, file, `the pod's configMap volume ${CHART_SEED_VOLUME}`) }
  }
  return { ok: true }
}

function seedFrom(volume: V1Volume, added: boolean, key: string, file: string, origin: string): Seed {
  const configMap = volume.configMap?.name ?? ''
  return { configMap, key, volume, added, filePath: `${SEED_MOUNT_PATH}/${file}`, description: `seed config from ConfigMap ${configMap}, key ${key} (${origin})` }
}

/** The file a configMap volume makes of `key`: the key itself, or the path its items map it to. */
function fileOf(volume: V1Volume, key: string): string | undefined {
  const items = volume.configMap?.items
  if (!Array.isArray(items) || items.length === 0) return key
  return items.find((item) => item?.key === key)?.path
}

function uniqueVolumeName(volumes: V1Volume[], base: string): string {
  const taken = new Set(volumes.map((v) => v.name))
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`
}
