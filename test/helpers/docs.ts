// The cluster admin's commands as docs/cluster-admin.md gives them, for tests that run them
// (the kind tier) or check them (test/manifests): the docs are the procedure under test.
import { readFileSync } from 'node:fs'

const DOC = new URL('../../docs/cluster-admin.md', import.meta.url)
const README = new URL('../../README.md', import.meta.url)

/**
 * The shell commands of a ```sh block, each as its argument list with the program first:
 * lines continued with a trailing backslash joined, trailing `# comments` and comment lines
 * dropped. Plain words only (no quoting): the docs' commands are written so.
 */
function commandsOf(block: string): string[][] {
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.replace(/(^|\s+)#.*$/, '').trim())
    .filter((line) => line !== '')
    .map((line) => line.split(/\s+/))
}

/** The ```sh blocks under the heading `## <heading>` of a Markdown text, up to the next `## `. */
function blocksUnder(text: string, heading: string, where: string): string[] {
  const at = text.indexOf(`\n## ${heading}\n`)
  if (at === -1) throw new Error(`${where} has no section "## ${heading}"`)
  const rest = text.slice(at + heading.length + 5)
  const section = rest.slice(0, rest.search(/\n## |$/))
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
}

/**
 * Every command of the first ```sh block (or of all, with `blocks` 'all') under `## <heading>` of docs/cluster-admin.md, as
 * its argument list with the program first (e.g. ['openclaw-injector', 'check', '-n',
 * 'agents', '--wait=2m']). Throws when the section or its block is missing, so a renamed
 * heading fails loudly.
 */
export function docSteps(heading: string, blocks: 'first' | 'all' = 'first'): string[][] {
  const found = blocksUnder(readFileSync(DOC, 'utf8'), heading, 'docs/cluster-admin.md')
  if (found.length === 0) throw new Error(`section "## ${heading}" of docs/cluster-admin.md has no sh block`)
  return (blocks === 'first' ? found.slice(0, 1) : found).flatMap(commandsOf)
}

/**
 * The `kubectl` commands of that block, each without the leading `kubectl`
 * (e.g. ['delete', '-k', 'manifests/', '--ignore-not-found']).
 */
export function docCommands(heading: string): string[][] {
  return docSteps(heading).filter((a) => a[0] === 'kubectl').map((a) => a.slice(1))
}

/** Every command of every ```sh block under `## <heading>` of README.md, program first. */
export function readmeCommands(heading: string): string[][] {
  return blocksUnder(readFileSync(README, 'utf8'), heading, 'README.md').flatMap(commandsOf)
}
