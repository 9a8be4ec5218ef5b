// Certificates for tests: a CA and the serving certificates it signs, from our own certs
// code, and the files a server reads them from, written atomically (write aside, rename)
// or as the kubelet lays out a Secret volume.
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { generateCertificates } from '../../src/certs/generate.ts'
import type { CertificateMaterial } from '../../src/certs/generate.ts'

export interface Pair {
  cert: string
  key: string
}

export interface TlsPaths {
  certPath: string
  keyPath: string
}

export interface CertOptions {
  /** Subject CN of the CA and the leaf; localhost unless given. */
  commonName?: string
  validityDays?: number
}

/** A serving certificate for localhost and 127.0.0.1, signed by `ca`, or with a new CA when none is given. */
export function servingCertificates(ca?: Pair, options: CertOptions = {}): Promise<CertificateMaterial> {
  return generateCertificates({
    commonName: options.commonName ?? 'localhost',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    ...(options.validityDays === undefined ? {} : { validityDays: options.validityDays }),
    ...(ca === undefined ? {} : { ca }),
  })
}

export interface TestCa extends Pair {
  /** A new serving certificate for localhost and 127.0.0.1, signed by this CA. */
  leaf(): Promise<Pair>
}

export async function makeCa(options: CertOptions = {}): Promise<TestCa> {
  const first = await servingCertificates(undefined, options)
  const ca = { cert: first.caCert, key: first.caKey }
  return {
    ...ca,
    async leaf() {
      const m = await servingCertificates(ca, options)
      return { cert: m.cert, key: m.key }
    },
  }
}

/**
 * Writes the pair to `target` (a directory: its tls.crt and tls.key) the way a Secret volume
 * update or the certs command would: each file written aside and renamed into place, key first.
 */
export async function writePair(target: string | TlsPaths, pair: Pair): Promise<TlsPaths> {
  const paths = typeof target === 'string' ? { certPath: path.join(target, 'tls.crt'), keyPath: path.join(target, 'tls.key') } : target
  for (const [file, contents] of [[paths.keyPath, pair.key], [paths.certPath, pair.cert]] as const) {
    const tmp = `${file}.tmp-${process.pid}`
    await writeFile(tmp, contents, { mode: 0o600 })
    await rename(tmp, file)
  }
  return paths
}

export async function tempDir(prefix = 'openclaw-injector-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix))
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}

/**
 * A Secret volume as the kubelet's atomic writer lays it out: tls.crt and tls.key are
 * symlinks into `..data`, itself a symlink to a timestamped directory; an update writes
 * a new directory and swaps `..data` with a rename.
 */
export class SecretVolume {
  readonly dir: string
  readonly certPath: string
  readonly keyPath: string
  private generation = 0

  constructor(dir: string) {
    this.dir = dir
    this.certPath = path.join(dir, 'tls.crt')
    this.keyPath = path.join(dir, 'tls.key')
  }

  async init(pair: Pair): Promise<void> {
    await this.publish(pair)
    await symlink('..data/tls.crt', this.certPath)
    await symlink('..data/tls.key', this.keyPath)
  }

  async publish(pair: Pair): Promise<void> {
    const name = `..2026_01_01_00_00_00.${++this.generation}`
    await mkdir(path.join(this.dir, name))
    await writeFile(path.join(this.dir, name, 'tls.crt'), pair.cert)
    await writeFile(path.join(this.dir, name, 'tls.key'), pair.key, { mode: 0o600 })
    await symlink(name, path.join(this.dir, '..data_tmp'))
    await rename(path.join(this.dir, '..data_tmp'), path.join(this.dir, '..data'))
  }
}
