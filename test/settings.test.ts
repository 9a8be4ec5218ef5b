import t from 'tap'
import { DEFAULT_ENGINE_SETTINGS, envName, flagName, loadSettings, parseSecretRef, quantityValue, SettingsError } from '../src/settings.ts'

t.test('defaults', async (t) => {
  const settings = loadSettings()
  t.equal(settings.engine.imagePattern, DEFAULT_ENGINE_SETTINGS.imagePattern)
  t.equal(settings.server.port, 8443)
  t.equal(settings.server.bodyLimit, 4 * 1024 * 1024)
})

t.test('precedence: flag over env over file over default', async (t) => {
  const fileText = 'engine:\n  mode: ref\n  appNames: [a, b]\nserver:\n  port: 9000\n  metricsPort: 9001\n'
  const fromFile = loadSettings({ fileText, fileName: 's.yaml' })
  t.equal(fromFile.engine.mode, 'ref')
  t.same(fromFile.engine.appNames, ['a', 'b'])
  t.equal(fromFile.server.port, 9000)
  const fromEnv = loadSettings({ fileText, fileName: 's.yaml', env: { OPENCLAW_INJECTOR_PORT: '9100', OPENCLAW_INJECTOR_APP_NAMES: 'x, y' } })
  t.equal(fromEnv.server.port, 9100)
  t.same(fromEnv.engine.appNames, ['x', 'y'])
  const fromFlag = loadSettings({ fileText, fileName: 's.yaml', env: { OPENCLAW_INJECTOR_PORT: '9100' }, flags: { port: '9200' } })
  t.equal(fromFlag.server.port, 9200)
  t.equal(fromFlag.server.metricsPort, 9001)
})

t.test('names', async (t) => {
  t.equal(flagName('shutdownTimeoutMs'), 'shutdown-timeout-ms')
  t.equal(envName('shutdownTimeoutMs'), 'OPENCLAW_INJECTOR_SHUTDOWN_TIMEOUT_MS')
})

t.test('every bad value is reported, one line each', async (t) => {
  const error = t.throws(() =>
    loadSettings({
      flags: { port: '70000', mode: 'plain', 'image-pattern': '(', 'default-token-secret': 'Bad/' },
      env: { OPENCLAW_INJECTOR_MEMORY_LIMIT: 'lots', OPENCLAW_INJECTOR_TLS_CERT: '/x.crt' },
      fileText: 'engine:\n  nope: 1\nextra: {}\n',
      fileName: 's.yaml',
    }),
  ) as SettingsError
  t.type(error, SettingsError)
  const lines = error.message.split('\n')
  t.match(lines, [
    /s.yaml: unknown setting engine.nope/,
    /s.yaml: unknown section "extra"/,
  ])
  for (const pattern of [/--image-pattern: not a valid regular expression/, /--default-token-secret: expected NAME or NAME\/KEY/, /--mode: expected one of "auto", "sync", "ref", got "plain"/, /OPENCLAW_INJECTOR_MEMORY_LIMIT: "lots" is not a Kubernetes quantity/, /--port: expected a port number 0-65535, got "70000"/, /--tls-cert and --tls-key: give both or neither/]) {
    t.ok(lines.some((line) => pattern.test(line)), String(pattern))
  }
  t.throws(() => loadSettings({ fileText: 'engine: [1', fileName: 'bad.yaml' }), /bad.yaml: not valid YAML/)
  t.throws(() => loadSettings({ flags: { config: '/nonexistent.yaml' } }), /settings file \/nonexistent.yaml: ENOENT/)
})

t.test('quantities, ports and whole numbers are strict', async (t) => {
  for (const bad of ['.', '1.2.3', '-1', '1Xi', '']) t.throws(() => loadSettings({ flags: { 'cpu-limit': bad } }), /is not a Kubernetes quantity/, JSON.stringify(bad))
  for (const good of ['200m', '0.5', '.5', '128Mi', '1e3', '2']) t.equal(loadSettings({ flags: { 'cpu-limit': good, 'cpu-request': '0' } }).engine.cpuLimit, good)
  t.equal(quantityValue('128Mi'), 128 * 2 ** 20)
  t.equal(quantityValue('200m'), 0.2)
  t.equal(quantityValue('1e3'), 1000)
  t.throws(() => loadSettings({ env: { OPENCLAW_INJECTOR_CPU_REQUEST: '1' } }), /--cpu-request 1 is more than --cpu-limit 500m/)
  t.throws(() => loadSettings({ flags: { 'memory-request': '1Gi', 'memory-limit': '512Mi' } }), /--memory-request 1Gi is more than --memory-limit 512Mi/)
  for (const bad of ['', ' ', '8443.5', '0x10']) t.throws(() => loadSettings({ env: { OPENCLAW_INJECTOR_PORT: bad } }), /OPENCLAW_INJECTOR_PORT: expected a port number/, JSON.stringify(bad))
  t.equal(loadSettings({ env: { OPENCLAW_INJECTOR_PORT: '0' } }).server.port, 0, 'port 0 stays: any free port, for tests')
  t.throws(() => loadSettings({ flags: { 'body-limit': '' } }), /--body-limit: expected a positive whole number/)
})

t.test('NAME[/KEY] references', async (t) => {
  t.same(parseSecretRef('gw', 'OPENCLAW_GATEWAY_TOKEN'), { name: 'gw', key: 'OPENCLAW_GATEWAY_TOKEN' })
  t.same(parseSecretRef('gw/token.txt', 'X'), { name: 'gw', key: 'token.txt' })
  for (const bad of ['', '/key', 'gw/', 'Upper', 'gw/a/b', 'gw/key with space']) t.equal(parseSecretRef(bad, 'K'), undefined, bad)
})
