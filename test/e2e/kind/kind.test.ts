// The whole thing on a real cluster, for machines with Docker: `npm run test:kind`.
// Builds the image from the repo's Dockerfile, loads it into a fresh kind cluster, applies
// manifests/ (kustomize) with the image swapped for the one just built, opts a namespace in,
// deploys an OpenClaw-shaped Deployment with a PVC and a token Secret, rotates the Secret,
// `kubectl rollout restart`s, and checks that the config on the volume holds the new token.
//
// Where docker (with a reachable daemon), kind or kubectl is missing, the file prints
// SKIPPED with the reason and tap counts it as skipped, never as passed.
//
// Env: KIND_KEEP_CLUSTER=1 keeps the cluster (and prints how to reach it) for debugging.
import t from 'tap';
import type { Test } from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';
import { CONFIG_PATH, openclawObjects, probePod, TOKEN_SECRET } from '../helpers/kind-objects.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const manifestsDir = path.join(repoRoot, 'manifests');
const OPT_LABEL = 'openclaw.ai/token-sync';

function missingPrerequisite(): string | undefined {
  const probe = (cmd: string, args: string[]): { ok: boolean; why: string } => {
    const res = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
    if (res.error) return { ok: false, why: (res.error as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : `${cmd}: ${res.error.message}` };
    if (res.status !== 0) return { ok: false, why: `\`${cmd} ${args.join(' ')}\` failed: ${(res.stderr || res.stdout).trim().split('\n')[0]}` };
    return { ok: true, why: '' };
  };
  const reasons: string[] = [];
  for (const [cmd, args] of [
    ['docker', ['info', '--format', '{{.ServerVersion}}']],
    ['kind', ['version']],
    ['kubectl', ['version', '--client']],
  ] as const) {
    const res = probe(cmd, [...args]);
    if (!res.ok) reasons.push(res.why);
  }
  return reasons.length === 0 ? undefined : reasons.join('; ');
}

const missing = missingPrerequisite();
if (missing !== undefined) {
  process.stderr.write(`SKIPPED test/e2e/kind: ${missing}\n`);
  t.comment(`SKIPPED: ${missing}`);
  t.plan(0, `kind suite skipped: ${missing}`);
} else {
  await kindSuite();
}

// ---------------------------------------------------------------------------

interface RunResult {
  stdout: string;
  stderr: string;
}

async function kindSuite(): Promise<void> {
  const id = randomBytes(3).toString('hex');
  const cluster = `openclaw-injector-e2e-${id}`;
  const image = `openclaw-injector:e2e-${id}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'openclaw-kind-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  const keep = process.env.KIND_KEEP_CLUSTER === '1';
  let clusterCreated = false;

  t.teardown(async () => {
    if (clusterCreated && !keep) await run('kind', ['delete', 'cluster', '--name', cluster]).catch((e: Error) => process.stderr.write(`${e.message}\n`));
    if (keep) process.stderr.write(`kept kind cluster ${cluster}; KUBECONFIG=${kubeconfig}\n`);
    else rmSync(dir, { recursive: true, force: true });
    await run('docker', ['image', 'rm', '-f', image]).catch(() => {});
  });

  const kubectl = (args: string[], input?: string): Promise<RunResult> => run('kubectl', ['--kubeconfig', kubeconfig, ...args], input);

  // Each step needs the one before; after a failure the rest are skipped, not failed again.
  let ready = false;
  const after = (): { skip: string | false } => ({ skip: ready ? false : 'an earlier step failed' });
  const step = async (name: string, fn: (t: Test) => Promise<void>): Promise<void> => {
    const go = after();
    ready = false;
    await t.test(name, go, async (t) => {
      await fn(t);
      ready = true;
    });
  };

  await t.test('build the image and start a kind cluster', async (t) => {
    t.ok(existsSync(path.join(repoRoot, 'Dockerfile')), 'the repo has a Dockerfile');
    t.ok(existsSync(manifestsDir), 'the repo has manifests/');
    await run('docker', ['build', '-t', image, repoRoot]);
    t.pass(`built ${image}`);
    clusterCreated = true;
    await run('kind', ['create', 'cluster', '--name', cluster, '--kubeconfig', kubeconfig, '--wait', '180s']);
    t.pass(`cluster ${cluster} is up`);
    await run('kind', ['load', 'docker-image', image, '--name', cluster]);
    t.pass('image loaded into the cluster');
    ready = true;
  });

  let webhookConfig = '';
  await step('apply manifests/ with the image just built', async (t) => {
    const rendered = (await kubectl(['kustomize', manifestsDir])).stdout;
    const objects = parseAllDocuments(rendered).map((d) => d.toJS()).filter((o) => o && typeof o === 'object');
    let swapped = 0;
    for (const o of objects) {
      const podSpec = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
      for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) {
        if (typeof c.image === 'string' && /openclaw-injector/.test(c.image)) {
          c.image = image;
          c.imagePullPolicy = 'IfNotPresent';
          swapped++;
        }
      }
    }
    t.ok(swapped > 0, `the webhook image is used by ${swapped} container(s) in manifests/`);
    await kubectl(['apply', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));
    for (const o of objects.filter((o) => o.kind === 'Job')) {
      await kubectl(['wait', '--for=condition=complete', `job/${o.metadata.name}`, '-n', o.metadata.namespace, '--timeout=300s']);
      t.pass(`job ${o.metadata.namespace}/${o.metadata.name} completed`);
    }
    for (const o of objects.filter((o) => o.kind === 'Deployment')) {
      await kubectl(['rollout', 'status', `deployment/${o.metadata.name}`, '-n', o.metadata.namespace, '--timeout=300s']);
      t.pass(`deployment ${o.metadata.namespace}/${o.metadata.name} rolled out`);
    }
    const mwc = objects.find((o) => o.kind === 'MutatingWebhookConfiguration');
    t.ok(mwc, 'manifests/ has a MutatingWebhookConfiguration');
    webhookConfig = mwc?.metadata?.name ?? '';
    await eventually('the caBundle to be set', 300_000, async () => {
      const got = JSON.parse((await kubectl(['get', 'mutatingwebhookconfiguration', webhookConfig, '-o', 'json'])).stdout);
      return got.webhooks.every((w: any) => typeof w.clientConfig?.caBundle === 'string' && w.clientConfig.caBundle !== '');
    });
    t.pass('caBundle set on every webhook');
  });

  const ns = `e2e-openclaw-${id}`;
  const first = `e2e-token-one-${id}`;
  const readToken = async (): Promise<string> => {
    const out = await kubectl(['exec', '-n', ns, 'deploy/openclaw', '-c', 'main', '--', 'cat', CONFIG_PATH]);
    return JSON.parse(out.stdout)?.gateway?.auth?.token;
  };

  await step('an OpenClaw-shaped Deployment gets the token from its Secret', async (t) => {
    await kubectl(['create', 'namespace', ns]);
    await kubectl(['label', 'namespace', ns, `${OPT_LABEL}=enabled`]);
    // The webhook may be rolled out before the API server reaches it: dry-run until a pod comes back injected.
    await eventually('the webhook to inject a dry-run pod', 180_000, async () => {
      const out = await kubectl(['create', '--dry-run=server', '-o', 'json', '-n', ns, '-f', '-'], JSON.stringify(probePod(image)));
      return JSON.parse(out.stdout)?.metadata?.annotations?.['openclaw.ai/token-sync-status'] === 'injected';
    });
    // The gateway runs the image just built: it has node on PATH, and the cluster already has it.
    await kubectl(['apply', '-n', ns, '-f', '-'], openclawObjects(image, first).map((o) => stringify(o)).join('---\n'));
    await kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=300s']);
    const pods = JSON.parse((await kubectl(['get', 'pods', '-n', ns, '-l', 'app.kubernetes.io/name=openclaw', '-o', 'json'])).stdout).items;
    const running = pods.filter((p: any) => !p.metadata.deletionTimestamp);
    t.equal(running[0]?.metadata?.annotations?.['openclaw.ai/token-sync-status'], 'injected', 'the pod was injected');
    t.equal(await readToken(), first, 'the config on the volume holds the token');
  });

  await step('rotate the Secret, rollout restart: the config holds the new token', async (t) => {
    const next = 'e2e-token-two-' + id;
    await kubectl(['patch', 'secret', TOKEN_SECRET, '-n', ns, '--type', 'merge', '-p', JSON.stringify({ stringData: { OPENCLAW_GATEWAY_TOKEN: next } })]);
    await kubectl(['rollout', 'restart', 'deployment/openclaw', '-n', ns]);
    await kubectl(['rollout', 'status', 'deployment/openclaw', '-n', ns, '--timeout=300s']);
    await eventually('the restarted pod to serve exec', 60_000, async () => (await readToken().catch(() => undefined)) !== undefined);
    t.equal(await readToken(), next, 'the config on the volume holds the rotated token');
  });
}

/** Runs a command; progress to stderr; rejects with the command's output when it fails. */
function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  process.stderr.write(`[kind-e2e] ${cmd} ${args.filter((a) => !a.includes('\n')).join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ').slice(0, 300)} exited ${code}:\n${(stderr || stdout).slice(-3000)}`));
    });
    child.stdin.end(input ?? '');
  });
}

async function eventually(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = (err as Error).message.split('\n').slice(0, 3).join(' ');
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
