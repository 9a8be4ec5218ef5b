// The Helm chart and `openclaw-injector check` on the kind cluster, as a cluster admin would
// use them (docs/cluster-admin.md, "Install with Helm" and "Check an installation").
//
// helmScenario() expects a cluster with no openclaw-injector installed (run it after the
// kustomize install is removed). It installs the chart with the image just built by the
// commands of "Install with Helm" (helm install --wait, then check --wait), creates an
// OpenClaw pod right after and checks that it is injected, upgrades with a values
// change (engine mode `ref`) and checks again that the serving certificate and caBundle were
// kept, runs `check` on the healthy install and on two broken ones (caBundle removed, webhook
// scaled to 0) expecting the ✗ with its fix, then uninstalls and checks that nothing of the
// release is left, the certs Job's Secret included.
import type { Test } from 'tap'
import { stringify } from 'yaml'
import { CHART_DIR, imageValues, uninstallChart, upgradeChart } from '../../helpers/helm.ts'
import { helm, valuesInput } from '../../../helm/helm.ts'
import { docSteps } from '../../../helpers/docs.ts'
import { CLI, openclawInjector } from '../helpers/cli.ts'
import { CommandError, eventually, run, type Cluster, type KindTools } from '../helpers/cluster.ts'
import { MARKER_ENV } from '../../../../src/engine/init-container.ts'
import { injectedInit } from '../helpers/gateway.ts'
import { probePod } from '../helpers/objects.ts'

const NS = 'openclaw-injector'
const OPT_LABEL = 'openclaw.ai/token-sync'

/** One line of `check -o json` (src/check/checks.ts CheckResult). */
interface CheckLine {
  name: string
  ok: boolean
  detail: string
  fix?: string
}

/** `openclaw-injector check -n NS -o json` against the cluster: its exit status and its checks. */
async function check(cluster: Cluster, namespace: string): Promise<{ code: number; checks: CheckLine[] }> {
  const args = [CLI, 'check', '--kubeconfig', cluster.kubeconfig, '-n', namespace, '-o', 'json']
  let code = 0
  let stdout: string
  try {
    stdout = (await run(process.execPath, args, { timeoutMs: 180_000 })).stdout
  } catch (err) {
    if (!(err instanceof CommandError)) throw err
    code = err.code ?? -1
    stdout = err.stdout
  }
  const report = JSON.parse(stdout) as { healthy: boolean; checks: CheckLine[] }
  if (report.healthy !== (code === 0)) throw new Error(`check said healthy=${report.healthy} but exited ${code}`)
  return { code, checks: report.checks }
}

async function tlsSecret(cluster: Cluster): Promise<any> {
  return cluster.getJson(['get', 'secret', '-n', NS, 'openclaw-injector-tls'])
}

async function caBundle(cluster: Cluster): Promise<string> {
  const mwc = await cluster.getJson(['get', 'mutatingwebhookconfiguration', 'openclaw-injector'])
  return mwc.webhooks[0]?.clientConfig?.caBundle ?? ''
}

