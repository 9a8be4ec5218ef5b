// `openclaw-injector serve` as a person meets it: --help, one clear line per bad
// setting, and the development mode of `npm start` that prints the CA and a curl line
// which really works.
import t from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { run } from '../../src/commands/serve.ts'
import { decodePatch } from './helpers/reviews.ts'
import { send } from './helpers/server.ts'
import { tempDir } from '../helpers/tls.ts'
import { ROOT, spawnCli } from './helpers/child.ts'

t.setTimeout(60_000)

async function runInProcess(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough()
  const err = new PassThrough()
  let stdout = ''
  let stderr = ''
  out.on('data', (d) => (stdout += d))
  err.on('data', (d) => (stderr += d))
  const code = await run(args, { stdin: new PassThrough(), stdout: out, stderr: err })
  return { code, stdout, stderr }
}

t.test('--help lists every setting with its flag and variable', async (t) => {
  const { code, stdout } = await runInProcess(['--help'])
  t.equal(code, 0)
  for (const flag of ['--port', '--metrics-port', '--tls-cert', '--tls-key', '--body-limit', '--shutdown-timeout-ms', '--log-level', '--certs-dir', '--config', '--image-pattern', '--mode']) {
    t.match(stdout, new RegExp(`^  ${flag}\\b`, 'm'), flag)
  }
  t.match(stdout, /OPENCLAW_INJECTOR_PORT\s+\(default 8443\)/)
})

t.test('bad flags: one line each, exit 2, nothing started', async (t) => {
  const { code, stdout, stderr } = await runInProcess(['--port', '99999', '--log-level', 'loud', '--body-limit=-5', '--image-pattern', '(', '--tls-cert', 'x.crt'])
  t.equal(code, 2)
  t.equal(stdout, '')
  const lines = stderr.trimEnd().split('\n')
  t.equal(lines.length, 5, stderr)
  for (const line of lines) t.match(line, /^openclaw-injector serve: /)
  t.match(stderr, /--port: expected a port number 0-65535, got "99999"/)
  t.match(stderr, /--log-level: expected one of .* got "loud"/)
  t.match(stderr, /--body-limit: expected a positive whole number, got "-5"/)
  t.match(stderr, /--image-pattern: not a valid regular expression/)
  t.match(stderr, /--tls-cert and --tls-key: give both or neither/)
})

t.test('an unknown flag or a stray argument: one line, exit 2', async (t) => {
  const unknown = await runInProcess(['--prot', '8443'])
  t.equal(unknown.code, 2)
  t.match(unknown.stderr, /^openclaw-injector serve: Unknown option '--prot'.*; see --help\n$/)
  const stray = await runInProcess(['now'])
  t.equal(stray.code, 2)
  t.equal(stray.stderr.split('\n').length, 2)
  const dash = await runInProcess(['--body-limit', '-5'])
  t.equal(dash.code, 2)
  t.match(dash.stderr, /^openclaw-injector serve: Option '--body-limit' argument is ambiguous; see --help\n$/)
})

t.test('bad values from the environment and the YAML file name their source; exit 2', async (t) => {
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const config = path.join(dir, 'settings.yaml')
  await writeFile(config, 'server:\n  metricsPort: lots\n  colour: blue\nengine:\n  mode: turbo\n')
  const child = spawnCli(['serve', '--config', config], { env: { OPENCLAW_INJECTOR_SHUTDOWN_TIMEOUT_MS: 'soon' } })
  t.teardown(() => child.kill())
  const exit = await child.exited
  t.equal(exit.code, 2)
  const stderr = child.stderr()
  t.match(stderr, new RegExp(`${config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: server\\.metricsPort: expected a port number`))
  t.match(stderr, /unknown setting server\.colour/)
  t.match(stderr, /engine\.mode: expected one of "auto", "sync", "ref", got "turbo"/)
  t.match(stderr, /OPENCLAW_INJECTOR_SHUTDOWN_TIMEOUT_MS: expected a positive whole number, got "soon"/)
  t.equal(stderr.trimEnd().split('\n').length, 4, 'one line per problem')
  t.equal(child.stdout.length, 0)
})

