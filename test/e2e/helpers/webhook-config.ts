// The MutatingWebhookConfiguration the e2e tests register: the one in manifests/, read as it
// is shipped, with only clientConfig swapped for a loopback URL and our own caBundle, so the
// real rules, selectors and matchConditions are what the API server enforces.
// Plus a barrier that tells when the API server has picked up a configuration change.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { ControlPlane } from '../controlplane/control-plane.ts';
import { ApiError } from '../controlplane/control-plane.ts';
import { freePorts, sleep } from './injector.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** The kustomize base; overlays only patch it. */
export const MANIFESTS_DIR = path.join(repoRoot, 'manifests', 'base');
export const WEBHOOK_NAME = 'token-sync.openclaw.ai';
export const MWC_PATH = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';

export interface ManifestWebhookConfiguration {
  /** Path of the YAML file it came from. */
  file: string;
  object: any;
}

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(name)) out.push(full);
  }
  return out;
}

/**
 * The MutatingWebhookConfiguration in manifests/base/ that holds the webhook token-sync.openclaw.ai.
 * Throws when there is none (or more than one): the suite must not quietly test something else.
 */
export function loadManifestWebhookConfiguration(dir: string = MANIFESTS_DIR): ManifestWebhookConfiguration {
  const found: ManifestWebhookConfiguration[] = [];
  let files: string[];
  try {
    files = yamlFiles(dir);
  } catch (err) {
    throw new Error(`cannot read ${dir}: ${(err as Error).message}`);
  }
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      if (doc.errors.length > 0) throw new Error(`${file}: not valid YAML: ${doc.errors[0]!.message}`);
      const object = doc.toJS();
      if (object?.kind !== 'MutatingWebhookConfiguration') continue;
      if (!Array.isArray(object.webhooks) || !object.webhooks.some((w: any) => w?.name === WEBHOOK_NAME)) continue;
      found.push({ file, object });
    }
  }
  if (found.length !== 1) {
    throw new Error(`expected exactly one MutatingWebhookConfiguration with webhook ${WEBHOOK_NAME} under ${dir}, found ${found.length}${found.length ? `: ${found.map((f) => f.file).join(', ')}` : ''}`);
  }
  return found[0]!;
}

export interface Endpoint {
  /** https://127.0.0.1:<port>/mutate */
  url: string;
  /** PEM bundle the API server trusts for it (one CA or several concatenated). */
  caBundlePem: string;
}

/**
 * The manifest's configuration pointed at `endpoint`: clientConfig.service is replaced by
 * clientConfig.url, caBundle is set; everything else (rules, selectors, matchConditions,
 * policies) is left exactly as shipped.
 */
export function webhookConfigurationFor(manifest: ManifestWebhookConfiguration, endpoint: Endpoint): any {
  const object = structuredClone(manifest.object);
  // Only the fields an apiserver create accepts from a file; nothing of a previous object.
  object.metadata = { name: object.metadata?.name, ...(object.metadata?.labels ? { labels: object.metadata.labels } : {}) };
  for (const webhook of object.webhooks) {
    if (webhook.name !== WEBHOOK_NAME) continue;
    webhook.clientConfig = { url: endpoint.url, caBundle: b64(endpoint.caBundlePem) };
  }
  return object;
}

/** The index of our webhook inside a configuration. */
export function webhookIndex(object: any): number {
  const index = (object.webhooks as any[]).findIndex((w) => w?.name === WEBHOOK_NAME);
  if (index === -1) throw new Error(`configuration ${object.metadata?.name} has no webhook ${WEBHOOK_NAME}`);
  return index;
}

export function b64(text: string): string {
  return Buffer.from(text).toString('base64');
}

/** Creates or replaces a cluster-scoped object under `collection`. Resolves to the stored object. */
export async function upsert(cp: ControlPlane, collection: string, object: any): Promise<any> {
  const created = await cp.request('POST', collection, object);
  if (created.ok) return created.body;
  if (created.status !== 409) throw new ApiError('POST', collection, created);
  const item = `${collection}/${encodeURIComponent(object.metadata.name)}`;
  const current = await cp.requestOk('GET', item);
  return cp.requestOk('PUT', item, { ...object, metadata: { ...object.metadata, resourceVersion: current.metadata.resourceVersion } });
}

/** RFC 6902 patch of our webhook in the configuration `name`: `ops` use paths relative to the webhook. */
export async function patchWebhook(cp: ControlPlane, name: string, ops: Array<{ op: string; path: string; value?: unknown }>): Promise<any> {
  const item = `${MWC_PATH}/${encodeURIComponent(name)}`;
  const current = await cp.requestOk('GET', item);
  const index = webhookIndex(current);
  return cp.requestOk('PATCH', item, [
    { op: 'test', path: '/metadata/resourceVersion', value: current.metadata.resourceVersion },
    ...ops.map((o) => ({ ...o, path: `/webhooks/${index}${o.path}` })),
  ]);
}

