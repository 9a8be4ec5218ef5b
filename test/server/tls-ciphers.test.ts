// The admission listener's TLS, seen by a real TLS client (node:tls, OpenSSL) over loopback:
// TLS 1.3 by default; over TLS 1.2 only ECDHE with an AEAD cipher, no CBC suite (SHA-1 or
// SHA-2 MAC), no static-RSA key exchange; the same after the certificate is reloaded, and
// with an RSA certificate.
import t, { type Test } from 'tap'
import tls from 'node:tls'
import { startTestServer, type TestServer } from './helpers/server.ts'
import { generate } from 'selfsigned'
import { makeCa, SecretVolume, servingCertificates, tempDir, type TestCa } from '../helpers/tls.ts'
import { until } from '../helpers/wait.ts'

interface Handshake {
  ok: boolean
  version?: string | null
  cipher?: string
  error?: string
}

/** One handshake with the given client options; the negotiated version and suite, or the error. */
function handshake(server: TestServer, options: tls.ConnectionOptions): Promise<Handshake> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: Number(new URL(server.running.url).port), ca: server.ca.cert, servername: 'localhost', ...options }, () => {
      const result = { ok: true, version: socket.getProtocol(), cipher: socket.getCipher().standardName }
      socket.end()
      resolve(result)
    })
    socket.on('error', (error) => resolve({ ok: false, error: /alert [a-z ]+/.exec(error.message)?.[0] ?? error.message }))
  })
}

/** CBC suites a TLS 1.2 client may offer, in OpenSSL's names: SHA-1 and SHA-2 MACs, ECDHE and static RSA. */
const CBC_SUITES = ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-ECDSA-AES128-SHA256', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-RSA-AES128-SHA', 'AES128-SHA', 'AES256-SHA', 'AES128-GCM-SHA256']
const AEAD_SUITES: [string, string][] = [
  ['ECDHE-ECDSA-AES128-GCM-SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256'],
  ['ECDHE-ECDSA-AES256-GCM-SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'],
  ['ECDHE-ECDSA-CHACHA20-POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256'],
]

async function checkSuites(t: Test, server: TestServer, when: string, aead = AEAD_SUITES): Promise<void> {
  const byDefault = await handshake(server, {})
  t.ok(byDefault.ok, `${when}: a default client connects (${byDefault.error ?? byDefault.cipher})`)
  t.equal(byDefault.version, 'TLSv1.3', `${when}: TLS 1.3 is negotiated by default`)

  for (const cipher of CBC_SUITES) {
    const result = await handshake(server, { maxVersion: 'TLSv1.2', ciphers: cipher })
    t.notOk(result.ok, `${when}: TLS 1.2 with only ${cipher} is refused (${result.error ?? `${result.version} ${result.cipher}`})`)
  }
  for (const [cipher, standard] of aead) {
    const result = await handshake(server, { maxVersion: 'TLSv1.2', ciphers: cipher })
    t.same({ ok: result.ok, version: result.version, cipher: result.cipher }, { ok: true, version: 'TLSv1.2', cipher: standard }, `${when}: TLS 1.2 with ${cipher} works`)
  }
  // A client offering CBC first and AEAD after gets the AEAD suite.
  const [cbc, [gcm, gcmStandard]] = aead === AEAD_SUITES ? ['ECDHE-ECDSA-AES128-SHA', AEAD_SUITES[1]!] : ['ECDHE-RSA-AES128-SHA', aead[1]!]
  const mixed = await handshake(server, { maxVersion: 'TLSv1.2', ciphers: `${cbc}:${gcm}` })
  t.equal(mixed.cipher, gcmStandard, `${when}: a client preferring CBC gets AEAD`)
}

t.test('TLS 1.3 by default, and over TLS 1.2 only ECDHE with AES-GCM or ChaCha20-Poly1305', async (t) => {
  const server = await startTestServer(t)
  await checkSuites(t, server, 'at start')
})

t.test('the same suites after the certificate is reloaded', async (t) => {
  const ca = await makeCa()
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const volume = new SecretVolume(dir)
  await volume.init(await ca.leaf())
  const server = await startTestServer(t, { ca, tls: volume, tlsWatch: { debounceMs: 50, pollMs: 0 } })
  const reloads = () => server.logs.records().filter((r) => r.msg === 'serving certificate reloaded').length
  await volume.publish(await ca.leaf())
  await until('the new certificate is loaded', () => reloads() === 1, { intervalMs: 20 })
  await checkSuites(t, server, 'after a reload')
})

t.test('with an RSA certificate (a CA of the user\'s that is RSA): the ECDHE-RSA AEAD suites, no CBC', async (t) => {
  // The certs code signs with the CA's key type (src/certs/generate.ts), so an RSA CA gives an RSA serving certificate.
  const root = await generate([{ name: 'commonName', value: 'rsa test ca' }], {
    keyType: 'rsa',
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, digitalSignature: true, critical: true }],
  })
  const pair = { cert: root.cert, key: root.private }
  const ca: TestCa = { ...pair, leaf: async () => servingCertificates(pair).then((m) => ({ cert: m.cert, key: m.key })) }
  const server = await startTestServer(t, { ca })
  await checkSuites(t, server, 'RSA certificate', [
    ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256'],
    ['ECDHE-RSA-AES256-GCM-SHA384', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
    ['ECDHE-RSA-CHACHA20-POLY1305', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256'],
  ])
})
