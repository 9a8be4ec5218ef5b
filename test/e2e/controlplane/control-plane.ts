// A real kube-apiserver + etcd on loopback for end-to-end tests, in the spirit
// of controller-runtime's envtest. No scheduler, controller-manager or kubelet:
// objects can be created and read through the API (which is all admission
// webhooks need), pods are never scheduled and namespaces never finish deleting.
//
// Node 24 with native type stripping: erasable syntax only, node: built-ins only.
//
//   const cp = await startControlPlane();
//   await cp.createNamespace('e2e-1', { 'pod-security.kubernetes.io/enforce': 'restricted' });
//   const res = await cp.request('POST', '/api/v1/namespaces/e2e-1/pods', pod);
//   await cp.stop();
//
// Binaries come from build.sh (built once into a cache outside the repo), or
// from $KUBE_APISERVER_BIN and $ETCD_BIN when both are set.

import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnTied } from '../../helpers/processes.ts';
import { freePorts } from '../../helpers/wait.ts';

export interface ControlPlaneOptions {
  /** Extra kube-apiserver flags ("--name=value"); a flag given here replaces the default one of that name. */
  apiserverArgs?: string[];
  /** Extra etcd flags ("--name=value"); a flag given here replaces the default one of that name. */
  etcdArgs?: string[];
  /** Deadline for etcd + kube-apiserver to become ready (default 120000 ms, or $CONTROLPLANE_START_TIMEOUT_MS). */
  startTimeoutMs?: number;
  /** Parent of the temp dir (default os.tmpdir()). */
  tmpRoot?: string;
  /** Keep the temp dir (certs, kubeconfig, logs) after stop() for debugging (default: $CONTROLPLANE_KEEP_DIR === '1'). */
  keepDir?: boolean;
  /** Binaries to use instead of running build.sh (default: $KUBE_APISERVER_BIN / $ETCD_BIN, else build.sh). */
  binaries?: Binaries;
  /** Called with progress lines (default: silent unless $CONTROLPLANE_VERBOSE === '1', then stderr). */
  log?: (line: string) => void;
}

export interface Binaries {
  kubeApiserver: string;
  etcd: string;
}

export interface ApiResponse<T = any> {
  status: number;
  ok: boolean;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the raw text when the body is not JSON. */
  body: T;
  text: string;
}

export interface RequestOptions {
  /** Content-Type of the body. Default: application/json; for PATCH application/merge-patch+json
   * (application/json-patch+json when the body is an array). */
  contentType?: string;
  /** Request timeout in ms (default 30000). */
  timeoutMs?: number;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  url: string;
  host: string;
  port: number;
  /** PEM of the CA that signed the apiserver serving cert and the admin client cert. */
  caPem: string;
  /** CA private key (PEM), e.g. to sign a webhook serving cert the apiserver will trust via caBundle. */
  caKeyPem: string;
  /** Admin client certificate (O=system:masters) and key, PEM. */
  adminClientCert: string;
  adminClientKey: string;
  /** kubeconfig with the admin credentials embedded (usable by kubectl or @kubernetes/client-node). */
  kubeconfigPath: string;
  /** http://127.0.0.1:<port> of etcd. */
  etcdUrl: string;
  /** Temp dir holding certs, keys, kubeconfig, logs (apiserver.log, etcd.log) and the etcd data dir. */
  dir: string;
  binaries: Binaries;
  /** Milliseconds: etcd healthy, then apiserver /readyz ok, measured from process start; total includes cert generation. */
  timings: { etcdReadyMs: number; apiserverReadyMs: number; totalMs: number };
  /** JSON request to the apiserver as admin. Resolves for any HTTP status; rejects on network errors. */
  request<T = any>(method: string, apiPath: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>>;
  /** Like request() but rejects with ApiError unless the status is 2xx. Resolves to the parsed body. */
  requestOk<T = any>(method: string, apiPath: string, body?: unknown, opts?: RequestOptions): Promise<T>;
  /** Creates a namespace and its `default` ServiceAccount (no controller-manager here to do that). */
  createNamespace(name: string, labels?: Record<string, string>): Promise<any>;
  /** Kills kube-apiserver and etcd and removes the temp dir. Idempotent. */
  stop(): Promise<void>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(method: string, apiPath: string, res: ApiResponse) {
    const message = typeof res.body === 'object' && res.body !== null && 'message' in res.body
      ? String((res.body as { message: unknown }).message)
      : res.text.slice(0, 500);
    super(`${method} ${apiPath}: HTTP ${res.status}: ${message}`);
    this.name = 'ApiError';
    this.status = res.status;
    this.body = res.body;
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
const buildScript = path.join(here, 'build.sh');

// ---------------------------------------------------------------------------
// Binaries

let binariesPromise: Promise<Binaries> | undefined;

/**
 * Paths of kube-apiserver and etcd: $KUBE_APISERVER_BIN and $ETCD_BIN when both are set,
 * otherwise runs build.sh (which builds into the cache once and returns at once afterwards).
 * Memoised per process.
 */
export function ensureBinaries(log: (line: string) => void = defaultLog()): Promise<Binaries> {
  const envApiserver = process.env.KUBE_APISERVER_BIN;
  const envEtcd = process.env.ETCD_BIN;
  if (envApiserver && envEtcd) return Promise.resolve({ kubeApiserver: envApiserver, etcd: envEtcd });
  binariesPromise ??= runBuildScript(log).catch((err: unknown) => {
    binariesPromise = undefined;
    throw err;
  });
  return binariesPromise;
}

function runBuildScript(log: (line: string) => void): Promise<Binaries> {
  return new Promise((resolve, reject) => {
    log(`running ${buildScript}`);
    const child = spawn('bash', [buildScript], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const stderrTail = new LineTail(60);
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderrTail.push(d);
      // build progress is worth seeing: a cold build takes minutes
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`${buildScript} failed (${signal ?? `exit ${code}`}):\n${stderrTail.text()}`));
        return;
      }
      const kubeApiserver = /^KUBE_APISERVER=(.+)$/m.exec(stdout)?.[1];
      const etcd = /^ETCD=(.+)$/m.exec(stdout)?.[1];
      if (!kubeApiserver || !etcd) {
        reject(new Error(`${buildScript} printed no binary paths; stdout:\n${stdout}`));
        return;
      }
      resolve({ kubeApiserver, etcd });
    });
  });
}

