// Table-driven tests of the engine over pod shapes. Every case checks that the patch,
// applied as the API server applies it, turns the input into exactly the mutated pod.
import t from 'tap'
import type { V1EnvVar } from '@kubernetes/client-node'
import { SYNC_SCRIPT_IMAGE_JSON5, SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS, SYNC_SCRIPT_NO_CREDENTIALS } from '../../src/build-info.generated.ts'
import { mutatePod, syncRestartWarning, ANNOTATIONS } from '../../src/engine/index.ts'
import type { Container, EngineResult, Pod } from '../../src/engine/types.ts'
import type { EngineSettings } from '../../src/settings.ts'
import { applyPatch, bigPod, chartPod, engineSettings, gatewayOf } from '../helpers/pods.ts'

const CHART_TOKEN_SYNC: Container = {
  name: 'init-config',
  image: 'ghcr.io/openclaw/openclaw:2026.9.6',
  command: ['sh', '-c', 'mkdir -p /home/node/.openclaw\n[ -f /home/node/.openclaw/openclaw.json ] || cp /config/openclaw.json /home/node/.openclaw/openclaw.json\nif [ -n "$OPENCLAW_GATEWAY_TOKEN" ]; then node -e "const f=\'/home/node/.openclaw/openclaw.json\';const c=JSON.parse(require(\'fs\').readFileSync(f));c.gateway.auth.token=process.env.OPENCLAW_GATEWAY_TOKEN;c.gateway.remote.token=process.env.OPENCLAW_GATEWAY_TOKEN;require(\'fs\').writeFileSync(f,JSON.stringify(c,null,2))"; fi'],
  env: [{ name: 'OPENCLAW_GATEWAY_TOKEN', valueFrom: { secretKeyRef: { name: 'openclaw-gateway-token', key: 'OPENCLAW_GATEWAY_TOKEN', optional: true } } }],
  volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'data', mountPath: '/home/node/.openclaw' }],
}

function run(pod: Pod, settings: EngineSettings = engineSettings()): EngineResult {
  const input = structuredClone(pod)
  const result = mutatePod(input, settings)
  t.same(input, pod, 'the engine does not modify its input')
  t.same(applyPatch(pod, result.patch), result.pod, 'the patch turns the input into the mutated pod')
  t.equal(result.decision.action === 'inject', result.decision.code === 'injected', 'the code agrees with the action')
  if (result.decision.action === 'skip') {
    t.equal(result.patch.length, 0, 'a skipped pod gets no patch')
    t.equal(result.pod, input, 'a skipped pod is returned as it came')
  }
  return result
}

function initOf(result: EngineResult, name = 'init-config'): Container {
  const container = result.pod.spec?.initContainers?.find((c) => c.name === name)
  if (container === undefined) throw new Error(`no init container ${name}; reasons: ${result.decision.reasons.join('; ')}`)
  return container
}

function env(container: Container, name: string): V1EnvVar | undefined {
  return container.env?.find((e) => e.name === name)
}

function edit(change: (pod: Pod, gateway: Container) => void): Pod {
  const pod = chartPod()
  change(pod, gatewayOf(pod))
  return pod
}

/** An edit of the chart's pod without its envFrom, so that every path variable is known at admission. */
function known(change: (pod: Pod, gateway: Container) => void = () => {}): Pod {
  return edit((pod, gateway) => {
    delete gateway.envFrom
    change(pod, gateway)
  })
}

t.test("the chart's pod", async (t) => {
  const result = run(chartPod())
  t.equal(result.decision.action, 'inject')
  t.same(result.patch.map((op) => op.op), result.patch.map(() => 'add'), 'only add operations')
  const init = initOf(result)
  t.equal(result.pod.spec?.initContainers?.[1], init, 'injected last')
  t.equal(result.pod.spec?.initContainers?.[0]?.name, 'init-skills', "the chart's own init container runs before it")
  t.same(init.command?.slice(0, 2), ['node', '-e'])
  t.equal(init.command?.[2], SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS, "runs the embedded sync script, the form that reads JSON5 with the OpenClaw image's json5, without the credentials annotation's code")
  t.equal(init.image, 'ghcr.io/openclaw/openclaw:2026.9.6')
  t.equal(init.imagePullPolicy, 'IfNotPresent')
  t.same(env(init, 'OPENCLAW_GATEWAY_TOKEN'), {
    name: 'OPENCLAW_GATEWAY_TOKEN',
    valueFrom: { secretKeyRef: { name: 'openclaw-gateway-token', key: 'OPENCLAW_GATEWAY_TOKEN', optional: true } },
  })
  t.notOk(env(init, 'OPENCLAW_CONFIG_PATH'), 'the envFrom Secret may define the path variables: resolved in the pod')
  t.same(init.envFrom, [{ secretRef: { name: 'openclaw-gateway-token' } }], "the gateway's envFrom, copied")
  t.same(env(init, 'NODE_OPTIONS'), { name: 'NODE_OPTIONS' }, "the gateway's NODE_OPTIONS do not reach the sync script (an entry without a value is empty)")
  t.equal(env(init, 'OPENCLAW_INJECTOR_STATE_MOUNT_0')?.value, '/home/node/.openclaw')
  t.equal(env(init, 'OPENCLAW_INJECTOR_STATE_MOUNT_1')?.value, '/tmp')
  t.equal(env(init, 'OPENCLAW_INJECTOR_SEED_PATH')?.value, '/openclaw-injector/seed/openclaw.json')
  t.equal(env(init, 'OPENCLAW_INJECTOR_MODE')?.value, 'auto', 'auto by default: the script decides from the image\'s OpenClaw version')
  t.notOk(env(init, 'OPENCLAW_INJECTOR_CREDENTIALS'), 'no credentials annotation: no list for the script')
  t.same(init.volumeMounts, [
    { name: 'data', mountPath: '/home/node/.openclaw' },
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'bash-aliases', mountPath: '/home/node/.bash_aliases', subPath: 'bash_aliases' },
    { name: 'config', mountPath: '/openclaw-injector/seed', readOnly: true },
  ], "all the gateway's mounts at the same paths (a symlinked config's target is on one of them), and the seed")
  t.equal(env(init, 'OPENCLAW_INJECTOR_GATEWAY_COMMAND')?.value, JSON.stringify(['node', 'dist/index.js']), "the gateway's command, for its root options")
  t.equal(env(init, 'OPENCLAW_INJECTOR_GATEWAY_ARGS')?.value, JSON.stringify(['gateway', '--port', '18789']), "the gateway's args")
  t.same(init.securityContext, {
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    readOnlyRootFilesystem: true,
    seccompProfile: { type: 'RuntimeDefault' },
    runAsUser: 1000,
    runAsGroup: 1000,
    runAsNonRoot: true,
  })
  t.same(init.resources, { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } })
  const gateway = gatewayOf(result.pod)
  t.same(gateway, gatewayOf(chartPod()), 'the gateway is left as it is')
  t.equal(result.pod.metadata?.annotations?.[ANNOTATIONS.status], 'injected')
  t.match(result.pod.metadata?.annotations?.[ANNOTATIONS.version], /^\d+\.\d+\.\d+/)
  t.same(result.pod.spec?.volumes, chartPod().spec?.volumes, 'no volume added: the chart already declares its ConfigMap')
  t.same(result.patch.map((op) => op.path), ['/metadata/annotations', '/spec/initContainers/1'])
  t.same(result.decision.warnings, [], 'no warning: OpenClaw 2026.9.6 takes SecretRefs, so auto picks ref')
  t.match(result.summary, { gatewayContainer: 'main', initContainer: 'init-config', initPosition: 1, stateVolume: 'data, tmp', configPath: 'resolved in the pod', mode: 'auto', gatewayEnvAdded: [], credentials: [] })
})

