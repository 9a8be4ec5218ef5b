// AdmissionReview bodies for tests, around the chart's pod.
import { randomUUID } from 'node:crypto'
import type { Pod } from '../../../src/engine/types.ts'

export interface ReviewOptions {
  apiVersion?: string
  uid?: string
  operation?: string
  kind?: { group: string; version: string; kind: string }
  dryRun?: boolean
  subResource?: string
  namespace?: string
}

export function review(object: unknown, options: ReviewOptions = {}): any {
  const pod = object as Pod | null
  return {
    apiVersion: options.apiVersion ?? 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: options.uid ?? randomUUID(),
      kind: options.kind ?? { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      ...(options.subResource === undefined ? {} : { subResource: options.subResource }),
      namespace: options.namespace ?? pod?.metadata?.namespace ?? 'agents',
      operation: options.operation ?? 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object,
      oldObject: null,
      dryRun: options.dryRun ?? false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  }
}

export function decodePatch(response: { patch?: string }): any[] {
  if (response.patch === undefined) return []
  return JSON.parse(Buffer.from(response.patch, 'base64').toString('utf8'))
}
