// The whole install on a real node: `npm run test:kind`. prepare.sh builds (or reuses) the
// kind node image, the webhook image from the repo's Dockerfile and the OpenClaw stand-in;
// the test creates a one-node kind cluster, loads the two images, applies manifests/
// (kustomize) with only the webhook image swapped for the one just built, opts a namespace in,
// deploys an OpenClaw-shaped Deployment with a PVC and a token Secret, rotates the Secret,
// `kubectl rollout restart`s, and reads the config back from the volume; then uninstalls as
// docs/cluster-admin.md says and does it all again with the Helm chart, upgrade, `check` on a
// healthy and two broken installations, and `helm uninstall` (scenarios/helm.ts).
//
// Only where no Docker daemon can be had at all (prepare.sh exits 3) does the file print
// SKIPPED with the reason; tap counts it as skipped, and .ci/run counts that as a failure.
//
// Env: KIND_KEEP_CLUSTER=1 keeps the cluster (and prints how to reach it) for debugging.
import t from 'tap'
import type { Test } from 'tap'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import { eventually, prepareKind, repoRoot, startCluster, type Cluster } from './helpers/cluster.ts'
import { CONFIG_PATH, openclawObjects, probePod, TOKEN_SECRET } from './helpers/objects.ts'
import { helmScenario } from './scenarios/helm.ts'

const manifestsDir = path.join(repoRoot, 'manifests')
const OPT_LABEL = 'openclaw.ai/token-sync'