// Class 1 of issue 18: the webhook cannot see the image's ENV (OPENCLAW_STATE_DIR=/data/.openclaw,
// HOME in a Dockerfile), so it never decides the path, and never pins one into the gateway.
t.test("the gateway's env is never changed to choose a path: the file is resolved in the pod, in the gateway's image", async (t) => {
  for (const [label, pod] of [
    ['every path variable known in the spec', known()],
    ['an image selected only by label', known((pod, gateway) => {
      gateway.image = 'registry.example.com/team/agent:7'
      pod.metadata!.labels = { ...pod.metadata?.labels, 'app.kubernetes.io/name': 'openclaw' }
      pod.metadata!.annotations = { [ANNOTATIONS.tokenSync]: 'enabled' }
    })],
  ] as const) {
    const result = run(pod)
    if (result.decision.action !== 'inject') {
      t.fail(`${label}: ${result.decision.reasons.join('; ')}`)
      continue
    }
    const init = initOf(result)
    t.notOk(env(init, 'OPENCLAW_CONFIG_PATH'), `${label}: no path pinned in the init container`)
    t.equal(init.image, gatewayOf(pod).image, `${label}: it runs the gateway's image, so it sees the image's ENV`)
    t.same(gatewayOf(result.pod), gatewayOf(pod), `${label}: the gateway is left exactly as it was`)
    t.equal(result.summary?.configPath, 'resolved in the pod')
    t.same(result.summary?.gatewayEnvAdded, [])
  }
})

t.test('existing annotations get escaped keys added, never replaced', async (t) => {
  const result = run(edit((pod) => (pod.metadata!.annotations = { 'team/owner': 'agents', 'a~b': 'c' })))
  const paths = result.patch.map((op) => op.path)
  t.ok(paths.includes('/metadata/annotations/openclaw.ai~1token-sync-status'))
  t.ok(paths.includes('/metadata/annotations/openclaw.ai~1token-sync-version'))
  t.equal(result.pod.metadata?.annotations?.['team/owner'], 'agents')
})

t.test('no initContainers field: the array is added whole', async (t) => {
  const result = run(edit((pod) => delete pod.spec!.initContainers))
  t.ok(result.patch.some((op) => op.op === 'add' && op.path === '/spec/initContainers'))
  t.equal(result.pod.spec?.initContainers?.length, 1)
})

t.test('no env field on the gateway', async (t) => {
  const result = run(known((_, gateway) => delete gateway.env))
  t.equal(result.decision.action, 'inject')
  t.notOk(gatewayOf(result.pod).env, 'still none: nothing is pinned')
})

t.test('no volumes field: nothing would reach the gateway, so skip', async (t) => {
  const result = run(known((pod, gateway) => {
    delete pod.spec!.volumes
    delete gateway.volumeMounts
  }))
  t.equal(result.decision.action, 'skip')
  t.match(result.decision.reasons.at(-1), /container main mounts no volume/)
})

t.test('token from the gateway env secretKeyRef is copied exactly', async (t) => {
  const ref: V1EnvVar = { name: 'OPENCLAW_GATEWAY_TOKEN', valueFrom: { secretKeyRef: { name: 'gw', key: 'custom-key' } } }
  const result = run(edit((_, gateway) => {
    gateway.env!.push(ref)
    delete gateway.envFrom
  }))
  t.same(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN'), ref)
  t.same(gatewayOf(result.pod).env?.filter((e) => e.name === 'OPENCLAW_GATEWAY_TOKEN'), [ref], 'the gateway keeps its one entry')
})

t.test('a literal token is copied with a warning that never shows it', async (t) => {
  const token = 'literal-token-3f9a1c0e5b7d'
  const result = run(edit((_, gateway) => gateway.env!.push({ name: 'OPENCLAW_GATEWAY_TOKEN', value: token })))
  t.equal(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN')?.value, token)
  t.match(result.decision.warnings.join('\n'), /literal value; it belongs in a Secret/)
  t.notMatch(JSON.stringify(result.decision) + JSON.stringify(result.summary), token)
})

t.test('annotation names the Secret and a custom key', async (t) => {
  const result = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.tokenSecret]: 'agent-secrets/gateway-token' })))
  const ref = { name: 'OPENCLAW_GATEWAY_TOKEN', valueFrom: { secretKeyRef: { name: 'agent-secrets', key: 'gateway-token' } } }
  t.same(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN'), ref, 'not optional: a wrong key must fail loudly, not sync nothing')
  t.same(env(gatewayOf(result.pod), 'OPENCLAW_GATEWAY_TOKEN'), ref, 'auto mode: the script may write a SecretRef, so the gateway reads the same source')
  const syncMode = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.tokenSecret]: 'agent-secrets/gateway-token', [ANNOTATIONS.mode]: 'sync' })))
  t.notOk(env(gatewayOf(syncMode.pod), 'OPENCLAW_GATEWAY_TOKEN'), 'sync mode: the file carries it, the gateway env is not touched')
  const refMode = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.tokenSecret]: 'agent-secrets/gateway-token', [ANNOTATIONS.mode]: 'ref' })))
  t.same(env(gatewayOf(refMode.pod), 'OPENCLAW_GATEWAY_TOKEN'), ref, 'ref mode: the SecretRef needs it, so the gateway reads the same source')
})

