// Reading a config or seed file: one descriptor, bounded, no link followed; then the UTF-8 check.
import { MAX_CONFIG_BYTES, OVER_MAX, untouched } from './common.mjs'
import { fs } from './node.mjs'

// Reads file, an absolute path whose last part is no symbolic link (the caller resolved it), through
// one descriptor: opened with O_NOFOLLOW (a link put there since is refused, not followed) and
// O_NONBLOCK (a FIFO or device put there cannot block the open), then fstat on that descriptor decides
// and the bytes come from it: only a regular file of at most MAX_CONFIG_BYTES is read. Returns
// { bytes: Buffer, stat: fs.Stats }; throws a Refusal naming shown (the path as configured) otherwise,
// or the file system's error.
export function readBounded(file, shown) {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants
  let fd
  try { fd = fs.openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK) } catch (e) {
    if (e.code === 'ELOOP') throw untouched(shown, `${file} became a symbolic link while being opened`)
    throw e
  }
  try {
    const stat = fs.fstatSync(fd)
    if (!stat.isFile()) throw untouched(shown, 'not a regular file')
    if (stat.size > MAX_CONFIG_BYTES) throw untouched(shown, `${stat.size} bytes, ${OVER_MAX}`)
    const bytes = Buffer.alloc(stat.size + 1) // one more: a file that grows past its fstat size is caught
    let length = 0
    for (let n = 1; n > 0 && length < bytes.length; length += n) n = fs.readSync(fd, bytes, length, bytes.length - length, null)
    if (length > stat.size) throw untouched(shown, 'grew while being read')
    return { bytes: bytes.subarray(0, length), stat }
  } finally {
    fs.closeSync(fd)
  }
}

// The text of the bytes read from file (named in a refusal): UTF-8, as OpenClaw reads it. Bytes that
// are not UTF-8 are refused: the lenient decoding OpenClaw does turns them into U+FFFD, which a
// rewrite would write back. A byte order mark stays, as in OpenClaw's text: JSON5 takes it for space.
export function decodeConfig(file, bytes) {
  // Made outside the try: a Node without ICU refuses `fatal`, and says so itself.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })
  try { return decoder.decode(bytes) } catch {
    throw untouched(file, 'not valid UTF-8, which a rewrite would not keep')
  }
}
