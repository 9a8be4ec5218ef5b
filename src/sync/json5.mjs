// Reading JSON5: OpenClaw's own json5, loaded from the image's app directory by absolute path only,
// or the built-in reader (left out of the forms for OpenClaw images, OPENCLAW_INJECTOR_IMAGE_JSON5).
import { hasOwn, isObject, log } from './common.mjs'
import { fs, path } from './node.mjs'

// OpenClaw's own json5 (in the image's app dir) when present, else the built-in reader below (or,
// in the form without it, JSON.parse, which refuses a file with JSON5 syntax as not valid).
export function loadParser(dir) {
  try {
    const mod = require(json5Entry(dir))
    const parse = mod && (mod.parse || (mod.default && mod.default.parse))
    if (typeof parse === 'function') return (text) => parse(text)
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND' || typeof OPENCLAW_INJECTOR_IMAGE_JSON5 !== 'undefined') {
      log(`cannot load json5 from ${dir} (${e.code || e.name}); ${typeof OPENCLAW_INJECTOR_IMAGE_JSON5 === 'undefined' ? 'using the built-in reader' : 'reading plain JSON only'}`)
    }
  }
  return typeof OPENCLAW_INJECTOR_IMAGE_JSON5 === 'undefined' ? parseJson5 : JSON.parse
}

// The absolute path of the file that is json5 in the app directory dir: <dir>/node_modules/json5
// (through links inside dir, as pnpm makes them), its entry read from its package.json here: the
// first of the require, node and default conditions of exports["."], else main, else index.js,
// the exact file named (as json5's releases name it). Node's own lookup of require('json5') would
// also search every parent's node_modules, $HOME/.node_modules, $HOME/.node_libraries and
// NODE_PATH, where a module planted on the volume or named in the pod's env would run; nothing
// outside dir is ever loaded from here.
// Throws an error with code MODULE_NOT_FOUND when dir has no json5, OUTSIDE_APP_DIR when its
// package or entry resolves outside dir, or the file system's error.
export function json5Entry(dir) {
  const real = (p) => {
    try { return fs.realpathSync(p) } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw Object.assign(new Error(`no ${p}`), { code: 'MODULE_NOT_FOUND' })
      throw e
    }
  }
  const within = (p, d) => p === d || p.startsWith(d.endsWith(path.sep) ? d : d + path.sep)
  const outside = (what) => Object.assign(new Error(`${what} resolves outside ${dir}`), { code: 'OUTSIDE_APP_DIR' })
  const app = real(path.resolve(dir))
  const pkgDir = real(path.join(app, 'node_modules', 'json5'))
  if (!within(pkgDir, app)) throw outside('node_modules/json5')
  let pkg = {}
  try { pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) } catch (e) { if (e.code !== 'ENOENT') throw e }
  let entry = isObject(pkg.exports) && hasOwn(pkg.exports, '.') ? pkg.exports['.'] : pkg.exports
  for (let n = 0; n < 8 && (isObject(entry) || Array.isArray(entry)); n++) {
    entry = Array.isArray(entry) ? entry[0] : entry[Object.keys(entry).find((k) => ['require', 'node', 'default'].includes(k))]
  }
  if (typeof entry !== 'string') entry = typeof pkg.main === 'string' && pkg.main ? pkg.main : 'index.js'
  const file = real(path.resolve(pkgDir, entry))
  if (!within(file, pkgDir)) throw outside(`json5's entry ${entry}`)
  return file
}

