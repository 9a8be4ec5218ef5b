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
