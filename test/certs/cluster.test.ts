import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  ClusterError,
  credentialSource,
  describeApiError,
  directoryStore,
  planMaterial,
  reconcile,
  secretStore,
  webhooksNeedingCaBundle,
  type ReconcileOptions,
} from '../../src/certs/cluster.ts'
import { DAY_MS, generateCertificates, serviceDnsNames, splitPemBundle, subjectAltNames } from '../../src/certs/generate.ts'
import { memoryCluster, writes, type MemoryCluster } from './helpers/memory-cluster.ts'

const NS = 'openclaw-injector'
const NAMES = serviceDnsNames('openclaw-injector', NS)

function setup(): { cluster: MemoryCluster; lines: string[]; options: ReconcileOptions } {
  const cluster = memoryCluster()
  cluster.configs.set('openclaw-injector', { resourceVersion: '1', webhooks: [{ name: 'token-sync.openclaw.ai', caBundle: '' }] })
  const lines: string[] = []
  const options: ReconcileOptions = {
    commonName: 'openclaw-injector.openclaw-injector.svc',
    dnsNames: NAMES,
    ipAddresses: [],
    validityDays: 365,
    renewBeforeMs: 30 * DAY_MS,
    webhook: { client: cluster, name: 'openclaw-injector' },
    report: (line) => lines.push(line),
  }
  return { cluster, lines, options }
}

t.test('planMaterial: the pure decision', async (t) => {
  const m = await generateCertificates({ commonName: 'svc', dnsNames: NAMES, validityDays: 100 })
  const stored = { caCert: m.caCert, cert: m.cert, key: m.key }
  const want = { dnsNames: NAMES, renewBeforeMs: 30 * DAY_MS }
  t.same(planMaterial(undefined, want), { action: 'create', reason: 'absent' })
  t.same(planMaterial(stored, want), { action: 'keep', notAfter: m.notAfter, caBundle: m.caCert })
  t.match(planMaterial(stored, { ...want, now: new Date(Date.now() + 80 * DAY_MS) }), { action: 'renew', reason: /within the renewal window/ })
  t.match(planMaterial(stored, { ...want, dnsNames: ['other'] }), { action: 'renew', reason: /lacks the names other/ })
  t.match(planMaterial({ ...stored, cert: '' }, want), { action: 'renew' }, 'garbage is renewed, not an error')

  const old = await generateCertificates({ commonName: 'svc', dnsNames: NAMES, validityDays: 5 })
  const withOld = { ...stored, caCert: m.caCert + old.caCert }
  t.same(planMaterial(withOld, want).action, 'keep', 'a still-valid previous CA stays')
  const later = planMaterial(withOld, { ...want, now: new Date(Date.now() + 6 * DAY_MS) })
  t.equal(later.action, 'prune', 'an expired previous CA is dropped')
  t.equal(later.action === 'prune' && splitPemBundle(later.caBundle).length, 1)
})

t.test('webhooksNeedingCaBundle compares exactly', async (t) => {
  const config = { resourceVersion: '1', webhooks: [{ name: 'a', caBundle: 'X' }, { name: 'b', caBundle: '' }, { name: 'c', caBundle: 'Y' }] }
  t.same(webhooksNeedingCaBundle(config, 'X'), [1, 2])
  t.same(webhooksNeedingCaBundle(config, 'Y'), [0, 1])
  t.same(webhooksNeedingCaBundle({ resourceVersion: '1', webhooks: [] }, 'X'), [])
})

