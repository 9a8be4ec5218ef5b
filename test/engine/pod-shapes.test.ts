// Pods as they really come (issue 11): one table per class of fault, each row a pod shape and
// what the injected pod must look like. Shapes after ../shared/cases/pod-shapes and the public
// bug reports they replay (Istio, Vault, GCS FUSE CSI, Kyverno, Linkerd ...).
import t from 'tap'
import type { V1EnvVar } from '@kubernetes/client-node'
import { mutatePod, ANNOTATIONS } from '../../src/engine/index.ts'
import type { Container, EngineResult, Pod } from '../../src/engine/types.ts'
import { isGuaranteed } from '../../src/engine/resources.ts'
import { isInjectedContainer } from '../../src/engine/init-container.ts'
import { quantityValue, type EngineSettings } from '../../src/settings.ts'
import { applyPatch, engineSettings } from '../helpers/pods.ts'

const IMAGE = 'ghcr.io/openclaw/openclaw:2026.9.6'

/** A minimal OpenClaw pod: gateway `main`, state PVC at ~/.openclaw, token from an env secretKeyRef. */
function pod(change: (pod: Pod, gateway: Container) => void = () => {}): Pod {
  const gateway: Container = {
    name: 'main',
    image: IMAGE,
    env: [{ name: 'OPENCLAW_GATEWAY_TOKEN', valueFrom: { secretKeyRef: { name: 'gw', key: 'token' } } }],
    volumeMounts: [{ name: 'data', mountPath: '/home/node/.openclaw' }],
  }
  const p: Pod = { metadata: { name: 'openclaw-0', namespace: 'agents', annotations: {} }, spec: { containers: [gateway], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'openclaw' } }] } }
  change(p, gateway)
  return p
}

function run(input: Pod, settings: EngineSettings = engineSettings()): EngineResult {
  const result = mutatePod(structuredClone(input), settings)
  t.same(applyPatch(input, result.patch), result.pod, 'the patch turns the input into the mutated pod')
  return result
}

function ours(result: EngineResult): { init: Container; index: number } {
  const list = result.pod.spec?.initContainers ?? []
  const index = list.findIndex(isInjectedContainer)
  if (index === -1) throw new Error(`not injected: ${result.decision.code}: ${result.decision.reasons.at(-1)}`)
  return { init: list[index]!, index }
}

const env = (c: Container, name: string): V1EnvVar | undefined => c.env?.find((e) => e.name === name)
const fuseSidecar: Container = { name: 'gke-gcsfuse-sidecar', image: 'gke.gcr.io/gcs-fuse-csi-driver-sidecar-mounter:v1.4.2', restartPolicy: 'Always', volumeMounts: [{ name: 'gke-gcsfuse-tmp', mountPath: '/gcsfuse-tmp' }] }
const chown: Container = { name: 'volume-permissions', image: 'busybox:1.37', command: ['sh', '-c', 'chown -R 1000:1000 /home/node/.openclaw'], securityContext: { runAsUser: 0 }, volumeMounts: [{ name: 'data', mountPath: '/home/node/.openclaw' }] }
const meshProxy: Container = { name: 'istio-proxy', image: 'istio/proxyv2:1.28.0', restartPolicy: 'Always' }

