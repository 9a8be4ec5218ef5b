// When the webhook cannot answer: the require-injection ValidatingAdmissionPolicy of manifests/
// (require-injection/) on the kind cluster, as installed by scenario 1.
//
// requireInjectionScenario() sets the webhook's failurePolicy to Ignore, scales the webhook to
// 0 and waits until its Service has no endpoint; then an OpenClaw pod created with kubectl
// starts without the init container (Ignore) and kubectl prints the policy's warning. With the
// binding of components/require-injection-deny ([Deny, Audit]) the same pod is refused with
// the policy's message. Then everything is put back as it was (binding, replicas,
// failurePolicy) and `openclaw-injector check --wait` confirms that the webhook answers again.
import type { Test } from 'tap'
import { stringify } from 'yaml'
import { one, render, renderWithComponents } from '../../../manifests/helpers/kustomize.ts'
import { ANNOTATIONS } from '../../../../src/engine/annotations.ts'
import { CommandError, eventually, type Cluster, type KindTools } from '../helpers/cluster.ts'
import { openclawInjector } from '../helpers/cli.ts'
import { injectedInit } from '../helpers/gateway.ts'
import { idlePod, OPT_IN } from '../helpers/objects.ts'

const NS = 'openclaw-injector'
const POLICY = 'openclaw-injector-require-injection'

/** `kubectl create` of a pod: whether it was created, and what kubectl printed on stderr. */
async function createPod(cluster: Cluster, ns: string, pod: unknown, dryRun = false): Promise<{ created: boolean; stderr: string }> {
  try {
    const r = await cluster.kubectl(['create', '-n', ns, ...(dryRun ? ['--dry-run=server'] : []), '-f', '-'], { input: JSON.stringify(pod) })
    return { created: true, stderr: r.stderr }
  } catch (err) {
    if (!(err instanceof CommandError)) throw err
    return { created: false, stderr: err.stderr }
  }
}

export async function requireInjectionScenario(t: Test, cluster: Cluster, tools: KindTools, id: string): Promise<void> {
  const k = cluster
  const ns = `e2e-require-${id}`
  await k.kubectl(['create', 'namespace', ns])
  await k.kubectl(['label', 'namespace', ns, OPT_IN])
  const mwc = await k.getJson(['get', 'mutatingwebhookconfiguration', 'openclaw-injector'])
  const policyBefore = mwc.webhooks[0].failurePolicy
  const replicas = (await k.getJson(['get', 'deployment', 'openclaw-injector', '-n', NS])).spec.replicas
  const setPolicy = (value: string) => k.kubectl(['patch', 'mutatingwebhookconfiguration', 'openclaw-injector', '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/webhooks/0/failurePolicy', value }])])
  const warnBinding = one(render('.'), 'ValidatingAdmissionPolicyBinding', POLICY)
  const denyBinding = one(renderWithComponents(['require-injection-deny']), 'ValidatingAdmissionPolicyBinding', POLICY)

  try {
    await t.test('the webhook scaled to 0 under Ignore: the pod is created uninjected and kubectl shows the warning', async (t) => {
      await setPolicy('Ignore')
      await k.kubectl(['scale', 'deployment/openclaw-injector', '-n', NS, '--replicas=0'])
      await eventually('the webhook Service to have no endpoint', 120_000, async () => {
        const slices = (await k.getJson(['get', 'endpointslices', '-n', NS, '-l', 'kubernetes.io/service-name=openclaw-injector'])).items
        return slices.every((s: any) => (s.endpoints ?? []).length === 0)
      })
      t.equal((await k.getJson(['get', 'validatingadmissionpolicybinding', POLICY])).spec.validationActions.join(','), 'Warn,Audit', 'the binding as installed: Warn and Audit')
      const r = await createPod(k, ns, idlePod('uninjected', tools.openclawImage))
      t.ok(r.created, 'the OpenClaw pod is created (failurePolicy Ignore)', { stderr: r.stderr })
      const pod = await k.getJson(['get', 'pod', 'uninjected', '-n', ns])
      t.equal(injectedInit(pod), undefined, 'without the injected init container')
      t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], undefined)
      t.match(r.stderr, new RegExp(`Warning: .*ValidatingAdmissionPolicy '${POLICY}'`), 'kubectl prints the policy\'s warning')
      t.match(r.stderr, /openclaw-injector check/, 'which names the fix')
      t.comment(r.stderr.trim())
    })

    await t.test('with Deny (components/require-injection-deny) the same pod is refused', async (t) => {
      await k.kubectl(['apply', '-f', '-'], { input: stringify(denyBinding) })
      // The API server picks up a changed binding asynchronously.
      await eventually('the Deny binding to take effect', 60_000, async () => !(await createPod(k, ns, idlePod('probe', tools.openclawImage), true)).created)
      const r = await createPod(k, ns, idlePod('refused', tools.openclawImage))
      t.notOk(r.created, 'the uninjected OpenClaw pod is refused')
      t.match(r.stderr, new RegExp(`ValidatingAdmissionPolicy '${POLICY}'`), 'by the policy')
      t.match(r.stderr, /openclaw-injector check/, 'with the fix in the message')
      t.comment(r.stderr.trim())
      const optedOut = await createPod(k, ns, idlePod('opted-out', tools.openclawImage, { annotations: { [ANNOTATIONS.tokenSync]: 'disabled' } }), true)
      t.ok(optedOut.created, 'a pod annotated openclaw.ai/token-sync: disabled is still admitted', { stderr: optedOut.stderr })
    })
  } finally {
    await k.kubectl(['apply', '-f', '-'], { input: stringify(warnBinding) })
    await k.kubectl(['scale', 'deployment/openclaw-injector', '-n', NS, `--replicas=${replicas}`])
    await k.kubectl(['rollout', 'status', 'deployment/openclaw-injector', '-n', NS, '--timeout=300s'])
    await setPolicy(policyBefore)
    await k.kubectl(['delete', 'namespace', ns, '--wait=false']).catch(() => undefined)
  }

  await t.test('restored: the webhook answers again', async (t) => {
    const other = `e2e-require-after-${id}`
    await k.kubectl(['create', 'namespace', other])
    await k.kubectl(['label', 'namespace', other, OPT_IN])
    const r = await openclawInjector(k, ['check', '-n', other, '--wait=2m'])
    t.equal(r.code, 0, 'openclaw-injector check --wait: healthy', { stdout: r.stdout, stderr: r.stderr })
    t.equal((await k.getJson(['get', 'validatingadmissionpolicybinding', POLICY])).spec.validationActions.join(','), 'Warn,Audit', 'the binding is back to Warn and Audit')
    await k.kubectl(['delete', 'namespace', other, '--wait=false']).catch(() => undefined)
  })
}
