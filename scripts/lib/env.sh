# Sourced by every script: where things live, and a PATH that puts the
# project's own Node and Pulumi first. Safe to source more than once.
DESKFLEET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DESKFLEET_TOOLS="$DESKFLEET_ROOT/.tools"
# Built artefacts that are expensive to make (the Pulumi CLI, the appliance)
# are also kept here, outside the clone, so a fresh clone reuses them.
DESKFLEET_CACHE="${DESKFLEET_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deskfleet}"
DESKFLEET_NODE_VERSION="24.21.0"
DESKFLEET_PULUMI_VERSION="3.259.0"
export DESKFLEET_ROOT DESKFLEET_TOOLS DESKFLEET_CACHE

case ":$PATH:" in
  *":$DESKFLEET_TOOLS/bin:"*) ;;
  *) PATH="$DESKFLEET_TOOLS/bin:$PATH" ;;
esac
export PATH

log() { printf '\033[1m[deskfleet]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[deskfleet] error:\033[0m %s\n' "$*" >&2; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }
# Whether process $1 runs. A killed daemon can stay a zombie for a while where
# nothing reaps orphans promptly (containers): `kill -0` and pgrep still see it.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# The pids of running (not zombie) processes named exactly $1.
alive_pids() {
  local pid
  for pid in $(pgrep -x "$1"); do alive "$pid" && echo "$pid"; done
  return 0
}
