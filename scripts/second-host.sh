#!/usr/bin/env bash
# A second libvirt host on this machine, for tests: a privileged libvirtd (and
# its own virtlogd) in a network namespace and a mount namespace of its own,
# with private /etc/libvirt, /var/lib/libvirt, /var/cache/libvirt,
# /run/libvirt and /var/log/libvirt, all kept under one folder. It shares
# nothing with the system daemon but the binaries, and it can be killed,
# frozen and restarted by a test without touching anything else.
#
#   scripts/second-host.sh start NAME [11]  start it (or find it running); prints its URI
#   scripts/second-host.sh stop NAME         stop it and remove its folder and namespace
#   scripts/second-host.sh pid NAME          the pid of its libvirtd (for signals)
#
# With `11`, the host runs libvirt 11.3 and QEMU 10.0 from the tree scripts/libvirt-11.sh
# unpacks (fetched on first use): inside its mount namespace the tree's qemu binaries, firmware,
# modules and libvirt data are bind-mounted over the system's, so its guests (whose <emulator>
# is /usr/bin/qemu-system-x86_64) run QEMU 10 while the system's stay on 7.2.
#
# Its socket is reachable from outside at /run/deskfleet-hosts/NAME/run/libvirt-sock:
# the URI is qemu+unix:///system?socket=…. Paths outside the private folders
# (e.g. a pool under /run/deskfleet-hosts/NAME/pools) are the same inside and out.
# Needs root, iproute2 and util-linux (scripts/packages.txt).
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

cmd="${1:-}"
name="${2:-}"
version="${3:-}"
[ -z "$version" ] || [ "$version" = 11 ] || die "usage: $0 start NAME [11] (11: libvirt 11.3 + QEMU 10.0)"
[[ "$name" =~ ^[a-z0-9][a-z0-9-]{0,30}$ ]] || die "usage: $0 start|stop|pid NAME (NAME: lower-case letters, digits, '-')"
is_root || die "a second libvirt host needs root"

base="/run/deskfleet-hosts/$name"
netns="deskfleet-$name"
socket="$base/run/libvirt-sock"
uri="qemu+unix:///system?socket=$socket"
PRIVATE=(etc:/etc/libvirt lib:/var/lib/libvirt cache:/var/cache/libvirt run:/run/libvirt log:/var/log/libvirt)

answers() { timeout "${1:-5}" virsh -q -c "$uri" version >/dev/null 2>&1; }
daemon_pid() { cat "$base/libvirtd.pid" 2>/dev/null || true; }
# Whether the daemon whose pid file is $1 runs; a pid file of one that was killed is removed.
running() {
  local pid
  pid="$(cat "$1" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && return 0
  rm -f "$1"
  return 1
}

