// The OpenClaw side of the kind tier (kind.test.ts): the objects a user of the OpenClaw Helm
// chart has in a namespace, built here as plain API objects.
//
// - openclawObjects(): the chart-shaped Deployment (gateway container `main` running the real
//   gateway, state PVC at ~/.openclaw on the cluster's default storage class, seed ConfigMap
//   volume `config`, token Secret by envFrom) with its Secret, PVC and ConfigMap.
// - idlePod(): an OpenClaw pod whose `main` only sleeps, with its state on an emptyDir: for the
//   scenarios about admission (Pod Security, quotas, availability, uninstall), where a gateway
//   would only cost CPU.
//
// Every pod runs the OpenClaw stand-in image (prepare.sh); the cluster pulls nothing. Secret
// values go into objects only through tokenSecret(), whose output the caller sends on stdin.
import { ANNOTATIONS, OPT_LABEL } from '../../../../src/engine/annotations.ts'
import { QUIET_ENV } from '../../../openclaw/helpers/openclaw.ts'
import { QUIET_CONFIG } from '../../../openclaw/helpers/scenarios.ts'

export const OPENCLAW_LABELS = { 'app.kubernetes.io/name': 'openclaw', 'app.kubernetes.io/instance': 'openclaw' }
export const TOKEN_SECRET = 'openclaw-gateway-token'
export const STATE_DIR = '/home/node/.openclaw'
export const CONFIG_PATH = `${STATE_DIR}/openclaw.json`
/** OpenClaw's default gateway port (its docs: `gateway.port`, default 18789). */
export const GATEWAY_PORT = 18789

export type SyncMode = 'sync' | 'ref'

/**
 * The seed ConfigMap's openclaw.json: a gateway in local mode (required since 2026.5.18) with
 * token auth, bound to all interfaces (`lan`) so that the kubelet's readiness probe reaches
 * /readyz on the pod IP (OpenClaw's default `loopback` would not), and no hosted model-catalog
 * refresh (it has no env switch; test/openclaw keeps the gateway off the network the same way).
 */
export function seedConfig(): Record<string, unknown> {
  return { gateway: { mode: 'local', port: GATEWAY_PORT, bind: 'lan', auth: { mode: 'token' } }, models: QUIET_CONFIG }
}

/** QUIET_ENV as container env: no update check, telemetry, Bonjour, channels or providers. */
function quietEnv(): Array<{ name: string; value: string }> {
  return Object.entries(QUIET_ENV).map(([name, value]) => ({ name, value }))
}

const RESTRICTED_CONTAINER = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }
const POD_SECURITY = { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } }

function modeAnnotations(mode: SyncMode | undefined): Record<string, string> {
  return mode === undefined ? {} : { [ANNOTATIONS.mode]: mode }
}

/**
 * The chart-shaped Deployment running the real gateway: the image's own command
 * (`tini -- node openclaw.mjs gateway`), a readiness probe on /readyz, the token from the
 * Secret by envFrom. `mode` sets the annotation openclaw.ai/token-sync-mode on the pod template.
 */
export function openclawDeployment(gatewayImage: string, mode?: SyncMode): any {
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
        metadata: { labels: OPENCLAW_LABELS, annotations: modeAnnotations(mode) },
        spec: {
          securityContext: POD_SECURITY,
          terminationGracePeriodSeconds: 10,
          containers: [{
            name: 'main',
            image: gatewayImage,
            imagePullPolicy: 'IfNotPresent',
            env: quietEnv(),
            envFrom: [{ secretRef: { name: TOKEN_SECRET } }],
            ports: [{ name: 'gateway', containerPort: GATEWAY_PORT }],
            readinessProbe: { httpGet: { path: '/readyz', port: 'gateway' }, periodSeconds: 3, timeoutSeconds: 2, failureThreshold: 2 },
            securityContext: RESTRICTED_CONTAINER,
            volumeMounts: [{ name: 'data', mountPath: STATE_DIR }],
          }],
          volumes: [
            { name: 'config', configMap: { name: 'openclaw' } },
            { name: 'data', persistentVolumeClaim: { claimName: 'openclaw' } },
          ],
        },
      },
    },
  }
}

