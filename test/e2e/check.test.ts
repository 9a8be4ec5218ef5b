// `openclaw-injector check` against the real kube-apiserver: a healthy installation reads
// healthy (exit 0), and each way of breaking it (an expiring certificate, an uninjected
// pod, a pod of an older version, the caBundle removed or wrong, the webhook scaled to 0)
// gives its ✗ and its fix (exit 1).
//
// The webhook is the real `serve` on loopback, registered by URL with the configuration of
// manifests/ (test/e2e/helpers/env.ts), so `check` takes its certificate from the URL. The
// Deployment and PodDisruptionBudget are those of manifests/, created in the API server.
// This tier has no controller-manager and no kubelet, so nothing ever updates a
// Deployment's status: the test writes the status the Deployment controller would write
// (readyReplicas etc.) through the status subresource. That is the one stand-in here.
// The service-and-port-forward path of `check` needs a kubelet: the kind tier covers it.
import t from 'tap';
import type { Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { ANNOTATIONS, OPT_LABEL } from '../../src/engine/annotations.ts';
import { MARKER_ENV } from '../../src/engine/init-container.ts';
import { VERSION } from '../../src/build-info.generated.ts';
import { startE2E } from './helpers/env.ts';
import type { E2E } from './helpers/env.ts';
import { CLI, fingerprintOf, presentedFingerprint, writeServingFiles } from './helpers/injector.ts';
import { restrictedOpenclawPod } from './helpers/pods.ts';
import { patchWebhook } from './helpers/webhook-config.ts';
import { runCheck, type Check, type Report } from './helpers/check-cli.ts';
import { servingCertificates } from '../helpers/tls.ts';
import { until } from '../helpers/wait.ts';
import { one, render } from '../manifests/helpers/kustomize.ts';

let env: E2E | undefined;
t.before(async () => {
  env = await startE2E();
});
t.teardown(async () => {
  await env?.stop();
});

/** Runs the CLI as an admin would, against the e2e API server's kubeconfig. */
const check = (...args: string[]): Report => runCheck(env!.cp.kubeconfigPath, ...args);

function failed(report: Report): Check[] {
  return report.checks.filter((c) => !c.ok);
}

function assertHealthy(t: Test, report: Report, what: string): void {
  t.equal(report.code, 0, `${what}: exit 0 (${report.stderr.trim()})`);
  t.same(failed(report), [], `${what}: every check passes`);
}

const INJECTOR_NS = 'openclaw-injector';
const manifests = render('.');
const deployment = one(manifests, 'Deployment');

/** What the Deployment controller would write once `ready` of `replicas` pods are ready (see the header). */
async function setDeploymentStatus(replicas: number, ready: number): Promise<void> {
  const item = `/apis/apps/v1/namespaces/${INJECTOR_NS}/deployments/${deployment.metadata.name}`;
  const current = await env!.cp.requestOk('GET', item);
  if (current.spec.replicas !== replicas) await env!.cp.requestOk('PATCH', item, { spec: { replicas } }, { contentType: 'application/merge-patch+json' });
  const latest = await env!.cp.requestOk('GET', item);
  await env!.cp.requestOk('PUT', `${item}/status`, {
    ...latest,
    status: { observedGeneration: latest.metadata.generation, replicas: ready, readyReplicas: ready, availableReplicas: ready, updatedReplicas: ready },
  });
}

/** A Deployment `name` with a ReplicaSet, as the Deployment controller would have made it; returns the ReplicaSet's owner reference. */
async function ownedByDeployment(ns: string, name: string): Promise<any> {
  const labels = { 'app.kubernetes.io/name': 'openclaw', app: name };
  const template = { metadata: { labels }, spec: { containers: [{ name: 'gateway', image: 'ghcr.io/openclaw/openclaw:2026.9.6' }] } };
  const d = await env!.cp.requestOk('POST', `/apis/apps/v1/namespaces/${ns}/deployments`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name }, spec: { selector: { matchLabels: labels }, template } });
  const rs = await env!.cp.requestOk('POST', `/apis/apps/v1/namespaces/${ns}/replicasets`, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `${name}-7c9d4b`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: d.metadata.uid, controller: true }] },
    spec: { selector: { matchLabels: labels }, template },
  });
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true };
}

async function createPod(ns: string, pod: any): Promise<any> {
  return env!.cp.requestOk('POST', `/api/v1/namespaces/${ns}/pods`, pod);
}

