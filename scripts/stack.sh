#!/usr/bin/env bash
# scripts/stack.sh <pulumi command> [flags]: set up what is missing, then run
# that Pulumi command on the stack (default: example; DESKFLEET_STACK picks
# another) with a local file backend under .state/ unless PULUMI_BACKEND_URL
# names one. npm run up / down / preview call it; extra npm arguments follow,
# e.g. `npm run up -- --diff`.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"
bash "$here/setup.sh"

export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$DESKFLEET_ROOT/.state}"
# deskfleet keeps no secrets in stack config yet; an empty passphrase avoids a prompt.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
stack="${DESKFLEET_STACK:-example}"
mkdir -p "$DESKFLEET_ROOT/.state"

cd "$DESKFLEET_ROOT"
pulumi stack select "$stack" 2>/dev/null || pulumi stack init "$stack"
# A stack's policy config (README, "Guardrails"), when the policy pack runs.
policy_config=()
if [[ " $* " == *" --policy-pack "* && -f "stacks/policy.$stack.json" ]]; then
  policy_config=(--policy-pack-config "stacks/policy.$stack.json")
fi
exec pulumi "$@" "${policy_config[@]}" --stack "$stack"
