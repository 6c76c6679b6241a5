#!/usr/bin/env bash
# npm run preview [-- pulumi preview flags]: what `npm run up` would change,
# checked by the policy pack in policies/.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"
bash "$here/setup.sh"
source "$here/lib/pulumi-env.sh"
select_stack
cd "$DESKFLEET_ROOT"
exec pulumi preview --stack "$DESKFLEET_STACK" --policy-pack policies "$@"
