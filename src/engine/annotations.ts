// The pod annotations openclaw-injector reads and writes. One prefix, one place.
export const ANNOTATIONS = {
  /** `enabled` forces injection of a pod the rules would not pick; `disabled` always skips. */
  tokenSync: 'openclaw.ai/token-sync',
  gatewayContainer: 'openclaw.ai/gateway-container',
  seedConfigMap: 'openclaw.ai/seed-configmap',
  tokenSecret: 'openclaw.ai/gateway-token-secret',
  passwordSecret: 'openclaw.ai/gateway-password-secret',
  syncImage: 'openclaw.ai/sync-image',
  /** `auto`, `sync` or `ref`: how the gateway credentials are kept in openclaw.json. */
  mode: 'openclaw.ai/token-sync-mode',
  /** `keep` leaves a pod carrying the Helm chart's own token sync as it is; `replace` swaps it. */
  legacy: 'openclaw.ai/legacy',
  /** `CONFIG.PATH=SECRET[/KEY]` entries, separated by commas or newlines: config-credentials.ts. */
  credentials: 'openclaw.ai/credentials',
  /** `first` or `last` (the default): where the injected init container goes among the pod's own. */
  initPosition: 'openclaw.ai/init-position',
  /** Kubernetes quantities overriding the injected container's requests and limits. */
  syncCpuRequest: 'openclaw.ai/sync-cpu-request',
  syncCpuLimit: 'openclaw.ai/sync-cpu-limit',
  syncMemoryRequest: 'openclaw.ai/sync-memory-request',
  syncMemoryLimit: 'openclaw.ai/sync-memory-limit',
  /** Written by the engine. */
  status: 'openclaw.ai/token-sync-status',
  /** Written by the engine: the openclaw-injector version that injected the pod. */
  version: 'openclaw.ai/token-sync-version',
} as const

/** The label namespaces and pods use to opt in and out (selectors in the MutatingWebhookConfiguration). */
export const OPT_LABEL = 'openclaw.ai/token-sync'
export const APP_NAME_LABEL = 'app.kubernetes.io/name'
