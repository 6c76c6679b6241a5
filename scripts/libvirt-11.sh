#!/usr/bin/env bash
# libvirt 11.3 + QEMU 10.0 (what Debian 13 ships, from Debian's bookworm-backports) beside the
# system's libvirt 9.0 / QEMU 7.2, installing nothing into the system: the packages are fetched
# with a private apt configuration and unpacked with `dpkg -x` into a tree under the cache.
# scripts/second-host.sh starts a host from that tree (`second-host.sh start NAME 11`).
#
#   scripts/libvirt-11.sh fetch   fetch and unpack (cached: a second run does nothing); prints the tree
#   scripts/libvirt-11.sh env     the environment that runs the tree's programs (eval "$(… env)")
#
# Which packages: a simulated install of the wanted ones from bookworm-backports against the
# system's own dpkg status (read only) says what is missing or too old here; those come from
# backports. Not fetched: qemu-block-extra (gluster, rbd, iscsi, nfs) and the dependencies of
# libvirt-daemon-system (systemd 254); its own few files are unpacked alone.
set -euo pipefail
source "$(dirname "$0")/lib/env.sh"

CACHE="$DESKFLEET_CACHE/libvirt-11"
ROOT="$CACHE/root"
ARCH_LIB="usr/lib/x86_64-linux-gnu"
WANT=(
  libvirt0 libvirt-common libvirt-clients
  libvirt-daemon libvirt-daemon-common libvirt-daemon-log libvirt-daemon-lock libvirt-daemon-plugin-lockd
  libvirt-daemon-driver-qemu libvirt-daemon-driver-network libvirt-daemon-driver-storage
  libvirt-daemon-driver-secret libvirt-daemon-driver-nodedev libvirt-daemon-driver-nwfilter
  libvirt-daemon-driver-interface
  qemu-system-x86 qemu-system-common qemu-system-data qemu-utils
  qemu-system-modules-spice
)
ALONE=(libvirt-daemon-system)
SOURCES="deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main"
# The tree is remade when what goes into it changes.
STAMP="$(printf '%s\n' "${WANT[*]}" "${ALONE[*]}" "$SOURCES" v2 | sha256sum | cut -c1-16)"

lib_path() { echo "$ROOT/$ARCH_LIB:$ROOT/lib/x86_64-linux-gnu"; }

tree_env() {
  local d="$ROOT/$ARCH_LIB/libvirt"
  cat <<EOF
export LIBVIRT11_ROOT='$ROOT'
export LD_LIBRARY_PATH='$(lib_path)'
export LIBVIRT_DRIVER_DIR='$d/connection-driver'
export LIBVIRT_STORAGE_BACKEND_DIR='$d/storage-backend'
export LIBVIRT_STORAGE_FILE_DIR='$d/storage-file'
export LIBVIRT_LOCK_MANAGER_PLUGIN_DIR='$d/lock-driver'
EOF
}

# The tree's binaries and plugins, whose libraries must all resolve.
elf_files() {
  local f
  for f in "$ROOT"/usr/sbin/{libvirtd,virtlogd,virtlockd} "$ROOT"/usr/bin/{virsh,qemu-system-x86_64,qemu-img} \
    "$ROOT/$ARCH_LIB"/libvirt/*/*.so "$ROOT/$ARCH_LIB"/qemu/*.so; do
    [ -f "$f" ] && [ "$(head -c4 "$f" | tail -c3)" = ELF ] && echo "$f"
  done
  return 0
}

# The downloaded .deb of "pkg=version" (apt-get download writes an epoch's ':' as %3a).
deb_file() {
  local v="${1#*=}"
  compgen -G "$CACHE/debs/${1%%=*}_${v//:/%3a}_*.deb" | head -n1
}

fetch() {
  if [ -f "$ROOT/.complete" ] && [ "$(cat "$ROOT/.complete")" = "$STAMP" ]; then
    echo "$ROOT"
    return 0
  fi
  mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial" "$CACHE/debs"
  printf '%s\n' "$SOURCES" >"$CACHE/apt/sources.list"
  # A private apt: its own sources, lists and cache; never the system's lock or preferences.
  local opts=(-q -o "Dir::Etc::SourceList=$CACHE/apt/sources.list" -o Dir::Etc::SourceParts=-
    -o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache"
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=-
    -o APT::Sandbox::User=root -o Debug::NoLocking=1)
  log "fetching libvirt 11.3 and QEMU 10.0 from bookworm-backports into $CACHE (first time: ~10 s)"
  apt-get "${opts[@]}" update >"$CACHE/apt/update.log" 2>&1 ||
    die "apt-get update of the private lists failed: $(tail -n3 "$CACHE/apt/update.log")"
  local sim
  sim="$(apt-get "${opts[@]}" -s --no-install-recommends install "${WANT[@]/%//bookworm-backports}" 2>&1)" ||
    die "the packages of libvirt 11 cannot be resolved here: $(tail -n5 <<<"$sim")"
  # "Inst pkg [old] (version Release:… [arch])": what is missing here or too old, from
  # backports or from bookworm itself (a library the system never installed, e.g. the
  # virglrenderer that QEMU's SPICE and OpenGL modules load).
  local get=() p v
  grep -q '^Inst .*[Bb]ackports' <<<"$sim" || die "no package of libvirt 11 found in bookworm-backports"
  mapfile -t get < <(awk '/^Inst / { v = $0; sub(/^[^(]*\(/, "", v); split(v, a, " "); print $2 "=" a[1] }' <<<"$sim")
  for p in "${ALONE[@]}"; do
    v="$(apt-cache "${opts[@]}" show "$p/bookworm-backports" | awk '/^Version:/ { print $2; exit }')"
    get+=("$p=$v")
  done
  printf '%s\n' "${get[@]}" | sort >"$CACHE/packages.txt"
  local missing=()
  for p in "${get[@]}"; do [ -n "$(deb_file "$p")" ] || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    (cd "$CACHE/debs" && apt-get "${opts[@]}" download "${missing[@]}") >"$CACHE/apt/download.log" 2>&1 ||
      die "apt-get download failed: $(tail -n3 "$CACHE/apt/download.log")"
  fi
  rm -rf "$ROOT.new"
  mkdir -p "$ROOT.new"
  for p in "${get[@]}"; do dpkg -x "$(deb_file "$p")" "$ROOT.new"; done
  rm -rf "$ROOT"
  mv "$ROOT.new" "$ROOT"
  local f out bad=""
  while read -r f; do
    out="$(LD_LIBRARY_PATH="$(lib_path)" ldd "$f" 2>&1 || true)"
    if grep -q 'not found' <<<"$out"; then bad+="$f: $(grep 'not found' <<<"$out" | tr '\n' ' ')"$'\n'; fi
  done < <(elf_files)
  [ -z "$bad" ] || die "libraries of the libvirt 11 tree do not resolve:"$'\n'"$bad"
  echo "$STAMP" >"$ROOT/.complete"
  log "libvirt 11 tree ready: ${#get[@]} packages ($(LD_LIBRARY_PATH="$(lib_path)" "$ROOT/usr/sbin/libvirtd" --version))"
  echo "$ROOT"
}

case "${1:-}" in
  fetch) fetch ;;
  env) tree_env ;;
  *) die "usage: $0 fetch | env" ;;
esac
