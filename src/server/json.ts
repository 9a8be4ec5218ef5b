// JSON.stringify for patches, remembering the JSON form of long strings. Nearly every
// patch carries the same init container command: the sync script, 17 KB of source whose
// escaping (newlines, quotes) costs V8 more than everything else in an answer together.
// The script is one string object, so looking it up costs nothing; other long strings
// are remembered too, within a small bound, since replicas of one pod template arrive
// with the same values. Output is identical to JSON.stringify for JSON data.

const MIN_CACHED_LENGTH = 1024
const MAX_CACHED_LENGTH = 64 * 1024
const MAX_CACHED = 32

const cache = new Map<string, string>()

export function stringifyJson(value: unknown): string {
  const out = write(value)
  // JSON.stringify(undefined) is undefined; patches never are, but keep the contract.
  return out === undefined ? (JSON.stringify(value) as string) : out
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value.length >= MIN_CACHED_LENGTH ? longString(value) : JSON.stringify(value)
    case 'object':
      if (value === null) return 'null'
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return write((value as { toJSON: () => unknown }).toJSON())
      if (Array.isArray(value)) {
        let out = '['
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ','
          out += write(value[i]) ?? 'null'
        }
        return out + ']'
      }
      {
        let out = '{'
        let first = true
        for (const key in value) {
          if (!Object.hasOwn(value, key)) continue
          const item = write((value as Record<string, unknown>)[key])
          if (item === undefined) continue
          out += (first ? '' : ',') + JSON.stringify(key) + ':' + item
          first = false
        }
        return out + '}'
      }
    default:
      // numbers, booleans, undefined, functions, symbols; BigInt throws as JSON.stringify does
      return JSON.stringify(value)
  }
}

function longString(value: string): string {
  const known = cache.get(value)
  if (known !== undefined) return known
  const json = JSON.stringify(value)
  if (value.length <= MAX_CACHED_LENGTH) {
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(value, json)
  }
  return json
}
