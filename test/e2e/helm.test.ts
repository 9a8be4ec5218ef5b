// The Helm chart against a real kube-apiserver: `helm install` (every object accepted by the
// API server), the certs Job's command run with the chart's own RBAC, `helm upgrade` with a
// values change keeping the Secret and the caBundle untouched, and `helm uninstall` leaving
// nothing behind, the certs Secret included (deleted by the uninstall hook's command, run
// with the hook's own RBAC).
//
// This tier has no kubelet, so Jobs never run: the test runs their commands (`node
// dist/cli.js certs ...`, exactly the args the chart renders) with a token of the Job's
// ServiceAccount, and uninstalls with --no-hooks after doing the hook's work that way.
// That Helm itself runs the hook, and that the pods start and inject, the kind tier shows
// (test/e2e/helpers/helm.ts has the wrappers it uses).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane, type ControlPlane } from './controlplane/control-plane.ts';
import { CLI } from './helpers/injector.ts';
import { installChart, releaseObjects, releases, releaseStatus, template, uninstallChart, upgradeChart } from './helpers/helm.ts';
import { serviceAccountKubeconfig } from './helpers/kubeconfig.ts';
import { collectionPath, one, parseYaml } from '../manifests/helpers/kustomize.ts';

t.setTimeout(Number(process.env.CONTROLPLANE_TEST_TIMEOUT_MS) || 30 * 60_000);

const NS = 'openclaw-injector';
const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/openclaw-injector';
const SECRET = `/api/v1/namespaces/${NS}/secrets/openclaw-injector-tls`;