t.test('an invalid Secret annotation skips with the reason', async (t) => {
  const result = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.tokenSecret]: 'Bad_Name/key' })))
  t.equal(result.decision.action, 'skip')
  t.match(result.decision.reasons.at(-1), /annotation openclaw.ai\/gateway-token-secret: "Bad_Name\/key" is not NAME or NAME\/KEY/)
})

t.test('several envFrom Secrets: the last, with a warning', async (t) => {
  const result = run(edit((_, gateway) => gateway.envFrom!.push({ secretRef: { name: "api-keys" } }, { configMapRef: { name: "settings" } })))
  t.same(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN')?.valueFrom, { secretKeyRef: { name: 'api-keys', key: 'OPENCLAW_GATEWAY_TOKEN', optional: true } })
  t.match(result.decision.warnings.join('\n'), /the last \(Secret api-keys\) is used/)
})

t.test('envFrom with a prefix maps the key', async (t) => {
  const result = run(edit((_, gateway) => (gateway.envFrom = [{ prefix: 'OPENCLAW_GATEWAY_', secretRef: { name: 'gw' } }])))
  t.same(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN')?.valueFrom, { secretKeyRef: { name: 'gw', key: 'TOKEN', optional: true } })
})

t.test('password from its annotation, token from envFrom', async (t) => {
  const result = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.passwordSecret]: 'gw-password', [ANNOTATIONS.mode]: 'sync' })))
  const init = initOf(result)
  t.same(env(init, 'OPENCLAW_GATEWAY_PASSWORD')?.valueFrom, { secretKeyRef: { name: 'gw-password', key: 'OPENCLAW_GATEWAY_PASSWORD' } })
  t.ok(env(init, 'OPENCLAW_GATEWAY_TOKEN'))
  t.notOk(env(gatewayOf(result.pod), 'OPENCLAW_GATEWAY_PASSWORD'), 'not wired into the gateway in sync mode')
})

t.test('default Secret from settings', async (t) => {
  const result = run(edit((_, gateway) => delete gateway.envFrom), engineSettings({ defaultTokenSecret: 'openclaw-token', mode: 'sync' }))
  t.same(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN')?.valueFrom, { secretKeyRef: { name: 'openclaw-token', key: 'OPENCLAW_GATEWAY_TOKEN', optional: true } })
  t.notOk(env(gatewayOf(result.pod), 'OPENCLAW_GATEWAY_TOKEN'), 'not into the gateway in sync mode')
  const refMode = run(edit((pod, gateway) => {
    delete gateway.envFrom
    pod.metadata!.annotations = { [ANNOTATIONS.mode]: 'ref' }
  }), engineSettings({ defaultTokenSecret: 'openclaw-token' }))
  t.ok(env(gatewayOf(refMode.pod), 'OPENCLAW_GATEWAY_TOKEN'), 'into the gateway in ref mode')
  const autoMode = run(edit((_, gateway) => delete gateway.envFrom), engineSettings({ defaultTokenSecret: 'openclaw-token' }))
  t.ok(env(gatewayOf(autoMode.pod), 'OPENCLAW_GATEWAY_TOKEN'), 'and in auto mode, the default')
})

t.test('no source at all: copy step only, with a warning', async (t) => {
  const result = run(edit((_, gateway) => delete gateway.envFrom))
  t.equal(result.decision.action, 'inject')
  t.notOk(env(initOf(result), 'OPENCLAW_GATEWAY_TOKEN'))
  t.match(result.decision.warnings.join('\n'), /no source for OPENCLAW_GATEWAY_TOKEN or OPENCLAW_GATEWAY_PASSWORD/)
})

t.test('already injected: no patch at all, whatever else changed (reinvocation)', async (t) => {
  const first = run(chartPod())
  const second = run(first.pod)
  t.equal(second.decision.action, 'skip')
  t.match(second.decision.reasons.at(-1), /already injected/)
  const changed = structuredClone(first.pod)
  changed.spec!.containers.push({ name: 'sidecar', image: 'busybox' })
  changed.metadata!.annotations![ANNOTATIONS.status] = 'something else'
  t.same(run(changed).patch, [])
})

t.test('opted out by annotation', async (t) => {
  const result = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.tokenSync]: 'disabled' })))
  t.equal(result.decision.action, 'skip')
  t.match(result.decision.reasons, [/disabled/])
})

t.test('forced in by annotation', async (t) => {
  const pod = edit((pod, gateway) => {
    gateway.image = 'registry.example.com/team/agent-gateway:1'
    pod.metadata!.labels = {}
  })
  t.equal(run(pod).decision.action, 'skip', 'not picked by the rules')
  pod.metadata!.annotations = { [ANNOTATIONS.tokenSync]: 'enabled' }
  const result = run(pod)
  t.equal(result.decision.action, 'inject')
  t.match(result.decision.reasons[0], /annotation openclaw.ai\/token-sync=enabled/)
})