t.test('first run creates the Secret and patches the caBundle; the second changes nothing', async (t) => {
  const { cluster, lines, options } = setup()
  const store = secretStore(cluster, NS, 'openclaw-injector-tls', { 'app.kubernetes.io/name': 'openclaw-injector' })
  const first = await reconcile(store, options)
  t.equal(first.stored, 'created')
  t.equal(first.webhooksPatched, 1)
  t.same(writes(cluster), ['patch MutatingWebhookConfiguration openclaw-injector', 'create Secret openclaw-injector/openclaw-injector-tls'], 'caBundle first, then the Secret')
  t.match(lines, [/^MutatingWebhookConfiguration openclaw-injector: caBundle of webhook token-sync.openclaw.ai patched$/, /^Secret openclaw-injector\/openclaw-injector-tls: created; certificate valid until \d{4}-/])

  const secret = cluster.secrets.get(`${NS}/openclaw-injector-tls`)!
  t.equal(secret.type, 'kubernetes.io/tls')
  t.same(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key'], 'no CA key stored')
  t.same(secret.labels, { 'app.kubernetes.io/managed-by': 'openclaw-injector-certs', 'app.kubernetes.io/name': 'openclaw-injector' })
  t.equal(cluster.configs.get('openclaw-injector')!.webhooks[0]!.caBundle, secret.data['ca.crt'])
  const leaf = new X509Certificate(secret.data['tls.crt']!)
  t.same(subjectAltNames(leaf).dnsNames, NAMES)
  t.ok(leaf.verify(new X509Certificate(secret.data['ca.crt']!).publicKey))

  const rvSecret = secret.resourceVersion
  const rvConfig = cluster.configs.get('openclaw-injector')!.resourceVersion
  cluster.calls.length = 0
  lines.length = 0
  const second = await reconcile(store, options)
  t.same(writes(cluster), [], 'no writes at all')
  t.same(second, { stored: 'kept', webhooksPatched: 0, caBundle: secret.data['ca.crt'], notAfter: first.notAfter })
  t.equal(cluster.secrets.get(`${NS}/openclaw-injector-tls`)!.resourceVersion, rvSecret)
  t.equal(cluster.configs.get('openclaw-injector')!.resourceVersion, rvConfig)
  t.match(lines, [/Secret openclaw-injector\/openclaw-injector-tls: valid until .*; left alone/, /caBundle of webhook token-sync.openclaw.ai already current/])
})

t.test('a wiped caBundle (a GitOps sync) is put back; the Secret stays', async (t) => {
  const { cluster, options } = setup()
  const store = secretStore(cluster, NS, 'tls')
  await reconcile(store, options)
  const config = cluster.configs.get('openclaw-injector')!
  config.webhooks[0]!.caBundle = ''
  config.webhooks.push({ name: 'second.openclaw.ai', caBundle: cluster.secrets.get(`${NS}/tls`)!.data['ca.crt']! })
  cluster.calls.length = 0
  const result = await reconcile(store, options)
  t.equal(result.stored, 'kept')
  t.equal(result.webhooksPatched, 1, 'only the webhook that differs')
  t.same(writes(cluster), ['patch MutatingWebhookConfiguration openclaw-injector'])
  t.equal(config.webhooks.length, 2)
})

t.test('renewal inside the window renews CA and certificate together and keeps trusting the old CA', async (t) => {
  const { cluster, lines, options } = setup()
  const store = secretStore(cluster, NS, 'tls')
  const first = await reconcile(store, { ...options, validityDays: 40 })
  const oldSecret = structuredClone(cluster.secrets.get(`${NS}/tls`)!)
  t.ok(first.notAfter.getTime() < Date.now() + 41 * DAY_MS)

  // 40-day certificate, 30-day window: due for renewal from day 10
  const onDay9 = await reconcile(store, { ...options, now: () => new Date(Date.now() + 9 * DAY_MS) })
  t.equal(onDay9.stored, 'kept', 'not yet on day 9')
  lines.length = 0
  cluster.calls.length = 0
  const renewed = await reconcile(store, { ...options, now: () => new Date(Date.now() + 11 * DAY_MS) })
  t.equal(renewed.stored, 'renewed', 'renewed on day 11')
  t.same(writes(cluster), ['patch MutatingWebhookConfiguration openclaw-injector', 'update Secret openclaw-injector/tls'], 'caBundle first')
  t.match(lines[1], /^Secret openclaw-injector\/tls: renewed CA and certificate \(tls.crt expires on .*, within the renewal window\); valid until /)

  const secret = cluster.secrets.get(`${NS}/tls`)!
  const bundle = splitPemBundle(secret.data['ca.crt']!)
  t.equal(bundle.length, 2, 'the bundle holds the new CA and the previous one')
  const fp = (pem: string) => new X509Certificate(pem).fingerprint256
  t.equal(fp(bundle[1]!), fp(oldSecret.data['ca.crt']!), 'the previous CA second')
  t.not(fp(bundle[0]!), fp(oldSecret.data['ca.crt']!), 'a new CA first')
  const newLeaf = new X509Certificate(secret.data['tls.crt']!)
  t.ok(newLeaf.verify(new X509Certificate(bundle[0]!).publicKey), 'the new CA signed the new certificate')
  t.ok(new X509Certificate(oldSecret.data['tls.crt']!).verify(new X509Certificate(bundle[1]!).publicKey), 'the old certificate still verifies against the bundle')
  t.equal(cluster.configs.get('openclaw-injector')!.webhooks[0]!.caBundle, secret.data['ca.crt'], 'the webhook trusts both')

  // once the old CA has expired it is dropped from the bundle (and from the caBundle)
  cluster.calls.length = 0
  const pruned = await reconcile(store, { ...options, now: () => new Date(Date.now() + 42 * DAY_MS) })
  t.equal(pruned.stored, 'pruned')
  t.equal(splitPemBundle(cluster.secrets.get(`${NS}/tls`)!.data['ca.crt']!).length, 1)
  t.equal(cluster.configs.get('openclaw-injector')!.webhooks[0]!.caBundle, cluster.secrets.get(`${NS}/tls`)!.data['ca.crt'])
  t.equal(cluster.secrets.get(`${NS}/tls`)!.data['tls.crt'], secret.data['tls.crt'], 'the certificate itself is untouched')
})

t.test('a Secret for other names, or broken, is renewed', async (t) => {
  const { cluster, options } = setup()
  const store = secretStore(cluster, NS, 'tls')
  await reconcile(store, options)
  const renamed = await reconcile(store, { ...options, dnsNames: serviceDnsNames('other', NS) })
  t.equal(renamed.stored, 'renewed')
  cluster.secrets.get(`${NS}/tls`)!.data['tls.key'] = 'garbage'
  const fixed = await reconcile(store, options)
  t.equal(fixed.stored, 'renewed')
})

t.test('optimistic concurrency: a concurrent writer means read again, not overwrite', async (t) => {
  const { cluster, lines, options } = setup()
  const store = secretStore(cluster, NS, 'tls')
  // another instance creates a valid Secret between our read and our create
  const winner = setup()
  await reconcile(secretStore(winner.cluster, NS, 'tls'), winner.options)
  const winnerSecret = winner.cluster.secrets.get(`${NS}/tls`)!
  let raced = false
  cluster.beforeWrite = (call) => {
    if (raced || !call.startsWith('create Secret')) return
    raced = true
    cluster.secrets.set(`${NS}/tls`, { ...structuredClone(winnerSecret), resourceVersion: cluster.bump() })
  }
  const result = await reconcile(store, options)
  t.equal(result.stored, 'kept', 'the winner’s valid Secret is kept')
  t.equal(cluster.secrets.get(`${NS}/tls`)!.data['tls.crt'], winnerSecret.data['tls.crt'])
  t.equal(cluster.configs.get('openclaw-injector')!.webhooks[0]!.caBundle, winnerSecret.data['ca.crt'], 'and the caBundle follows the winner')
  t.match(lines.join('\n'), /conflict \(HTTP 409\).*reading again \(attempt 2 of 5\)/)

  // a configuration changed between read and patch
  const second = setup()
  let bumped = false
  second.cluster.beforeWrite = (call) => {
    if (bumped || !call.startsWith('patch')) return
    bumped = true
    second.cluster.configs.get('openclaw-injector')!.resourceVersion = second.cluster.bump()
  }
  const r2 = await reconcile(secretStore(second.cluster, NS, 'tls'), second.options)
  t.equal(r2.stored, 'created')
  t.equal(second.cluster.configs.get('openclaw-injector')!.webhooks[0]!.caBundle, second.cluster.secrets.get(`${NS}/tls`)!.data['ca.crt'])

  // gives up after the attempts
  const third = setup()
  third.cluster.beforeWrite = (call) => {
    if (call.startsWith('patch')) third.cluster.configs.get('openclaw-injector')!.resourceVersion = third.cluster.bump()
  }
  await t.rejects(reconcile(secretStore(third.cluster, NS, 'tls'), { ...third.options, attempts: 3 }), { name: 'ClusterError', status: 409 })
})

t.test('errors that writing cannot fix', async (t) => {
  const { cluster, options } = setup()
  cluster.secrets.set(`${NS}/tls`, { resourceVersion: '5', type: 'Opaque', data: {}, labels: {} })
  await t.rejects(reconcile(secretStore(cluster, NS, 'tls'), options), /Secret openclaw-injector\/tls has type Opaque, not kubernetes.io\/tls, and a Secret's type cannot change: delete it and run again/)

  const missing = setup()
  missing.cluster.configs.clear()
  await t.rejects(reconcile(secretStore(missing.cluster, NS, 'tls'), missing.options), { status: 404, message: /MutatingWebhookConfiguration openclaw-injector: not found \(HTTP 404\)/ })
  t.same(writes(missing.cluster), [], 'nothing written when the configuration is missing')

  const forbidden = setup()
  forbidden.cluster.forbidden.add('create Secret')
  await t.rejects(reconcile(secretStore(forbidden.cluster, NS, 'tls'), forbidden.options), /forbidden \(HTTP 403\)/)

  const empty = setup()
  empty.cluster.configs.set('openclaw-injector', { resourceVersion: '1', webhooks: [] })
  await t.rejects(reconcile(secretStore(empty.cluster, NS, 'tls'), empty.options), /has no webhooks/)
})

t.test('without --patch-webhook only the Secret is touched', async (t) => {
  const { cluster, options } = setup()
  const result = await reconcile(secretStore(cluster, NS, 'tls'), { ...options, webhook: undefined })
  t.equal(result.webhooksPatched, 0)
  t.same(writes(cluster), ['create Secret openclaw-injector/tls'])
})

t.test('a directory store behaves the same', async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-certs-dir-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const { options } = setup()
  const store = directoryStore(path.join(dir, 'out'))
  t.equal((await reconcile(store, { ...options, webhook: undefined })).stored, 'created')
  const cert = readFileSync(path.join(dir, 'out', 'tls.crt'), 'utf8')
  t.equal((await reconcile(store, { ...options, webhook: undefined })).stored, 'kept')
  t.equal(readFileSync(path.join(dir, 'out', 'tls.crt'), 'utf8'), cert)
})

t.test('credentialSource: --kubeconfig, KUBECONFIG, in-cluster, ~/.kube/config', async (t) => {
  const has = (files: string[]) => (file: string) => files.includes(file)
  const token = '/var/run/secrets/kubernetes.io/serviceaccount/token'
  const home = '/home/u'
  const all = has([token, '/home/u/.kube/config'])
  const inCluster = { KUBERNETES_SERVICE_HOST: '10.0.0.1' }
  t.same(credentialSource({ kubeconfig: '/k', env: { KUBECONFIG: '/e', ...inCluster } }, all, home), { kind: 'file', file: '/k', from: '--kubeconfig' })
  t.same(credentialSource({ env: { KUBECONFIG: '/e', ...inCluster } }, all, home), { kind: 'file', file: '/e', from: 'KUBECONFIG' })
  t.same(credentialSource({ env: inCluster }, all, home), { kind: 'cluster' })
  t.same(credentialSource({ env: inCluster }, has(['/home/u/.kube/config']), home), { kind: 'file', file: '/home/u/.kube/config', from: '~/.kube/config' }, 'no token file: not in-cluster')
  t.same(credentialSource({ env: {} }, all, home), { kind: 'file', file: '/home/u/.kube/config', from: '~/.kube/config' })
  t.match(credentialSource({ env: {} }, has([]), home), { kind: 'none', message: /no Kubernetes credentials/ })
})

t.test('describeApiError: one line with the reason', async (t) => {
  const e403 = describeApiError('get Secret ns/x', 'https://k', { code: 403, body: JSON.stringify({ kind: 'Status', message: 'secrets "x" is forbidden: User "u" cannot get resource "secrets"' }) })
  t.equal(e403.message, 'get Secret ns/x: forbidden (HTTP 403): secrets "x" is forbidden: User "u" cannot get resource "secrets" (check the RBAC rules of the ServiceAccount this runs as)')
  t.equal(e403.status, 403)
  const e404 = describeApiError('create Secret ns/x', 'https://k', { code: 404, body: { message: 'namespaces "ns" not found' } })
  t.equal(e404.message, 'create Secret ns/x: not found (HTTP 404): namespaces "ns" not found (does the namespace exist?)')
  const down = describeApiError('get Secret ns/x', 'https://127.0.0.1:1', Object.assign(new Error('request failed'), { cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' } }))
  t.equal(down.message, 'get Secret ns/x: cannot reach the API server at https://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1')
  t.notMatch(describeApiError('x', 's', { code: 500, body: 'line one\nline two' }).message, /\n/, 'never more than one line')
  t.ok(e403 instanceof ClusterError)
})
