// A pod as the OpenClaw Helm chart renders it, openclaw-injector's real `inject` on it, and the
// containers of the result run on this machine: each volume a directory under a temp root, each
// container path mapped into it, each secretKeyRef filled from the test's Secrets.
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { parse as parseYaml } from 'yaml'
import type { V1Container, V1EnvVar, V1Pod, V1VolumeMount } from '@kubernetes/client-node'
import { REPO, cleanEnv, run, type OpenClaw, type RunResult } from './openclaw.ts'
import { chartPod } from '../../helpers/pods.ts'
import { SYNC_ENTRY, syncSourceSha256 } from '../../../scripts/sync-source.ts'

/** `auto` is the default: the pod carries no mode annotation. */
export type Mode = 'auto' | 'sync' | 'ref'

export const TOKEN_SECRET = 'openclaw-gateway-token'
export const SEED_CONFIGMAP = 'openclaw'
export const STATE_MOUNT = '/home/node/.openclaw'
/** The official image: HOME of user node, workdir /app (which has node_modules/json5). */
export const IMAGE_HOME = '/home/node'
export const IMAGE_WORKDIR = '/app'

/**
 * The chart's pod (thepagent/openclaw-helm templates/deployment.yaml) as test/fixtures/chart-pod.json
 * holds it, with the chart's copy-only init-config in front: it copies the ConfigMap's openclaw.json
 * onto the PVC when absent; the main container runs the gateway and takes OPENCLAW_GATEWAY_TOKEN
 * (or _PASSWORD) from the chart's Secret through envFrom.
 */
export function chartPodWithCopyInit(options: { mode?: Mode; annotations?: Record<string, string> } = {}): V1Pod {
  const pod = chartPod() as V1Pod
  const annotations: Record<string, string> = { ...options.annotations }
  if (options.mode && options.mode !== 'auto') annotations['openclaw.ai/token-sync-mode'] = options.mode
  pod.metadata = { ...pod.metadata, annotations }
  const gateway = pod.spec!.containers.find((c) => c.name === 'main')!
  pod.spec!.initContainers = [
    {
      name: 'init-config',
      image: gateway.image,
      command: ['sh', '-c', `mkdir -p ${STATE_MOUNT}\n[ -f ${STATE_MOUNT}/openclaw.json ] || cp /config/openclaw.json ${STATE_MOUNT}/openclaw.json\n`],
      volumeMounts: [
        { name: 'config', mountPath: '/config' },
        { name: 'data', mountPath: STATE_MOUNT },
        { name: 'tmp', mountPath: '/tmp' },
      ],
    },
    ...(pod.spec!.initContainers ?? []),
  ]
  return pod
}

export interface Injected {
  pod: V1Pod
  /** The init container openclaw-injector added (the one carrying OPENCLAW_INJECTOR_MODE). */
  init: V1Container
  gateway: V1Container
  warnings: string
}

/** `node dist/cli.js inject -f pod.json`, exactly as a user runs it, and the container it added. */
export async function inject(oc: OpenClaw, pod: V1Pod, dir: string): Promise<Injected> {
  const cli = path.join(REPO, 'dist', 'cli.js')
  const file = path.join(dir, 'pod.json')
  writeFileSync(file, JSON.stringify(pod, null, 2))
  const result = await run(oc.node, [cli, 'inject', '-f', file], { env: cleanEnv(oc, { HOME: dir }), cwd: dir, timeoutMs: 60_000 })
  if (result.code !== 0) throw new Error(`openclaw-injector inject exited ${result.code}: ${result.stderr.trim() || '(no output)'}; run \`npm run build\` first`)
  const out = parseYaml(result.stdout) as V1Pod
  const init = (out.spec?.initContainers ?? []).find((c) => (c.env ?? []).some((e) => e.name === 'OPENCLAW_INJECTOR_MODE'))
  if (init === undefined) throw new Error(`inject added no init container with OPENCLAW_INJECTOR_MODE; stderr: ${result.stderr.trim()}`)
  const gateway = (out.spec?.containers ?? []).find((c) => c.name === 'main')
  if (gateway === undefined) throw new Error('inject output has no container main')
  return { pod: out, init, gateway, warnings: result.stderr }
}

/**
 * The script the built CLI embeds was not built from the modules in src/sync/ as they are now: dist
 * is stale. The shipped (bundled) script names the digest of its modules on its first line.
 */
export function staleBuild(init: V1Container): boolean {
  const script = init.command?.[2] ?? ''
  return !script.slice(0, script.indexOf('\n')).includes(`${SYNC_ENTRY} (sha256 ${syncSourceSha256(REPO).slice(0, 16)})`)
}

export type Secrets = Record<string, Record<string, string>>

/**
 * The pod's filesystem under `root`: a container path p is `root + p`, except under a volume
 * mount, where it is the volume's directory. A volume's directory is where the gateway container
 * mounts it (so the gateway's default ~/.openclaw is the PVC, as in the pod), else
 * root/.volumes/NAME; every container that mounts it sees the same directory.
 */
export class PodFs {
  readonly root: string
  readonly pod: V1Pod
  readonly oc: OpenClaw
  constructor(root: string, pod: V1Pod, oc: OpenClaw) {
    this.root = root
    this.pod = pod
    this.oc = oc
  }

