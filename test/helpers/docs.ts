// The cluster admin's commands as docs/cluster-admin.md gives them, for tests that run them
// (the kind tier) or check them (test/manifests): the docs are the procedure under test.
import { readFileSync } from 'node:fs'

const DOC = new URL('../../docs/cluster-admin.md', import.meta.url)

/**
 * The `kubectl` commands of the first ```sh block under the heading `## <heading>` of
 * docs/cluster-admin.md, trailing `# comments` dropped, each as its argument list without the
 * leading `kubectl` (e.g. ['delete', '-k', 'manifests/', '--ignore-not-found']).
 * Throws when the section or its block is missing, so a renamed heading fails loudly.
 */
export function docCommands(heading: string): string[][] {
  const doc = readFileSync(DOC, 'utf8')
  const at = doc.indexOf(`\n## ${heading}\n`)
  if (at === -1) throw new Error(`docs/cluster-admin.md has no section "## ${heading}"`)
  const block = /```sh\n([\s\S]*?)```/.exec(doc.slice(at))?.[1]
  if (block === undefined) throw new Error(`section "## ${heading}" of docs/cluster-admin.md has no sh block`)
  return block
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('kubectl '))
    .map((line) => line.split(/\s+/).slice(1))
}