t.test('1. init container position', async (t) => {
  const cases: { name: string; init: Container[]; annotation?: string; index: number; reason: RegExp; warning?: RegExp }[] = [
    { name: 'no init containers', init: [], index: 0, reason: /the pod's only init container/ },
    { name: 'native FUSE sidecar first (GCS FUSE CSI webhook ran before us)', init: [fuseSidecar], index: 1, reason: /runs after the pod's own init containers \(gke-gcsfuse-sidecar\)/ },
    { name: 'a root chown init container', init: [chown], index: 1, reason: /after the pod's own init containers \(volume-permissions\)/ },
    { name: 'sidecar and chown', init: [meshProxy, chown], index: 2, reason: /after the pod's own init containers \(istio-proxy, volume-permissions\)/ },
    { name: 'first: before the chown', init: [chown], annotation: 'first', index: 0, reason: /before the pod's own init containers \(annotation openclaw.ai\/init-position: first\)/ },
    { name: 'first: still after leading native sidecars', init: [fuseSidecar, meshProxy, chown], annotation: 'first', index: 2, reason: /after native sidecar gke-gcsfuse-sidecar, istio-proxy/ },
    { name: 'last, explicitly', init: [chown, fuseSidecar], annotation: 'last', index: 2, reason: /after the pod's own init containers/ },
    { name: 'a bad value: last, with a warning', init: [chown], annotation: 'early', index: 1, reason: /after the pod's own/, warning: /annotation openclaw.ai\/init-position is "early"; expected first or last/ },
  ]
  for (const c of cases) {
    const result = run(pod((p) => {
      p.spec!.initContainers = structuredClone(c.init)
      if (c.annotation !== undefined) p.metadata!.annotations![ANNOTATIONS.initPosition] = c.annotation
    }))
    const { index } = ours(result)
    t.equal(index, c.index, `${c.name}: index`)
    t.equal(result.summary?.initPosition, c.index, `${c.name}: explain says where`)
    t.ok(result.decision.reasons.some((r) => c.reason.test(r)), `${c.name}: explain says why`)
    t.same(result.pod.spec?.initContainers?.filter((x) => x.name !== 'init-config').map((x) => x.name), c.init.map((x) => x.name), `${c.name}: the pod's own order kept`)
    if (c.warning) t.match(result.decision.warnings.join('\n'), c.warning)
    t.ok(result.patch.every((op) => op.op === 'add' || op.path.startsWith('/metadata')), `${c.name}: only adds`)
  }
})

t.test('2. names unique across init, regular and ephemeral containers', async (t) => {
  const cases: { name: string; change: (p: Pod) => void; expected: string | undefined; reason?: RegExp }[] = [
    { name: 'free', change: () => {}, expected: 'init-config' },
    { name: 'a regular container named init-config (config reloader)', change: (p) => p.spec!.containers.push({ name: 'init-config', image: 'ghcr.io/example/config-reloader:0.14.1' }), expected: 'openclaw-token-sync', reason: /taken by the pod's container init-config/ },
    { name: 'an ephemeral container named init-config', change: (p) => (p.spec!.ephemeralContainers = [{ name: 'init-config', image: 'busybox' }]), expected: 'openclaw-token-sync', reason: /ephemeral container init-config/ },
    { name: 'a foreign init container init-config', change: (p) => (p.spec!.initContainers = [{ name: 'init-config', image: 'busybox' }]), expected: 'openclaw-token-sync', reason: /init container init-config/ },
    { name: 'both names taken in different lists', change: (p) => { p.spec!.containers.push({ name: 'openclaw-token-sync', image: 'x' }); p.spec!.initContainers = [{ name: 'init-config', image: 'x' }] }, expected: 'openclaw-token-sync-2' },
    { name: 'every candidate taken', change: (p) => (p.spec!.containers.push(...['init-config', 'openclaw-token-sync', ...Array.from({ length: 8 }, (_, i) => `openclaw-token-sync-${i + 2}`)].map((name) => ({ name, image: 'x' })))), expected: undefined, reason: /are all taken by the pod's containers/ },
  ]
  for (const c of cases) {
    const result = run(pod(c.change))
    if (c.expected === undefined) {
      t.equal(result.decision.code, 'name-conflict', c.name)
      t.match(result.decision.reasons.at(-1), c.reason!)
      continue
    }
    t.equal(ours(result).init.name, c.expected, c.name)
    const spec = result.pod.spec!
    const names = [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])].map((x) => x.name)
    t.equal(new Set(names).size, names.length, `${c.name}: every name unique, as the API server requires`)
    if (c.reason) t.ok(result.decision.reasons.some((r) => c.reason!.test(r)), `${c.name}: explain says why`)
  }
})

t.test('4. values only the pod knows: the gateway keeps its file, the init container starts where it does', async (t) => {
  // mounts: the gateway's writable ones, which the script may write through (it mounts them all).
  const cases: { name: string; change: (p: Pod, g: Container) => void; envFrom: boolean; copied: string[]; mounts: string[] }[] = [
    {
      name: 'OPENCLAW_STATE_DIR from an envFrom ConfigMap',
      change: (_, g) => (g.envFrom = [{ configMapRef: { name: 'openclaw-env' } }]),
      envFrom: true, copied: [], mounts: ['data'],
    },
    {
      name: 'OPENCLAW_CONFIG_PATH from a configMapKeyRef',
      change: (_, g) => g.env!.push({ name: 'OPENCLAW_CONFIG_PATH', valueFrom: { configMapKeyRef: { name: 'c', key: 'path' } } }),
      envFrom: false, copied: ['OPENCLAW_CONFIG_PATH'], mounts: ['data'],
    },
    {
      name: 'OPENCLAW_STATE_DIR expanding $(ROOT) from the downward API',
      change: (_, g) => g.env!.push({ name: 'ROOT', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'OPENCLAW_STATE_DIR', value: '/home/node/.openclaw/$(ROOT)' }),
      envFrom: false, copied: ['ROOT', 'OPENCLAW_STATE_DIR'], mounts: ['data'],
    },
    {
      name: 'HOME from envFrom',
      change: (_, g) => (g.envFrom = [{ prefix: 'H', secretRef: { name: 'home' } }]),
      envFrom: true, copied: [], mounts: ['data'],
    },
    {
      name: 'a prefix that cannot define a path variable: known now',
      change: (_, g) => (g.envFrom = [{ prefix: 'OPENCLAW_GATEWAY_', secretRef: { name: 'gw' } }]),
      envFrom: false, copied: [], mounts: ['data'],
    },
    {
      name: 'subPathExpr variable from envFrom',
      change: (_, g) => {
        g.envFrom = [{ prefix: 'AGENT_', configMapRef: { name: 'agent' } }]
        g.volumeMounts![0]!.subPathExpr = 'agents/$(AGENT_ID)'
      },
      envFrom: true, copied: [], mounts: ['data'],
    },
    {
      name: 'subPathExpr variable expanding another',
      change: (_, g) => {
        g.env!.push({ name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, { name: 'TENANT', value: 't-$(NS)' })
        g.volumeMounts![0]!.subPathExpr = '$(TENANT)'
      },
      envFrom: false, copied: ['NS', 'TENANT'], mounts: ['data'],
    },
    {
      name: 'path only in the pod, two writable mounts and a read-only one',
      change: (p, g) => {
        g.envFrom = [{ configMapRef: { name: 'openclaw-env' } }]
        p.spec!.volumes!.push({ name: 'scratch', emptyDir: {} }, { name: 'conf', configMap: { name: 'x' } }, { name: 'ro', emptyDir: {} })
        g.volumeMounts!.push({ name: 'scratch', mountPath: '/scratch' }, { name: 'conf', mountPath: '/conf' }, { name: 'ro', mountPath: '/ro', readOnly: true })
      },
      envFrom: true, copied: [], mounts: ['data', 'scratch'],
    },
  ]
  for (const c of cases) {
    const input = pod(c.change)
    const result = run(input)
    const { init } = ours(result)
    const gateway = result.pod.spec!.containers[0]!
    const inputGateway = input.spec!.containers[0]!
    t.same(gateway, inputGateway, `${c.name}: the gateway is left as it is`)
    t.equal(result.summary?.configPath, 'resolved in the pod', `${c.name}: explain says so`)
    t.notOk(init.env?.some((e) => e.name === 'OPENCLAW_CONFIG_PATH' && e.value !== undefined && !c.copied.includes('OPENCLAW_CONFIG_PATH')), `${c.name}: no literal path of ours`)
    t.same(init.env?.filter((e) => e.name.startsWith('OPENCLAW_INJECTOR_STATE_MOUNT_')).map((e) => e.value), c.mounts.map((m) => inputGateway.volumeMounts!.find((x) => x.name === m)!.mountPath), `${c.name}: the script is told the writable mounts`)
    t.same(init.envFrom ?? [], c.envFrom ? inputGateway.envFrom : [], `${c.name}: envFrom copied when a needed name may come from it`)
    if (c.envFrom) t.same(env(init, 'NODE_OPTIONS'), { name: 'NODE_OPTIONS' }, `${c.name}: the gateway's NODE_OPTIONS kept out`)
    for (const name of c.copied) t.same(env(init, name), inputGateway.env!.find((e) => e.name === name), `${c.name}: ${name} copied exactly`)
    t.same(init.volumeMounts?.filter((m) => !m.mountPath.startsWith('/openclaw-injector/')).map((m) => [m.name, m.readOnly === true]), inputGateway.volumeMounts!.map((m) => [m.name, m.readOnly === true]), `${c.name}: all the gateway's mounts, read-only kept`)
    // The kubelet expands subPathExpr from the container's own env: every variable must be there.
    for (const m of init.volumeMounts ?? []) {
      for (const [, name] of (m.subPathExpr ?? '').matchAll(/\$\(([^)]+)\)/g)) {
        t.ok(env(init, name!) !== undefined || (init.envFrom ?? []).length > 0, `${c.name}: ${name} reaches the init container`)
      }
    }
  }
  const skipped = run(pod((p, g) => {
    g.envFrom = [{ configMapRef: { name: 'openclaw-env' } }]
    p.spec!.volumes = [{ name: 'data', configMap: { name: 'x' } }]
  }))
  t.equal(skipped.decision.code, 'state-read-only', 'nothing is writable: skipped')
  t.match(skipped.decision.reasons.at(-1), /every volume of container main is read-only \(data\)/)
})

t.test('5. identity: the gateway uid, numerically, or skip', async (t) => {
  // Another sync image cannot see the gateway image's ENV: only a pod that fixes the path gets one.
  const FIXED_PATH = { name: 'OPENCLAW_CONFIG_PATH', value: '/home/node/.openclaw/openclaw.json' }
  const cases: { name: string; change: (p: Pod, g: Container) => void; expected?: { runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean }; skip?: RegExp }[] = [
    { name: 'official image, nothing stated: uid 1000 (USER node)', change: () => {}, expected: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true } },
    { name: 'sync image, nothing stated, official gateway image', change: (p, g) => { p.metadata!.annotations![ANNOTATIONS.syncImage] = 'docker.io/library/node:24-bookworm-slim'; g.env = [...(g.env ?? []), FIXED_PATH] }, expected: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true } },
    { name: 'pod securityContext', change: (p) => (p.spec!.securityContext = { runAsUser: 1500, runAsGroup: 1600, runAsNonRoot: true }), expected: { runAsUser: 1500, runAsGroup: 1600, runAsNonRoot: true } },
    { name: 'container over pod', change: (p, g) => { p.spec!.securityContext = { runAsUser: 1500 }; g.securityContext = { runAsUser: 2000, runAsGroup: 3000 } }, expected: { runAsUser: 2000, runAsGroup: 3000, runAsNonRoot: true } },
    { name: 'uid 1000 stated without a gid: the image gid', change: (_, g) => (g.securityContext = { runAsUser: 1000 }), expected: { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true } },
    { name: 'custom image with numeric USER, same image, container asserts non-root', change: (p, g) => { g.image = 'registry.example.com/agent:1'; p.metadata!.labels = { 'app.kubernetes.io/name': 'openclaw' }; g.securityContext = { runAsNonRoot: true } }, expected: { runAsNonRoot: true } },
    { name: 'custom image, another sync image, no uid: skipped', change: (p, g) => { g.image = 'registry.example.com/agent:1'; p.metadata!.labels = { 'app.kubernetes.io/name': 'openclaw' }; p.metadata!.annotations![ANNOTATIONS.syncImage] = 'node:24'; g.env = [...(g.env ?? []), FIXED_PATH] }, skip: /the gateway's uid is unknown .* set runAsUser/ },
  ]
  for (const c of cases) {
    const result = run(pod(c.change))
    if (c.skip) {
      t.equal(result.decision.code, 'identity-unknown', c.name)
      t.match(result.decision.reasons.at(-1), c.skip)
      continue
    }
    const context = ours(result).init.securityContext!
    t.same({ runAsUser: context.runAsUser, runAsGroup: context.runAsGroup, runAsNonRoot: context.runAsNonRoot }, { runAsUser: undefined, runAsGroup: undefined, runAsNonRoot: undefined, ...c.expected }, c.name)
    t.match(context, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } }, `${c.name}: restricted`)
    t.ok(result.decision.reasons.some((r) => /^runs as /.test(r)), `${c.name}: explain says as whom`)
  }
})

t.test('6. resources: LimitRange-friendly defaults, Guaranteed kept, per-pod annotations', async (t) => {
  const guaranteed = (p: Pod, g: Container) => (g.resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } })
  const cases: { name: string; change: (p: Pod, g: Container) => void; requests: object; limits: object; warning?: RegExp }[] = [
    { name: 'defaults', change: () => {}, requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    { name: 'Guaranteed pod: requests equal limits', change: guaranteed, requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    { name: 'Guaranteed by limits alone (requests default to them)', change: (_, g) => (g.resources = { limits: { cpu: '1', memory: '1Gi' } }), requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    { name: 'annotations', change: (p) => Object.assign(p.metadata!.annotations!, { [ANNOTATIONS.syncCpuRequest]: '100m', [ANNOTATIONS.syncCpuLimit]: '1', [ANNOTATIONS.syncMemoryRequest]: '200Mi', [ANNOTATIONS.syncMemoryLimit]: '400Mi' }), requests: { cpu: '100m', memory: '200Mi' }, limits: { cpu: '1', memory: '400Mi' } },
    { name: 'a bad quantity: warned by name, default used', change: (p) => (p.metadata!.annotations![ANNOTATIONS.syncMemoryLimit] = '1 gig'), requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' }, warning: /annotation openclaw.ai\/sync-memory-limit is "1 gig", not a Kubernetes quantity; the default 256Mi is used/ },
    { name: 'a request above its limit: warned, defaults', change: (p) => (p.metadata!.annotations![ANNOTATIONS.syncCpuRequest] = '2'), requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' }, warning: /put the cpu request 2 above the limit 500m; the defaults are used/ },
    { name: 'Guaranteed pod with a limit annotation', change: (p, g) => { guaranteed(p, g); p.metadata!.annotations![ANNOTATIONS.syncMemoryLimit] = '512Mi' }, requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
  ]
  for (const c of cases) {
    const input = pod(c.change)
    const result = run(input)
    const { init } = ours(result)
    t.same(init.resources, { requests: c.requests, limits: c.limits }, c.name)
    if (c.warning) t.match(result.decision.warnings.join('\n'), c.warning, `${c.name}: warning`)
    if (isGuaranteed(input)) t.ok(isGuaranteed(result.pod), `${c.name}: still Guaranteed`)
  }
  // The namespace LimitRange of ../shared/cases/pod-shapes/03: min 50m/64Mi, ratio cpu 10, memory 2.
  const d = engineSettings()
  t.ok(quantityValue(d.cpuRequest) >= 0.05 && quantityValue(d.memoryRequest) >= 64 * 2 ** 20, 'default requests at or above 50m and 64Mi')
  t.ok(quantityValue(d.cpuLimit) / quantityValue(d.cpuRequest) <= 10, 'default cpu limit/request at most 10')
  t.ok(quantityValue(d.memoryLimit) / quantityValue(d.memoryRequest) <= 2, 'default memory limit/request at most 2')
})

t.test('7. credentials reach the gateway env only where a SecretRef needs them', async (t) => {
  for (const mode of ['sync', 'ref'] as const) {
    const result = run(pod((p, g) => {
      g.env = []
      p.metadata!.annotations = { [ANNOTATIONS.tokenSecret]: 'gw/token', [ANNOTATIONS.mode]: mode }
    }))
    const gatewayEnv = result.pod.spec!.containers[0]!.env ?? []
    t.equal(gatewayEnv.some((e) => e.name === 'OPENCLAW_GATEWAY_TOKEN'), mode === 'ref', `${mode}: OPENCLAW_GATEWAY_TOKEN ${mode === 'ref' ? 'wired' : 'not wired'} into the gateway`)
  }
})
