// Preloaded into a child with --import: records the URL of every module the process loads,
// ESM and CommonJS alike (node:module's synchronous hooks see both), and writes them, one
// a line, to $RECORD_MODULES_FILE when the process exits.
import { registerHooks } from 'node:module'
import { writeFileSync } from 'node:fs'

const loaded = new Set<string>()
registerHooks({
  load(url, context, nextLoad) {
    loaded.add(url)
    return nextLoad(url, context)
  },
})
process.on('exit', () => writeFileSync(process.env.RECORD_MODULES_FILE!, [...loaded].join('\n') + '\n'))
