// `openclaw-injector certs --secret ... --patch-webhook ...` against a real kube-apiserver,
// run exactly as the certs Job runs it and with the Job's own ServiceAccount token, so the
// RBAC in manifests/base/certs-rbac.yaml is proven sufficient (and no wider than claimed).
import t from 'tap'
import { spawn } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { startControlPlane, type ControlPlane } from './controlplane/control-plane.ts'
import { collectionPath, one, render } from '../manifests/helpers/kustomize.ts'
import { serviceDnsNames, splitPemBundle, subjectAltNames } from '../../src/certs/generate.ts'
import { createKubeClient } from '../../src/certs/cluster.ts'
import { serviceAccountKubeconfig } from './helpers/kubeconfig.ts'

t.setTimeout(Number(process.env.CONTROLPLANE_TEST_TIMEOUT_MS) || 30 * 60_000)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const NS = 'openclaw-injector'
const SA = 'openclaw-injector-certs'

let cp: ControlPlane
let dir: string
let kubeconfig: string
let jobArgs: string[]

t.before(async () => {
  cp = await startControlPlane()
  dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-e2e-certs-'))
  const objects = render('.')
  // What the certs Job needs in place: its namespace, ServiceAccount and RBAC, and the
  // webhook configuration it patches. Created for real, as `kubectl apply -k` would.
  const wanted = ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'MutatingWebhookConfiguration']
  for (const kind of wanted) {
    for (const obj of objects.filter((o) => o.kind === kind)) await cp.requestOk('POST', collectionPath(obj), obj)
  }
  jobArgs = one(objects, 'Job').spec.template.spec.containers[0].args
  // The Job's own identity: a token for its ServiceAccount, as the kubelet would mount.
  kubeconfig = await serviceAccountKubeconfig(cp, NS, SA, dir)
})
t.teardown(async () => {
  await cp?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'src/cli.ts'), ...args], { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

async function state() {
  const secret = await cp.requestOk('GET', `/api/v1/namespaces/${NS}/secrets/openclaw-injector-tls`)
  const mwc = await cp.requestOk('GET', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/openclaw-injector')
  return { secret, mwc }
}

t.test('the Job\'s command creates the Secret and patches the caBundle; a second run changes nothing', async (t) => {
  t.same(jobArgs, ['certs', '--service', 'openclaw-injector', '--namespace', NS, '--secret', 'openclaw-injector-tls', '--patch-webhook', 'openclaw-injector'])
  const before = await cp.requestOk('GET', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/openclaw-injector')
  t.equal(before.webhooks[0].clientConfig.caBundle, undefined, 'no caBundle to start with')

  const first = await cli(jobArgs)
  t.equal(first.code, 0, first.stderr)
  t.equal(first.stderr, '')
  t.match(first.stdout.trim().split('\n'), [
    /^MutatingWebhookConfiguration openclaw-injector: caBundle of webhook token-sync.openclaw.ai patched$/,
    /^Secret openclaw-injector\/openclaw-injector-tls: created; certificate valid until \d{4}-/,
  ])
  const { secret, mwc } = await state()
  t.equal(secret.type, 'kubernetes.io/tls')
  t.same(Object.keys(secret.data).sort(), ['ca.crt', 'tls.crt', 'tls.key'])
  t.equal(mwc.webhooks[0].clientConfig.caBundle, secret.data['ca.crt'], 'the caBundle is the Secret\'s ca.crt')
  t.same(mwc.webhooks[0].clientConfig.service, { name: 'openclaw-injector', namespace: NS, path: '/mutate', port: 443 }, 'the rest of clientConfig untouched')
  t.same(mwc.webhooks[0].matchConditions, one(render('.'), 'MutatingWebhookConfiguration').webhooks[0].matchConditions, 'matchConditions untouched')
  const leaf = new X509Certificate(Buffer.from(secret.data['tls.crt'], 'base64'))
  const ca = new X509Certificate(Buffer.from(secret.data['ca.crt'], 'base64'))
  t.ok(leaf.verify(ca.publicKey))
  t.same(subjectAltNames(leaf).dnsNames, serviceDnsNames('openclaw-injector', NS))

  const second = await cli(jobArgs)
  t.equal(second.code, 0, second.stderr)
  t.match(second.stdout.trim().split('\n'), [
    /^Secret openclaw-injector\/openclaw-injector-tls: valid until .*; left alone$/,
    /^MutatingWebhookConfiguration openclaw-injector: caBundle of webhook token-sync.openclaw.ai already current$/,
  ])
  const after = await state()
  t.equal(after.secret.metadata.resourceVersion, secret.metadata.resourceVersion, 'Secret unchanged (same resourceVersion)')
  t.equal(after.mwc.metadata.resourceVersion, mwc.metadata.resourceVersion, 'configuration unchanged (same resourceVersion)')
})

t.test('renewal inside the window, then quiet again', async (t) => {
  const { secret } = await state()
  const renew = await cli([...jobArgs, '--renew-before', '366d', '--validity', '400d'])
  t.equal(renew.code, 0, renew.stderr)
  t.match(renew.stdout, /Secret openclaw-injector\/openclaw-injector-tls: renewed CA and certificate \(tls.crt expires on .*, within the renewal window\)/)
  const after = await state()
  const bundle = splitPemBundle(Buffer.from(after.secret.data['ca.crt'], 'base64').toString())
  t.equal(bundle.length, 2, 'new and previous CA trusted while pods switch over')
  t.equal(bundle[1], splitPemBundle(Buffer.from(secret.data['ca.crt'], 'base64').toString())[0])
  t.equal(after.mwc.webhooks[0].clientConfig.caBundle, after.secret.data['ca.crt'])
  const quiet = await cli(jobArgs)
  t.match(quiet.stdout, /left alone[\s\S]*already current/)
})

t.test('a wiped caBundle (GitOps sync without ignoreDifferences) is put back', async (t) => {
  await cp.requestOk('PATCH', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/openclaw-injector',
    [{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }])
  const r = await cli(jobArgs)
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /left alone\n.*caBundle of webhook token-sync.openclaw.ai patched/)
  const { secret, mwc } = await state()
  t.equal(mwc.webhooks[0].clientConfig.caBundle, secret.data['ca.crt'])
})

t.test('optimistic concurrency: a stale resourceVersion is refused with 409 by the real API server', async (t) => {
  const client = await createKubeClient({ kubeconfig: cp.kubeconfigPath })
  const { secret, mwc } = await state()
  const stale = String(Number(secret.metadata.resourceVersion) - 1)
  await t.rejects(client.replaceSecretData(NS, 'openclaw-injector-tls', stale, { 'tls.crt': 'x', 'tls.key': 'y' }), { name: 'ClusterError', status: 409 })
  await t.rejects(client.patchCaBundles('openclaw-injector', String(Number(mwc.metadata.resourceVersion) - 1), [0], 'x'), { name: 'ClusterError', status: 409 })
  const unchanged = await state()
  t.equal(unchanged.secret.metadata.resourceVersion, secret.metadata.resourceVersion, 'nothing written')
  t.equal(unchanged.mwc.metadata.resourceVersion, mwc.metadata.resourceVersion)
  // and the current one is accepted (same data, so a no-op write)
  const current = await client.readSecret(NS, 'openclaw-injector-tls')
  await client.replaceSecretData(NS, 'openclaw-injector-tls', current!.resourceVersion, current!.data)
  t.same((await client.readSecret(NS, 'openclaw-injector-tls'))!.data, current!.data)
})

t.test('RBAC: exactly what the comments in certs-rbac.yaml claim', async (t) => {
  const can = async (attrs: Record<string, string>) => {
    const review = await cp.requestOk('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: { user: `system:serviceaccount:${NS}:${SA}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'], resourceAttributes: attrs },
    })
    return review.status.allowed === true
  }
  const secret = { namespace: NS, resource: 'secrets' }
  const mwc = { group: 'admissionregistration.k8s.io', resource: 'mutatingwebhookconfigurations' }
  t.equal(await can({ ...secret, verb: 'get', name: 'openclaw-injector-tls' }), true, 'get its Secret')
  t.equal(await can({ ...secret, verb: 'patch', name: 'openclaw-injector-tls' }), true, 'patch its Secret')
  t.equal(await can({ ...secret, verb: 'create' }), true, 'create Secrets (resourceNames cannot limit create)')
  t.equal(await can({ ...secret, verb: 'get', name: 'another' }), false, 'not read another Secret')
  t.equal(await can({ ...secret, verb: 'list' }), false, 'not list Secrets')
  t.equal(await can({ ...secret, verb: 'update', name: 'openclaw-injector-tls' }), false, 'not even update (patch is enough)')
  t.equal(await can({ ...secret, verb: 'delete', name: 'openclaw-injector-tls' }), false, 'not delete')
  t.equal(await can({ resource: 'secrets', namespace: 'default', verb: 'create' }), false, 'no Secrets in other namespaces')
  t.equal(await can({ ...mwc, verb: 'get', name: 'openclaw-injector' }), true)
  t.equal(await can({ ...mwc, verb: 'patch', name: 'openclaw-injector' }), true)
  t.equal(await can({ ...mwc, verb: 'patch', name: 'someone-else' }), false, 'not another webhook configuration')
  t.equal(await can({ ...mwc, verb: 'create' }), false)
  t.equal(await can({ resource: 'pods', namespace: NS, verb: 'create' }), false, 'cannot create pods to mount what it creates')

  const webhookSa = await cp.requestOk('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: { user: `system:serviceaccount:${NS}:openclaw-injector`, resourceAttributes: { namespace: NS, resource: 'secrets', verb: 'get', name: 'openclaw-injector-tls' } },
  })
  t.equal(webhookSa.status.allowed, false, 'the webhook ServiceAccount cannot even read its own Secret')
})

