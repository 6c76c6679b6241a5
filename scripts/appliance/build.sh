#!/usr/bin/env bash
# Build deskfleet's test appliance: a tiny qcow2 disk that boots in seconds
# under plain emulation (qemu TCG), counts its boots on its own disk, takes a
# DHCP lease and powers off on an ACPI power-button press. See README.md here.
#
# Usage: scripts/appliance/build.sh [OUTPUT.qcow2]
#   The image is built into $DESKFLEET_CACHE/appliance/deskfleet-appliance-<hash>.qcow2
#   (DESKFLEET_CACHE defaults to ${XDG_CACHE_HOME:-~/.cache}/deskfleet), where
#   <hash> covers this script, rootfs/ and the versions of the Debian packages
#   used, so an existing file is reused as is (second run < 1 s).
#   $ROOT/.tools/appliance/deskfleet-appliance.qcow2 is made a symlink to it and
#   that path is printed on stdout; when OUTPUT is given it receives a copy and
#   its path is printed instead. Logs go to stderr.
#
# Inputs come only from Debian packages fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` (nothing is installed into the host system):
# the cloud kernel, busybox-static, syslinux (installer + MBR code) and
# syslinux-efi (the same boot loader for UEFI firmware, as EFI/BOOT/BOOTX64.EFI).
# The disk is assembled in a plain file with sfdisk and mtools, so no mount,
# no loop device and no root are needed (root only to apt-get missing tools).
set -euo pipefail

SELF="$(readlink -f "${BASH_SOURCE[0]}")"
HERE="$(dirname "$SELF")"
source "$HERE/../lib/env.sh" # DESKFLEET_ROOT, DESKFLEET_CACHE, log, die, is_root
# sfdisk lives in /usr/sbin, which ordinary users often lack in PATH.
PATH="$PATH:/usr/sbin:/sbin"

KERNEL_META=linux-image-cloud-amd64
# Modules to load at boot; their dependencies are added (in order) at build time.
# virtio_balloon: memory given back or taken live (deskfleet's live memory changes).
MODULES=(virtio_pci virtio_blk virtio_net virtio_balloon button evdev)
# Loaded after the boot marker, in the background: what reading a cloud-init
# seed on an IDE CD-ROM (machine pc) takes. The cloud kernel has no AHCI
# driver, so a SATA CD-ROM (q35) stays unseen by the appliance.
LATE_MODULES=(ata_piix sr_mod isofs)
# quiet: every console byte is slow under emulation; our marker lines are
# printed by init regardless of the kernel's log level.
CMDLINE="console=ttyS0,115200 quiet"

# Layout in 512-byte sectors: MBR, then a FAT boot partition (kernel, initramfs,
# syslinux), then a raw 1 MiB state partition whose first sector holds the
# boot counter. The rest of the 256 MiB stays unallocated (costs nothing).
DISK_SIZE=256M
BOOT_START=2048
BOOT_SECTORS=131072 # 64 MiB
STATE_START=$((BOOT_START + BOOT_SECTORS))
STATE_SECTORS=2048 # 1 MiB

LINK="$DESKFLEET_ROOT/.tools/appliance/deskfleet-appliance.qcow2"
APPLIANCE_CACHE="$DESKFLEET_CACHE/appliance"


# --- which packages ---------------------------------------------------------

