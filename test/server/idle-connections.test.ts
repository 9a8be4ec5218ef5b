// Idle connections are closed: a TLS connection that was handshaken and then never sent a
// request, and one kept alive after a request, each closed by the server within 60 s
// (LIMITS.idleTimeoutMs and LIMITS.keepAliveTimeoutMs). Real sockets; takes about 30 s.
import t from 'tap'
import tls from 'node:tls'
import { chartPod } from '../helpers/pods.ts'
import { LIMITS } from '../../src/server/app.ts'
import { review } from './helpers/reviews.ts'
import { startTestServer } from './helpers/server.ts'

t.setTimeout(120_000)

t.test('idle TLS connections are closed by the server within 60 s', async (t) => {
  const server = await startTestServer(t)
  const { hostname, port } = new URL(server.running.url)
  const open = () =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const socket = tls.connect({ host: hostname, port: Number(port), ca: server.ca.cert, servername: 'localhost' }, () => resolve(socket))
      socket.on('error', reject)
    })
  const silent = await open()
  const used = await open()
  const body = JSON.stringify(review(chartPod()))
  const answered = new Promise<string>((resolve) => {
    let text = ''
    used.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1')
      if (/\r\n\r\n/.test(text)) resolve(text)
    })
  })
  used.write(`POST /mutate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  t.match(await answered, /^HTTP\/1\.1 200 /, 'a review answered on the kept-alive connection')
  const started = performance.now()
  const closedAfter = (socket: tls.TLSSocket) => new Promise<number>((resolve) => socket.once('close', () => resolve(performance.now() - started)))
  const [silentMs, usedMs] = await Promise.all([closedAfter(silent), closedAfter(used)])
  t.comment(`closed by the server after ${(silentMs / 1000).toFixed(1)} s (never sent a request) and ${(usedMs / 1000).toFixed(1)} s (idle after one)`)
  t.ok(silentMs <= 60_000, 'the connection that never sent a request: within 60 s')
  t.ok(usedMs <= 60_000, 'the kept-alive one: within 60 s')
  t.ok(silentMs >= Math.min(LIMITS.idleTimeoutMs, LIMITS.keepAliveTimeoutMs) - 1_000, 'and not before the timeout')
})