async function deletePod(ns: string, name: string): Promise<void> {
  // never scheduled (no kubelet here), so deletion is immediate
  await env!.cp.requestOk('DELETE', `/api/v1/namespaces/${ns}/pods/${name}`);
}

t.test('setup: the manifests\' Deployment and PDB, one opted-in namespace', async () => {
  await env!.cp.createNamespace(INJECTOR_NS, one(manifests, 'Namespace').metadata.labels);
  for (const o of [deployment, one(manifests, 'PodDisruptionBudget')]) {
    const plural = o.kind === 'Deployment' ? 'apis/apps/v1' : 'apis/policy/v1';
    await env!.cp.requestOk('POST', `/${plural}/namespaces/${INJECTOR_NS}/${o.kind === 'Deployment' ? 'deployments' : 'poddisruptionbudgets'}`, o);
  }
  await setDeploymentStatus(2, 2);
  await env!.cp.createNamespace('agents', { [OPT_LABEL]: 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' });
});

t.test('a serving certificate about to expire is a ✗', async (t) => {
  // startE2E's certificate lasts two days
  const report = check();
  t.equal(report.code, 1);
  const expiry = report.checks.find((c) => c.name === 'certificate expiry')!;
  t.equal(expiry.ok, false);
  t.match(expiry.detail, /expires on .*, in [12]\.\d days, and was not renewed/);
  t.match(expiry.fix, /kubectl -n openclaw-injector create job --from=cronjob\/openclaw-injector-certs certs-now-\d+/);
  t.same(failed(report).map((c) => c.name), ['certificate expiry'], 'and nothing else');
});

t.test('healthy: every check passes, exit 0, nothing stored by the dry run', async (t) => {
  // renewed as the certs Job renews: a new CA (a certificate cannot outlive its CA) trusted first, then served
  const next = await servingCertificates(undefined, { commonName: 'openclaw-injector-e2e', validityDays: 90 });
  await env!.setCaBundle(next.caCert);
  env!.ca = { cert: next.caCert, key: next.caKey };
  await writeServingFiles(env!.tls, next);
  await until('the webhook to serve the renewed certificate', async () => await presentedFingerprint(env!.injector.port) === fingerprintOf(next.cert), { timeoutMs: 20_000, intervalMs: 50 });

  const report = check();
  assertHealthy(t, report, 'healthy');
  t.same(report.checks.map((c) => c.name), ['webhook configuration', 'caBundle', 'serving certificate', 'certificate expiry', 'deployment', 'pod disruption budget', 'dry-run pod', 'namespace agents']);
  const byName = Object.fromEntries(report.checks.map((c) => [c.name, c.detail]));
  t.match(byName['webhook configuration'], 'openclaw-injector: webhook token-sync.openclaw.ai, failurePolicy Ignore');
  t.match(byName['serving certificate'], `${env!.injector.mutateUrl} presents openclaw-injector-e2e, signed by `);
  t.match(byName['serving certificate'], / in the caBundle, valid for 127\.0\.0\.1$/);
  t.match(byName['certificate expiry'], /\(8\d days\)/);
  t.match(byName.deployment, 'openclaw-injector/openclaw-injector: 2 of 2 replicas ready');
  t.match(byName['pod disruption budget'], 'openclaw-injector/openclaw-injector: minAvailable 1 of 2 replicas');
  t.match(byName['dry-run pod'], `came back injected by openclaw-injector ${VERSION}; nothing was stored`);
  t.match(byName['namespace agents'], 'no OpenClaw pods');
  const pods = await env!.cp.requestOk('GET', '/api/v1/namespaces/agents/pods');
  t.same(pods.items, [], 'the dry-run pod was not stored');

  const text = spawnSync(process.execPath, [CLI, 'check', '--kubeconfig', env!.cp.kubeconfigPath], { encoding: 'utf8' });
  t.equal(text.status, 0);
  const lines = text.stdout.trim().split('\n');
  t.equal(lines.length, report.checks.length + 1, 'one line per check, and a verdict');
  t.ok(lines.slice(0, -1).every((l) => l.startsWith('✓ ')), 'each marked ✓');
  t.equal(lines.at(-1), 'openclaw-injector is healthy');
});

t.test('an injected pod keeps it healthy; an uninjected one is a ✗ with the rollout restart that fixes it', async (t) => {
  const owner = await ownedByDeployment('agents', 'openclaw');
  const injected = restrictedOpenclawPod('openclaw-7c9d4b-aaaaa');
  injected.metadata!.ownerReferences = [owner];
  const stored = await createPod('agents', injected);
  t.equal(stored.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'created through the webhook');
  assertHealthy(t, check(), 'one injected pod');
  t.match(check().checks.find((c) => c.name === 'namespace agents')!.detail, `1 OpenClaw pod, all injected by ${VERSION}`);

  // created before its namespace opted in
  await env!.cp.createNamespace('late', { 'pod-security.kubernetes.io/enforce': 'restricted' });
  const lateOwner = await ownedByDeployment('late', 'gateway');
  const early = restrictedOpenclawPod('gateway-7c9d4b-bbbbb');
  early.metadata!.ownerReferences = [lateOwner];
  const earlyStored = await createPod('late', early);
  t.equal(earlyStored.metadata.annotations?.[ANNOTATIONS.status], undefined, 'not injected: the namespace had not opted in');
  await env!.cp.requestOk('PATCH', '/api/v1/namespaces/late', { metadata: { labels: { [OPT_LABEL]: 'enabled' } } }, { contentType: 'application/merge-patch+json' });

  const report = check();
  t.equal(report.code, 1, 'exit 1');
  t.equal(report.healthy, false);
  t.same(failed(report), [{
    name: 'pod late/gateway-7c9d4b-bbbbb',
    ok: false,
    detail: 'an OpenClaw pod that was not injected: created before its namespace was labelled, or while the webhook was unreachable',
    fix: 'kubectl -n late rollout restart deployment/gateway',
  }]);
  t.ok(report.checks.some((c) => c.name === 'namespace agents' && c.ok), 'the other namespace is still fine');

  const only = check('-n', 'agents');
  assertHealthy(t, only, '-n agents looks at agents only');
  t.notOk(only.checks.some((c) => c.name.includes('late')));
  const onlyLate = check('-n', 'late');
  t.equal(onlyLate.code, 1);
  t.match(onlyLate.checks.find((c) => c.name === 'dry-run pod')!.detail, 'in late came back injected', '-n also picks the dry run\'s namespace');

  const text = spawnSync(process.execPath, [CLI, 'check', '--kubeconfig', env!.cp.kubeconfigPath], { encoding: 'utf8' });
  t.equal(text.status, 1);
  t.match(text.stdout, /^✗ pod late\/gateway-7c9d4b-bbbbb: an OpenClaw pod that was not injected: .*; fix: kubectl -n late rollout restart deployment\/gateway$/m, 'text: one ✗ line with its fix');
  t.match(text.stdout, /^1 of \d+ checks failed$/m);
  await deletePod('late', 'gateway-7c9d4b-bbbbb');
  assertHealthy(t, check(), 'after the restart (here: the pod deleted)');
});

t.test('a pod injected by another version is a ✗ with its restart', async (t) => {
  const pod = restrictedOpenclawPod('state-0');
  pod.metadata!.annotations = { ...pod.metadata!.annotations, [ANNOTATIONS.status]: 'injected', [ANNOTATIONS.version]: '0.0.1' };
  // the injected container of that version: the webhook sees it and leaves the pod alone (reinvocation)
  pod.spec!.initContainers = [{ name: 'init-config', image: 'ghcr.io/openclaw/openclaw:2026.9.6', command: ['node', '-e', ''], env: [{ name: MARKER_ENV, value: 'sync' }], securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true } }];
  pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'state', uid: '6f0b3c2e-0d4e-4a53-9d0e-3a1b2c3d4e5f', controller: true }];
  const stored = await createPod('agents', pod);
  t.equal(stored.metadata.annotations[ANNOTATIONS.version], '0.0.1', 'stored as the old version left it');
  const report = check();
  t.equal(report.code, 1);
  t.same(failed(report), [{ name: 'pod agents/state-0', ok: false, detail: `injected by openclaw-injector 0.0.1, the webhook now runs ${VERSION}`, fix: 'kubectl -n agents rollout restart statefulset/state' }]);
  await deletePod('agents', 'state-0');
});

