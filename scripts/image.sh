#!/usr/bin/env bash
# npm run image [-- DOCKER_BUILD_ARGS...]
#
# Builds the webhook's container image from the Dockerfile and tags it with the version of
# package.json: openclaw-injector:<version> (IMAGE=name:tag names it otherwise). Then push it
# where your nodes can pull it, or load it into kind (docs/cluster-admin.md, "Get the image"):
#
#   npm run image
#   docker tag openclaw-injector:0.1.0 registry.example.com/openclaw-injector:0.1.0 && docker push registry.example.com/openclaw-injector:0.1.0
#   kind load docker-image openclaw-injector:0.1.0
#
# Environment:
#   IMAGE       the name:tag to build (default openclaw-injector:<version>)
#   NODE_IMAGE  the Node 24 base image (the Dockerfile's NODE_IMAGE build argument), for a
#               mirror or a digest-pinned base
#   DOCKER      the docker CLI (default docker); DOCKER_BUILDKIT as docker reads it
# Extra arguments go to `docker build` (e.g. --label, -q, --platform). Prints the image
# name as the last line on stdout. The kind tier's prepare.sh builds its webhook image
# with this script, so it runs on every kind run.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^  "version": "\([^"]*\)",$/\1/p' "$root/package.json" | head -n 1)"
[[ -n "$version" ]] || { echo "image: cannot read the version from $root/package.json" >&2; exit 1; }
image="${IMAGE:-openclaw-injector:$version}"
args=(build -t "$image")
[[ -n "${NODE_IMAGE:-}" ]] && args+=(--build-arg "NODE_IMAGE=$NODE_IMAGE")
"${DOCKER:-docker}" "${args[@]}" "$@" "$root"
printf '%s\n' "$image"
