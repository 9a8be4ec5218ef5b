// A small Dockerfile reader, enough for the project's own Dockerfile: parser directives and
// comments, line continuations (with comment lines inside them), global ARGs with
// defaults, stages, flags (--from, --mount, --chown), JSON and shell forms, ENV pairs.
// Also a .dockerignore matcher (last matching pattern wins, `!` re-includes).

export interface Instruction {
  keyword: string
  /** --name=value flags before the arguments. */
  flags: Record<string, string>
  /** The arguments as written, flags removed. */
  text: string
  /** The arguments of the JSON (exec) form, when used. */
  json?: string[]
  line: number
}

export interface Stage {
  image: string
  name?: string
  instructions: Instruction[]
}

export interface Dockerfile {
  args: Record<string, string>
  stages: Stage[]
}

export function parseDockerfile(text: string): Dockerfile {
  const logical: { text: string; line: number }[] = []
  let current: { text: string; line: number } | undefined
  text.split('\n').forEach((raw, index) => {
    const trimmed = raw.trim()
    if (trimmed.startsWith('#') || (trimmed === '' && current === undefined)) return
    if (current === undefined) current = { text: '', line: index + 1 }
    if (trimmed.endsWith('\\')) {
      current.text += trimmed.slice(0, -1) + ' '
      return
    }
    current.text += trimmed
    logical.push(current)
    current = undefined
  })
  if (current !== undefined) throw new Error(`line ${current.line}: a continuation runs off the end of the file`)

  const args: Record<string, string> = {}
  const stages: Stage[] = []
  for (const { text: lineText, line } of logical) {
    const match = /^(\S+)\s*([\s\S]*)$/.exec(lineText)!
    const keyword = match[1]!.toUpperCase()
    let rest = match[2]!.trim()
    const flags: Record<string, string> = {}
    while (/^--[\w-]+(=\S*)?(\s|$)/.test(rest)) {
      const flag = /^--([\w-]+)(?:=(\S*))?\s*/.exec(rest)!
      flags[flag[1]!] = flag[2] ?? ''
      rest = rest.slice(flag[0].length)
    }
    const instruction: Instruction = { keyword, flags, text: rest, line }
    if (rest.startsWith('[')) {
      try {
        instruction.json = JSON.parse(rest) as string[]
      } catch {
        /* shell form that happens to start with [ */
      }
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(substitute(rest, args, line))
      if (from === null) throw new Error(`line ${line}: cannot read FROM ${rest}`)
      stages.push({ image: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] })
      continue
    }
    if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`line ${line}: ${keyword} before the first FROM`)
      const arg = /^([\w]+)(?:=(.*))?$/.exec(rest)
      if (arg === null) throw new Error(`line ${line}: cannot read ARG ${rest}`)
      args[arg[1]!] = unquote(arg[2] ?? '')
      continue
    }
    stages.at(-1)!.instructions.push(instruction)
  }
  return { args, stages }
}

function substitute(text: string, args: Record<string, string>, line: number): string {
  return text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => {
    const name = (a ?? b)!
    if (!(name in args)) throw new Error(`line ${line}: ${name} is not a global ARG`)
    return args[name]!
  })
}

function unquote(value: string): string {
  return /^".*"$|^'.*'$/.test(value) ? value.slice(1, -1) : value
}

/** ENV a=b c="d e" -> { a: 'b', c: 'd e' } (the key=value form only). */
export function envPairs(instruction: Instruction): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of instruction.text.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) out[m[1]!] = unquote(m[2]!)
  return out
}

/** COPY/ADD sources and destination. */
export function copyArgs(instruction: Instruction): { sources: string[]; dest: string } {
  const parts = instruction.json ?? instruction.text.split(/\s+/)
  if (parts.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a destination`)
  return { sources: parts.slice(0, -1), dest: parts.at(-1)! }
}

/** Splits a shell-form RUN into its `&&`-joined commands, each as words. */
export function runCommands(instruction: Instruction): string[][] {
  if (instruction.json) return [instruction.json]
  return instruction.text.split('&&').map((c) => c.trim().split(/\s+/).filter((w) => w !== ''))
}

// --- .dockerignore ---------------------------------------------------------------------

function globToRegex(pattern: string): RegExp {
  let re = ''
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*'
      i++
      if (pattern[i + 1] === '/') i++
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}(/.*)?$`)
}

/** Whether a context path (relative, with /) is sent to the builder, per .dockerignore rules. */
export function dockerignoreIncludes(rules: string, file: string): boolean {
  let included = true
  for (const raw of rules.split('\n')) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const negate = line.startsWith('!')
    const pattern = (negate ? line.slice(1) : line).replace(/^\/+/, '').replace(/\/+$/, '')
    if (globToRegex(pattern).test(file)) included = negate
  }
  return included
}
