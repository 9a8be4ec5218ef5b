#!/usr/bin/env bash
# Builds the e2e control-plane binaries (kube-apiserver and etcd) from the
# pinned wrapper Go modules next to this script, into a cache outside the repo:
#
#   ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/controlplane/
#       k8s-<kubernetes version>/kube-apiserver
#       etcd-<etcd version>/etcd
#
# Idempotent: a binary that is present and was built from the same inputs
# (go.mod, go.sum, main.go, build flags; recorded in a .stamp file next to its
# directory) is not rebuilt, so a second run returns at once. Binaries are built
# into a temporary directory and renamed into place, so the cache never holds a
# half-built binary. Concurrent runs are serialised with flock(1). The shared
# pieces (stamps, lock, the Go build) are ../lib/build-cache.sh.
#
# Progress goes to stderr. On success the last two lines on stdout are
#   KUBE_APISERVER=<absolute path>
#   ETCD=<absolute path>
# (control-plane.ts and ../kind/prepare.sh read them). Exits non-zero if Go is
# missing or a build fails.
#
# Environment:
#   OPENCLAW_INJECTOR_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector)
#   BC_NICE                  command prefix for the go builds (default "nice -n 10"; "" for none)
#   BC_REBUILD=1             rebuild even if the cached binaries are up to date
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BC_NAME="controlplane/build"
# shellcheck source=../lib/build-cache.sh
source "$here/../lib/build-cache.sh"
cache_root="$CACHE_ROOT/controlplane"

# Version of module $2 as required in go.mod $1 (single source of truth: go.mod).
required_version() {
  local v
  v="$(awk -v m="$2" '($1 == m || ($1 == "require" && $2 == m)) && $0 !~ /=>/ { print ($1 == "require" ? $3 : $2); exit }' "$1")"
  [[ -n "$v" ]] || bc_die "cannot find the required version of $2 in $1"
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

bc_lock "$cache_root/.build.lock"
bc_log "kube-apiserver ${kube_version}, etcd ${etcd_version}; cache ${cache_root}; $(go version 2>/dev/null || echo 'no go')"
bc_go_build "etcd ${etcd_version}" "$here/etcd" "$cache_root/etcd-${etcd_version}" "-s -w" .
bc_go_build "kube-apiserver ${kube_version}" "$here/kube-apiserver" "$cache_root/k8s-${kube_version}" "-s -w${kube_x}" .

printf 'KUBE_APISERVER=%s\n' "$cache_root/k8s-${kube_version}/kube-apiserver"
printf 'ETCD=%s\n' "$cache_root/etcd-${etcd_version}/etcd"
