// What the engine can know about a container's environment before the pod runs.
import type { V1EnvFromSource, V1EnvVar } from '@kubernetes/client-node'
import type { Container } from './types.ts'
import { copyJson, listOf, objectsOf } from './shape.ts'

export type EnvValue =
  | { kind: 'literal'; value: string }
  /** Set from a Secret, ConfigMap, field or resource, or a literal that expands one of those: known only at run time. */
  | { kind: 'dynamic'; entry: V1EnvVar }

const REFERENCE = /\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g

/** The variable names a `$(VAR)` text refers to (env values, subPathExpr), escaped `$$(VAR)` left out. */
export function referencedNames(text: string): Set<string> {
  const names = new Set<string>()
  for (const match of text.matchAll(REFERENCE)) if (match[1] !== undefined) names.add(match[1])
  return names
}

/** The env entries of a container as an array, whatever the input held. */
export function envEntries(container: Container): V1EnvVar[] {
  return objectsOf(container.env).filter((e) => typeof e.name === 'string')
}

export function hasEnv(container: Container, name: string): boolean {
  return envEntries(container).some((e) => e.name === name)
}

/**
 * The value the kubelet will give `name` in this container, when it can be known now.
 * Later duplicates win, and `$(VAR)` expands from earlier entries, as the kubelet does it;
 * a reference to a run-time value, or to a name envFrom might define, makes the result dynamic.
 */
export function envValue(container: Container, name: string): EnvValue | undefined {
  const entries = envEntries(container)
  const known = new Map<string, EnvValue>()
  let result: EnvValue | undefined
  for (const entry of entries) {
    const value = resolveEntry(entry, known, listOf(container.envFrom).length > 0)
    known.set(entry.name, value)
    if (entry.name === name) result = value
  }
  return result
}

function resolveEntry(entry: V1EnvVar, known: Map<string, EnvValue>, hasEnvFrom: boolean): EnvValue {
  if (entry.valueFrom !== undefined && entry.valueFrom !== null) return { kind: 'dynamic', entry }
  const raw = typeof entry.value === 'string' ? entry.value : ''
  let dynamic = false
  const value = raw.replace(REFERENCE, (match, ref: string | undefined) => {
    if (ref === undefined) return '$'
    const earlier = known.get(ref)
    if (earlier?.kind === 'literal') return earlier.value
    if (earlier !== undefined || hasEnvFrom) dynamic = true
    return match
  })
  return dynamic ? { kind: 'dynamic', entry } : { kind: 'literal', value }
}

/**
 * Whether one of the container's envFrom sources can define `name`: its prefix is a proper
 * prefix of the name. Which keys a ConfigMap or Secret holds is only known at run time.
 */
export function envFromMayDefine(container: Container, name: string): boolean {
  return objectsOf(container.envFrom).some((entry) => {
    const prefix = typeof entry.prefix === 'string' ? entry.prefix : ''
    return name.startsWith(prefix) && name.length > prefix.length
  })
}

export interface EnvSources {
  /** The container's env entries that define the names or what their values expand, in order. */
  env: V1EnvVar[]
  /** The container's envFrom, whole, when a name may come from it; else empty. */
  envFrom: V1EnvFromSource[]
}

/**
 * What another container needs to see `names` with the values this container sees, as the
 * kubelet builds them: each env entry defining a name, the entries their `$(VAR)` references
 * name (transitively), and the envFrom sources when a name is not defined by env alone.
 * A `resourceFieldRef` without a containerName refers to the container it is in, so the copy
 * names this one. Copies, never the container's own objects.
 */
export function envSourcesFor(container: Container, names: Iterable<string>): EnvSources {
  const entries = envEntries(container)
  const needed = new Set(names)
  for (let grew = true; grew;) {
    grew = false
    for (const entry of entries) {
      if (!needed.has(entry.name) || typeof entry.value !== 'string') continue
      for (const ref of referencedNames(entry.value)) if (!needed.has(ref)) (needed.add(ref), (grew = true))
    }
  }
  const env = entries.filter((e) => needed.has(e.name)).map((e) => {
    const copy = copyJson(e)
    const field = copy.valueFrom?.resourceFieldRef
    if (field !== undefined && field !== null && !field.containerName) field.containerName = container.name
    return copy
  })
  const defined = new Set(entries.map((e) => e.name))
  const fromEnvFrom = [...needed].some((name) => !defined.has(name) && envFromMayDefine(container, name))
  return { env, envFrom: fromEnvFrom ? copyJson(objectsOf(container.envFrom)) : [] }
}
