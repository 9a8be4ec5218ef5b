// Keeps the pod's literal values out of log lines. The engine's reasons and warnings
// are meant to name things, never to quote values; this is the second line of defence:
// every literal a pod can carry a credential in (env values, command, args, annotation
// values) is collected, and any occurrence in a text bound for the log is replaced.
// Walks only the fixed places where such literals live, never the whole object, so a
// hostile body (deep nesting, huge arrays) costs no more than it must.
// Left out, because they are names and paths the engine legitimately reports: values
// of our own openclaw.ai/ annotations that are valid object names, absolute paths, and
// short plain words.
import { parseSecretRef } from '../settings.ts'

export const REDACTED = '[redacted]'
/** Shorter literals are too likely to be ordinary words or numbers to be worth hiding. */
const MIN_LENGTH = 8
/** Bounds the work a pod with thousands of env entries can cause. */
const MAX_LITERALS = 2048
/** Longer values (a last-applied-configuration, a script) are hidden whole, not word by word. */
const MAX_SPLIT_LENGTH = 4096
const OWN_ANNOTATION_PREFIX = 'openclaw.ai/'
const ABSOLUTE_PATH = /^\/[\w.\/-]*$/
const PLAIN_WORD = /^[A-Za-z-]+$/

/**
 * Whether a literal is worth hiding: long enough, not an absolute path (the engine
 * reports paths), and not a plain short word such as a subcommand (`gateway`), which
 * the engine's own sentences contain. Credentials are long or carry digits or symbols.
 */
function worthHiding(value: string): boolean {
  if (value.length < MIN_LENGTH) return false
  if (ABSOLUTE_PATH.test(value)) return false
  return value.length >= 16 || !PLAIN_WORD.test(value)
}

export type Literals = readonly string[]

/** The literal strings of a pod (as sent in an AdmissionReview) that could be secrets, longest first. */
export function sensitiveLiterals(pod: unknown): Literals {
  const found = new Set<string>()
  const add = (value: unknown) => {
    if (typeof value !== 'string' || found.size >= MAX_LITERALS) return
    if (worthHiding(value)) found.add(value)
    // `--token=abc...`, `TOKEN: abc...`, `a b c`: the parts can be secrets on their own.
    if (value.length > MIN_LENGTH && value.length <= MAX_SPLIT_LENGTH) {
      for (const part of value.split(/[\s=:,;'"]+/)) {
        if (found.size >= MAX_LITERALS) return
        if (part !== value && worthHiding(part)) found.add(part)
      }
    }
  }
  const metadata = field(pod, 'metadata')
  forEachEntry(field(metadata, 'annotations'), (key, value) => {
    if (key.startsWith(OWN_ANNOTATION_PREFIX) && typeof value === 'string' && parseSecretRef(value, 'key') !== undefined) return
    add(value)
  })
  const spec = field(pod, 'spec')
  for (const list of ['initContainers', 'containers', 'ephemeralContainers']) {
    forEachItem(field(spec, list), (container) => {
      forEachItem(field(container, 'env'), (env) => add(field(env, 'value')))
      forEachItem(field(container, 'command'), add)
      forEachItem(field(container, 'args'), add)
    })
  }
  return [...found].sort((a, b) => b.length - a.length)
}

/** `text` with every occurrence of a literal replaced by REDACTED. */
export function scrub(text: string, literals: Literals): string {
  let out = text
  for (const literal of literals) {
    if (literal.length <= out.length && out.includes(literal)) out = out.split(literal).join(REDACTED)
  }
  return out
}

export function scrubAll(texts: readonly string[], literals: Literals): string[] {
  return texts.map((text) => scrub(String(text), literals))
}

function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined
}

function forEachItem(list: unknown, fn: (item: unknown) => void): void {
  if (!Array.isArray(list)) return
  const n = Math.min(list.length, MAX_LITERALS)
  for (let i = 0; i < n; i++) fn(list[i])
}

function forEachEntry(map: unknown, fn: (key: string, value: unknown) => void): void {
  if (typeof map !== 'object' || map === null || Array.isArray(map)) return
  let n = 0
  for (const key in map) {
    if (!Object.hasOwn(map, key)) continue
    fn(key, (map as Record<string, unknown>)[key])
    if (++n >= MAX_LITERALS) return
  }
}
