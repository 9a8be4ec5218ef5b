// The whole story on a real node: `npm run test:kind`. prepare.sh builds (or reuses) the kind
// node image, the webhook image from the repo's Dockerfile and the OpenClaw stand-in; this file
// creates ONE one-node kind cluster, loads the two images and runs every scenario on it, the
// independent ones side by side in namespaces of their own:
//
//   1. install as docs/cluster-admin.md says, command by command (kubectl apply of manifests/,
//      only the image swapped), ending with `openclaw-injector check --wait`; the first
//      OpenClaw pod, created right after, is injected
//   2-3, 5. the real gateway in the chart-shaped Deployment, in `sync` and in `ref` mode: it gets
//      ready, the CLI in the pod and a client with the Secret's token are accepted; after a
//      rotation and `rollout restart` the new token is and the old one is not; after a rotation
//      and a restart of only the gateway container, what each mode accepts
//   4. a hand-edited JSON5 config on the PVC survives, with its settings (mode auto, the
//      default: ref on this OpenClaw)
//  10. annotation openclaw.ai/credentials: a Telegram bot token and a model provider key from
//      Secrets, no credential on the volume, OpenClaw's own `secrets audit` clean
//   6. Pod Security `restricted`; a LimitRange and a ResourceQuota
//   7. failurePolicy Fail, one webhook pod deleted while 30 OpenClaw pods are created (beside
//      2-6); then a drain held by the PodDisruptionBudget; the webhook's CPU, memory and
//      admission latency
//  7c. the webhook scaled to 0 under Ignore: the require-injection policy's warning reaches
//      kubectl; with Deny the pod is refused (scenarios/require-injection.ts)
//   8. uninstall as the docs say
//
// Every assertion reads the cluster (the API, `kubectl exec`, the kubelet), never the engine's
// own idea of the result. Tokens are random per run and reach the cluster only on stdin.
//
// Only where no Docker daemon can be had at all (prepare.sh exits 3) does the file print
// SKIPPED with the reason; tap counts it as skipped, and .ci/run counts that as a failure.
//
// Env: KIND_KEEP_CLUSTER=1 keeps the cluster (and prints how to reach it) for debugging.
// KIND_ONLY=<regex> (for development only) runs just the scenarios whose name matches, plus the
// cluster and the install they need; the others are skipped, which .ci/run counts as failures.
import t from 'tap'
import type { Test } from 'tap'
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { parseAllDocuments, stringify } from 'yaml'
import { ANNOTATIONS, OPT_LABEL } from '../../../src/engine/annotations.ts'
import { docCommands, docSteps } from '../../helpers/docs.ts'
import { openclawInjector } from './helpers/cli.ts'
import { CommandError, eventually, prepareKind, repoRoot, startCluster, type Cluster } from './helpers/cluster.ts'
import { askGateway, currentPod, exec, injectedInit, newToken, readConfig, redactor, shown, verdict, type Acceptance } from './helpers/gateway.ts'
import { apiserverLatency, formatLatency, formatUsage, peakUsage, webhookLatency, webhookUsage, WEBHOOK_NAMESPACE } from './helpers/measure.ts'
import { helmScenario } from './scenarios/helm.ts'
import { monitoringScenario } from './scenarios/monitoring.ts'
import { requireInjectionScenario } from './scenarios/require-injection.ts'
import { configPathStories } from './scenarios/config-path.ts'
import { CONFIG_PATH, GATEWAY_PORT, idlePod, OPT_IN, OPT_OUT_LABELS, openclawDeployment, openclawObjects, probePod, seedConfig, seedConfigMap, stateObjects, tokenSecret, type SyncMode } from './helpers/objects.ts'
import { QUIET_CONFIG } from '../../openclaw/helpers/scenarios.ts'

const manifestsDir = path.join(repoRoot, 'manifests')

const started = Date.now()
const yamlOf = (objects: readonly unknown[]): string => objects.map((o) => stringify(o)).join('---\n')

