#!/usr/bin/env bash
# npm run up [-- pulumi up flags]: set up what is missing, then converge the
# host to the stack's fleet (default stack: example). Extra arguments go to
# `pulumi up`, e.g. `npm run up -- --diff`.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"
bash "$here/setup.sh"
source "$here/lib/pulumi-env.sh"
select_stack
cd "$DESKFLEET_ROOT"
exec pulumi up --yes --stack "$DESKFLEET_STACK" "$@"
