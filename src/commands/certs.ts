// `openclaw-injector certs`: the webhook's CA and serving certificate, into a directory or a
// Secret, and optionally into a MutatingWebhookConfiguration's caBundle. Safe to run again
// and again (the certs Job and CronJob do): valid material is left alone.
import { parseArgs } from 'node:util'
import { isIP } from 'node:net'
import { isDnsLabel, isDnsName, isDnsSubdomain } from '../names.ts'
import { ClusterError, createKubeClient, directoryStore, reconcile, secretStore, type ClusterClient, type MaterialStore } from '../certs/cluster.ts'
import { CertificateError, DAY_MS, DEFAULT_VALIDITY_DAYS, serviceDnsNames } from '../certs/generate.ts'
import type { CommandIO } from './io.ts'

const USAGE = `usage: openclaw-injector certs --service NAME --namespace NS (--out DIR | --secret NAME) [flags]
       openclaw-injector certs --namespace NS --delete-secret NAME [--delete-secret NAME ...]

Creates, or renews when it expires within the renewal window, a CA and a serving
certificate for the Service's in-cluster names (NAME, NAME.NS, NAME.NS.svc,
NAME.NS.svc.cluster.local). Material that is still good is left alone.

  --service NAME          the webhook's Service (required)
  --namespace NS          its namespace, and the Secret's (required)
  --out DIR               write ca.crt, tls.crt and tls.key (0600) into DIR
  --secret NAME           keep them in the kubernetes.io/tls Secret NAME in NS instead
  --patch-webhook NAME    write the CA into every webhook's clientConfig.caBundle of the
                          MutatingWebhookConfiguration NAME (only when it differs)
  --dns-name NAME         an extra DNS name for the certificate (repeatable)
  --ip-address IP         an extra IP address for the certificate (repeatable)
  --validity DURATION     validity of a new CA and certificate (default ${DEFAULT_VALIDITY_DAYS}d)
  --renew-before DURATION renew when expiring within this (default 30d)
  --kubeconfig FILE       credentials; default: KUBECONFIG, in-cluster, ~/.kube/config
  --context NAME          kubeconfig context to use
  --timeout DURATION      per API request (default 30s)
  --delete-secret NAME    delete the Secret NAME in NS instead (repeatable; the Helm chart's
                          uninstall hook): a Secret that is already gone is not an error

DURATION: a number with a unit, d h m or s, or several (1d12h).`

