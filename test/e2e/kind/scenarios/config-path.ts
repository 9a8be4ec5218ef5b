// The file OpenClaw reads, found in the pod the way OpenClaw finds it (issue 18), with the real
// gateway on the kind node:
// (a) an image whose own ENV moves the state (OPENCLAW_STATE_DIR=/data/.openclaw, prepare.sh's
//     images/openclaw-state-dir/), state on a PVC at /data: the gateway keeps its pre-existing
//     config, and the Secret's token is accepted after injection;
// (b) a gateway run with `--profile work`: the stale token on ~/.openclaw-work/openclaw.json is
//     replaced by a reference, and the Secret's token is accepted;
// (c) a backup CronJob mounting the state read-only: its Job completes, and a pod with nothing
//     writable is not injected, the admission warning saying why.
// Each story is registered by kind.test.ts in its side-by-side group, in a namespace of its own.
import type { Test } from 'tap'
import JSON5 from 'json5'
import { ANNOTATIONS } from '../../../../src/engine/annotations.ts'
import type { Cluster, KindTools } from '../helpers/cluster.ts'
import { client, currentPod, exec, injectedInit, newToken, redactor, shown, verdict } from '../helpers/gateway.ts'
import { idlePod, openclawDeployment, OPENCLAW_LABELS, OPT_OUT_LABELS, seedConfig, stateObjects, tokenSecret } from '../helpers/objects.ts'

export interface StoryContext {
  cluster: Cluster
  tools: KindTools
  /** A fresh namespace opted in, deleted when `owner` ends. */
  optedIn: (owner: Test, name: string) => Promise<string>
  /** `kubectl apply -n NS -f -` of the objects. */
  apply: (ns: string, objects: readonly unknown[]) => Promise<unknown>
  id: string
}

/** A config with a stale token, as a user left it on the volume (JSON5, with a setting of theirs). */
function staleConfig(token: string): string {
  const config = seedConfig() as { gateway: Record<string, unknown> }
  return `// kept by hand\n${JSON.stringify({ ...config, gateway: { ...config.gateway, auth: { mode: 'token', token } }, agents: { defaults: { timeoutSeconds: 321 } } }, null, 2)}\n`
}

/**
 * Writes `text` to `file` on PVC `claim` through a helper pod (labelled opted out, so never
 * injected) that mounts the claim at `mountPath`, then removes the helper.
 */
async function writeOnClaim(t: Test, ctx: StoryContext, ns: string, claim: string, mountPath: string, file: string, text: string): Promise<void> {
  const k = ctx.cluster
  const editor = idlePod('edit-config', ctx.tools.openclawImage, { labels: OPT_OUT_LABELS, claim })
  editor.spec.containers[0].volumeMounts = [{ name: 'data', mountPath }]
  await ctx.apply(ns, [editor])
  await k.kubectl(['wait', '--for=condition=Ready', 'pod/edit-config', '-n', ns, '--timeout=300s'])
  const wrote = await exec(k, ns, 'edit-config', ['sh', '-c', `mkdir -p "$(dirname ${file})" && cat > ${file}`], text)
  t.equal(wrote.code, 0, `a helper pod wrote ${file} on the PVC`, { output: wrote.stderr.slice(-300) })
  await k.kubectl(['delete', 'pod', 'edit-config', '-n', ns, '--wait=true'])
}

/** The gateway Deployment as openclawDeployment() makes it, edited. */
function deployment(image: string, edit: (main: any, spec: any) => void): any {
  const d = openclawDeployment(image)
  edit(d.spec.template.spec.containers[0], d.spec.template.spec)
  return d
}

/** Starts the edited gateway with a stale token in `file` on its PVC; checks the Secret's token is the one accepted and returns the pod and the init container's log. */
async function staleTokenReplaced(t: Test, ctx: StoryContext, ns: string, opts: { image: string; mountPath: string; file: string; edit: (main: any) => void }): Promise<{ pod: any; log: string; text: string } | undefined> {
  const k = ctx.cluster
  const tokens = { 'the stale token': newToken(), "the Secret's token": newToken() }
  const redact = redactor(tokens)
  await ctx.apply(ns, [tokenSecret(tokens["the Secret's token"]), ...stateObjects()])
  await writeOnClaim(t, ctx, ns, 'openclaw', opts.mountPath, opts.file, staleConfig(tokens['the stale token']))
  await ctx.apply(ns, [deployment(opts.image, (main) => {
    main.volumeMounts = [{ name: 'data', mountPath: opts.mountPath }]
    opts.edit(main)
  })])
  await k.kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=600s'], { timeoutMs: 660_000 })
  const pod = await currentPod(k, ns)
  t.equal(pod.metadata.annotations?.[ANNOTATIONS.status], 'injected', 'the gateway pod was injected')
  const init = injectedInit(pod)
  t.notOk(init?.env?.some((e: any) => e.name === 'OPENCLAW_CONFIG_PATH'), 'no config path pinned in the init container')
  t.notOk(pod.spec.containers[0].env?.some((e: any) => e.name === 'OPENCLAW_CONFIG_PATH'), "nor in the gateway: its env is as the user wrote it")
  const log = (await k.kubectl(['logs', '-n', ns, pod.metadata.name, '-c', init.name])).stdout
  t.notOk(Object.values(tokens).some((v) => log.includes(v)), 'the init log holds no token')
  t.comment(`init container log: ${redact(log).trim()}`)
  const [current, old] = await Promise.all([client(k, ns, pod.metadata.name, tokens["the Secret's token"]), client(k, ns, pod.metadata.name, tokens['the stale token'])])
  t.equal(verdict(current), 'accepted', "a client presenting the Secret's token is accepted", { output: shown(current, redact) })
  t.equal(verdict(old), 'refused', 'a client presenting the stale token from the file is refused', { output: shown(old, redact) })
  const text = (await k.kubectl(['exec', '-n', ns, pod.metadata.name, '-c', 'main', '--', 'cat', opts.file])).stdout
  t.notOk(text.includes(tokens['the stale token']), `the stale token is gone from ${opts.file}`)
  t.equal(JSON5.parse(text)?.agents?.defaults?.timeoutSeconds, 321, 'the pre-existing config is the one kept, with the user\'s setting')
  return { pod, log, text }
}

