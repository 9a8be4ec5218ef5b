// Reads the pieces of the webhook's CEL matchCondition that tests compare with the engine.

/** Decodes a single-quoted CEL string literal body (only the escapes a regex here needs). */
function unquote(body: string): string {
  return body.replace(/\\(['\\])/g, '$1')
}

/** The regular expression of the `c.image.matches('...')` call. */
export function celImageRegex(expression: string): string {
  const match = /\.image\.matches\('((?:[^'\\]|\\.)*)'\)/.exec(expression)
  if (match === null) throw new Error('no c.image.matches(\'...\') in the expression')
  return unquote(match[1]!)
}

/** The string list literal that follows `prefix`: `prefix ['a', 'b']` -> ['a', 'b']. */
export function celStringList(expression: string, prefix: string): string[] {
  const at = expression.indexOf(prefix)
  if (at === -1) throw new Error(`no ${prefix} in the expression`)
  const rest = expression.slice(at + prefix.length)
  const list = /^\s*\[([^\]]*)\]/.exec(rest)
  if (list === null) throw new Error(`no list literal after ${prefix}`)
  return [...list[1]!.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => unquote(m[1]!))
}