  volumeDir(name: string): string {
    const gateway = this.pod.spec?.containers?.find((c) => c.name === 'main')
    const mount = gateway?.volumeMounts?.find((m) => m.name === name && !m.subPath && !m.subPathExpr)
    return mount ? path.join(this.root, mount.mountPath) : path.join(this.root, '.volumes', name)
  }

  /** Host path of container path `p` in `container`. */
  map(container: V1Container, p: string): string {
    const normal = path.posix.normalize(p)
    let best: V1VolumeMount | undefined
    for (const m of container.volumeMounts ?? []) {
      const mp = path.posix.normalize(m.mountPath).replace(/(.)\/$/, '$1')
      if ((normal === mp || normal.startsWith(mp === '/' ? '/' : mp + '/')) && (best === undefined || mp.length > best.mountPath.length)) best = { ...m, mountPath: mp }
    }
    if (best === undefined) return path.join(this.root, normal)
    const base = path.join(this.volumeDir(best.name), best.subPath ?? '')
    return path.join(base, path.posix.relative(best.mountPath, normal))
  }

  /** Creates every volume's directory; configMap volumes get their files. */
  materialize(configMaps: Record<string, Record<string, string>>): void {
    for (const v of this.pod.spec?.volumes ?? []) {
      const dir = this.volumeDir(v.name)
      mkdirSync(dir, { recursive: true })
      if (v.configMap) {
        const data = configMaps[v.configMap.name ?? ''] ?? {}
        const items = v.configMap.items?.length ? v.configMap.items : Object.keys(data).map((key) => ({ key, path: key }))
        for (const item of items) {
          const value = data[item.key]
          if (value === undefined) continue
          mkdirSync(path.dirname(path.join(dir, item.path)), { recursive: true })
          writeFileSync(path.join(dir, item.path), value)
        }
      }
    }
    mkdirSync(path.join(this.root, IMAGE_HOME), { recursive: true })
    // The image's /app as the sync script reads it: OpenClaw's package.json, and json5 in its
    // node_modules (the npm install hoists json5 beside the package; the script loads it only
    // from <app>/node_modules/json5).
    const app = path.join(this.root, IMAGE_WORKDIR)
    mkdirSync(app, { recursive: true })
    copyFileSync(path.join(this.oc.packageDir, 'package.json'), path.join(app, 'package.json'))
    const json5 = path.dirname(createRequire(path.join(this.oc.packageDir, 'package.json')).resolve('json5/package.json'))
    cpSync(json5, path.join(app, 'node_modules', 'json5'), { recursive: true })
  }

  /**
   * The environment the kubelet gives `container`, as this machine needs it: the image's HOME,
   * envFrom and env with Secrets filled in (a missing optional key leaves the variable unset, as
   * it does in a pod), and every absolute path under a mount mapped into the temp root (the
   * image's /app included, which materialize() fills as the sync script reads it).
   */
  containerEnv(container: V1Container, secrets: Secrets): Record<string, string> {
    const env: Record<string, string> = { HOME: path.join(this.root, IMAGE_HOME) }
    for (const from of container.envFrom ?? []) {
      const name = from.secretRef?.name
      if (name === undefined) throw new Error(`envFrom other than secretRef is not modelled (${container.name})`)
      const data = secrets[name]
      if (data === undefined) {
        if (from.secretRef?.optional) continue
        throw new Error(`container ${container.name}: Secret ${name} does not exist (the pod would not start)`)
      }
      for (const [key, value] of Object.entries(data)) env[(from.prefix ?? '') + key] = value
    }
    for (const entry of container.env ?? []) {
      const value = this.envValue(container, entry, secrets)
      if (value === undefined) delete env[entry.name]
      else env[entry.name] = value
    }
    return env
  }

  private envValue(container: V1Container, entry: V1EnvVar, secrets: Secrets): string | undefined {
    const ref = entry.valueFrom?.secretKeyRef
    if (ref) {
      const value = secrets[ref.name ?? '']?.[ref.key ?? '']
      if (value === undefined && !ref.optional) throw new Error(`container ${container.name}: Secret ${ref.name} has no key ${ref.key} (the pod would not start)`)
      return value
    }
    if (entry.valueFrom) throw new Error(`container ${container.name}: env ${entry.name} uses a valueFrom that is not modelled`)
    const value = entry.value ?? ''
    if (value.includes('$(')) throw new Error(`container ${container.name}: env ${entry.name} uses $(VAR) expansion, not modelled`)
    return value.startsWith('/') ? this.map(container, value) : value
  }
}

/** Runs an init container that is `node -e SCRIPT` with its mapped env; the real Node 24. */
export async function runNodeContainer(fs: PodFs, container: V1Container, secrets: Secrets): Promise<RunResult> {
  const command = container.command ?? []
  if (command[0] !== 'node' || command[1] !== '-e' || typeof command[2] !== 'string' || command.length !== 3 || (container.args ?? []).length > 0) {
    throw new Error(`init container ${container.name} is not \`node -e SCRIPT\`: ${JSON.stringify(command.slice(0, 2))}`)
  }
  const env = cleanEnv(fs.oc, fs.containerEnv(container, secrets))
  return run(fs.oc.node, ['-e', command[2]], { env, cwd: path.join(fs.root, IMAGE_WORKDIR), timeoutMs: 60_000 })
}