t.test('missing certificate files: one line, exit 1', async (t) => {
  const { code, stderr } = await runInProcess(['--tls-cert', '/nonexistent/tls.crt', '--tls-key', '/nonexistent/tls.key', '--port', '0', '--metrics-port', '0'])
  t.equal(code, 1)
  t.match(stderr, /^openclaw-injector serve: cannot read the (certificate|key) \/nonexistent\/tls\.(crt|key): ENOENT\n$/)
})

t.test('a port in use: one line, exit 1', async (t) => {
  const { createServer } = await import('node:net')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => blocker.close())
  const port = (blocker.address() as { port: number }).port
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const child = spawnCli(['serve', '--certs-dir', dir, '--port', String(port), '--metrics-port', '0'])
  t.teardown(() => child.kill())
  const exit = await child.exited
  t.equal(exit.code, 1)
  t.match(child.stderr(), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(--port\\): EADDRINUSE`))
})

t.test('development mode: makes the certificates once, prints the CA and a curl line that works', async (t) => {
  const { dir, remove } = await tempDir()
  t.teardown(remove)
  const certsDir = path.join(dir, 'certs')
  const child = spawnCli(['serve', '--certs-dir', certsDir, '--port', '0', '--metrics-port', '0'])
  t.teardown(() => child.kill())
  const ready = await child.waitFor('ready')
  t.match(ready.url, /^https:\/\/127\.0\.0\.1:\d+\/mutate$/, 'listens on loopback only')
  const stderr = await child.waitForStderr(/curl .*\n/)
  t.match(stderr, /made now/)
  t.match(stderr, new RegExp(`CA to trust: ${certsDir}/ca\\.crt`))
  const curlLine = /^\s*(curl .*)$/m.exec(stderr)?.[1]
  t.ok(curlLine, `a curl line: ${curlLine}`)
  t.match(curlLine, `--cacert ${certsDir}/ca.crt -H 'Content-Type: application/json' --data @examples/admission-review.json ${ready.url}`)
  t.equal(statSync(path.join(certsDir, 'tls.key')).mode & 0o777, 0o600, 'the key is private')

  // run it, as the person would (from the package root, where npm start runs)
  const argv = curlLine!.replace("'Content-Type: application/json'", 'CT').split(' ').slice(1).map((a) => (a === 'CT' ? 'Content-Type: application/json' : a))
  const haveCurl = await new Promise<boolean>((resolve) => execFile('curl', ['--version'], (error) => resolve(!error)))
  let text: string
  if (haveCurl) {
    text = await new Promise((resolve, reject) => execFile('curl', ['-sS', ...argv], { cwd: ROOT }, (error, stdout) => (error ? reject(error) : resolve(stdout))))
  } else {
    const { readFile } = await import('node:fs/promises')
    const body = await readFile(path.join(ROOT, 'examples/admission-review.json'))
    const ca = await readFile(path.join(certsDir, 'ca.crt'), 'utf8')
    text = (await send(String(ready.url), { method: 'POST', headers: { 'content-type': 'application/json' }, ca }, body)).text
  }
  const answer = JSON.parse(text)
  t.equal(answer.response.allowed, true)
  t.equal(answer.response.patchType, 'JSONPatch')
  t.ok(decodePatch(answer.response).some((op: { path: string }) => op.path.startsWith('/spec/initContainers')), 'a real patch came back: the init container is added')

  child.process.kill('SIGTERM')
  t.equal((await child.exited).code, 0)

  // a second start reuses what the first made
  const again = spawnCli(['serve', '--certs-dir', certsDir, '--port', '0', '--metrics-port', '0'])
  t.teardown(() => again.kill())
  t.match(await again.waitForStderr(/curl .*\n/), /made earlier/)
  again.process.kill('SIGTERM')
  t.equal((await again.exited).code, 0)
})

t.test('the sample review is the chart pod', async (t) => {
  const { readFile } = await import('node:fs/promises')
  const sample = JSON.parse(await readFile(path.join(ROOT, 'examples/admission-review.json'), 'utf8'))
  const pod = JSON.parse(await readFile(path.join(ROOT, 'test/fixtures/chart-pod.json'), 'utf8'))
  t.same(sample.request.object, pod)
  t.match(sample, { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { operation: 'CREATE', kind: { group: '', version: 'v1', kind: 'Pod' } } })
  t.ok(existsSync(path.join(ROOT, 'examples/admission-review.json')))
})
