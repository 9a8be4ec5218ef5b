#!/usr/bin/env bash
# Builds the e2e control-plane binaries (kube-apiserver and etcd) from the
# pinned wrapper Go modules next to this script, into a cache outside the repo:
#
#   ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/controlplane/
#       k8s-<kubernetes version>/kube-apiserver
#       etcd-<etcd version>/etcd
#
# Idempotent: a binary that is present and was built from the same inputs
# (go.mod, go.sum, main.go, build flags; recorded in a .stamp file next to it)
# is not rebuilt, so a second run returns at once. Binaries are built under a
# temporary name and renamed into place, so the cache never holds a half-built
# binary. Concurrent runs are serialised with flock(1) when it is available.
#
# Progress goes to stderr. On success the last two lines on stdout are
#   KUBE_APISERVER=<absolute path>
#   ETCD=<absolute path>
# (control-plane.ts reads them). Exits non-zero if Go is missing or a build fails.
#
# Environment:
#   OPENCLAW_INJECTOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector)
#   CONTROLPLANE_NICE        command prefix for the go builds (default "nice -n 10"; "" for none)
#   CONTROLPLANE_REBUILD=1   rebuild even if the cached binaries are up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache_root="${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/controlplane"
nice_cmd="${CONTROLPLANE_NICE-nice -n 10}"

log() { printf '[controlplane/build] %s\n' "$*" >&2; }
die() { printf '[controlplane/build] ERROR: %s\n' "$*" >&2; exit 1; }

# Version of module $2 as required in go.mod $1 (single source of truth: go.mod).
required_version() {
  local v
  v="$(awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) && $0 !~ /=>/ { print ($1 == "require" ? $3 : $2); exit }' "$1")"
  [[ -n "$v" ]] || die "cannot find the required version of $2 in $1"
  printf '%s' "$v"
}

kube_version="$(required_version "$here/kube-apiserver/go.mod" k8s.io/kubernetes)"
etcd_version="$(required_version "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)"

# Version stamping as done by kubernetes' hack/lib/version.sh, so that /version
# reports the real release rather than v0.0.0-master.
kube_minor="${kube_version#v1.}"; kube_minor="${kube_minor%%.*}"
kube_x=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_x+=" -X ${pkg}.gitVersion=${kube_version} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${kube_minor} -X ${pkg}.gitTreeState=clean"
done
kube_ldflags="-s -w${kube_x}"
etcd_ldflags="-s -w"

if ! command -v go >/dev/null 2>&1; then
  die "'go' is not on PATH; Go >= 1.26 is needed to build kube-apiserver ${kube_version} and etcd ${etcd_version}"
fi

# sha256 over the build inputs; a change in any of them invalidates the cached binary.
stamp_of() { # <module dir> <ldflags>
  { cat "$1/go.mod" "$1/go.sum" "$1/main.go"; printf 'flags: -trimpath -ldflags=%s\n' "$2"; go env GOOS GOARCH; } \
    | sha256sum | cut -d' ' -f1
}

# build <name> <module dir> <output path> <ldflags>
build() {
  local name="$1" mod="$2" out="$3" ldflags="$4"
  local dir stamp want tmp start
  dir="$(dirname "$out")"
  stamp="$out.stamp"
  want="$(stamp_of "$mod" "$ldflags")"
  if [[ "${CONTROLPLANE_REBUILD:-}" != 1 && -x "$out" && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "$name: up to date ($out)"
    return 0
  fi
  mkdir -p "$dir"
  tmp="$out.tmp.$$"
  # shellcheck disable=SC2064
  trap "rm -f '$tmp'" EXIT
  log "$name: building (first build downloads modules and compiles; several minutes on 2 cores) ..."
  start=$SECONDS
  # $nice_cmd is intentionally unquoted: it is a command prefix such as "nice -n 10".
  # shellcheck disable=SC2086
  if ! (cd "$mod" && $nice_cmd go build -trimpath -buildvcs=false -ldflags="$ldflags" -o "$tmp" .); then
    rm -f "$tmp"
    die "$name: go build failed in $mod"
  fi
  mv -f "$tmp" "$out"
  printf '%s\n' "$want" > "$stamp"
  trap - EXIT
  log "$name: built in $((SECONDS - start))s, $(du -h "$out" | cut -f1) -> $out"
}

mkdir -p "$cache_root"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cache_root/.build.lock"
  if ! flock -n 9; then
    log "another build is running; waiting for its lock ($cache_root/.build.lock) ..."
    flock 9
  fi
fi

log "kube-apiserver ${kube_version}, etcd ${etcd_version}; cache ${cache_root}; $(go version)"
apiserver="$cache_root/k8s-${kube_version}/kube-apiserver"
etcd="$cache_root/etcd-${etcd_version}/etcd"
build "etcd ${etcd_version}" "$here/etcd" "$etcd" "$etcd_ldflags"
build "kube-apiserver ${kube_version}" "$here/kube-apiserver" "$apiserver" "$kube_ldflags"

printf 'KUBE_APISERVER=%s\n' "$apiserver"
printf 'ETCD=%s\n' "$etcd"
