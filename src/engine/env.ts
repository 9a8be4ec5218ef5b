// What the engine can know about a container's environment before the pod runs.
import type { V1EnvFromSource, V1EnvVar } from '@kubernetes/client-node'
import type { Container } from './types.ts'
import { copyJson, listOf, objectsOf } from './shape.ts'

export type EnvValue =
  | { kind: 'literal'; value: string }
  /** Set from a Secret, ConfigMap, field or resource, or a literal that expands one of those: known only at run time. */
  | { kind: 'dynamic'; entry: V1EnvVar }

const REFERENCE = /\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g

/**
 * Calls `visit` for each `$(VAR)` reference (`name` the variable) and each `$$` escape (`name`
 * undefined) in `text`, left to right, with the matched text and where it starts. The one reader
 * of `$(VAR)` syntax; a plain loop over RegExp.exec, several times faster than matchAll or a
 * replace callback on the long env lists a hostile pod brings.
 */
function forEachReference(text: string, visit: (name: string | undefined, match: string, index: number) => void): void {
  if (!text.includes('$')) return
  REFERENCE.lastIndex = 0
  for (let match = REFERENCE.exec(text); match !== null; match = REFERENCE.exec(text)) visit(match[1], match[0], match.index)
}

/** The variable names a `$(VAR)` text refers to (env values, subPathExpr), escaped `$$(VAR)` left out. */
export function referencedNames(text: string): Set<string> {
  const names = new Set<string>()
  forEachReference(text, (name) => name !== undefined && names.add(name))
  return names
}

/** The env entries of a container as an array, whatever the input held. */
export function envEntries(container: Container): V1EnvVar[] {
  return objectsOf(container.env).filter((e) => typeof e.name === 'string')
}

export function hasEnv(container: Container, name: string): boolean {
  return envEntries(container).some((e) => e.name === name)
}

/** The names the container's env entries set, for lookups in a loop (hasEnv is one scan each). */
export function envNames(container: Container): Set<string> {
  return new Set(envEntries(container).map((e) => e.name))
}

/**
 * The value the kubelet will give `name` in this container, when it can be known now.
 * Later duplicates win, and `$(VAR)` expands from earlier entries, as the kubelet does it;
 * a reference to a run-time value, or to a name envFrom might define, makes the result dynamic.
 * One pass over the entries: O(entries + the expanded text), which limits.ts bounds
 * (envExpansion) before the engine asks.
 */
export function envValue(container: Container, name: string): EnvValue | undefined {
  const known = new Map<string, EnvValue>()
  const resolve = entryResolver(known, listOf(container.envFrom).length > 0)
  let result: EnvValue | undefined
  for (const entry of envEntries(container)) {
    const value = resolve(entry)
    known.set(entry.name, value)
    if (entry.name === name) result = value
  }
  return result
}

/** Resolves one entry from the values of the entries before it (`known`); one closure per pass, not per entry. */
function entryResolver(known: Map<string, EnvValue>, hasEnvFrom: boolean): (entry: V1EnvVar) => EnvValue {
  let raw = ''
  let value = ''
  let copied = 0
  let dynamic = false
  const visit = (ref: string | undefined, match: string, index: number) => {
    const earlier = ref === undefined ? undefined : known.get(ref)
    if (ref !== undefined && earlier?.kind !== 'literal') {
      if (earlier !== undefined || hasEnvFrom) dynamic = true
      return
    }
    value += raw.slice(copied, index) + (earlier?.kind === 'literal' ? earlier.value : '$')
    copied = index + match.length
  }
  return (entry) => {
    if (entry.valueFrom !== undefined && entry.valueFrom !== null) return { kind: 'dynamic', entry }
    raw = typeof entry.value === 'string' ? entry.value : ''
    value = ''
    copied = 0
    dynamic = false
    forEachReference(raw, visit)
    if (dynamic) return { kind: 'dynamic', entry }
    return { kind: 'literal', value: copied === 0 ? raw : value + raw.slice(copied) }
  }
}

