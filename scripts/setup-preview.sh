#!/usr/bin/env bash
# What a machine that only previews needs (a pull-request runner,
# .github/workflows/deskfleet-preview.yml): Node >= 22, the npm dependencies,
# the Pulumi CLI, and the program, provider and policy pack compiled. No Debian
# packages, no libvirt daemon, no test appliance: a preview reaches its hosts
# through their URIs. scripts/setup.sh runs it too.
#
# npm ci runs only when node_modules is missing or was installed from another
# package-lock.json: the lock file's digest is kept beside what it installed
# (a restored cache has old modification times, so they cannot tell).
#
# `setup-preview.sh --no-pulumi`: all but the Pulumi CLI (enough for the
# `deskfleet` command, e.g. `deskfleet affected` before anything is previewed).
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"

bash "$here/setup-node.sh"
cd "$DESKFLEET_ROOT"

# npm_ci DIR MARKER: npm ci in DIR unless DIR/node_modules/MARKER exists and came from this lock.
npm_ci() {
  local dir="$1" marker="$2" stamp="$1/node_modules/.deskfleet-lock-sha256" sum
  sum="$(sha256sum "$dir/package-lock.json" | cut -c1-64)"
  if [ -d "$dir/node_modules/$marker" ]; then
    if [ -f "$stamp" ]; then
      [ "$(cat "$stamp")" = "$sum" ] && return 0
    elif [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      # Installed before stamps were kept, and not older than the lock file.
      echo "$sum" >"$stamp"
      return 0
    fi
  fi
  log "npm ci in .${dir#"$DESKFLEET_ROOT"}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$sum" >"$stamp"
}
npm_ci "$DESKFLEET_ROOT" @pulumi/pulumi
npm_ci "$DESKFLEET_ROOT/policies" @pulumi/policy

[ "${1:-}" = --no-pulumi ] || bash "$here/setup-pulumi.sh"
npm run --silent build
(cd policies && npx tsc -p .)
