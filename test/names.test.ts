import t from 'tap'
import { isDnsLabel, isDnsName, isDnsSubdomain } from '../src/names.ts'

t.test('RFC 1123 names', async (t) => {
  t.ok(isDnsLabel('init-config'))
  t.notOk(isDnsLabel('a'.repeat(64)), 'a label is at most 63 characters')
  t.notOk(isDnsLabel('a.b'), 'a label has no dots')
  t.notOk(isDnsLabel('Upper'))
  t.ok(isDnsSubdomain('openclaw-gateway-token'))
  t.ok(isDnsSubdomain('a.b.c'))
  t.notOk(isDnsSubdomain(`${'a'.repeat(64)}.b`), 'each label at most 63 characters')
  t.notOk(isDnsSubdomain(`${'a.'.repeat(127)}ab`), 'at most 253 characters')
  t.notOk(isDnsSubdomain('-a'))
  t.ok(isDnsName('*.openclaw-injector.svc'))
  t.notOk(isDnsSubdomain('*.openclaw-injector.svc'), 'wildcards only in certificate names')
  t.notOk(isDnsName('a.*.b'))
})
