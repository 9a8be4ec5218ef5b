// Certificate rotation on disk, as cert-manager and the kubelet do it: new connections
// get the new certificate, open keep-alive connections and in-flight requests finish on
// the old one, a mismatched pair never replaces a good one.
import t from 'tap'
import https from 'node:https'
import path from 'node:path'
import { writeFile, rename } from 'node:fs/promises'
import type { TLSSocket } from 'node:tls'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'
import { startTestServer, type TestServer } from './helpers/server.ts'
import { makeCa, SecretVolume, tempDir, writePair, type Pair } from '../helpers/tls.ts'
import { until as untilWithin } from '../helpers/wait.ts'
import { X509Certificate } from 'node:crypto'

const serial = (pem: string) => new X509Certificate(pem).serialNumber.toUpperCase()

/** POSTs a review over `agent` and reports which certificate the connection presented. */
function admit(server: TestServer, agent: https.Agent): Promise<{ status: number; serial: string; socket: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${server.running.url}/mutate`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      const socket = res.socket as TLSSocket
      const peer = socket.getPeerCertificate().serialNumber.toUpperCase()
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode ?? 0, serial: peer, socket }))
    })
    req.on('error', reject)
    req.end(JSON.stringify(review(chartPod())))
  })
}

const until = (what: string, check: () => boolean | Promise<boolean>) => untilWithin(what, check, { intervalMs: 20 })

const ca = await makeCa()

t.test('a ..data symlink swap is picked up; old connections finish, new ones see the new certificate', async (t) => {
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const volume = new SecretVolume(dir)
  const first = await ca.leaf()
  await volume.init(first)
  const server = await startTestServer(t, { ca, tls: volume, tlsWatch: { debounceMs: 50, pollMs: 0 } })
  const kept = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.cert })
  t.teardown(() => kept.destroy())

  const before = await admit(server, kept)
  t.equal(before.status, 200)
  t.equal(before.serial, serial(first.cert), 'the first certificate is served')

  // A request in flight across the rotation: headers and half the body now, the rest later.
  const body = JSON.stringify(review(chartPod(), { uid: 'in-flight' }))
  const slowAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: ca.cert })
  t.teardown(() => slowAgent.destroy())
  let finish!: () => void
  const slow = new Promise<{ status: number; uid: string; serial: string }>((resolve, reject) => {
    const req = https.request(`${server.running.url}/mutate`, { method: 'POST', agent: slowAgent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      const peer = (res.socket as TLSSocket).getPeerCertificate().serialNumber.toUpperCase()
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, uid: JSON.parse(text).response.uid, serial: peer }))
    })
    req.on('error', reject)
    req.write(body.slice(0, 100))
    finish = () => req.end(body.slice(100))
  })
  // The server has begun the request on a connection made with the first certificate.
  await until('the request in flight', async () => /^openclaw_injector_in_flight_requests 1$/m.test((await server.ops('/metrics')).text))

  const second = await ca.leaf()
  await volume.publish(second)
  await until('the reload', () => server.running.tls.current.serialNumber.toUpperCase() === serial(second.cert))

  const reused = await admit(server, kept)
  t.equal(reused.status, 200, 'the open keep-alive connection still works')
  t.equal(reused.socket, before.socket, 'on the same socket')
  t.equal(reused.serial, serial(first.cert), 'which keeps the certificate it was opened with')

  const fresh = new https.Agent({ keepAlive: false, ca: ca.cert })
  const after = await admit(server, fresh)
  t.equal(after.status, 200)
  t.equal(after.serial, serial(second.cert), 'a new connection gets the new certificate')

  finish()
  const inFlight = await slow
  t.same(inFlight, { status: 200, uid: 'in-flight', serial: serial(first.cert) }, 'the request in flight during the rotation finished')

  const metrics = (await server.ops('/metrics')).text
  t.match(metrics, /openclaw_injector_certificate_reloads_total\{result="success"\} 1/)
  const expiry = Number(/^openclaw_injector_certificate_expiry_timestamp_seconds (\d+)$/m.exec(metrics)?.[1])
  t.equal(expiry, Math.floor(new X509Certificate(second.cert).validToDate.getTime() / 1000))
  t.ok(server.logs.records().some((r) => r.msg === 'serving certificate reloaded' && r.serialNumber === new X509Certificate(second.cert).serialNumber))
})

t.test('a key that does not match the certificate keeps the old context, until the pair is whole', async (t) => {
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const volume = new SecretVolume(dir)
  const good = await ca.leaf()
  await volume.init(good)
  const server = await startTestServer(t, { ca, tls: volume, tlsWatch: { debounceMs: 50, pollMs: 0 } })

  const next = await ca.leaf()
  const other = await ca.leaf()
  const halfWritten: Pair = { cert: next.cert, key: other.key }
  await volume.publish(halfWritten)
  await until('the refusal', () => server.logs.records().some((r) => r.msg === 'serving certificate not reloaded; keeping the one in use'))
  t.equal(server.running.tls.current.serialNumber.toUpperCase(), serial(good.cert), 'still the good certificate')
  const during = await admit(server, new https.Agent({ ca: ca.cert }))
  t.equal(during.status, 200)
  t.equal(during.serial, serial(good.cert), 'new connections still get the good certificate')
  const warning = server.logs.records().find((r) => r.level === 40)!
  t.match(warning.error, /does not belong to the certificate/)

  // truncated files are refused the same way
  await volume.publish({ cert: next.cert.slice(0, 200), key: next.key })
  await until('the second refusal', () => server.logs.records().filter((r) => r.level === 40).length === 2)
  t.equal(server.running.tls.current.serialNumber.toUpperCase(), serial(good.cert))

  await volume.publish(next)
  await until('the reload', () => server.running.tls.current.serialNumber.toUpperCase() === serial(next.cert))
  const after = await admit(server, new https.Agent({ ca: ca.cert }))
  t.equal(after.serial, serial(next.cert))
  const metrics = (await server.ops('/metrics')).text
  t.match(metrics, /openclaw_injector_certificate_reloads_total\{result="error"\} 2/)
  t.match(metrics, /openclaw_injector_certificate_reloads_total\{result="success"\} 1/)
})

t.test('plain files replaced by rename (the certs command, a hand edit) are picked up too', async (t) => {
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const files = await writePair(dir, await ca.leaf())
  const server = await startTestServer(t, { ca, tls: files, tlsWatch: { debounceMs: 50, pollMs: 0 } })
  const second = await ca.leaf()
  // key first, then certificate, each by rename: in between the pair does not match
  await writeFile(files.keyPath + '.tmp', second.key)
  await rename(files.keyPath + '.tmp', files.keyPath)
  await new Promise((r) => setTimeout(r, 120))
  await writeFile(files.certPath + '.tmp', second.cert)
  await rename(files.certPath + '.tmp', files.certPath)
  await until('the reload', () => server.running.tls.current.serialNumber.toUpperCase() === serial(second.cert))
  t.equal((await admit(server, new https.Agent({ ca: ca.cert }))).serial, serial(second.cert))
})

t.test('without watch events, the periodic check still finds the change', async (t) => {
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const volume = new SecretVolume(dir)
  const first = await ca.leaf()
  await volume.init(first)
  const server = await startTestServer(t, { ca, tls: volume, tlsWatch: { debounceMs: 60_000, pollMs: 100 } })
  const second = await ca.leaf()
  await volume.publish(second)
  await until('the poll', () => server.running.tls.current.serialNumber.toUpperCase() === serial(second.cert))
  t.pass('reloaded by the poll')
})

t.test('a certificate from another CA is served as given (trust is the API server\'s business)', async (t) => {
  const otherCa = await makeCa()
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const volume = new SecretVolume(dir)
  await volume.init(await ca.leaf())
  const server = await startTestServer(t, { ca, tls: volume, tlsWatch: { debounceMs: 50, pollMs: 0 } })
  const foreign = await otherCa.leaf()
  await volume.publish(foreign)
  await until('the reload', () => server.running.tls.current.serialNumber.toUpperCase() === serial(foreign.cert))
  const res = await admit(server, new https.Agent({ ca: otherCa.cert }))
  t.equal(res.serial, serial(foreign.cert))
})
