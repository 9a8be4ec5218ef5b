// The benchmark's floor: bare node:https, TLS and HTTP/1.1 keep-alive, reading the whole
// body and answering every request with the same fixed bytes (the webhook's own answer to
// the benchmark's review). Nothing else. Usage: node bench/bare.mjs PORT CERT KEY RESPONSE
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'

const [, , port, certPath, keyPath, responsePath] = process.argv
const response = readFileSync(responsePath)
const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(response.length) }
const server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath), minVersion: 'TLSv1.2', keepAliveTimeout: 72_000 }, (req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, headers)
    res.end(response)
  })
})
server.listen(Number(port), '127.0.0.1')
process.on('SIGTERM', () => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
})
