// Checks on the parsed document before any edit: its shape and $include, and numbers JSON cannot hold.
import { hasOwn, isObject, untouched } from './common.mjs'

export function parseConfig(file, text, parse) {
  let doc
  try { doc = parse(text) } catch (e) {
    throw untouched(file, `not valid JSON5${e && e.lineNumber ? ` (line ${e.lineNumber}, column ${e.columnNumber})` : ''}`)
  }
  if (!isObject(doc)) throw untouched(file, 'the top level is not an object')
  // What $include pulls in lives in another file, which could override or contradict an edit here.
  const included = (what) => untouched(file, `${what} from $include, which this script does not edit`)
  const gateway = doc.gateway
  if (gateway === undefined) {
    if (hasOwn(doc, '$include')) throw included('the gateway section may come')
    return doc
  }
  if (!isObject(gateway)) throw untouched(file, 'gateway is not an object')
  if (hasOwn(gateway, '$include')) throw included('gateway comes')
  for (const section of ['auth', 'remote']) {
    const s = gateway[section]
    if (s === undefined) continue
    if (!isObject(s)) throw untouched(file, `gateway.${section} is not an object`)
    if (hasOwn(s, '$include')) throw included(`gateway.${section} comes`)
    for (const k of ['token', 'password']) if (isObject(s[k]) && hasOwn(s[k], '$include')) throw included(`gateway.${section}.${k} comes`)
  }
  return doc
}

// Where doc holds a number JSON cannot hold (Infinity, -Infinity or NaN, which JSON5 allows and
// JSON.stringify writes as null): { at: a path such as agents.list[2].limit, value }, or null.
// Depth first without recursion, and without building a path for every value on the way.
export function nonFiniteNumber(doc) {
  const open = (value) => ({ value, keys: Array.isArray(value) ? null : Object.keys(value), next: 0 })
  const stack = [open(doc)]
  while (stack.length) {
    const top = stack[stack.length - 1]
    if (top.next >= (top.keys ? top.keys.length : top.value.length)) { stack.pop(); continue }
    const v = top.value[top.keys ? top.keys[top.next] : top.next]
    top.next++
    if (typeof v === 'number' && !Number.isFinite(v)) {
      const at = stack.map((f) => (f.keys ? `.${f.keys[f.next - 1]}` : `[${f.next - 1}]`)).join('').replace(/^\./, '')
      return { at, value: v }
    }
    if (typeof v === 'object' && v !== null) stack.push(open(v))
  }
  return null
}