t.test('403 and 404: one clear line, exit 1', async (t) => {
  const forbidden = await cli([...jobArgs.slice(0, -1), 'someone-else'])
  t.equal(forbidden.code, 1)
  t.match(forbidden.stderr, /^certs: get MutatingWebhookConfiguration someone-else: forbidden \(HTTP 403\): .*cannot get resource "mutatingwebhookconfigurations" .* \(check the RBAC rules of the ServiceAccount this runs as\)\n$/)
  const otherSecret = await cli(['certs', '--service', 'openclaw-injector', '--namespace', NS, '--secret', 'another'])
  t.equal(otherSecret.code, 1)
  t.match(otherSecret.stderr, /^certs: get Secret openclaw-injector\/another: forbidden \(HTTP 403\): secrets "another" is forbidden/)

  // as admin, a missing webhook configuration is a 404
  const missing = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'src/cli.ts'), 'certs', '--service', 'x', '--namespace', 'default', '--secret', 'x-tls', '--patch-webhook', 'absent', '--kubeconfig', cp.kubeconfigPath], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('close', (code) => resolve({ code, stderr }))
  })
  t.equal(missing.code, 1)
  t.equal(missing.stderr, 'certs: MutatingWebhookConfiguration absent: not found (HTTP 404): apply the manifests first, or fix --patch-webhook\n')
})
