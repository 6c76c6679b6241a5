#!/usr/bin/env bash
# Debian packages deskfleet's setup and tests need. As root (CI, a fresh
# machine) they are installed; on a person's workstation nothing is installed
# silently: the missing ones are named with the exact command, and setup stops.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

# Daemon and clients, emulator and image tools, firmware, DHCP for networks;
# iproute2 for the test network namespace; openssh for ssh transport tests;
# python3-libvirt as the C-client baseline in benchmarks; the appliance's
# build tools are checked by scripts/appliance/build.sh itself.
PACKAGES=(
  libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils ovmf dnsmasq-base
  iproute2 openssh-server openssh-client python3-libvirt
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! is_root; then
  die "missing Debian packages: ${missing[*]}
  install them with: sudo apt-get install -y ${missing[*]}"
fi
log "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