// JSON5 reader (spec.json5.org): comments, trailing commas, identifier keys, single quotes, hex,
// +/-Infinity, NaN, .5 and 5., escapes, line continuations. Errors carry line and column only,
// never the text, which may hold a secret. Left out of the forms for OpenClaw images (OPENCLAW_INJECTOR_IMAGE_JSON5).
export function parseJson5(text) {
  let i = 0
  // ES5.1 identifier classes, as JSON5 (and OpenClaw's json5) define them; each \\u escape must
  // be such a character on its own.
  const ID_START = /[\p{L}\p{Nl}$_]/u
  const ID_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}$\u200c\u200d]/u
  // Deeper than any real config; a clear refusal instead of a stack overflow.
  const MAX_DEPTH = 1000
  let depth = 0
  const NUMBER = /0[xX][0-9a-fA-F]+|(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y
  const SPACE = /[\t\n\v\f\r \u00a0\u2028\u2029\ufeff\p{Zs}]/u
  const ESCAPES = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '', '\u2028': '', '\u2029': '' }
  const fail = (what) => {
    const lines = text.slice(0, i).split(/\r\n|[\n\r\u2028\u2029]/)
    throw Object.assign(new SyntaxError(what), { lineNumber: lines.length, columnNumber: lines[lines.length - 1].length + 1 })
  }
  const skip = () => {
    for (;;) {
      const c = text[i]
      if (c === '/' && text[i + 1] === '/') while (i < text.length && !'\n\r\u2028\u2029'.includes(text[i])) i++
      else if (c === '/' && text[i + 1] === '*') {
        const end = text.indexOf('*/', i + 2)
        if (end < 0) fail('unterminated comment')
        i = end + 2
      } else if (c === ' ' || c === '\n' || (c !== undefined && SPACE.test(c))) i++
      else return
    }
  }
  const hex = (n) => {
    const h = text.slice(i, i + n)
    if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== n) fail('bad escape')
    i += n
    return String.fromCharCode(parseInt(h, 16))
  }
  const string = () => {
    const quote = text[i++]
    let out = ''
    for (let from = i; ;) {
      const c = text[i]
      if (c === undefined || c === '\n' || c === '\r') fail('unterminated string')
      if (c === quote) return out + text.slice(from, i++)
      if (c !== '\\') { i++; continue }
      out += text.slice(from, i)
      const e = text[i + 1]
      i += 2
      if (e === undefined || /[1-9]/.test(e) || (e === '0' && /[0-9]/.test(text[i] || ''))) fail('bad escape')
      else if (e === 'x' || e === 'u') out += hex(e === 'x' ? 2 : 4)
      else if (e === '0') out += '\0'
      else if (e === '\r') { if (text[i] === '\n') i++ }
      else out += hasOwn(ESCAPES, e) ? ESCAPES[e] : e
      from = i
    }
  }
  const number = () => {
    const sign = text[i] === '-' ? -1 : 1
    if (text[i] === '+' || text[i] === '-') i++
    if (text.startsWith('Infinity', i)) { i += 8; return sign * Infinity }
    if (text.startsWith('NaN', i)) { i += 3; return NaN }
    NUMBER.lastIndex = i
    const m = NUMBER.exec(text) || fail('bad number')
    i += m[0].length
    return sign * Number(m[0])
  }
  const key = () => {
    if (text[i] === '"' || text[i] === "'") return string()
    let name = ''
    for (;;) {
      const at = i
      const escaped = text[i] === '\\'
      let c
      if (escaped) {
        if (text[i + 1] !== 'u') fail('bad property name')
        i += 2
        c = hex(4)
      } else {
        const code = text.codePointAt(i)
        if (code === undefined) break
        c = String.fromCodePoint(code)
      }
      if (!(name === '' ? ID_START : ID_PART).test(c)) {
        i = at
        if (escaped) fail('bad property name')
        break
      }
      if (!escaped) i += c.length
      name += c
    }
    if (name === '') fail('expected a property name')
    return name
  }
  // Objects and arrays: items separated by commas, optionally one trailing comma.
  const list = (close, item) => {
    i++
    skip()
    while (text[i] !== close) {
      item()
      skip()
      if (text[i] === ',') { i++; skip() } else if (text[i] !== close) fail(`expected ',' or '${close}'`)
    }
    i++
  }
  const value = () => {
    skip()
    const c = text[i]
    if ((c === '{' || c === '[') && ++depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`)
    if (c === '{') {
      const obj = {}
      list('}', () => {
        const k = key()
        skip()
        if (text[i] !== ':') fail("expected ':'")
        i++
        // Like JSON.parse: a "__proto__" key becomes an ordinary property.
        Object.defineProperty(obj, k, { value: value(), enumerable: true, writable: true, configurable: true })
      })
      depth--
      return obj
    }
    if (c === '[') { const arr = []; list(']', () => arr.push(value())); depth--; return arr }
    if (c === '"' || c === "'") return string()
    for (const [word, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(word, i)) { i += word.length; return v }
    }
    if (c !== undefined && /[-+.0-9IN]/.test(c)) return number()
    return fail(c === undefined ? 'unexpected end of input' : 'unexpected character')
  }
  const result = value()
  skip()
  if (i < text.length) fail('unexpected content after the value')
  return result
}
