// Issue 11 against the real kube-apiserver: what the API server's own checks say about the
// injected pod, after our webhook, in namespaces set up as platform teams set them up.
// - names: unique across initContainers, containers and ephemeral containers (validation);
// - Pod Security `restricted`: every pod shape it admitted before injection it admits after;
// - LimitRanger and ResourceQuota: the injected container's requests and limits, defaults and
//   per-pod annotations.
// No kubelet runs here: what needs a node (ordering, file owners, subPathExpr expansion) is for
// the kind tier.
import t from 'tap';
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import { startE2E } from './helpers/env.ts';
import type { E2E } from './helpers/env.ts';
import { injectedContainers, isInjected, openclawPod } from './helpers/pods.ts';
import { ANNOTATIONS, OPT_LABEL } from '../../src/engine/annotations.ts';
import type { Container, Pod } from '../../src/engine/types.ts';

const OPT_IN = { [OPT_LABEL]: 'enabled' };
const RESTRICTED = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
const run = randomBytes(3).toString('hex');
let seq = 0;
const nsName = (what: string): string => `e2e11-${what}-${run}-${++seq}`;

let env: E2E | undefined;
t.before(async () => {
  env = await startE2E();
});
t.teardown(async () => {
  await env?.stop();
});

async function create(ns: string, pod: Pod): Promise<{ status: number; body: any; text: string }> {
  return env!.cp.request('POST', `/api/v1/namespaces/${ns}/pods?dryRun=All`, pod);
}

function admitted(t: Test, res: { status: number; body: any; text: string }, what: string): boolean {
  t.equal(res.status, 201, res.status === 201 ? what : `${what}: HTTP ${res.status}: ${res.body?.message ?? res.text.slice(0, 400)}`);
  return res.status === 201;
}

t.test('names: a pod whose regular container is named init-config is admitted, every name unique', async (t) => {
  const ns = nsName('names');
  await env!.cp.createNamespace(ns, OPT_IN);
  const shapes: Record<string, (pod: Pod) => void> = {
    'a config reloader named init-config': (pod) => pod.spec!.containers.push({ name: 'init-config', image: 'ghcr.io/example/config-reloader:0.14.1' }),
    'init-config and openclaw-token-sync both taken': (pod) => {
      pod.spec!.containers.push({ name: 'init-config', image: 'busybox:1.37' });
      pod.spec!.initContainers!.push({ name: 'openclaw-token-sync', image: 'busybox:1.37', command: ['true'] });
    },
  };
  let i = 0;
  for (const [what, edit] of Object.entries(shapes)) {
    const pod = openclawPod(`names-${++i}`);
    edit(pod);
    const res = await create(ns, pod);
    if (!admitted(t, res, what)) continue;
    t.ok(isInjected(res.body), `${what}: injected`);
    const names = [...res.body.spec.initContainers, ...res.body.spec.containers].map((c: Container) => c.name);
    t.equal(new Set(names).size, names.length, `${what}: names unique (${names.join(', ')})`);
  }
});

t.test('Pod Security restricted: admitted before injection, admitted after, in every identity shape', async (t) => {
  const plainNs = nsName('psa-plain');
  const ns = nsName('psa');
  await env!.cp.createNamespace(plainNs, RESTRICTED);
  await env!.cp.createNamespace(ns, { ...OPT_IN, ...RESTRICTED });
  const hardened = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
  const base = (name: string): Pod => {
    const pod = openclawPod(name);
    pod.spec!.initContainers = [];
    for (const c of pod.spec!.containers) c.securityContext = { ...hardened };
    pod.spec!.securityContext = { seccompProfile: { type: 'RuntimeDefault' }, fsGroup: 1000 };
    return pod;
  };
  const shapes: Record<string, (pod: Pod) => void> = {
    'uid on the pod': (pod) => Object.assign(pod.spec!.securityContext!, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000 }),
    'uid on the container only': (pod) => Object.assign(pod.spec!.containers[0]!.securityContext!, { runAsNonRoot: true, runAsUser: 1000 }),
    'runAsNonRoot on the pod, the official image\'s USER node': (pod) => Object.assign(pod.spec!.securityContext!, { runAsNonRoot: true }),
    'runAsNonRoot on the container only, the official image\'s USER node': (pod) => Object.assign(pod.spec!.containers[0]!.securityContext!, { runAsNonRoot: true }),
    'a custom image with a numeric USER, runAsNonRoot on the container': (pod) => {
      const gateway = pod.spec!.containers[0]!;
      gateway.image = 'registry.example.com/team/openclaw-custom:1';
      Object.assign(gateway.securityContext!, { runAsNonRoot: true });
    },
    // Another sync image cannot see the gateway image's ENV: only a pod whose spec fixes the
    // config path gets one (else config-path-unknown).
    'sync image by annotation, uid from the official image': (pod) => {
      pod.metadata!.annotations = { [ANNOTATIONS.syncImage]: 'docker.io/library/node:24-bookworm-slim' };
      Object.assign(pod.spec!.securityContext!, { runAsNonRoot: true });
      const gateway = pod.spec!.containers[0]!;
      gateway.env = [...(gateway.env ?? []), { name: 'OPENCLAW_CONFIG_PATH', value: '/home/node/.openclaw/openclaw.json' }];
    },
  };
  let i = 0;
  for (const [what, edit] of Object.entries(shapes)) {
    const pod = base(`psa-${++i}`);
    edit(pod);
    if (!admitted(t, await create(plainNs, pod), `${what}: restricted admits it uninjected`)) continue;
    const res = await create(ns, pod);
    if (!admitted(t, res, `${what}: restricted admits it injected`)) continue;
    t.ok(isInjected(res.body), `${what}: injected`);
    const context = injectedContainers(res.body)[0]!.securityContext!;
    t.ok(context.runAsNonRoot === true || res.body.spec.securityContext?.runAsNonRoot === true, `${what}: non-root asserted on the pod or on ours`);
  }
});

