// The whole e2e setup in one call: a real kube-apiserver + etcd, the real webhook
// (`openclaw-injector serve`) on loopback with a certificate from our certs code, the
// MutatingWebhookConfiguration from manifests/ pointed at it, and the barrier that says when
// the API server has picked up a configuration change. stop() undoes all of it, and a failed
// start undoes what it had done.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startControlPlane, sweepStaleDirs } from '../controlplane/control-plane.ts';
import type { ControlPlane } from '../controlplane/control-plane.ts';
import { ADMISSIONS, freePorts, metricSum, servingCertificates, startInjector, writeServingFiles } from './injector.ts';
import type { Injector, TlsPaths } from './injector.ts';
import { createBarrier, loadManifestWebhookConfiguration, MWC_PATH, patchWebhook, upsert, webhookConfigurationFor, b64 } from './webhook-config.ts';
import type { Barrier, ManifestWebhookConfiguration } from './webhook-config.ts';

export interface E2E {
  cp: ControlPlane;
  manifest: ManifestWebhookConfiguration;
  /** metadata.name of the registered configuration (as in the manifest). */
  configName: string;
  barrier: Barrier;
  tls: TlsPaths;
  /** The CA that signed the certificate in the files now. */
  ca: { cert: string; key: string };
  /** The webhook process. */
  injector: Injector;
  /** Everything the webhook process wrote, stdout and stderr. */
  serverOutput(): string;
  /** Sum of openclaw_injector_admissions_total over the labels matching `match`. */
  admissions(match?: Record<string, string | RegExp>): Promise<number>;
  /** Patches our webhook's failurePolicy and waits until the API server uses it. */
  setFailurePolicy(policy: 'Ignore' | 'Fail'): Promise<void>;
  /** Patches our webhook's caBundle (PEM, one or more CAs) and waits until the API server uses it. */
  setCaBundle(pem: string): Promise<void>;
  /** Stops the webhook and the control plane, removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  // Read the manifest first: without it there is nothing to test, and it costs nothing.
  const manifest = loadManifestWebhookConfiguration();
  sweepStaleDirs(os.tmpdir(), DIR_PREFIX);
  const dir = mkdtempSync(path.join(os.tmpdir(), DIR_PREFIX));
  writeFileSync(path.join(dir, 'owner.pid'), `${process.pid}\n`);
  const tls: TlsPaths = { certPath: path.join(dir, 'tls.crt'), keyPath: path.join(dir, 'tls.key') };
  let output = '';
  let cp: ControlPlane | undefined;
  let injector: Injector | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await injector?.stop().catch(() => {});
      await cp?.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    const [[port, metricsPort], material, controlPlane] = await Promise.all([
      freePorts(2) as Promise<[number, number]>,
      servingCertificates(),
      startControlPlane(),
    ]);
    cp = controlPlane;
    await writeServingFiles(tls, material);
    injector = await startInjector({ ...tls, port, metricsPort, onOutput: (d) => { output += d; } });

    const configName: string = manifest.object.metadata.name;
    await upsert(cp, MWC_PATH, webhookConfigurationFor(manifest, { url: injector.mutateUrl, caBundlePem: material.caCert }));
    const barrier = await createBarrier(cp);
    await barrier.sync();

    const env: E2E = {
      cp,
      manifest,
      configName,
      barrier,
      tls,
      ca: { cert: material.caCert, key: material.caKey },
      injector,
      serverOutput: () => output,
      admissions: async (match = {}) => metricSum(await env.injector.metricsText(), ADMISSIONS, match),
      setFailurePolicy: async (policy) => {
        await patchWebhook(controlPlane, configName, [{ op: 'replace', path: '/failurePolicy', value: policy }]);
        await barrier.touchAndSync(configName);
      },
      setCaBundle: async (pem) => {
        await patchWebhook(controlPlane, configName, [{ op: 'replace', path: '/clientConfig/caBundle', value: b64(pem) }]);
        await barrier.touchAndSync(configName);
      },
      stop,
    };
    return env;
  } catch (err) {
    await stop();
    throw err;
  }
}

const DIR_PREFIX = 'openclaw-e2e-webhook-';

