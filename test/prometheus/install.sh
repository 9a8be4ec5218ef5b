#!/usr/bin/env bash
# Builds the Prometheus tools the monitoring tests use, from the Go module proxy, into the
# cache outside the repository (as test/helm/install.sh does for Helm):
#
#   ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/
#     promtool/<version>/promtool          `promtool check rules` and `promtool test rules`
#     prometheus-operator-crds/<version>/  the Prometheus Operator's CRDs (PodMonitor,
#                                          PrometheusRule, ...), as its release ships them
#
# promtool: the github.com/prometheus/prometheus requirement of promtool/go.mod, built from
# its cmd/promtool through the `tool` directive (go.sum pins every dependency). A big build
# (every service discovery plugin comes with it): minutes on two cores, once per version.
# The CRDs: the YAML in example/prometheus-operator-crd/ of the module zip of
# github.com/prometheus-operator/prometheus-operator at the version of crds/go.mod,
# verified against crds/go.sum (the proxy refuses some versions of that module with 403;
# `go list -m -versions` or the proxy's .info says which it serves).
# Cached, locked and atomic through ../e2e/lib/build-cache.sh: a second run returns at once.
#
# `install.sh crds` fetches the CRDs only (the kind tier needs no promtool).
#
# Progress goes to stderr; on success stdout ends with
#   PROMTOOL=<absolute path>                   (not with `crds`)
#   PROMETHEUS_OPERATOR_CRDS=<absolute directory>
# (test/prometheus/promtool.ts reads them). Exits non-zero if Go is missing or a step fails.
#
# Environment: OPENCLAW_INJECTOR_CACHE, BC_NICE, BC_REBUILD (see build-cache.sh).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BC_NAME="prometheus/install"
# shellcheck source=../e2e/lib/build-cache.sh
source "$here/../e2e/lib/build-cache.sh"

only_crds=false
[[ "${1:-}" == crds ]] && only_crds=true

module="$(awk '$1 == "github.com/prometheus/prometheus" { print $2; exit }' "$here/promtool/go.mod")"
[[ -n "$module" ]] || bc_die "cannot find the github.com/prometheus/prometheus requirement in $here/promtool/go.mod"
# The Go module v0.MMM.P is Prometheus release M.MM.P (v0.316.0 is 3.16.0).
release="$(sed -E 's/^v0\.([0-9])([0-9]+)\.([0-9]+)$/\1.\2.\3/' <<<"$module")"
[[ "$release" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || bc_die "cannot tell the Prometheus release of module version $module"
out="$CACHE_ROOT/promtool/$release"

export CGO_ENABLED=0
bc_lock "$CACHE_ROOT/promtool/.build.lock"
$only_crds || bc_go_build "promtool $release" "$here/promtool" "$out" \
  "-s -w -X github.com/prometheus/common/version.Version=${release} -X github.com/prometheus/common/version.Branch=release" \
  github.com/prometheus/prometheus/cmd/promtool

operator="$(awk '$1 == "require" && $2 == "github.com/prometheus-operator/prometheus-operator" { print $3; exit }' "$here/crds/go.mod")"
[[ -n "$operator" ]] || bc_die "cannot find the prometheus-operator requirement in $here/crds/go.mod"
crds="$CACHE_ROOT/prometheus-operator-crds/$operator"
key="$(bc_hash "$here/crds/go.mod" "$here/crds/go.sum")"
if ! bc_up_to_date "$crds" "$key"; then
  bc_log "prometheus-operator $operator: fetching the module zip for its CRDs ..."
  dir="$(cd "$here/crds" && GOFLAGS=-mod=readonly go mod download -json github.com/prometheus-operator/prometheus-operator \
    | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" && -d "$dir/example/prometheus-operator-crd" ]] || bc_die "the module of prometheus-operator $operator has no example/prometheus-operator-crd/"
  tmp="$crds.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  cp "$dir"/example/prometheus-operator-crd/*.yaml "$tmp/"
  chmod -R u+w "$tmp"
  rm -rf "$crds" && mv "$tmp" "$crds"
  printf '%s\n' "$key" >"$crds.stamp"
fi

$only_crds || printf 'PROMTOOL=%s\n' "$out/promtool"
printf 'PROMETHEUS_OPERATOR_CRDS=%s\n' "$crds"
