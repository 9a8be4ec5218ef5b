// Writing the config: where to (a symlinked config is written through), whether it can be, and the
// crash-safe replace. The only module that changes anything on the volume.
import { Refusal, log } from './common.mjs'
import { fs, path, crypto } from './node.mjs'

// A temp file left by a killed run is removed only once this old: a run in progress elsewhere
// (another pod on a shared volume) must not lose its temp file.
export const STALE_TEMP_MS = 10 * 60 * 1000

// Removes only our own temp files: ".<name>.openclaw-injector-<pid>-<8 hex>.tmp".
export function removeStaleTemps(file) {
  const dir = path.dirname(file)
  const base = path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const ours = new RegExp(`^\\.${base}\\.openclaw-injector-\\d+-[0-9a-f]{8}\\.tmp$`)
  let names = []
  try { names = fs.readdirSync(dir).filter((n) => ours.test(n)).map((n) => path.join(dir, n)) } catch { return }
  for (const name of names) {
    try {
      const st = fs.lstatSync(name)
      if (!st.isFile() || Date.now() - st.mtimeMs < STALE_TEMP_MS) continue
      fs.unlinkSync(name)
      log(`removed stale temporary file ${name}`)
    } catch { /* best effort: a leftover temp file does no harm */ }
  }
}

// Crash-safe replace: write a temp file in the same directory, fsync, rename over the target,
// fsync the directory. A process killed at any instant leaves the old file or the new one.
export function writeAtomic(file, data, original) {
  const dir = path.dirname(file)
  const tmp = path.join(dir, `.${path.basename(file)}.openclaw-injector-${process.pid}-${crypto.randomBytes(4).toString('hex')}.tmp`)
  const fd = fs.openSync(tmp, 'wx', 0o600) // 'wx': never follows or reuses an existing path
  let open = true
  try {
    fs.fchmodSync(fd, 0o600) // a credential file; also whatever the umask says
    const mine = fs.fstatSync(fd)
    if (original && (mine.uid !== original.uid || mine.gid !== original.gid)) {
      try { fs.fchownSync(fd, original.uid, original.gid) } catch (e) { if (e.code !== 'EPERM') throw e }
    }
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data)
    for (let off = 0; off < buf.length;) off += fs.writeSync(fd, buf, off, buf.length - off)
    fs.fsyncSync(fd)
    fs.closeSync(fd)
    open = false
    fs.renameSync(tmp, file)
  } catch (e) {
    if (open) fs.closeSync(fd)
    try { fs.unlinkSync(tmp) } catch { /* the original error matters */ }
    throw e
  }
  let dfd
  try {
    dfd = fs.openSync(dir, 'r')
    fs.fsyncSync(dfd) // makes the rename durable
  } catch (e) {
    if (!['EINVAL', 'ENOTSUP', 'EISDIR', 'EACCES'].includes(e.code)) throw e // fs without dir fsync
  } finally {
    if (dfd !== undefined) fs.closeSync(dfd)
  }
}

// Creates stateDir (mode 0700, whatever the umask says) when it does not exist, and says so.
export function createStateDir(stateDir) {
  if (fs.existsSync(stateDir)) return
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 })
  fs.chmodSync(stateDir, 0o700)
  log(`created state directory ${stateDir}`)
}

// Whether dir is on a read-only mount (a readOnly volumeMount, a read-only PVC): EROFS.
export function readOnlyDir(dir) {
  try { fs.accessSync(dir, fs.constants.W_OK) } catch (e) { return e.code === 'EROFS' }
  return false
}

// The file to write: a symlinked config is written through to its target, so the link survives.
export function resolveTarget(configPath) {
  let st
  try { st = fs.lstatSync(configPath) } catch (e) {
    if (e.code === 'ENOENT') return { file: configPath, stat: null }
    throw e
  }
  let file = configPath
  if (st.isSymbolicLink()) {
    try { file = fs.realpathSync(configPath) } catch (e) {
      // The gateway, with the same mounts, finds no file there either.
      if (e.code === 'ENOENT') return { file: configPath, stat: null, dangling: true }
      throw e
    }
    st = fs.statSync(file)
  }
  if (!st.isFile()) throw new Refusal(`${configPath} is not a regular file; nothing written`)
  return { file, stat: st }
}