export interface EnvExpansion {
  /** The longest value the container's env entries expand to that is known now, with its entry's name. */
  longest: { name: string; length: number } | undefined
  /** The length of all such values together. */
  total: number
}

/**
 * How long the values envValue would build for this container are, without building them: the
 * same pass as envValue, on lengths. `$(VAR)` chains can double a value with each entry
 * (B=$(A)$(A), C=$(B)$(B), ...), so 30 entries would expand to a gigabyte; limits.ts refuses a
 * pod whose expansion passes what Linux hands a program before the engine expands anything.
 * Lengths are in UTF-16 code units (JavaScript's), never more than the UTF-8 bytes the kernel counts.
 */
export function envExpansion(container: Container): EnvExpansion {
  const hasEnvFrom = listOf(container.envFrom).length > 0
  /** Per name: the length of its literal value, or `dynamic`. */
  const known = new Map<string, number | 'dynamic'>()
  const result: EnvExpansion = { longest: undefined, total: 0 }
  let chars = 0
  let dynamic = false
  const visit = (ref: string | undefined, match: string) => {
    const earlier = ref === undefined ? undefined : known.get(ref)
    if (ref === undefined) chars -= 1
    else if (typeof earlier === 'number') chars += earlier - match.length
    else if (earlier !== undefined || hasEnvFrom) dynamic = true
  }
  for (const entry of envEntries(container)) {
    let length: number | 'dynamic' = 'dynamic'
    if (entry.valueFrom === undefined || entry.valueFrom === null) {
      const raw = typeof entry.value === 'string' ? entry.value : ''
      chars = raw.length
      dynamic = false
      forEachReference(raw, visit)
      if (!dynamic) length = chars
    }
    known.set(entry.name, length)
    if (length === 'dynamic') continue
    result.total += length
    if (result.longest === undefined || length > result.longest.length) result.longest = { name: entry.name, length }
  }
  return result
}

/**
 * Whether one of the container's envFrom sources can define `name`: its prefix is a proper
 * prefix of the name. Which keys a ConfigMap or Secret holds is only known at run time.
 */
export function envFromMayDefine(container: Container, name: string): boolean {
  return envFromDefines(container)(name)
}

/**
 * envFromMayDefine for many names: the prefixes grouped by length, so each name costs one
 * lookup per distinct prefix length, not one comparison per envFrom source.
 */
function envFromDefines(container: Container): (name: string) => boolean {
  const byLength = new Map<number, Set<string>>()
  for (const entry of objectsOf(container.envFrom)) {
    const prefix = typeof entry.prefix === 'string' ? entry.prefix : ''
    const set = byLength.get(prefix.length)
    if (set === undefined) byLength.set(prefix.length, new Set([prefix]))
    else set.add(prefix)
  }
  const lengths = [...byLength.entries()]
  return (name) => lengths.some(([length, prefixes]) => name.length > length && prefixes.has(name.slice(0, length)))
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
  const byName = new Map<string, V1EnvVar[]>()
  for (const entry of entries) {
    const list = byName.get(entry.name)
    if (list === undefined) byName.set(entry.name, [entry])
    else list.push(entry)
  }
  // The transitive closure of the references, each name's entries read once: O(entries + text).
  const needed = new Set(names)
  const pending = [...needed]
  const need = (ref: string | undefined) => ref !== undefined && !needed.has(ref) && (needed.add(ref), pending.push(ref))
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    for (const entry of byName.get(name) ?? []) if (typeof entry.value === 'string') forEachReference(entry.value, need)
  }
  const env = entries.filter((e) => needed.has(e.name)).map((e) => {
    const copy = copyJson(e)
    const field = copy.valueFrom?.resourceFieldRef
    if (field !== undefined && field !== null && !field.containerName) field.containerName = container.name
    return copy
  })
  const mayDefine = envFromDefines(container)
  const fromEnvFrom = [...needed].some((name) => !byName.has(name) && mayDefine(name))
  return { env, envFrom: fromEnvFrom ? copyJson(objectsOf(container.envFrom)) : [] }
}
