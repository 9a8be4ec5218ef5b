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
const script = readFileSync(path.join(root, 'src/sync/sync-config.cjs'), 'utf8')
const dir = mkdtempSync(path.join(os.tmpdir(), 'oci-bench-sync-'))
// Prints the child's own rusage at exit: max RSS in KiB, user and system CPU in microseconds.
const probe = path.join(dir, 'probe.cjs')
writeFileSync(probe, "process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(3, JSON.stringify({ rss: u.maxRSS, cpu: u.userCPUTime + u.systemCPUTime })) })\n")

function config(agents: number): string {
  const doc = { gateway: { mode: 'local', auth: { mode: 'token', token: 'x'.repeat(48) }, remote: { token: 'x'.repeat(48) } }, agents: { list: [] as object[] } }
  for (let i = 0; i < agents; i++) doc.agents.list.push({ id: `agent-${i}`, identity: { name: `Agent ${i}`, emoji: '*' }, tools: { allow: ['read', 'write', 'exec'], deny: [] }, notes: 'n'.repeat(200) })
  return JSON.stringify(doc, null, 2)
}

function measure(args: string[], env: Record<string, string>): { rss: number; cpu: number } {
  const runs: { rss: number; cpu: number }[] = []
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, ['-r', probe, ...args], { env, stdio: ['ignore', 'ignore', 'inherit', 'pipe'], encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`exit ${r.status}`)
    runs.push(JSON.parse(r.output[3] as string))
  }
  runs.sort((a, b) => a.rss - b.rss)
  return runs[Math.floor(runs.length / 2)]!
}

const json5From = process.env.OPENCLAW_INJECTOR_JSON5_FROM ?? root
const baseline = measure(['-e', ''], {})
const rows: string[] = []
for (const agents of [1, 200, 2000, 6000]) {
  const file = path.join(dir, 'openclaw.json')
  const text = config(agents)
  for (const [reader, from] of [['json5', json5From], ['built-in', path.join(dir, 'none')]] as const) {
    writeFileSync(file, text.replace(/"x{48}"/g, '"old"'))
    const m = measure(['-e', script], { OPENCLAW_CONFIG_PATH: file, OPENCLAW_GATEWAY_TOKEN: 'n'.repeat(48), OPENCLAW_INJECTOR_JSON5_FROM: from })
    rows.push(`| ${(text.length / 1024).toFixed(0).padStart(6)} KiB | ${reader.padEnd(8)} | ${(m.rss / 1024).toFixed(0).padStart(4)} MiB (${(m.rss / baseline.rss).toFixed(2)}x) | ${(m.cpu / 1000).toFixed(0).padStart(5)} ms (${(m.cpu / baseline.cpu).toFixed(1)}x) |`)
  }
}
rmSync(dir, { recursive: true, force: true })
console.log(`baseline (node -e ''): max RSS ${(baseline.rss / 1024).toFixed(0)} MiB, CPU ${(baseline.cpu / 1000).toFixed(0)} ms`)
console.log('| config | reader | max RSS (x baseline) | CPU (x baseline) |\n| --- | --- | --- | --- |')
console.log(rows.join('\n'))
