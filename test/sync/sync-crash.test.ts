// Crash safety of the sync script's write: the real script is SIGKILLed at many points while it
// rewrites a large config, and after every kill the config must be exactly the old bytes or exactly
// the new ones. No hook in the script: the test watches the directory for the script's temp file
// and kills it at that moment (plus a random delay), or at a random time of its whole run.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { mulberry32 } from '../helpers/random.ts'
import { SYNC_SCRIPT_FILE } from '../helpers/sync-script.ts'

// The shipped (minified) form, as the pod runs it.
const SCRIPT = SYNC_SCRIPT_FILE
const { parseJson5 } = createRequire(import.meta.url)(SCRIPT) as { parseJson5: (text: string) => unknown }
// Generous: the machine may be shared, and fsync then slows down a lot.
t.setTimeout(120_000)
const KILLS = 60
const MAX_KILLS = 240
const MIN_MID_WRITE = 10
const TOKEN = 'Nw4cTz8QmB1xVe5K'
const OLD_TOKEN = 'Jp6rYd2HsL9aFu3G'
const TEMP = /^\.openclaw\.json\.openclaw-injector-\d+-[0-9a-f]{8}\.tmp$/

// About 1 MB, so that writing and fsyncing take a while; the leading comment makes it JSON5.
function config(token: string): unknown {
  const skills: Record<string, unknown> = {}
  for (let i = 0; i < 100; i++) skills[`skill-${i}`] = { enabled: i % 2 === 0, notes: `${i} `.repeat(3000) }
  return { gateway: { mode: 'local', auth: { mode: 'token', token }, remote: { token } }, skills }
}
const oldBytes = Buffer.from(`// hand-edited\n${JSON.stringify(config(OLD_TOKEN), null, 2)}\n`)
const newBytes = Buffer.from(`${JSON.stringify(config(TOKEN), null, 2)}\n`)

// Started through `env -i`: exactly this environment, without the NODE_OPTIONS tap adds to children.
function command(file: string): [string, string[]] {
  return ['/usr/bin/env', ['-i', `PATH=${process.env.PATH}`, `OPENCLAW_CONFIG_PATH=${file}`,
    `OPENCLAW_GATEWAY_TOKEN=${TOKEN}`, 'OPENCLAW_INJECTOR_JSON5_FROM=/nonexistent', process.execPath, SCRIPT]]
}

// Seeded, so a failing run can be replayed: the seed is in the test's output.
const SEED = Number(process.env.CRASH_SEED ?? 0x5eed)
const random = mulberry32(SEED)

const sleepUntil = (deadline: number): void => { while (performance.now() < deadline) { /* spin: timers are too coarse */ } }

