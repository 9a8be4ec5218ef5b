# Shared by the scripts that build test infrastructure into the cache outside the repo
# (test/e2e/controlplane/build.sh, test/e2e/kind/prepare.sh). Source it; it defines:
#
#   CACHE_ROOT                 ${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}
#   bc_log MSG... / bc_die MSG...      progress and fatal errors on stderr, prefixed [$BC_NAME]
#   bc_lock FILE               serialise concurrent runs with flock(1) on FILE (waits, says so)
#   bc_hash FILE|DIR...        sha256 over the named files' contents and names (stdin appended
#                              when "-" is given), 64 hex characters on stdout
#   bc_up_to_date OUT KEY      true when OUT exists and OUT.stamp holds KEY
#   bc_go_build NAME MODDIR OUTDIR LDFLAGS PKG...
#                              `go build` the packages of the Go module MODDIR into OUTDIR (one
#                              binary per main package, named after its directory), unless
#                              OUTDIR/.stamp matches the inputs (go.mod, go.sum, every .go file,
#                              flags, GOOS/GOARCH). Built into a temp dir and renamed into place,
#                              so OUTDIR never holds a half-built set. $BC_NICE prefixes the build
#                              (default "nice -n 10"). BC_REBUILD=1 ignores the stamp.
#   bc_timed NAME CMD...       runs CMD, then logs "NAME: done in Ns"
#
# Nothing here prints on stdout except bc_hash: callers keep stdout for their results.

CACHE_ROOT="${OPENCLAW_INJECTOR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openclaw-injector}"
BC_NAME="${BC_NAME:-build}"
BC_NICE="${BC_NICE-nice -n 10}"

bc_log() { printf '[%s] %s\n' "$BC_NAME" "$*" >&2; }
bc_die() { printf '[%s] ERROR: %s\n' "$BC_NAME" "$*" >&2; exit 1; }

bc_lock() {
  local file="$1"
  mkdir -p "$(dirname "$file")"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$file"
  if ! flock -n 9; then
    bc_log "another run holds $file; waiting for it ..."
    flock 9
  fi
}

bc_hash() {
  local f
  {
    for f in "$@"; do
      if [[ "$f" == - ]]; then cat
      elif [[ -d "$f" ]]; then
        (cd "$f" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
      else
        printf '%s\n' "$(basename "$f")"; cat "$f"
      fi
    done
  } | sha256sum | cut -d' ' -f1
}

bc_up_to_date() {
  [[ "${BC_REBUILD:-}" != 1 && -e "$1" && -f "$1.stamp" && "$(cat "$1.stamp")" == "$2" ]]
}

bc_timed() {
  local name="$1" start=$SECONDS
  shift
  "$@"
  bc_log "$name: done in $((SECONDS - start))s"
}

bc_go_build() {
  local name="$1" mod="$2" out="$3" ldflags="$4"
  shift 4
  command -v go >/dev/null 2>&1 || bc_die "'go' is not on PATH; Go >= 1.26 is needed to build $name"
  local want
  want="$( { (cd "$mod" && find . -name '*.go' -o -name go.mod -o -name go.sum | LC_ALL=C sort | xargs sha256sum)
             printf 'flags: -trimpath -ldflags=%s pkgs: %s\n' "$ldflags" "$*"; go env GOOS GOARCH; } | sha256sum | cut -d' ' -f1)"
  if bc_up_to_date "$out" "$want"; then
    bc_log "$name: up to date ($out)"
    return 0
  fi
  local tmp="$out.tmp.$$" start=$SECONDS
  rm -rf "$tmp"
  mkdir -p "$tmp"
  bc_log "$name: building (the first build downloads modules and compiles; minutes on 2 cores) ..."
  # $BC_NICE is a command prefix such as "nice -n 10": unquoted on purpose.
  # shellcheck disable=SC2086
  if ! (cd "$mod" && $BC_NICE go build -trimpath -buildvcs=false -ldflags="$ldflags" -o "$tmp/" "$@"); then
    rm -rf "$tmp"
    bc_die "$name: go build failed in $mod"
  fi
  rm -rf "$out.old.$$"
  [[ -e "$out" ]] && mv "$out" "$out.old.$$"
  mv "$tmp" "$out"
  rm -rf "$out.old.$$"
  printf '%s\n' "$want" >"$out.stamp"
  bc_log "$name: built in $((SECONDS - start))s, $(du -sh "$out" | cut -f1) -> $out"
}
