// The serving certificate: loads the PEM pair, checks that key and certificate belong
// together, and keeps the HTTPS server's secure context current when the files change.
// cert-manager and the kubelet update a Secret volume by writing a new timestamped
// directory and swapping the `..data` symlink, so the watch is on the directory (a
// watch on the file would follow the old inode) and debounced; a poll backs it up in
// case a watch event is missed. A half-written or mismatched pair never replaces the
// context in use: the old one stays and the problem is logged until the files are good.
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { SecureContextOptions } from 'node:tls'

export const MIN_TLS_VERSION = 'TLSv1.2'

/**
 * The cipher suites offered, most preferred first. TLS 1.3's three suites, all AEAD (RFC 8446,
 * B.4); for TLS 1.2 only ECDHE key exchange (forward secrecy) with AES-GCM or
 * ChaCha20-Poly1305, for ECDSA and RSA certificates, in the order of Mozilla's "intermediate"
 * server configuration (https://wiki.mozilla.org/Security/Server_Side_TLS) without its DHE
 * suites. Node's default list also offers CBC suites with SHA-1 MACs (its `HIGH` part), which a
 * TLS 1.2 client could pick. Go's crypto/tls, the kube-apiserver's client, offers all of these
 * and ranks AEAD suites first (crypto/tls/cipher_suites.go, cipherSuitesPreferenceOrder).
 */
export const CIPHER_SUITES: readonly string[] = Object.freeze([
  'TLS_AES_128_GCM_SHA256',
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
])

/**
 * The TLS settings of the admission listener, with and without a certificate: TLS 1.2 at least,
 * TLS 1.3 the highest (Node's default maxVersion, which a client that has it negotiates), the
 * suites above in our order.
 */
export const TLS_SETTINGS = Object.freeze({ minVersion: MIN_TLS_VERSION, ciphers: CIPHER_SUITES.join(':'), honorCipherOrder: true }) satisfies SecureContextOptions

export interface TlsFiles {
  certPath: string
  keyPath: string
}

export interface TlsMaterial {
  cert: Buffer
  key: Buffer
  notAfter: Date
  serialNumber: string
  /** Of certificate and key together: tells a real change from a touch. */
  digest: string
}

export class TlsError extends Error {
  override name = 'TlsError'
}

/** Reads and checks the pair; throws a TlsError with one line saying what is wrong. */
export async function loadTlsMaterial(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key] = await readPair(files)
  return checkTlsMaterial(cert, key, files)
}

/**
 * Both files, read side by side. When both fail, the certificate's error is the one thrown, so
 * the same broken pair always gives the same one-line error (Promise.all would throw whichever
 * read failed first).
 */
async function readPair(files: TlsFiles): Promise<[Buffer, Buffer]> {
  const [cert, key] = await Promise.allSettled([read(files.certPath, 'certificate'), read(files.keyPath, 'key')])
  if (cert.status === 'rejected') throw cert.reason
  if (key.status === 'rejected') throw key.reason
  return [cert.value, key.value]
}

/** Identifies a certificate and key pair, to tell a real change from a rewrite of the same files. */
function pairDigest(cert: Buffer, key: Buffer): string {
  return createHash('sha256').update(cert).update('\0').update(key).digest('hex')
}

export function checkTlsMaterial(cert: Buffer, key: Buffer, files: TlsFiles, digest: string = pairDigest(cert, key)): TlsMaterial {
  let x509: X509Certificate
  try {
    x509 = new X509Certificate(cert)
  } catch {
    throw new TlsError(`${files.certPath}: not a PEM certificate`)
  }
  let privateKey
  try {
    privateKey = createPrivateKey(key)
  } catch {
    throw new TlsError(`${files.keyPath}: not a PEM private key (or it is encrypted)`)
  }
  if (!x509.checkPrivateKey(privateKey)) throw new TlsError(`${files.keyPath} does not belong to the certificate in ${files.certPath}`)
  return {
    cert,
    key,
    notAfter: new Date(x509.validTo),
    serialNumber: x509.serialNumber,
    digest,
  }
}