t.test('SIGKILL at any point leaves the old file or the new one, never a torn one', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-crash-'))
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'openclaw.json')

  // Both acceptable contents parse, so "exactly one of them" after a kill means "parses" too.
  t.ok(parseJson5(oldBytes.toString('utf8')), 'the old content parses (JSON5)')
  t.ok(JSON.parse(newBytes.toString('utf8')), 'the new content parses (JSON)')

  // Undisturbed runs: check the expected result and measure how long a run takes (median of 3).
  const [cmd, args] = command(file)
  const durations: number[] = []
  for (let i = 0; i < 3; i++) {
    fs.writeFileSync(file, oldBytes)
    const begin = performance.now()
    const full = spawnSync(cmd, args, { encoding: 'utf8' })
    durations.push(performance.now() - begin)
    t.equal(full.status, 0, full.stderr)
    t.ok(fs.readFileSync(file).equals(newBytes), 'an undisturbed run writes exactly the expected bytes')
  }
  const runMs = durations.sort((a, b) => a - b)[1]!

  const stats = { kills: 0, old: 0, new: 0, midWrite: 0, partialTemp: 0, finishedFirst: 0 }
  const seenTemps = new Set<string>()
  // At least KILLS kills; more (up to MAX_KILLS) while a busy machine has not yet landed enough of
  // them before, during and after the write for the test to mean something.
  const enough = () => stats.midWrite >= MIN_MID_WRITE && stats.old > stats.midWrite && stats.new >= 1
  for (let n = 0; n < MAX_KILLS && (n < KILLS || !enough()); n++) {
    fs.writeFileSync(file, oldBytes)
    const written = fs.statSync(file)
    // The target itself changed (a rename, or a writer that does not use a temp file at all).
    const targetChanged = (): boolean => {
      const now = fs.statSync(file)
      return now.ino !== written.ino || now.size !== written.size || now.mtimeMs !== written.mtimeMs
    }
    const child = spawn(cmd, args, { stdio: 'ignore' })
    const exited = new Promise<string | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
    const started = performance.now()
    if (n % 3 === 0) {
      // Anywhere in the whole run: startup, parse, write, rename.
      sleepUntil(started + random() * runMs)
    } else {
      // As soon as the temp file shows up (unless the target changed first), plus 0-2 or 0-20 ms.
      const deadline = started + runMs * 10 + 2000
      while (performance.now() < deadline && !targetChanged() &&
        !fs.readdirSync(dir).some((name) => TEMP.test(name) && !seenTemps.has(name))) { /* poll */ }
      sleepUntil(performance.now() + random() * (n % 3 === 1 ? 2 : 20))
    }
    child.kill('SIGKILL')
    const signal = await exited
    stats.kills++
    if (signal !== 'SIGKILL') stats.finishedFirst++

    const bytes = fs.readFileSync(file)
    const isOld = bytes.equals(oldBytes)
    const isNew = bytes.equals(newBytes)
    if (!isOld && !isNew) {
      t.fail(`kill ${n}: the config is neither the old nor the new content (${bytes.length} bytes)`)
      continue
    }
    stats[isOld ? 'old' : 'new']++

    const leftovers = fs.readdirSync(dir).filter((name) => name !== 'openclaw.json')
    const unexpected = leftovers.filter((name) => !TEMP.test(name))
    if (unexpected.length) t.fail(`unexpected files: ${unexpected.join(', ')}`)
    const fresh = leftovers.filter((name) => !seenTemps.has(name))
    if (fresh.length) {
      stats.midWrite++ // killed between creating the temp file and the rename
      t.ok(isOld, 'killed mid-write: the config is still the old one')
      if (fs.statSync(path.join(dir, fresh[0]!)).size < newBytes.length) stats.partialTemp++
    }
    for (const name of fresh) seenTemps.add(name) // left in place: later runs must ignore them
  }
  t.comment(`seed ${SEED}; run ${runMs.toFixed(0)} ms; ${JSON.stringify(stats)}`)
  t.ok(stats.kills >= KILLS, `${stats.kills} kills`)
  t.ok(stats.midWrite >= MIN_MID_WRITE, `a meaningful number of kills landed mid-write (${stats.midWrite} of ${stats.kills})`)
  t.ok(stats.old > stats.midWrite, `some kills landed before the write (${stats.old - stats.midWrite})`)
  t.ok(stats.new >= 1, `some kills came after the rename (${stats.new})`)

  // The temp files of killed runs: ignored while recent (checked by every run above), removed once stale.
  t.equal(seenTemps.size, stats.midWrite)
  const hourAgo = new Date(Date.now() - 3600_000)
  for (const name of seenTemps) fs.utimesSync(path.join(dir, name), hourAgo, hourAgo)
  fs.writeFileSync(file, oldBytes)
  const last = spawnSync(cmd, args, { encoding: 'utf8' })
  t.equal(last.status, 0, last.stderr)
  t.ok(fs.readFileSync(file).equals(newBytes))
  t.same(fs.readdirSync(dir), ['openclaw.json'], 'stale temp files removed')
  t.equal(last.stdout.split('\n').filter((l) => l.includes('removed stale temporary file')).length, seenTemps.size)
})
