// Fuzzing the real HTTPS listener with thousands of random and mutated bodies:
// garbage, truncated JSON, byte edits, a wrong type in every field of the review and
// of the pod, huge strings, deep nesting, __proto__ keys. Every request must get an
// HTTP answer (never a reset or hang-up, never a 500), every well-formed review a 200
// with its uid, and the server must be healthy afterwards.
// Deterministic: FUZZ_SEED picks the sequence (default below), FUZZ_COUNT the number of
// bodies, FUZZ_TIME_MS the time budget; a failure prints the seed and the case.
import t from 'tap'
import https from 'node:https'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'
import { startTestServer } from './helpers/server.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed2026)
const COUNT = Number(process.env.FUZZ_COUNT ?? 3000)
const TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 60_000)
const CONCURRENCY = 8
const BODY_LIMIT = 4 * 1024 * 1024

t.setTimeout(TIME_MS + 60_000)

/** mulberry32: small, fast, good enough to pick cases. */
function prng(seed: number) {
  let a = seed >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    chance: (p: number) => next() < p,
  }
}
type Rng = ReturnType<typeof prng>

interface Case {
  kind: string
  body: string | Buffer
  contentType?: string
  /** Set when the body is a well-formed review: the uid that must come back in a 200. */
  uid?: string
}

/** Every path to a value in a JSON document, up to a depth. */
function paths(value: unknown, depth = 8, prefix: Array<string | number> = [], out: Array<Array<string | number>> = []): Array<Array<string | number>> {
  if (depth === 0 || value === null || typeof value !== 'object') return out
  for (const key of Array.isArray(value) ? value.keys() : Object.keys(value)) {
    const next = [...prefix, key]
    out.push(next)
    paths((value as Record<string, unknown>)[key as string], depth - 1, next, out)
  }
  return out
}

function setPath(root: any, path: Array<string | number>, value: unknown): void {
  let cursor = root
  for (const key of path.slice(0, -1)) cursor = cursor[key]
  const last = path.at(-1)!
  if (value === DELETE) {
    if (Array.isArray(cursor)) cursor.splice(Number(last), 1)
    else delete cursor[last]
  } else {
    cursor[last] = value
  }
}

const DELETE = Symbol('delete')

function deep(rng: Rng, depth: number): string {
  const open = rng.chance(0.5) ? '[' : '{"a":'
  const close = open === '[' ? ']' : '}'
  return open.repeat(depth) + (rng.chance(0.5) ? '1' : '"x"') + close.repeat(depth)
}

function wrongValue(rng: Rng): unknown {
  switch (rng.int(16)) {
    case 0: return null
    case 1: return rng.int(2) === 0
    case 2: return rng.int(1e9) - 5e8
    case 3: return 1e308 * 10 // Infinity becomes null in JSON
    case 4: return ''
    case 5: return 'x'.repeat(rng.int(300_000))
    case 6: return []
    case 7: return {}
    case 8: return [null, 1, 'a', {}, []]
    case 9: return { name: 1, image: [], value: {}, key: null }
    case 10: return '\u0000\u202e\ud800' + '\u{1F600}'.repeat(rng.int(100))
    case 11: return Array.from({ length: rng.int(5000) }, (_, i) => ({ name: `c${i}`, image: 'ghcr.io/openclaw/openclaw:1' }))
    case 12: return -0.5
    case 13: return '../../../etc/passwd'
    case 14: return { $ref: '#', __proto__x: 1, constructor: 'x' }
    default: return 'CREATE'
  }
}