t.setTimeout(40 * 60_000)
const tools = await prepareKind()
if ('skip' in tools) {
  process.stderr.write(`SKIPPED test/e2e/kind: ${tools.skip}\n`)
  t.comment(`SKIPPED: ${tools.skip}`)
  t.plan(0, `kind suite skipped: ${tools.skip}`)
} else {
  const id = randomBytes(3).toString('hex')
  let cluster: Cluster | undefined
  t.teardown(async () => { await cluster?.stop() })

  // Each step needs the one before; after a failure the rest are skipped, not failed again.
  let ready = true
  const step = async (name: string, fn: (t: Test) => Promise<void>): Promise<void> => {
    const go = ready
    ready = false
    await t.test(name, { skip: go ? false : 'an earlier step failed' }, async (t) => {
      await fn(t)
      ready = true
    })
  }

  await step('a kind cluster from the prepared node image, with the two images loaded', async (t) => {
    cluster = await startCluster(tools)
    const nodes = await cluster.getJson(['get', 'nodes'])
    t.equal(nodes.items.length, 1, 'one node')
    t.equal(nodes.items[0].status.nodeInfo.kubeletVersion, 'v1.37.2', 'the kubelet is v1.37.2')
    t.ok(nodes.items[0].status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'), 'the node is Ready')
    await cluster.load([tools.webhookImage, tools.openclawImage])
    t.pass('webhook and OpenClaw images loaded')
  })

  let webhookConfig = ''
  await step('apply manifests/ with the image just built', async (t) => {
    const k = cluster!
    const rendered = (await k.kubectl(['kustomize', manifestsDir])).stdout
    const objects = parseAllDocuments(rendered).map((d) => d.toJS()).filter((o) => o && typeof o === 'object')
    let swapped = 0
    for (const o of objects) {
      const podSpec = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec
      for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
        if (typeof c.image === 'string' && /openclaw-injector/.test(c.image)) {
          c.image = tools.webhookImage
          c.imagePullPolicy = 'IfNotPresent'
          swapped++
        }
      }
    }
    t.ok(swapped > 0, `the webhook image is used by ${swapped} container(s) in manifests/`)
    await k.kubectl(['apply', '-f', '-'], { input: objects.map((o) => stringify(o)).join('---\n') })
    for (const o of objects.filter((o) => o.kind === 'Job')) {
      await k.kubectl(['wait', '--for=condition=complete', `job/${o.metadata.name}`, '-n', o.metadata.namespace, '--timeout=300s'])
      t.pass(`job ${o.metadata.namespace}/${o.metadata.name} completed`)
    }
    for (const o of objects.filter((o) => o.kind === 'Deployment')) {
      await k.kubectl(['rollout', 'status', `deployment/${o.metadata.name}`, '-n', o.metadata.namespace, '--timeout=300s'])
      t.pass(`deployment ${o.metadata.namespace}/${o.metadata.name} rolled out`)
    }
    const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration')
    t.ok(mwc, 'manifests/ has a MutatingWebhookConfiguration')
    webhookConfig = mwc?.metadata?.name ?? ''
    await eventually('the caBundle to be set', 300_000, async () => {
      const got = await k.getJson(['get', 'mutatingwebhookconfiguration', webhookConfig])
      return got.webhooks.every((w: any) => typeof w.clientConfig?.caBundle === 'string' && w.clientConfig.caBundle !== '')
    })
    t.pass('caBundle set on every webhook')
  })

  const ns = `e2e-openclaw-${id}`
  const first = `e2e-token-one-${id}`
  const readToken = async (): Promise<string> => {
    const out = await cluster!.kubectl(['exec', '-n', ns, 'deploy/openclaw', '-c', 'main', '--', 'cat', CONFIG_PATH])
    return JSON.parse(out.stdout)?.gateway?.auth?.token
  }

  await step('an OpenClaw-shaped Deployment gets the token from its Secret', async (t) => {
    const k = cluster!
    await k.kubectl(['create', 'namespace', ns])
    await k.kubectl(['label', 'namespace', ns, `${OPT_LABEL}=enabled`])
    // The webhook may be rolled out before the API server reaches it: dry-run until a pod comes back injected.
    await eventually('the webhook to inject a dry-run pod', 180_000, async () => {
      const out = await k.kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], { input: JSON.stringify(probePod(tools.openclawImage)) })
      return JSON.parse(out.stdout)?.metadata?.annotations?.['openclaw.ai/token-sync-status'] === 'injected'
    })
    await k.kubectl(['apply', '-n', ns, '-f', '-'], { input: openclawObjects(tools.openclawImage, first).map((o) => stringify(o)).join('---\n') })
    await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=300s'])
    const pods = (await k.getJson(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/name=openclaw'])).items
    const running = pods.filter((p: any) => !p.metadata.deletionTimestamp)
    t.equal(running[0]?.metadata?.annotations?.['openclaw.ai/token-sync-status'], 'injected', 'the pod was injected')
    t.equal(await readToken(), first, 'the config on the volume holds the token')
  })

  await step('rotate the Secret, rollout restart: the config holds the new token', async (t) => {
    const k = cluster!
    const next = 'e2e-token-two-' + id
    await k.kubectl(['patch', 'secret', TOKEN_SECRET, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ stringData: { OPENCLAW_GATEWAY_TOKEN: next } })])
    await k.kubectl(['rollout', 'restart', 'deployment/openclaw', '-n', ns])
    await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=300s'])
    await eventually('the restarted pod to serve exec', 60_000, async () => (await readToken().catch(() => undefined)) !== undefined)
    t.equal(await readToken(), next, 'the config on the volume holds the rotated token')
  })

  await step('uninstall as docs/cluster-admin.md says: nothing of ours is left', async (t) => {
    const k = cluster!
    await k.kubectl(['delete', 'mutatingwebhookconfiguration', webhookConfig])
    await k.kubectl(['delete', '-k', manifestsDir, '--ignore-not-found', '--wait=true', '--timeout=180s'])
    await k.kubectl(['label', 'namespace', ns, `${OPT_LABEL}-`])
    const clusterScoped = await k.kubectl(['get', 'mutatingwebhookconfiguration,clusterrole,clusterrolebinding,namespace', '-o', 'name'])
    t.notMatch(clusterScoped.stdout, /openclaw-injector/, 'no webhook configuration, cluster role or namespace of ours is left')
  })

  await step('the Helm chart and check', async (t) => {
    await helmScenario(t, cluster!, tools, id)
  })
}