# apt's answer only changes when the package lists, sources or pinning do
# (or when we ask about other packages).
apt_state_key() {
  {
    echo "$KERNEL_META busybox-static syslinux syslinux-common syslinux-efi"
    stat -c '%n %s %Y' /var/lib/apt/lists/* /etc/apt/sources.list* \
      /etc/apt/sources.list.d/* /etc/apt/preferences* 2>/dev/null || true
  } | sha256sum | cut -c1-16
}

# One apt-cache call (~0.6 s where apt keeps no pkgcache.bin, as in many
# containers) gives the candidate versions, and the kernel package that the
# metapackage depends on with its exact version: the same answer as
# `apt-cache depends linux-image-cloud-amd64`, e.g.
#   Depends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)
# Prints: kernel-package kernel-version busybox-version syslinux-version syslinux-common-version
#         syslinux-efi-version
query_versions() {
  apt-cache show --no-all-versions "$KERNEL_META" busybox-static syslinux syslinux-common syslinux-efi |
    awk -v meta="$KERNEL_META" '
      /^Package: / { p = $2 }
      /^Version: / { v[p] = $2 }
      /^Depends: / && p == meta && match($0, /linux-image-[^ ,]+ \(= [^)]+\)/) {
        split(substr($0, RSTART, RLENGTH), d, /[ ()=]+/); k = d[1]; kv = d[2] }
      END { print k, kv, v["busybox-static"], v["syslinux"], v["syslinux-common"], v["syslinux-efi"] }'
}

# Memoised per apt state, so that a cache hit costs no apt-cache run at all.
resolve_versions() {
  local memo line
  memo="$APPLIANCE_CACHE/resolved/$(apt_state_key)"
  if [ -s "$memo" ]; then cat "$memo"; return; fi
  line="$(query_versions)"
  # shellcheck disable=SC2086 # counting words
  [ "$(set -- $line; echo $#)" = 6 ] ||
    die "cannot resolve $KERNEL_META/busybox-static/syslinux with apt-cache (got '$line'; apt-get update?)"
  mkdir -p "$(dirname "$memo")"
  echo "$line" >"$memo.$$" && mv "$memo.$$" "$memo"
  echo "$line"
}

# Everything that determines the image's content.
image_hash() {
  {
    cat "$SELF"
    (cd "$HERE/rootfs" && find . -type f | LC_ALL=C sort | while read -r f; do echo "$f"; cat "$f"; done)
    echo "$1"
  } | sha256sum | cut -c1-16
}

# --- host tools -------------------------------------------------------------

# The build tools are in scripts/packages.txt with everything else setup needs.
ensure_tools() {
  bash "$HERE/../setup-packages.sh" >&2
}

# --- inputs -----------------------------------------------------------------

# Exact versions, so that what we download is what the hash was made from.
download_debs() { # dir kpkg kver bbver slver slcver sleve
  local dir="$1" sandbox=()
  # As root apt drops to user _apt, which cannot write into our private temp dir.
  is_root && sandbox=(-o APT::Sandbox::User=root)
  (cd "$dir" && apt-get download -q "${sandbox[@]}" \
    "$2=$3" "busybox-static=$4" "syslinux=$5" "syslinux-common=$6" "syslinux-efi=$7" >&2)
}

extract_debs() { # debdir destdir
  local deb
  for deb in "$1"/*.deb; do dpkg-deb -x "$deb" "$2"; done
}

# Debian ships modules in /lib/modules (bookworm) or /usr/lib/modules (later).
kernel_modules_dir() { # pkgroot krel
  local d
  for d in "$1/lib/modules/$2" "$1/usr/lib/modules/$2"; do
    [ -d "$d" ] && { echo "$d"; return; }
  done
  die "no modules directory for $2 in the kernel package"
}

# Newer kernels may ship .ko.xz/.ko.zst/.ko.gz; the initramfs gets plain .ko,
# which busybox insmod always handles.
decompress_modules() { # moddir busybox
  local f
  find "$1" -name '*.ko.*' | while read -r f; do
    case "$f" in
      *.ko.xz) "$2" unxz "$f" ;;
      *.ko.gz) gzip -d "$f" ;;
      *.ko.zst) command -v zstd >/dev/null || die "kernel modules are zstd-compressed: install zstd"
        zstd -q -d --rm "$f" ;;
    esac
  done
}

# --- initramfs --------------------------------------------------------------

# Depth-first over modules.dep: every module after all of its dependencies.
module_load_order() { # moddir module...
  local moddir="$1"
  shift
  awk -v want="$*" '
    function base(p) { sub(/.*\//, "", p); sub(/\.ko$/, "", p); gsub(/-/, "_", p); return p }
    function visit(m,   i, n, d) {
      if (m in seen) return
      seen[m] = 1
      if (!(m in path)) { print "missing module " m > "/dev/stderr"; exit 1 }
      n = split(deps[m], d, " ")
      for (i = 1; i <= n; i++) visit(base(d[i]))
      print m, path[m]
    }
    { sub(/:$/, "", $1); m = base($1); path[m] = $1; $1 = ""; deps[m] = $0 }
    END { n = split(want, w, " "); for (i = 1; i <= n; i++) visit(w[i]) }
  ' "$moddir/modules.dep"
}

# Modules flat in /lib/modules/<name>.ko plus /etc/modules.load and
# /etc/modules.late, each in load order (a module already in the first list
# is not repeated in the second).
stage_modules() { # moddir stage busybox
  local name rel
  "$3" depmod -b "$1/../../.." "$(basename "$1")" ||
    die "busybox depmod failed on $1"
  mkdir -p "$2/lib/modules"
  module_load_order "$1" "${MODULES[@]}" | while read -r name rel; do
    cp "$1/$rel" "$2/lib/modules/$name.ko"
    echo "$name" >>"$2/etc/modules.load"
  done
  : >"$2/etc/modules.late"
  module_load_order "$1" "${LATE_MODULES[@]}" | while read -r name rel; do
    [ -e "$2/lib/modules/$name.ko" ] && continue
    cp "$1/$rel" "$2/lib/modules/$name.ko"
    echo "$name" >>"$2/etc/modules.late"
  done
}

# Busybox and one symlink per applet; the rest is rootfs/ from this directory.
stage_rootfs() { # stage busybox
  local applet
  mkdir -p "$1"/{bin,dev,proc,sys,run,tmp,etc}
  cp -R "$HERE/rootfs/." "$1/"
  chmod 0755 "$1/init" "$1/etc/udhcpc.sh"
  cp "$2" "$1/bin/busybox"
  for applet in $("$2" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$1/bin/$applet"
  done
}

# newc cpio, owned by root whoever builds it, gzip-compressed.
pack_initramfs() { # stage out
  (cd "$1" && find . | LC_ALL=C sort |
    cpio -o -H newc --owner=0:0 --reproducible --quiet) | gzip -9 -n >"$2"
}

# --- disk -------------------------------------------------------------------

write_syslinux_cfg() { # out
  cat >"$1" <<EOF
SERIAL 0 115200
DEFAULT deskfleet
PROMPT 0
TIMEOUT 0
LABEL deskfleet
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $CMDLINE
EOF
}

# MBR with a bootable FAT16 partition and a raw "non-FS data" state partition.
partition_disk() { # raw
  truncate -s "$DISK_SIZE" "$1"
  sfdisk -q --no-reread --no-tell-kernel "$1" >/dev/null <<EOF
label: dos
label-id: 0x6465736b
unit: sectors
start=$BOOT_START, size=$BOOT_SECTORS, type=e, bootable
start=$STATE_START, size=$STATE_SECTORS, type=da
EOF
}

# mtools work on the partition inside the image file directly (file@@offset);
# -H records the partition start as hidden sectors, which the boot sector needs.
# UEFI firmware (OVMF) boots the removable-media path EFI/BOOT/BOOTX64.EFI of
# the same FAT partition: syslinux.efi, which reads the same syslinux.cfg from
# its own folder, so the appliance boots alike under BIOS and UEFI.
fill_boot_partition() { # raw kernel initrd cfg syslinux.efi ldlinux.e64
  local part="$1@@$((BOOT_START * 512))"
  mformat -i "$part" -T "$BOOT_SECTORS" -h 64 -s 32 -H "$BOOT_START" -v DESKFLEET ::
  mcopy -i "$part" "$2" ::/vmlinuz
  mcopy -i "$part" "$3" ::/initrd.img
  mcopy -i "$part" "$4" ::/syslinux.cfg
  mmd -i "$part" ::/EFI ::/EFI/BOOT
  mcopy -i "$part" "$5" ::/EFI/BOOT/BOOTX64.EFI
  mcopy -i "$part" "$6" ::/EFI/BOOT/ldlinux.e64
  mcopy -i "$part" "$4" ::/EFI/BOOT/syslinux.cfg
}

# syslinux's installer (from the .deb) writes ldlinux.sys/.c32 and the FAT boot
# sector through mtools; syslinux's MBR code then chains to the active partition.
install_bootloader() { # raw syslinux-binary mbr.bin
  "$2" --offset "$((BOOT_START * 512))" --install "$1"
  dd if="$3" of="$1" bs=440 count=1 conv=notrunc status=none
}

# --- main steps -------------------------------------------------------------

build_image() { # out kpkg kver bbver slver slcver sleve
  local out="$1" kpkg="$2" krel="${2#linux-image-}" work pkgs moddir bb stage
  work="$(mktemp -d)"
  # shellcheck disable=SC2064 # expand $work now
  trap "rm -rf '$work'" EXIT
  pkgs="$work/pkgs" stage="$work/initramfs"
  mkdir -p "$work/debs" "$pkgs" "$stage/etc"
  log "downloading $kpkg $3, busybox-static $4, syslinux $5, syslinux-efi $7"
  download_debs "$work/debs" "$kpkg" "$3" "$4" "$5" "$6" "$7"
  extract_debs "$work/debs" "$pkgs"
  bb="$pkgs/bin/busybox"
  moddir="$(kernel_modules_dir "$pkgs" "$krel")"
  decompress_modules "$moddir" "$bb"
  stage_rootfs "$stage" "$bb"
  stage_modules "$moddir" "$stage" "$bb"
  log "modules: $(tr '\n' ' ' <"$stage/etc/modules.load")+ later $(tr '\n' ' ' <"$stage/etc/modules.late")"
  pack_initramfs "$stage" "$work/initrd.img"
  write_syslinux_cfg "$work/syslinux.cfg"
  export MTOOLSRC=/dev/null MTOOLS_SKIP_CHECK=1
  partition_disk "$work/disk.raw"
  fill_boot_partition "$work/disk.raw" "$pkgs/boot/vmlinuz-$krel" "$work/initrd.img" "$work/syslinux.cfg" \
    "$pkgs/usr/lib/SYSLINUX.EFI/efi64/syslinux.efi" "$pkgs/usr/lib/syslinux/modules/efi64/ldlinux.e64"
  install_bootloader "$work/disk.raw" "$pkgs/usr/bin/syslinux" "$pkgs/usr/lib/syslinux/mbr/mbr.bin"
  mkdir -p "$(dirname "$out")"
  qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  rm -rf "$work"
  trap - EXIT
}

# Serialise concurrent builds of the same output (parallel test runs).
build_locked() { # out versions...
  local out="$1"
  mkdir -p "$(dirname "$out")"
  exec 9>"$(dirname "$out")/.build.lock"
  flock 9
  if [ -s "$out" ]; then return 0; fi
  ensure_tools
  build_image "$@"
  log "built $out ($(du -h "$out" | cut -f1))"
}

# An explicit output path gets a copy of the cached image (cheap, and never
# stale: the cache file name says what it was built from).
copy_to() { # cached out
  cmp -s "$1" "$2" 2>/dev/null && return 0
  mkdir -p "$(dirname "$2")"
  cp "$1" "$2.tmp.$$" && mv "$2.tmp.$$" "$2"
}

# The stable path tests use. It points into the cache (not at an explicit
# OUTPUT, which its owner may move or delete); the content is the same.
link_into_tools() { # cached
  [ "$(readlink "$LINK" 2>/dev/null || true)" = "$1" ] && return 0
  mkdir -p "$(dirname "$LINK")"
  ln -sfn "$1" "$LINK"
}

main() {
  local versions cached
  [ $# -le 1 ] || die "usage: $0 [OUTPUT.qcow2]"
  versions="$(resolve_versions)"
  cached="$APPLIANCE_CACHE/deskfleet-appliance-$(image_hash "$versions").qcow2"
  # shellcheck disable=SC2086 # versions is six words
  [ -s "$cached" ] || build_locked "$cached" $versions
  link_into_tools "$cached"
  if [ $# -eq 1 ]; then
    copy_to "$cached" "$(realpath -m "$1")"
    realpath -m "$1"
  else
    echo "$LINK"
  fi
}

main "$@"