export function configPathStories(ctx: StoryContext): Record<string, (t: Test) => Promise<void>> {
  const k = ctx.cluster
  return {
    "11a. an image whose ENV sets OPENCLAW_STATE_DIR=/data/.openclaw, state on a PVC at /data: its own config is synced": async (t) => {
      const ns = await ctx.optedIn(t, `e2e-statedir-${ctx.id}`)
      const r = await staleTokenReplaced(t, ctx, ns, { image: ctx.tools.openclawStateDirImage, mountPath: '/data', file: '/data/.openclaw/openclaw.json', edit: () => {} })
      if (!r) return
      t.match(r.log, /config file \/data\/\.openclaw\/openclaw\.json \(OPENCLAW_STATE_DIR/, "the init log names the file the image's ENV chose, and why")
      const home = await exec(k, ns, r.pod.metadata.name, ['sh', '-c', 'test ! -e /home/node/.openclaw/openclaw.json'])
      t.equal(home.code, 0, 'nothing was written to the default ~/.openclaw')
    },
    '11b. a gateway run with --profile work: the stale token on its profile\'s file is replaced': async (t) => {
      const ns = await ctx.optedIn(t, `e2e-profile-${ctx.id}`)
      const r = await staleTokenReplaced(t, ctx, ns, {
        image: ctx.tools.openclawImage,
        mountPath: '/home/node/.openclaw-work',
        file: '/home/node/.openclaw-work/openclaw.json',
        // The image's ENTRYPOINT (tini) runs the args in place of its CMD.
        edit: (main) => (main.args = ['node', 'openclaw.mjs', '--profile', 'work', 'gateway']),
      })
      if (!r) return
      t.match(r.log, /config file \/home\/node\/\.openclaw-work\/openclaw\.json \(profile work/, 'the init log names the profile\'s file, and why')
      t.same(JSON5.parse(r.text)?.gateway?.auth?.token, { source: 'env', provider: 'default', id: 'OPENCLAW_GATEWAY_TOKEN' }, 'auto (ref on this OpenClaw): an env SecretRef in its place')
    },
    '11c. a backup CronJob mounting the state read-only: its Job completes': async (t) => {
      const ns = await ctx.optedIn(t, `e2e-backup-${ctx.id}`)
      const token = newToken()
      await ctx.apply(ns, [tokenSecret(token), ...stateObjects()])
      await writeOnClaim(t, ctx, ns, 'openclaw', '/home/node/.openclaw', '/home/node/.openclaw/openclaw.json', staleConfig(newToken()))
      const backupPod = (withScratch: boolean): any => {
        const pod = idlePod('backup', ctx.tools.openclawImage, { claim: 'openclaw' })
        const main = pod.spec.containers[0]
        main.args = ['sh', '-c', 'test -s /home/node/.openclaw/openclaw.json && echo backed up']
        main.volumeMounts = [{ name: 'data', mountPath: '/home/node/.openclaw', readOnly: true }]
        if (withScratch) {
          main.volumeMounts.push({ name: 'scratch', mountPath: '/tmp' })
          pod.spec.volumes.push({ name: 'scratch', emptyDir: {} })
        }
        pod.spec.restartPolicy = 'Never'
        return pod
      }
      const template = backupPod(true)
      const cronJob = {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: { name: 'backup' },
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { backoffLimit: 0, template: { metadata: { labels: OPENCLAW_LABELS }, spec: template.spec } } } },
      }
      await ctx.apply(ns, [cronJob])
      await k.kubectl(['create', 'job', '--from=cronjob/backup', 'backup-now', '-n', ns])
      await k.kubectl(['wait', '--for=condition=complete', 'job/backup-now', '-n', ns, '--timeout=300s'], { timeoutMs: 330_000 })
      t.pass('the backup Job completed')
      const pods = (await k.getJson(['get', 'pods', '-n', ns, '-l', 'job-name=backup-now'])).items
      t.equal(pods.length, 1, 'one pod ran')
      const pod = pods[0]
      t.equal(pod.status.phase, 'Succeeded', 'its pod succeeded')
      const init = injectedInit(pod)
      if (init) {
        t.same(init.volumeMounts.find((m: any) => m.name === 'data'), { name: 'data', mountPath: '/home/node/.openclaw', readOnly: true }, 'the state stays read-only in the injected container')
        const log = (await k.kubectl(['logs', '-n', ns, pod.metadata.name, '-c', init.name])).stdout
        t.match(log, /on none of the gateway's writable volumes \(\/tmp\); nothing to sync/, 'the script writes nothing on the read-only state, and says so')
      }
      // Nothing writable at all: not injected, and the admission warning says why.
      const probe = await k.kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], { input: JSON.stringify(backupPod(false)) })
      t.equal(JSON.parse(probe.stdout).metadata.annotations?.[ANNOTATIONS.status], undefined, 'a pod whose every volume is read-only is not injected')
      t.match(probe.stderr, /not injected \(state-read-only\)/, 'the admission warning says why')
    },
  }
}
