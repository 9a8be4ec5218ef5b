// The Node built-ins the sync program uses, required once for all its modules (the bundle is
// CommonJS; a `require` here stays a plain require of the built-in).
export const fs = require('node:fs')
export const path = require('node:path')
export const os = require('node:os')
export const crypto = require('node:crypto')
