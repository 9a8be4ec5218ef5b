// manifests/ against a real kube-apiserver:
//   1. every rendered object of the base and of the cert-manager overlay passes server-side
//      dry-run with strict field validation, and Pod Security "restricted" raises no warning;
//   2. the webhook's selectors and CEL matchConditions, evaluated by the API server itself,
//      send exactly the pods the engine would pick (a stub webhook records who calls).
import t from 'tap'
import { randomBytes } from 'node:crypto'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { startControlPlane, type ControlPlane } from './controlplane/control-plane.ts'
import { collectionPath, one, render } from '../manifests/helpers/kustomize.ts'
import { generateCertificates } from '../../src/certs/generate.ts'
import { selectPod } from '../../src/engine/selection.ts'
import { ANNOTATIONS } from '../../src/engine/annotations.ts'
import { defaultSettings } from '../../src/settings.ts'

t.setTimeout(Number(process.env.CONTROLPLANE_TEST_TIMEOUT_MS) || 30 * 60_000)

let cp: ControlPlane
t.before(async () => {
  cp = await startControlPlane()
})
t.teardown(() => cp?.stop())

// cert-manager is not installed here. Stub CRDs with open schemas let the API server take
// Issuer and Certificate objects, so their group, version, kind and scope are checked; their
// fields are not (cert-manager's own CRDs would do that).
async function installCertManagerStubs(): Promise<void> {
  for (const [kind, plural] of [['Issuer', 'issuers'], ['Certificate', 'certificates']] as const) {
    await cp.requestOk('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.cert-manager.io` },
      spec: {
        group: 'cert-manager.io',
        scope: 'Namespaced',
        names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
        versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
      },
    })
  }
  // wait until both are served
  for (let i = 0; i < 100; i++) {
    const res = await cp.request('GET', '/apis/cert-manager.io/v1/namespaces/default/certificates')
    const res2 = await cp.request('GET', '/apis/cert-manager.io/v1/namespaces/default/issuers')
    if (res.ok && res2.ok) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error('cert-manager stub CRDs were not served in time')
}

t.test('every manifest passes server-side dry-run (strict fields, no Pod Security warnings)', async (t) => {
  const base = render('.')
  const certManager = render('overlays/cert-manager')
  // Namespaced objects can only be dry-run in a namespace that exists: create it for real
  // (after dry-running it too).
  const ns = one(base, 'Namespace')
  const dryNs = await cp.request('POST', `${collectionPath(ns)}?dryRun=All&fieldValidation=Strict`, ns)
  t.equal(dryNs.status, 201, `dry-run Namespace: ${dryNs.text.slice(0, 300)}`)
  await cp.requestOk('POST', `${collectionPath(ns)}?fieldValidation=Strict`, ns)
  await installCertManagerStubs()

  const seen = new Set<string>()
  for (const [label, objects] of [['base', base], ['cert-manager', certManager]] as const) {
    for (const obj of objects) {
      if (obj.kind === 'Namespace') continue
      const id = `${obj.kind}/${obj.metadata.name}`
      if (label === 'cert-manager' && seen.has(`${id}:${JSON.stringify(obj)}`)) continue
      seen.add(`${id}:${JSON.stringify(obj)}`)
      const res = await cp.request('POST', `${collectionPath(obj)}?dryRun=All&fieldValidation=Strict`, obj)
      t.equal(res.status, 201, `${label}: dry-run ${id}${res.ok ? '' : `: ${res.body?.message ?? res.text.slice(0, 300)}`}`)
      t.equal(res.headers.warning, undefined, `${label}: ${id} raises no warning${res.headers.warning ? `: ${res.headers.warning}` : ''}`)
    }
  }
  t.ok(seen.size >= 17, `${seen.size} distinct objects dry-run`)
  const stored = await cp.request('GET', '/apis/apps/v1/namespaces/openclaw-injector/deployments/openclaw-injector')
  t.equal(stored.status, 404, 'dry-run stored nothing')
})

interface Case {
  name: string
  namespace: 'cel-in' | 'cel-out' | 'kube-system' | 'openclaw-injector'
  labels?: Record<string, string>
  annotations?: Record<string, string>
  containers: string[]
  initContainers?: string[]
}

