// Helm releases of charts/openclaw-injector for the e2e and kind tiers: install, upgrade,
// uninstall and read back, each against the cluster of a kubeconfig file, with the Helm
// that test/helm/install.sh builds. Every function throws with helm's own error text when
// helm exits non-zero, so a failed step fails the test with the reason.
import { CHART_DIR, helm, valuesInput } from '../../helm/helm.ts';
import { parseYaml } from '../../manifests/helpers/kustomize.ts';

export { CHART_DIR, helmBinary, template } from '../../helm/helm.ts';

export interface ReleaseOptions {
  /** The cluster: a kubeconfig file (the e2e control plane's, or kind's). */
  kubeconfig: string;
  /** Default openclaw-injector. */
  release?: string;
  /** Default openclaw-injector. */
  namespace?: string;
  /** Values, as a --values file would hold them. */
  values?: Record<string, unknown>;
  /** --create-namespace (install only). */
  createNamespace?: boolean;
  /** --wait: Helm waits for the Deployment to be ready and Jobs to finish (needs a kubelet: kind only). */
  wait?: boolean;
  /** --no-hooks (the e2e tier has no kubelet to run the uninstall hook's Job). */
  noHooks?: boolean;
  /** Helm's --timeout, e.g. "5m". Default 5m. */
  timeout?: string;
  /** Any further helm flags. */
  args?: string[];
}

function common(o: ReleaseOptions): string[] {
  return [
    '--kubeconfig', o.kubeconfig,
    '--namespace', o.namespace ?? 'openclaw-injector',
    ...(o.wait ? ['--wait'] : []),
    ...(o.noHooks ? ['--no-hooks'] : []),
    '--timeout', o.timeout ?? '5m',
    ...(o.args ?? []),
  ];
}

function timeoutMs(o: ReleaseOptions): number {
  const m = /^(\d+)(m|s)$/.exec(o.timeout ?? '5m');
  return (m ? Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000) : 300_000) + 60_000;
}

/** `helm install RELEASE charts/openclaw-injector`; resolves to helm's output. */
export function installChart(o: ReleaseOptions): string {
  const v = valuesInput(o.values);
  return helm(['install', o.release ?? 'openclaw-injector', CHART_DIR, ...common(o), ...(o.createNamespace ? ['--create-namespace'] : []), ...v.args], { input: v.input, timeoutMs: timeoutMs(o) });
}

/**
 * `helm upgrade RELEASE charts/openclaw-injector` with `values` (not merged with the previous
 * release's: pass every value that should differ from the chart's defaults).
 */
export function upgradeChart(o: ReleaseOptions): string {
  const v = valuesInput(o.values);
  return helm(['upgrade', o.release ?? 'openclaw-injector', CHART_DIR, ...common(o), ...v.args], { input: v.input, timeoutMs: timeoutMs(o) });
}

/** `helm uninstall RELEASE` (its pre-delete hook deletes the certs Secret unless noHooks). */
export function uninstallChart(o: ReleaseOptions): string {
  return helm(['uninstall', o.release ?? 'openclaw-injector', ...common(o)], { timeoutMs: timeoutMs(o) });
}

/** `helm status -o json`: the release record (info.status is "deployed" after a good install). */
export function releaseStatus(o: ReleaseOptions): any {
  return JSON.parse(helm(['status', o.release ?? 'openclaw-injector', '--kubeconfig', o.kubeconfig, '--namespace', o.namespace ?? 'openclaw-injector', '-o', 'json']));
}

/** `helm get manifest`: the objects the release owns (hooks excluded), parsed. */
export function releaseObjects(o: ReleaseOptions): any[] {
  return parseYaml(helm(['get', 'manifest', o.release ?? 'openclaw-injector', '--kubeconfig', o.kubeconfig, '--namespace', o.namespace ?? 'openclaw-injector']), 'helm get manifest');
}

/** `helm list` in the namespace, in every state (deployed, failed, pending, uninstalling, ...): the release names. */
export function releases(o: Pick<ReleaseOptions, 'kubeconfig' | 'namespace'>): string[] {
  return helm(['list', '-q', '--deployed', '--failed', '--pending', '--superseded', '--uninstalling', '--uninstalled', '--kubeconfig', o.kubeconfig, '--namespace', o.namespace ?? 'openclaw-injector']).split('\n').filter((l) => l !== '');
}

/**
 * Values that make the chart run `image` (e.g. the kind tier's `openclaw-injector:e2e-<id>`,
 * loaded into the cluster): repository and tag split at the last `:` after the last `/`.
 */
export function imageValues(image: string): { image: { repository: string; tag: string; pullPolicy: 'IfNotPresent' } } {
  const colon = image.lastIndexOf(':');
  if (colon <= image.lastIndexOf('/') || image.includes('@')) throw new Error(`imageValues: ${JSON.stringify(image)} has no tag (or has a digest); give repository:tag`);
  return { image: { repository: image.slice(0, colon), tag: image.slice(colon + 1), pullPolicy: 'IfNotPresent' } };
}
