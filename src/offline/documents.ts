// Reads Kubernetes manifests (multi-document YAML, or JSON), finds every pod template
// in them and runs the engine on each, as the webhook would at pod creation.
// YAML documents are edited in place with the engine's patch, so comments, key order
// and untouched documents come out as they went in.
import jsonpatch from 'fast-json-patch'
import { isAlias, isMap, isSeq, parseAllDocuments, type Document, type Node } from 'yaml'
import { mutatePod, type EngineResult, type PatchOperation, type Pod } from '../engine/index.ts'
import { createPatch } from '../engine/patch.ts'
import type { EngineSettings } from '../settings.ts'

/** Where each kind keeps its pod template. */
const TEMPLATE_PATHS: Record<string, string[]> = {
  Pod: [],
  PodTemplate: ['template'],
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
}

export class InputError extends Error {
  override name = 'InputError'
}

/**
 * How many alias resolutions a YAML document may take, weighted as the yaml library weighs them
 * (its `maxAliasCount`, default 100 in its own parse()): an "alias bomb" (anchors of lists of
 * aliases of lists ...) expands exponentially, and the library refuses it past this count.
 */
const MAX_ALIAS_COUNT = 100

export interface TemplateResult {
  /** 1-based position of the document in the input. */
  document: number
  kind: string
  name: string
  namespace?: string
  /** JSON pointer of the pod template inside the document ('' for a Pod). */
  path: string
  result: EngineResult
}

export interface ProcessedInput {
  output: string
  templates: TemplateResult[]
}

/** Runs the engine over every pod template. Throws InputError naming the document for bad input; returns nothing half-done. */
export function processManifests(text: string, source: string, settings: EngineSettings): ProcessedInput {
  const trimmed = text.trimStart()
  try {
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) return processJson(text, source, settings)
    return processYaml(text, source, settings)
  } catch (error) {
    // Nesting deeper than the stack (V8's "Maximum call stack size exceeded") in parsing, the
    // engine's copies or printing: no real manifest comes near it.
    if (error instanceof RangeError) throw new InputError(`${source}: nested too deeply to process (${error.message})`)
    throw error
  }
}

function processJson(text: string, source: string, settings: EngineSettings): ProcessedInput {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new InputError(`${source}: not valid JSON: ${(error as Error).message}`)
  }
  const documents = Array.isArray(parsed) ? parsed : [parsed]
  const templates: TemplateResult[] = []
  documents.forEach((doc, index) => {
    for (const found of visit(doc, index + 1, source, '', settings)) {
      templates.push(found)
      jsonpatch.applyPatch(doc, found.result.patch.map((op) => ({ ...op, path: found.path + op.path })), true)
    }
  })
  return { output: JSON.stringify(parsed, null, 2) + '\n', templates }
}

function processYaml(text: string, source: string, settings: EngineSettings): ProcessedInput {
  const documents = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: false })
  if (!Array.isArray(documents)) throw new InputError(`${source}: not a YAML stream`)
  const templates: TemplateResult[] = []
  let output = ''
  let end = 0
  documents.forEach((doc, index) => {
    const number = index + 1
    const error = doc.errors[0]
    if (error !== undefined) throw new InputError(`${source}: document ${number}: not valid YAML: ${error.message.split('\n')[0]}`)
    // From the end of the previous document: its separator and leading comments come along.
    const original = text.slice(end, doc.range[2])
    end = doc.range[2]
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (error) {
      // The yaml library's refusals of an alias: past MAX_ALIAS_COUNT, or with no anchor before it.
      if (error instanceof ReferenceError) throw new InputError(`${source}: document ${number}: YAML aliases: ${error.message} (at most ${MAX_ALIAS_COUNT} expansions)`)
      throw error
    }
    const found = doc.contents === null ? [] : visit(value, number, source, '', settings)
    for (const template of found) {
      templates.push(template)
      applyToDocument(doc, template.path, template.result.patch)
    }
    if (!found.some((t) => t.result.patch.length > 0)) output += original
    else output += (output === '' || output.endsWith('\n') ? '' : '\n') + doc.toString({ lineWidth: 0 })
  })
  return { output: output + text.slice(end), templates }
}

function visit(doc: unknown, number: number, source: string, path: string, settings: EngineSettings): TemplateResult[] {
  if (doc === null || doc === undefined) return []
  const where = `${source}: document ${number}`
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new InputError(`${where}: expected a Kubernetes object, got ${Array.isArray(doc) ? 'a list' : typeof doc}`)
  const object = doc as Record<string, unknown>
  const kind = object.kind
  if (typeof kind !== 'string' || kind === '') throw new InputError(`${where}${path ? ` at ${path}` : ''}: no kind`)
  if (typeof object.apiVersion !== 'string' || object.apiVersion === '') throw new InputError(`${where}${path ? ` at ${path}` : ''}: ${kind} has no apiVersion`)
  const metadata = (object.metadata ?? {}) as { name?: string; namespace?: string; generateName?: string }
  const name = metadata.name ?? metadata.generateName ?? '(unnamed)'
  const label = `${where} (${kind} ${name})`

  if (kind.endsWith('List') && Array.isArray(object.items)) {
    return object.items.flatMap((item, i) => visit(item, number, source, `${path}/items/${i}`, settings))
  }
  const templatePath = TEMPLATE_PATHS[kind]
  if (templatePath === undefined) return []
  let template: unknown = object
  for (const key of templatePath) template = (template as Record<string, unknown> | undefined)?.[key]
  if (template === null || typeof template !== 'object') throw new InputError(`${label}: has no pod template at ${templatePath.join('.')}`)
  const { metadata: templateMetadata, spec } = template as { metadata?: unknown; spec?: { containers?: unknown } }
  if (!Array.isArray(spec?.containers) || spec.containers.length === 0) throw new InputError(`${label}: the pod has no containers`)
  // `metadata:` with no value is YAML null: as good as absent.
  const metadataMissing = templateMetadata === undefined || templateMetadata === null
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: metadataMissing ? {} : templateMetadata, spec } as Pod
  const result = kind === 'StatefulSet' ? mutateStatefulSetTemplate(object, pod, settings) : mutatePod(pod, settings)
  const pointer = path + templatePath.map((key) => `/${key}`).join('')
  return [{ document: number, kind, name, namespace: metadata.namespace, path: pointer, result: withTemplatePatch(result, metadataMissing) }]
}

