import t from 'tap'
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import os from 'node:os'
import path from 'node:path'
import tls from 'node:tls'
import { generate } from 'selfsigned'
import {
  BACKDATE_MS,
  DAY_MS,
  DEVELOPMENT_DNS_NAMES,
  assessMaterial,
  certificateNotAfter,
  ensureDevelopmentCertificates,
  generateCertificates,
  pruneCaBundle,
  rotatedCaBundle,
  serviceDnsNames,
  splitPemBundle,
  subjectAltNames,
} from '../../src/certs/generate.ts'

const SERVICE_NAMES = serviceDnsNames('openclaw-injector', 'openclaw-injector')

function tmpdir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-certs-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('serviceDnsNames lists the four in-cluster names', async (t) => {
  t.same(serviceDnsNames('web', 'ns'), ['web', 'web.ns', 'web.ns.svc', 'web.ns.svc.cluster.local'])
})

t.test('a new CA and a serving certificate it signs', async (t) => {
  const started = performance.now()
  const m = await generateCertificates({ commonName: 'openclaw-injector.openclaw-injector.svc', dnsNames: SERVICE_NAMES, ipAddresses: ['127.0.0.1', '::1'] })
  t.comment(`CA + serving certificate (ECDSA P-256) in ${(performance.now() - started).toFixed(1)} ms`)
  const ca = new X509Certificate(m.caCert)
  const leaf = new X509Certificate(m.cert)

  t.equal(ca.ca, true, 'CA: basicConstraints CA:TRUE')
  t.match(ca.subject, /^CN=openclaw-injector-ca@\d+-[0-9a-f]{6}$/, 'CA has a distinct name')
  t.equal(ca.subject, ca.issuer, 'CA is self-signed')
  t.ok(ca.verify(ca.publicKey), 'CA self-signature verifies')
  t.equal(ca.checkPrivateKey(createPrivateKey(m.caKey)), true, 'caKey belongs to caCert')

  t.equal(leaf.ca, false, 'leaf is not a CA')
  t.ok(leaf.checkIssued(ca), 'CA issued the leaf')
  t.ok(leaf.verify(ca.publicKey), 'the CA signature on the leaf verifies')
  t.equal(leaf.checkPrivateKey(createPrivateKey(m.key)), true, 'key belongs to cert')
  t.same(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1'], 'extended key usage: serverAuth only')
  t.same(subjectAltNames(leaf), { dnsNames: SERVICE_NAMES, ipAddresses: ['127.0.0.1', '::1'] })
  t.equal(leaf.publicKey.asymmetricKeyType, 'ec')
  t.same(leaf.publicKey.asymmetricKeyDetails, { namedCurve: 'prime256v1' }, 'P-256')
  t.match(m.key, /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS#8 PEM key')

  const now = Date.now()
  t.ok(Math.abs(leaf.validFromDate.getTime() - (now - BACKDATE_MS)) < 5000, 'backdated 5 minutes for clock skew')
  t.ok(Math.abs(m.notAfter.getTime() - (now + 365 * DAY_MS)) < 5000, '365 days by default')
  t.equal(m.notAfter.getTime(), certificateNotAfter(m.cert).getTime(), 'notAfter is the leaf expiry')
  t.equal(ca.validToDate.getTime(), m.notAfter.getTime(), 'the CA lives as long as the leaf')
})

t.test('the material serves TLS that Node accepts for every name', async (t) => {
  const m = await generateCertificates({ commonName: 'localhost', dnsNames: ['localhost', ...SERVICE_NAMES], ipAddresses: ['127.0.0.1'] })
  const server = https.createServer({ cert: m.cert, key: m.key, minVersion: 'TLSv1.2' }, (_req, res) => res.end('ok'))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = (server.address() as AddressInfo).port
  for (const servername of ['localhost', ...SERVICE_NAMES]) {
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, servername, ca: m.caCert, path: '/', headers: { host: servername }, agent: false }, (res) => {
        let text = ''
        res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve(text))
      }).on('error', reject)
    })
    t.equal(body, 'ok', `verified as ${servername}`)
  }
  // by IP, with no SNI
  const byIp = await new Promise<boolean>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: m.caCert }, () => {
      resolve(socket.authorized)
      socket.end()
    })
    socket.on('error', () => resolve(false))
  })
  t.equal(byIp, true, 'verified as 127.0.0.1')
  const wrong = await new Promise<string>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: m.caCert, servername: 'evil.example' }, () => resolve('connected'))
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message))
  })
  t.equal(wrong, 'ERR_TLS_CERT_ALTNAME_INVALID', 'another name is refused')
})