t.test('caBundle removed, or holding another CA: ✗ with the certs Job that puts it back', async (t) => {
  await patchWebhook(env!.cp, env!.configName, [{ op: 'remove', path: '/clientConfig/caBundle' }]);
  await env!.barrier.touchAndSync(env!.configName);
  const report = check();
  t.equal(report.code, 1);
  const bad = Object.fromEntries(failed(report).map((c) => [c.name, c]));
  t.same(Object.keys(bad).sort(), ['caBundle', 'dry-run pod', 'serving certificate']);
  t.match(bad.caBundle!.detail, 'empty: the API server cannot trust the webhook');
  t.match(bad.caBundle!.fix, /^kubectl -n openclaw-injector create job --from=cronjob\/openclaw-injector-certs certs-now-\d+$/);
  t.match(bad['serving certificate']!.detail, 'there is no caBundle to verify it with');
  t.match(bad['dry-run pod']!.detail, 'came back NOT injected: the API server could not use the webhook and, with failurePolicy Ignore, created the pod anyway');

  const other = await servingCertificates(undefined, { commonName: 'someone-else' });
  await env!.setCaBundle(other.caCert);
  const wrong = check();
  t.equal(wrong.code, 1);
  t.same(failed(wrong).map((c) => c.name).sort(), ['dry-run pod', 'serving certificate']);
  t.match(failed(wrong).find((c) => c.name === 'serving certificate')!.detail, 'which no CA in the caBundle signed: the API server will refuse it (x509: certificate signed by unknown authority)');

  await env!.setCaBundle(env!.ca.cert);
  assertHealthy(t, check(), 'caBundle restored');
});

