// Every error of the CLI is one line on standard error naming what was wrong, with the exit code
// README.md documents (2: a bad command line or setting; 1: input that cannot be read or processed,
// a cluster that cannot be reached), and nothing on standard output. The built dist/cli.js runs in
// a child process, as a person runs it.
import t from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { chartPod } from '../helpers/pods.ts'

const cli = new URL('../../dist/cli.js', import.meta.url).pathname
t.setTimeout(5 * 60_000)

// Anchors of lists of aliases of lists ...: nine levels expand to 9^9 strings.
const ALIAS_BOMB = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((name, i) => `${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n') + '\n'
const DEEP_JSON = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"x","args":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}}`
const DEEP_YAML = `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x, args: ${'['.repeat(100_000)}${']'.repeat(100_000)}}]}\n`

const dir = t.testdir({
  'bomb.yaml': ALIAS_BOMB,
  'deep.json': DEEP_JSON,
  'deep.yaml': DEEP_YAML,
  'bad.yaml': 'kind: Pod\nmetadata: [unclosed\n',
  'bad.json': '{"kind": "Pod",',
  'settings-bad.yaml': 'engine: [unclosed\n',
  'settings-bomb.yaml': ALIAS_BOMB,
  'a-directory': {},
})
// 16 MiB and one byte, the most inject and explain read plus one (sparse: cheap to make).
const big = path.join(dir, 'big.yaml')
fs.writeFileSync(big, '')
fs.truncateSync(big, 16 * 1024 * 1024 + 1)
const at = (name: string): string => path.join(dir, name)

type Case = { args: string[]; stdin?: string; code: number; line: RegExp }
const cases: Case[] = [
  // A bad command line or setting: exit 2.
  { args: ['frobnicate'], code: 2, line: /^openclaw-injector: unknown command "frobnicate"; commands: / },
  { args: ['inject', '--bogus'], code: 2, line: /^openclaw-injector inject: Unknown option '--bogus'; see --help$/ },
  { args: ['inject', '-f'], code: 2, line: /^openclaw-injector inject: Option '-f, --file <value>' argument missing; see --help$/ },
  { args: ['inject'], code: 2, line: /^openclaw-injector inject: -f FILE \(or -f - for standard input\) is required; see --help$/ },
  { args: ['explain'], code: 2, line: /^openclaw-injector explain: -f FILE \(or -f - for standard input\) is required; see --help$/ },
  { args: ['explain', '-f', at('bomb.yaml'), '-o', 'yaml'], code: 2, line: /^openclaw-injector explain: -o must be text or json, got "yaml"$/ },
  { args: ['inject', '-f', '-', '--mode', 'plain'], stdin: '', code: 2, line: /^openclaw-injector inject: --mode: expected one of "auto", "sync", "ref", got "plain"$/ },
  { args: ['inject', '-f', '-', '--config', at('none.yaml')], stdin: '', code: 2, line: /^openclaw-injector inject: settings file .*none\.yaml: ENOENT$/ },
  { args: ['inject', '-f', '-', '--config', at('settings-bad.yaml')], stdin: '', code: 2, line: /^openclaw-injector inject: .*settings-bad\.yaml: not valid YAML: / },
  { args: ['explain', '-f', '-', '--config', at('settings-bomb.yaml')], stdin: '', code: 2, line: /^openclaw-injector explain: .*settings-bomb\.yaml: not valid YAML: Excessive alias count/ },
  { args: ['serve', '--port', 'x'], code: 2, line: /^openclaw-injector serve: --port: expected a port number 0-65535, got "x"$/ },
  { args: ['serve', '--bogus'], code: 2, line: /^openclaw-injector serve: Unknown option '--bogus'; see --help$/ },
  { args: ['certs'], code: 2, line: /^certs: --service is required \(see: openclaw-injector certs --help\)$/ },
  { args: ['certs', '--bogus'], code: 2, line: /^certs: Unknown option '--bogus' \(see: openclaw-injector certs --help\)$/ },
  { args: ['check', '--bogus'], code: 2, line: /^openclaw-injector check: Unknown option '--bogus'; see --help$/ },
  { args: ['check', '-o', 'yaml'], code: 2, line: /^openclaw-injector check: -o must be text or json, got "yaml"; see --help$/ },
  // Input that cannot be read: exit 1.
  { args: ['inject', '-f', at('none.yaml')], code: 1, line: /^openclaw-injector inject: cannot read .*none\.yaml: ENOENT$/ },
  { args: ['explain', '-f', at('a-directory')], code: 1, line: /^openclaw-injector explain: cannot read .*a-directory: EISDIR$/ },
  { args: ['explain', '-f', big], code: 1, line: /^openclaw-injector explain: cannot read .*big\.yaml: more than 16 MiB, the most explain reads$/ },
  { args: ['inject', '-f', '/dev/zero'], code: 1, line: /^openclaw-injector inject: cannot read \/dev\/zero: more than 16 MiB, the most inject reads$/ },
  { args: ['inject', '-f', '-'], stdin: ' '.repeat(16 * 1024 * 1024 + 1), code: 1, line: /^openclaw-injector inject: cannot read standard input: more than 16 MiB, the most inject reads$/ },
  // Input that cannot be processed: exit 1.
  { args: ['explain', '-f', at('bad.yaml')], code: 1, line: /^openclaw-injector explain: .*bad\.yaml: document 1: not valid YAML: / },
  { args: ['inject', '-f', at('bad.json')], code: 1, line: /^openclaw-injector inject: .*bad\.json: not valid JSON: / },
  { args: ['explain', '-f', at('bomb.yaml')], code: 1, line: /^openclaw-injector explain: .*bomb\.yaml: document 1: YAML aliases: Excessive alias count indicates a resource exhaustion attack \(at most 100 expansions\)$/ },
  { args: ['inject', '-f', '-'], stdin: ALIAS_BOMB, code: 1, line: /^openclaw-injector inject: stdin: document 1: YAML aliases: Excessive alias count/ },
  { args: ['explain', '-f', at('deep.json')], code: 1, line: /^openclaw-injector explain: .*deep\.json: nested too deeply to process \(Maximum call stack size exceeded\)$/ },
  { args: ['inject', '-f', at('deep.yaml')], code: 1, line: /^openclaw-injector inject: .*deep\.yaml: document 1: not valid YAML: Maximum call stack size exceeded$/ },
  // Nothing to talk to: exit 1.
  { args: ['check', '--kubeconfig', at('none.yaml')], code: 1, line: /^openclaw-injector check: kubeconfig .*none\.yaml \(from --kubeconfig\) does not exist$/ },
  { args: ['serve', '--tls-cert', at('none.pem'), '--tls-key', at('none.pem'), '--port', '0'], code: 1, line: /^openclaw-injector serve: cannot read the certificate .*none\.pem: ENOENT$/ },
]

for (const c of cases) {
  t.test(`${c.args.join(' ').replaceAll(dir, '.')}${c.stdin === undefined ? '' : ` < ${c.stdin.length} bytes`}`, async (t) => {
    const r = spawnSync(process.execPath, [cli, ...c.args], { input: c.stdin ?? '', encoding: 'utf8', timeout: 60_000, maxBuffer: 1024 * 1024 })
    t.equal(r.signal, null, 'finished')
    t.equal(r.status, c.code, `exit ${c.code}`)
    t.equal(r.stdout, '', 'nothing on standard output')
    const lines = r.stderr.split('\n')
    t.equal(lines.length, 2, `one line on standard error: ${JSON.stringify(r.stderr.slice(0, 300))}`)
    t.equal(lines[1], '', 'ending in a newline')
    t.match(lines[0], c.line)
  })
}

// A reader that closes the pipe early (`explain ... | head -1`) is no error: no stack trace, and
// the exit code of the work done.
t.test('output closed early by its reader: exit 0, nothing on standard error', async (t) => {
  const pod = chartPod()
  const docs = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: Array.from({ length: 300 }, (_, i) => ({ ...pod, metadata: { ...pod.metadata, name: `p${i}` } })) })
  const child = spawn(process.execPath, [cli, 'explain', '-f', '-'], { stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  child.stdin.on('error', (error) => t.fail(`writing the input: ${error.message}`))
  child.stdout.once('data', () => child.stdout.destroy())
  child.stdin.end(docs)
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)))
  t.equal(code, 0, 'exit 0')
  t.equal(stderr, '', 'nothing on standard error')
})