t.test('reusing an existing CA', async (t) => {
  const first = await generateCertificates({ commonName: 'one', dnsNames: ['one'] })
  const second = await generateCertificates({ commonName: 'two', dnsNames: ['two'], ca: { cert: first.caCert, key: first.caKey } })
  t.equal(second.caCert, first.caCert, 'the same CA')
  const leaf = new X509Certificate(second.cert)
  t.ok(leaf.verify(new X509Certificate(first.caCert).publicKey), 'signed by it')

  // an RSA CA made elsewhere: the leaf takes the CA's key type
  const rsaCa = await generate([{ name: 'commonName', value: 'rsa-ca' }], {
    keyType: 'rsa', keySize: 2048, algorithm: 'sha256',
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }],
  })
  const rsaLeaf = await generateCertificates({ commonName: 'three', dnsNames: ['three'], ca: { cert: rsaCa.cert, key: rsaCa.private } })
  const rsaLeafCert = new X509Certificate(rsaLeaf.cert)
  t.equal(rsaLeafCert.publicKey.asymmetricKeyType, 'rsa')
  t.ok(rsaLeafCert.verify(new X509Certificate(rsaCa.cert).publicKey), 'RSA CA signed the RSA leaf')

  // never outlives its CA
  const shortCa = await generate([{ name: 'commonName', value: 'short-ca' }], {
    keyType: 'ec', algorithm: 'sha256', notAfterDate: new Date(Date.now() + 10 * DAY_MS),
    extensions: [{ name: 'basicConstraints', cA: true, critical: true }, { name: 'keyUsage', keyCertSign: true, critical: true }],
  })
  const clamped = await generateCertificates({ commonName: 'four', dnsNames: ['four'], validityDays: 365, ca: { cert: shortCa.cert, key: shortCa.private } })
  t.equal(clamped.notAfter.getTime(), new X509Certificate(shortCa.cert).validToDate.getTime(), 'clamped to the CA expiry')

  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['x'], ca: { cert: first.cert, key: first.key } }), /not a CA/)
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['x'], ca: { cert: first.caCert, key: second.key } }), /does not belong/)
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['x'], ca: { cert: 'nope', key: first.caKey } }), /not a PEM certificate/)
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['x'], ca: { cert: first.caCert, key: 'nope' } }), /not a PEM private key/)
  const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['x'], ca: { cert: first.caCert, key: ed } }), /does not belong|only EC and RSA/)
})

t.test('bad requests are refused with the reason', async (t) => {
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: [] }), /at least one DNS name or IP address/)
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['Not_Valid'] }), /"Not_Valid" is not a valid DNS name/)
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['a'], ipAddresses: ['300.1.1.1'] }), /"300.1.1.1" is not an IP address/)
  await t.rejects(generateCertificates({ commonName: 'CN=x, O=evil', dnsNames: ['a'] }), /common name/)
  await t.rejects(generateCertificates({ commonName: 'x', dnsNames: ['a'], validityDays: 0 }), /validity 0 days/)
  const wildcard = await generateCertificates({ commonName: 'x', dnsNames: ['*.example.com'], validityDays: 1 })
  t.same(subjectAltNames(new X509Certificate(wildcard.cert)).dnsNames, ['*.example.com'], 'a wildcard name is fine')
})

