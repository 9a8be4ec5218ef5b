// Certificates for server tests: one CA per test file, leaves it signs on demand, and
// the files a Secret volume would hold, written the way the kubelet writes them.
import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { generateCertificates } from '../../../src/certs/generate.ts'

export interface Pair {
  cert: string
  key: string
}

export interface TestCa {
  cert: string
  key: string
  /** A new serving certificate for localhost and 127.0.0.1, signed by this CA. */
  leaf(): Promise<Pair>
}

export async function makeCa(): Promise<TestCa> {
  const first = await generateCertificates({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
  const ca = { cert: first.caCert, key: first.caKey }
  return {
    ...ca,
    async leaf() {
      const m = await generateCertificates({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], ca })
      return { cert: m.cert, key: m.key }
    },
  }
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
