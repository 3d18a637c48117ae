#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The arm64 root file system of the emulated R-Car host test bed
# (scripts/kvm-bed.sh): Debian's own arm64 QEMU (the control), the
# libraries our arm64 cross-build needs, and busybox for the scenario
# script guest/kvm-bed.  Prints its directory on stdout.
#
# Usage: scripts/kvm-bed-rootfs.sh
#
# The tree is made with mmdebstrap's extract variant, which only unpacks
# packages and so needs no arm64 emulation on this x86-64 host.  It lives
# in $RCAR_CACHE/kvm-bed/rootfs and is made again only when the package
# list, the archive entry or this script change.  The outer guest mounts
# it read-only over 9p and chroots into it, so the mount points are made
# here.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bed_cache=$RCAR_CACHE/kvm-bed
rootfs=$bed_cache/rootfs

# bookworm-backports' QEMU is the control: the version users run on
# bookworm hosts.  Our binary's libraries are named as well, so that they
# are there even if Debian's QEMU stops depending on one of them.
packages=(
    qemu-system-arm/bookworm-backports
    qemu-system-common/bookworm-backports
    qemu-system-data/bookworm-backports
    busybox-static
    libglib2.0-0
    libpixman-1-0
    libfdt1
    zlib1g
)
# Programs the bed runs and libraries our binary loads, checked after
# each build (bookworm's tree is not merged-/usr: a library may be in
# /lib or /usr/lib).
programs=(bin/busybox usr/bin/qemu-system-aarch64 lib/ld-linux-aarch64.so.1)
libraries=(libglib-2.0.so.0 libpixman-1.so.0 libfdt.so.1 libz.so.1 libm.so.6)
mount_points=(dev proc sys tmp bed)

uri=$(debian_uri)
[ -n "$uri" ] ||
    die "found no Debian entry in /etc/apt/sources.list.d or" \
        "/etc/apt/sources.list; add one for bookworm and run again"

include=$(IFS=,; echo "${packages[*]}")
args=(--variant=extract --arch=arm64 "--include=$include" bookworm)
mirrors=("deb $uri bookworm main" "deb $uri bookworm-backports main")
key=$(printf '%s\n' "${args[@]}" "${mirrors[@]}" "${mount_points[@]}" |
      cat - "${BASH_SOURCE[0]}" | sha256sum | cut -d' ' -f1)

mkdir -p "$bed_cache"
exec 9> "$bed_cache/lock"
if ! flock -n 9; then
    say "waiting for another kvm-bed-rootfs.sh to finish"
    flock 9
fi

if [ -f "$bed_cache/rootfs.stamp" ] &&
   [ "$(cat "$bed_cache/rootfs.stamp")" = "$key" ] && [ -d "$rootfs" ]; then
    echo "$rootfs"
    exit 0
fi

[ "$(id -u)" -eq 0 ] ||
    die "making the arm64 root file system takes root (mmdebstrap" \
        "extracts files owned by root); run this as root"
command -v mmdebstrap > /dev/null ||
    bash "$RCAR_TOP/scripts/deps.sh" "$RCAR_TOP/scripts/packages-arm64.txt"
say "making the arm64 root file system $rootfs (Debian's QEMU from" \
    "bookworm-backports; log: $bed_cache/mmdebstrap.log)"
new=$bed_cache/rootfs.new
rm -rf "$new"
start=$EPOCHREALTIME
if ! mmdebstrap "${args[@]}" "$new" "${mirrors[@]}" \
        > "$bed_cache/mmdebstrap.log" 2>&1; then
    tail -n 20 "$bed_cache/mmdebstrap.log" >&2
    die "mmdebstrap failed (log: $bed_cache/mmdebstrap.log); if apt" \
        "could not reach the archive, check the network and run again"
fi
for f in "${programs[@]}"; do
    [ -e "$new/$f" ] ||
        die "the arm64 root file system has no /$f; a Debian package" \
            "changed: update the package list in ${BASH_SOURCE[0]}"
done
for f in "${libraries[@]}"; do
    [ -e "$new/lib/aarch64-linux-gnu/$f" ] ||
        [ -e "$new/usr/lib/aarch64-linux-gnu/$f" ] ||
        die "the arm64 root file system has no $f; a Debian package" \
            "changed: update the package list in ${BASH_SOURCE[0]}"
done
for d in "${mount_points[@]}"; do
    mkdir -p "$new/$d"
done
# What went in, from each package's changelog (extract leaves no dpkg
# database)
for p in "${packages[@]}"; do
    p=${p%/*}
    printf '%s %s\n' "$p" "$(zcat "$new/usr/share/doc/$p/changelog.Debian.gz" \
        2>/dev/null | sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p')"
done > "$new/bed-versions"
rm -rf "$rootfs"
mv "$new" "$rootfs"
echo "$key" > "$bed_cache/rootfs.stamp"
say "made $rootfs in $(awk -v s="$start" -v e="$EPOCHREALTIME" \
    'BEGIN { printf "%.0f", e - s }')s: $(du -sh "$rootfs" | cut -f1)"
echo "$rootfs"
