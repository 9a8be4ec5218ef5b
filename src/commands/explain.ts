// openclaw-injector explain -f FILE|-: for each pod or template, injected or skipped and why.
import { runOffline } from '../offline/command.ts'
import type { TemplateResult } from '../offline/documents.ts'
import type { CommandIO } from './io.ts'

const USAGE = `usage: openclaw-injector explain -f FILE|- [-o text|json] [--config settings.yaml] [--<setting> VALUE ...]
  For each pod or pod template in FILE: whether the webhook would inject it, each reason,
  each warning, and what would be added.`

export async function run(args: string[], io: CommandIO): Promise<number> {
  const formatOf = (values: Record<string, unknown>): unknown => values.output ?? 'text'
  const outcome = await runOffline('explain', USAGE, args, io, { output: { type: 'string', short: 'o' } }, (values) => {
    const format = formatOf(values)
    return format === 'text' || format === 'json' ? undefined : `-o must be text or json, got ${JSON.stringify(format)}`
  })
  if (typeof outcome === 'number') return outcome
  const format = formatOf(outcome.values)
  const { templates } = outcome.processed
  if (format === 'json') {
    const report = templates.map((t) => ({ document: t.document, kind: t.kind, name: t.name, namespace: t.namespace, path: t.path, ...t.result.decision, added: t.result.summary }))
    io.stdout.write(JSON.stringify(report, null, 2) + '\n')
  } else {
    io.stdout.write(templates.length === 0 ? 'no pods or pod templates found\n' : templates.map(describe).join('\n'))
  }
  return 0
}

function describe(t: TemplateResult): string {
  const { decision, summary } = t.result
  const lines = [`document ${t.document}: ${t.kind} ${t.namespace ? `${t.namespace}/` : ''}${t.name}: ${decision.action === 'inject' ? 'INJECT' : `SKIP (${decision.code})`}`]
  for (const reason of decision.reasons) lines.push(`  because ${reason}`)
  for (const warning of decision.warnings) lines.push(`  warning: ${warning}`)
  if (summary !== undefined) {
    lines.push(`  adds init container ${summary.initContainer} at initContainers[${summary.initPosition}] (image ${summary.image}, mode ${summary.mode === 'auto' ? 'auto: ref on OpenClaw 2026.3.7 or later, else sync' : summary.mode}, runs as ${summary.runAs}) syncing the config file resolved in the pod as OpenClaw resolves it (its log line names the file) through writable volume ${summary.stateVolume}`)
    const { requests, limits } = summary.resources
    lines.push(`  with requests cpu ${requests.cpu}, memory ${requests.memory}; limits cpu ${limits.cpu}, memory ${limits.memory}`)
    if (summary.gatewayEnvAdded.length > 0) lines.push(`  adds env to container ${summary.gatewayContainer}: ${summary.gatewayEnvAdded.join(', ')}`)
    for (const [container, names] of Object.entries(summary.sidecarEnvAdded)) lines.push(`  adds env to container ${container}, which finds the same config file: ${names.join(', ')}`)
    for (const [container, why] of Object.entries(summary.containersLeftAlone)) lines.push(`  leaves container ${container} alone: ${why}`)
    for (const c of summary.credentials) {
      const form = c.form === 'ref' ? `{"source":"env","provider":"default","id":"${c.env}"}` : `"\${${c.env}}"`
      lines.push(`  credential ${c.path}: Secret ${c.secret}, key ${c.key}, env ${c.env}, written as ${form}${c.form === 'ref' ? ' (the "${VAR}" string where sync is chosen)' : ' (takes no SecretRef)'}`)
    }
    if (summary.volumesAdded.length > 0) lines.push(`  adds volumes: ${summary.volumesAdded.join(', ')}`)
  }
  return lines.join('\n') + '\n'
}
