// openclaw-injector inject -f FILE|-: the manifests back, every OpenClaw pod template
// injected as the webhook would inject its pods; everything else unchanged.
import { runOffline } from '../offline/command.ts'
import type { CommandIO } from './io.ts'

const USAGE = `usage: openclaw-injector inject -f FILE|- [--config settings.yaml] [--<setting> VALUE ...]
  Writes the documents of FILE (multi-document YAML or JSON: Pod, Deployment, StatefulSet,
  DaemonSet, ReplicaSet, Job, CronJob, List) to standard output, in the same order, with every
  OpenClaw pod template injected. Warnings go to standard error.`

export async function run(args: string[], io: CommandIO): Promise<number> {
  const outcome = await runOffline('inject', USAGE, args, io)
  if (typeof outcome === 'number') return outcome
  for (const template of outcome.processed.templates) {
    for (const warning of template.result.decision.warnings) io.stderr.write(`warning: document ${template.document} (${template.kind} ${template.name}): ${warning}\n`)
  }
  io.stdout.write(outcome.processed.output)
  return 0
}
