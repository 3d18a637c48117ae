#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch Debian arm64 kernels and build the test initramfs for each of them.
#
# Usage: scripts/guest-assets.sh [6.1|6.12|all]      (default: all)
#
# For each kernel series this resolves, with apt-cache, the newest Debian
# arm64 kernel package (6.1: linux-image-6.1.0-N-arm64 from bookworm; 6.12:
# linux-image-6.12.N+...-arm64 from bookworm-backports), downloads it and
# busybox-static:arm64 with apt-get download, and writes
#     $RCAR_CACHE/guest/<kernel release>/{vmlinuz,initrd.gz,versions}
# The initramfs holds busybox, guest/init (with guest/udhcpc.script) and the
# virtio, 9p and ext4 modules with their dependencies, uncompressed because
# busybox's modprobe cannot read .ko.xz.  The directory of each kernel is
# printed on stdout; progress goes to stderr.  Nothing is redone while the
# packages, guest/, this script and deb-lib.sh are unchanged.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=deb-lib.sh
. "$RCAR_TOP/scripts/deb-lib.sh"
export PATH=$PATH:/usr/sbin:/sbin

guest_cache=$RCAR_CACHE/guest
deb_dir=$guest_cache/debs

# The modules each check of guest/init needs.  Their dependencies are added
# from modules.dep; ones a kernel has built in (virtio_console in 6.12) are
# left out.  ext4 wants crc32c only as a soft dependency (for
# metadata_csum), which busybox's modprobe does not follow.  The guest loads
# only the modules of the checks it runs: they take seconds under TCG.
declare -A check_modules=(
    [blk]="virtio_mmio virtio_blk crc32c_generic ext4"
    [net]="virtio_mmio virtio_net"
    [9p]="virtio_mmio 9pnet_virtio 9p"
    [hvc]="virtio_mmio virtio_console"
    [rng]="virtio_mmio virtio_rng"
    [drm]="virtio_mmio virtio_gpu"
)

usage()
{
    echo "usage: ${0##*/} [6.1|6.12|all]" >&2
    exit 1
}

# need_tools CMD:PACKAGE...: install the packages of missing commands.
need_tools()
{
    local want=() t
    for t in "$@"; do
        command -v "${t%%:*}" >/dev/null || want+=("${t#*:}")
    done
    [ "${#want[@]}" -eq 0 ] && return
    [ "$(id -u)" -eq 0 ] ||
        die "missing ${want[*]}: install them (sudo apt-get install" \
            "${want[*]}) or run scripts/deps.sh as root"
    say "installing ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" \
        >/dev/null || die "apt-get could not install ${want[*]}"
}

# resolve WHAT: print "name version" of the package to use for WHAT
# (busybox, 6.1 or 6.12).  apt-cache takes seconds here, so the answer is
# kept until the package lists change.
resolve()
{
    local memo=$guest_cache/resolved-$1
    case "$1" in
    busybox)
        resolve_cached "$memo" arm64 busybox-static busybox-static \
            'bookworm(-security|-updates)?'
        ;;
    6.1)
        resolve_cached "$memo" arm64 linux-image-6.1 \
            'linux-image-6\.1\.0-[0-9]+-arm64' \
            'bookworm(-security|-updates)?'
        ;;
    6.12)
        resolve_cached "$memo" arm64 linux-image-6.12 \
            'linux-image-6\.12\.[0-9]+\+[a-z0-9.]+-arm64' \
            'bookworm-backports'
        ;;
    esac
}