t.test("the chart's legacy token sync", async (t) => {
  const pod = edit((pod) => pod.spec!.initContainers!.unshift(structuredClone(CHART_TOKEN_SYNC)))
  const kept = run(pod, engineSettings({ legacy: 'keep' }))
  t.equal(kept.decision.action, 'skip', 'left as it is with setting legacy: keep')
  t.match(kept.decision.warnings.join('\n'), /Helm chart's own token sync; the pod is left as it is \(setting legacy: keep\)/)
  const keptByAnnotation = run(edit((pod) => {
    pod.spec!.initContainers!.unshift(structuredClone(CHART_TOKEN_SYNC))
    pod.metadata!.annotations = { [ANNOTATIONS.legacy]: 'keep' }
  }))
  t.equal(keptByAnnotation.decision.code, 'legacy-chart-sync', 'a pod keeps the chart\'s with annotation openclaw.ai/legacy: keep')
  t.match(keptByAnnotation.decision.reasons.at(-1), /kept \(annotation openclaw.ai\/legacy: keep\)/)
  const badAnnotation = run(edit((pod) => {
    pod.spec!.initContainers!.unshift(structuredClone(CHART_TOKEN_SYNC))
    pod.metadata!.annotations = { [ANNOTATIONS.legacy]: 'maybe' }
  }))
  t.equal(badAnnotation.decision.action, 'inject', 'a bad value: the setting applies')
  t.match(badAnnotation.decision.warnings.join('\n'), /openclaw.ai\/legacy is "maybe"; expected keep or replace, so replace is used/)
  const replaced = run(pod)
  t.equal(replaced.decision.action, 'inject', 'replaced by default: the namespace opted in')
  const notice = replaced.decision.warnings.find((w) => w.includes('Helm chart'))
  t.equal(notice, "the Helm chart's token sync init-config is replaced by openclaw-injector's; openclaw.ai/legacy: keep keeps it", 'the admission warning says so')
  t.ok(notice!.length <= 120, 'and fits an admission warning')
  t.match(replaced.decision.reasons.join('\n'), /replaces the Helm chart's token-sync init container init-config in place \(setting legacy: replace\)/, 'explain says why')
  t.same(replaced.pod.spec?.initContainers?.map((c) => c.name), ['init-config', 'init-skills'])
  t.equal(initOf(replaced).command?.[2], SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS)
  t.ok(replaced.patch.some((op) => op.op === 'replace' && op.path === '/spec/initContainers/0'), 'the legacy container is swapped in place')
})

t.test('a foreign init-config: ours is named openclaw-token-sync', async (t) => {
  const result = run(edit((pod) => pod.spec!.initContainers!.unshift({ name: 'init-config', image: 'busybox', command: ['true'] })))
  t.same(result.pod.spec?.initContainers?.map((c) => c.name), ['init-config', 'init-skills', 'openclaw-token-sync'])
  const both = run(edit((pod) => pod.spec!.initContainers!.unshift({ name: 'init-config', image: 'busybox' }, { name: 'openclaw-token-sync', image: 'busybox' })))
  t.equal(initOf(both, 'openclaw-token-sync-2').name, 'openclaw-token-sync-2', 'a numbered name when both are taken')
})

t.test('subPath mounts are carried over', async (t) => {
  const result = run(known((_, gateway) => (gateway.volumeMounts![0] = { name: 'data', mountPath: '/home/node/.openclaw', subPath: 'agents/one' })))
  t.same(initOf(result).volumeMounts?.[0], { name: 'data', mountPath: '/home/node/.openclaw', subPath: 'agents/one' })
})

t.test('subPathExpr takes the variables it expands along', async (t) => {
  const podName: V1EnvVar = { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }
  const result = run(edit((_, gateway) => {
    gateway.env!.push(podName)
    gateway.volumeMounts![0] = { name: 'data', mountPath: '/home/node/.openclaw', subPathExpr: 'pods/$(POD_NAME)' }
  }))
  const init = initOf(result)
  t.equal(init.volumeMounts?.[0]?.subPathExpr, 'pods/$(POD_NAME)')
  t.same(env(init, 'POD_NAME'), podName)
})

t.test("the script may write through each of the gateway's writable mounts, and no other", async (t) => {
  const result = run(known((pod, gateway) => {
    pod.spec!.volumes!.push({ name: 'home', emptyDir: {} })
    gateway.volumeMounts!.unshift({ name: 'home', mountPath: '/home/node' })
  }))
  t.equal(result.summary?.stateVolume, 'home, data, tmp')
  const init = initOf(result)
  t.same(['0', '1', '2', '3'].map((i) => env(init, `OPENCLAW_INJECTOR_STATE_MOUNT_${i}`)?.value), ['/home/node', '/home/node/.openclaw', '/tmp', undefined])
})

t.test("the path variables reach the init container from the gateway's own sources; the gateway keeps them", async (t) => {
  const stateDir = run(known((_, gateway) => gateway.env!.push({ name: 'OPENCLAW_STATE_DIR', value: '/home/node/.openclaw/state' })))
  t.same(env(initOf(stateDir), 'OPENCLAW_STATE_DIR'), { name: 'OPENCLAW_STATE_DIR', value: '/home/node/.openclaw/state' })
  t.equal(stateDir.summary?.configPath, 'resolved in the pod')
  const configPath = run(known((_, gateway) => gateway.env!.push({ name: 'OPENCLAW_CONFIG_PATH', value: '/home/node/.openclaw/conf/main.json' })))
  t.same(configPath.summary?.gatewayEnvAdded, [])
  t.equal(gatewayOf(configPath.pod).env?.filter((e) => e.name === 'OPENCLAW_CONFIG_PATH').length, 1, 'never a duplicate env name')
  const expanded = run(known((_, gateway) => gateway.env!.push({ name: 'BASE', value: '/home/node/.openclaw' }, { name: 'OPENCLAW_STATE_DIR', value: '$(BASE)/s' })))
  t.same(initOf(expanded).env?.filter((e) => ['BASE', 'OPENCLAW_STATE_DIR'].includes(e.name)).map((e) => e.name), ['BASE', 'OPENCLAW_STATE_DIR'], '$(VAR) references come along, in order')
  const dynamic = run(known((_, gateway) => gateway.env!.push({ name: 'OPENCLAW_CONFIG_PATH', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } })))
  t.same(env(initOf(dynamic), 'OPENCLAW_CONFIG_PATH'), { name: 'OPENCLAW_CONFIG_PATH', valueFrom: { configMapKeyRef: { name: 'x', key: 'y' } } }, 'the same source, copied')
  t.notOk(env(gatewayOf(dynamic.pod), 'OPENCLAW_CONFIG_PATH')?.value, 'the gateway keeps its own')
  // OpenClaw resolves a relative path from its working directory: so does the script, from the same.
  const relative = run(known((_, gateway) => {
    gateway.env!.push({ name: 'OPENCLAW_STATE_DIR', value: 'state' })
    gateway.workingDir = '/home/node/.openclaw'
  }))
  t.equal(relative.decision.action, 'inject')
  t.equal(initOf(relative).workingDir, '/home/node/.openclaw', "the gateway's workingDir")
  const home = run(known((_, gateway) => gateway.env!.push({ name: 'HOME', value: '/srv' }, { name: 'OPENCLAW_HOME', value: '/home/node' }, { name: 'OPENCLAW_PROFILE', value: 'work' })))
  t.same(initOf(home).env?.filter((e) => ['HOME', 'OPENCLAW_HOME', 'OPENCLAW_PROFILE'].includes(e.name)).map((e) => e.value), ['/srv', '/home/node', 'work'])
  t.same(gatewayOf(home.pod), gatewayOf(known((_, gateway) => gateway.env!.push({ name: 'HOME', value: '/srv' }, { name: 'OPENCLAW_HOME', value: '/home/node' }, { name: 'OPENCLAW_PROFILE', value: 'work' }))), 'the gateway is left as it was')
})

// Class 5 of issue 18: a read-only state never becomes writable in the injected container.
t.test('read-only mounts stay read-only; a gateway with no writable volume is skipped with its own code and a warning', async (t) => {
  const mixed = run(known((pod, gateway) => {
    gateway.volumeMounts![0] = { name: 'data', mountPath: '/home/node/.openclaw', readOnly: true, recursiveReadOnly: 'IfPossible' }
  }))
  const init = initOf(mixed)
  t.same(init.volumeMounts?.[0], { name: 'data', mountPath: '/home/node/.openclaw', readOnly: true, recursiveReadOnly: 'IfPossible' }, 'readOnly and recursiveReadOnly copied')
  t.same(env(init, 'OPENCLAW_INJECTOR_STATE_MOUNT_0')?.value, '/tmp', 'the script may write only through the writable one')
  t.notOk(env(init, 'OPENCLAW_INJECTOR_STATE_MOUNT_1'))
  t.equal(mixed.summary?.stateVolume, 'tmp')
  const backup = (change: (pod: Pod, gateway: Container) => void) => run(known((pod, gateway) => {
    gateway.volumeMounts = gateway.volumeMounts!.filter((m) => m.name === 'data')
    change(pod, gateway)
  }))
  const readOnlyMount = backup((_, gateway) => (gateway.volumeMounts![0]!.readOnly = true))
  t.equal(readOnlyMount.decision.code, 'state-read-only')
  t.match(readOnlyMount.decision.reasons.at(-1), /every volume of container main is read-only \(data\); the injector never makes one writable/)
  t.match(readOnlyMount.decision.warnings.at(-1), /^not injected \(state-read-only\): /, 'the admission warning carries the reason')
  const readOnlyClaim = backup((pod) => (pod.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim!.readOnly = true))
  t.equal(readOnlyClaim.decision.code, 'state-read-only', 'a PVC volume source with readOnly: true')
  const configMap = backup((pod) => (pod.spec!.volumes![2] = { name: 'data', configMap: { name: 'x' } }))
  t.equal(configMap.decision.code, 'state-read-only', 'a configMap volume')
})

t.test('non-OpenClaw pods are skipped with the reason', async (t) => {
  const result = run({ metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } })
  t.equal(result.decision.action, 'skip')
  t.match(result.decision.reasons[0], /not an OpenClaw pod/)
})

