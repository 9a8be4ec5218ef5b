/**
 * The repository part of an image reference: registry and path, without tag or digest.
 * `ghcr.io/openclaw/openclaw:2026.9.6@sha256:…` -> `ghcr.io/openclaw/openclaw`;
 * a registry port (`localhost:5000/openclaw/openclaw`) is kept.
 */
export function imageRepository(image: string): string {
  let reference = image.trim()
  const at = reference.indexOf('@')
  if (at !== -1) reference = reference.slice(0, at)
  const colon = reference.lastIndexOf(':')
  if (colon > reference.lastIndexOf('/')) reference = reference.slice(0, colon)
  return reference
}

/** Compiles the image pattern once per distinct setting value; settings rarely change. */
const compiled = new Map<string, RegExp>()

export function imageMatches(image: unknown, pattern: string): boolean {
  if (typeof image !== 'string' || image === '') return false
  let regex = compiled.get(pattern)
  if (regex === undefined) {
    regex = new RegExp(pattern)
    compiled.set(pattern, regex)
  }
  return regex.test(imageRepository(image))
}
