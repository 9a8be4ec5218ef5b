// Where the injected init container goes and what it is called.
//
// Names: Kubernetes requires a container name to be unique across initContainers, containers
// and ephemeralContainers together (pkg/apis/core/validation/validation.go, validateContainers
// and validateInitContainers share one set of names): a name free in one list only is refused
// with "Duplicate value".
//
// Position: init containers run in order, and a native sidecar (an init container with
// restartPolicy: Always) is started, not waited for, before the next one runs (KEP-753). The
// pod's own init containers usually prepare volumes (chown a state directory, mount a FUSE
// bucket through a native sidecar), so by default ours runs after all of them.
import { ANNOTATIONS } from './annotations.ts'
import type { Container, Pod } from './types.ts'
import { objectsOf } from './shape.ts'

export type InitPosition = 'first' | 'last'

/** How many numbered variants of the fallback name (`openclaw-token-sync-2` ...) are tried. */
const NUMBERED_NAMES = 8

export type NameChoice = { ok: true; name: string; reason?: string } | { ok: false; reason: string }

/**
 * The first of `preferred`, `fallback`, `fallback-2` … `fallback-9` that no container of the pod
 * (init, regular or ephemeral) uses. `freed` is a name that stops being used (a legacy init
 * container being replaced). Errors: none; `ok: false` when every candidate is taken.
 */
export function chooseName(pod: Pod, preferred: string, fallback: string, freed?: string): NameChoice {
  const owners = new Map<string, string>()
  const lists: [string, unknown][] = [
    ['init container', pod.spec?.initContainers],
    ['container', pod.spec?.containers],
    ['ephemeral container', pod.spec?.ephemeralContainers],
  ]
  for (const [kind, list] of lists) {
    for (const c of objectsOf(list as Container[])) if (typeof c.name === 'string' && c.name !== freed && !owners.has(c.name)) owners.set(c.name, `${kind} ${c.name}`)
  }
  const candidates = [preferred, fallback, ...Array.from({ length: NUMBERED_NAMES }, (_, i) => `${fallback}-${i + 2}`)]
  const name = candidates.find((candidate) => !owners.has(candidate))
  if (name === undefined) return { ok: false, reason: `the names ${preferred}, ${fallback} and ${fallback}-2 to -${NUMBERED_NAMES + 1} are all taken by the pod's containers` }
  if (name === preferred) return { ok: true, name }
  return { ok: true, name, reason: `the name ${preferred} is taken by the pod's ${owners.get(preferred)}, so the injected init container is named ${name}` }
}

/** The annotation's value, or `last` with a warning when it is neither `first` nor `last`. */
export function initPosition(annotated: string | undefined, warnings: string[]): InitPosition {
  if (annotated === undefined || annotated === 'last') return 'last'
  if (annotated === 'first') return 'first'
  warnings.push(`annotation ${ANNOTATIONS.initPosition} is ${JSON.stringify(annotated)}; expected first or last, so last is used`)
  return 'last'
}

export interface Placement {
  /** Index in the new initContainers list. */
  index: number
  reason: string
}

/**
 * Where the injected container goes among `initContainers` (the pod's own, ours not yet in).
 * `last`: after all of them. `first`: before the first one that is not a native sidecar; the
 * native sidecars ahead of it stay ahead (they are started, not awaited, and may serve a volume
 * ours reads, as a FUSE CSI mounter does: ours ahead of them would wait on the mount forever).
 */
export function placeInit(initContainers: Container[], position: InitPosition, name: string): Placement {
  const names = initContainers.map((c) => c.name)
  if (initContainers.length === 0) return { index: 0, reason: `init container ${name} is the pod's only init container` }
  if (position === 'last') {
    return {
      index: initContainers.length,
      reason: `init container ${name} runs after the pod's own init containers (${names.join(', ')}), which may prepare its volumes or start native sidecars that serve them; annotation ${ANNOTATIONS.initPosition}: first runs it before them`,
    }
  }
  let index = 0
  while (index < initContainers.length && initContainers[index]?.restartPolicy === 'Always') index++
  if (index === 0) return { index, reason: `init container ${name} runs before the pod's own init containers (annotation ${ANNOTATIONS.initPosition}: first)` }
  return {
    index,
    reason: `init container ${name} runs before the pod's other init containers (annotation ${ANNOTATIONS.initPosition}: first) but after native sidecar ${names.slice(0, index).join(', ')}, which may serve a volume it reads`,
  }
}