# build_kernel SERIES NAME VERSION BUSYBOX_DEB BUSYBOX_VERSION
build_kernel()
{
    local series=$1 pkg=$2 ver=$3 bb_deb=$4 bb_ver=$5
    local kver=${pkg#linux-image-}
    local out=$guest_cache/$kver key deb work root c want list m ko dst

    # Rebuild when the packages, the guest files or this script change.
    key=$(cat "$RCAR_TOP/guest/init" "$RCAR_TOP/guest/udhcpc.script" \
              "${BASH_SOURCE[0]}" "$RCAR_TOP/scripts/deb-lib.sh" |
          sha256sum | cut -d' ' -f1)
    key="$pkg $ver busybox-static $bb_ver $key"
    if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$key" ]; then
        echo "$out"
        return
    fi

    deb=$(fetch "$deb_dir" arm64 "$pkg" "$ver")
    say "building the $series initramfs for $kver"
    work=$(mktemp -d "$guest_cache/build.XXXXXX")
    # shellcheck disable=SC2064 # expand now: work is local
    trap "rm -rf '$work'" EXIT
    dpkg-deb -x "$deb" "$work/pkg"
    [ -d "$work/pkg/lib/modules/$kver" ] ||
        die "$pkg has no lib/modules/$kver: is it a kernel image package?"
    depmod -b "$work/pkg" "$kver"

    root=$work/root
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,tmp,mnt,etc,root}
    mkdir -p "$root/lib/modules/$kver" "$root/etc/rcar-modules"
    # /etc/rcar-modules/CHECK: the modules of CHECK in load order; "all"
    # for the shell.  Modules are stored uncompressed.
    for c in "${!check_modules[@]}" all; do
        if [ "$c" = all ]; then
            want=${check_modules[*]}
        else
            want=${check_modules[$c]}
        fi
        # shellcheck disable=SC2086 # a list of names
        list=$(closure "$work/pkg" "$kver" $want)
        for ko in $list; do
            m=${ko##*/}
            m=${m%.xz}
            echo "${m%.ko}"
        done > "$root/etc/rcar-modules/$c"
    done
    for ko in $list; do           # the last list, all
        dst=$root/${ko%.xz}
        mkdir -p "$(dirname "$dst")"
        case "$ko" in
        *.ko) cp "$work/pkg/$ko" "$dst" ;;
        *.ko.xz) xz -dc "$work/pkg/$ko" > "$dst" ;;
        *) die "$kver: cannot unpack module $ko (only .ko and .ko.xz)" ;;
        esac
    done
    cp "$work/pkg/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} \
       "$root/lib/modules/$kver/"
    depmod -b "$root" "$kver"

    dpkg-deb -x "$bb_deb" "$work/bb"
    cp "$work/bb/bin/busybox" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    install -m 755 "$RCAR_TOP/guest/init" "$root/init"
    install -m 755 "$RCAR_TOP/guest/udhcpc.script" "$root/etc/udhcpc.script"

    mkdir -p "$work/out"
    cp "$work/pkg/boot/vmlinuz-$kver" "$work/out/vmlinuz"
    pack_initramfs "$root" "$work/out/initrd.gz"
    {
        echo "$pkg:arm64 $ver"
        echo "busybox-static:arm64 $bb_ver"
        echo "modules: $(paste -sd' ' "$root/etc/rcar-modules/all")"
    } > "$work/out/versions"
    echo "$key" > "$work/out/stamp"

    rm -rf "$out"
    mv "$work/out" "$out"
    rm -rf "$work"
    trap - EXIT
    echo "$out"
}

case "${1:-all}" in
6.1) series=(6.1) ;;
6.12) series=(6.12) ;;
all) series=(6.1 6.12) ;;
*) usage ;;
esac
[ "$#" -le 1 ] || usage

need_tools cpio:cpio depmod:kmod xz:xz-utils dpkg-deb:dpkg apt-cache:apt \
    flock:util-linux
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    [ "$(id -u)" -eq 0 ] ||
        die "apt has no arm64 architecture; run scripts/apt-setup.sh as root"
    bash "$RCAR_TOP/scripts/apt-setup.sh"
fi

# One builder at a time: parallel boot tests share this cache.
mkdir -p "$guest_cache"
exec 9> "$guest_cache/lock"
if ! flock -n 9; then
    say "waiting for another guest-assets.sh to finish"
    flock 9
fi

read -r bb_name bb_ver < <(resolve busybox) ||
    die "apt-cache knows no busybox-static:arm64; run scripts/apt-setup.sh" \
        "as root (it enables arm64 and updates the package lists)"
bb_deb=$(fetch "$deb_dir" arm64 "$bb_name" "$bb_ver")

for s in "${series[@]}"; do
    read -r pkg ver < <(resolve "$s") ||
        die "apt-cache finds no $s arm64 kernel package; run" \
            "scripts/apt-setup.sh as root to enable bookworm-backports" \
            "and update the package lists"
    build_kernel "$s" "$pkg" "$ver" "$bb_deb" "$bb_ver"
done