// ---------------------------------------------------------------------------
// The barrier

/**
 * Tells when the API server's admission chain has caught up with the configuration changes made
 * so far. kube-apiserver reads webhook configurations through one informer, which delivers events
 * in order: once a later change to a second configuration is in effect, the informer has handled
 * every earlier change too. The barrier is that second configuration: a webhook that fails closed
 * (failurePolicy Fail, pointing at a port nothing listens on) and matches only pods carrying the
 * label e2e.openclaw.ai/barrier=<n>. Each sync() moves n on and dry-runs a pod with the new label
 * until the API server refuses it. No sleeps, no guessing.
 *
 * One catch, seen once in about thirty runs (during the certificate rotation, under load): a
 * barrier change did not take effect for 30 s while the API server kept answering. The likely
 * cause, from reading kube-apiserver (k8s.io/apiserver admission/configuration,
 * mutating_webhook_manager.go): it caches the webhooks of each configuration by name, and an
 * evaluation that listed the configurations just before an update can store the old webhooks
 * back into that cache just after the update's handler cleared it; they then stay in use until
 * the configuration changes again. So sync() changes the barrier again when its change does not
 * show within a few seconds, and touchAndSync() (below) re-applies a change to one of our own
 * configurations the same way.
 */
export interface Barrier {
  sync(): Promise<void>;
  /** How often a barrier change had to be made again because the first did not show (see above). */
  readonly retries: number;
  /**
   * For a change just made to configuration `name`: waits until the informer has it, changes an
   * annotation of `name` (clearing a possibly stale cache entry; anything cached from then on was
   * listed after the change), and waits again.
   */
  touchAndSync(name: string): Promise<void>;
}

export const BARRIER_LABEL = 'e2e.openclaw.ai/barrier';
const BARRIER_CONFIG = 'e2e-barrier';
const BARRIER_WEBHOOK = 'barrier.e2e.openclaw.ai';

export async function createBarrier(cp: ControlPlane, namespace = 'default'): Promise<Barrier> {
  const [closedPort] = await freePorts(1);
  let n = 0;
  const config = (value: string): any => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: BARRIER_CONFIG },
    webhooks: [{
      name: BARRIER_WEBHOOK,
      admissionReviewVersions: ['v1'],
      sideEffects: 'None',
      failurePolicy: 'Fail',
      timeoutSeconds: 2,
      // nothing listens there: every call fails at once, and the failure is the signal
      clientConfig: { url: `https://127.0.0.1:${closedPort}/barrier`, caBundle: b64(cp.caPem) },
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
      objectSelector: { matchLabels: { [BARRIER_LABEL]: value } },
    }],
  });
  await upsert(cp, MWC_PATH, config('0'));
  const probeRefused = async (value: string, timeoutMs: number): Promise<boolean> => {
    const probe = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `barrier-probe-${value}`, labels: { [BARRIER_LABEL]: value } },
      spec: { containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10' }] },
    };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await cp.request('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All`, probe);
      if (!res.ok && String(res.body?.message ?? res.text).includes(BARRIER_WEBHOOK)) return true;
      if (!res.ok) throw new ApiError('POST', `/api/v1/namespaces/${namespace}/pods?dryRun=All (barrier probe)`, res);
      if (Date.now() > deadline) return false;
      await sleep(50);
    }
  };
  const escapedLabel = BARRIER_LABEL.replace(/~/g, '~0').replace(/\//g, '~1');
  let retries = 0;
  const sync = async (): Promise<void> => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const value = String(++n);
      await cp.requestOk('PATCH', `${MWC_PATH}/${BARRIER_CONFIG}`, [
        { op: 'replace', path: `/webhooks/0/objectSelector/matchLabels/${escapedLabel}`, value },
      ]);
      if (await probeRefused(value, 3_000)) return;
      retries++;
    }
    throw new Error('barrier: the API server did not pick up webhook configuration changes within 30 s');
  };
  let touches = 0;
  return {
    sync,
    get retries() {
      return retries;
    },
    async touchAndSync(name) {
      await sync();
      await cp.requestOk('PATCH', `${MWC_PATH}/${encodeURIComponent(name)}`, { metadata: { annotations: { 'e2e.openclaw.ai/touch': String(++touches) } } });
      await sync();
    },
  };
}