t.test('assessMaterial: what keeps a stored set in service', async (t) => {
  const m = await generateCertificates({ commonName: 'svc', dnsNames: SERVICE_NAMES, ipAddresses: ['127.0.0.1'], validityDays: 100 })
  const other = await generateCertificates({ commonName: 'svc', dnsNames: SERVICE_NAMES, ipAddresses: ['127.0.0.1'], validityDays: 100 })
  const stored = { caCert: m.caCert, cert: m.cert, key: m.key }
  const want = { dnsNames: SERVICE_NAMES, ipAddresses: ['127.0.0.1'], renewBeforeMs: 30 * DAY_MS }

  const ok = assessMaterial(stored, want)
  t.equal(ok.valid, true)
  t.equal(ok.valid && ok.notAfter.getTime(), m.notAfter.getTime())
  t.equal(assessMaterial(stored, { ...want, dnsNames: [...SERVICE_NAMES].reverse() }).valid, true, 'order of names does not matter')
  const v6 = await generateCertificates({ commonName: 'svc', dnsNames: ['svc'], ipAddresses: ['::1'] })
  t.equal(assessMaterial({ caCert: v6.caCert, cert: v6.cert, key: v6.key }, { dnsNames: ['svc'], ipAddresses: ['0:0:0:0:0:0:0:1'], renewBeforeMs: 0 }).valid, true, 'IPv6 compared in canonical form')

  const reason = (overrides: Partial<typeof stored>, w: Partial<typeof want> & { now?: Date } = {}) => {
    const a = assessMaterial({ ...stored, ...overrides }, { ...want, ...w })
    return a.valid ? 'valid' : a.reason
  }
  t.match(reason({ cert: 'garbage' }), /tls.crt: not a PEM certificate/)
  t.match(reason({ caCert: '' }), /ca.crt holds no certificate/)
  t.match(reason({ key: other.key }), /tls.key does not belong to tls.crt/)
  t.match(reason({ key: 'garbage' }), /tls.key is not a PEM private key/)
  t.match(reason({ caCert: other.caCert }), /not issued by ca.crt/)
  t.match(reason({ caCert: m.cert }), /ca.crt is not a CA/)
  t.match(reason({ cert: m.caCert, key: m.caKey }), /tls.crt is a CA certificate/)
  t.match(reason({}, { dnsNames: [...SERVICE_NAMES, 'extra.example'] }), /lacks the names extra.example/)
  t.match(reason({}, { dnsNames: SERVICE_NAMES.slice(1) }), /names no longer asked for: openclaw-injector$/)
  t.match(reason({}, { ipAddresses: [] }), /no longer asked for: 127.0.0.1/)
  t.match(reason({}, { renewBeforeMs: 100 * DAY_MS }), /tls.crt expires on .*, within the renewal window/)
  t.match(reason({}, { now: new Date(Date.now() + 101 * DAY_MS) }), /tls.crt expired on/)
  t.match(reason({}, { now: new Date(Date.now() - DAY_MS) }), /not valid before/)
  t.equal(reason({}, { now: new Date(Date.now() + 69 * DAY_MS) }), 'valid', '31 days left is still fine')
  t.match(reason({}, { now: new Date(Date.now() + 71 * DAY_MS) }), /within the renewal window/, '29 days left is not')

  // a CA bundle: the current CA first, an older one after it
  t.equal(reason({ caCert: m.caCert + other.caCert }), 'valid', 'the first CA of the bundle issued the certificate')
  t.match(reason({ caCert: other.caCert + m.caCert }), /not issued by ca.crt/, 'but only the first counts')
})

t.test('rotatedCaBundle and pruneCaBundle', async (t) => {
  const old = await generateCertificates({ commonName: 'a', dnsNames: ['a'], validityDays: 10 })
  const older = await generateCertificates({ commonName: 'a', dnsNames: ['a'], validityDays: 5 })
  const fresh = await generateCertificates({ commonName: 'a', dnsNames: ['a'] })
  const fp = (pem: string) => new X509Certificate(pem).fingerprint256

  const rotated = splitPemBundle(rotatedCaBundle(fresh.caCert, old.caCert + older.caCert))
  t.same(rotated.map(fp), [fp(fresh.caCert), fp(old.caCert)], 'the new CA, then only the most recent previous one')
  t.same(splitPemBundle(rotatedCaBundle(fresh.caCert, undefined)).map(fp), [fp(fresh.caCert)])
  t.same(splitPemBundle(rotatedCaBundle(fresh.caCert, fresh.caCert)).map(fp), [fp(fresh.caCert)], 'no duplicate')
  t.same(splitPemBundle(rotatedCaBundle(fresh.caCert, old.caCert, new Date(Date.now() + 11 * DAY_MS))).map(fp), [fp(fresh.caCert)], 'an expired previous CA is dropped')
  t.same(splitPemBundle(rotatedCaBundle(fresh.caCert, old.cert)).map(fp), [fp(fresh.caCert)], 'a non-CA is never kept')

  const bundle = fresh.caCert + old.caCert
  t.equal(pruneCaBundle(bundle), splitPemBundle(bundle).join(''), 'nothing expired: unchanged')
  t.same(splitPemBundle(pruneCaBundle(bundle, new Date(Date.now() + 11 * DAY_MS))).map(fp), [fp(fresh.caCert)])
})