/** The secure context of the admission listener: the pair with TLS_SETTINGS, at start and on every reload. */
export function secureContextOptions(material: TlsMaterial): SecureContextOptions {
  return { cert: material.cert, key: material.key, ...TLS_SETTINGS }
}

async function read(file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (error) {
    throw new TlsError(`cannot read the ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

export interface TlsTarget {
  setSecureContext(options: SecureContextOptions): void
}

export interface TlsLogger {
  info(fields: object, message: string): void
  warn(fields: object, message: string): void
}

export interface TlsWatcherOptions {
  files: TlsFiles
  /** The material the server started with. */
  current: TlsMaterial
  server: TlsTarget
  log: TlsLogger
  /** Called after each reload attempt that found changed files. */
  onReload?: (result: { ok: true; material: TlsMaterial } | { ok: false; error: Error }) => void
  /** Quiet time after the last file event before reading the files. */
  debounceMs?: number
  /** Interval of the backup check; 0 turns it off. */
  pollMs?: number
}

export interface TlsWatcher {
  readonly current: TlsMaterial
  /** Reads the files now and swaps the context if they changed and are good; true when swapped. */
  check(): Promise<boolean>
  close(): void
}

export function watchTls(options: TlsWatcherOptions): TlsWatcher {
  const { files, server, log } = options
  const debounceMs = options.debounceMs ?? 250
  const pollMs = options.pollMs ?? 60_000
  let current = options.current
  /** Digest of the last pair that failed its check, so a bad pair is logged once, not every poll. */
  let lastFailure = ''
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<boolean> | undefined
  let again = false

  const check = (): Promise<boolean> => {
    if (running !== undefined) {
      again = true
      return running
    }
    running = attempt().finally(() => {
      running = undefined
      if (again && !closed) {
        again = false
        void check()
      }
    })
    return running
  }

  const attempt = async (): Promise<boolean> => {
    let cert: Buffer
    let key: Buffer
    try {
      ;[cert, key] = await readPair(files)
    } catch (error) {
      report(error as Error, (error as Error).message)
      return false
    }
    const digest = pairDigest(cert, key)
    if (digest === current.digest || closed) return false
    let material: TlsMaterial
    try {
      material = checkTlsMaterial(cert, key, files, digest)
    } catch (error) {
      report(error as Error, digest)
      return false
    }
    try {
      server.setSecureContext(secureContextOptions(material))
    } catch (error) {
      report(new TlsError(`the new certificate was not accepted: ${(error as Error).message}`), digest)
      return false
    }
    current = material
    lastFailure = ''
    log.info({ certPath: files.certPath, serialNumber: material.serialNumber, notAfter: material.notAfter.toISOString() }, 'serving certificate reloaded')
    options.onReload?.({ ok: true, material })
    return true
  }

  const report = (error: Error, key: string) => {
    if (key === lastFailure) return
    lastFailure = key
    log.warn({ certPath: files.certPath, keyPath: files.keyPath, error: error.message }, 'serving certificate not reloaded; keeping the one in use')
    options.onReload?.({ ok: false, error })
  }

  const schedule = () => {
    if (closed) return
    clearTimeout(timer)
    timer = setTimeout(() => void check(), debounceMs)
    timer.unref()
  }

  const watchers: FSWatcher[] = []
  for (const dir of new Set([path.dirname(path.resolve(files.certPath)), path.dirname(path.resolve(files.keyPath))])) {
    try {
      const watcher = watch(dir, { persistent: false }, schedule)
      watcher.on('error', (error) => log.warn({ dir, error: error.message }, 'watching the certificate directory failed; relying on the periodic check'))
      watchers.push(watcher)
    } catch (error) {
      log.warn({ dir, error: (error as Error).message }, 'cannot watch the certificate directory; relying on the periodic check')
    }
  }
  const poll = pollMs > 0 ? setInterval(() => void check(), pollMs) : undefined
  poll?.unref()

  return {
    get current() {
      return current
    },
    check,
    close() {
      closed = true
      clearTimeout(timer)
      if (poll !== undefined) clearInterval(poll)
      for (const watcher of watchers) watcher.close()
    },
  }
}
