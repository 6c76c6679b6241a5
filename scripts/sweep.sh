#!/usr/bin/env bash
# npm run sweep [-- --uri URI] [--dry-run]: remove leftover test-* objects (scripts/sweep.ts).
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"
cd "$DESKFLEET_ROOT"
[ -f dist/scripts/sweep.js ] || npm run --silent build
exec node dist/scripts/sweep.js "$@"
