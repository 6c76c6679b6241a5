#!/usr/bin/env bash
# npm run down [-- pulumi destroy flags]: remove from the host everything the
# stack created (retained data volumes stay), and nothing else.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"
bash "$here/setup.sh"
source "$here/lib/pulumi-env.sh"
select_stack
cd "$DESKFLEET_ROOT"
exec pulumi destroy --yes --stack "$DESKFLEET_STACK" "$@"
