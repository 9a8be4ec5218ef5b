// `openclaw-injector certs`: flags, --out, and --secret/--patch-webhook through the real
// @kubernetes/client-node against a stand-in API server over HTTPS.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { parseDuration, run } from '../../src/commands/certs.ts'
import { serviceDnsNames, splitPemBundle, subjectAltNames } from '../../src/certs/generate.ts'
import { startFakeApiServer, webhookConfiguration, type FakeApiServer } from './helpers/fake-apiserver.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

async function certs(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let out = ''
  let err = ''
  stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const saved = { KUBECONFIG: process.env.KUBECONFIG, KUBERNETES_SERVICE_HOST: process.env.KUBERNETES_SERVICE_HOST, HOME: process.env.HOME }
  Object.assign(process.env, env)
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]
  try {
    const code = await run(args, { stdin: new PassThrough(), stdout, stderr })
    return { code, stdout: out, stderr: err }
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

function tmp(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-certs-cmd-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('parseDuration', async (t) => {
  t.equal(parseDuration('30d'), 30 * 86_400_000)
  t.equal(parseDuration('720h'), 720 * 3_600_000)
  t.equal(parseDuration('1d12h'), 36 * 3_600_000)
  t.equal(parseDuration('90s'), 90_000)
  t.equal(parseDuration('1.5h'), 5_400_000)
  for (const bad of ['', '30', 'd', '30x', '-1d', '1d 2h', '1w']) t.equal(parseDuration(bad), undefined, JSON.stringify(bad))
})

t.test('every bad input: one line naming what was wrong, exit 2', async (t) => {
  const base = ['--service', 'svc', '--namespace', 'ns']
  const cases: [string[], RegExp][] = [
    [[], /^certs: --service is required/],
    [['--service', 'svc'], /^certs: --namespace is required/],
    [['--service', 'Svc_1', '--namespace', 'ns', '--out', 'x'], /--service "Svc_1": not a valid Service name/],
    [['--service', 'svc', '--namespace', 'a.b', '--out', 'x'], /--namespace "a.b": not a valid namespace name/],
    [base, /give --out DIR or --secret NAME/],
    [[...base, '--out', 'x', '--secret', 'y'], /give --out DIR or --secret NAME, not both/],
    [[...base, '--secret', 'Bad!'], /--secret "Bad!": not a valid object name/],
    [[...base, '--out', 'x', '--patch-webhook', 'UPPER'], /--patch-webhook "UPPER": not a valid object name/],
    [[...base, '--out', 'x', '--dns-name', 'a_b'], /--dns-name "a_b": not a valid DNS name/],
    [[...base, '--out', 'x', '--ip-address', '1.2.3'], /--ip-address "1.2.3": not an IP address/],
    [[...base, '--out', 'x', '--validity', 'year'], /--validity "year": expected a duration/],
    [[...base, '--out', 'x', '--validity', '10m'], /--validity 10m: expected between 1h and 3650d/],
    [[...base, '--out', 'x', '--renew-before', '0d'], /--renew-before "0d": expected a duration/],
    [[...base, '--out', 'x', '--renew-before', '400d'], /--renew-before 400d must be shorter than --validity 365d/],
    [[...base, '--out', 'x', '--timeout', 'soon'], /--timeout "soon"/],
    [[...base, '--out', 'x', '--kubeconfig', 'k'], /--kubeconfig and --context are for --secret or --patch-webhook/],
    [[...base, '--out', 'x', '--bogus'], /Unknown option '--bogus'/],
    [[...base, '--out', 'x', 'positional'], /positional/i],
    [[...base, '--out'], /argument missing|--out/],
    [['--delete-secret', 'x'], /^certs: --namespace is required/],
    [['--namespace', 'ns', '--delete-secret', 'Bad!'], /--delete-secret "Bad!": not a valid object name/],
    [[...base, '--delete-secret', 'x'], /--delete-secret deletes, it does not create: drop --service/],
    [['--namespace', 'ns', '--delete-secret', 'x', '--secret', 'y', '--out', 'z'], /drop --out, --secret/],
    [['--namespace', 'ns', '--delete-secret', 'x', '--timeout', 'soon'], /--timeout "soon"/],
  ]
  for (const [args, pattern] of cases) {
    const r = await certs(args)
    t.equal(r.code, 2, `exit 2: ${args.join(' ')}`)
    t.match(r.stderr, pattern, args.join(' '))
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
    t.equal(r.stdout, '')
  }
  const help = await certs(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /usage: openclaw-injector certs --service NAME --namespace NS/)
})

t.test('--out: writes once, then leaves it alone', async (t) => {
  const dir = path.join(tmp(t), 'out')
  const first = await certs(['--service', 'openclaw-injector', '--namespace', 'openclaw-injector', '--out', dir, '--ip-address', '127.0.0.1', '--dns-name', 'localhost'])
  t.equal(first.code, 0, first.stderr)
  t.match(first.stdout, new RegExp(`^directory ${dir}: created; certificate valid until \\d{4}-`))
  const cert = new X509Certificate(readFileSync(path.join(dir, 'tls.crt')))
  t.same(subjectAltNames(cert), { dnsNames: [...serviceDnsNames('openclaw-injector', 'openclaw-injector'), 'localhost'], ipAddresses: ['127.0.0.1'] })
  t.equal(cert.subject, 'CN=openclaw-injector.openclaw-injector.svc')
  t.equal(statSync(path.join(dir, 'tls.key')).mode & 0o777, 0o600)
  const again = await certs(['--service', 'openclaw-injector', '--namespace', 'openclaw-injector', '--out', dir, '--ip-address', '127.0.0.1', '--dns-name', 'localhost'])
  t.match(again.stdout, /left alone/)
  const renamed = await certs(['--service', 'other', '--namespace', 'openclaw-injector', '--out', dir])
  t.match(renamed.stdout, /renewed CA and certificate \(tls.crt lacks the names other/)

  writeFileSync(path.join(dir, 'file'), '')
  const unwritable = await certs(['--service', 'x', '--namespace', 'y', '--out', path.join(dir, 'file', 'certs')])
  t.equal(unwritable.code, 1)
  t.match(unwritable.stderr, /^certs: \w+ .*file\/certs\S*: not a directory \(ENOTDIR\)\n$/)
  t.equal(unwritable.stderr.trim().split('\n').length, 1)
})

t.test('--secret and --patch-webhook through client-node', async (t) => {
  const dir = tmp(t)
  const api: FakeApiServer = await startFakeApiServer(dir)
  t.teardown(() => api.close())
  api.namespaces.add('openclaw-injector')
  api.webhookConfigs.set('openclaw-injector', webhookConfiguration('openclaw-injector'))
  const args = ['--service', 'openclaw-injector', '--namespace', 'openclaw-injector', '--secret', 'openclaw-injector-tls', '--patch-webhook', 'openclaw-injector', '--kubeconfig', api.kubeconfigPath]

  const first = await certs(args)
  t.equal(first.code, 0, first.stderr)
  const lines = first.stdout.trim().split('\n')
  t.match(lines, [
    /^MutatingWebhookConfiguration openclaw-injector: caBundle of webhook token-sync.openclaw.ai patched$/,
    /^Secret openclaw-injector\/openclaw-injector-tls: created; certificate valid until /,
  ])
  const secret = api.secrets.get('openclaw-injector/openclaw-injector-tls')
  t.equal(secret.type, 'kubernetes.io/tls')
  t.same(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key'])
  t.equal(secret.metadata.labels['app.kubernetes.io/managed-by'], 'openclaw-injector-certs')
  const ca = Buffer.from(secret.data['ca.crt'], 'base64').toString()
  const config = api.webhookConfigs.get('openclaw-injector')
  t.equal(config.webhooks[0].clientConfig.caBundle, secret.data['ca.crt'], 'caBundle = the Secret\'s ca.crt, base64')
  t.same(config.webhooks[0].futureField, { keep: true }, 'fields client-node does not model survive (JSON Patch, not a round trip)')
  t.same(config.webhooks[0].clientConfig.service, { name: 'openclaw-injector', namespace: 'openclaw-injector', path: '/mutate', port: 443 })
  t.ok(new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64')).verify(new X509Certificate(ca).publicKey))
  const patches = api.requests.filter((r) => r.method === 'PATCH')
  t.same(patches.map((r) => r.contentType), ['application/json-patch+json'])
  t.match(patches[0]!.body, [{ op: 'replace', path: '/metadata/resourceVersion' }, { op: 'add', path: '/webhooks/0/clientConfig/caBundle' }], 'guarded by resourceVersion')

  api.requests.length = 0
  const second = await certs(args)
  t.equal(second.code, 0, second.stderr)
  t.same(api.requests.map((r) => r.method), ['GET', 'GET'], 'a second run only reads')
  t.match(second.stdout.trim().split('\n'), [/Secret openclaw-injector\/openclaw-injector-tls: valid until .*; left alone/, /caBundle of webhook token-sync.openclaw.ai already current/])

  // renewal: a window longer than the remaining validity forces it
  api.requests.length = 0
  const renew = await certs([...args, '--renew-before', '366d', '--validity', '400d'])
  t.equal(renew.code, 0, renew.stderr)
  t.match(renew.stdout, /renewed CA and certificate \(tls.crt expires on .*, within the renewal window\)/)
  t.same(api.requests.map((r) => `${r.method} ${r.path.split('/').slice(-2).join('/')}`), [
    'GET secrets/openclaw-injector-tls',
    'GET mutatingwebhookconfigurations/openclaw-injector',
    'PATCH mutatingwebhookconfigurations/openclaw-injector',
    'PATCH secrets/openclaw-injector-tls',
  ])
  const renewed = api.secrets.get('openclaw-injector/openclaw-injector-tls')
  t.equal(splitPemBundle(Buffer.from(renewed.data['ca.crt'], 'base64').toString()).length, 2, 'old and new CA trusted during the switch')
  t.equal(api.webhookConfigs.get('openclaw-injector').webhooks[0].clientConfig.caBundle, renewed.data['ca.crt'])
  const patchSecret = api.requests.at(-1)!
  t.match(patchSecret.body, [{ op: 'replace', path: '/metadata/resourceVersion', value: secret.metadata.resourceVersion }, { op: 'add', path: '/data' }])
})

t.test('API errors: one clear line, exit 1', async (t) => {
  const dir = tmp(t)
  const api = await startFakeApiServer(dir)
  t.teardown(() => api.close())
  api.namespaces.add('openclaw-injector')
  const args = ['--service', 'openclaw-injector', '--namespace', 'openclaw-injector', '--secret', 'tls', '--kubeconfig', api.kubeconfigPath]

  api.forbid.add('get secrets')
  const forbiddenGet = await certs(args)
  t.equal(forbiddenGet.code, 1)
  t.equal(forbiddenGet.stderr, 'certs: get Secret openclaw-injector/tls: forbidden (HTTP 403): secrets "tls" is forbidden: User "system:serviceaccount:openclaw-injector:openclaw-injector-certs" cannot get resource "secrets" in API group "" in the namespace "openclaw-injector" (check the RBAC rules of the ServiceAccount this runs as)\n')
  api.forbid.clear()

  api.forbid.add('create secrets')
  const forbiddenCreate = await certs(args)
  t.equal(forbiddenCreate.code, 1)
  t.match(forbiddenCreate.stderr, /^certs: create Secret openclaw-injector\/tls: forbidden \(HTTP 403\): .*cannot create resource "secrets"/)
  api.forbid.clear()

  const noNamespace = await certs(['--service', 'x', '--namespace', 'missing', '--secret', 'tls', '--kubeconfig', api.kubeconfigPath])
  t.equal(noNamespace.code, 1)
  t.equal(noNamespace.stderr, 'certs: create Secret missing/tls: not found (HTTP 404): namespaces "missing" not found (does the namespace exist?)\n')

  const noWebhook = await certs([...args, '--patch-webhook', 'absent'])
  t.equal(noWebhook.code, 1)
  t.equal(noWebhook.stderr, 'certs: MutatingWebhookConfiguration absent: not found (HTTP 404): apply the manifests first, or fix --patch-webhook\n')

  api.webhookConfigs.set('openclaw-injector', webhookConfiguration('openclaw-injector'))
  api.forbid.add('patch mutatingwebhookconfigurations')
  const forbiddenPatch = await certs([...args, '--patch-webhook', 'openclaw-injector'])
  t.equal(forbiddenPatch.code, 1)
  t.match(forbiddenPatch.stderr, /^certs: patch MutatingWebhookConfiguration openclaw-injector: forbidden \(HTTP 403\): .* at the cluster scope \(check the RBAC rules/)
  api.forbid.clear()

  await api.close()
  const down = await certs(args)
  t.equal(down.code, 1)
  t.match(down.stderr, new RegExp(`^certs: get Secret openclaw-injector/tls: cannot reach the API server at ${api.url.replace(/\./g, '\\.')}: .*ECONNREFUSED`))
  t.equal(down.stderr.trim().split('\n').length, 1)

  const missingFile = await certs([...args.slice(0, -1), path.join(dir, 'nope')])
  t.equal(missingFile.code, 1)
  t.match(missingFile.stderr, /^certs: kubeconfig .*nope \(from --kubeconfig\) does not exist\n$/)

  const noCreds = await certs(args.slice(0, -2), { KUBECONFIG: undefined, KUBERNETES_SERVICE_HOST: undefined, HOME: dir })
  t.equal(noCreds.code, 1)
  t.equal(noCreds.stderr, 'certs: no Kubernetes credentials: pass --kubeconfig, set KUBECONFIG, run in a pod with a ServiceAccount token, or create ~/.kube/config\n')

  const viaEnv = await certs(args.slice(0, -2), { KUBECONFIG: path.join(dir, 'kubeconfig'), KUBERNETES_SERVICE_HOST: undefined })
  t.match(viaEnv.stderr, /cannot reach the API server/, 'KUBECONFIG is used when --kubeconfig is absent')

  const badContext = await certs([...args, '--context', 'nope'])
  t.equal(badContext.stderr, 'certs: kubeconfig has no context "nope"\n')
})

t.test('--timeout bounds each request', async (t) => {
  const dir = tmp(t)
  const api = await startFakeApiServer(dir)
  t.teardown(() => api.close())
  api.stall = true
  const started = Date.now()
  const r = await certs(['--service', 'a', '--namespace', 'b', '--secret', 'tls', '--kubeconfig', api.kubeconfigPath, '--timeout', '1s'])
  t.equal(r.code, 1)
  t.match(r.stderr, /^certs: get Secret b\/tls: cannot reach the API server at https:\/\/127\.0\.0\.1:\d+: timed out\n$/)
  t.ok(Date.now() - started < 5000, `gave up after ${Date.now() - started} ms`)
})

t.test('the CLI binary: exit codes through src/cli.ts', async (t) => {
  const dir = tmp(t)
  const node = process.execPath
  const ok = spawnSync(node, [path.join(root, 'src/cli.ts'), 'certs', '--service', 'a', '--namespace', 'b', '--out', path.join(dir, 'c')], { encoding: 'utf8' })
  t.equal(ok.status, 0, ok.stderr)
  t.match(ok.stdout, /created/)
  const bad = spawnSync(node, [path.join(root, 'src/cli.ts'), 'certs', '--service', 'a'], { encoding: 'utf8' })
  t.equal(bad.status, 2)
  t.equal(bad.stderr, 'certs: --namespace is required (see: openclaw-injector certs --help)\n')
})
