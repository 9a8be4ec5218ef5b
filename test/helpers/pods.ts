// Pods for tests: the chart's pod from test/fixtures, and small edits of it.
import { readFileSync } from 'node:fs'
import jsonpatch from 'fast-json-patch'
import type { Container, PatchOperation, Pod } from '../../src/engine/types.ts'
import { defaultSettings, type EngineSettings } from '../../src/settings.ts'

const fixtures = new URL('../fixtures/', import.meta.url)

export function chartPod(): Pod {
  return JSON.parse(readFileSync(new URL('chart-pod.json', fixtures), 'utf8')) as Pod
}

/** The chart's pod with worker containers added after its gateway, `containers` in all. */
export function bigPod(containers: number): Pod {
  const pod = chartPod()
  for (let i = 0; i < containers - 1; i++) {
    pod.spec!.containers.push({
      name: `worker-${i}`,
      image: `registry.example.com/worker:${i}`,
      env: [{ name: 'INDEX', value: String(i) }, { name: 'ROLE', value: 'worker' }],
      volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
    })
  }
  return pod
}

export function engineSettings(overrides: Partial<EngineSettings> = {}): EngineSettings {
  return { ...defaultSettings().engine, ...overrides }
}

export function gatewayOf(pod: Pod): Container {
  const gateway = pod.spec?.containers.find((c) => c.name === 'main')
  if (gateway === undefined) throw new Error('test pod has no container main')
  return gateway
}

/** Applies an RFC 6902 patch the way the API server does: to a copy, failing on any invalid operation. */
export function applyPatch(pod: Pod, patch: PatchOperation[]): Pod {
  return jsonpatch.applyPatch(structuredClone(pod), structuredClone(patch), true, false).newDocument
}

/**
 * Pods that grow along one axis, for the engine's benchmark and its complexity tests. Each is
 * a valid pod the API server stores (under etcd's 1.5 MiB per object at the sizes used).
 */
export const GROWING_PODS = {
  /**
   * The gateway's env is a chain of `n` entries listed in reverse (HOME=$(V1), V1=$(V2), ... with
   * the last link first) and keeps the chart's envFrom, so the config path is only known in the
   * pod and the whole chain is copied into the init container: the shape that took 5 s at 6,000.
   */
  'env chain, reversed': (n: number): Pod => {
    const pod = chartPod()
    const gateway = gatewayOf(pod)
    const chain = Array.from({ length: n }, (_, i) => ({ name: `V${i + 1}`, value: i + 1 < n ? `$(V${i + 2})` : '/home/node' }))
    gateway.env = [...gateway.env!, ...chain.reverse(), { name: 'HOME', value: '$(V1)' }]
    return pod
  },
  /** The same chain listed forwards, without envFrom: every link expands from the one before, and the path is known. */
  'env chain, forward': (n: number): Pod => {
    const pod = chartPod()
    const gateway = gatewayOf(pod)
    delete gateway.envFrom
    const chain = Array.from({ length: n }, (_, i) => ({ name: `V${i + 1}`, value: i === 0 ? '/home/node' : `$(V${i})` }))
    gateway.env = [...gateway.env!, ...chain, { name: 'HOME', value: `$(V${n})` }]
    return pod
  },
  /**
   * `n` containers: the gateway and OpenClaw CLI sidecars that each mount the state volume and
   * carry a few env entries, with the path known, a Secret annotation and three credentials
   * entries, so every sidecar is wired with OPENCLAW_CONFIG_PATH and the credentials' env.
   */
  containers: (n: number): Pod => {
    const pod = chartPod()
    delete gatewayOf(pod).envFrom
    pod.metadata!.annotations = {
      'openclaw.ai/gateway-token-secret': 'gateway-token',
      'openclaw.ai/credentials': 'models.providers.openai.apiKey=llm/openai, models.providers.anthropic.apiKey=llm/anthropic, channels.slack.botToken=slack',
    }
    for (let i = 1; i < n; i++) {
      pod.spec!.containers.push({
        name: `cli-${i}`,
        image: 'ghcr.io/openclaw/openclaw:2026.9.6',
        env: Array.from({ length: 5 }, (_, j) => ({ name: `SETTING_${j}`, value: String(i) })),
        volumeMounts: [{ name: 'data', mountPath: '/home/node/.openclaw' }],
      })
    }
    return pod
  },
  /** The gateway mounts `n` emptyDir volumes besides the chart's, and keeps envFrom: every writable mount goes to the init container. */
  volumes: (n: number): Pod => {
    const pod = chartPod()
    const gateway = gatewayOf(pod)
    for (let i = 0; i < n; i++) {
      pod.spec!.volumes!.push({ name: `scratch-${i}`, emptyDir: {} })
      gateway.volumeMounts!.push({ name: `scratch-${i}`, mountPath: `/scratch/${i}` })
    }
    return pod
  },
  /**
   * `n` entries of annotation openclaw.ai/credentials whose paths all map to one env name
   * (`a-b`, `a_b`, `a--b`, ... are different paths, one OPENCLAW_CRED_..._A_B_API_KEY), so each
   * takes the next free `_2`, `_3`, ...: within the annotation's 256 KiB at the sizes used.
   */
  'credentials entries': (n: number): Pod => {
    const pod = chartPod()
    const entries = Array.from({ length: n }, (_, i) => `models.providers.a${i.toString(2).replace(/0/g, '-').replace(/1/g, '_')}b.apiKey=llm`)
    pod.metadata!.annotations = { 'openclaw.ai/credentials': entries.join(',') }
    return pod
  },
} satisfies Record<string, (n: number) => Pod>
