// What all parts of the in-pod sync program share: the log line, the refusal that leaves a file as it
// is, the read cap, and shape checks on parsed values. The only I/O here is writing a log line.

export const PREFIX = 'openclaw-injector:'
// The most of a config or seed file this script reads; a larger one is refused before it is read.
// Peak memory grows with the file and its shape (`npm run bench:sync`): at 2 MiB about 120 MiB for a
// config of agents and 240 MiB for the worst shape measured, 700,000 empty objects, both within the
// container's default 256Mi limit; at 4 MiB that shape takes 360 MiB.
export const MAX_CONFIG_BYTES = 2 * 1024 * 1024
export const OVER_MAX = `more than the ${MAX_CONFIG_BYTES} (${MAX_CONFIG_BYTES / 1048576} MiB) this script reads`

// An expected failure: its lines are printed as they are; ON_ERROR decides the exit code.
export class Refusal extends Error {
  constructor(lines) { super(String(lines)); this.lines = [].concat(lines) }
}
export const untouched = (file, why) => new Refusal(`${file}: ${why}; file left unchanged`)
export const log = (line) => process.stdout.write(`${PREFIX} ${line}\n`)
export const hasOwn = (o, k) => Object.prototype.hasOwnProperty.call(o, k)
export const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)
// SecretRef objects ({source, provider, id}) are resolved by OpenClaw: they follow the Secret already.
export const isSecretRef = (v) => isObject(v) && hasOwn(v, 'source')
export const isSet = (v) => (typeof v === 'string' && v.trim() !== '') || isObject(v)
