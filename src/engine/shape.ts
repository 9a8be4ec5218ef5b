// Reading pods defensively: the webhook gets whatever a client sent, and the engine must
// neither throw on a wrong type nor patch from one.
import rfdc from 'rfdc'

/**
 * A deep copy of a JSON value (plain objects, arrays, strings, numbers, booleans, null), for
 * what the engine copies out of the pod into its patch. rfdc rather than structuredClone:
 * structuredClone serialises through V8's value serializer, ~5 µs for one env entry, and the
 * engine makes several per pod; rfdc walks the value directly.
 */
export const copyJson: <T>(value: T) => T = rfdc({ proto: false, circles: false })

/** A list field as an array; anything else (absent, null, a wrong type) as empty. */
export function listOf<T>(value: readonly T[] | null | undefined): readonly T[] {
  return Array.isArray(value) ? value : []
}

/** The object entries of a list field, skipping null and non-object entries. */
export function objectsOf<T extends object>(value: readonly (T | null | undefined)[] | null | undefined): T[] {
  return listOf(value).filter((item): item is T => isRecord(item))
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}