t.test('image references: registries, ports, tags and digests', async (t) => {
  const cases: [string, boolean][] = [
    ['ghcr.io/openclaw/openclaw:2026.9.6', true],
    ['openclaw/openclaw', true],
    ['docker.io/openclaw/openclaw@sha256:' + 'a'.repeat(64), true],
    ['localhost:5000/openclaw/openclaw:1@sha256:' + 'b'.repeat(64), true],
    ['mirror.internal/cache/openclaw/openclaw:latest', true],
    ['ghcr.io/openclaw/openclaw-tools:1', false],
    ['ghcr.io/notopenclaw/openclaw:1', false],
    ['ghcr.io/openclaw/openclaw/sub:1', false],
  ]
  for (const [image, matches] of cases) {
    const pod = edit((pod, gateway) => {
      gateway.image = image
      pod.metadata!.labels = {}
      pod.spec!.initContainers = []
    })
    t.equal(run(pod).decision.action, matches ? 'inject' : 'skip', image)
  }
})

t.test('the gateway container: annotation, image, then name', async (t) => {
  const sidecarFirst = edit((pod) => pod.spec!.containers.unshift({ name: 'proxy', image: 'envoy:1' }))
  t.equal(run(sidecarFirst).summary?.gatewayContainer, 'main')
  const annotated = edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.gatewayContainer]: 'nope' }))
  t.match(run(annotated).decision.reasons.at(-1), /names container "nope", which the pod does not have/)
  const byName = edit((_, gateway) => (gateway.image = 'registry.example.com/custom:1'))
  t.equal(run(byName).summary?.gatewayContainer, 'main', 'label picks the pod, the name picks the gateway')
  t.equal(initOf(run(byName)).command?.[2], SYNC_SCRIPT_NO_CREDENTIALS, 'an image not known to be OpenClaw\'s: the form with the built-in JSON5 reader')
})

t.test('mode, image and pull policy overrides', async (t) => {
  const fixedPath = (pod: Pod, gateway: Container) => gateway.env!.push({ name: 'OPENCLAW_CONFIG_PATH', value: '/home/node/.openclaw/openclaw.json' })
  const result = run(edit((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.mode]: 'ref', [ANNOTATIONS.syncImage]: 'node:24-slim' }
    fixedPath(pod, gateway)
  }))
  const init = initOf(result)
  t.equal(env(init, 'OPENCLAW_INJECTOR_MODE')?.value, 'ref')
  t.equal(init.image, 'node:24-slim')
  t.notOk(init.imagePullPolicy, "another image does not inherit the gateway's pull policy")
  t.equal(init.command?.[2], SYNC_SCRIPT_NO_CREDENTIALS, 'another image may have no json5: the form with the built-in JSON5 reader')
  const bad = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.mode]: 'plaintext' })))
  t.equal(env(initOf(bad), 'OPENCLAW_INJECTOR_MODE')?.value, 'auto')
  t.match(bad.decision.warnings.join('\n'), /expected auto, sync or ref, so auto is used/)
  const unfixed = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.syncImage]: 'node:24-slim' })))
  t.equal(unfixed.decision.code, 'config-path-unknown', "another image cannot see the gateway image's ENV: skipped unless the pod spec fixes the path")
  t.match(unfixed.decision.warnings.at(-1), /^not injected \(config-path-unknown\): the sync image node:24-slim is not the gateway's image/)
  const profile = run(edit((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.syncImage]: 'node:24-slim' }
    fixedPath(pod, gateway)
    gateway.args = ['--profile', 'work', 'gateway']
  }))
  t.equal(profile.decision.code, 'config-path-unknown', 'nor when a --profile may move it')
  const fromSettings = run(edit(fixedPath), engineSettings({ syncImage: 'mirror/openclaw:1', syncImagePullPolicy: 'Always', mode: 'ref' }))
  t.match(initOf(fromSettings), { image: 'mirror/openclaw:1', imagePullPolicy: 'Always' })
  t.equal(initOf(fromSettings).command?.[2], SYNC_SCRIPT_NO_CREDENTIALS, 'not an OpenClaw image by the pattern: the built-in JSON5 reader comes along')
  const official = run(edit(fixedPath), engineSettings({ syncImage: 'registry.example.com/openclaw/openclaw:2026.9.6' }))
  t.equal(initOf(official).command?.[2], SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS, 'an OpenClaw image as sync image: its json5 reads the file')
})

