// A kubeconfig that acts as one ServiceAccount of the e2e control plane, with a token from the
// TokenRequest API (what the kubelet would mount into the pod), so a command run with it has
// exactly that ServiceAccount's RBAC.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ControlPlane } from '../controlplane/control-plane.ts';

/** Writes `<dir>/<namespace>-<serviceAccount>.kubeconfig` (mode 0600) and returns its path. */
export async function serviceAccountKubeconfig(cp: ControlPlane, namespace: string, serviceAccount: string, dir: string): Promise<string> {
  const review = await cp.requestOk('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  const file = path.join(dir, `${namespace}-${serviceAccount}.kubeconfig`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: cp.url, 'certificate-authority-data': Buffer.from(cp.caPem).toString('base64') } }],
    users: [{ name: serviceAccount, user: { token: review.status.token } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: serviceAccount } }],
    'current-context': 'e2e',
  }), { mode: 0o600 });
  return file;
}
