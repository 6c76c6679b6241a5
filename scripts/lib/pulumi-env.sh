# Sourced by up/down/preview: a local file backend under .state/ (no account,
# no prompt) unless the user already chose a backend, and the stack to use.
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$DESKFLEET_ROOT/.state}"
# Stack secrets are not used by deskfleet yet; an empty passphrase avoids a prompt.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE-}"
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
DESKFLEET_STACK="${DESKFLEET_STACK:-example}"
mkdir -p "$DESKFLEET_ROOT/.state"

select_stack() {
  (cd "$DESKFLEET_ROOT" && { pulumi stack select "$DESKFLEET_STACK" 2>/dev/null || pulumi stack init "$DESKFLEET_STACK"; })
}
