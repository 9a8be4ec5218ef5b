// Smoke test of the e2e control plane: real etcd + kube-apiserver on loopback.
// The first run on a machine builds the binaries (several minutes, see README.md).
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { startControlPlane } from './control-plane.ts';
import type { ControlPlane } from './control-plane.ts';
import { canConnect } from '../../helpers/wait.ts';

// A cold cache means compiling kube-apiserver: allow for it (tap's default is 30 s a file).
t.setTimeout(Number(process.env.CONTROLPLANE_TEST_TIMEOUT_MS) || 30 * 60_000);

let cp: ControlPlane | undefined;
t.before(async () => {
  cp = await startControlPlane();
  t.comment(`control plane ready in ${cp.timings.totalMs} ms (etcd ${cp.timings.etcdReadyMs} ms, apiserver ${cp.timings.apiserverReadyMs} ms)`);
});
// stop() is idempotent: the last subtest calls it too; this covers failures before that.
t.teardown(() => cp?.stop());

t.test('apiserver is ready and serves the pinned version', async (t) => {
  const ready = await cp!.request('GET', '/readyz');
  t.equal(ready.status, 200, '/readyz is 200');
  t.equal(ready.text, 'ok');
  const version = await cp!.requestOk('GET', '/version');
  t.match(version.gitVersion, /^v1\.\d+\.\d+/, `version ${version.gitVersion}`);
  const kubeconfig = readFileSync(cp!.kubeconfigPath, 'utf8');
  t.match(kubeconfig, cp!.url, 'kubeconfig points at the apiserver');
  t.match(cp!.caPem, /BEGIN CERTIFICATE/);
});

t.test('admin is cluster-admin (system:masters)', async (t) => {
  const review = await cp!.requestOk('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { verb: '*', group: '*', resource: '*' } },
  });
  t.equal(review.status.allowed, true);
});

t.test('namespace + pod round trip through admission', async (t) => {
  const ns = 'smoke-' + Date.now().toString(36);
  await cp!.createNamespace(ns, { 'pod-security.kubernetes.io/enforce': 'baseline', 'e2e.openclaw.dev/test': 'smoke' });
  const sa = await cp!.requestOk('GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
  t.equal(sa.metadata.name, 'default', 'default ServiceAccount exists');

  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'busybox', labels: { app: 'busybox' } },
    spec: {
      containers: [{ name: 'busybox', image: 'busybox:1.37', command: ['sleep', '3600'] }],
    },
  };
  const created = await cp!.request('POST', `/api/v1/namespaces/${ns}/pods`, pod);
  t.equal(created.status, 201, `pod created: ${created.status === 201 ? '' : created.text}`);
  const got = await cp!.requestOk('GET', `/api/v1/namespaces/${ns}/pods/busybox`);
  t.equal(got.metadata.uid, created.body.metadata.uid, 'read back the same pod');
  t.equal(got.spec.containers[0].image, 'busybox:1.37');
  // the ServiceAccount admission plugin ran: default SA and a projected token volume
  t.equal(got.spec.serviceAccountName, 'default');
  t.ok(got.spec.volumes?.some((v: any) => v.name.startsWith('kube-api-access-')), 'projected SA token volume injected');
  t.notOk(got.spec.nodeName, 'never scheduled (no scheduler)');

  // PodSecurity admission is active: a privileged pod is rejected under `baseline`
  const privileged = structuredClone(pod);
  privileged.metadata.name = 'privileged';
  (privileged.spec.containers[0] as any).securityContext = { privileged: true };
  const denied = await cp!.request('POST', `/api/v1/namespaces/${ns}/pods`, privileged);
  t.equal(denied.status, 403, 'PodSecurity rejects a privileged pod');
  t.match(denied.body.message, /violates PodSecurity/);

  const list = await cp!.requestOk('GET', `/api/v1/namespaces/${ns}/pods?labelSelector=app%3Dbusybox`);
  t.equal(list.items.length, 1);
});

t.test('a second namespace without labels; missing objects are 404', async (t) => {
  const ns = 'smoke2-' + Date.now().toString(36);
  const created = await cp!.createNamespace(ns);
  t.equal(created.metadata.name, ns);
  const missing = await cp!.request('GET', `/api/v1/namespaces/${ns}/pods/nope`);
  t.equal(missing.status, 404);
  t.equal(missing.ok, false);
  await t.rejects(cp!.requestOk('GET', `/api/v1/namespaces/${ns}/pods/nope`), { name: 'ApiError', status: 404 });
});

t.test('stop() kills both processes and removes the temp dir', async (t) => {
  const { dir, port, etcdUrl } = cp!;
  await cp!.stop();
  t.equal(existsSync(dir), false, 'temp dir removed');
  t.equal(await canConnect('127.0.0.1', port), false, 'apiserver port closed');
  t.equal(await canConnect('127.0.0.1', Number(new URL(etcdUrl).port)), false, 'etcd port closed');
  await cp!.stop(); // idempotent
});
