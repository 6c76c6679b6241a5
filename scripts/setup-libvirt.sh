#!/usr/bin/env bash
# Make sure a healthy libvirt daemon answers on qemu:///system.
#
# - A daemon under systemd (a workstation's libvirtd or virtqemud) is reused,
#   never restarted or reconfigured, and nothing of the machine is changed.
# - Otherwise, as root (CI, a fresh machine, a container), /dev/kvm gets the
#   owner and mode Debian's udev rule gives it, and virtlogd and libvirtd are
#   started inside a private network namespace (unless one already answers):
#   bridges, dnsmasq and guest traffic then exist only inside it, while the
#   unix socket under /var/run/libvirt still works from outside.
# - Not root and nothing answers: say what to run, and stop.
# - Then a health check: defining a tiny domain must take under a second.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

NETNS="${DESKFLEET_NETNS:-deskfleet}"
SOCKETS=(/var/run/libvirt/virtqemud-sock /var/run/libvirt/libvirt-sock)
URI=qemu:///system
# A define slower than this means the daemon re-probes qemu on every call.
HEALTHY_DEFINE_MS=1000

daemon_answers() {
  command -v virsh >/dev/null || return 1
  timeout 10 virsh -q -c "$URI" version >/dev/null 2>&1
}

under_systemd() { [ -d /run/systemd/system ]; }

# The units that give qemu:///system on this host: the monolithic libvirtd where it is the one
# in use (or the only one), else the modular daemons' sockets (Fedora, Arch, newer Debian).
MODULAR_UNITS=(virtqemud.socket virtnetworkd.socket virtstoraged.socket virtlogd.socket)
service_units() {
  if systemctl is-enabled --quiet libvirtd.service 2>/dev/null ||
    ! systemctl list-unit-files virtqemud.socket >/dev/null 2>&1; then
    echo libvirtd.service
  else
    echo "${MODULAR_UNITS[*]}"
  fi
}

# No udev runs where libvirt is not under systemd, so /dev/kvm stays
# root:root 0600. libvirtd then probes qemu as root (KVM seen) but checks its
# capability cache as the qemu user (KVM not seen), throws the cache away and
# re-probes on every define or start: ~4 s each instead of 0.01 s. Debian's
# udev rule (/lib/udev/rules.d/50-udev-default.rules) makes it root:kvm 0660.
fix_kvm_permissions() {
  [ -c /dev/kvm ] || return 0
  getent group kvm >/dev/null || return 0
  local now
  now="$(stat -c '%U:%G %a' /dev/kvm)"
  [ "$now" = "root:kvm 660" ] && return 0
  log "setting /dev/kvm to root:kvm 0660 as Debian's udev rule would (it was $now; no udev runs here)"
  chgrp kvm /dev/kvm
  chmod 0660 /dev/kvm
}

# Starts `name` (virtlogd or libvirtd) in the namespace unless it runs. A
# process that is still exiting (just killed) is waited for, not mistaken
# for a running daemon.
start_daemon() {
  local name="$1" pidfile="/var/run/$1.pid"
  shift
  if [ -n "$(alive_pids "$name")" ]; then
    # libvirtd that runs but does not answer may be a dying one: give it 5 s to go.
    if [ "$name" != libvirtd ] || daemon_answers; then return 0; fi
    for _ in $(seq 1 50); do
      [ -z "$(alive_pids "$name")" ] && break
      sleep 0.1
    done
    [ -n "$(alive_pids "$name")" ] &&
      die "$name (pid $(alive_pids "$name" | tr '\n' ' ')) runs but does not answer on $URI; stop it or look at its log"
  fi
  # A stale pid file from a killed daemon makes it refuse to start.
  rm -f "$pidfile"
  ip netns exec "$NETNS" "$name" -d "$@"
  log "started $name inside network namespace '$NETNS'"
}

# Defines and undefines a tiny domain, timing the define. The first call
# after an install or upgrade probes qemu once (up to a minute); that is paid
# here, as a warm-up, and not by the first `pulumi up` or test.
health_check() {
  local name=test-deskfleet-health xml start ms out
  xml="$(mktemp)"
  printf "<domain type='qemu'><name>%s</name><memory unit='MiB'>16</memory><os><type arch='x86_64'>hvm</type></os></domain>\n" "$name" >"$xml"
  virsh -q -c "$URI" undefine "$name" >/dev/null 2>&1 || true
  timeout 300 virsh -q -c "$URI" domcapabilities --virttype qemu >/dev/null 2>&1 || true
  start="$(date +%s%N)"
  if ! out="$(timeout 120 virsh -q -c "$URI" define "$xml" 2>&1)"; then
    rm -f "$xml"
    die "libvirt answers on $URI but cannot define a domain: $out"
  fi
  ms=$((($(date +%s%N) - start) / 1000000))
  virsh -q -c "$URI" undefine "$name" >/dev/null 2>&1 || true
  rm -f "$xml"
  if [ "$ms" -gt "$HEALTHY_DEFINE_MS" ]; then
    local hint="libvirt is probably re-probing qemu on every call"
    [ -c /dev/kvm ] && hint="$hint; /dev/kvm is $(stat -c '%U:%G %a' /dev/kvm) (healthy: root:kvm 660, as Debian's udev rule sets it)"
    die "libvirt answers on $URI but took $((ms / 1000)).$(printf '%03d' $((ms % 1000))) s to define a tiny domain (healthy: under 1 s): $hint"
  fi
}

# swtpm authors a guest's TPM state as libvirt's swtpm_user (tss by default) and signs its
# certificate with the local CA in /var/lib/swtpm-localca, which Debian's package gives to tss.
# Files in it made by root (swtpm run as root once, e.g. by hand) leave tss unable to take the
# CA's lock: "Need read/write rights on /var/lib/swtpm-localca/.lock.swtpm-localca for user tss",
# and no TPM guest starts. Given back to tss, as the package intends.
fix_swtpm_ca() {
  local ca=/var/lib/swtpm-localca
  [ -d "$ca" ] && getent passwd tss >/dev/null || return 0
  [ -z "$(find "$ca" ! -user tss -print -quit)" ] && return 0
  log "giving swtpm's local CA ($ca) back to user tss, as Debian's swtpm-tools sets it (some files were another user's)"
  chown -R tss "$ca"
}

if is_root; then
  fix_swtpm_ca
fi
if ! under_systemd && is_root; then
  fix_kvm_permissions
fi

if ! daemon_answers; then
  if ! is_root; then
    units="libvirtd.service"
    under_systemd && units="$(service_units)"
    for s in "${SOCKETS[@]}"; do [ -S "$s" ] && die "libvirt socket $s exists but does not answer; check 'systemctl status $units' (are you in group libvirt?)"; done
    die "no libvirt daemon answers on $URI. Start it with: sudo systemctl enable --now $units"
  fi
  if under_systemd && { systemctl list-unit-files libvirtd.service >/dev/null 2>&1 ||
    systemctl list-unit-files virtqemud.socket >/dev/null 2>&1; }; then
    read -r -a units <<<"$(service_units)"
    log "starting ${units[*]} through systemd"
    systemctl start "${units[@]}"
  else
    ip netns list | grep -qw "$NETNS" || ip netns add "$NETNS"
    ip netns exec "$NETNS" ip link set lo up
    start_daemon virtlogd
    start_daemon libvirtd
  fi
  for _ in $(seq 1 100); do
    daemon_answers && break
    sleep 0.1
  done
  daemon_answers || die "libvirtd did not answer on $URI within 10 s"
fi

health_check
