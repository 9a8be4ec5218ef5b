#!/usr/bin/env bash
# Builds the Helm CLI the chart tests use, from the Go module proxy, into the cache outside
# the repository:
#
#   ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/helm/<version>/helm
#
# The version is the helm.sh/helm/v4 requirement in go.mod next to this script (go.sum pins
# every dependency); the binary is built from Helm's own main package through go.mod's
# `tool` directive, so no Helm source is copied into this repository. The ldflags stamp
# the version the way Helm's Makefile does, so `helm version` reports the release.
# Cached, locked and atomic through ../e2e/lib/build-cache.sh, like the control plane: a
# second run returns at once.
#
# Progress goes to stderr; on success the last line on stdout is
#   HELM=<absolute path>
# (test/helm/helm.ts reads it). Exits non-zero if Go is missing or the build fails.
#
# Environment: OPENCLAW_INJECTOR_CACHE, BC_NICE, BC_REBUILD (see build-cache.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BC_NAME="helm/install"
# shellcheck source=../e2e/lib/build-cache.sh
source "$here/../e2e/lib/build-cache.sh"

version="$(awk '$1 == "helm.sh/helm/v4" { print $2; exit }' "$here/go.mod")"
[[ -n "$version" ]] || bc_die "cannot find the helm.sh/helm/v4 requirement in $here/go.mod"
out="$CACHE_ROOT/helm/$version"

# Helm's release builds are static (CGO_ENABLED=0 in its Makefile).
export CGO_ENABLED=0
bc_lock "$CACHE_ROOT/helm/.build.lock"
bc_go_build "helm $version" "$here" "$out" \
  "-s -w -X helm.sh/helm/v4/internal/version.version=${version} -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
  helm.sh/helm/v4/cmd/helm

printf 'HELM=%s\n' "$out/helm"
