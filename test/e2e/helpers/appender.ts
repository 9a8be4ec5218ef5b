// A second mutating webhook for the reinvocation tests: a tiny node:https server registered in
// its own MutatingWebhookConfiguration with reinvocationPolicy IfNeeded, whose name sorts after
// openclaw-injector's, so the API server calls it second. It either appends an init container
// after whatever is there (so after openclaw-injector's), or, once per pod, removes the init
// container openclaw-injector injected (one carrying its marker env var), as a webhook that
// rewrites a pod's init containers can.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ControlPlane } from '../controlplane/control-plane.ts';
import { MARKER_ENV } from '../../../src/engine/init-container.ts';
import { servingCertificates } from './injector.ts';
import { b64, MWC_PATH, upsert } from './webhook-config.ts';

export const APPENDED_CONTAINER = 'e2e-appended';
export const APPENDER_CONFIG = 'zz-e2e-appender';
export const APPENDER_WEBHOOK = 'appender.e2e.openclaw.ai';

export interface AppenderCall {
  /** Names of the pod's init containers as the appender saw them. */
  initContainers: string[];
  patched: boolean;
}

export interface Appender {
  url: string;
  caPem: string;
  calls: AppenderCall[];
  /** Registers the configuration, scoped to one namespace. */
  register(cp: ControlPlane, namespace: string): Promise<void>;
  stop(): Promise<void>;
}

/** What the second webhook does: append its own init container, or remove openclaw-injector's once per pod. */
export type AppenderAction = 'append' | 'remove-injected-once';

type JsonPatch = Array<{ op: string; path: string; value?: unknown }>;

function appendPatch(init: any[], names: string[]): JsonPatch | undefined {
  // Idempotent, as a reinvoked webhook must be: append only once.
  if (names.includes(APPENDED_CONTAINER)) return undefined;
  const container = { name: APPENDED_CONTAINER, image: 'registry.k8s.io/pause:3.10', command: ['/pause'] };
  return init.length === 0
    ? [{ op: 'add', path: '/spec/initContainers', value: [container] }]
    : [{ op: 'add', path: '/spec/initContainers/-', value: container }];
}

export async function startAppender(action: AppenderAction = 'append'): Promise<Appender> {
  const material = await servingCertificates();
  const calls: AppenderCall[] = [];
  /** Pods (by generateName/name) whose injected container was already removed once. */
  const removedFrom = new Set<string>();
  const removePatch = (pod: any, init: any[]): JsonPatch | undefined => {
    const key = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? pod.metadata?.generateName ?? ''}`;
    const index = init.findIndex((c) => Array.isArray(c?.env) && c.env.some((e: any) => e?.name === MARKER_ENV));
    if (index === -1 || removedFrom.has(key)) return undefined;
    removedFrom.add(key);
    return [{ op: 'remove', path: `/spec/initContainers/${index}` }];
  };
  const server = https.createServer({ cert: material.cert, key: material.key }, (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => {
      let review: any;
      try {
        review = JSON.parse(body);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const pod = review.request?.object ?? {};
      const init: any[] = Array.isArray(pod.spec?.initContainers) ? pod.spec.initContainers : [];
      const names = init.map((c) => c?.name);
      const response: any = { uid: review.request?.uid, allowed: true };
      const patch = action === 'append' ? appendPatch(init, names) : removePatch(pod, init);
      const patched = patch !== undefined;
      if (patched) {
        response.patchType = 'JSONPatch';
        response.patch = b64(JSON.stringify(patch));
      }
      calls.push({ initContainers: names, patched });
      const out = JSON.stringify({ apiVersion: review.apiVersion ?? 'admission.k8s.io/v1', kind: 'AdmissionReview', response });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/append`;
  let stopped: Promise<void> | undefined;
  return {
    url,
    caPem: material.caCert,
    calls,
    async register(cp, namespace) {
      await upsert(cp, MWC_PATH, {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: 'MutatingWebhookConfiguration',
        metadata: { name: APPENDER_CONFIG },
        webhooks: [{
          name: APPENDER_WEBHOOK,
          admissionReviewVersions: ['v1'],
          sideEffects: 'None',
          failurePolicy: 'Fail',
          reinvocationPolicy: 'IfNeeded',
          timeoutSeconds: 5,
          clientConfig: { url, caBundle: b64(material.caCert) },
          rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: 'Namespaced' }],
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        }],
      });
    },
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