// Found on kind (test/e2e/kind, scenario 5): after a rotation, a gateway container that restarts
// without its pod comes back with the new env but the file the init container wrote at pod start,
// and OpenClaw prefers the file's plaintext. Only sync mode stores plaintext, so only a pod where
// sync is chosen, or where auto may choose it, is warned.
t.test('sync mode warns that a container restart keeps the old credential; ref does not', async (t) => {
  const sync = run(chartPod(), engineSettings({ mode: 'sync' }))
  t.ok(sync.decision.warnings.includes(syncRestartWarning('token')), 'sync from settings warns')
  t.match(syncRestartWarning('token'), /^sync mode: .*restarted gateway container keeps the old token; use openclaw\.ai\/token-sync-mode: ref$/)
  for (const credential of ['token', 'password'] as const) {
    for (const mode of ['sync', 'auto'] as const) t.ok(syncRestartWarning(credential, mode).length <= 120, `the ${mode} ${credential} warning fits an admission warning (120 characters)`)
  }
  const ref = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.mode]: 'ref' })))
  t.same(ref.decision.warnings, [], 'ref mode: no warning')
  t.same(run(chartPod(), engineSettings({ mode: 'ref' })).decision.warnings, [], 'ref from settings: no warning')
  t.same(run(chartPod()).decision.warnings, [], 'auto on OpenClaw 2026.9.6: ref is chosen, no warning')
  const old = run(edit((_, gateway) => (gateway.image = 'ghcr.io/openclaw/openclaw:2026.3.2')))
  t.ok(old.decision.warnings.includes(syncRestartWarning('token', 'auto')), 'auto on 2026.3.2 (older than SecretRefs): the script will pick sync, warned')
  t.same(run(edit((_, gateway) => (gateway.image = 'ghcr.io/openclaw/openclaw:2026.3.7'))).decision.warnings, [], 'auto on 2026.3.7: ref, no warning')
  const otherImage = run(edit((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.syncImage]: 'node:24-slim' }
    gateway.env!.push({ name: 'OPENCLAW_CONFIG_PATH', value: '/home/node/.openclaw/openclaw.json' })
  }))
  t.ok(otherImage.decision.warnings.includes(syncRestartWarning('token', 'auto')), 'auto in another sync image (no OpenClaw version to read): warned')
  const password = run(edit((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.mode]: 'sync' }
    gateway.envFrom = []
    gateway.env = [...(gateway.env ?? []), { name: 'OPENCLAW_GATEWAY_PASSWORD', valueFrom: { secretKeyRef: { name: 'gw', key: 'password' } } }]
  }))
  t.ok(password.decision.warnings.includes(syncRestartWarning('password')), 'a password-only pod is warned about its password')
  const nothing = run(edit((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.mode]: 'sync' }
    gateway.envFrom = []
  }))
  t.notOk(nothing.decision.warnings.some((w) => w.startsWith('sync mode:')), 'no credential to sync: no restart warning')
})

t.test('seed config', async (t) => {
  const annotated = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.seedConfigMap]: 'agent-config/base.json5' })))
  t.equal(env(initOf(annotated), 'OPENCLAW_INJECTOR_SEED_PATH')?.value, '/openclaw-injector/seed/base.json5')
  t.same(annotated.pod.spec?.volumes?.at(-1), { name: 'openclaw-injector-seed', configMap: { name: 'agent-config', items: [{ key: 'base.json5', path: 'base.json5' }] } })
  t.same(annotated.summary?.volumesAdded, ['openclaw-injector-seed'])
  const reused = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.seedConfigMap]: 'openclaw' })))
  t.same(reused.summary?.volumesAdded, [], 'a configMap volume the pod already has is reused')
  const none = run(edit((pod) => (pod.spec!.volumes = pod.spec!.volumes!.filter((v) => v.name !== 'config'))))
  t.notOk(env(initOf(none), 'OPENCLAW_INJECTOR_SEED_PATH'), 'no seed: sync only')
  const items = run(edit((pod) => (pod.spec!.volumes![0] = { name: 'config', configMap: { name: 'openclaw', items: [{ key: 'openclaw.json', path: 'conf/seed.json' }] } })))
  t.equal(env(initOf(items), 'OPENCLAW_INJECTOR_SEED_PATH')?.value, '/openclaw-injector/seed/conf/seed.json')
})

t.test('security context follows the pod and the gateway', async (t) => {
  const numeric = run(edit((pod) => (pod.spec!.securityContext = { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, runAsNonRoot: true })))
  t.match(initOf(numeric).securityContext, { runAsUser: 1000, runAsGroup: 1000, runAsNonRoot: true })
  const container = run(edit((_, gateway) => (gateway.securityContext = { runAsUser: 2000 })))
  t.match(initOf(container).securityContext, { runAsUser: 2000, runAsNonRoot: true })
  const root = run(edit((_, gateway) => (gateway.securityContext = { runAsUser: 0 })))
  t.notOk(initOf(root).securityContext?.runAsNonRoot, 'never claims non-root for uid 0')
  const asserted = run(edit((_, gateway) => (gateway.securityContext = { runAsNonRoot: true })))
  t.equal(initOf(asserted).securityContext?.runAsNonRoot, true, "the gateway's own assertion on the same image carries over")
})

