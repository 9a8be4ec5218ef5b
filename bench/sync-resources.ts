// npm run bench:sync: the sync script's peak memory (max RSS) and CPU time on generated configs
// from small to very large, beside a baseline measured in the same run (`node -e ''`: what the
// runtime itself costs), run as the init container runs it (`node -e SCRIPT`), with OpenClaw's
// json5 when OPENCLAW_INJECTOR_JSON5_FROM has it (the official image's /app) and the built-in
// reader otherwise. These figures size the injected container's default requests and limits
// (src/settings.ts).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
// The shipped form with the built-in reader, as `npm run build` bundles it (run that first).
const script = readFileSync(path.join(root, 'dist/sync/sync-config.cjs'), 'utf8')
const dir = mkdtempSync(path.join(os.tmpdir(), 'oci-bench-sync-'))
// Prints the child's own rusage at exit: max RSS in KiB, user and system CPU in microseconds.
const probe = path.join(dir, 'probe.cjs')
writeFileSync(probe, "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(3, JSON.stringify({ rss: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime })) })\n")

function config(agents: number): string {
  const doc = { gateway: { mode: 'local', auth: { mode: 'token', token: 'x'.repeat(48) }, remote: { token: 'x'.repeat(48) } }, agents: { list: [] as object[] } }
  for (let i = 0; i < agents; i++) doc.agents.list.push({ id: `agent-${i}`, identity: { name: `Agent ${i}`, emoji: '*' }, tools: { allow: ['read', 'write', 'exec'], deny: [] }, notes: 'n'.repeat(200) })
  return JSON.stringify(doc, null, 2)
}

// `before` runs before each of the five runs (the script may have rewritten the file).
function measure(args: string[], env: Record<string, string>, before = (): void => {}): { rss: number; cpu: number } {
  const runs: { rss: number; cpu: number }[] = []
  for (let i = 0; i < 5; i++) {
    before()
    const r = spawnSync(process.execPath, ['-r', probe, ...args], { env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'], encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`exit ${r.status}`)
    runs.push(JSON.parse(r.output[3] as string))
  }
  runs.sort((a, b) => a.rss - b.rss)
  return runs[Math.floor(runs.length / 2)]!
}

// The script reads at most 2 MiB (MAX_CONFIG_BYTES in the script): the largest config of agents
// below it, the worst shape measured at it (empty objects, one per 3 bytes), and two configs over
// it, which are refused before they are read (ON_ERROR=warn: exit 0, file untouched).
const CAP = 2 * 1024 * 1024
function emptyObjects(bytes: number): string {
  const head = '{"gateway":{"auth":{"token":"old"}},"x":['
  return `${head}${Array(Math.floor((bytes - head.length - 2) / 3)).fill('{}').join(',')}]}`
}
// A config of agents of about `bytes` (at least that many), or the largest one below it.
const perAgent = (config(1000).length - config(0).length) / 1000
const agentsAbout = (bytes: number): string => config(Math.ceil((bytes - config(0).length) / perAgent))
function agentsBelow(bytes: number): string {
  let agents = Math.floor((bytes - config(0).length) / perAgent)
  while (config(agents).length > bytes) agents -= 10
  return config(agents)
}
const cases: { shape: string; text: string }[] = [
  ...[1, 200, 2000].map((agents) => ({ shape: 'agents', text: config(agents) })),
  { shape: 'agents', text: agentsBelow(CAP) },
  { shape: 'empty objects *', text: emptyObjects(CAP) },
  { shape: 'agents (refused)', text: agentsAbout(16 * 1024 * 1024) },
  { shape: 'agents (refused)', text: agentsAbout(64 * 1024 * 1024) },
]

const json5From = process.env.OPENCLAW_INJECTOR_JSON5_FROM ?? root
const baseline = measure(['-e', ''], {})
const rows: string[] = []
for (const { shape, text } of cases) {
  const file = path.join(dir, 'openclaw.json')
  for (const [reader, from] of [['json5', json5From], ['built-in', path.join(dir, 'none')]] as const) {
    const env = { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: 'n'.repeat(48), OPENCLAW_INJECTOR_JSON5_FROM: from, OPENCLAW_INJECTOR_ON_ERROR: 'warn' }
    const m = measure(['-e', script], env, () => writeFileSync(file, text.replace(/"x{48}"/g, '"old"')))
    const size = text.length >= 1024 * 1024 ? `${(text.length / 1024 / 1024).toFixed(1).padStart(6)} MiB` : `${(text.length / 1024).toFixed(0).padStart(6)} KiB`
    rows.push(`| ${size} | ${shape.padEnd(20)} | ${reader.padEnd(8)} | ${(m.rss / 1024).toFixed(0).padStart(4)} MiB (${(m.rss / baseline.rss).toFixed(2)}x) | ${(m.cpu / 1000).toFixed(0).padStart(5)} ms (${(m.cpu / baseline.cpu).toFixed(1)}x) |`)
  }
}
rmSync(dir, { recursive: true, force: true })
console.log(`baseline (node -e ''): max RSS ${(baseline.rss / 1024).toFixed(0)} MiB, CPU ${(baseline.cpu / 1000).toFixed(0)} ms`)
console.log('| config | shape | reader | max RSS (x baseline) | CPU (x baseline) |\n| --- | --- | --- | --- | --- |')
console.log(rows.join('\n'))
console.log('* the peak is reached parsing and printing it; the rewrite (2-space JSON, 5.6 MB) is then refused as over the cap')
