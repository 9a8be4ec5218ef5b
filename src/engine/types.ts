// The engine's input and output. Pods are plain JSON as the API server sends them;
// the client-node types describe their shape and cost nothing at run time.
import type { V1Container, V1Pod } from '@kubernetes/client-node'
import type { Operation } from 'fast-json-patch'

export type Pod = V1Pod
export type Container = V1Container
export type PatchOperation = Operation

export type Action = 'inject' | 'skip'

/**
 * Why, in one stable word: the label of the webhook's metrics and what a script can match on.
 * The sentences in `reasons` name containers and paths and may change wording.
 */
export type DecisionCode =
  | 'injected'
  | 'not-a-pod'
  | 'opted-out'
  | 'windows'
  | 'no-containers'
  | 'already-injected'
  | 'not-openclaw'
  | 'no-gateway'
  | 'config-path-unknown'
  | 'no-state-volume'
  | 'state-read-only'
  | 'bad-annotation'
  | 'legacy-chart-sync'
  | 'name-conflict'
  | 'no-image'
  | 'identity-unknown'
  /** More containers, volumes, env entries or env expansion than the engine examines: src/engine/limits.ts. */
  | 'too-large'

export interface Decision {
  action: Action
  code: DecisionCode
  /** Why this action, in the order the rules were applied; one short sentence each. */
  reasons: string[]
  /** What a person should fix or know; each at most one line. Never contains a secret value. */
  warnings: string[]
}

/** What an injection adds, for `explain` and logs. Names and paths only, never values. */
export interface InjectionSummary {
  gatewayContainer: string
  initContainer: string
  /** Its index among the pod's init containers after injection. */
  initPosition: number
  image: string
  /** Always `resolved in the pod`: the init container's log line names the file it chose, and why. */
  configPath: string
  /** The gateway's writable volume(s), comma-separated: the init container writes through no other (it mounts them all, read-only kept). */
  stateVolume: string
  /** `uid N, gid M`, or the image's USER. */
  runAs: string
  resources: { requests: Record<'cpu' | 'memory', string>; limits: Record<'cpu' | 'memory', string> }
  seed?: { configMap: string; key: string }
  token?: string
  password?: string
  /** `auto`: the script decides between `ref` and `sync` in the pod, from the image's OpenClaw version. */
  mode: 'auto' | 'sync' | 'ref'
  gatewayEnvAdded: string[]
  /** Per other container given nothing: why (another image, or it may read another file than the gateway's). */
  containersLeftAlone: Record<string, string>
  /** Per other container that finds the same config file as the gateway: the env its references need, added. */
  sidecarEnvAdded: Record<string, string[]>
  /** The annotation openclaw.ai/credentials, per accepted entry: where from, which env, the form written. */
  credentials: Array<{ path: string; secret: string; key: string; env: string; form: 'ref' | 'template' }>
  volumesAdded: string[]
}

export interface EngineResult {
  decision: Decision
  /** The pod as the API server should store it; the input itself when nothing changes. */
  pod: Pod
  /** RFC 6902 operations turning the input into `pod`; empty when nothing changes. */
  patch: PatchOperation[]
  summary?: InjectionSummary
}