// Class 4 of issue 18: another OpenClaw container keeps reading its own file. It gets the env
// the file's references name only where it finds the same file as the gateway; no container's
// path variables are ever set.
t.test('other OpenClaw containers: env only where they find the same file; each other one left alone, with the reason', async (t) => {
  const IMAGE = 'ghcr.io/openclaw/openclaw:2026.9.6'
  const pod = (mode: string) => known((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.tokenSecret]: 'gw/token', [ANNOTATIONS.credentials]: 'channels.telegram.botToken=telegram-bot/token', [ANNOTATIONS.mode]: mode }
    const same = { image: IMAGE, env: structuredClone(gateway.env), volumeMounts: structuredClone(gateway.volumeMounts) }
    pod.spec!.containers.push(
      { name: 'cli', ...same, command: ['sleep', 'infinity'] },
      { name: 'cli-state-dir', ...same, env: [...same.env!, { name: 'OPENCLAW_STATE_DIR', value: '/home/node/.openclaw/other' }] },
      { name: 'cli-home', ...same, env: [...same.env!, { name: 'HOME', value: '/srv' }] },
      { name: 'gateway-work', ...same, args: ['--profile', 'work', 'gateway'] },
      { name: 'cli-elsewhere', image: IMAGE, volumeMounts: [{ name: 'data', mountPath: '/state' }] },
      { name: 'cli-mirror', ...same, image: 'mirror.example.com/openclaw/openclaw:2026.9.6' },
      { name: 'proxy', image: 'envoy:1', volumeMounts: [{ name: 'data', mountPath: '/state' }] },
    )
  })
  const token = { name: 'OPENCLAW_GATEWAY_TOKEN', valueFrom: { secretKeyRef: { name: 'gw', key: 'token' } } }
  const bot = { name: 'OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN', valueFrom: { secretKeyRef: { name: 'telegram-bot', key: 'token' } } }
  for (const mode of ['ref', 'auto']) {
    const input = pod(mode)
    const result = run(input)
    const byName = (p: Pod, n: string) => p.spec!.containers.find((c) => c.name === n)!
    t.same(gatewayOf(result.pod).env?.slice(-2), [token, bot], `${mode}: the gateway`)
    t.same(byName(result.pod, 'cli').env?.slice(-2), [token, bot], `${mode}: a CLI sidecar with the gateway's image, env and mounts`)
    for (const other of ['cli-state-dir', 'cli-home', 'gateway-work', 'cli-elsewhere', 'cli-mirror', 'proxy']) {
      t.same(byName(result.pod, other), byName(input, other), `${mode}: ${other} left exactly as it was`)
    }
    t.same(result.summary?.sidecarEnvAdded, { cli: [token.name, bot.name] })
    t.match(result.summary?.containersLeftAlone, {
      'cli-state-dir': /its env for the config path .* differs/,
      'cli-home': /its env for the config path .* differs/,
      'gateway-work': /may choose another OpenClaw profile/,
      'cli-elsewhere': /differs|mounts differ/,
      'cli-mirror': /not the gateway's, whose ENV may differ/,
      proxy: 'not an OpenClaw image',
    })
    t.notOk(result.pod.spec!.containers.some((c) => c.env?.some((e) => e.name === 'OPENCLAW_CONFIG_PATH')), `${mode}: no container gets OPENCLAW_CONFIG_PATH`)
  }
  const sync = run(pod('sync'))
  t.same(sync.pod.spec!.containers[1]?.env?.slice(-1), [bot], 'sync: the token is in the file, the credential is still a reference')
  t.notOk(env(gatewayOf(sync.pod), 'OPENCLAW_GATEWAY_TOKEN'))
})

t.test('annotation openclaw.ai/credentials: each entry checked against the credential surface', async (t) => {
  const annotation = [
    'channels.telegram.botToken=telegram-bot/token, models.providers.openai.apiKey=llm-keys/openai',
    'channels.telegram.accounts.ops-bot.botToken = telegram-ops',
    'hooks.token=hooks',
    'foo.bar=x, gateway.auth.token=gw, channels.telegram.botToken=again, no-equals, cron.webhookToken=Bad_Secret',
    'models.providers.__proto__.apiKey=x, hooks.mappings.0.sessionKey=x, channels.telegram.botToken.extra=x, channels..botToken=x',
  ].join('\n')
  const result = run(edit((pod, gateway) => {
    pod.metadata!.annotations = { [ANNOTATIONS.credentials]: annotation }
    gateway.env = [...(gateway.env ?? []), { name: 'OPENCLAW_CRED_HOOKS_TOKEN', value: 'the pod uses this name already' }]
  }))
  t.equal(result.decision.action, 'inject', 'bad entries do not stop the good ones')
  const names = ['OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN', 'OPENCLAW_CRED_MODELS_PROVIDERS_OPENAI_API_KEY', 'OPENCLAW_CRED_CHANNELS_TELEGRAM_ACCOUNTS_OPS_BOT_BOT_TOKEN', 'OPENCLAW_CRED_HOOKS_TOKEN_2']
  t.same(result.summary?.credentials, [
    { path: 'channels.telegram.botToken', secret: 'telegram-bot', key: 'token', env: names[0], form: 'ref' },
    { path: 'models.providers.openai.apiKey', secret: 'llm-keys', key: 'openai', env: names[1], form: 'ref' },
    { path: 'channels.telegram.accounts.ops-bot.botToken', secret: 'telegram-ops', key: 'botToken', env: names[2], form: 'ref' },
    { path: 'hooks.token', secret: 'hooks', key: 'token', env: names[3], form: 'template' },
  ], 'KEY defaults to the last segment; `*` matches an account name; a name the pod uses gets _2; hooks.token takes a ${VAR} string')
  for (const name of names) t.match(name, /^[A-Z][A-Z0-9_]{0,127}$/, `${name} is a valid OpenClaw env id`)
  const init = initOf(result)
  t.equal(init.command?.[2], SYNC_SCRIPT_IMAGE_JSON5, 'a pod with credentials gets the form with their code')
  t.same(env(init, names[0]!), { name: names[0]!, valueFrom: { secretKeyRef: { name: 'telegram-bot', key: 'token' } } }, 'not optional: a missing Secret or key stops the pod visibly')
  t.equal(env(init, 'OPENCLAW_INJECTOR_CREDENTIALS')?.value, [
    `ref channels.telegram.botToken ${names[0]}`, `ref models.providers.openai.apiKey ${names[1]}`, `ref channels.telegram.accounts.ops-bot.botToken ${names[2]}`, `template hooks.token ${names[3]}`,
  ].join('\n'), 'the script gets paths, names and forms, not the table')
  t.same(gatewayOf(result.pod).env?.slice(-4).map((e) => e.name), names, 'the gateway gets each, after its own env')
  const warnings = result.decision.warnings.filter((w) => w.startsWith('annotation openclaw.ai/credentials'))
  t.same(warnings.map((w) => /"([^"]*)"/.exec(w)?.[1]), ['foo.bar=x', 'gateway.auth.token=gw', 'channels.telegram.botToken=again', 'no-equals', 'cron.webhookToken=Bad_Secret', 'models.providers.__proto__.apiKey=x', 'hooks.mappings.0.sessionKey=x', 'channels.telegram.botToken.extra=x', 'channels..botToken=x'], 'one warning per bad entry, naming it')
  t.match(warnings[0], /is not a credential path of OpenClaw 2026\.9\.6/)
  t.match(warnings[1], /use annotation openclaw.ai\/gateway-token-secret/)
  t.match(warnings[2], /repeats a path/)
  t.match(warnings[4], /names no Secret/)
  const long = `plugins.entries.voice-call.config.streaming.providers.${'p'.repeat(100)}.apiKey=k`
  const longName = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.credentials]: long }))).summary?.credentials[0]?.env ?? ''
  t.match(longName, /^OPENCLAW_CRED_PLUGINS_ENTRIES_VOICE_CALL_.*_[0-9A-F]{8}$/, 'a long path: cut, with a digest')
  t.ok(longName.length <= 128)
  const again = run(edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.credentials]: long }))).summary?.credentials[0]?.env
  t.equal(again, longName, 'deterministic')
})

