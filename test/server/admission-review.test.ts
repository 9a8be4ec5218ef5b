// The AdmissionReview format on its own: parsing, the response, its bytes.
import t from 'tap'
import { buildAdmissionReview, formatWarnings, isPodCreate, parseAdmissionReview, serializeAdmissionReview, MAX_WARNING_LENGTH } from '../../src/server/admission-review.ts'
import { chartPod } from '../helpers/pods.ts'
import { review } from './helpers/reviews.ts'

t.test('parses v1 and v1beta1 reviews into the fields the webhook reads', async (t) => {
  for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
    const parsed = parseAdmissionReview(review(chartPod(), { apiVersion, uid: 'u1', dryRun: true }))
    t.ok(parsed.ok)
    if (!parsed.ok) continue
    t.match(parsed.request, { apiVersion, uid: 'u1', operation: 'CREATE', namespace: 'agents', name: '', subResource: '', dryRun: true, kind: { group: '', version: 'v1', kind: 'Pod' } })
    t.ok(isPodCreate(parsed.request))
  }
})

t.test('a missing group means the core group; null optional fields are fine', async (t) => {
  const body = review(chartPod())
  delete body.request.kind.group
  body.request.namespace = null
  body.request.dryRun = null
  const parsed = parseAdmissionReview(body)
  t.ok(parsed.ok && isPodCreate(parsed.request) && parsed.request.namespace === '' && parsed.request.dryRun === false)
})

t.test('DELETE needs no object', async (t) => {
  const parsed = parseAdmissionReview(review(null, { operation: 'DELETE' }))
  t.ok(parsed.ok && !isPodCreate(parsed.request))
})

t.test('the response: patch only when there are operations, base64 of the JSON', async (t) => {
  t.same(buildAdmissionReview('admission.k8s.io/v1', 'a'), { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: 'a', allowed: true } })
  t.same(buildAdmissionReview('admission.k8s.io/v1beta1', 'b', { patch: [], warnings: [] }).response, { uid: 'b', allowed: true })
  const patch = [{ op: 'add' as const, path: '/metadata/labels/x', value: 'ü' }]
  const built = buildAdmissionReview('admission.k8s.io/v1', 'c', { patch })
  t.equal(built.response.patchType, 'JSONPatch')
  t.same(JSON.parse(Buffer.from(built.response.patch!, 'base64').toString('utf8')), patch)
})

t.test('serializeAdmissionReview gives the JSON of the review, byte for byte equivalent', async (t) => {
  const cases = [
    buildAdmissionReview('admission.k8s.io/v1', 'plain'),
    buildAdmissionReview('admission.k8s.io/v1', 'with-patch', { patch: [{ op: 'add', path: '/a', value: { s: 'x'.repeat(100_000) } }] }),
    buildAdmissionReview('admission.k8s.io/v1beta1', 'ünïcödé-"quoted"', { patch: [{ op: 'remove', path: '/b' }], warnings: ['naïve “quotes” \u{1F600}', 'two'] }),
  ]
  for (const review of cases) {
    const bytes = serializeAdmissionReview(review)
    t.ok(Buffer.isBuffer(bytes))
    t.same(JSON.parse(bytes.toString('utf8')), review, review.response.uid)
  }
})

t.test('warnings: one line, at most 120 characters, no empties or duplicates, at most 16', async (t) => {
  t.same(formatWarnings(['a\r\nb', '  ', 'a b', 'c\u0000d']), ['a b', 'c d'])
  const long = formatWarnings(['w'.repeat(500)])[0]!
  t.equal(long.length, MAX_WARNING_LENGTH)
  t.ok(long.endsWith('...'))
  const emoji = formatWarnings(['x'.repeat(116) + '\u{1F600}' + 'y'.repeat(10)])[0]!
  t.ok(emoji.length <= MAX_WARNING_LENGTH)
  t.notOk(/[\ud800-\udbff]\.\.\.$/.test(emoji), 'no half surrogate pair before the ellipsis')
  t.equal(formatWarnings(Array.from({ length: 40 }, (_, i) => `w${i}`)).length, 16)
  t.same(formatWarnings([1 as unknown as string, 'ok']), ['ok'])
})

t.test('stringifyJson is JSON.stringify, for patches and odd values alike', async (t) => {
  const { stringifyJson } = await import('../../src/server/json.ts')
  const { mutatePod } = await import('../../src/engine/index.ts')
  const { engineSettings } = await import('../helpers/pods.ts')
  const long = 'line "one"\n\tline two \u2028 ü \u{1F600} '.repeat(200)
  const values: unknown[] = [
    mutatePod(chartPod(), engineSettings()).patch,
    [{ op: 'add', path: '/a', value: { long, again: long, n: 1.5, neg: -0, inf: Infinity, nan: NaN, t: true, nul: null, u: undefined, f: () => 1 } }],
    [undefined, () => 1, Symbol('s'), 'x'],
    { toJSON: () => ({ date: new Date(0) }) },
    { '2': 'b', '1': 'a', z: 'z', a: 'a' },
    Object.create({ inherited: 1 }, { own: { value: 2, enumerable: true }, hidden: { value: 3, enumerable: false } }),
    'x'.repeat(70_000),
    '',
    [],
    {},
  ]
  for (const value of values) t.equal(stringifyJson(value), JSON.stringify(value))
  t.equal(stringifyJson(long), JSON.stringify(long), 'cached form is the same')
  for (let i = 0; i < 100; i++) t.equal(stringifyJson(`${i}`.repeat(2000)), JSON.stringify(`${i}`.repeat(2000)))
  t.throws(() => stringifyJson([1n]), TypeError, 'BigInt throws like JSON.stringify')
})
