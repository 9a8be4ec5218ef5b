// Renders manifests/ with a real kustomize, found or built once:
//   1. $KUSTOMIZE_BIN
//   2. kustomize in the project cache (${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-~/.cache}/openclaw-injector}/bin)
//   3. kustomize on PATH
//   4. `kubectl kustomize` when a kubectl is on PATH
//   5. otherwise built from the Go module proxy into the cache (`go install`, under nice; a
//      minute or two the first time), so a machine with Go alone can run these tests.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'

/** Pinned; v5.8.2 and later need Go 1.27. */
export const KUSTOMIZE_MODULE = 'sigs.k8s.io/kustomize/kustomize/v5@v5.8.1'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const MANIFESTS = path.join(ROOT, 'manifests')

export interface Kustomize {
  command: string
  args: string[]
  description: string
}

let found: Kustomize | undefined

function cacheBin(): string {
  const cache = process.env.OPENCLAW_INJECTOR_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'openclaw-injector')
  return path.join(cache, 'bin')
}

function works(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 })
  return r.status === 0
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name)
    if (dir !== '' && existsSync(candidate)) return candidate
  }
  return undefined
}

export function kustomize(): Kustomize {
  if (found !== undefined) return found
  const env = process.env.KUSTOMIZE_BIN
  if (env) return (found = { command: env, args: ['build'], description: `$KUSTOMIZE_BIN (${env})` })
  const cached = path.join(cacheBin(), 'kustomize')
  if (existsSync(cached) && works(cached, ['version'])) return (found = { command: cached, args: ['build'], description: cached })
  const plain = onPath('kustomize')
  if (plain !== undefined && works(plain, ['version'])) return (found = { command: plain, args: ['build'], description: plain })
  const kubectl = onPath('kubectl')
  if (kubectl !== undefined && works(kubectl, ['kustomize', '--help'])) return (found = { command: kubectl, args: ['kustomize'], description: `${kubectl} kustomize` })
  const go = onPath('go')
  if (go === undefined) throw new Error('no kustomize: set KUSTOMIZE_BIN, put kustomize or kubectl on PATH, or install Go so the tests can build kustomize')
  mkdirSync(cacheBin(), { recursive: true })
  process.stderr.write(`# building ${KUSTOMIZE_MODULE} into ${cacheBin()} (once)\n`)
  const nice = onPath('nice')
  const [cmd, args] = nice ? [nice, ['-n', '10', go, 'install', KUSTOMIZE_MODULE]] : [go, ['install', KUSTOMIZE_MODULE]]
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, GOBIN: cacheBin(), GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' }, timeout: 15 * 60_000 })
  if (r.status !== 0) throw new Error(`go install ${KUSTOMIZE_MODULE} failed:\n${r.stderr}`)
  return (found = { command: cached, args: ['build'], description: `${cached} (built just now)` })
}

/** The rendered objects of a kustomization directory (relative to manifests/). */
export function render(dir: string): any[] {
  const k = kustomize()
  const text = execFileSync(k.command, [...k.args, path.join(MANIFESTS, dir)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
  return parseYaml(text, `${k.description} ${dir}`)
}

/**
 * manifests/ with components of manifests/components/ applied, as an overlay of one's own
 * would: a temporary kustomization listing `resources: [manifests]` and the components, by
 * relative path (kustomize refuses absolute ones). `components` are directory names.
 */
export function renderWithComponents(components: string[]): any[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oi-overlay-'))
  try {
    const rel = (p: string) => path.relative(dir, p)
    const kustomization = [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${JSON.stringify(rel(MANIFESTS))}]`,
      `components: [${components.map((c) => JSON.stringify(rel(path.join(MANIFESTS, 'components', c)))).join(', ')}]`,
    ].join('\n')
    writeFileSync(path.join(dir, 'kustomization.yaml'), kustomization + '\n')
    const k = kustomize()
    const text = execFileSync(k.command, [...k.args, dir], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 })
    return parseYaml(text, `${k.description} manifests + components ${components.join(', ')}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every document of a YAML text, as plain objects; throws on any parse error or warning. */
export function parseYaml(text: string, where: string): any[] {
  const docs = parseAllDocuments(text, { prettyErrors: true, strict: true, uniqueKeys: true })
  const out: any[] = []
  for (const doc of docs) {
    const problems = [...doc.errors, ...doc.warnings]
    if (problems.length > 0) throw new Error(`${where}: ${problems.map((p) => p.message).join('; ')}`)
    const value = doc.toJS()
    if (value !== null && value !== undefined) out.push(value)
  }
  return out
}

/** The single object of this kind (and name, when given); throws when there is not exactly one. */
export function one(objects: any[], kind: string, name?: string): any {
  const matches = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name))
  if (matches.length !== 1) throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${matches.length}`)
  return matches[0]
}

/** Plural resource names for the kinds in manifests/ (for API paths). */
export const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  Service: 'services',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  PodDisruptionBudget: 'poddisruptionbudgets',
  NetworkPolicy: 'networkpolicies',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
  Job: 'jobs',
  CronJob: 'cronjobs',
  Issuer: 'issuers',
  Certificate: 'certificates',
  ValidatingAdmissionPolicy: 'validatingadmissionpolicies',
  ValidatingAdmissionPolicyBinding: 'validatingadmissionpolicybindings',
}

/** The API collection path for an object: /api/v1/namespaces/NS/services, /apis/GROUP/VERSION/clusterroles, ... */
export function collectionPath(obj: any): string {
  const plural = PLURALS[obj.kind]
  if (plural === undefined) throw new Error(`no plural known for kind ${obj.kind}`)
  const [group, version] = String(obj.apiVersion).includes('/') ? String(obj.apiVersion).split('/') : ['', obj.apiVersion]
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`
  return obj.metadata?.namespace ? `${base}/namespaces/${obj.metadata.namespace}/${plural}` : `${base}/${plural}`
}
