// The sync script in the form pods run it: what `npm run build` (scripts/build.ts) made of
// the modules in src/sync/ (entry main.mjs) with esbuild, written to dist/sync/ as files for the tests to run
// (the same strings the engine embeds in the pod spec, from src/build-info.generated.ts).
import { fileURLToPath } from 'node:url'

/** With the built-in JSON5 reader: for any image that has node (SYNC_SCRIPT). */
export const SYNC_SCRIPT_FILE = fileURLToPath(new URL('../../dist/sync/sync-config.cjs', import.meta.url))
/** Without it, reading JSON5 with the image's own json5: for OpenClaw's image (SYNC_SCRIPT_IMAGE_JSON5). */
export const SYNC_SCRIPT_IMAGE_JSON5_FILE = fileURLToPath(new URL('../../dist/sync/sync-config.image-json5.cjs', import.meta.url))
/** The forms without the code for annotation openclaw.ai/credentials (the two above otherwise). */
export const SYNC_SCRIPT_NO_CREDENTIALS_FILE = fileURLToPath(new URL('../../dist/sync/sync-config.no-credentials.cjs', import.meta.url))
export const SYNC_SCRIPT_IMAGE_JSON5_NO_CREDENTIALS_FILE = fileURLToPath(new URL('../../dist/sync/sync-config.image-json5.no-credentials.cjs', import.meta.url))
/** The entry module of the readable source all are bundled from (scripts/sync-source.ts names them all). */
export const SYNC_SCRIPT_SOURCE = fileURLToPath(new URL('../../src/sync/main.mjs', import.meta.url))
