// The webhook's certificates: a private CA and a serving certificate it signs, made with
// `selfsigned` (v5: async, WebCrypto keys, can sign a leaf with a separate CA through its
// `ca` option). ECDSA P-256 with SHA-256 throughout: Go's crypto/tls (the kube-apiserver
// calling the webhook) and Node's TLS both accept it, and a key pair takes a few
// milliseconds where RSA 2048 takes tens to hundreds.
//
// Also the pure checks the `certs` command and `serve` build on: what a certificate says
// (names, expiry, issuer) and whether a stored set is still good for given names.
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises'
import { isIP } from 'node:net'
import { isDnsName } from '../names.ts'
import path from 'node:path'
import { generate } from 'selfsigned'

export interface CertificateMaterial {
  /** PEM of the CA that signed `cert`. */
  caCert: string
  /** PEM (PKCS#8) of the CA's private key. Keep it only when more leaves are to be signed. */
  caKey: string
  /** PEM of the serving certificate. */
  cert: string
  /** PEM (PKCS#8) of the serving certificate's private key. */
  key: string
  /** When the serving certificate expires. */
  notAfter: Date
}

export interface CertificateRequest {
  commonName: string
  dnsNames: string[]
  ipAddresses?: string[]
  /** Validity of the serving certificate (and of a new CA), in days. Default 365. */
  validityDays?: number
  /** Reuse an existing CA instead of making one; the serving certificate never outlives it. */
  ca?: { cert: string; key: string }
}

export const DEFAULT_VALIDITY_DAYS = 365
/** Certificates start this long before "now", so a node whose clock is a little behind still accepts them. */
export const BACKDATE_MS = 5 * 60 * 1000
export const DAY_MS = 24 * 60 * 60 * 1000

export class CertificateError extends Error {
  override name = 'CertificateError'
}

// selfsigned joins subject attributes as "CN=value, ..." text, so a common name must not carry
// the characters that syntax gives meaning to (, + = " \ < > ; #).
const COMMON_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:@*-]{0,63}$/

/** The names a Service answers to inside the cluster: NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  const base = `${service}.${namespace}`
  return [service, base, `${base}.svc`, `${base}.svc.cluster.local`]
}

/** When a certificate (the first in `pem`) expires. */
export function certificateNotAfter(pem: string): Date {
  return parseCertificate(pem, 'certificate').validToDate
}

/** Makes a CA (or reuses `req.ca`) and a serving certificate it signs for the requested names. */
export async function generateCertificates(req: CertificateRequest): Promise<CertificateMaterial> {
  const dnsNames = [...new Set(req.dnsNames)]
  const ipAddresses = [...new Set(req.ipAddresses ?? [])]
  if (!COMMON_NAME.test(req.commonName)) throw new CertificateError(`common name ${JSON.stringify(req.commonName)}: use at most 64 letters, digits, spaces and . _ : @ * -`)
  if (dnsNames.length + ipAddresses.length === 0) throw new CertificateError('a serving certificate needs at least one DNS name or IP address')
  for (const name of dnsNames) {
    if (!isDnsName(name)) throw new CertificateError(`${JSON.stringify(name)} is not a valid DNS name (lowercase RFC 1123)`)
  }
  for (const ip of ipAddresses) {
    if (isIP(ip) === 0) throw new CertificateError(`${JSON.stringify(ip)} is not an IP address`)
  }
  const validityDays = req.validityDays ?? DEFAULT_VALIDITY_DAYS
  if (!Number.isFinite(validityDays) || validityDays <= 0 || validityDays > 3650) throw new CertificateError(`validity ${validityDays} days: expected more than 0 and at most 3650`)

  const now = Date.now()
  const notBefore = new Date(now - BACKDATE_MS)
  let notAfter = new Date(now + validityDays * DAY_MS)
  let ca: { cert: string; key: string }
  let keyType: 'ec' | 'rsa' = 'ec'

  if (req.ca === undefined) {
    ca = await newCa(now, notBefore, notAfter)
  } else {
    const caCert = parseCertificate(req.ca.cert, 'CA certificate')
    let caKey
    try {
      caKey = createPrivateKey(req.ca.key)
    } catch (error) {
      throw new CertificateError(`CA key: not a PEM private key (${(error as Error).message})`)
    }
    if (!caCert.ca) throw new CertificateError(`CA certificate ${caCert.subject}: not a CA (basicConstraints CA:FALSE or missing)`)
    if (!caCert.checkPrivateKey(caKey)) throw new CertificateError(`CA key does not belong to CA certificate ${caCert.subject}`)
    if (caCert.validToDate.getTime() <= now) throw new CertificateError(`CA certificate ${caCert.subject} expired on ${caCert.validTo}`)
    // selfsigned signs with the leaf's key type, so the leaf takes the CA's.
    if (caKey.asymmetricKeyType === 'rsa') keyType = 'rsa'
    else if (caKey.asymmetricKeyType !== 'ec') throw new CertificateError(`CA key type ${caKey.asymmetricKeyType}: only EC and RSA CAs are supported`)
    if (caCert.validToDate < notAfter) notAfter = caCert.validToDate
    ca = { cert: req.ca.cert, key: caKey.export({ type: 'pkcs8', format: 'pem' }).toString() }
  }

  const leaf = await generate([{ name: 'commonName', value: req.commonName }], {
    keyType,
    ...(keyType === 'rsa' ? { keySize: 2048 } : { curve: 'P-256' as const }),
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    ca,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      // keyEncipherment only means something for RSA key exchange
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: keyType === 'rsa', critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...dnsNames.map((value) => ({ type: 2 as const, value })), ...ipAddresses.map((ip) => ({ type: 7 as const, ip }))],
      },
    ],
  })
  return { caCert: pemLine(ca.cert), caKey: pemLine(ca.key), cert: pemLine(leaf.cert), key: pemLine(leaf.private), notAfter: certificateNotAfter(leaf.cert) }
}

