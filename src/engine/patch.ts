// RFC 6902 patch from the original pod to the mutated one, as controller-runtime computes it:
// from the two objects, not from a list of intended edits. Arrays the engine only inserts into
// get one `add` per new element, so a user's array is never replaced wholesale.
import { isRecord } from './shape.ts'
import type { PatchOperation } from './types.ts'

export function createPatch(before: unknown, after: unknown): PatchOperation[] {
  const operations: PatchOperation[] = []
  diff(before, after, '', operations)
  return operations
}

/** JSON-pointer escaping (RFC 6901): `~` -> `~0`, `/` -> `~1`. */
export function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1')
}

function diff(before: unknown, after: unknown, path: string, operations: PatchOperation[]): void {
  if (before === after) return
  if (isRecord(before) && isRecord(after)) {
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) operations.push({ op: 'remove', path: `${path}/${escapePointer(key)}` })
    }
    for (const [key, value] of Object.entries(after)) {
      const child = `${path}/${escapePointer(key)}`
      if (!Object.hasOwn(before, key)) operations.push({ op: 'add', path: child, value })
      else diff(before[key], value, child, operations)
    }
    return
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    diffArray(before, after, path, operations)
    return
  }
  if (deepEqual(before, after)) return
  operations.push({ op: 'replace', path, value: after })
}

function diffArray(before: unknown[], after: unknown[], path: string, operations: PatchOperation[]): void {
  const inserted = insertions(before, after)
  if (inserted !== undefined) {
    // Ascending final positions: each add lands where every earlier element already stands.
    for (const index of inserted) operations.push({ op: 'add', path: `${path}/${index}`, value: after[index] })
    return
  }
  if (before.length === after.length) {
    for (let i = 0; i < after.length; i++) {
      const [a, b] = [before[i], after[i]]
      if (isRecord(a) && isRecord(b) && isDifferentElement(a, b)) operations.push({ op: 'replace', path: `${path}/${i}`, value: b })
      else diff(a, b, `${path}/${i}`, operations)
    }
    return
  }
  operations.push({ op: 'replace', path, value: after })
}

/** A named element whose name or command changed is another element (a swapped container), not an edit of it. */
function isDifferentElement(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a.name !== b.name || !deepEqual(a.command, b.command)
}

/** Indexes in `after` of the elements added to `before`, when `before` is a subsequence of `after`. */
function insertions(before: unknown[], after: unknown[]): number[] | undefined {
  if (after.length <= before.length) return undefined
  const added: number[] = []
  let next = 0
  for (let j = 0; j < after.length; j++) {
    if (next < before.length && deepEqual(before[next], after[j])) next++
    else added.push(j)
  }
  return next === before.length ? added : undefined
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]))
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a)
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
  }
  return false
}
