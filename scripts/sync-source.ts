// The readable source of the in-pod sync program, as scripts/build.ts bundles it and the tests
// check a build against it: the ES modules in src/sync/ and their digest.
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'

/** The directory of the sync program's modules, relative to the repository root. */
export const SYNC_DIR = 'src/sync'
/** Its entry module, the one the bundle starts from (named on each shipped form's first line). */
export const SYNC_ENTRY = `${SYNC_DIR}/main.mjs`

/** The names of the sync program's modules (`*.mjs` in SYNC_DIR under root), in name order. */
export function syncModules(root: string): string[] {
  return readdirSync(path.join(root, SYNC_DIR)).filter((n) => n.endsWith('.mjs')).sort()
}

/**
 * sha256 (hex) over all the sync program's modules under root, in name order, each as its name, a
 * NUL, its length in bytes, a NUL and its bytes: a change to any module, or a module added, removed
 * or renamed, changes it. Throws the file system's error when SYNC_DIR cannot be read.
 */
export function syncSourceSha256(root: string): string {
  const hash = createHash('sha256')
  for (const name of syncModules(root)) {
    const bytes = readFileSync(path.join(root, SYNC_DIR, name))
    hash.update(`${name}\0${bytes.length}\0`).update(bytes)
  }
  return hash.digest('hex')
}
