#!/usr/bin/env bash
# npm test: set everything up, check lint/format/types, then run all three
# test tiers (unit, integration against the real daemon, e2e with the real
# Pulumi CLI). Extra arguments go to jest, e.g. `npm test -- --selectProjects unit`.
# Objects named test-… are swept before the tiers (leftovers of an interrupted
# run) and after them, whatever the tiers' outcome.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"
bash "$here/setup.sh"
cd "$DESKFLEET_ROOT"
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check
npm run --silent sweep
# Tiers run one after another: integration and e2e share one daemon.
status=0
npx jest --runInBand "$@" || status=$?
npm run --silent sweep || status=$?
exit "$status"