t.test('a pod with 100 containers', async (t) => {
  const pod = bigPod(100)
  const result = run(pod)
  t.equal(result.decision.action, 'inject')
  t.equal(result.patch.length, 2)
})

t.test('every skip says why in a stable code', async (t) => {
  const cases: [string, Pod, EngineSettings?][] = [
    ['opted-out', edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.tokenSync]: 'disabled' }))],
    ['not-openclaw', { metadata: {}, spec: { containers: [{ name: 'web', image: 'nginx' }] } }],
    ['already-injected', run(chartPod()).pod],
    ['no-gateway', edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.gatewayContainer]: 'nope' }))],
    ['config-path-unknown', edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.syncImage]: 'node:24-slim' }))],
    ['identity-unknown', edit((pod, gateway) => {
      gateway.image = 'registry.example.com/custom-gateway:1'
      gateway.env!.push({ name: 'OPENCLAW_CONFIG_PATH', value: '/home/node/.openclaw/openclaw.json' })
      pod.metadata!.annotations = { [ANNOTATIONS.syncImage]: 'node:24-slim' }
    })],
    ['no-state-volume', edit((_, gateway) => (gateway.volumeMounts = []))],
    ['state-read-only', edit((_, gateway) => (gateway.volumeMounts = gateway.volumeMounts!.map((m) => ({ ...m, readOnly: true }))))],
    ['bad-annotation', edit((pod) => (pod.metadata!.annotations = { [ANNOTATIONS.seedConfigMap]: 'a/b/c' }))],
    ['legacy-chart-sync', edit((pod) => pod.spec!.initContainers!.unshift(structuredClone(CHART_TOKEN_SYNC))), engineSettings({ legacy: 'keep' })],
    ['name-conflict', edit((pod) => pod.spec!.initContainers!.unshift({ name: 'init-config', image: 'x' }, { name: 'openclaw-token-sync', image: 'x' }, ...Array.from({ length: 8 }, (_, i) => ({ name: `openclaw-token-sync-${i + 2}`, image: 'x' }))))],
    ['windows', edit((pod) => (pod.spec!.os = { name: 'windows' }))],
    ['no-containers', { metadata: {}, spec: { containers: [] } }],
    ['not-a-pod', {} as Pod],
    ['too-large', edit((_, gateway) => (gateway.env = Array.from({ length: 10_001 }, (_, i) => ({ name: `E${i}`, value: 'x' }))))],
  ]
  for (const [code, pod, settings] of cases) t.equal(run(pod, settings).decision.code, code, code)
})

t.test('malformed shapes never throw and never patch wrongly', async (t) => {
  const shapes: unknown[] = [
    {},
    { spec: null },
    { spec: { containers: 'x' } },
    { spec: { containers: [null, 1, 'a'] } },
    { metadata: { annotations: null }, spec: { containers: [{ name: 'main', image: 'openclaw/openclaw', env: 'x', volumeMounts: [null] }] } },
    { metadata: { labels: { 'app.kubernetes.io/name': 'openclaw' } }, spec: { containers: [{ name: 'main', volumeMounts: [{ name: 'd', mountPath: '/' }] }], volumes: [{ name: 'd', emptyDir: {} }] } },
  ]
  for (const shape of shapes) {
    const result = run(shape as Pod)
    t.ok(result.decision.reasons.length > 0, JSON.stringify(shape))
  }
})

t.test("the gateway's command line goes to the script as data; none means the image's own", async (t) => {
  const own = run(edit((_, gateway) => {
    delete gateway.command
    delete gateway.args
  }))
  t.notOk(env(initOf(own), 'OPENCLAW_INJECTOR_GATEWAY_COMMAND'), 'no command: the image ENTRYPOINT')
  t.equal(env(initOf(own), 'OPENCLAW_INJECTOR_GATEWAY_ARGS')?.value, '[]', 'no args: the image CMD, which the script says it cannot read')
  const profile = run(edit((_, gateway) => {
    gateway.command = []
    gateway.args = ['node', 'openclaw.mjs', '--profile', 'work', 'gateway']
  }))
  t.notOk(env(initOf(profile), 'OPENCLAW_INJECTOR_GATEWAY_COMMAND'), 'an empty command is none, as the kubelet takes it')
  t.equal(env(initOf(profile), 'OPENCLAW_INJECTOR_GATEWAY_ARGS')?.value, JSON.stringify(['node', 'openclaw.mjs', '--profile', 'work', 'gateway']))
  t.same(gatewayOf(profile.pod), gatewayOf(edit((_, gateway) => {
    gateway.command = []
    gateway.args = ['node', 'openclaw.mjs', '--profile', 'work', 'gateway']
  })), 'the gateway is left as it was')
})