t.test('with failurePolicy Fail the dry run is refused, and check says so', async (t) => {
  await env!.setFailurePolicy('Fail');
  await env!.setCaBundle((await servingCertificates(undefined, { commonName: 'someone-else' })).caCert);
  const report = check();
  const dry = report.checks.find((c) => c.name === 'dry-run pod')!;
  t.equal(dry.ok, false);
  t.match(dry.detail, /the API server refused a dry-run OpenClaw pod in agents: .*failed calling webhook "token-sync\.openclaw\.ai"/);
  t.match(report.checks.find((c) => c.name === 'webhook configuration')!.detail, 'failurePolicy Fail');
  await env!.setCaBundle(env!.ca.cert);
  await env!.setFailurePolicy('Ignore');
  assertHealthy(t, check(), 'restored');
});

// What the docs' install ends with. The API server cannot use the webhook (its caBundle holds
// another CA, as the API server sees a webhook it cannot reach yet), then can: check --wait
// keeps sending the dry-run pod until it comes back injected.
t.test('--wait: repeats until the dry-run pod comes back injected, or gives up with the ✗', async (t) => {
  const other = await servingCertificates(undefined, { commonName: 'someone-else' });
  await env!.setCaBundle(other.caCert);
  const short = check('-n', 'agents', '--wait=3s');
  t.equal(short.code, 1, 'still broken after 3 s: exit 1');
  t.match(short.checks.find((c) => c.name === 'dry-run pod'), { ok: false, detail: /NOT injected/ });
  t.match(short.stderr, /^openclaw-injector check: waiting up to 3s for a dry-run OpenClaw pod to come back injected\nopenclaw-injector check: the dry-run pod did not come back injected within 3s \([2-9] runs\)\n$/);

  const started = Date.now();
  const waiting = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, 'check', '--kubeconfig', env!.cp.kubeconfigPath, '-o', 'json', '-n', 'agents', '--wait'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  await new Promise((r) => setTimeout(r, 4000));
  await env!.setCaBundle(env!.ca.cert);
  const done = await waiting;
  t.equal(done.code, 0, `healthy once the API server can use the webhook (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const report = JSON.parse(done.stdout);
  t.equal(report.healthy, true);
  t.match(report.checks.find((c: Check) => c.name === 'dry-run pod'), { ok: true, detail: /came back injected/ });
  t.match(done.stderr, /waiting up to 2m for a dry-run OpenClaw pod/, 'a bare --wait waits up to 2m');
  const runs = Number(/the API server reached the webhook after \d+ s \((\d+) runs?\)/.exec(done.stderr)?.[1]);
  t.ok(runs >= 2, `it ran the checks again until then (${runs} runs)`);
});

t.test('registered through a Service: the certificate is fetched from a ready endpoint\'s pod', async (t) => {
  // A second configuration, as manifests/ has it (clientConfig.service), selecting no
  // namespace so it changes no admission. Without a kubelet the port-forward cannot
  // connect, so this shows the way to the pod and a clean ✗, not a handshake (kind does).
  const mwc = structuredClone(one(manifests, 'MutatingWebhookConfiguration'));
  mwc.metadata.name = 'service-registered';
  mwc.webhooks[0].namespaceSelector = { matchLabels: { 'e2e.openclaw.ai/never': 'matches' } };
  await env!.cp.requestOk('POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', mwc);
  await env!.cp.requestOk('POST', `/api/v1/namespaces/${INJECTOR_NS}/services`, one(manifests, 'Service'));
  const serving = () => check('--webhook-configuration', 'service-registered').checks.find((c) => c.name === 'serving certificate')!;
  t.match(serving(), { ok: false, detail: 'Service openclaw-injector/openclaw-injector has no ready endpoint: no webhook pod is serving (namespace openclaw-injector)' });

  await env!.cp.requestOk('POST', `/api/v1/namespaces/${INJECTOR_NS}/serviceaccounts`, one(manifests, 'ServiceAccount', 'openclaw-injector'));
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'openclaw-injector-5b7c9-x2x7l', labels: deployment.spec.template.metadata.labels }, spec: deployment.spec.template.spec };
  await env!.cp.requestOk('POST', `/api/v1/namespaces/${INJECTOR_NS}/pods`, pod);
  await env!.cp.requestOk('POST', `/apis/discovery.k8s.io/v1/namespaces/${INJECTOR_NS}/endpointslices`, {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'openclaw-injector-abcde', labels: { 'kubernetes.io/service-name': 'openclaw-injector' } },
    addressType: 'IPv4',
    ports: [{ name: 'https', port: 8443, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.0.0.9'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'not-ready', namespace: INJECTOR_NS } },
      { addresses: ['10.0.0.10'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: pod.metadata.name, namespace: INJECTOR_NS } },
    ],
  });
  const viaPod = serving();
  t.equal(viaPod.ok, false);
  t.match(viaPod.detail, /^port-forward to pod openclaw-injector\/openclaw-injector-5b7c9-x2x7l:8443: /, 'the ready endpoint\'s pod, on the slice\'s port for the Service\'s port name');
  t.equal(viaPod.detail.split('\n').length, 1, 'one line');
  t.comment(viaPod.detail);
  await env!.cp.requestOk('DELETE', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/service-registered');
});

t.test('the webhook scaled to 0: ✗ with the scale command', async (t) => {
  await setDeploymentStatus(0, 0);
  await env!.injector.stop();
  const report = check();
  t.equal(report.code, 1);
  const bad = Object.fromEntries(failed(report).map((c) => [c.name, c]));
  t.same(Object.keys(bad).sort(), ['deployment', 'dry-run pod', 'pod disruption budget', 'serving certificate']);
  t.same(bad.deployment, { name: 'deployment', ok: false, detail: 'openclaw-injector/openclaw-injector is scaled to 0: nothing answers the API server', fix: 'kubectl -n openclaw-injector scale deployment/openclaw-injector --replicas=2' });
  t.match(bad['serving certificate']!.detail, `connect to ${env!.injector.mutateUrl}: ECONNREFUSED`);
  t.match(bad['pod disruption budget']!.detail, 'keeps 1 of 0 replicas');
  t.match(bad['dry-run pod']!.detail, 'NOT injected');
});

t.test('bad flags: one line, exit 2; no cluster: one line, exit 1', async (t) => {
  for (const [args, pattern] of [
    [['-o', 'yaml'], /-o must be text or json, got "yaml"/],
    [['-n', 'Bad_NS'], /--namespace "Bad_NS": not a valid namespace name/],
    [['--timeout', 'soon'], /--timeout "soon"/],
    [['--bogus'], /Unknown option '--bogus'/],
    [['--mode', 'both'], /--mode: expected one of "auto", "sync", "ref", got "both"/],
  ] as const) {
    const r = spawnSync(process.execPath, [CLI, 'check', ...args], { encoding: 'utf8' });
    t.equal(r.status, 2, args.join(' '));
    t.match(r.stderr, pattern);
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    t.equal(r.stdout, '');
  }
  const none = spawnSync(process.execPath, [CLI, 'check', '--kubeconfig', '/nonexistent/kubeconfig'], { encoding: 'utf8' });
  t.equal(none.status, 1);
  t.equal(none.stderr, 'openclaw-injector check: kubeconfig /nonexistent/kubeconfig (from --kubeconfig) does not exist\n');
});

