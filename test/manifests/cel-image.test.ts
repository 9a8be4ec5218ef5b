// The matchCondition's image regex, applied by the API server to whole image references,
// must pick exactly the images the engine picks (its imagePattern on the repository, tag
// and digest removed). Checked on hand-written cases and on many generated references.
import t from 'tap'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { imageMatches } from '../../src/engine/images.ts'
import { DEFAULT_ENGINE_SETTINGS } from '../../src/settings.ts'
import { MANIFESTS, parseYaml } from './helpers/kustomize.ts'
import { celImageRegex } from './helpers/cel.ts'

const mwc = parseYaml(readFileSync(path.join(MANIFESTS, 'base/mutatingwebhookconfiguration.yaml'), 'utf8'), 'mwc')[0]
const regex = new RegExp(celImageRegex(mwc.webhooks[0].matchConditions[0].expression))
const engine = (image: string) => imageMatches(image, DEFAULT_ENGINE_SETTINGS.imagePattern)

t.test('hand-written references', async (t) => {
  const yes = [
    'openclaw/openclaw',
    'openclaw/openclaw:latest',
    'openclaw/openclaw:2026.9.6',
    'ghcr.io/openclaw/openclaw',
    'ghcr.io/openclaw/openclaw:2026.9.6',
    'ghcr.io/openclaw/openclaw@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'ghcr.io/openclaw/openclaw:2026.9.6@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'docker.io/openclaw/openclaw:main',
    'localhost:5000/openclaw/openclaw',
    'localhost:5000/openclaw/openclaw:dev',
    'registry.example.com:443/mirror/openclaw/openclaw:1',
    'mirror.internal/cache/ghcr.io/openclaw/openclaw:1',
    'openclaw/openclaw:',
  ]
  const no = [
    '',
    'openclaw',
    'openclaw/openclaw-helper',
    'openclaw/openclaw/sub',
    'notopenclaw/openclaw',
    'ghcr.io/someone/openclaw',
    'ghcr.io/openclaw/openclawx:1',
    'openclaw/openclaw:a:b',
    'openclaw/openclaw:tag/evil',
    'x@y/openclaw/openclaw',
    'busybox:1.37',
    'OpenClaw/OpenClaw',
  ]
  for (const image of yes) {
    t.equal(engine(image), true, `engine picks ${image}`)
    t.equal(regex.test(image), true, `matchCondition sends ${image}`)
  }
  for (const image of no) {
    t.equal(engine(image), false, `engine skips ${JSON.stringify(image)}`)
    t.equal(regex.test(image), false, `matchCondition skips ${JSON.stringify(image)}`)
  }
})

t.test('generated references: the regex and the engine agree on every one', async (t) => {
  // a small deterministic PRNG, so a failure can be replayed
  let seed = 0x5eed
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!
  const parts = ['openclaw', 'openclaw/openclaw', 'ghcr.io', 'localhost:5000', 'mirror', 'x', 'openclawx', '']
  const seps = ['/', ':', '@', '/', '/', '.', '-']
  let agreed = 0
  let positives = 0
  for (let i = 0; i < 20_000; i++) {
    let image = ''
    const n = 1 + Math.floor(random() * 5)
    for (let j = 0; j < n; j++) image += (j === 0 ? '' : pick(seps)) + pick(parts)
    if (random() < 0.3) image += ':' + pick(['1', 'latest', '2026.9.6', '', 'a:b'])
    if (random() < 0.2) image += '@sha256:' + 'ab'.repeat(32)
    const e = engine(image)
    const r = regex.test(image)
    if (e !== r) {
      t.fail(`disagree on ${JSON.stringify(image)}: engine ${e}, matchCondition ${r}`)
      return
    }
    agreed++
    if (e) positives++
  }
  t.equal(agreed, 20_000)
  t.ok(positives > 500, `${positives} generated references were OpenClaw images`)
})