t.test('the API server sends exactly the pods the engine would pick', async (t) => {
  // A stub webhook that allows everything and records who reached it.
  const pki = await generateCertificates({ commonName: 'stub', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
  const reached: string[] = []
  const stub = https.createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
    let body = ''
    req.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => {
      const review = JSON.parse(body)
      reached.push(review.request.object.metadata.name)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } }))
    })
  })
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => { stub.closeAllConnections(); stub.close(() => resolve()) }))

  // The rendered configuration, pointed at the stub. failurePolicy Fail here, so that an
  // error evaluating the CEL (which Ignore would hide as "not sent") fails the create.
  const mwc = structuredClone(one(render('.'), 'MutatingWebhookConfiguration'))
  const name = `cel-${randomBytes(3).toString('hex')}`
  mwc.metadata.name = name
  mwc.webhooks[0].clientConfig = { url: `https://127.0.0.1:${(stub.address() as AddressInfo).port}/mutate`, caBundle: Buffer.from(pki.caCert).toString('base64') }
  mwc.webhooks[0].failurePolicy = 'Fail'
  await cp.requestOk('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mwc)
  t.teardown(() => cp.request('DELETE', `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${name}`))

  await cp.createNamespace('cel-in', { 'openclaw.ai/token-sync': 'enabled' })
  await cp.createNamespace('cel-out')
  // even when labelled, the system namespaces and our own are never sent
  await cp.requestOk('PATCH', '/api/v1/namespaces/kube-system', { metadata: { labels: { 'openclaw.ai/token-sync': 'enabled' } } })
  const own = await cp.request('GET', '/api/v1/namespaces/openclaw-injector')
  if (own.ok) await cp.requestOk('PATCH', '/api/v1/namespaces/openclaw-injector', { metadata: { labels: { 'openclaw.ai/token-sync': 'enabled' } } })
  else await cp.createNamespace('openclaw-injector', { 'openclaw.ai/token-sync': 'enabled' })
  for (const ns of ['kube-system', 'openclaw-injector']) {
    const sa = await cp.request('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } })
    if (!sa.ok && sa.status !== 409) throw new Error(`ServiceAccount default in ${ns}: ${sa.text}`)
  }
  // The API server picks a new webhook configuration up asynchronously: wait until a probe
  // pod reaches the stub.
  const probe = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', annotations: { [ANNOTATIONS.tokenSync]: 'enabled' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }
  for (let i = 0; !reached.includes('probe'); i++) {
    if (i === 100) throw new Error('the webhook configuration was not in effect after 10 s')
    await cp.request('POST', '/api/v1/namespaces/cel-in/pods?dryRun=All', probe)
    if (!reached.includes('probe')) await new Promise((r) => setTimeout(r, 100))
  }
  reached.length = 0

  const OC = 'ghcr.io/openclaw/openclaw:2026.9.6'
  const cases: Case[] = [
    { name: 'image-tag', namespace: 'cel-in', containers: [OC] },
    { name: 'image-bare', namespace: 'cel-in', containers: ['openclaw/openclaw'] },
    { name: 'image-digest-port', namespace: 'cel-in', containers: [`localhost:5000/openclaw/openclaw@sha256:${'ab'.repeat(32)}`] },
    { name: 'image-second-container', namespace: 'cel-in', containers: ['busybox:1.37', OC] },
    { name: 'image-lookalike', namespace: 'cel-in', containers: ['ghcr.io/notopenclaw/openclaw:1', 'openclaw/openclaw-helper:1'] },
    { name: 'image-init-only', namespace: 'cel-in', containers: ['busybox:1.37'], initContainers: [OC] },
    { name: 'plain', namespace: 'cel-in', containers: ['busybox:1.37'] },
    { name: 'label-openclaw', namespace: 'cel-in', labels: { 'app.kubernetes.io/name': 'openclaw' }, containers: ['busybox:1.37'] },
    { name: 'label-helm', namespace: 'cel-in', labels: { 'app.kubernetes.io/name': 'openclaw-helm' }, containers: ['busybox:1.37'] },
    { name: 'label-other', namespace: 'cel-in', labels: { 'app.kubernetes.io/name': 'nginx' }, containers: ['busybox:1.37'] },
    { name: 'annotation-enabled', namespace: 'cel-in', annotations: { [ANNOTATIONS.tokenSync]: 'enabled' }, containers: ['busybox:1.37'] },
    { name: 'annotation-other', namespace: 'cel-in', annotations: { [ANNOTATIONS.tokenSync]: 'yes', other: 'x' }, containers: ['busybox:1.37'] },
    { name: 'label-disabled', namespace: 'cel-in', labels: { 'openclaw.ai/token-sync': 'disabled' }, containers: [OC] },
    { name: 'namespace-not-opted-in', namespace: 'cel-out', containers: [OC] },
    { name: 'kube-system', namespace: 'kube-system', containers: [OC] },
    { name: 'own-namespace', namespace: 'openclaw-injector', containers: [OC] },
  ]
  const settings = defaultSettings().engine
  const restricted = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
  for (const c of cases) {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: c.name, ...(c.labels ? { labels: c.labels } : {}), ...(c.annotations ? { annotations: c.annotations } : {}) },
      spec: {
        // restricted-compliant, so Pod Security (openclaw-injector enforces it) never interferes
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: c.containers.map((image, i) => ({ name: `c${i}`, image, securityContext: restricted })),
        ...(c.initContainers ? { initContainers: c.initContainers.map((image, i) => ({ name: `i${i}`, image, securityContext: restricted })) } : {}),
      },
    }
    const before = reached.length
    const res = await cp.request('POST', `/api/v1/namespaces/${c.namespace}/pods?dryRun=All`, pod)
    t.equal(res.status, 201, `${c.name}: created (dry-run)${res.ok ? '' : `: ${res.body?.message}`}`)
    const sent = reached.length > before
    let expected: boolean
    if (c.namespace !== 'cel-in' || c.labels?.['openclaw.ai/token-sync'] === 'disabled') {
      expected = false // the namespace and object selectors
    } else {
      expected = selectPod(pod as never, settings, c.annotations?.[ANNOTATIONS.tokenSync] === 'enabled').selected
    }
    t.equal(sent, expected, `${c.name}: ${expected ? 'sent to the webhook' : 'never reaches the webhook'}`)
  }
  t.same(reached.sort(), ['annotation-enabled', 'image-bare', 'image-digest-port', 'image-second-container', 'image-tag', 'label-helm', 'label-openclaw'])
})
