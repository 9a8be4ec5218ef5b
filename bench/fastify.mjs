// The benchmark's framework baseline: Fastify built with exactly the admission listener's
// options (fastifyOptions and limitServer of src/server/app.ts, from the build in dist/: TLS,
// pino at the default level, body limit, timeouts, connection cap), parsing each body with
// Fastify's own JSON parser and answering every POST /mutate with the same fixed bytes the
// webhook answers. The gap between this row and openclaw-injector's is the product's own work.
// Plain JavaScript on the built modules, as bare.mjs: no TypeScript loaded at run time.
// Its log (no line per request, as the webhook's: only `ready`) goes to stdout.
// Usage: node bench/fastify.mjs PORT CERT KEY RESPONSE
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { defaultSettings } from '../dist/settings.js'
import { fastifyOptions, limitServer, MUTATE_PATH } from '../dist/server/app.js'
import { createLogger } from '../dist/server/log.js'
import { checkTlsMaterial } from '../dist/server/tls.js'

const [, , port, certPath, keyPath, responsePath] = process.argv
const settings = defaultSettings()
const tls = checkTlsMaterial(readFileSync(certPath), readFileSync(keyPath), { certPath, keyPath })
const log = createLogger({ level: settings.server.logLevel })
const response = readFileSync(responsePath)
const app = Fastify(fastifyOptions(settings, tls, log))
limitServer(app.server)
app.post(MUTATE_PATH, (_request, reply) => reply.type('application/json; charset=utf-8').send(response))
await app.listen({ host: '127.0.0.1', port: Number(port) })
log.info({ port: Number(port) }, 'ready')
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