// ---------------------------------------------------------------------------
// Process bookkeeping: nothing may outlive the test process.

interface Managed {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  exitInfo: string | undefined;
  stderrTail: LineTail;
  logStream: WriteStream;
}

const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** Temp dirs go at exit; the processes go by themselves (spawnTied). */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous.
  process.on('exit', () => {
    for (const dir of liveDirs) {
      try { rmSync(dir, { recursive: true, force: true }); } catch { /* best effort */ }
    }
  });
}

function startProcess(name: string, bin: string, args: string[], dir: string): Managed {
  const logStream = createWriteStream(path.join(dir, `${name}.log`));
  logStream.on('error', () => { /* dir removed under us during shutdown */ });
  const child = spawnTied(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  const stderrTail = new LineTail(40);
  const m: Managed = { name, child, exited: Promise.resolve(), exitInfo: undefined, stderrTail, logStream };
  m.exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      m.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.on('error', (err) => {
      m.exitInfo = `failed to start: ${err.message}`;
      resolve();
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (d: string) => {
      stderrTail.push(d);
      logStream.write(d);
    });
  }
  return m;
}

/** SIGKILL: all state is thrown away with the temp dir, and kube-apiserver's graceful shutdown costs ~1 s. */
async function stopProcess(m: Managed): Promise<void> {
  if (m.exitInfo === undefined) {
    try { m.child.kill('SIGKILL'); } catch { /* gone */ }
    await m.exited;
  }
  await new Promise<void>((resolve) => m.logStream.end(resolve));
}

class LineTail {
  readonly #max: number;
  #lines: string[] = [];
  #partial = '';
  constructor(max: number) { this.#max = max; }
  push(chunk: string): void {
    const parts = (this.#partial + chunk).split('\n');
    this.#partial = parts.pop() ?? '';
    this.#lines.push(...parts);
    if (this.#lines.length > this.#max) this.#lines.splice(0, this.#lines.length - this.#max);
  }
  text(): string {
    return [...this.#lines, this.#partial].filter((l) => l !== '').join('\n');
  }
}

// ---------------------------------------------------------------------------
// Helpers

const DIR_PREFIX = 'openclaw-e2e-cp-';

/**
 * Removes temp dirs left by test processes that died without running their 'exit' handler
 * (SIGKILL, test-runner timeout). Their etcd/apiserver died with them (setpriv --pdeathsig).
 */
export function sweepStaleDirs(tmpRoot: string, prefix: string = DIR_PREFIX): void {
  let entries: string[];
  try { entries = readdirSync(tmpRoot); } catch { return; }
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const dir = path.join(tmpRoot, name);
    let pid: number;
    try { pid = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8')); } catch { continue; }
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') rmSync(dir, { recursive: true, force: true });
    }
  }
}

function defaultLog(): (line: string) => void {
  return process.env.CONTROLPLANE_VERBOSE === '1'
    ? (line) => process.stderr.write(`[controlplane] ${line}\n`)
    : () => {};
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function openssl(args: string[], cwd: string): void {
  const res = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run openssl (needed to make test certificates): ${res.error.message}`);
  if (res.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${res.stderr}`);
}

interface Pki {
  caCert: string; caKey: string;
  serverCert: string; serverKey: string;
  adminCert: string; adminKey: string;
  saPub: string; saKey: string;
}

/** CA, apiserver serving cert, admin client cert (via openssl) and the service account key pair (node:crypto). */
function makePki(dir: string): Pki {
  const f = (name: string): string => path.join(dir, name);
  writeFileSync(f('openssl.cnf'), [
    '[req]', 'distinguished_name = dn', 'prompt = no', '[dn]',
    '[v3_ca]', 'basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    '[v3_server]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = serverAuth', 'authorityKeyIdentifier = keyid',
    'subjectAltName = IP:127.0.0.1, DNS:localhost, IP:10.0.0.1, DNS:kubernetes, DNS:kubernetes.default, DNS:kubernetes.default.svc, DNS:kubernetes.default.svc.cluster.local',
    '[v3_client]', 'basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment',
    'extendedKeyUsage = clientAuth', 'authorityKeyIdentifier = keyid',
    '',
  ].join('\n'));
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const cfg = ['-config', 'openssl.cnf'];
  openssl(['req', '-x509', ...key, ...cfg, '-extensions', 'v3_ca', '-days', '30',
    '-subj', '/CN=openclaw-injector-e2e-ca', '-keyout', 'ca.key', '-out', 'ca.crt'], dir);
  const leaf = (name: string, subj: string, ext: string): void => {
    openssl(['req', '-new', ...key, ...cfg, '-subj', subj, '-keyout', `${name}.key`, '-out', `${name}.csr`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
      '-set_serial', `0x${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}`, '-days', '30',
      '-extfile', 'openssl.cnf', '-extensions', ext, '-out', `${name}.crt`], dir);
  };
  leaf('apiserver', '/CN=kube-apiserver', 'v3_server');
  leaf('admin', '/O=system:masters/CN=openclaw-e2e-admin', 'v3_client');

  const sa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const saPub = sa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const saKey = sa.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(f('sa.pub'), saPub);
  writeFileSync(f('sa.key'), saKey, { mode: 0o600 });

  const read = (name: string): string => readFileSync(f(name), 'utf8');
  return {
    caCert: read('ca.crt'), caKey: read('ca.key'),
    serverCert: read('apiserver.crt'), serverKey: read('apiserver.key'),
    adminCert: read('admin.crt'), adminKey: read('admin.key'),
    saPub, saKey,
  };
}

/** Defaults overridden by same-named flags in extra. */
function mergeFlags(defaults: string[], extra: string[] | undefined): string[] {
  const name = (flag: string): string => flag.split('=', 1)[0] ?? flag;
  const overridden = new Set((extra ?? []).map(name));
  return [...defaults.filter((f) => !overridden.has(name(f))), ...(extra ?? [])];
}

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

function kubeconfig(url: string, pki: Pki): string {
  // JSON is valid YAML; kubectl and @kubernetes/client-node both read it.
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'e2e', cluster: { server: url, 'certificate-authority-data': b64(pki.caCert) } }],
    users: [{ name: 'e2e-admin', user: { 'client-certificate-data': b64(pki.adminCert), 'client-key-data': b64(pki.adminKey) } }],
    contexts: [{ name: 'e2e', context: { cluster: 'e2e', user: 'e2e-admin', namespace: 'default' } }],
    'current-context': 'e2e',
    preferences: {},
  }, null, 2) + '\n';
}

