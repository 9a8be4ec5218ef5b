// Where the init container takes the gateway token (and password) from, so that it and the
// gateway read one source. First that applies: the pod's annotation, the gateway's own env,
// the gateway's envFrom, the default Secret from settings.
import type { V1EnvVar } from '@kubernetes/client-node'
import { parseSecretRef } from '../settings.ts'
import { envEntries, envValue } from './env.ts'
import type { Container, Pod } from './types.ts'
import { copyJson, objectsOf } from './shape.ts'

export interface CredentialKind {
  /** `token` or `password`, for messages. */
  label: 'token' | 'password'
  envName: 'OPENCLAW_GATEWAY_TOKEN' | 'OPENCLAW_GATEWAY_PASSWORD'
  annotation: string
  defaultSecret: string
}

export type CredentialSource =
  | {
      found: true
      /** The env entry for the init container. */
      env: V1EnvVar
      /** Whether the gateway container needs the same entry added to read this source. */
      addToGateway: boolean
      description: string
      warnings: string[]
    }
  | { found: false; warnings: string[]; error?: string }

export function resolveCredential(kind: CredentialKind, pod: Pod, gateway: Container): CredentialSource {
  const { envName, label } = kind
  const annotated = pod.metadata?.annotations?.[kind.annotation]
  const ownEnv = envEntries(gateway).filter((e) => e.name === envName).at(-1)

  if (typeof annotated === 'string') {
    const ref = parseSecretRef(annotated.trim(), envName)
    if (ref === undefined) return { found: false, warnings: [], error: `annotation ${kind.annotation}: ${JSON.stringify(annotated)} is not NAME or NAME/KEY of a Secret` }
    const warnings = ownEnv === undefined ? [] : [`container ${gateway.name} sets ${envName} itself; it is left as it is and the config follows Secret ${ref.name}`]
    return {
      found: true,
      env: { name: envName, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key } } },
      addToGateway: ownEnv === undefined,
      description: `${label} from Secret ${ref.name}, key ${ref.key} (annotation ${kind.annotation})`,
      warnings,
    }
  }

  if (ownEnv !== undefined) {
    if (ownEnv.valueFrom !== undefined && ownEnv.valueFrom !== null) {
      return { found: true, env: copyJson(ownEnv), addToGateway: false, description: `${label} from container ${gateway.name}'s own ${envName} (${describeValueFrom(ownEnv)})`, warnings: [] }
    }
    const value = envValue(gateway, envName)
    if (value?.kind !== 'literal') {
      return { found: false, warnings: [`container ${gateway.name} builds ${envName} from other variables; it is not copied; name a Secret with annotation ${kind.annotation}`] }
    }
    return {
      found: true,
      env: { name: envName, value: value.value },
      addToGateway: false,
      description: `${label} from container ${gateway.name}'s own literal ${envName}`,
      warnings: [`container ${gateway.name} sets ${envName} as a literal value; it belongs in a Secret`],
    }
  }

  const fromEnvFrom = envFromCandidates(gateway, envName)
  const last = fromEnvFrom.at(-1)
  if (last !== undefined) {
    const warnings: string[] = []
    if (fromEnvFrom.length > 1) warnings.push(`container ${gateway.name} has ${fromEnvFrom.length} envFrom Secrets that may hold ${envName}; the last (Secret ${last.name}) is used; name one with annotation ${kind.annotation}`)
    return {
      found: true,
      env: { name: envName, valueFrom: { secretKeyRef: { name: last.name, key: last.key, optional: true } } },
      addToGateway: false,
      description: `${label} from envFrom Secret ${last.name}, key ${last.key}`,
      warnings,
    }
  }

  if (kind.defaultSecret !== '') {
    const ref = parseSecretRef(kind.defaultSecret, envName)
    if (ref !== undefined) {
      return {
        found: true,
        env: { name: envName, valueFrom: { secretKeyRef: { name: ref.name, key: ref.key, optional: true } } },
        addToGateway: true,
        description: `${label} from the default Secret ${ref.name}, key ${ref.key}`,
        warnings: [],
      }
    }
  }
  return { found: false, warnings: [] }
}

interface EnvFromCandidate {
  name: string
  key: string
}

/**
 * envFrom Secrets that can define `envName`: those whose prefix is a prefix of the name.
 * Which of them holds the key is only known at run time; Kubernetes lets the last one win.
 */
function envFromCandidates(container: Container, envName: string): EnvFromCandidate[] {
  const candidates: EnvFromCandidate[] = []
  for (const entry of objectsOf(container.envFrom)) {
    const prefix = typeof entry.prefix === 'string' ? entry.prefix : ''
    if (!envName.startsWith(prefix) || envName.length === prefix.length) continue
    const key = envName.slice(prefix.length)
    if (typeof entry.secretRef?.name === 'string') candidates.push({ name: entry.secretRef.name, key })
  }
  return candidates
}

function describeValueFrom(entry: V1EnvVar): string {
  const from = entry.valueFrom
  if (from?.secretKeyRef) return `Secret ${from.secretKeyRef.name}, key ${from.secretKeyRef.key}`
  if (from?.configMapKeyRef) return `ConfigMap ${from.configMapKeyRef.name}, key ${from.configMapKeyRef.key}`
  if (from?.fieldRef) return `field ${from.fieldRef.fieldPath}`
  return 'valueFrom'
}
