// The real webhook, `node dist/cli.js serve`, as a child process on loopback for the e2e tests,
// with the serving certificate in files the test can rewrite (the server reloads them in place).
// Nothing here outlives the test process: the child is started with spawnTied
// (test/helpers/processes.ts).
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { CertificateMaterial } from '../../../src/certs/generate.ts';
import { servingCertificates as localhostCertificates, writePair } from '../../helpers/tls.ts';
import type { TlsPaths } from '../../helpers/tls.ts';
import { spawnTied } from '../../helpers/processes.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const CLI = path.join(repoRoot, 'dist', 'cli.js');

/** A CA and a serving certificate for 127.0.0.1 / localhost from our own certs code. */
export function servingCertificates(ca?: { cert: string; key: string }): Promise<CertificateMaterial> {
  return localhostCertificates(ca, { commonName: 'openclaw-injector-e2e', validityDays: 2 });
}

export type { TlsPaths };
/** Replaces the key and certificate files the way a Secret volume update would: write aside, rename into place. */
export { writePair as writeServingFiles };
export { freePorts } from '../../helpers/wait.ts';

export interface InjectorOptions extends TlsPaths {
  port: number;
  metricsPort: number;
  /** Extra flags for `serve`. */
  args?: string[];
  /** Receives every chunk the process writes to stdout and stderr. */
  onOutput?: (chunk: string) => void;
  startTimeoutMs?: number;
}

export interface Injector {
  /** https://127.0.0.1:<port>/mutate */
  mutateUrl: string;
  /** http://127.0.0.1:<metricsPort> */
  opsUrl: string;
  port: number;
  metricsPort: number;
  pid: number;
  /** stdout + stderr of this process so far. */
  output(): string;
  /** True until the process has exited. */
  running(): boolean;
  /** How the process ended ("exited with code 0", "killed by SIGKILL"), undefined while it runs. */
  exitInfo(): string | undefined;
  /** The Prometheus text of /metrics. */
  metricsText(): Promise<string>;
  /** SIGTERM, then SIGKILL after `killAfterMs` (default 5 s). Idempotent. Resolves when the process is gone. */
  stop(killAfterMs?: number): Promise<void>;
}

/** Starts `serve` and waits for /readyz; fails with the process output when it exits or times out first. */
export async function startInjector(opts: InjectorOptions): Promise<Injector> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const args = [
    CLI, 'serve',
    '--host', '127.0.0.1',
    '--port', String(opts.port),
    '--metrics-port', String(opts.metricsPort),
    '--tls-cert', opts.certPath,
    '--tls-key', opts.keyPath,
    ...(opts.args ?? []),
  ];
  const child = spawnTied(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.dirname(opts.certPath) });
  let output = '';
  let exitInfo: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
    child.on('error', (err) => {
      exitInfo = `failed to start: ${err.message}`;
      resolve();
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8').on('data', (d: string) => {
      output += d;
      opts.onOutput?.(d);
    });
  }

  const opsUrl = `http://127.0.0.1:${opts.metricsPort}`;
  let stopping: Promise<void> | undefined;
  const stop = (killAfterMs = 5_000): Promise<void> => {
    stopping ??= (async () => {
      if (exitInfo === undefined) {
        try { child.kill('SIGTERM'); } catch { /* gone */ }
        const timer = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, killAfterMs);
        await exited;
        clearTimeout(timer);
      }
    })();
    return stopping;
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exitInfo !== undefined) throw new Error(`openclaw-injector serve ${exitInfo} before it was ready; output:\n${output}`);
      const ready = await httpGet(`${opsUrl}/readyz`).then((r) => r.status === 200, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`openclaw-injector serve not ready within ${opts.startTimeoutMs ?? 30_000} ms; output:\n${output}`);
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    mutateUrl: `https://127.0.0.1:${opts.port}/mutate`,
    opsUrl,
    port: opts.port,
    metricsPort: opts.metricsPort,
    pid: child.pid ?? -1,
    output: () => output,
    running: () => exitInfo === undefined,
    exitInfo: () => exitInfo,
    metricsText: async () => {
      const res = await httpGet(`${opsUrl}/metrics`);
      if (res.status !== 200) throw new Error(`GET ${opsUrl}/metrics: HTTP ${res.status}: ${res.text.slice(0, 200)}`);
      return res.text;
    },
    stop,
  };
}

/** SHA-256 fingerprint of the certificate a TLS server on 127.0.0.1:port presents (no verification). */
export function presentedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const fingerprint = socket.getPeerX509Certificate()?.fingerprint256;
      socket.end();
      if (fingerprint === undefined) reject(new Error(`no certificate from 127.0.0.1:${port}`));
      else resolve(fingerprint);
    });
    socket.setTimeout(5_000, () => socket.destroy(new Error('TLS handshake timed out')));
    socket.on('error', reject);
  });
}

export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}

export function httpGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => { text += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------
// Prometheus text

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

/** Sum of a metric's samples whose labels include all of `match`. */
export function metricSum(text: string, name: string, match: Record<string, string | RegExp> = {}): number {
  return parseMetrics(text)
    .filter((s) => s.name === name)
    .filter((s) => Object.entries(match).every(([k, v]) => (typeof v === 'string' ? s.labels[k] === v : v.test(s.labels[k] ?? ''))))
    .reduce((sum, s) => sum + s.value, 0);
}

export const ADMISSIONS = 'openclaw_injector_admissions_total';
