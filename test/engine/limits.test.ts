// The engine's work is linear in the pod's size, and bounded: counted in steps (test/helpers/
// steps.ts), not timed, so these tests cannot flake on a busy machine. The timings themselves
// are `npm run bench`'s (bench/engine.ts), on the same pods (GROWING_PODS).
import t from 'tap'
import type { V1EnvVar, V1Volume, V1VolumeMount } from '@kubernetes/client-node'
import { mutatePod } from '../../src/engine/index.ts'
import { envExpansion, envSourcesFor, envValue, type EnvValue } from '../../src/engine/env.ts'
import { resolveConfigCredentials } from '../../src/engine/config-credentials.ts'
import { containerMounts } from '../../src/engine/paths.ts'
import { LIMITS } from '../../src/engine/limits.ts'
import type { Container, Pod } from '../../src/engine/types.ts'
import { applyPatch, chartPod, engineSettings, gatewayOf, GROWING_PODS } from '../helpers/pods.ts'
import { countSteps } from '../helpers/steps.ts'
import { mulberry32 } from '../helpers/random.ts'

const settings = engineSettings()

t.test('the work per pod grows linearly along every axis', async (t) => {
  // Sizes 4 apart: a linear engine takes at most 4 times the steps (less, with the fixed part),
  // a quadratic one about 16 times. The quadratic engine (main before issue 19) measured ×15.7
  // (reversed env chain), ×14.8 (volumes) and ×12.0 (credentials entries).
  const sizes: Record<keyof typeof GROWING_PODS, [number, number]> = {
    'env chain, reversed': [500, 2000],
    'env chain, forward': [500, 2000],
    containers: [60, 240],
    volumes: [240, 960],
    'credentials entries': [500, 2000],
  }
  for (const [axis, [small, large]] of Object.entries(sizes) as [keyof typeof GROWING_PODS, [number, number]][]) {
    const counts = [small, large].map((size) => {
      const pod = GROWING_PODS[axis](size)
      let code = ''
      const steps = countSteps(() => (code = mutatePod(pod, settings).decision.code))
      t.equal(code, 'injected', `${axis} ${size}: injected, not skipped by a cap`)
      return steps
    })
    const [a, b] = counts as [number, number]
    t.ok(b / a <= 4.2, `${axis}: ${a} steps at ${small}, ${b} at ${large}, ×${(b / a).toFixed(2)} for ×${large / small} the size`)
  }
})

t.test('the report\'s pod, 6,000 env entries in reverse plus one envFrom: injected, in a bounded number of steps', async (t) => {
  const pod = GROWING_PODS['env chain, reversed'](6000)
  t.ok(JSON.stringify(pod).length > 200 * 1024, 'the size of the report\'s pod')
  let result!: ReturnType<typeof mutatePod>
  const steps = countSteps(() => (result = mutatePod(pod, settings)))
  t.equal(result.decision.code, 'injected')
  t.ok(steps < 60 * 6000, `${steps} steps, under 60 per env entry (the quadratic engine took 162 million)`)
  const init = result.pod.spec!.initContainers!.at(-1)!
  t.equal(init.env!.filter((e) => /^V\d+$/.test(e.name)).length, 6000, 'the whole chain is copied into the init container')
  t.same(init.env!.filter((e) => /^V\d+$|^HOME$/.test(e.name)), gatewayOf(pod).env!.filter((e) => /^V\d+$|^HOME$/.test(e.name)), 'in the gateway\'s order, unchanged')
  t.same(applyPatch(pod, result.patch), result.pod)
})

/** The chart's pod with its gateway's env set to `env`. */
function withEnv(env: V1EnvVar[], change: (pod: Pod, gateway: Container) => void = () => {}): Pod {
  const pod = chartPod()
  const gateway = gatewayOf(pod)
  gateway.env = env
  change(pod, gateway)
  return pod
}