export async function helmScenario(t: Test, cluster: Cluster, tools: KindTools, id: string): Promise<void> {
  const values = imageValues(tools.webhookImage)
  const helmOpts = { kubeconfig: cluster.kubeconfig, wait: true, timeout: '6m' }
  const ns = `e2e-helm-${id}`

  await t.test('helm install as docs/cluster-admin.md says, command by command; the first pod right after is injected', async (t) => {
    // "Install with Helm", literally. Substitutions: the image just built as --values, the
    // chart's path in this checkout, the kind kubeconfig, and this scenario's namespace for the
    // docs' `agents` (scenario 1's may still be terminating).
    const steps = docSteps('Install with Helm')
    t.equal(steps.at(-1)![1], 'check', 'the docs end with openclaw-injector check')
    await cluster.kubectl(['create', 'namespace', ns])
    const docNs = steps.find((a) => a[0] === 'kubectl' && a[1] === 'label' && a.some((x) => x.startsWith(`${OPT_LABEL}=`)))![3]!
    const local = (a: string) => (a === docNs ? ns : a)
    const v = valuesInput(values)
    for (const step of steps) {
      if (step[0] === 'helm') {
        const args = step.slice(1).map((a) => (a === 'charts/openclaw-injector' ? CHART_DIR : a))
        t.ok(args.includes('--wait'), 'helm install --wait')
        helm([...args, '--kubeconfig', cluster.kubeconfig, '--timeout', helmOpts.timeout, ...v.args], { input: v.input, timeoutMs: 7 * 60_000 })
      } else if (step[0] === 'kubectl') {
        await cluster.kubectl(step.slice(1).map(local))
      } else if (step[0] === 'openclaw-injector') {
        const r = await openclawInjector(cluster, step.slice(1).map(local))
        t.equal(r.code, 0, `${step.map(local).join(' ')}: exit 0`, { stdout: r.stdout, stderr: r.stderr })
        t.comment(r.stderr.trim().split('\n').pop()!)
      } else {
        t.fail(`docs/cluster-admin.md Install with Helm: ${step.join(' ')} is not a command this test knows how to run`)
      }
      t.pass(step.map(local).join(' '))
    }
    // Right after the docs' last command: the first OpenClaw pod, created for real.
    const pod = { ...probePod(tools.openclawImage), metadata: { name: 'helm-installed', labels: probePod(tools.openclawImage).metadata.labels } }
    await cluster.kubectl(['apply', '-n', ns, '-f', '-'], { input: stringify(pod) })
    const created = await cluster.getJson(['get', 'pod', '-n', ns, 'helm-installed'])
    t.equal(created.metadata.annotations?.['openclaw.ai/token-sync-status'], 'injected', 'the first pod created right after the install is injected')
    t.equal((await cluster.getJson(['get', 'validatingadmissionpolicybinding', 'openclaw-injector-require-injection'])).spec.validationActions.join(','), 'Warn,Audit', 'the chart installed the require-injection policy')
  })

  await t.test('helm upgrade with a values change keeps the certificate and the caBundle', async (t) => {
    const secretBefore = await tlsSecret(cluster)
    const bundleBefore = await caBundle(cluster)
    t.not(bundleBefore, '', 'the caBundle was set by the install')
    upgradeChart({ ...helmOpts, values: { ...values, engine: { mode: 'ref' } } })
    await cluster.kubectl(['rollout', 'status', 'deployment/openclaw-injector', '-n', NS, '--timeout=300s'])
    const secretAfter = await tlsSecret(cluster)
    t.equal(secretAfter.metadata.uid, secretBefore.metadata.uid, 'the serving Secret is the same object')
    t.equal(secretAfter.data['tls.crt'], secretBefore.data['tls.crt'], 'the serving certificate is unchanged')
    t.equal(await caBundle(cluster), bundleBefore, 'the caBundle is unchanged')
    // Until the Service's endpoints drop the old replicas, a review may still reach one of them.
    const injectedMode = async (): Promise<string | undefined> => {
      const out = await cluster.kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], { input: JSON.stringify(probePod(tools.openclawImage)) })
      return injectedInit(JSON.parse(out.stdout))?.env?.find((e: any) => e.name === MARKER_ENV)?.value
    }
    await eventually('the upgraded webhook to answer', 180_000, async () => (await injectedMode()) === 'ref').catch(() => undefined)
    t.equal(await injectedMode(), 'ref', 'the upgraded engine setting reaches the injected container')
  })

  await t.test('check: healthy, then each broken installation with its fix', async (t) => {
    const healthy = await check(cluster, ns)
    t.equal(healthy.code, 0, 'check exits 0 on a healthy installation')
    t.ok(healthy.checks.length > 3 && healthy.checks.every((c) => c.ok), `every check passes (${healthy.checks.length})`)

    // The caBundle removed: the API server can no longer trust the webhook.
    const bundle = await caBundle(cluster)
    await cluster.kubectl(['patch', 'mutatingwebhookconfiguration', 'openclaw-injector', '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }])])
    const noBundle = await check(cluster, ns)
    t.not(noBundle.code, 0, 'check exits non-zero without a caBundle')
    const failed = noBundle.checks.filter((c) => !c.ok)
    t.ok(failed.length > 0 && failed.every((c) => typeof c.fix === 'string' && c.fix.length > 0), 'each ✗ comes with a fix')
    await cluster.kubectl(['patch', 'mutatingwebhookconfiguration', 'openclaw-injector', '--type', 'json', '-p', JSON.stringify([{ op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: bundle }])])

    // The webhook scaled to 0.
    await cluster.kubectl(['scale', 'deployment/openclaw-injector', '-n', NS, '--replicas=0'])
    await eventually('the webhook pods to be gone', 120_000, async () => (await cluster.getJson(['get', 'pods', '-n', NS, '-l', 'app.kubernetes.io/component=webhook'])).items.length === 0)
    const down = await check(cluster, ns)
    t.not(down.code, 0, 'check exits non-zero with no webhook replica')
    t.ok(down.checks.some((c) => !c.ok && typeof c.fix === 'string' && /scale|replica|rollout/i.test(c.fix)), 'a ✗ says how to bring the replicas back')
    await cluster.kubectl(['scale', 'deployment/openclaw-injector', '-n', NS, '--replicas=2'])
    await cluster.kubectl(['rollout', 'status', 'deployment/openclaw-injector', '-n', NS, '--timeout=300s'])
    const again = await check(cluster, ns)
    t.equal(again.code, 0, 'healthy again once repaired')
  })

  await t.test('helm uninstall removes everything the release made', async (t) => {
    uninstallChart({ ...helmOpts })
    const left = await cluster.kubectl(['get', 'mutatingwebhookconfiguration,validatingadmissionpolicy,validatingadmissionpolicybinding,clusterrole,clusterrolebinding', '-o', 'name'])
    t.notMatch(left.stdout, /openclaw-injector/, 'no webhook configuration, admission policy or cluster role of ours is left')
    // The webhook's pods still finish their graceful shutdown after the Deployment is gone.
    const ours = async () => (await cluster.kubectl(['get', 'all,secret,configmap,role,rolebinding,serviceaccount,pdb,networkpolicy,job,cronjob', '-n', NS, '-o', 'name'])).stdout
    await eventually('the webhook pods to finish terminating', 120_000, async () => !/^pod\/openclaw-injector/m.test(await ours())).catch(() => undefined)
    t.notMatch(await ours(), /openclaw-injector/, 'nothing named openclaw-injector is left in its namespace, the certs Secret included')
    const pod = { ...probePod(tools.openclawImage), metadata: { name: 'after-uninstall', labels: probePod(tools.openclawImage).metadata.labels } }
    await cluster.kubectl(['apply', '-n', ns, '-f', '-'], { input: stringify(pod) })
    const created = await cluster.getJson(['get', 'pod', '-n', ns, 'after-uninstall'])
    t.equal(created.metadata.annotations?.['openclaw.ai/token-sync-status'], undefined, 'pods are created, not injected')
    await cluster.kubectl(['delete', 'namespace', ns, NS, '--wait=false'])
  })
}