const OPTIONS = {
  service: { type: 'string' },
  namespace: { type: 'string' },
  out: { type: 'string' },
  secret: { type: 'string' },
  'patch-webhook': { type: 'string' },
  'dns-name': { type: 'string', multiple: true },
  'ip-address': { type: 'string', multiple: true },
  validity: { type: 'string' },
  'renew-before': { type: 'string' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  timeout: { type: 'string' },
  'delete-secret': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const

const UNITS: Record<string, number> = { d: DAY_MS, h: 3_600_000, m: 60_000, s: 1000 }

/** `30d`, `720h`, `1d12h`, `90s` -> milliseconds; undefined when it is not such a duration. */
export function parseDuration(text: string): number | undefined {
  if (!/^(\d+(\.\d+)?[dhms])+$/.test(text)) return undefined
  let total = 0
  for (const match of text.matchAll(/(\d+(?:\.\d+)?)([dhms])/g)) total += Number(match[1]) * UNITS[match[2]!]!
  return total
}

class UsageError extends Error {}

/** `--delete-secret`: delete these Secrets of one namespace, nothing else. */
interface ParsedDelete {
  deleteSecrets: string[]
  namespace: string
  kubeconfig?: string
  context?: string
  timeoutMs: number
}

interface Parsed {
  service: string
  namespace: string
  out?: string
  secret?: string
  patchWebhook?: string
  dnsNames: string[]
  ipAddresses: string[]
  validityMs: number
  renewBeforeMs: number
  kubeconfig?: string
  context?: string
  timeoutMs: number
}

function parse(args: string[]): Parsed | ParsedDelete | 'help' {
  let values
  try {
    ;({ values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false }))
  } catch (error) {
    // parseArgs explains at length; its first sentence names the problem
    throw new UsageError((error as Error).message.split(/\.\s/)[0]!.replace(/\.$/, ''))
  }
  if (values.help) return 'help'
  if (values['delete-secret'] !== undefined) return parseDelete(values)
  const service = values.service
  const namespace = values.namespace
  if (service === undefined) throw new UsageError('--service is required')
  if (namespace === undefined) throw new UsageError('--namespace is required')
  if (!isDnsLabel(service)) throw new UsageError(`--service ${JSON.stringify(service)}: not a valid Service name (a DNS label)`)
  if (!isDnsLabel(namespace)) throw new UsageError(`--namespace ${JSON.stringify(namespace)}: not a valid namespace name (a DNS label)`)
  if (values.out === undefined && values.secret === undefined) throw new UsageError('give --out DIR or --secret NAME')
  if (values.out !== undefined && values.secret !== undefined) throw new UsageError('give --out DIR or --secret NAME, not both')
  if (values.out === '') throw new UsageError('--out: empty directory name')
  for (const [flag, value] of [['--secret', values.secret], ['--patch-webhook', values['patch-webhook']]] as const) {
    if (value !== undefined && !isDnsSubdomain(value)) throw new UsageError(`${flag} ${JSON.stringify(value)}: not a valid object name`)
  }
  const dnsNames = [...serviceDnsNames(service, namespace)]
  for (const name of values['dns-name'] ?? []) {
    if (!isDnsName(name)) throw new UsageError(`--dns-name ${JSON.stringify(name)}: not a valid DNS name`)
    if (!dnsNames.includes(name)) dnsNames.push(name)
  }
  const ipAddresses: string[] = []
  for (const ip of values['ip-address'] ?? []) {
    if (isIP(ip) === 0) throw new UsageError(`--ip-address ${JSON.stringify(ip)}: not an IP address`)
    if (!ipAddresses.includes(ip)) ipAddresses.push(ip)
  }
  const duration = (flag: string, text: string | undefined, fallback: number): number => {
    if (text === undefined) return fallback
    const ms = parseDuration(text)
    if (ms === undefined || ms <= 0) throw new UsageError(`${flag} ${JSON.stringify(text)}: expected a duration such as 30d, 720h or 1d12h`)
    return ms
  }
  const validityMs = duration('--validity', values.validity, DEFAULT_VALIDITY_DAYS * DAY_MS)
  const renewBeforeMs = duration('--renew-before', values['renew-before'], 30 * DAY_MS)
  const timeoutMs = duration('--timeout', values.timeout, 30_000)
  if (validityMs < 3_600_000 || validityMs > 3650 * DAY_MS) throw new UsageError(`--validity ${values.validity}: expected between 1h and 3650d`)
  if (renewBeforeMs >= validityMs) {
    throw new UsageError(`--renew-before ${values['renew-before'] ?? '30d'} must be shorter than --validity ${values.validity ?? `${DEFAULT_VALIDITY_DAYS}d`}, or every run would renew`)
  }
  if (values.secret === undefined && (values.kubeconfig !== undefined || values.context !== undefined) && values['patch-webhook'] === undefined) {
    throw new UsageError('--kubeconfig and --context are for --secret or --patch-webhook')
  }
  return {
    service,
    namespace,
    out: values.out,
    secret: values.secret,
    patchWebhook: values['patch-webhook'],
    dnsNames,
    ipAddresses,
    validityMs,
    renewBeforeMs,
    kubeconfig: values.kubeconfig,
    context: values.context,
    timeoutMs,
  }
}

function parseDelete(values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']): ParsedDelete {
  const names = values['delete-secret'] ?? []
  const others = (['service', 'out', 'secret', 'patch-webhook', 'dns-name', 'ip-address', 'validity', 'renew-before'] as const).filter((flag) => values[flag] !== undefined)
  if (others.length > 0) throw new UsageError(`--delete-secret deletes, it does not create: drop --${others.join(', --')}`)
  const namespace = values.namespace
  if (namespace === undefined) throw new UsageError('--namespace is required')
  if (!isDnsLabel(namespace)) throw new UsageError(`--namespace ${JSON.stringify(namespace)}: not a valid namespace name (a DNS label)`)
  for (const name of names) {
    if (!isDnsSubdomain(name)) throw new UsageError(`--delete-secret ${JSON.stringify(name)}: not a valid object name`)
  }
  const timeoutMs = values.timeout === undefined ? 30_000 : parseDuration(values.timeout)
  if (timeoutMs === undefined || timeoutMs <= 0) throw new UsageError(`--timeout ${JSON.stringify(values.timeout)}: expected a duration such as 30d, 720h or 1d12h`)
  return { deleteSecrets: [...new Set(names)], namespace, kubeconfig: values.kubeconfig, context: values.context, timeoutMs }
}

/** Deletes each Secret, one line each; a Secret already gone is reported, not an error. */
async function deleteSecrets(p: ParsedDelete, io: CommandIO): Promise<void> {
  const client = await createKubeClient({ kubeconfig: p.kubeconfig, context: p.context, timeoutMs: p.timeoutMs })
  for (const name of p.deleteSecrets) {
    const deleted = await client.deleteSecret(p.namespace, name)
    io.stdout.write(`Secret ${p.namespace}/${name}: ${deleted ? 'deleted' : 'not found; nothing to delete'}\n`)
  }
}

export async function run(args: string[], io: CommandIO): Promise<number> {
  let parsed: Parsed | ParsedDelete | 'help'
  try {
    parsed = parse(args)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    io.stderr.write(`certs: ${error.message} (see: openclaw-injector certs --help)\n`)
    return 2
  }
  if (parsed === 'help') {
    io.stdout.write(USAGE + '\n')
    return 0
  }
  const p = parsed
  try {
    if ('deleteSecrets' in p) {
      await deleteSecrets(p, io)
      return 0
    }
    let client: ClusterClient | undefined
    if (p.secret !== undefined || p.patchWebhook !== undefined) {
      client = await createKubeClient({ kubeconfig: p.kubeconfig, context: p.context, timeoutMs: p.timeoutMs })
    }
    const store: MaterialStore = p.secret !== undefined
      ? secretStore(client!, p.namespace, p.secret, { 'app.kubernetes.io/name': 'openclaw-injector', 'app.kubernetes.io/component': 'webhook-tls' })
      : directoryStore(p.out!)
    await reconcile(store, {
      commonName: `${p.service}.${p.namespace}.svc`.length <= 64 ? `${p.service}.${p.namespace}.svc` : p.service,
      dnsNames: p.dnsNames,
      ipAddresses: p.ipAddresses,
      validityDays: p.validityMs / DAY_MS,
      renewBeforeMs: p.renewBeforeMs,
      webhook: p.patchWebhook === undefined ? undefined : { client: client!, name: p.patchWebhook },
      report: (line) => io.stdout.write(line + '\n'),
    })
    return 0
  } catch (error) {
    if (error instanceof ClusterError || error instanceof CertificateError) {
      io.stderr.write(`certs: ${error.message}\n`)
      return 1
    }
    const e = error as NodeJS.ErrnoException
    if (typeof e.code === 'string' && e.syscall !== undefined) {
      // "ENOTDIR: not a directory, open '/x'" -> "open /x: not a directory (ENOTDIR)"
      const description = e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')
      io.stderr.write(`certs: ${e.syscall}${e.path ? ` ${e.path}` : ''}: ${description} (${e.code})\n`)
      return 1
    }
    throw error
  }
}