t.test('above a cap the pod is skipped as too-large, with a reason naming the list; at the cap it is examined', async (t) => {
  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `E${i}`, value: 'x' }))
  const cases: [string, (n: number) => Pod, number, RegExp][] = [
    ['env entries', (n) => withEnv(entries(n)), LIMITS.envEntries, /^container main has 10001 env entries, more than the 10000 the engine examines; the pod is left as it is$/],
    ['envFrom entries', (n) => withEnv([], (_, g) => (g.envFrom = Array.from({ length: n }, (_, i) => ({ configMapRef: { name: `c${i}` } })))), LIMITS.envFromEntries, /^container main has 1001 envFrom entries, more than the 1000/],
    ['volumeMounts', (n) => withEnv([], (p, g) => {
      p.spec!.volumes!.push(...Array.from({ length: Math.min(n, 990) }, (_, i): V1Volume => ({ name: `v${i}`, emptyDir: {} })))
      g.volumeMounts = Array.from({ length: n }, (_, i): V1VolumeMount => ({ name: `v${i % 990}`, mountPath: `/m/${i}` }))
    }), LIMITS.volumeMounts, /^container main has 1001 volumeMounts, more than the 1000/],
    ['volumes', (n) => withEnv([], (p) => p.spec!.volumes!.push(...Array.from({ length: n - 4 }, (_, i): V1Volume => ({ name: `v${i}`, emptyDir: {} })))), LIMITS.volumes, /^the pod has 1001 volumes, more than the 1000/],
    ['containers', (n) => withEnv([], (p) => p.spec!.containers.push(...Array.from({ length: n - 2 }, (_, i): Container => ({ name: `c${i}`, image: 'busybox' })))), LIMITS.containers, /^the pod has 1001 containers \(init, regular and ephemeral\), more than the 1000/],
  ]
  for (const [what, make, limit, reason] of cases) {
    const at = mutatePod(make(limit), settings)
    t.equal(at.decision.code, 'injected', `${limit} ${what}: examined`)
    const above = mutatePod(make(limit + 1), settings)
    t.equal(above.decision.code, 'too-large', `${limit + 1} ${what}: too-large`)
    t.match(above.decision.reasons.at(-1), reason)
    t.same(above.patch, [], 'no patch')
  }
})

t.test('$(VAR) chains that double a value are measured, never expanded', async (t) => {
  // B=$(A)$(A), C=$(B)$(B), ...: 40 entries would expand to a TiB. The engine that expanded
  // every entry threw "Invalid string length" on this pod after growing to 603 MiB of RSS,
  // past the webhook's 256Mi limit.
  const doubling = (n: number): V1EnvVar[] => [{ name: 'D0', value: 'x' }, ...Array.from({ length: n }, (_, i) => ({ name: `D${i + 1}`, value: `$(D${i})$(D${i})` }))]
  const result = mutatePod(withEnv(doubling(40)), settings)
  t.equal(result.decision.code, 'too-large')
  t.match(result.decision.reasons.at(-1), /^env D40 of container main expands to 1099511627776 characters, more than Linux passes to a program \(131072 bytes, MAX_ARG_STRLEN\); the container could not start/)
  t.equal(mutatePod(withEnv(doubling(16)), settings).decision.code, 'injected', '2^16 characters: within what Linux passes, examined')
  t.equal(mutatePod(withEnv(doubling(17)), settings).decision.code, 'too-large', '2^17 characters and the name: more than MAX_ARG_STRLEN')

  // Each value under MAX_ARG_STRLEN, together over the cap: 20 copies of 120 KiB.
  const wide: V1EnvVar[] = [{ name: 'A', value: 'a'.repeat(120 * 1024) }, ...Array.from({ length: 20 }, (_, i) => ({ name: `W${i}`, value: '$(A)' }))]
  const tooWide = mutatePod(withEnv(wide), settings)
  t.equal(tooWide.decision.code, 'too-large')
  t.match(tooWide.decision.reasons.at(-1), /^the env of container main expands to 2580480 characters, more than the 2097152 the engine examines/)
  t.equal(mutatePod(withEnv(wide.slice(0, 15)), settings).decision.code, 'injected', '15 copies: under the cap')

  // A run-time value stops the expansion there: nothing to measure beyond it.
  const dynamic: V1EnvVar[] = [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, ...doubling(40).slice(1).map((e, i) => (i === 0 ? { name: 'D1', value: '$(S)$(S)' } : e))]
  t.equal(mutatePod(withEnv(dynamic), settings).decision.code, 'injected', 'a chain built on a Secret\'s value is left to the pod')
})

// The definitions the engine had, quadratic but plainly right, kept as oracles: the linear
// code must give the same results on every input.
function oracleEnvValue(container: Container, name: string): EnvValue | undefined {
  const REFERENCE = /\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g
  const known = new Map<string, EnvValue>()
  let result: EnvValue | undefined
  for (const entry of (container.env ?? []).filter((e) => e !== null && typeof e === 'object' && typeof e.name === 'string')) {
    let value: EnvValue
    if (entry.valueFrom !== undefined && entry.valueFrom !== null) value = { kind: 'dynamic', entry }
    else {
      let dynamic = false
      const text = (typeof entry.value === 'string' ? entry.value : '').replace(REFERENCE, (match, ref: string | undefined) => {
        if (ref === undefined) return '$'
        const earlier = known.get(ref)
        if (earlier?.kind === 'literal') return earlier.value
        if (earlier !== undefined || (container.envFrom ?? []).length > 0) dynamic = true
        return match
      })
      value = dynamic ? { kind: 'dynamic', entry } : { kind: 'literal', value: text }
    }
    known.set(entry.name, value)
    if (entry.name === name) result = value
  }
  return result
}

