#!/usr/bin/env bash
# The Debian packages deskfleet's setup, scripts and tests need: every package
# named in scripts/packages.txt (with the commands each one provides; a unit
# test keeps that table complete). As root (CI, a fresh machine) they are
# installed; on a person's workstation nothing is installed silently: the
# missing ones are named with the exact command, and setup stops.
set -euo pipefail
here="$(dirname "$0")"
source "$here/lib/env.sh"

mapfile -t PACKAGES < <(sed -e 's/#.*//' "$here/packages.txt" | awk 'NF && $1 !~ /:/ { print $1 }' | sort -u)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! is_root; then
  die "missing Debian packages: ${missing[*]}
  install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}"
fi
log "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