t.setTimeout(60 * 60_000)
const tools = await prepareKind()
if ('skip' in tools) {
  process.stderr.write(`SKIPPED test/e2e/kind: ${tools.skip}\n`)
  t.comment(`SKIPPED: ${tools.skip}`)
  t.plan(0, `kind suite skipped: ${tools.skip}`)
} else {
  const id = randomBytes(3).toString('hex')
  const prepared = Date.now()
  let cluster: Cluster | undefined
  t.teardown(async () => { await cluster?.stop() })

  // A scenario runs only when what it needs passed; otherwise it is skipped, not failed again.
  const gates = { cluster: false, installed: false }
  const only = process.env.KIND_ONLY ? new RegExp(process.env.KIND_ONLY) : undefined
  /** KIND_ONLY's verdict on a scenario: false to run it, else why it is skipped. */
  const filtered = (name: string): string | false => (only === undefined || only.test(name) ? false : `KIND_ONLY=${only.source} does not match`)
  const scenario = async (name: string, needs: keyof typeof gates | undefined, fn: (t: Test) => Promise<void>, options: { jobs?: number; gate?: keyof typeof gates; group?: boolean } = {}): Promise<void> => {
    // The cluster, the install (gates) and a group of side-by-side stories are never filtered out.
    const skip = needs !== undefined && !gates[needs] ? `needs ${needs}, which failed` : options.gate === undefined && !options.group && filtered(name)
    await t.test(name, { skip, ...(options.jobs ? { jobs: options.jobs } : {}) }, async (t) => {
      const at = Date.now()
      await fn(t)
      t.comment(`${name}: ${((Date.now() - at) / 1000).toFixed(0)} s`)
      if (options.gate && !t.counts.fail) gates[options.gate] = true
    })
  }

  /** A namespace opted in as the docs say (`kubectl label namespace NAME openclaw.ai/token-sync=enabled`), plus extra labels. */
  /**
   * A namespace opted in as the docs say, deleted (without waiting) when test `owner` ends: the
   * one node has 2 CPUs, and each injected pod requests its init container's CPU for as long
   * as it exists, so a finished scenario must give its pods' requests back to the next ones.
   */
  const optedIn = async (owner: Test, name: string, labels: string[] = []): Promise<string> => {
    await cluster!.kubectl(['create', 'namespace', name])
    owner.teardown(() => cluster!.kubectl(['delete', 'namespace', name, '--wait=false']).then(() => undefined, () => undefined))
    await cluster!.kubectl(['label', 'namespace', name, OPT_IN, ...labels])
    return name
  }
  const apply = (ns: string, objects: readonly unknown[]) => cluster!.kubectl(['apply', '-n', ns, '-f', '-'], { input: yamlOf(objects) })
  const podOf = (ns: string, name: string) => cluster!.getJson(['get', 'pod', '-n', ns, name])
  const notFound = async (args: string[]): Promise<boolean> => {
    try {
      await cluster!.kubectl(['get', ...args])
      return false
    } catch (err) {
      if (err instanceof CommandError && /NotFound|not found/.test(err.stderr)) return true
      throw err
    }
  }

  await scenario('a kind cluster from the prepared node image, with the two images loaded', undefined, async (t) => {
    cluster = await startCluster(tools)
    const nodes = await cluster.getJson(['get', 'nodes'])
    t.equal(nodes.items.length, 1, 'one node')
    t.equal(nodes.items[0].status.nodeInfo.kubeletVersion, 'v1.37.2', 'the kubelet is v1.37.2')
    t.ok(nodes.items[0].status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'), 'the node is Ready')
    await cluster.load([tools.webhookImage, tools.openclawImage, tools.openclawStateDirImage])
    t.pass('webhook and OpenClaw images loaded')
  }, { gate: 'cluster' })

  let webhookName = ''
  await scenario('1. install as docs/cluster-admin.md says, command by command; the first pod right after is injected', 'cluster', async (t) => {
    const k = cluster!
    // docs/cluster-admin.md, Install, literally. One substitution: `kubectl apply -k manifests/`
    // applies the same render with the image just built in place of the release image.
    const steps = docSteps('Install')
    t.strictSame(steps[0], ['kubectl', 'apply', '-k', 'manifests/'], 'the docs install with kubectl apply -k manifests/')
    t.equal(steps.at(-1)![1], 'check', 'and end with openclaw-injector check')
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
    // The namespace the docs opt in: an admin's, which exists before the install.
    const docNs = steps.find((a) => a[1] === 'label' && a[2] === 'namespace')![3]!
    await k.kubectl(['create', 'namespace', docNs])
    t.teardown(() => k.kubectl(['delete', 'namespace', docNs, '--wait=false']).then(() => undefined, () => undefined))
    for (const step of steps) {
      if (step.join(' ') === 'kubectl apply -k manifests/') {
        await k.kubectl(['apply', '-f', '-'], { input: yamlOf(objects) })
      } else if (step[0] === 'kubectl') {
        await k.kubectl(step.slice(1), { timeoutMs: 600_000 })
      } else if (step[0] === 'openclaw-injector') {
        const r = await openclawInjector(k, step.slice(1))
        t.equal(r.code, 0, `${step.join(' ')}: exit 0`, { stdout: r.stdout, stderr: r.stderr })
        t.match(r.stdout, /✓ dry-run pod: a dry-run OpenClaw pod in \S+ came back injected/, 'the dry-run pod came back injected')
        t.comment(r.stderr.trim().split('\n').pop()!)
      } else {
        t.fail(`docs/cluster-admin.md Install: ${step.join(' ')} is not a command this test knows how to run`)
      }
      t.pass(step.join(' '))
    }
    // Right after the docs' last command, as a user would: the first OpenClaw pod, created for real.
    const first = await k.kubectl(['create', '-n', docNs, '-f', '-'], { input: JSON.stringify(idlePod('first', tools.openclawImage)) })
    const pod = await podOf(docNs, 'first')
    t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the first OpenClaw pod created right after the install is injected')
    t.ok(injectedInit(pod), 'it carries the injected init container')
    t.notMatch(first.stderr, /require-injection/, 'and the require-injection policy has nothing to say about it')
    await k.kubectl(['delete', 'pod', 'first', '-n', docNs, '--wait=false'])

    for (const o of objects.filter((o) => o.kind === 'Deployment')) {
      const live = await k.getJson(['get', 'deployment', o.metadata.name, '-n', o.metadata.namespace])
      t.equal(live.status.readyReplicas, 2, `deployment ${o.metadata.namespace}/${o.metadata.name}: both replicas Ready`)
    }
    const ns = await k.getJson(['get', 'namespace', WEBHOOK_NAMESPACE])
    t.equal(ns.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted', `namespace ${WEBHOOK_NAMESPACE} enforces Pod Security restricted`)
    const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration')
    t.ok(mwc, 'manifests/ has a MutatingWebhookConfiguration')
    const got = await k.getJson(['get', 'mutatingwebhookconfiguration', mwc.metadata.name])
    t.ok(got.webhooks.every((w: any) => typeof w.clientConfig?.caBundle === 'string' && w.clientConfig.caBundle !== ''), 'caBundle set on every webhook')
    webhookName = mwc.metadata.name
  }, { gate: 'installed' })

  // ---- 2, 3, 5: the real gateway, per mode ----------------------------------------------------

  /** Asserts what a gateway should accept; true when all held. */
  const expectAccepts = (t: Test, r: Acceptance, redact: (s: string) => string, labels: { current: string; old: string }): boolean => [
    t.equal(verdict(r.health), 'accepted', '`openclaw gateway health` in the gateway container (its env, the config on the volume) succeeds', { output: shown(r.health, redact) }),
    r.fileAlone ? t.equal(verdict(r.fileAlone), 'accepted', '... and without OPENCLAW_GATEWAY_TOKEN in its env: the file alone holds the current token', { output: shown(r.fileAlone, redact) }) : true,
    t.equal(verdict(r.current), 'accepted', `a client presenting ${labels.current} is accepted`, { output: shown(r.current, redact) }),
    t.equal(verdict(r.old), 'refused', `a client presenting ${labels.old} is refused (gateway token mismatch)`, { output: shown(r.old, redact) }),
  ].every(Boolean)

  const report = (r: Acceptance): string => `in-pod CLI ${verdict(r.health)}${r.fileAlone ? `, in-pod CLI without the env ${verdict(r.fileAlone)}` : ''}, Secret's token ${verdict(r.current)}, previous token ${verdict(r.old)}`

  const gatewayStory = async (t: Test, mode: SyncMode): Promise<void> => {
    const k = cluster!
    const ns = await optedIn(t, `e2e-${mode}-${id}`)
    const tokens = { 'first token': newToken(), 'second token': newToken(), 'third token': newToken(), 'a never-issued token': newToken() }
    const redact = redactor(tokens)
    const fileAlone = mode === 'sync'
    let podName = ''
    let ok = false

    await t.test(`2. ${mode}: the chart-shaped Deployment runs the real gateway, injected`, async (t) => {
      await apply(ns, openclawObjects(tools.openclawImage, tokens['first token'], mode))
      await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=600s'], { timeoutMs: 660_000 })
      const pod = await currentPod(k, ns)
      podName = pod.metadata.name
      t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the pod was injected')
      const init = injectedInit(pod)
      t.ok(init, 'the pod carries the injected init container')
      const initStatus = (pod.status.initContainerStatuses ?? []).find((s: any) => s.name === init?.name)
      t.equal(initStatus?.state?.terminated?.exitCode, 0, `init container ${init?.name} completed`)
      const log = (await k.kubectl(['logs', '-n', ns, podName, '-c', init.name])).stdout
      t.notOk(Object.values(tokens).some((v) => log.includes(v)), 'its log holds no token')
      t.comment(`init container log: ${redact(log).trim()}`)
      const pvc = await k.getJson(['get', 'pvc', 'openclaw', '-n', ns])
      const classes = (await k.getJson(['get', 'storageclass'])).items
      const defaultClass = classes.find((c: any) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true')?.metadata.name
      t.equal(pvc.status.phase, 'Bound', 'the state PVC is Bound')
      t.equal(pvc.spec.storageClassName, defaultClass, `on the cluster's default storage class (${defaultClass})`)
      t.ok(pod.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'), `the gateway is Ready (its /readyz on port ${GATEWAY_PORT}, probed by the kubelet)`)
      const config = await readConfig(k, ns, podName)
      if (mode === 'ref') t.notOk(config.text.includes(tokens['first token']), 'ref: no token on the volume')
      else t.equal(config.value?.gateway?.auth?.token, tokens['first token'], 'sync: gateway.auth.token on the volume is the Secret\'s token')
      const r = await askGateway(k, ns, podName, { current: tokens['first token'], old: tokens['a never-issued token'] }, { fileAlone })
      ok = expectAccepts(t, r, redact, { current: "the Secret's token", old: 'a never-issued token' })
      t.comment(`${mode}, first start: ${report(r)}`)
    })
    if (!ok) {
      t.fail(`${mode}: scenarios 3 and 5 need scenario 2`)
      return
    }

    ok = false
    await t.test(`3. ${mode}: rotate the Secret, rollout restart: the new token is accepted, the old one refused`, async (t) => {
      await apply(ns, [tokenSecret(tokens['second token'])])
      await k.kubectl(['rollout', 'restart', 'deployment/openclaw', '-n', ns])
      await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=600s'], { timeoutMs: 660_000 })
      const pod = await currentPod(k, ns)
      t.not(pod.metadata.name, podName, 'a new pod')
      podName = pod.metadata.name
      t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the new pod was injected')
      const config = await readConfig(k, ns, podName)
      t.notOk(config.text.includes(tokens['first token']), 'the old token is gone from the volume')
      const r = await askGateway(k, ns, podName, { current: tokens['second token'], old: tokens['first token'] }, { fileAlone })
      ok = expectAccepts(t, r, redact, { current: "the Secret's new token", old: 'the old token' })
      t.comment(`${mode}, after rotation and rollout restart: ${report(r)}`)
    })
    if (!ok) {
      t.fail(`${mode}: scenario 5 needs scenario 3`)
      return
    }

    await t.test(`5. ${mode}: rotate the Secret, then only the gateway container restarts`, async (t) => {
      await apply(ns, [tokenSecret(tokens['third token'])])
      const before = await podOf(ns, podName)
      const restarts = (s: any) => (s.status.containerStatuses ?? []).find((c: any) => c.name === 'main')?.restartCount ?? 0
      const init = injectedInit(before)
      const initFinished = (s: any) => (s.status.initContainerStatuses ?? []).find((c: any) => c.name === init?.name)?.state?.terminated?.finishedAt
      // A crash of the gateway: SIGKILL to every process of the container but tini (PID 1), which
      // then exits with its child's status; the kubelet restarts the container, not the pod.
      await exec(k, ns, podName, ['sh', '-c', 'kill -KILL -1'])
      let after: any
      await eventually('the gateway container to restart and be Ready again', 600_000, async () => {
        after = await podOf(ns, podName)
        return restarts(after) > restarts(before) && after.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True')
      })
      t.equal(after.metadata.uid, before.metadata.uid, 'the same pod')
      t.equal(restarts(after), restarts(before) + 1, 'container main restarted once')
      t.equal(initFinished(after), initFinished(before), 'the init container did not run again')
      const envNow = await exec(k, ns, podName, ['printenv', 'OPENCLAW_GATEWAY_TOKEN'])
      t.ok(envNow.stdout.trim() === tokens['third token'], "the restarted container's env holds the Secret's new token")
      const r = await askGateway(k, ns, podName, { current: tokens['third token'], old: tokens['second token'] }, { fileAlone })
      t.comment(`${mode}, after rotation and a container restart: ${report(r)}`)
      const probe = await k.kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], { input: JSON.stringify(probePod(tools.openclawImage, mode)) })
      const warned = /restart/i.test(probe.stderr) && /token-sync-mode: ref/.test(probe.stderr)
      if (mode === 'ref') {
        expectAccepts(t, r, redact, { current: "the Secret's new token", old: 'the previous token' })
        t.notOk(warned, 'ref: the admission carries no container-restart warning')
      } else {
        // OpenClaw reads a plaintext gateway.auth.token before the env (shared/openclaw-facts.md):
        // the file the init container wrote at pod start now outranks the restarted env.
        t.equal(verdict(r.current), 'refused', "sync (as documented): the Secret's new token is refused until the pod restarts", { output: shown(r.current, redact) })
        t.equal(verdict(r.old), 'accepted', 'sync (as documented): the previous token, still in the file, is accepted', { output: shown(r.old, redact) })
        t.ok(warned, 'sync: the admission response warns about container restarts and names mode ref', { stderr: probe.stderr.trim() })
      }
    })
  }

  // ---- 4: a hand-edited JSON5 config ----------------------------------------------------------

  const json5Story = async (t: Test): Promise<void> => {
    const k = cluster!
    const ns = await optedIn(t, `e2e-json5-${id}`)
    const tokens = { 'the stale token': newToken(), "the Secret's token": newToken() }
    const redact = redactor(tokens)
    await apply(ns, [tokenSecret(tokens["the Secret's token"]), ...stateObjects()])
    // A helper pod writes the file onto the PVC before the gateway's first start. Labelled
    // openclaw.ai/token-sync=disabled, it never reaches the webhook.
    const editor = idlePod('edit-config', tools.openclawImage, { labels: OPT_OUT_LABELS, claim: 'openclaw' })
    await apply(ns, [editor])
    await k.kubectl(['wait', '--for=condition=Ready', 'pod/edit-config', '-n', ns, '--timeout=300s'])
    t.equal((await podOf(ns, 'edit-config')).metadata.annotations?.[ANNOTATIONS.status], undefined, `the helper pod (labelled ${OPT_LABEL}=disabled) was not injected`)
    const text = `// OpenClaw config, edited by hand on the PVC
{
  gateway: {
    mode: 'local',
    port: ${GATEWAY_PORT},
    bind: 'lan', // the kubelet probes the pod IP
    auth: {
      mode: 'token',
      token: '${tokens['the stale token']}', // from before the rotation
    },
    controlUi: { allowedOrigins: ['https://claw.example.test',], },
  },
  /* the user's own settings */
  agents: { defaults: { timeoutSeconds: 321, }, },
  session: { reset: { mode: 'idle', idleMinutes: 45, }, },
  models: { catalogRefresh: { enabled: false } },
}
`
    const wrote = await exec(k, ns, 'edit-config', ['sh', '-c', `cat > ${CONFIG_PATH}`], text)
    t.equal(wrote.code, 0, 'the helper pod wrote the JSON5 file on the PVC', { output: shown(wrote, redact) })
    await k.kubectl(['delete', 'pod', 'edit-config', '-n', ns, '--wait=true'])
    await apply(ns, [openclawDeployment(tools.openclawImage)])
    await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=600s'], { timeoutMs: 660_000 })
    const pod = await currentPod(k, ns)
    t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the gateway pod was injected')
    t.ok(pod.status.conditions.some((c: any) => c.type === 'Ready' && c.status === 'True'), 'the gateway started on the edited file and is Ready')
    // No mode annotation: auto, which reads the stand-in's /app/package.json and picks ref.
    const r = await askGateway(k, ns, pod.metadata.name, { current: tokens["the Secret's token"], old: tokens['the stale token'] }, { fileAlone: false })
    expectAccepts(t, r, redact, { current: "the Secret's token", old: 'the stale token from the file' })
    t.comment(`json5, first start: ${report(r)}`)
    const config = await readConfig(k, ns, pod.metadata.name)
    t.notOk(config.text.includes(tokens['the stale token']), 'the stale token is gone from the file')
    t.notOk(config.text.includes(tokens["the Secret's token"]), 'auto (ref on this OpenClaw): no token on the volume')
    t.same(config.value?.gateway?.auth?.token, { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' }, 'but an env SecretRef')
    t.equal(config.value?.agents?.defaults?.timeoutSeconds, 321, "the user's agents.defaults.timeoutSeconds is kept")
    t.equal(config.value?.session?.reset?.idleMinutes, 45, "the user's session.reset.idleMinutes is kept")
    t.same(config.value?.gateway?.controlUi?.allowedOrigins, ['https://claw.example.test'], "the user's gateway.controlUi.allowedOrigins is kept")
    t.equal(config.value?.gateway?.bind, 'lan', "the user's gateway.bind is kept")
  }

  // ---- 10: other credentials from Secrets (annotation openclaw.ai/credentials) ------------------

  const credentialsStory = async (t: Test): Promise<void> => {
    const k = cluster!
    const ns = await optedIn(t, `e2e-credentials-${id}`)
    const values = {
      "the Secret's gateway token": newToken(), "the Secret's bot token": newToken(), "the Secret's provider key": newToken(),
      'the stale gateway token': newToken(), 'the stale bot token': newToken(), 'the stale provider key': newToken(),
    }
    const redact = redactor(values)
    // The seed as a chart's values carry it: every credential in plaintext. Telegram is skipped
    // by OPENCLAW_SKIP_CHANNELS (quietEnv) and nothing calls the provider: the node needs no network.
    const base = seedConfig() as { gateway: object }
    const seed = {
      ...base,
      gateway: { ...base.gateway, auth: { mode: 'token', token: values['the stale gateway token'] } },
      channels: { telegram: { enabled: true, botToken: values['the stale bot token'], dmPolicy: 'pairing' } },
      models: { ...QUIET_CONFIG, providers: { openai: { baseUrl: 'https://api.openai.com/v1', apiKey: values['the stale provider key'], models: [] } } },
    }
    const secret = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data })
    const deployment = openclawDeployment(tools.openclawImage)
    deployment.spec.template.metadata.annotations[ANNOTATIONS.credentials] = 'channels.telegram.botToken=telegram-bot/token\nmodels.providers.openai.apiKey=llm-keys/openai'
    await apply(ns, [
      tokenSecret(values["the Secret's gateway token"]),
      secret('telegram-bot', { token: values["the Secret's bot token"] }),
      secret('llm-keys', { openai: values["the Secret's provider key"] }),
      ...stateObjects().filter((o) => o.kind !== 'ConfigMap'),
      { ...seedConfigMap(), data: { 'openclaw.json': `${JSON.stringify(seed, null, 2)}\n` } },
      deployment,
    ])
    await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=600s'], { timeoutMs: 660_000 })
    const pod = await currentPod(k, ns)
    t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the pod was injected')
    const main = pod.spec.containers.find((c: any) => c.name === 'main')
    for (const [name, ref] of [['OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN', { name: 'telegram-bot', key: 'token' }], ['OPENCLAW_CRED_MODELS_PROVIDERS_OPENAI_API_KEY', { name: 'llm-keys', key: 'openai' }]] as const) {
      t.same(main.env.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef, ref, `the gateway takes ${name} from Secret ${ref.name}, key ${ref.key}`)
    }
    const log = (await k.kubectl(['logs', '-n', ns, pod.metadata.name, '-c', injectedInit(pod).name])).stdout
    t.notOk(Object.values(values).some((v) => log.includes(v)), 'the init container log holds no credential')
    t.match(log, /mode auto: ref: OpenClaw \S+ in \/app/, 'auto chose ref and said why')
    t.comment(`init container log: ${redact(log).trim()}`)
    const config = await readConfig(k, ns, pod.metadata.name)
    t.notOk(Object.values(values).some((v) => config.text.includes(v)), 'no credential, stale or current, on the volume')
    t.same(config.value?.channels?.telegram?.botToken, { source: 'env', provider: 'default', id: 'OPENCLAW_CRED_CHANNELS_TELEGRAM_BOT_TOKEN' }, 'the bot token is an env SecretRef')
    t.equal(config.value?.channels?.telegram?.dmPolicy, 'pairing', "the channel's other settings are kept")
    const r = await askGateway(k, ns, pod.metadata.name, { current: values["the Secret's gateway token"], old: values['the stale gateway token'] }, { fileAlone: false })
    expectAccepts(t, r, redact, { current: "the Secret's gateway token", old: 'the stale token from the seed' })
    const audit = await exec(k, ns, pod.metadata.name, ['openclaw', 'secrets', 'audit', '--json'])
    let report: any
    try {
      report = JSON.parse(audit.stdout.slice(audit.stdout.indexOf('{')))
    } catch {
      report = undefined
    }
    t.equal(report?.status, 'clean', "OpenClaw's own secrets audit in the gateway container: clean", { output: shown(audit, redact, 30) })
    t.equal(report?.summary?.plaintextCount, 0, 'no plaintext in openclaw.json')
    t.equal(report?.summary?.unresolvedRefCount, 0, "every reference resolved from the pod's env")
  }

  // ---- 6: Pod Security restricted; LimitRange and ResourceQuota --------------------------------

  const restrictedStory = async (t: Test): Promise<void> => {
    const k = cluster!
    const ns = await optedIn(t, `e2e-restricted-${id}`, ['pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/enforce-version=latest'])
    await apply(ns, [tokenSecret(newToken()), seedConfigMap()])
    // kubectl create, not a Deployment: a refusal by Pod Security would fail this very call.
    const created = await k.kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(idlePod('restricted', tools.openclawImage, { seed: true })) })
    t.notMatch(created.stderr, /violate PodSecurity/, 'no Pod Security warning')
    await k.kubectl(['wait', '--for=condition=Ready', 'pod/restricted', '-n', ns, '--timeout=300s'])
    const pod = await podOf(ns, 'restricted')
    t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the pod was injected and admitted under Pod Security restricted')
    const init = injectedInit(pod)
    const initStatus = (pod.status.initContainerStatuses ?? []).find((s: any) => s.name === init?.name)
    t.equal(initStatus?.state?.terminated?.exitCode, 0, `init container ${init?.name} completed`)
    t.equal(init?.securityContext?.readOnlyRootFilesystem, true, 'the init container has a read-only root filesystem')
    const gatewayUid = (await exec(k, ns, 'restricted', ['id', '-u'])).stdout.trim()
    const owner = (await exec(k, ns, 'restricted', ['stat', '-c', '%u:%g %a', CONFIG_PATH])).stdout.trim()
    t.equal(gatewayUid, '1000', 'the gateway container runs as uid 1000')
    t.equal(owner, '1000:1000 600', 'the config the init container wrote belongs to the gateway\'s uid and group, mode 0600')
  }

  const quotaStory = async (t: Test): Promise<void> => {
    const k = cluster!
    const ns = await optedIn(t, `e2e-quota-${id}`)
    await apply(ns, [
      tokenSecret(newToken()),
      seedConfigMap(),
      { apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'limits' }, spec: { limits: [{ type: 'Container', default: { cpu: '100m', memory: '128Mi' }, defaultRequest: { cpu: '20m', memory: '64Mi' }, min: { cpu: '5m', memory: '16Mi' }, max: { cpu: '1', memory: '512Mi' } }] } },
      { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota' }, spec: { hard: { pods: '4', 'requests.cpu': '500m', 'requests.memory': '512Mi', 'limits.cpu': '1', 'limits.memory': '1Gi' } } },
    ])
    // the quota controller must have counted the namespace before a pod can be admitted
    await eventually('the ResourceQuota to be counted', 60_000, async () => (await k.getJson(['get', 'resourcequota', 'quota', '-n', ns])).status?.used !== undefined)
    await k.kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(idlePod('quota', tools.openclawImage, { seed: true })) })
    await k.kubectl(['wait', '--for=condition=Ready', 'pod/quota', '-n', ns, '--timeout=300s'])
    const pod = await podOf(ns, 'quota')
    t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the pod was injected and admitted under the LimitRange and the ResourceQuota')
    const init = injectedInit(pod)
    const initStatus = (pod.status.initContainerStatuses ?? []).find((s: any) => s.name === init?.name)
    t.equal(initStatus?.state?.terminated?.exitCode, 0, `init container ${init?.name} completed within its limits`)
    t.ok(pod.spec.containers[0].resources?.limits?.cpu, 'the LimitRange filled in the gateway container\'s resources')
    await eventually('the quota to count the pod', 60_000, async () => (await k.getJson(['get', 'resourcequota', 'quota', '-n', ns])).status?.used?.pods === '1')
    const used = (await k.getJson(['get', 'resourcequota', 'quota', '-n', ns])).status.used
    t.comment(`quota used by the injected pod: ${JSON.stringify(used)}`)
  }


  // ---- 7: availability ------------------------------------------------------------------------

  // Side by side with scenarios 2-6: with failurePolicy Fail for everyone, their creates and
  // rollouts are refused too if a webhook replica's loss ever shows, and the webhook's peak is
  // taken under all of the tier's load at once.
  const availabilityStory = async (t: Test): Promise<void> => {
    const k = cluster!
    const ns = await optedIn(t, `e2e-avail-${id}`)
    await apply(ns, [tokenSecret(newToken())])
    // the overlay patch docs/cluster-admin.md gives, applied to the live object
    await k.kubectl(['patch', 'mutatingwebhookconfiguration', webhookName, '--type=json', '-p', JSON.stringify([{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Fail' }])])
    t.equal((await k.getJson(['get', 'mutatingwebhookconfiguration', webhookName])).webhooks[0].failurePolicy, 'Fail', 'failurePolicy is Fail')
    t.comment(`webhook at idle: ${formatUsage(await webhookUsage(k))}`)

    const webhookPods = (await k.getJson(['get', 'pods', '-n', WEBHOOK_NAMESPACE, '-l', 'app.kubernetes.io/component=webhook'])).items
    const victim = webhookPods[0].metadata.name
    const names = Array.from({ length: 30 }, (_, i) => `claw-${String(i).padStart(2, '0')}`)
    // The injected init container requests 50m CPU by default; 30 of them (1.5 CPU) beside the
    // control plane do not fit on a 2-CPU node, so these pods ask for 5m with the documented
    // per-pod annotation, as an admin packing many small gateways on a node would.
    const small = { annotations: { [ANNOTATIONS.syncCpuRequest]: '5m' } }
    const failures: string[] = []
    const createAll = async (): Promise<void> => {
      let next = 0
      let deleted = false
      // two creators, one pod at a time each; the webhook pod goes after the fourth create
      await Promise.all([0, 1].map(async () => {
        while (next < names.length) {
          const name = names[next++]!
          if (next > 4 && !deleted) {
            deleted = true
            await k.kubectl(['delete', 'pod', victim, '-n', WEBHOOK_NAMESPACE, '--wait=false'])
          }
          try {
            await k.kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(idlePod(name, tools.openclawImage, small)) })
          } catch (err) {
            failures.push(`${name}: ${(err as Error).message.split('\n').slice(-2).join(' ')}`)
          }
        }
      }))
    }
    const loadStarted = Date.now()
    const { peak } = await peakUsage(k, (async () => {
      await createAll()
      await k.kubectl(['wait', '--for=condition=Ready', 'pod', '--all', '-n', ns, '--timeout=600s'], { timeoutMs: 660_000 })
    })())
    t.comment(`30 creates and their pods Ready in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`)
    t.comment(`webhook peak while the pods were created: ${formatUsage(peak)}`)
    t.same(failures, [], '0 of 30 creates failed')
    const pods = (await k.getJson(['get', 'pods', '-n', ns])).items
    t.equal(pods.length, 30, '30 pods exist')
    const uninjected = pods.filter((p: any) => p.metadata.annotations?.[ANNOTATIONS.status] !== 'injected' || injectedInit(p) === undefined).map((p: any) => p.metadata.name)
    t.same(uninjected, [], '0 pods came up uninjected')
    await eventually(`webhook pod ${victim} to be gone`, 120_000, () => notFound(['pod', victim, '-n', WEBHOOK_NAMESPACE]))
    t.pass(`webhook pod ${victim} is gone`)
    await k.kubectl(['rollout', 'status', 'deployment/openclaw-injector', '-n', WEBHOOK_NAMESPACE, '--timeout=300s'])
    t.comment(formatLatency('webhook p99 (its own histogram, pods running now)', await webhookLatency(k)))
    t.comment(formatLatency('API server round trip to the webhook (apiserver_admission_webhook_admission_duration_seconds)', await apiserverLatency(k, 'token-sync.openclaw.ai')))
  }

  await scenario('scenarios 2-7, 10 and 11, side by side in namespaces of their own', 'installed', async (t) => {
    const story = (name: string, fn: (t: Test) => Promise<void>) => t.test(name, { skip: filtered(name) }, fn)
    const jobs = [
      story('sync mode: 2. gateway, 3. rotation, 5. container restart', (t) => gatewayStory(t, 'sync')),
      story('ref mode: 2. gateway, 3. rotation, 5. container restart', (t) => gatewayStory(t, 'ref')),
      story('4. a hand-edited JSON5 config on the PVC survives', json5Story),
      story('6a. Pod Security restricted: the init container runs as the gateway\'s uid, read-only root', restrictedStory),
      story('6b. a namespace with a LimitRange and a ResourceQuota admits the injected pod', quotaStory),
      story('7. failurePolicy Fail: one webhook pod deleted while 30 OpenClaw pods are created', availabilityStory),
      // A seventh real gateway: it starts when one of the six above is done (jobs: 6).
      story('10. openclaw.ai/credentials: a bot token and a provider key from Secrets, none on the volume', credentialsStory),
      ...Object.entries(configPathStories({ cluster: cluster!, tools, optedIn, apply, id })).map(([name, fn]) => story(name, fn)),
    ]
    await Promise.all(jobs)
  }, { jobs: 6, group: true })

  await scenario('7b. kubectl drain of the node is held by the PodDisruptionBudget', 'installed', async (t) => {
    const k = cluster!
    // A drain of the node evicts one webhook replica and is then held by the PodDisruptionBudget
    // (minAvailable 1): with one node cordoned, the replacement cannot start anywhere. Only the
    // webhook's pods are drained, so the other scenarios' pods stay.
    const node = (await k.getJson(['get', 'nodes'])).items[0].metadata.name
    try {
      let held = ''
      try {
        await k.kubectl(['drain', node, '--pod-selector=app.kubernetes.io/name=openclaw-injector,app.kubernetes.io/component=webhook', '--ignore-daemonsets', '--delete-emptydir-data', '--timeout=20s'], { timeoutMs: 90_000 })
      } catch (err) {
        held = err instanceof CommandError ? err.stderr : String(err)
      }
      t.match(held, /disruption budget/, 'kubectl drain is held by the PodDisruptionBudget')
      const ready = (await k.getJson(['get', 'pods', '-n', WEBHOOK_NAMESPACE, '-l', 'app.kubernetes.io/component=webhook'])).items
        .filter((p: any) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
      t.equal(ready.length, 1, 'one webhook replica is still Ready')
    } finally {
      await k.kubectl(['uncordon', node])
    }
    await k.kubectl(['rollout', 'status', 'deployment/openclaw-injector', '-n', WEBHOOK_NAMESPACE, '--timeout=300s'])
  })

  await scenario('monitoring: PodMonitor and PrometheusRule on the Prometheus Operator\'s CRDs, the metrics they read (scenarios/monitoring.ts)', 'installed', async (t) => {
    await monitoringScenario(t, cluster!, id)
  })

  await scenario('7c. the webhook scaled to 0: the require-injection policy warns, and with Deny refuses (scenarios/require-injection.ts)', 'installed', async (t) => {
    await requireInjectionScenario(t, cluster!, tools, id)
  })

  // ---- 8: uninstall ---------------------------------------------------------------------------

  await scenario('8. uninstall as the docs say: nothing of ours is left, OpenClaw pods are created uninjected', 'installed', async (t) => {
    const k = cluster!
    const ns = (await k.getJson(['get', 'namespaces', '-l', OPT_IN])).items.map((n: any) => n.metadata.name) as string[]
    // docs/cluster-admin.md, Uninstall, command by command: the webhook configuration first,
    // then the rest; the namespace labels come off at the end, for each opted-in namespace.
    const commands = docCommands('Uninstall')
    t.ok(commands.length >= 2, `the docs' Uninstall section has its commands (${commands.length})`)
    for (const args of commands.filter((a) => !(a[0] === 'label' && a[1] === 'namespace'))) {
      await k.kubectl(args.map((a) => (a === 'manifests/' ? manifestsDir : a)), { timeoutMs: 600_000 })
    }
    t.ok(await notFound(['mutatingwebhookconfiguration', 'openclaw-injector']), 'no MutatingWebhookConfiguration openclaw-injector')
    t.ok(await notFound(['namespace', WEBHOOK_NAMESPACE]), `no namespace ${WEBHOOK_NAMESPACE}`)
    t.ok(await notFound(['clusterrole', 'openclaw-injector-certs']), 'no ClusterRole openclaw-injector-certs')
    t.ok(await notFound(['clusterrolebinding', 'openclaw-injector-certs']), 'no ClusterRoleBinding openclaw-injector-certs')
    const left = (await k.kubectl(['get', 'mutatingwebhookconfigurations,validatingwebhookconfigurations,validatingadmissionpolicies,validatingadmissionpolicybindings,clusterroles,clusterrolebindings,namespaces', '-l', 'app.kubernetes.io/part-of=openclaw-injector', '-o', 'name'])).stdout.trim()
    t.equal(left, '', 'no cluster-scoped object labelled app.kubernetes.io/part-of=openclaw-injector is left')
    // Still labelled: only the webhook configuration's absence decides.
    const after = await optedIn(t, `e2e-after-${id}`)
    await k.kubectl(['create', '-n', after, '-f', '-'], { input: JSON.stringify(idlePod('after-uninstall', tools.openclawImage)) })
    await k.kubectl(['wait', '--for=condition=Ready', 'pod/after-uninstall', '-n', after, '--timeout=300s'])
    const pod = await podOf(after, 'after-uninstall')
    t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], undefined, 'an OpenClaw pod created after the uninstall carries no token-sync annotation')
    t.equal(injectedInit(pod), undefined, 'and no injected init container')
    const unlabel = commands.find((a) => a[0] === 'label' && a[1] === 'namespace')
    t.ok(unlabel, 'the docs say how to take the label off a namespace')
    for (const name of [...ns, after]) await k.kubectl(unlabel!.map((a, i) => (i === 2 ? name : a))).catch(() => undefined)
    t.equal((await k.getJson(['get', 'namespaces', '-l', OPT_IN])).items.filter((n: any) => !n.metadata.deletionTimestamp).length, 0, 'no namespace is labelled any more')
  })

  await scenario('9. the Helm chart: install, upgrade, check healthy and broken, uninstall (scenarios/helm.ts)', 'cluster', async (t) => {
    await helmScenario(t, cluster!, tools, id)
  })

  t.comment(`kind tier wall time: ${((Date.now() - started) / 1000).toFixed(0)} s, of which prepare.sh ${((prepared - started) / 1000).toFixed(0)} s`)
}