function makeCase(rng: Rng, i: number): Case {
  const uid = `fuzz-${i}`
  const base = review(chartPod(), { uid, apiVersion: rng.chance(0.5) ? 'admission.k8s.io/v1' : 'admission.k8s.io/v1beta1' })
  const text = JSON.stringify(base)
  switch (rng.int(12)) {
    case 0: {
      // random bytes
      const bytes = Buffer.alloc(rng.int(2048))
      for (let j = 0; j < bytes.length; j++) bytes[j] = rng.int(256)
      return { kind: 'random bytes', body: bytes }
    }
    case 1: return { kind: 'truncated', body: text.slice(0, rng.int(text.length)) }
    case 2: {
      // byte edits of a valid review
      const chars = [...text]
      for (let n = 1 + rng.int(8); n > 0; n--) {
        const at = rng.int(chars.length)
        const op = rng.int(3)
        if (op === 0) chars.splice(at, 1)
        else if (op === 1) chars.splice(at, 0, rng.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'null', '1e999', '-']))
        else chars[at] = String.fromCharCode(rng.int(128))
      }
      return { kind: 'byte edits', body: chars.join('') }
    }
    case 3:
    case 4: {
      // a wrong type somewhere in the review outside the pod
      const doc = structuredClone(base)
      const all = paths({ ...doc, request: { ...doc.request, object: undefined } }).filter((p) => p[1] !== 'object')
      const path = rng.pick(all)
      setPath(doc, path, rng.chance(0.2) ? DELETE : wrongValue(rng))
      return { kind: `review field ${path.join('.')}`, body: JSON.stringify(doc) }
    }
    case 5:
    case 6:
    case 7: {
      // a wrong type somewhere inside the pod: still a well-formed review, so a 200
      const doc = structuredClone(base)
      const pod = doc.request.object
      for (let n = 1 + rng.int(3); n > 0; n--) {
        const all = paths(pod)
        if (all.length === 0) break
        const path = rng.pick(all)
        setPath(pod, path, rng.chance(0.15) ? DELETE : wrongValue(rng))
      }
      const body = JSON.stringify(doc)
      return { kind: 'pod field', body, ...(body.length <= BODY_LIMIT ? { uid } : {}) }
    }
    case 8: {
      // deep nesting, in the pod or at the top; a review is well-formed only within the
      // server's nesting limit (64, src/server/app.ts LIMITS): the env list sits 6 levels down
      const depth = rng.pick([40, 100, 1_000, 10_000, 50_000])
      if (rng.chance(0.5)) return { kind: `deep top ${depth}`, body: deep(rng, depth) }
      const marker = '"__DEEP__"'
      const doc = structuredClone(base)
      doc.request.object.spec.containers[0].env = '__DEEP__'
      return { kind: `deep pod ${depth}`, body: JSON.stringify(doc).replace(marker, deep(rng, depth)), ...(depth + 6 <= 64 ? { uid } : {}) }
    }
    case 9: {
      // prototype poisoning keys at random places
      const key = rng.pick(['"__proto__":{"polluted":true}', '"constructor":{"prototype":{"polluted":true}}'])
      const at = rng.pick(['{"apiVersion"', '"request":{', '"object":{', '"metadata":{', '"spec":{'])
      const body = text.replace(at, at.endsWith('{') ? `${at}${key},` : `{${key},${at.slice(1)}`)
      return { kind: 'proto', body }
    }
    case 10: {
      // huge strings, some over the limit
      const size = rng.pick([100_000, 1_000_000, 3_000_000, BODY_LIMIT + 1])
      const doc = structuredClone(base)
      doc.request.object.metadata.annotations = { big: 'y'.repeat(size) }
      const body = JSON.stringify(doc)
      return { kind: `huge ${size}`, body, ...(body.length <= BODY_LIMIT ? { uid } : {}) }
    }
    default: {
      // valid JSON that is not a review, or a review with odd but valid shapes
      const options = [
        () => JSON.stringify(wrongValue(rng)),
        () => JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }),
        () => JSON.stringify({ ...base, request: { ...base.request, operation: rng.pick(['UPDATE', 'DELETE', 'CONNECT', 'create', 'PATCH']) } }),
        () => JSON.stringify({ ...base, request: { ...base.request, kind: { group: '', version: 'v1', kind: rng.pick(['Secret', 'Pod', 'pod', '']) } } }),
        () => JSON.stringify({ ...base, extra: wrongValue(rng), request: { ...base.request, unknownField: wrongValue(rng) } }),
      ]
      const pickIndex = rng.int(options.length)
      const body = options[pickIndex]!()
      return { kind: `valid json ${pickIndex}`, body, ...(pickIndex >= 2 && body.length <= BODY_LIMIT ? { uid } : {}) }
    }
  }
}