/** PEM ending in a newline, so that bundles made by plain concatenation stay parseable (Go's pem.Decode needs it). */
function pemLine(pem: string): string {
  const trimmed = pem.replace(/\r\n/g, '\n').trimEnd()
  return trimmed + '\n'
}

async function newCa(now: number, notBefore: Date, notAfter: Date): Promise<{ cert: string; key: string }> {
  // A distinct name per CA (as Kubernetes' own self-signed certificates do): while an old and a
  // new CA share a trust bundle during rotation, verifiers tell them apart by name alone.
  const name = `openclaw-injector-ca@${Math.floor(now / 1000)}-${randomBytes(3).toString('hex')}`
  const ca = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  })
  return { cert: ca.cert, key: ca.private }
}

// ---------------------------------------------------------------------------
// Reading certificates

export function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem)
  } catch (error) {
    throw new CertificateError(`${what}: not a PEM certificate (${(error as Error).message})`)
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/** Every certificate of a PEM bundle, in order; normalised to one trailing newline each. */
export function splitPemBundle(bundle: string): string[] {
  return [...bundle.matchAll(PEM_BLOCK)].map((m) => m[0] + '\n')
}

export interface SubjectAltNames {
  dnsNames: string[]
  ipAddresses: string[]
}

/** DNS names and IP addresses of a certificate's subjectAltName; IPv6 addresses in canonical short form. */
export function subjectAltNames(cert: X509Certificate): SubjectAltNames {
  const result: SubjectAltNames = { dnsNames: [], ipAddresses: [] }
  const text = cert.subjectAltName
  if (text === undefined) return result
  // Node prints "DNS:a, IP Address:1.2.3.4"; values with special characters come JSON-quoted.
  for (const match of text.matchAll(/(DNS|IP Address):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    const raw = match[2] ?? ''
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw
    if (match[1] === 'DNS') result.dnsNames.push(value)
    else result.ipAddresses.push(canonicalIp(value))
  }
  return result
}

/** `0:0:0:0:0:0:0:1` -> `::1`; IPv4 unchanged. */
export function canonicalIp(ip: string): string {
  if (isIP(ip) !== 6) return ip
  try {
    return new URL(`http://[${ip}]/`).hostname.slice(1, -1)
  } catch {
    return ip
  }
}

// ---------------------------------------------------------------------------
// Is a stored set still good?

export interface StoredMaterial {
  /** The CA bundle: the current CA first, possibly followed by a previous one still being trusted. */
  caCert: string
  cert: string
  key: string
}

export interface Expectation {
  dnsNames: string[]
  ipAddresses?: string[]
  /** Renew when the certificate or its CA expires within this many milliseconds. */
  renewBeforeMs: number
  now?: Date
}

export type Assessment = { valid: true; notAfter: Date } | { valid: false; reason: string }

/**
 * Whether stored material can keep serving: everything parses, the key belongs to the
 * certificate, the certificate is a non-CA serving certificate for exactly the expected
 * names, the first certificate of the CA bundle issued and verifies it, and neither
 * expires within the renewal window. The reason is one short phrase.
 */
export function assessMaterial(material: StoredMaterial, expected: Expectation): Assessment {
  const now = (expected.now ?? new Date()).getTime()
  let cert: X509Certificate
  let ca: X509Certificate
  try {
    cert = parseCertificate(material.cert, 'tls.crt')
    const first = splitPemBundle(material.caCert)[0]
    if (first === undefined) return { valid: false, reason: 'ca.crt holds no certificate' }
    ca = parseCertificate(first, 'ca.crt')
  } catch (error) {
    return { valid: false, reason: (error as Error).message }
  }
  try {
    const key = createPrivateKey(material.key)
    if (!cert.checkPrivateKey(key)) return { valid: false, reason: 'tls.key does not belong to tls.crt' }
  } catch {
    return { valid: false, reason: 'tls.key is not a PEM private key' }
  }
  if (cert.ca) return { valid: false, reason: 'tls.crt is a CA certificate' }
  if (!ca.ca) return { valid: false, reason: 'ca.crt is not a CA certificate' }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return { valid: false, reason: 'tls.crt was not issued by ca.crt' }

  const sans = subjectAltNames(cert)
  const want = { dnsNames: [...new Set(expected.dnsNames)], ipAddresses: [...new Set((expected.ipAddresses ?? []).map(canonicalIp))] }
  const missing = [...want.dnsNames.filter((n) => !sans.dnsNames.includes(n)), ...want.ipAddresses.filter((n) => !sans.ipAddresses.includes(n))]
  const extra = [...sans.dnsNames.filter((n) => !want.dnsNames.includes(n)), ...sans.ipAddresses.filter((n) => !want.ipAddresses.includes(n))]
  if (missing.length > 0) return { valid: false, reason: `tls.crt lacks the names ${missing.join(', ')}` }
  if (extra.length > 0) return { valid: false, reason: `tls.crt has names no longer asked for: ${extra.join(', ')}` }

  if (cert.validFromDate.getTime() > now) return { valid: false, reason: `tls.crt is not valid before ${cert.validFromDate.toISOString()}` }
  const renewAt = now + expected.renewBeforeMs
  if (cert.validToDate.getTime() <= now) return { valid: false, reason: `tls.crt expired on ${cert.validToDate.toISOString()}` }
  if (ca.validToDate.getTime() <= now) return { valid: false, reason: `ca.crt expired on ${ca.validToDate.toISOString()}` }
  if (cert.validToDate.getTime() <= renewAt) return { valid: false, reason: `tls.crt expires on ${cert.validToDate.toISOString()}, within the renewal window` }
  if (ca.validToDate.getTime() <= renewAt) return { valid: false, reason: `ca.crt expires on ${ca.validToDate.toISOString()}, within the renewal window` }
  return { valid: true, notAfter: cert.validToDate }
}

/**
 * The CA bundle to trust after a renewal: the new CA first, then the previous bundle's
 * certificates that are still valid and are not the new one, so that the API server keeps
 * trusting the old serving certificate until every webhook pod has loaded the new one.
 */
export function rotatedCaBundle(newCa: string, previousBundle: string | undefined, now: Date = new Date()): string {
  const fresh = parseCertificate(newCa, 'new CA')
  const kept = splitPemBundle(previousBundle ?? '').filter((pem) => {
    try {
      const c = new X509Certificate(pem)
      return c.ca && c.validToDate.getTime() > now.getTime() && c.fingerprint256 !== fresh.fingerprint256
    } catch {
      return false
    }
  })
  return [splitPemBundle(newCa)[0] ?? newCa, ...kept.slice(0, 1)].join('')
}

/** The bundle without certificates that have expired (or do not parse); the order is kept. */
export function pruneCaBundle(bundle: string, now: Date = new Date()): string {
  const all = splitPemBundle(bundle)
  const live = all.filter((pem) => {
    try {
      return new X509Certificate(pem).validToDate.getTime() > now.getTime()
    } catch {
      return false
    }
  })
  return live.join('')
}

// ---------------------------------------------------------------------------
// Files

/** Writes a file so that readers see the old or the new contents, never a mix (temp file + rename). */
export async function writeFileAtomic(file: string, contents: string, mode: number): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  // created with the final mode, so a key is never readable by others, not even for a moment
  const handle = await open(tmp, 'wx', mode)
  try {
    await handle.writeFile(contents)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(tmp, { force: true })
    throw error
  }
  await handle.close()
  await chmod(tmp, mode)
  try {
    await rename(tmp, file)
  } catch (error) {
    await rm(tmp, { force: true })
    throw error
  }
}

export interface CertificateFiles {
  caPath: string
  certPath: string
  keyPath: string
}

export function certificatePaths(dir: string): CertificateFiles {
  return { caPath: path.join(dir, 'ca.crt'), certPath: path.join(dir, 'tls.crt'), keyPath: path.join(dir, 'tls.key') }
}

/** Reads ca.crt, tls.crt and tls.key from a directory; undefined when any is missing. */
export async function readCertificateDir(dir: string): Promise<StoredMaterial | undefined> {
  const paths = certificatePaths(dir)
  try {
    const [caCert, cert, key] = await Promise.all([readFile(paths.caPath, 'utf8'), readFile(paths.certPath, 'utf8'), readFile(paths.keyPath, 'utf8')])
    return { caCert, cert, key }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/**
 * Writes ca.crt, tls.key (0600) and tls.crt, each atomically, in that order: a server that
 * reloads when tls.crt changes finds the matching key already in place.
 */
export async function writeCertificateDir(dir: string, material: StoredMaterial): Promise<CertificateFiles> {
  const paths = certificatePaths(dir)
  await mkdir(dir, { recursive: true })
  await writeFileAtomic(paths.caPath, material.caCert, 0o644)
  await writeFileAtomic(paths.keyPath, material.key, 0o600)
  await writeFileAtomic(paths.certPath, material.cert, 0o644)
  return paths
}

// ---------------------------------------------------------------------------
// The development certificate of `npm start`

export const DEVELOPMENT_SERVICE = 'openclaw-injector'
export const DEVELOPMENT_NAMESPACE = 'openclaw-injector'
export const DEVELOPMENT_DNS_NAMES = ['localhost', ...serviceDnsNames(DEVELOPMENT_SERVICE, DEVELOPMENT_NAMESPACE)]
export const DEVELOPMENT_IP_ADDRESSES = ['127.0.0.1', '::1']
/** A development certificate is replaced when it has 30 days or less left. */
export const DEVELOPMENT_RENEW_BEFORE_MS = 30 * DAY_MS

/**
 * The CA and serving certificate `serve` uses when given no --tls-cert/--tls-key: made once
 * into `dir` (ca.crt, tls.crt, tls.key with mode 0600), reused while they hold the expected
 * names and stay valid for more than 30 days. The CA key is not kept.
 */
export async function ensureDevelopmentCertificates(dir: string): Promise<{ caPath: string; certPath: string; keyPath: string; created: boolean }> {
  const paths = certificatePaths(dir)
  const expected: Expectation = { dnsNames: DEVELOPMENT_DNS_NAMES, ipAddresses: DEVELOPMENT_IP_ADDRESSES, renewBeforeMs: DEVELOPMENT_RENEW_BEFORE_MS }
  const good = async () => {
    const existing = await readCertificateDir(dir)
    return existing !== undefined && assessMaterial(existing, expected).valid
  }
  if (await good()) return { ...paths, created: false }
  await mkdir(dir, { recursive: true })
  // Two servers starting at once must not each write some of the three files.
  const release = await lockDirectory(dir)
  try {
    if (await good()) return { ...paths, created: false }
    const material = await generateCertificates({ commonName: 'localhost', dnsNames: DEVELOPMENT_DNS_NAMES, ipAddresses: DEVELOPMENT_IP_ADDRESSES })
    await writeCertificateDir(dir, { caCert: material.caCert, cert: material.cert, key: material.key })
    return { ...paths, created: true }
  } finally {
    await release()
  }
}

/** An exclusive lock file in dir; one left by a crashed process is taken over after 30 s. */
async function lockDirectory(dir: string): Promise<() => Promise<void>> {
  const lock = path.join(dir, '.lock')
  const deadline = Date.now() + 60_000
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600)
      await handle.close()
      return () => rm(lock, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0)
    if (age > 30_000) await rm(lock, { force: true })
    else if (Date.now() > deadline) throw new CertificateError(`${lock} is held by another process; remove it if none is running`)
    else await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
