#!/usr/bin/env bash
# Make sure a libvirt daemon answers on qemu:///system.
#
# - A daemon that already answers (systemd-managed libvirtd/virtqemud on a
#   workstation) is reused, never restarted or reconfigured.
# - Otherwise, as root (CI, a fresh machine), start virtlogd and libvirtd
#   ourselves inside a private network namespace: bridges, dnsmasq and guest
#   traffic then exist only inside it, while the unix socket under
#   /var/run/libvirt still works from outside (see shared/design.md).
# - Not root and nothing answers: say what to run, and stop.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

NETNS="${DESKFLEET_NETNS:-deskfleet}"
SOCKETS=(/var/run/libvirt/virtqemud-sock /var/run/libvirt/libvirt-sock)

daemon_answers() {
  command -v virsh >/dev/null || return 1
  timeout 10 virsh -q -c qemu:///system version >/dev/null 2>&1
}

if daemon_answers; then
  exit 0
fi

if ! is_root; then
  for s in "${SOCKETS[@]}"; do [ -S "$s" ] && die "libvirt socket $s exists but does not answer; check 'systemctl status libvirtd' (are you in group libvirt?)"; done
  die "no libvirt daemon answers on qemu:///system. Start it with: sudo systemctl enable --now libvirtd"
fi

if [ -d /run/systemd/system ] && systemctl list-unit-files libvirtd.service >/dev/null 2>&1; then
  log "starting libvirtd through systemd"
  systemctl start libvirtd.service
else
  ip netns list | grep -qw "$NETNS" || ip netns add "$NETNS"
  ip netns exec "$NETNS" ip link set lo up
  pgrep -x virtlogd >/dev/null || ip netns exec "$NETNS" virtlogd -d
  # A stale pid file from a killed daemon makes libvirtd refuse to start.
  pgrep -x libvirtd >/dev/null || { rm -f /var/run/libvirtd.pid; ip netns exec "$NETNS" libvirtd -d; }
  log "started libvirtd inside network namespace '$NETNS'"
fi

for _ in $(seq 1 100); do
  daemon_answers && exit 0
  sleep 0.1
done
die "libvirtd did not answer on qemu:///system within 10 s"