const server = await startTestServer(t)
const agent = new https.Agent({ keepAlive: true, maxSockets: CONCURRENCY, ca: server.ca.cert })
t.teardown(() => agent.destroy())

function post(c: Case): Promise<{ status: number; retryAfter: string | undefined; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = c.contentType === '' ? {} : { 'content-type': c.contentType ?? 'application/json' }
    const req = https.request(`${server.running.url}/mutate`, { method: 'POST', agent, headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (d: Buffer) => chunks.push(d))
      res.on('error', reject)
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], text: Buffer.concat(chunks).toString('utf8') }))
    })
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')))
    req.on('error', reject)
    req.end(c.body)
  })
}

t.test(`fuzz: ${COUNT} bodies, seed ${SEED}`, async (t) => {
  const rng = prng(SEED)
  const started = Date.now()
  const statuses = new Map<number, number>()
  const failures: string[] = []
  let sent = 0
  let wellFormed = 0
  let next = 0
  const worker = async () => {
    while (next < COUNT && Date.now() - started < TIME_MS && failures.length < 10) {
      const i = next++
      const c = makeCase(rng, i)
      if (rng.chance(0.03)) {
        c.contentType = rng.pick(['text/plain', 'application/xml', 'application/json-seq', 'application/x-json', 'text/json', '', 'application/json;;', '\tapplication/json'])
        delete c.uid
      }
      sent++
      let res
      try {
        res = await post(c)
      } catch (error) {
        failures.push(`#${i} ${c.kind}: no answer: ${(error as Error).message}`)
        continue
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
      if (![200, 400, 413, 415, 429].includes(res.status)) failures.push(`#${i} ${c.kind}: status ${res.status}: ${res.text.slice(0, 200)}`)
      // Too many large bodies at once: the API server retries; so much is allowed of any body.
      if (res.status === 429) {
        if (res.retryAfter !== '1') failures.push(`#${i} ${c.kind}: 429 without Retry-After`)
        continue
      }
      if (c.uid !== undefined) {
        wellFormed++
        let answer
        try {
          answer = JSON.parse(res.text)
        } catch {
          answer = undefined
        }
        if (res.status !== 200 || answer?.response?.uid !== c.uid || answer?.response?.allowed !== true) {
          failures.push(`#${i} ${c.kind}: a well-formed review got ${res.status} ${res.text.slice(0, 200)}`)
        }
      } else if (res.status !== 200) {
        let message
        try {
          message = JSON.parse(res.text).message
        } catch {
          message = undefined
        }
        if (typeof message !== 'string' || message.includes('\n') || message.length > 300) failures.push(`#${i} ${c.kind}: refusal without a one-line reason: ${res.text.slice(0, 200)}`)
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const took = Date.now() - started
  t.comment(`seed ${SEED}: ${sent} bodies in ${took} ms (${wellFormed} well-formed reviews); statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
  t.same(failures, [], `every body answered as it should (seed ${SEED})`)
  t.ok(sent >= Math.min(COUNT, 1000), `at least ${Math.min(COUNT, 1000)} bodies sent within the time budget (${sent})`)
  t.ok(wellFormed > sent / 5, 'a good share of the bodies were well-formed reviews')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched')
})

t.test('healthy afterwards', async (t) => {
  t.equal((await server.ops('/healthz')).status, 200)
  t.equal((await server.ops('/readyz')).status, 200)
  const res = await server.post(review(chartPod(), { uid: 'after' }))
  t.equal(res.status, 200)
  t.equal(res.json().response.patchType, 'JSONPatch', 'still injecting')
  const metrics = (await server.ops('/metrics')).text
  const errors = Number(/^openclaw_injector_engine_errors_total (\d+)$/m.exec(metrics)?.[1])
  t.comment(`engine exceptions caught during the fuzz: ${errors}`)
  t.notOk(server.logs.records().some((r) => r.msg === 'request failed'), 'no 500 was logged')
})