function oracleSourceNames(container: Container, names: string[]): { env: string[]; envFrom: boolean } {
  const entries = container.env ?? []
  const needed = new Set(names)
  for (let grew = true; grew;) {
    grew = false
    for (const entry of entries) {
      if (!needed.has(entry.name) || typeof entry.value !== 'string') continue
      for (const [, ref] of entry.value.matchAll(/\$\$|\$\(([-._a-zA-Z][-._a-zA-Z0-9]*)\)/g)) if (ref !== undefined && !needed.has(ref)) (needed.add(ref), (grew = true))
    }
  }
  const defined = new Set(entries.map((e) => e.name))
  const mayDefine = (name: string) => (container.envFrom ?? []).some((e) => name.startsWith(e.prefix ?? '') && name.length > (e.prefix ?? '').length)
  return { env: entries.filter((e) => needed.has(e.name)).map((e) => e.name), envFrom: [...needed].some((n) => !defined.has(n) && mayDefine(n)) }
}

t.test('the linear env resolution gives what the quadratic one gave, on random env lists', async (t) => {
  const random = mulberry32(19)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const NAMES = ['A', 'B', 'C', 'D', 'HOME', 'OPENCLAW_HOME', 'OPENCLAW_STATE_DIR', 'P_X', 'P_Y']
  let compared = 0
  for (let round = 0; round < 400; round++) {
    const env: V1EnvVar[] = Array.from({ length: Math.floor(random() * 12) }, () => {
      const name = pick(NAMES)
      if (random() < 0.15) return { name, valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }
      const parts = Array.from({ length: Math.floor(random() * 4) }, () => pick(['/x', '$$', '$(' + pick(NAMES) + ')', '$$(' + pick(NAMES) + ')', '$(', ')', '$(bad name)', 'é']))
      return { name, value: parts.join('') }
    })
    const envFrom = random() < 0.3 ? [{ prefix: pick(['', 'P_', 'OPENCLAW_', 'Q']), configMapRef: { name: 'c' } }] : undefined
    const container: Container = { name: 'main', env, ...(envFrom ? { envFrom } : {}) }
    for (const name of NAMES) {
      t.same(envValue(container, name), oracleEnvValue(container, name), `envValue ${name} of ${JSON.stringify(container)}`)
      compared++
    }
    const wanted = NAMES.filter(() => random() < 0.3)
    const sources = envSourcesFor(container, wanted)
    t.same({ env: sources.env.map((e) => e.name), envFrom: sources.envFrom.length > 0 }, oracleSourceNames(container, wanted), `envSourcesFor ${wanted.join(',')} of ${JSON.stringify(container)}`)
    const built = NAMES.map((n) => envValue(container, n)).filter((v): v is Extract<EnvValue, { kind: 'literal' }> => v?.kind === 'literal')
    const longest = envExpansion(container).longest?.length ?? 0
    t.ok(built.every((v) => v.value.length <= longest), 'envExpansion measures at least every value envValue builds')
  }
  t.ok(compared >= 3600)
})

t.test('credential env names: the same names, taken ones skipped, without a search per entry', async (t) => {
  const annotation = ['models.providers.a-b.apiKey=s', 'models.providers.a_b.apiKey=s', 'models.providers.aB.apiKey=s', 'models.providers.a--b.apiKey=s', 'models.providers.ab.apiKey=s'].join(',')
  const base = 'OPENCLAW_CRED_MODELS_PROVIDERS_A_B_API_KEY'
  const names = resolveConfigCredentials(annotation, new Set([base, `${base}_3`, 'OPENCLAW_CRED_MODELS_PROVIDERS_A_B_API_KEY_2_2'])).credentials.map((c) => c.envName)
  t.same(names, [`${base}_2`, `${base}_4`, `${base}_5`, `${base}_6`, 'OPENCLAW_CRED_MODELS_PROVIDERS_AB_API_KEY'])
  // A base that is another base's numbered name: `a-b-2` is A_B_2, which `a-b`'s second entry would take.
  const crossing = resolveConfigCredentials('models.providers.a-b-2.apiKey=s,models.providers.a-b.apiKey=s,models.providers.a_b.apiKey=s,models.providers.a__b.apiKey=s', new Set()).credentials.map((c) => c.envName)
  t.same(crossing, ['OPENCLAW_CRED_MODELS_PROVIDERS_A_B_2_API_KEY', base, `${base}_2`, `${base}_3`])
})

t.test('container mounts: the first volume of a name, mounts in order, read-only ones marked', async (t) => {
  const pod: Pod = {
    spec: {
      containers: [{ name: 'main', volumeMounts: [{ name: 'b', mountPath: '/b' }, { name: 'a', mountPath: '/a' }, { name: 'c', mountPath: '/c' }, { name: 'a', mountPath: '/a2', readOnly: true }] }],
      volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }, { name: 'b', configMap: { name: 'x' } }, { name: 'c', secret: { secretName: 'x' } }],
    },
  }
  t.same(containerMounts(pod, pod.spec!.containers[0]!).map((m) => `${m.mount.mountPath}:${m.volume.name}${m.readOnly ? ':ro' : ''}`), ['/b:b', '/a:a', '/c:c:ro', '/a2:a:ro'])
})