let cp: ControlPlane;
let dir: string;
t.before(async () => {
  cp = await startControlPlane();
  dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-e2e-helm-'));
});
t.teardown(async () => {
  await cp?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs the CLI with the given kubeconfig; resolves to exit code and output. */
function cli(args: string[], kubeconfig: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The object live in the API server, or undefined (404). */
async function live(o: any): Promise<any> {
  const r = await cp.request('GET', `${collectionPath(o)}/${o.metadata.name}`);
  if (r.status === 404) return undefined;
  if (!r.ok) throw new Error(`GET ${o.kind}/${o.metadata.name}: HTTP ${r.status}`);
  return r.body;
}

/** Runs the certs Job of the current release revision as the kubelet would: its args, its ServiceAccount. */
async function runCertsJob(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const job = one(releaseObjects({ kubeconfig: cp.kubeconfigPath }), 'Job');
  const pod = job.spec.template.spec;
  const kubeconfig = await serviceAccountKubeconfig(cp, NS, pod.serviceAccountName, dir);
  return cli(pod.containers[0].args, kubeconfig);
}

t.test('helm install: the API server accepts every object of the chart', async (t) => {
  // Helm keeps the release record in the namespace: it exists first, with its Pod Security labels
  await cp.createNamespace(NS, { 'pod-security.kubernetes.io/enforce': 'restricted' });
  installChart({ kubeconfig: cp.kubeconfigPath });
  t.equal(releaseStatus({ kubeconfig: cp.kubeconfigPath }).info.status, 'deployed');
  const objects = releaseObjects({ kubeconfig: cp.kubeconfigPath });
  t.same(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort(), parseYaml(template(), 'helm template').filter((o) => !o.metadata.annotations?.['helm.sh/hook']).map((o) => `${o.kind}/${o.metadata.name}`).sort(), 'the release holds what helm template renders, hooks aside');
  for (const o of objects) t.ok(await live(o), `${o.kind}/${o.metadata.name} is in the API server`);
  t.equal((await cp.requestOk('GET', MWC)).webhooks[0].clientConfig.caBundle, undefined, 'no caBundle until the certs Job ran');
});

t.test('the certs Job, with the chart\'s RBAC, makes the Secret and the caBundle', async (t) => {
  const r = await runCertsJob();
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /caBundle of webhook token-sync.openclaw.ai patched/);
  t.match(r.stdout, /Secret openclaw-injector\/openclaw-injector-tls: created/);
  const secret = await cp.requestOk('GET', SECRET);
  t.equal((await cp.requestOk('GET', MWC)).webhooks[0].clientConfig.caBundle, secret.data['ca.crt']);
});

t.test('helm upgrade with a values change keeps the certificate and the caBundle', async (t) => {
  const before = { secret: await cp.requestOk('GET', SECRET), mwc: await cp.requestOk('GET', MWC) };
  upgradeChart({ kubeconfig: cp.kubeconfigPath, values: { replicas: 3, engine: { mode: 'ref' }, webhook: { failurePolicy: 'Fail' } } });
  t.equal(releaseStatus({ kubeconfig: cp.kubeconfigPath }).version, 2, 'revision 2');
  const after = { secret: await cp.requestOk('GET', SECRET), mwc: await cp.requestOk('GET', MWC) };
  t.equal(after.secret.metadata.resourceVersion, before.secret.metadata.resourceVersion, 'the Secret was not touched');
  t.equal(after.mwc.webhooks[0].clientConfig.caBundle, before.mwc.webhooks[0].clientConfig.caBundle, 'the caBundle survived the upgrade');
  t.equal(after.mwc.webhooks[0].failurePolicy, 'Fail', 'while the value change was applied');
  const d = await cp.requestOk('GET', `/apis/apps/v1/namespaces/${NS}/deployments/openclaw-injector`);
  t.equal(d.spec.replicas, 3);
  t.match(d.spec.template.spec.containers[0].args, ['serve', '--tls-cert', '/tls/tls.crt', '--tls-key', '/tls/tls.key', '--port', '8443', '--metrics-port', '8080', '--config', '/settings/settings.yaml']);
  const cm = await cp.requestOk('GET', `/api/v1/namespaces/${NS}/configmaps/openclaw-injector-settings`);
  t.equal(cm.data['settings.yaml'], 'engine:\n  mode: ref\n');
  const jobs = (await cp.requestOk('GET', `/apis/batch/v1/namespaces/${NS}/jobs`)).items.map((j: any) => j.metadata.name);
  t.same(jobs, ['openclaw-injector-certs-2'], 'the upgrade replaced the certs Job with this revision\'s (a Job\'s pod template cannot change)');

  const rerun = await runCertsJob();
  t.equal(rerun.code, 0, rerun.stderr);
  t.match(rerun.stdout, /valid until .*; left alone/);
  t.match(rerun.stdout, /already current/);
  t.equal((await cp.requestOk('GET', SECRET)).metadata.resourceVersion, before.secret.metadata.resourceVersion, 'the upgrade\'s certs Job changed nothing either');
  t.equal((await cp.requestOk('GET', MWC)).metadata.resourceVersion, after.mwc.metadata.resourceVersion);

  // a second upgrade with the same values: nothing of ours changes
  upgradeChart({ kubeconfig: cp.kubeconfigPath, values: { replicas: 3, engine: { mode: 'ref' }, webhook: { failurePolicy: 'Fail' } } });
  t.equal((await cp.requestOk('GET', MWC)).webhooks[0].clientConfig.caBundle, before.mwc.webhooks[0].clientConfig.caBundle, 'still the same caBundle after revision 3');
});

t.test('helm uninstall leaves nothing behind, the certs Secret included', async (t) => {
  const objects = releaseObjects({ kubeconfig: cp.kubeconfigPath });
  // The uninstall hook: its ServiceAccount and RBAC as the chart renders them, its command
  // run with that ServiceAccount's token (no kubelet here to run its Job).
  const hooks = parseYaml(template(), 'helm template').filter((o) => o.metadata.annotations?.['helm.sh/hook'] === 'pre-delete');
  for (const o of hooks.filter((h) => h.kind !== 'Job')) await cp.requestOk('POST', collectionPath(o), o);
  const job = one(hooks, 'Job').spec.template.spec;
  const kubeconfig = await serviceAccountKubeconfig(cp, NS, job.serviceAccountName, dir);
  const r = cli(job.containers[0].args, kubeconfig);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'Secret openclaw-injector/openclaw-injector-tls: deleted\n');
  t.equal((await cp.request('GET', SECRET)).status, 404, 'the certs Secret is gone');
  const again = cli(job.containers[0].args, kubeconfig);
  t.equal(again.code, 0, 'a second run is fine');
  t.equal(again.stdout, 'Secret openclaw-injector/openclaw-injector-tls: not found; nothing to delete\n');
  const forbidden = cli(['certs', '--namespace', NS, '--delete-secret', 'anything-else'], kubeconfig);
  t.equal(forbidden.code, 1, 'the hook may delete its Secret and nothing else');
  t.match(forbidden.stderr, /^certs: delete Secret openclaw-injector\/anything-else: forbidden \(HTTP 403\)/);
  for (const o of hooks.filter((h) => h.kind !== 'Job')) await cp.requestOk('DELETE', `${collectionPath(o)}/${o.metadata.name}`);

  uninstallChart({ kubeconfig: cp.kubeconfigPath, noHooks: true });
  t.same(releases({ kubeconfig: cp.kubeconfigPath }), [], 'no release left');
  for (const o of objects) t.equal(await live(o), undefined, `${o.kind}/${o.metadata.name} deleted`);
  const secrets = (await cp.requestOk('GET', `/api/v1/namespaces/${NS}/secrets`)).items.map((s: any) => s.metadata.name);
  t.same(secrets, [], 'no Secret left in the namespace (Helm\'s release records included)');
  t.equal((await cp.request('GET', MWC)).status, 404, 'no webhook configuration');
});
