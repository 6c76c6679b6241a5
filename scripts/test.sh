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

# Suites on libvirt hosts of their own (scripts/second-host.sh) share nothing with the others,
# which share the system daemon and so run one after another: the two groups run side by side.
OWN_HOSTS='test/e2e/(faults|libvirt11|fleet11|converge11|snapshotKinds|desktop|adopt)\.test\.ts'
status=0
if [ $# -gt 0 ]; then
  npx jest --runInBand "$@" || status=$?
else
  own_log="$(mktemp)"
  shared_log="$(mktemp)"
  trap 'rm -f "$own_log" "$shared_log"' EXIT
  npx jest --runInBand --testPathPattern "$OWN_HOSTS" >"$own_log" 2>&1 &
  own=$!
  npx jest --runInBand --testPathIgnorePatterns "$OWN_HOSTS" 2>&1 | tee "$shared_log" || status=$?
  wait "$own" || status=$?
  echo "--- suites on hosts of their own ($OWN_HOSTS) ---"
  cat "$own_log"
  # One closing line for both runs.
  sum() { grep -h '^Tests:' "$own_log" "$shared_log" | grep -o "[0-9]* $1" | awk '{ n += $1 } END { print n + 0 }'; }
  echo "Tests: $(sum passed) passed, $(sum failed) failed"
fi
npm run --silent sweep || status=$?
exit "$status"
