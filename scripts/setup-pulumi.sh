#!/usr/bin/env bash
# Ensure a usable Pulumi CLI and Node language host are first on PATH.
#
# Usable: an official `pulumi` at or above the version the SDK needs
# (DESKFLEET_PULUMI_VERSION, @pulumi/pulumi's version) with its own
# `pulumi-language-nodejs` beside it — on PATH, or where Pulumi's installer
# puts it (~/.pulumi/bin). People update their CLI often; any such one is used
# as it is, linked into .tools/bin. Only where none is usable are both built
# with Go from the Go module proxy (the CLI cannot be downloaded here; see
# shared/reference/pulumi.md), through the pinned wrapper module in
# scripts/pulumi-cli, into a cache outside the clone. The upstream language host
# module is not served by the proxy, so scripts/pulumi-cli/language-nodejs is
# deskfleet's own small implementation.
#
# `setup-pulumi.sh --decide` only prints the choice (`use <path> <version>` or
# `build <reasons>`), for tests.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

want="v$DESKFLEET_PULUMI_VERSION"
src="$DESKFLEET_ROOT/scripts/pulumi-cli"

# version_at_least vA vB: A >= B (numeric parts; a pre-release counts as below its release).
version_at_least() {
  local a="${1#v}" b="${2#v}"
  [[ "$a" =~ ^[0-9]+(\.[0-9]+){2}(-.*)?$ ]] || return 1
  local a_release="${a%%-*}"
  [ "$a_release" = "$b" ] && [ "$a" != "$a_release" ] && return 1
  [ "$(printf '%s\n%s\n' "$a_release" "$b" | sort -V | head -n1)" = "$b" ]
}

# Every pulumi that is not our own link, in PATH order, then the installer's place.
candidates() {
  local dir
  local IFS=:
  for dir in $PATH; do
    [ "$dir" = "$DESKFLEET_TOOLS/bin" ] && continue
    [ -x "$dir/pulumi" ] && echo "$dir/pulumi"
  done
  [ -x "$HOME/.pulumi/bin/pulumi" ] && echo "$HOME/.pulumi/bin/pulumi"
  return 0
}

# Prints `use <path> <version>` for the first usable CLI, else `build <why>`.
decide() {
  local pulumi version why=()
  while read -r pulumi; do
    version="$(timeout 20 "$pulumi" version 2>/dev/null | head -n1 || true)"
    if ! version_at_least "$version" "$want"; then
      why+=("$pulumi is ${version:-of no version} (needs $want or newer)")
    elif [ ! -x "$(dirname "$pulumi")/pulumi-language-nodejs" ]; then
      why+=("$pulumi $version has no pulumi-language-nodejs beside it")
    else
      echo "use $pulumi $version"
      return 0
    fi
  done < <(candidates | awk '!seen[$0]++')
  [ ${#why[@]} -eq 0 ] && why=("no pulumi on PATH or in ~/.pulumi/bin")
  local IFS=";"
  echo "build ${why[*]}"
}

choice="$(decide)"
if [ "${1:-}" = "--decide" ]; then
  echo "$choice"
  exit 0
fi

mkdir -p "$DESKFLEET_TOOLS/bin"
link() { # dir-with-both-binaries
  ln -sf "$1/pulumi" "$DESKFLEET_TOOLS/bin/pulumi"
  ln -sf "$1/pulumi-language-nodejs" "$DESKFLEET_TOOLS/bin/pulumi-language-nodejs"
}

case "$choice" in
  use\ *)
    read -r _ path version <<<"$choice"
    link "$(dirname "$path")"
    log "Pulumi CLI: $version at $path, with its own pulumi-language-nodejs"
    exit 0
    ;;
esac

# The cache key covers everything that goes into the binaries.
key="$(cat "$src/go.mod" "$src/go.sum" "$src"/language-nodejs/*.go 2>/dev/null | sha256sum | cut -c1-16)"
out="$DESKFLEET_CACHE/pulumi/$want-$key"

if [ ! -x "$out/pulumi" ] || [ ! -x "$out/pulumi-language-nodejs" ]; then
  log "no usable Pulumi CLI (${choice#build }): building $want here"
  command -v go >/dev/null || die "Go is needed to build the Pulumi CLI: install Go >= 1.25.11 (Debian: golang-go from bookworm-backports) or put the official pulumi $want or newer on PATH"
  log "building Pulumi CLI $want and the Node language host with Go (first time: several minutes)"
  mkdir -p "$out.tmp"
  flags=(-trimpath -tags osusergo,grpcnotrace)
  ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$want"
  start=$SECONDS
  (cd "$src" && go build "${flags[@]}" -ldflags "$ldflags" -o "$out.tmp/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi)
  (cd "$src" && go build "${flags[@]}" -ldflags "$ldflags" -o "$out.tmp/pulumi-language-nodejs" ./language-nodejs)
  rm -rf "$out" && mv "$out.tmp" "$out"
  log "built Pulumi in $((SECONDS - start)) s"
fi

link "$out"
[ "$("$DESKFLEET_TOOLS/bin/pulumi" version)" = "$want" ] || die "built pulumi does not report $want"
log "Pulumi CLI: $want built here ($out)"
