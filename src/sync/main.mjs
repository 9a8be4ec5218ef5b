// openclaw-injector: run before OpenClaw starts, keeps the gateway credentials in OpenClaw's config
// file in line with the Secret. The gateway prefers a plaintext gateway.auth.token in the file to the
// environment, so a stale copy on the volume would silently cancel a rotated Secret. Never prints a
// credential; a file it cannot handle safely is left byte-for-byte as it is.
// Entry of the bundle scripts/build.ts makes (esbuild, CommonJS out): the only place that reads
// process.env or sets the exit code. The forms without a feature leave it out through the
// `typeof OPENCLAW_INJECTOR_*` checks at each call site, which the build defines.
import { PREFIX, Refusal } from './common.mjs'
import { readSettings } from './settings.mjs'
import { run } from './run.mjs'
import { parseJson5 } from './json5.mjs'

function main() {
  let settings
  try { settings = readSettings(process.env) } catch (e) {
    process.stderr.write(`${PREFIX} error: ${e.message}\n`)
    process.exitCode = 2 // a broken injection: not subject to ON_ERROR
    return
  }
  try { run(settings, process.env) } catch (e) {
    // Unexpected errors (fs errors) name paths only, never file contents. With ON_ERROR=warn the
    // same line is printed and the pod starts anyway.
    for (const line of e instanceof Refusal ? e.lines : [String(e && e.message)]) process.stderr.write(`${PREFIX} error: ${line}\n`)
    process.exitCode = settings.onError === 'warn' ? 0 : 1
  }
}

// Runs as a file and under `node -e` (module id "[eval]"); require() (tests) gets the JSON5 reader.
if (require.main === module || module.id === '[eval]' || module.id === '[stdin]') main()
else module.exports = typeof OPENCLAW_INJECTOR_IMAGE_JSON5 === 'undefined' ? { parseJson5 } : {}