function httpGetStatus(url: string, agentOpts: https.RequestOptions | undefined): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { ...agentOpts, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Polls until check() resolves true; fails early if the process exits; fails at the deadline. */
async function waitFor(what: string, deadline: number, proc: Managed, check: () => Promise<boolean>): Promise<void> {
  let lastErr = '';
  for (;;) {
    if (proc.exitInfo !== undefined) {
      throw new Error(`${proc.name} ${proc.exitInfo} before ${what}; last output:\n${proc.stderrTail.text()}`);
    }
    try {
      if (await check()) return;
    } catch (err) {
      lastErr = (err as Error).message;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastErr ? ` (last error: ${lastErr})` : ''}; last ${proc.name} output:\n${proc.stderrTail.text()}`);
    }
    await sleep(150);
  }
}

// ---------------------------------------------------------------------------
// The control plane

/** Starts etcd and kube-apiserver on free loopback ports. Retries once when a port was taken meanwhile. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt < 3 && /address already in use/i.test((err as Error).message)) continue;
      throw err;
    }
  }
}

async function startOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const log = opts.log ?? defaultLog();
  const t0 = Date.now();
  const startTimeoutMs = opts.startTimeoutMs ?? (Number(process.env.CONTROLPLANE_START_TIMEOUT_MS) || 120_000);
  const keepDir = opts.keepDir ?? process.env.CONTROLPLANE_KEEP_DIR === '1';
  const binaries = opts.binaries ?? await ensureBinaries(log);
  for (const bin of [binaries.kubeApiserver, binaries.etcd]) {
    if (!existsSync(bin)) throw new Error(`control-plane binary not found: ${bin}`);
  }

  installExitHook();
  const tmpRoot = opts.tmpRoot ?? os.tmpdir();
  sweepStaleDirs(tmpRoot);
  const dir = mkdtempSync(path.join(tmpRoot, DIR_PREFIX));
  // lets a later run remove this dir if we die without cleaning up (not for kept dirs)
  if (!keepDir) writeFileSync(path.join(dir, 'owner.pid'), `${process.pid}\n`);
  if (!keepDir) liveDirs.add(dir);
  const procs: Managed[] = [];
  let agent: https.Agent | undefined;
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      agent?.destroy();
      // apiserver first (it would otherwise log etcd connection errors), then etcd
      for (const m of [...procs].reverse()) await stopProcess(m);
      if (!keepDir) {
        rmSync(dir, { recursive: true, force: true });
        liveDirs.delete(dir);
      } else {
        log(`kept ${dir}`);
      }
    })();
    return stopped;
  };

  try {
    const pki = makePki(dir);
    const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3) as [number, number, number];
    const host = '127.0.0.1';
    const etcdUrl = `http://${host}:${etcdClientPort}`;
    const peerUrl = `http://${host}:${etcdPeerPort}`;
    const url = `https://${host}:${apiPort}`;

    // etcd
    const etcdArgs = mergeFlags([
      '--name=e2e',
      `--data-dir=${path.join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=e2e=${peerUrl}`,
      '--initial-cluster-state=new',
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ], opts.etcdArgs);
    log(`starting etcd on ${etcdUrl}`);
    const etcdStart = Date.now();
    const etcd = startProcess('etcd', binaries.etcd, etcdArgs, dir);
    procs.push(etcd);
    const deadline = Date.now() + startTimeoutMs;
    await waitFor('etcd to become healthy', deadline, etcd, async () => {
      const r = await httpGetStatus(`${etcdUrl}/health`, undefined);
      return r.status === 200 && r.text.includes('"health":"true"');
    });
    const etcdReadyMs = Date.now() - etcdStart;

    // kube-apiserver, with envtest's flag set as the model
    const f = (name: string): string => path.join(dir, name);
    const apiserverArgs = mergeFlags([
      `--etcd-servers=${etcdUrl}`,
      `--bind-address=${host}`,
      `--advertise-address=${host}`,
      `--secure-port=${apiPort}`,
      `--cert-dir=${f('apiserver-certs')}`,
      `--tls-cert-file=${f('apiserver.crt')}`,
      `--tls-private-key-file=${f('apiserver.key')}`,
      `--client-ca-file=${f('ca.crt')}`,
      '--authorization-mode=RBAC',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--allow-privileged=true',
      `--service-account-issuer=${url}`,
      `--service-account-key-file=${f('sa.pub')}`,
      `--service-account-signing-key-file=${f('sa.key')}`,
      // all of these are in the default set already; listed to make the intent explicit
      // (LimitRanger and ResourceQuota check injected containers after the webhooks)
      '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota',
      // a single apiserver on loopback: no kubernetes-service endpoint to maintain
      '--endpoint-reconciler-type=none',
      '--profiling=false',
    ], opts.apiserverArgs);
    log(`starting kube-apiserver on ${url}`);
    const apiStart = Date.now();
    const apiserver = startProcess('apiserver', binaries.kubeApiserver, apiserverArgs, dir);
    procs.push(apiserver);

    agent = new https.Agent({ ca: pki.caCert, cert: pki.adminCert, key: pki.adminKey, keepAlive: true, maxSockets: 16 });
    const tlsOpts = { agent };
    await waitFor('kube-apiserver /readyz', deadline, apiserver, async () => {
      const r = await httpGetStatus(`${url}/readyz`, tlsOpts);
      return r.status === 200;
    });
    const apiserverReadyMs = Date.now() - apiStart;

    const kubeconfigPath = f('kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfig(url, pki), { mode: 0o600 });

    const request = <T = any>(method: string, apiPath: string, body?: unknown, ropts?: RequestOptions): Promise<ApiResponse<T>> =>
      doRequest<T>(url, agent!, method, apiPath, body, ropts);
    const requestOk = async <T = any>(method: string, apiPath: string, body?: unknown, ropts?: RequestOptions): Promise<T> => {
      const res = await request<T>(method, apiPath, body, ropts);
      if (!res.ok) throw new ApiError(method, apiPath, res);
      return res.body;
    };
    const ensureDefaultServiceAccount = async (namespace: string): Promise<void> => {
      const res = await request('POST', `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts`,
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
      if (!res.ok && res.status !== 409) throw new ApiError('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, res);
    };
    const createNamespace = async (name: string, labels: Record<string, string> = {}): Promise<any> => {
      const ns = await requestOk('POST', '/api/v1/namespaces',
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
      await ensureDefaultServiceAccount(name);
      return ns;
    };

    // The apiserver creates the `default` namespace itself shortly after start; its ServiceAccount
    // would come from kube-controller-manager, which does not run here.
    await waitFor('the default namespace', deadline, apiserver, async () => (await request('GET', '/api/v1/namespaces/default')).ok);
    await ensureDefaultServiceAccount('default');

    const cp: ControlPlane = {
      url, host, port: apiPort,
      caPem: pki.caCert, caKeyPem: pki.caKey,
      adminClientCert: pki.adminCert, adminClientKey: pki.adminKey,
      kubeconfigPath, etcdUrl, dir, binaries,
      timings: { etcdReadyMs, apiserverReadyMs, totalMs: Date.now() - t0 },
      request, requestOk, createNamespace, stop,
    };
    log(`ready in ${cp.timings.totalMs} ms (etcd ${etcdReadyMs} ms, apiserver ${apiserverReadyMs} ms); dir ${dir}`);
    return cp;
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  }
}

function doRequest<T>(base: string, agent: https.Agent, method: string, apiPath: string, body: unknown, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const upper = method.toUpperCase();
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const contentType = opts.contentType ?? (upper === 'PATCH'
    ? (Array.isArray(body) ? 'application/json-patch+json' : 'application/merge-patch+json')
    : 'application/json');
  const headers: Record<string, string | number> = { Accept: 'application/json' };
  if (payload !== undefined) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(apiPath, base), { method: upper, agent, headers, timeout: opts.timeoutMs ?? 30_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => {
        let parsed: unknown = text;
        if (text !== '' && /json/.test(res.headers['content-type'] ?? '')) {
          try { parsed = JSON.parse(text); } catch { /* keep text */ }
        }
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, headers: res.headers, body: parsed as T, text });
      });
    });
    req.on('timeout', () => req.destroy(new Error(`${upper} ${apiPath}: timed out`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

/** Free-function form of cp.request(). */
export function request<T = any>(cp: ControlPlane, method: string, apiPath: string, body?: unknown, opts?: RequestOptions): Promise<ApiResponse<T>> {
  return cp.request<T>(method, apiPath, body, opts);
}

/** Free-function form of cp.createNamespace(): the namespace plus its `default` ServiceAccount. */
export function createNamespace(cp: ControlPlane, name: string, labels?: Record<string, string>): Promise<any> {
  return cp.createNamespace(name, labels);
}