t.test('ensureDevelopmentCertificates: once, reused, replaced when stale', async (t) => {
  const dir = path.join(tmpdir(t), 'certs')
  const started = performance.now()
  const first = await ensureDevelopmentCertificates(dir)
  t.comment(`development certificates made in ${(performance.now() - started).toFixed(1)} ms`)
  t.equal(first.created, true)
  t.same(first, { caPath: path.join(dir, 'ca.crt'), certPath: path.join(dir, 'tls.crt'), keyPath: path.join(dir, 'tls.key'), created: true })
  t.same(readdirSync(dir).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'exactly three files, no temp files, no CA key')
  t.equal(statSync(first.keyPath).mode & 0o777, 0o600, 'tls.key is 0600')
  t.equal(statSync(first.certPath).mode & 0o777, 0o644)
  const leaf = new X509Certificate(readFileSync(first.certPath))
  t.same(subjectAltNames(leaf), { dnsNames: DEVELOPMENT_DNS_NAMES, ipAddresses: ['127.0.0.1', '::1'] })
  t.same(DEVELOPMENT_DNS_NAMES, ['localhost', ...SERVICE_NAMES])
  t.ok(leaf.verify(new X509Certificate(readFileSync(first.caPath)).publicKey))

  const certBefore = readFileSync(first.certPath, 'utf8')
  const again = await ensureDevelopmentCertificates(dir)
  t.equal(again.created, false, 'reused')
  t.equal(readFileSync(first.certPath, 'utf8'), certBefore, 'untouched')

  // valid for only 20 more days: replaced
  const short = await generateCertificates({ commonName: 'localhost', dnsNames: DEVELOPMENT_DNS_NAMES, ipAddresses: ['127.0.0.1', '::1'], validityDays: 20 })
  writeFileSync(first.caPath, short.caCert)
  writeFileSync(first.certPath, short.cert)
  writeFileSync(first.keyPath, short.key)
  const renewed = await ensureDevelopmentCertificates(dir)
  t.equal(renewed.created, true, 'replaced a certificate with 20 days left')
  t.ok(certificateNotAfter(readFileSync(first.certPath, 'utf8')).getTime() > Date.now() + 300 * DAY_MS)

  // names changed (an older version's certificate): replaced
  const fewer = await generateCertificates({ commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
  writeFileSync(first.certPath, fewer.cert)
  writeFileSync(first.keyPath, fewer.key)
  writeFileSync(first.caPath, fewer.caCert)
  t.equal((await ensureDevelopmentCertificates(dir)).created, true, 'replaced a certificate with other names')

  // a file missing or garbage: replaced
  rmSync(first.keyPath)
  t.equal((await ensureDevelopmentCertificates(dir)).created, true, 'replaced when tls.key is missing')
  writeFileSync(first.certPath, 'not a certificate')
  t.equal((await ensureDevelopmentCertificates(dir)).created, true, 'replaced when tls.crt is garbage')
  t.equal((await ensureDevelopmentCertificates(dir)).created, false)
  t.same(readdirSync(dir).sort(), ['ca.crt', 'tls.crt', 'tls.key'])
})

t.test('ensureDevelopmentCertificates: servers starting together end with one matching set', async (t) => {
  const dir = path.join(tmpdir(t), 'certs')
  const results = await Promise.all(Array.from({ length: 6 }, () => ensureDevelopmentCertificates(dir)))
  t.equal(results.filter((r) => r.created).length, 1, 'made once')
  const m = { caCert: readFileSync(path.join(dir, 'ca.crt'), 'utf8'), cert: readFileSync(path.join(dir, 'tls.crt'), 'utf8'), key: readFileSync(path.join(dir, 'tls.key'), 'utf8') }
  t.equal(assessMaterial(m, { dnsNames: DEVELOPMENT_DNS_NAMES, ipAddresses: ['127.0.0.1', '::1'], renewBeforeMs: 0 }).valid, true, 'key, certificate and CA belong together')
  t.same(readdirSync(dir).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'the lock is gone')
})

t.test('PEM ends in a newline, so two CAs concatenate into a valid bundle', async (t) => {
  const [a, b] = await Promise.all([generateCertificates({ commonName: 'a', dnsNames: ['a'] }), generateCertificates({ commonName: 'b', dnsNames: ['b'] })])
  for (const pem of [a.caCert, a.caKey, a.cert, a.key]) t.ok(pem.endsWith('-----\n'), 'ends with a newline')
  const bundle = a.caCert + b.caCert
  t.equal(bundle.match(/-----BEGIN CERTIFICATE-----\n/g)?.length, 2)
  t.notMatch(bundle, /-----END CERTIFICATE----------BEGIN/)
})
