// How much of a pod the engine examines. Every engine step is linear in the pod's size; these
// caps bound the size itself, so no pod a tenant can store makes an admission slow for every
// other namespace. Above a cap the pod is skipped (`too-large`), never half-examined.
//
// Kubernetes sets no count limit on these lists (pkg/apis/core/validation/validation.go
// validates each entry, not how many there are); what bounds a pod is its size: etcd stores at
// most 1.5 MiB per object by default (etcd --max-request-bytes, https://etcd.io/docs/v3.5/dev-guide/limit/),
// room for about 120,000 env entries of `{"name":"A"}`. The caps sit far above real pods (a
// gateway has tens of env entries, a pod a handful of containers and volumes) and far below that.
import { envExpansion } from './env.ts'
import type { Container, Pod } from './types.ts'
import { listOf, objectsOf } from './shape.ts'

/** The caps, per pod or per container as named. Data; the check below only applies them. */
export const LIMITS = {
  /** Init, regular and ephemeral containers together (the names share one namespace: placement.ts). */
  containers: 1_000,
  /** Entries of spec.volumes. */
  volumes: 1_000,
  /** Entries of one container's env. The report's pod had 6,000. */
  envEntries: 10_000,
  /** Entries of one container's envFrom. */
  envFromEntries: 1_000,
  /** Entries of one container's volumeMounts. */
  volumeMounts: 1_000,
  /**
   * The longest `NAME=value` string, with its terminating NUL, Linux passes to a program:
   * MAX_ARG_STRLEN, 32 pages of 4 KiB (include/uapi/linux/binfmts.h). execve refuses a longer
   * one with E2BIG, so a container whose env expands past it cannot start anyway.
   */
  envStringBytes: 32 * 4096,
  /**
   * All the env values one container's entries expand to, together: a quarter of the default
   * 8 MiB stack limit, which Linux allows for a program's arguments and environment together
   * (fs/exec.c, bprm_stack_limits).
   */
  envExpansionChars: 2 * 1024 * 1024,
} as const

/**
 * Why the pod is larger than the engine examines, in one sentence naming the list and the
 * container; undefined when it is within every cap. Linear in the pod: each list's length is
 * read before any of its entries, and env values are measured (envExpansion), not expanded.
 */
export function exceededLimit(pod: Pod): string | undefined {
  const lists: [string, unknown][] = [
    ['init container', pod.spec?.initContainers],
    ['container', pod.spec?.containers],
    ['ephemeral container', pod.spec?.ephemeralContainers],
  ]
  const count = lists.reduce((sum, [, list]) => sum + listOf(list as unknown[]).length, 0)
  if (count > LIMITS.containers) return over(`the pod has ${count} containers (init, regular and ephemeral)`, LIMITS.containers)
  const volumes = listOf(pod.spec?.volumes).length
  if (volumes > LIMITS.volumes) return over(`the pod has ${volumes} volumes`, LIMITS.volumes)
  for (const [kind, list] of lists) {
    for (const container of objectsOf(list as Container[])) {
      const problem = containerProblem(container, `${kind} ${truncate(String(container.name))}`)
      if (problem !== undefined) return problem
    }
  }
  return undefined
}

function containerProblem(container: Container, which: string): string | undefined {
  const perContainer: [string, unknown, number][] = [
    ['env entries', container.env, LIMITS.envEntries],
    ['envFrom entries', container.envFrom, LIMITS.envFromEntries],
    ['volumeMounts', container.volumeMounts, LIMITS.volumeMounts],
  ]
  for (const [what, list, limit] of perContainer) {
    const length = listOf(list as unknown[]).length
    if (length > limit) return over(`${which} has ${length} ${what}`, limit)
  }
  const expansion = envExpansion(container)
  const longest = expansion.longest
  // `NAME=value` and its NUL; a UTF-16 unit is at least one UTF-8 byte, so this never overstates.
  if (longest !== undefined && longest.name.length + longest.length + 2 > LIMITS.envStringBytes) {
    return `env ${truncate(longest.name)} of ${which} expands to ${longest.length} characters, more than Linux passes to a program (${LIMITS.envStringBytes} bytes, MAX_ARG_STRLEN); the container could not start, and the pod is left as it is`
  }
  if (expansion.total > LIMITS.envExpansionChars) return over(`the env of ${which} expands to ${expansion.total} characters`, LIMITS.envExpansionChars)
  return undefined
}

function over(what: string, limit: number): string {
  return `${what}, more than the ${limit} the engine examines; the pod is left as it is`
}

/** Names in a reason are the pod's own text: at most 63 characters of one (a DNS label's length). */
function truncate(name: string): string {
  return name.length > 63 ? `${name.slice(0, 60)}...` : name
}
