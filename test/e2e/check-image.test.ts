// `openclaw-injector check` names an image the nodes cannot pull, against the real
// kube-apiserver. Until releases are published, ghcr.io/openclaw/openclaw-injector:<version>
// is served by no registry, so a newcomer who installs the defaults gets pods that never
// start; check must say so, with the fix (build with `npm run image`, push or `kind load`,
// point the chart or overlay at it).
//
// This tier has no kubelet: the test writes the container statuses a kubelet writes when a
// pull fails (waiting, reason ImagePullBackOff or ErrImagePull; pkg/kubelet/images/types.go)
// through the pods' status subresource, and the Deployment's status as its controller would.
// Those are the stand-ins; the API server, the CLI and its client are real.
import t from 'tap';
import { startE2E } from './helpers/env.ts';
import type { E2E } from './helpers/env.ts';
import { runCheck } from './helpers/check-cli.ts';
import { one, render } from '../manifests/helpers/kustomize.ts';
import { OPT_LABEL } from '../../src/engine/annotations.ts';

let env: E2E | undefined;
t.before(async () => {
  env = await startE2E();
});
t.teardown(async () => {
  await env?.stop();
});

const check = () => runCheck(env!.cp.kubeconfigPath);

const NS = 'openclaw-injector';
const manifests = render('.');
const deployment = one(manifests, 'Deployment');
const job = one(manifests, 'Job');
const IMAGE = deployment.spec.template.spec.containers[0].image as string;

/** A pod of `template` as its controller would make it, with the kubelet's statuses for its containers. */
async function podWithStatus(name: string, template: any, waiting: { reason: string; message: string } | undefined): Promise<void> {
  const base = `/api/v1/namespaces/${NS}/pods`;
  const pod = await env!.cp.requestOk('POST', base, { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: template.metadata.labels }, spec: template.spec });
  const statuses = pod.spec.containers.map((c: any) => ({
    name: c.name,
    image: c.image,
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state: waiting === undefined ? { running: { startedAt: new Date().toISOString() } } : { waiting },
  }));
  await env!.cp.requestOk('PUT', `${base}/${name}/status`, { ...pod, status: { phase: 'Pending', containerStatuses: statuses } });
}

async function setDeploymentStatus(ready: number): Promise<void> {
  const item = `/apis/apps/v1/namespaces/${NS}/deployments/${deployment.metadata.name}`;
  const latest = await env!.cp.requestOk('GET', item);
  await env!.cp.requestOk('PUT', `${item}/status`, {
    ...latest,
    status: { observedGeneration: latest.metadata.generation, replicas: 2, readyReplicas: ready, availableReplicas: ready, updatedReplicas: 2 },
  });
}

t.test('setup: the manifests\' Deployment and ServiceAccounts, none of the replicas ready', async () => {
  await env!.cp.createNamespace(NS, one(manifests, 'Namespace').metadata.labels);
  // the pods' ServiceAccounts, which the API server's admission looks up
  for (const sa of manifests.filter((o) => o.kind === 'ServiceAccount')) await env!.cp.requestOk('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, sa);
  await env!.cp.requestOk('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, deployment);
  await setDeploymentStatus(0);
  await env!.cp.createNamespace('agents', { [OPT_LABEL]: 'enabled' });
});

t.test('pods that cannot pull the image: a ✗ naming it, with how to build, push and point at it', async (t) => {
  const message = `Back-off pulling image "${IMAGE}"`;
  await podWithStatus('openclaw-injector-5d8f-a', deployment.spec.template, { reason: 'ImagePullBackOff', message });
  await podWithStatus('openclaw-injector-certs-x', job.spec.template, { reason: 'ErrImagePull', message: `failed to pull and unpack image "${IMAGE}": not found` });
  const report = check();
  t.equal(report.code, 1, 'exit 1');
  const image = report.checks.find((c) => c.name === 'image');
  t.ok(image, 'a check named image');
  t.equal(image?.ok, false);
  t.match(image?.detail, `2 containers of 2 pods in ${NS}: ImagePullBackOff for ${IMAGE}`);
  t.match(image?.fix, 'npm run image');
  t.match(image?.fix, 'kind load docker-image');
  t.match(image?.fix, 'image.repository');
  t.match(image?.fix, 'images:');
  const deploymentCheck = report.checks.find((c) => c.name === 'deployment');
  t.match(deploymentCheck?.detail, '0 of 2 replicas ready', 'next to the deployment\'s own ✗');
});

t.test('the same pods once the image is there: no image line', async (t) => {
  for (const name of ['openclaw-injector-5d8f-a', 'openclaw-injector-certs-x']) await env!.cp.requestOk('DELETE', `/api/v1/namespaces/${NS}/pods/${name}`);
  await podWithStatus('openclaw-injector-5d8f-b', deployment.spec.template, undefined);
  t.equal(check().checks.find((c) => c.name === 'image'), undefined, 'running containers are no image problem');
  // a pod stuck on its image while the Deployment is ready (an old ReplicaSet's, say): the
  // webhook answers, so check says nothing about it
  await podWithStatus('openclaw-injector-old-c', deployment.spec.template, { reason: 'ImagePullBackOff', message: 'x' });
  await setDeploymentStatus(2);
  t.equal(check().checks.find((c) => c.name === 'image'), undefined, 'not looked at while every replica is ready');
});
