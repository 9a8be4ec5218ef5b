// Files a child run as another uid must open: the Node binary and the sync script live in the
// checkout, and a checkout inside a directory only its owner can enter (root's home is 0700,
// so is a `mkdir -m 700` workspace) is out of that child's reach. Each file gets a copy (a hard
// link where the filesystem allows) in one directory under the system temp dir that everyone
// can traverse, removed when the test process exits.
import { copyFileSync, chmodSync, linkSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

let shared: string | undefined
const copies = new Map<string, string>()

function sharedDir(): string {
  if (shared === undefined) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oci-reachable-'))
    chmodSync(dir, 0o755)
    shared = dir
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
  }
  return shared
}

/**
 * The path of a copy of `file` that any uid can read and execute (mode 0755 in a 0755 directory
 * under os.tmpdir()). One copy per file and process. Throws what the copy throws.
 */
export function reachableCopy(file: string): string {
  const known = copies.get(file)
  if (known !== undefined) return known
  const taken = [...copies.values()].some((p) => path.basename(p) === path.basename(file))
  const target = path.join(sharedDir(), taken ? `${copies.size}-${path.basename(file)}` : path.basename(file))
  // A hard link shares the original's inode and mode: only when others may already read it
  // (and execute it), so that nothing in the checkout changes.
  let linked = false
  if ((statSync(file).mode & 0o005) === 0o005) {
    try {
      linkSync(file, target)
      linked = true
    } catch {
      /* another filesystem: copy */
    }
  }
  if (!linked) {
    copyFileSync(file, target)
    chmodSync(target, 0o755)
  }
  copies.set(file, target)
  return target
}

/** The running Node binary, reachable by any uid. */
export function reachableNode(): string {
  return reachableCopy(process.execPath)
}
