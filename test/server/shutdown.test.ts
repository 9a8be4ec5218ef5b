// SIGTERM on the real binary: readiness turns false, the listener stops accepting,
// the request in flight is answered, and the process exits 0 within the bound; past
// the bound it cuts the connection and exits 1.
import t from 'tap'
import https from 'node:https'
import { chartPod } from '../helpers/pods.ts'
import { review, decodePatch } from './helpers/reviews.ts'
import { send } from './helpers/server.ts'
import { makeCa, tempDir, writePair } from '../helpers/tls.ts'
import { canConnect, until } from '../helpers/wait.ts'
import { spawnCli } from './helpers/child.ts'

t.setTimeout(60_000)
const ca = await makeCa()
const { dir, remove } = await tempDir()
t.teardown(remove)
const { certPath, keyPath } = await writePair(dir, await ca.leaf())

async function serve(t: { teardown(fn: () => void): void }, timeoutMs: number) {
  const child = spawnCli(['serve', '--tls-cert', certPath, '--tls-key', keyPath, '--port', '0', '--metrics-port', '0', '--host', '127.0.0.1', '--shutdown-timeout-ms', String(timeoutMs)])
  t.teardown(() => child.kill())
  const ready = await child.waitFor('ready')
  return { child, url: String(ready.url), opsUrl: String(ready.metrics).replace(/\/metrics$/, '') }
}

/** Sends the headers and part of the body now; `finish()` sends the rest. */
function slowRequest(url: string, body: string) {
  let finish!: () => void
  const response = new Promise<{ status: number; text: string; connection: string | undefined }>((resolve, reject) => {
    const req = https.request(url, { method: 'POST', agent: false, ca: ca.cert, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = ''
      res.on('data', (d) => (text += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }))
    })
    req.on('error', reject)
    req.write(body.slice(0, 200))
    finish = () => req.end(body.slice(200))
  })
  return { response, finish: () => finish() }
}

function connects(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url)
  return canConnect(hostname, Number(port))
}

/** How many admissions the server has begun and not answered, from its own metrics. */
async function inFlight(opsUrl: string): Promise<number> {
  const res = await send(`${opsUrl}/metrics`, { method: 'GET', headers: {} })
  return Number(/^openclaw_injector_in_flight_requests (\d+)$/m.exec(res.text)?.[1] ?? NaN)
}

/** Waits until the server itself has the slow request, so the signal lands mid-request on any machine. */
function serverHasIt(opsUrl: string): Promise<void> {
  return until('the server to have the request in flight', async () => (await inFlight(opsUrl)) >= 1)
}

t.test('SIGTERM drains: not ready, no new connections, the in-flight admission is answered, exit 0', async (t) => {
  const { child, url, opsUrl } = await serve(t, 10_000)
  t.equal((await send(`${opsUrl}/readyz`, { method: 'GET', headers: {} })).status, 200, 'ready before')

  // an idle keep-alive connection must not hold the shutdown up
  const idle = new https.Agent({ keepAlive: true, ca: ca.cert })
  t.teardown(() => idle.destroy())
  t.equal((await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, agent: idle }, JSON.stringify(review(chartPod())))).status, 200)

  const slow = slowRequest(url, JSON.stringify(review(chartPod(), { uid: 'in-flight' })))
  await serverHasIt(opsUrl)
  const signalledAt = Date.now()
  child.process.kill('SIGTERM')

  await until('readiness to turn false', async () => (await send(`${opsUrl}/readyz`, { method: 'GET', headers: {} }).catch(() => ({ status: 0 }))).status === 503)
  t.pass('/readyz is 503 while draining')
  t.equal((await send(`${opsUrl}/healthz`, { method: 'GET', headers: {} })).status, 200, '/healthz still answers')
  await until('the listener to close', async () => !(await connects(url)))
  t.pass('new connections are refused')

  slow.finish()
  const answer = await slow.response
  t.equal(answer.status, 200, 'the in-flight admission is answered')
  const body = JSON.parse(answer.text)
  t.equal(body.response.uid, 'in-flight')
  t.ok(decodePatch(body.response).length > 0, 'with its patch')
  t.equal(answer.connection, 'close', 'and its connection is closed after it')

  const exit = await child.exited
  t.equal(exit.code, 0, 'exit code 0')
  t.ok(exit.at - signalledAt < 10_000, `exited ${exit.at - signalledAt} ms after SIGTERM, within the bound`)
  t.ok(child.logs().some((l) => l.msg === 'stopped' && l.exitCode === 0))
})

t.test('SIGTERM with nothing in flight exits 0 at once', async (t) => {
  const { child } = await serve(t, 10_000)
  const signalledAt = Date.now()
  child.process.kill('SIGTERM')
  const exit = await child.exited
  t.equal(exit.code, 0)
  t.ok(exit.at - signalledAt < 5_000, `exited in ${exit.at - signalledAt} ms`)
})

t.test('a request that never finishes is cut when the bound runs out; exit 1', async (t) => {
  const { child, url, opsUrl } = await serve(t, 700)
  const slow = slowRequest(url, JSON.stringify(review(chartPod())))
  const outcome = slow.response.then(() => 'answered', (error: Error) => `failed: ${error.message}`)
  await serverHasIt(opsUrl)
  const signalledAt = Date.now()
  child.process.kill('SIGTERM')
  const exit = await child.exited
  t.equal(exit.code, 1, 'exit code 1 says the drain was cut short')
  const took = exit.at - signalledAt
  t.ok(took >= 600 && took < 5_000, `exited ${took} ms after SIGTERM (bound 700 ms)`)
  t.match(await outcome, /^failed/, 'the unfinished request was cut')
  t.ok(child.logs().some((l) => l.msg === 'shutdown bound reached; cutting the remaining connections'))
})

t.test('a second signal while draining exits at once', async (t) => {
  const { child, url, opsUrl } = await serve(t, 30_000)
  const slow = slowRequest(url, JSON.stringify(review(chartPod())))
  slow.response.catch(() => {})
  await serverHasIt(opsUrl)
  child.process.kill('SIGTERM')
  await until('the drain to begin', async () => child.logs().some((l) => String(l.msg).startsWith('shutting down')))
  child.process.kill('SIGINT')
  const exit = await child.exited
  t.equal(exit.code, 1)
})