t.test('LimitRange and ResourceQuota: the injected container fits', async (t) => {
  // The LimitRange of ../shared/cases/pod-shapes/03-limitrange-injected-resources.yaml.
  const limitRange = (min: { cpu: string; memory: string }) => ({
    apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'container-bounds' },
    spec: { limits: [{ type: 'Container', min, max: { cpu: '4', memory: '8Gi' }, maxLimitRequestRatio: { cpu: '10', memory: '2' }, default: { cpu: '500m', memory: '512Mi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } }] },
  });
  const resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } };
  const common = nsName('limits');
  await env!.cp.createNamespace(common, OPT_IN);
  await env!.cp.requestOk('POST', `/api/v1/namespaces/${common}/limitranges`, limitRange({ cpu: '50m', memory: '64Mi' }));
  const shapes: Record<string, { ns: string; edit: (pod: Pod) => void; ours: object }> = {
    'defaults under the common LimitRange': { ns: common, edit: () => {}, ours: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } } },
    'a Guaranteed pod stays Guaranteed': {
      ns: common,
      edit: (pod) => {
        for (const c of [...pod.spec!.initContainers!, ...pod.spec!.containers]) c.resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } };
      },
      ours: { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    },
  };
  // A stricter namespace: its minimum memory is above the default request, so the annotations must say more.
  const strict = nsName('limits-strict');
  await env!.cp.createNamespace(strict, OPT_IN);
  await env!.cp.requestOk('POST', `/api/v1/namespaces/${strict}/limitranges`, limitRange({ cpu: '100m', memory: '192Mi' }));
  shapes['per-pod annotations meet a stricter minimum'] = {
    ns: strict,
    edit: (pod) => {
      pod.metadata!.annotations = { [ANNOTATIONS.syncCpuRequest]: '100m', [ANNOTATIONS.syncMemoryRequest]: '192Mi', [ANNOTATIONS.syncMemoryLimit]: '384Mi' };
    },
    ours: { requests: { cpu: '100m', memory: '192Mi' }, limits: { cpu: '500m', memory: '384Mi' } },
  };
  // A quota on requests and limits: every container, ours included, must state them.
  const quota = nsName('quota');
  await env!.cp.createNamespace(quota, OPT_IN);
  const hard = { 'requests.cpu': '10', 'requests.memory': '20Gi', 'limits.cpu': '20', 'limits.memory': '40Gi' };
  await env!.cp.requestOk('POST', `/api/v1/namespaces/${quota}/resourcequotas`, { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'compute' }, spec: { hard } });
  // No kube-controller-manager here: the quota's status is what the controller would write first.
  const stored = await env!.cp.requestOk('GET', `/api/v1/namespaces/${quota}/resourcequotas/compute`);
  await env!.cp.requestOk('PUT', `/api/v1/namespaces/${quota}/resourcequotas/compute/status`, { ...stored, status: { hard, used: Object.fromEntries(Object.keys(hard).map((k) => [k, '0'])) } });
  shapes['a ResourceQuota on requests and limits'] = {
    ns: quota,
    edit: (pod) => {
      for (const c of [...pod.spec!.initContainers!, ...pod.spec!.containers]) c.resources = structuredClone(resources);
    },
    ours: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  };
  let i = 0;
  for (const [what, shape] of Object.entries(shapes)) {
    const pod = openclawPod(`limits-${++i}`);
    pod.spec!.containers[0]!.resources = structuredClone(resources);
    pod.spec!.initContainers![0]!.resources = structuredClone(resources);
    shape.edit(pod);
    const res = await create(shape.ns, pod);
    if (!admitted(t, res, what)) continue;
    t.ok(isInjected(res.body), `${what}: injected`);
    t.same(injectedContainers(res.body)[0]!.resources, shape.ours, `${what}: our container's resources`);
    if (what.startsWith('a Guaranteed')) t.equal(res.body.status?.qosClass, 'Guaranteed', `${what}: qosClass Guaranteed`);
  }
  // The control: the previous fixed resources (10m / 32Mi) are what this LimitRange refuses.
  const old = openclawPod('limits-old');
  old.spec!.containers[0]!.resources = structuredClone(resources);
  old.spec!.initContainers![0]!.resources = structuredClone(resources);
  old.spec!.initContainers!.push({ name: 'old-sync', image: 'busybox:1.37', resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } } });
  const refused = await create(common, old);
  t.equal(refused.status, 403, 'a container with the old fixed resources is refused by the LimitRanger');
  t.match(refused.body?.message, /minimum cpu usage per Container is 50m, but request is 10m/);
});
