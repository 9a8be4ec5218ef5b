// A client may open TLS connections it has not sent a request on yet (Go's HTTP client in
// kube-apiserver does). node:http does not count those as idle, so a drain that only closes
// idle connections would wait for the client to hang up, until the shutdown bound.
import t from 'tap'
import tls from 'node:tls'
import { startTestServer } from './helpers/server.ts'

t.test('a connection that never sent a request does not hold the drain up', async (t) => {
  const server = await startTestServer(t, { server: { shutdownTimeoutMs: 5_000 } })
  const { hostname, port } = new URL(server.running.url)
  const sockets = await Promise.all(
    [1, 2, 3].map(
      () =>
        new Promise<tls.TLSSocket>((resolve, reject) => {
          const socket = tls.connect({ host: hostname, port: Number(port), ca: server.ca.cert, servername: 'localhost' }, () => resolve(socket))
          socket.on('error', reject)
        }),
    ),
  )
  const closed = Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.on('close', () => resolve()))))
  const started = performance.now()
  const code = await server.close()
  const elapsed = performance.now() - started
  t.equal(code, 0, 'a clean drain, not the bound')
  t.ok(elapsed < 2_000, `drained in ${Math.round(elapsed)} ms, well inside the 5 s bound`)
  await closed
  t.pass('the server closed the handshaken, request-less connections')
})