case "$cmd" in
  start)
    if [ -S "$socket" ] && answers; then
      echo "$uri"
      exit 0
    fi
    daemons=(virtlogd libvirtd)
    config=/etc/libvirt
    # The system daemon's probe of the same qemu binary, so the first define does not pay its own
    # (~1 min); libvirt re-probes by itself if it finds the cache stale.
    caps=/var/cache/libvirt/qemu/capabilities
    overlay=()
    # The environment the daemons run in (the tree's libraries and plugins for libvirt 11); this
    # script's own virsh keeps the system's.
    daemon_env=""
    if [ "$version" = 11 ]; then
      tree="$(bash "$(dirname "$0")/libvirt-11.sh" fetch)"
      daemon_env="$(bash "$(dirname "$0")/libvirt-11.sh" env)"
      daemons=("$tree/usr/sbin/virtlogd" "$tree/usr/sbin/libvirtd")
      config="$tree/etc/libvirt"
      caps="$DESKFLEET_CACHE/libvirt-11/qemu-capabilities"
      lib=usr/lib/x86_64-linux-gnu
      for p in usr/bin/qemu-system-x86_64 usr/bin/qemu-system-i386 usr/bin/qemu-system-x86_64-microvm \
        usr/bin/qemu-img usr/bin/qemu-nbd usr/bin/qemu-io usr/bin/qemu-pr-helper usr/bin/qemu-storage-daemon \
        usr/share/qemu usr/share/seabios "$lib/qemu" usr/lib/libvirt usr/share/libvirt; do
        [ -e "$tree/$p" ] && overlay+=("$tree/$p:/$p")
      done
      # The tree's usr/share/qemu hides the system's, and with it the firmware descriptors the
      # system's OVMF (Debian's ovmf) installs: without them libvirt 11 finds no 'efi' firmware.
      mkdir -p "$tree/usr/share/qemu/firmware"
      cp -n /usr/share/qemu/firmware/*.json "$tree/usr/share/qemu/firmware/" 2>/dev/null || true
      # libvirt clears LD_LIBRARY_PATH for what it runs (dnsmasq's lease helper, among others):
      # inside the host, the system's libvirt libraries are the tree's too.
      for l in libvirt.so.0 libvirt-qemu.so.0 libvirt-admin.so.0 libvirt-lxc.so.0; do
        src="$(readlink -f "$tree/$lib/$l" || true)" dst="$(readlink -f "/$lib/$l" || true)"
        [ -f "$src" ] && [ -f "$dst" ] && overlay+=("$src:$dst")
      done
    fi
    mkdir -p "$base/pools"
    chmod 755 /run/deskfleet-hosts "$base" "$base/pools" 2>/dev/null || true
    for p in "${PRIVATE[@]}"; do mkdir -p "$base/${p%%:*}"; done
    # Its own copy of the daemons' configuration (*.conf) and nothing else: the folders beside
    # them hold the system daemon's persistent objects (qemu/*.xml, networks, pools), which this
    # host must not inherit.
    if [ ! -f "$base/etc/libvirtd.conf" ]; then
      # TPM state is authored as tss, as by the system's daemon: every host on this machine
      # shares swtpm's local CA (/var/lib/swtpm-localca), which stays tss's (setup-libvirt.sh).
      cp -a "$config"/*.conf "$base/etc/"
    fi
    if [ -d "$caps" ] && [ ! -d "$base/cache/qemu/capabilities" ]; then
      mkdir -p "$base/cache/qemu"
      # Another libvirt 11 host stopping at this moment replaces the kept probe (stop, below):
      # then this host starts without it and probes QEMU itself.
      cp -a "$caps" "$base/cache/qemu/capabilities" 2>/dev/null || rm -rf "$base/cache/qemu/capabilities"
    fi
    echo "$version" >"$base/version"
    # libvirt-qemu must reach images and logs under the private folders.
    chmod 755 "$base/lib" "$base/log"
    ip netns list | grep -qw "$netns" || ip netns add "$netns"
    ip netns exec "$netns" ip link set lo up
    mounts=""
    for p in "${PRIVATE[@]}"; do mounts+="mount --bind '$base/${p%%:*}' '${p#*:}'; "; done
    for p in "${overlay[@]}"; do
      # A file is mounted over a file, a folder over a folder (made where the system lacks it).
      [ -e "${p#*:}" ] || mounts+="mkdir -p '${p#*:}'; "
      mounts+="mount --bind '${p%%:*}' '${p#*:}'; "
    done
    # After a kill (a test's fault) one of the two may still run: start only what does not.
    start=""
    running "$base/virtlogd.pid" || start+="'${daemons[0]}' -d -p '$base/virtlogd.pid'; "
    running "$base/libvirtd.pid" || start+="'${daemons[1]}' -d -p '$base/libvirtd.pid'; "
    # A mount namespace of its own: the bind mounts are seen only by these daemons and their children.
    ip netns exec "$netns" unshare --mount --propagation private sh -ec "
      $mounts
      mkdir -p /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt/qemu /var/log/libvirt/qemu
      $daemon_env
      $start
    "
    # Without a kept probe, a daemon answers only once it has probed its QEMU (~8 s).
    SECONDS=0
    while [ "$SECONDS" -lt 60 ]; do
      if [ -S "$socket" ] && answers 30; then
        echo "$uri"
        exit 0
      fi
      sleep 0.1
    done
    die "the second host '$name' did not answer on $socket within 60 s (its log: $base/log/libvirtd.log)"
    ;;
  stop)
    # A libvirt 11 host's probe of QEMU 10 is kept for the next one.
    if [ "$(cat "$base/version" 2>/dev/null)" = 11 ] && compgen -G "$base/cache/qemu/capabilities/*.xml" >/dev/null; then
      kept="$DESKFLEET_CACHE/libvirt-11/qemu-capabilities"
      rm -rf "$kept.new" && cp -a "$base/cache/qemu/capabilities" "$kept.new" && rm -rf "$kept" && mv "$kept.new" "$kept"
    fi
    for pidfile in "$base/libvirtd.pid" "$base/virtlogd.pid"; do
      pid="$(cat "$pidfile" 2>/dev/null || true)"
      [ -n "$pid" ] && kill -CONT "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
    done
    for _ in $(seq 1 50); do
      pid="$(daemon_pid)"
      { [ -z "$pid" ] || ! alive "$pid"; } && break
      sleep 0.1
    done
    # Guests of that host end with it. Every process in its network namespace was started by this
    # script (its daemons, their qemu and dnsmasq), so that is the list, and nothing else is touched.
    ns_pids() {
      ip netns pids "$netns" 2>/dev/null | while read -r p; do alive "$p" && echo "$p"; done
      return 0
    }
    for sig in TERM KILL; do
      pids="$(ns_pids)"
      [ -z "$pids" ] && break
      # shellcheck disable=SC2086 # a list of pids
      kill -CONT $pids 2>/dev/null || true
      # shellcheck disable=SC2086
      kill -"$sig" $pids 2>/dev/null || true
      for _ in $(seq 1 30); do
        [ -z "$(ns_pids)" ] && break
        sleep 0.1
      done
    done
    [ -z "$(ns_pids)" ] || log "still running in $netns: $(ns_pids | tr '\n' ' ')"
    ip netns delete "$netns" 2>/dev/null || true
    rm -rf "$base"
    rmdir /run/deskfleet-hosts 2>/dev/null || true
    ;;
  pid)
    daemon_pid
    ;;
  *)
    die "usage: $0 start|stop|pid NAME"
    ;;
esac