/**
 * A StatefulSet's pods carry a volume per volumeClaimTemplate that the template itself does not
 * declare: the controller adds `{name: <claim>, persistentVolumeClaim: {claimName:
 * <claim>-<set>-<ordinal>}}` and drops a template volume of the same name
 * (pkg/controller/statefulset/stateful_set_utils.go, updateStorage). The engine decides on that
 * pod, as the webhook does when the controller creates it; the template's patch is the same
 * change without the controller's volumes.
 */
function mutateStatefulSetTemplate(set: Record<string, unknown>, template: Pod, settings: EngineSettings): EngineResult {
  const spec = (set.spec ?? {}) as { volumeClaimTemplates?: unknown }
  const setName = typeof (set.metadata as { name?: unknown } | undefined)?.name === 'string' ? (set.metadata as { name: string }).name : 'statefulset'
  const claims = (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : [])
    .map((claim) => (claim as { metadata?: { name?: unknown } } | null)?.metadata?.name)
    .filter((name): name is string => typeof name === 'string' && name !== '')
  if (claims.length === 0) return mutatePod(template, settings)
  const claimNames = new Set(claims)
  const templateVolumes = Array.isArray(template.spec?.volumes) ? template.spec.volumes : []
  const controllerVolumes = [
    ...claims.map((name) => ({ name, persistentVolumeClaim: { claimName: `${name}-${setName}-0` } })),
    ...templateVolumes.filter((v) => !claimNames.has(v?.name)),
  ]
  const controllerPod = { ...template, spec: { ...template.spec, volumes: controllerVolumes } } as Pod
  const result = mutatePod(controllerPod, settings)
  if (result.patch.length === 0) return { ...result, pod: template }
  const added = (result.pod.spec?.volumes ?? []).filter((v) => !controllerVolumes.some((c) => c.name === v.name))
  const mutatedSpec = { ...result.pod.spec } as NonNullable<Pod['spec']>
  if (template.spec?.volumes !== undefined || added.length > 0) mutatedSpec.volumes = [...templateVolumes, ...added]
  else delete mutatedSpec.volumes
  const mutated = { ...result.pod, spec: mutatedSpec }
  return { ...result, pod: mutated, patch: createPatch(template, mutated) }
}

/**
 * The engine patches a Pod; a template shares its `metadata` and `spec` keys, and
 * only those. A template without metadata (or with `metadata: null`) gets it whole.
 */
function withTemplatePatch(result: EngineResult, metadataMissing: boolean): EngineResult {
  if (!metadataMissing) return result
  const patch = result.patch.filter((op) => !op.path.startsWith('/metadata/'))
  if (patch.length !== result.patch.length) patch.unshift({ op: 'add', path: '/metadata', value: result.pod.metadata })
  return { ...result, patch }
}

function tokens(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/**
 * The child node at `token`. An alias on the way is replaced by a copy of what it names,
 * so that the edit lands in this place only and never in the anchored original.
 */
function ownChild(doc: Document, parent: unknown, token: string): unknown {
  const key = isSeq(parent) ? Number(token) : token
  const child = isSeq(parent) ? parent.items[key as number] : isMap(parent) ? parent.get(token, true) : undefined
  if (!isAlias(child)) return child
  const copy = (child.resolve(doc) as (Node & { anchor?: string }) | undefined)?.clone() as (Node & { anchor?: string }) | undefined
  if (copy === undefined) return undefined
  delete copy.anchor
  if (isSeq(parent)) parent.items[key as number] = copy
  else if (isMap(parent)) parent.set(token, copy)
  return copy
}

function applyToDocument(doc: Document, base: string, patch: PatchOperation[]): void {
  for (const op of patch) {
    const path = [...tokens(base), ...tokens(op.path)]
    const key = path.pop() as string
    let parent: unknown = doc.contents
    for (const token of path) parent = ownChild(doc, parent, token)
    const value = doc.createNode((op as { value?: unknown }).value) as Node
    if (isSeq(parent)) {
      if (op.op === 'add') parent.items.splice(Number(key), 0, value)
      else if (op.op === 'replace') parent.items[Number(key)] = value
      else throw new Error(`unexpected patch operation ${op.op}`)
    } else if (isMap(parent) && (op.op === 'add' || op.op === 'replace')) {
      parent.set(key, value)
    } else {
      throw new Error(`cannot apply ${op.op} at ${op.path}`)
    }
  }
}
