#!/usr/bin/env bash
# Ensure the Pulumi CLI and a Node language host, both v3.259.0, are on PATH.
#
# A `pulumi` already on PATH with exactly that version is used as it is
# (with its own pulumi-language-nodejs). Otherwise both are built with Go from
# the Go module proxy (the CLI cannot be downloaded here; see
# shared/reference/pulumi.md), through the pinned wrapper module in
# scripts/pulumi-cli, into a cache outside the clone, and linked into .tools/bin.
#
# The upstream language host module is not served by the proxy, so
# scripts/pulumi-cli/language-nodejs is deskfleet's own small implementation.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

want="v$DESKFLEET_PULUMI_VERSION"
src="$DESKFLEET_ROOT/scripts/pulumi-cli"

ambient="$(PATH="${PATH#"$DESKFLEET_TOOLS/bin:"}" command -v pulumi || true)"
if [ -n "$ambient" ] && [ "$("$ambient" version 2>/dev/null)" = "$want" ] &&
  PATH="$(dirname "$ambient"):$PATH" command -v pulumi-language-nodejs >/dev/null; then
  exit 0
fi

# The cache key covers everything that goes into the binaries.
key="$(cat "$src/go.mod" "$src/go.sum" "$src"/language-nodejs/*.go 2>/dev/null | sha256sum | cut -c1-16)"
out="$DESKFLEET_CACHE/pulumi/$want-$key"

if [ ! -x "$out/pulumi" ] || [ ! -x "$out/pulumi-language-nodejs" ]; then
  command -v go >/dev/null || die "Go is needed to build the Pulumi CLI: install Go >= 1.25.11 (Debian: golang-go from bookworm-backports) or put pulumi $want on PATH"
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

mkdir -p "$DESKFLEET_TOOLS/bin"
ln -sf "$out/pulumi" "$DESKFLEET_TOOLS/bin/pulumi"
ln -sf "$out/pulumi-language-nodejs" "$DESKFLEET_TOOLS/bin/pulumi-language-nodejs"
[ "$("$DESKFLEET_TOOLS/bin/pulumi" version)" = "$want" ] || die "built pulumi does not report $want"
