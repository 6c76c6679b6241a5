#!/usr/bin/env bash
# Everything deskfleet needs, idempotent: Debian packages, Node >= 22, npm
# dependencies, the Pulumi CLI, a running libvirt daemon, the test appliance,
# and the compiled program and provider. Used by npm run up, npm test and CI.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"

bash "$here/setup-packages.sh"
bash "$here/setup-node.sh"
cd "$DESKFLEET_ROOT"
if [ ! -d node_modules/@pulumi/pulumi ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi
if [ ! -d policies/node_modules/@pulumi/policy ] || [ policies/package-lock.json -nt policies/node_modules/.package-lock.json ]; then
  (cd policies && npm ci --no-audit --no-fund --loglevel=error)
fi
bash "$here/setup-pulumi.sh"
bash "$here/setup-libvirt.sh"
bash "$here/appliance/build.sh" >/dev/null
npm run --silent build
(cd policies && npx tsc -p .)
