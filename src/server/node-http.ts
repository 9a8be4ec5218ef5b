// node:http as its CommonJS exports object. An ESM `import ... from 'node:http'` builds the
// module's namespace, which reads every export, lazy ones included: http.WebSocket (and
// CloseEvent, MessageEvent) then load undici's WebSocket client, 13 MiB of resident memory
// this server never uses. process.getBuiltinModule returns the exports as require() does.
export const nodeHttp = process.getBuiltinModule('node:http')
