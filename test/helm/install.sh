#!/usr/bin/env bash
# Builds the Helm CLI the chart tests use, from the Go module proxy, into a
# cache outside the repository:
#
#   ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/helm/<version>/helm
#
# The version is the helm.sh/helm/v4 requirement in go.mod next to this script
# (go.sum pins every dependency); the binary is `go build`-ed from the module's
# own main package through go.mod's `tool` directive, so no Helm source is
# copied into this repository. The ldflags stamp the version the way Helm's
# Makefile does, so `helm version` reports the release instead of "v4.3".
#
# Idempotent: a binary whose .stamp (sha256 of go.mod, go.sum, the flags and
# GOOS/GOARCH) matches is not rebuilt. Built under a temporary name and renamed
# into place; concurrent runs wait on flock(1). Builds run under `nice` because
# they share two cores with other long builds.
#
# Progress goes to stderr; on success the last line on stdout is
#   HELM=<absolute path>
# (test/helm/helm.ts reads it). Exits non-zero if Go is missing or the build fails.
#
# Environment:
#   OPENCLAW_INJECTOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector)
#   HELM_BUILD_NICE          command prefix for go build (default "nice -n 10"; "" for none)
#   HELM_REBUILD=1           rebuild even if the cached binary is up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/helm"
nice_cmd="${HELM_BUILD_NICE-nice -n 10}"

log() { printf '[helm/install] %s\n' "$*" >&2; }
die() { printf '[helm/install] ERROR: %s\n' "$*" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "'go' is not on PATH; Go >= 1.26 is needed to build Helm from $here/go.mod"

version="$(awk '$1 == "helm.sh/helm/v4" { print $2; exit }' "$here/go.mod")"
[[ -n "$version" ]] || die "cannot find the helm.sh/helm/v4 requirement in $here/go.mod"

ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=${version} -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
out="$cache_root/$version/helm"
stamp_file="$out.stamp"
want="$({ cat "$here/go.mod" "$here/go.sum"; printf 'flags: CGO_ENABLED=0 -trimpath -ldflags=%s\n' "$ldflags"; go env GOOS GOARCH; } | sha256sum | cut -d' ' -f1)"

up_to_date() { [[ "${HELM_REBUILD:-}" != 1 && -x "$out" && -f "$stamp_file" && "$(cat "$stamp_file")" == "$want" ]]; }

mkdir -p "$cache_root"
if ! up_to_date && command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/.build.lock"
  if ! flock -n 9; then
    log "another build is running; waiting for its lock ($cache_root/.build.lock) ..."
    flock 9
  fi
fi

if up_to_date; then
  log "helm ${version}: up to date ($out)"
else
  mkdir -p "$(dirname "$out")"
  tmp="$out.tmp.$$"
  # shellcheck disable=SC2064
  trap "rm -f '$tmp'" EXIT
  log "helm ${version}: building (the first build downloads modules and compiles; minutes on 2 cores) ..."
  start=$SECONDS
  # $nice_cmd is intentionally unquoted: it is a command prefix such as "nice -n 10".
  # shellcheck disable=SC2086
  (cd "$here" && CGO_ENABLED=0 $nice_cmd go build -trimpath -buildvcs=false -ldflags="$ldflags" -o "$tmp" helm.sh/helm/v4/cmd/helm) \
    || die "helm ${version}: go build failed in $here"
  mv -f "$tmp" "$out"
  printf '%s\n' "$want" > "$stamp_file"
  trap - EXIT
  log "helm ${version}: built in $((SECONDS - start))s, $(du -h "$out" | cut -f1) -> $out"
fi

printf 'HELM=%s\n' "$out"
