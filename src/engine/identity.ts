// Which uid and gid the injected init container runs as: the gateway's, so that what it
// creates belongs to the gateway and it can read the gateway's 0600 files.
import type { EngineSettings } from '../settings.ts'
import { imageMatches } from './images.ts'
import type { Container, Pod } from './types.ts'

/**
 * Users of images the engine knows, by the setting holding the image's pattern. The official
 * OpenClaw image (ghcr.io/openclaw/openclaw, built FROM node:24-bookworm-slim) ends in
 * `USER node`; in that base image `node` is uid 1000, gid 1000 (/etc/passwd of
 * node:24-bookworm-slim). The name is stated numerically, since the kubelet cannot check a
 * non-numeric USER against runAsNonRoot (pkg/kubelet/kuberuntime/security_context_others.go).
 */
const KNOWN_IMAGE_USERS: { pattern: (settings: EngineSettings) => string; uid: number; gid: number; user: string }[] = [
  { pattern: (settings) => settings.imagePattern, uid: 1000, gid: 1000, user: "the OpenClaw image's USER node" },
]

export type Identity =
  | {
      ok: true
      runAsUser?: number
      runAsGroup?: number
      /** Whether runAsNonRoot can be asserted and verified by the kubelet. */
      nonRoot: boolean
      reason: string
    }
  | { ok: false; reason: string }

/**
 * The gateway's identity as the pod states it (container securityContext over the pod's), else
 * the known user of the gateway's image, else, when the init container runs the gateway's own
 * image, that image's USER (set nothing: the runtime picks the same). Otherwise unknown:
 * `ok: false` with the reason, and the engine skips the pod.
 */
export function resolveIdentity(pod: Pod, gateway: Container, image: string, settings: EngineSettings): Identity {
  const podContext = pod.spec?.securityContext ?? {}
  const own = gateway.securityContext ?? {}
  const number = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined)
  const stated = { uid: number(own.runAsUser) ?? number(podContext.runAsUser), gid: number(own.runAsGroup) ?? number(podContext.runAsGroup) }
  const sameImage = image === gateway.image
  const known = KNOWN_IMAGE_USERS.find((k) => imageMatches(gateway.image, k.pattern(settings)))

  if (stated.uid !== undefined) {
    const where = number(own.runAsUser) !== undefined ? `container ${gateway.name}'s securityContext` : "the pod's securityContext"
    const gid = stated.gid ?? (known !== undefined && stated.uid === known.uid ? known.gid : undefined)
    return { ok: true, runAsUser: stated.uid, ...(gid === undefined ? {} : { runAsGroup: gid }), nonRoot: stated.uid !== 0, reason: `runs as uid ${stated.uid} like the gateway (${where})` }
  }
  if (known !== undefined) {
    return { ok: true, runAsUser: known.uid, runAsGroup: stated.gid ?? known.gid, nonRoot: true, reason: `runs as uid ${known.uid} like the gateway (${known.user}, uid ${known.uid})` }
  }
  if (sameImage) {
    return {
      ok: true,
      ...(stated.gid === undefined ? {} : { runAsGroup: stated.gid }),
      nonRoot: own.runAsNonRoot === true,
      reason: `runs as the USER of image ${image}, the gateway's own`,
    }
  }
  return {
    ok: false,
    reason: `the gateway's uid is unknown (no runAsUser on container ${gateway.name} or the pod, and image ${String(gateway.image)} is not one whose user is known), so the sync image ${image} could not run as it; set runAsUser`,
  }
}
