// The OpenClaw side of the kind suite (test/e2e/kind/kind.test.ts): an OpenClaw-shaped
// Deployment like the Helm chart's (gateway container `main`, state PVC at ~/.openclaw, seed
// ConfigMap volume `config`, token Secret via envFrom), with the objects it needs.
//
// The gateway container runs the OpenClaw stand-in image (prepare.sh) with a command that only
// keeps it up: the injected init container runs in the gateway's image with `node -e`, and the
// cluster pulls nothing.

export const OPENCLAW_LABELS = { 'app.kubernetes.io/name': 'openclaw', 'app.kubernetes.io/instance': 'openclaw' };
export const TOKEN_SECRET = 'openclaw-gateway-token';
export const CONFIG_PATH = '/home/node/.openclaw/openclaw.json';

export function openclawDeployment(gatewayImage: string): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'openclaw', labels: OPENCLAW_LABELS },
    spec: {
      replicas: 1,
      // one ReadWriteOnce volume: the old pod goes before the new one comes
      strategy: { type: 'Recreate' },
      selector: { matchLabels: OPENCLAW_LABELS },
      template: {
        metadata: { labels: OPENCLAW_LABELS },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'main',
            image: gatewayImage,
            imagePullPolicy: 'IfNotPresent',
            command: ['node', '-e', 'setInterval(() => {}, 1 << 30)'],
            envFrom: [{ secretRef: { name: TOKEN_SECRET } }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'data', mountPath: '/home/node/.openclaw' }],
          }],
          volumes: [
            { name: 'config', configMap: { name: 'openclaw' } },
            { name: 'data', persistentVolumeClaim: { claimName: 'openclaw' } },
          ],
        },
      },
    },
  };
}

/** The token Secret, the state PVC, the seed ConfigMap and the Deployment. */
export function openclawObjects(gatewayImage: string, token: string): any[] {
  return [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: TOKEN_SECRET }, stringData: { OPENCLAW_GATEWAY_TOKEN: token } },
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'openclaw' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'openclaw' }, data: { 'openclaw.json': JSON.stringify({ gateway: { mode: 'local', port: 18789, auth: { mode: 'token' } } }, null, 2) + '\n' } },
    openclawDeployment(gatewayImage),
  ];
}

/** A pod of the Deployment's template, for a server-side dry run. */
export function probePod(gatewayImage: string): any {
  const template = openclawDeployment(gatewayImage).spec.template;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', labels: template.metadata.labels }, spec: template.spec };
}