/** The token Secret holding `token`. Send it on stdin (`kubectl apply -f -`), never as an argument. */
export function tokenSecret(token: string): any {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: TOKEN_SECRET }, stringData: { OPENCLAW_GATEWAY_TOKEN: token } }
}

/** The seed ConfigMap `openclaw` (key openclaw.json), which the chart mounts as volume `config`. */
export function seedConfigMap(): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'openclaw' }, data: { 'openclaw.json': JSON.stringify(seedConfig(), null, 2) + '\n' } }
}

/** The state PVC (default storage class) and the seed ConfigMap the Deployment needs besides its Secret. */
export function stateObjects(): any[] {
  return [
    { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'openclaw' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '64Mi' } } } },
    seedConfigMap(),
  ]
}

/** Secret, PVC, ConfigMap and Deployment, in the order they are needed. */
export function openclawObjects(gatewayImage: string, token: string, mode?: SyncMode): any[] {
  return [tokenSecret(token), ...stateObjects(), openclawDeployment(gatewayImage, mode)]
}

/** A pod of the Deployment's template, for a server-side dry run. */
export function probePod(gatewayImage: string, mode?: SyncMode): any {
  const template = openclawDeployment(gatewayImage, mode).spec.template
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'probe', labels: template.metadata.labels, annotations: template.metadata.annotations }, spec: template.spec }
}

export interface IdlePodOptions {
  mode?: SyncMode
  /** Labels besides the OpenClaw ones, e.g. openclaw.ai/token-sync=disabled for a helper pod. */
  labels?: Record<string, string>
  /** Annotations besides the mode's, e.g. openclaw.ai/sync-cpu-request. */
  annotations?: Record<string, string>
  /** Resources of `main`; none by default (a LimitRange may fill them in). */
  resources?: Record<string, unknown>
  /** Mount this PVC at the state dir instead of an emptyDir. */
  claim?: string
  /** Declare the seed ConfigMap's volume `config` as the chart does (seedConfigMap() must exist). */
  seed?: boolean
}

/**
 * An OpenClaw pod (the stand-in image, the OpenClaw labels, token from the Secret by envFrom)
 * whose `main` sleeps under the image's tini, so that deleting it takes no grace period.
 */
export function idlePod(name: string, gatewayImage: string, options: IdlePodOptions = {}): any {
  const main: any = {
    name: 'main',
    image: gatewayImage,
    imagePullPolicy: 'IfNotPresent',
    args: ['sleep', 'infinity'],
    envFrom: [{ secretRef: { name: TOKEN_SECRET, optional: true } }],
    securityContext: RESTRICTED_CONTAINER,
    volumeMounts: [{ name: 'data', mountPath: STATE_DIR }],
  }
  if (options.resources) main.resources = options.resources
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { ...OPENCLAW_LABELS, ...options.labels }, annotations: { ...modeAnnotations(options.mode), ...options.annotations } },
    spec: {
      securityContext: POD_SECURITY,
      terminationGracePeriodSeconds: 2,
      containers: [main],
      volumes: [
        options.claim ? { name: 'data', persistentVolumeClaim: { claimName: options.claim } } : { name: 'data', emptyDir: {} },
        ...(options.seed ? [{ name: 'config', configMap: { name: 'openclaw' } }] : []),
      ],
    },
  }
}

/** The opt-in label as the docs tell a cluster admin to set it. */
export const OPT_IN = `${OPT_LABEL}=enabled`
/** The label that keeps a pod from ever reaching the webhook. */
export const OPT_OUT_LABELS = { [OPT_LABEL]: 'disabled' }
