// The tier: for each scenario and each mode, the state volume as an earlier run left it -> the
// init container that `openclaw-injector inject` adds to the chart's pod, run as the pod runs it
// -> the real OpenClaw gateway with the rotated Secret -> the real CLI:
//   1. `openclaw gateway health` with the config on the volume succeeds,
//   2. a client presenting the rotated token (password) is accepted,
//   3. the old one is refused.
// Mode `auto` (the default: the chart's pod as it comes, no mode annotation) picks `ref` on the
// pinned release. Mode `sync` writes the Secret's value into the config; mode `ref` replaces it
// with env SecretRefs, so no secret stays on the volume. The credentials scenario also runs
// OpenClaw's own `secrets audit` before and after. See helpers/scenarios.ts; control.test.ts shows
// the same checks failing without the init container.
import t from 'tap'
import { installOpenClaw } from './helpers/openclaw.ts'
import { runScenario, SCENARIOS } from './helpers/scenarios.ts'

t.setTimeout(15 * 60_000)
t.before(() => {
  installOpenClaw()
})

for (const mode of ['auto', 'sync', 'ref'] as const) {
  for (const scenario of SCENARIOS) {
    t.test(`${mode}: ${scenario.title}`, (t) => runScenario(t, scenario, mode))
  }
}
