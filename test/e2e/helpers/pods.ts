// Pods for the e2e tests: the Helm chart's pod (test/fixtures/chart-pod.json) made ready to
// POST into a namespace, a plain non-OpenClaw pod, and what "injected" looks like.
import { chartPod } from '../../helpers/pods.ts';
import { ANNOTATIONS } from '../../../src/engine/annotations.ts';
import { isInjectedContainer } from '../../../src/engine/init-container.ts';
import type { Pod } from '../../../src/engine/types.ts';

/** The chart's pod, named, without the fixture's namespace and generateName. */
export function openclawPod(name: string): Pod {
  const pod = chartPod();
  delete pod.metadata!.namespace;
  delete pod.metadata!.generateName;
  pod.metadata!.name = name;
  return pod;
}

/** A pod with nothing of OpenClaw about it: no OpenClaw image, no app label, no annotation. */
export function plainPod(name: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'nginx' } },
    spec: { containers: [{ name: 'web', image: 'nginx:1.29', ports: [{ containerPort: 80 }] }] },
  };
}

/** The pod made compliant with Pod Security `restricted`: non-root uid 1000, RuntimeDefault seccomp, no privilege escalation, ALL dropped. */
export function restrictedOpenclawPod(name: string): Pod {
  const pod = openclawPod(name);
  pod.spec!.securityContext = {
    runAsNonRoot: true,
    runAsUser: 1000,
    runAsGroup: 1000,
    fsGroup: 1000,
    seccompProfile: { type: 'RuntimeDefault' },
  };
  for (const c of [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers]) {
    c.securityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true };
  }
  return pod;
}

/** openclaw-injector's init containers in a pod: the ones carrying the marker env variable. */
export function injectedContainers(pod: Pod): NonNullable<Pod['spec']>['containers'] {
  return (pod.spec?.initContainers ?? []).filter(isInjectedContainer);
}

export function statusAnnotation(pod: Pod): string | undefined {
  return pod.metadata?.annotations?.[ANNOTATIONS.status];
}

/** Injected as the webhook does it: the status annotation and exactly one marked init container. */
export function isInjected(pod: Pod): boolean {
  return statusAnnotation(pod) === 'injected' && injectedContainers(pod).length === 1;
}

/** Not touched at all: no annotation of ours and no container of ours. */
export function isUntouched(pod: Pod): boolean {
  return statusAnnotation(pod) === undefined && injectedContainers(pod).length === 0;
}
