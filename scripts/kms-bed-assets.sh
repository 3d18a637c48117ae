#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch the Debian amd64 6.12 kernel and busybox of the KMS test bed and
# build its initramfs.
#
# Usage: scripts/kms-bed-assets.sh
#
# Resolves, with apt-cache, the newest linux-image-6.12.N+...-amd64 of
# bookworm-backports and bookworm's busybox-static:amd64, downloads both
# with apt-get download (neither is installed) and writes
#     $RCAR_CACHE/kms-bed/assets/<kernel release>/{vmlinuz,initrd.gz,versions}
# The initramfs holds busybox, kms-bed/init and the virtio-gpu and 9p
# modules with their dependencies, uncompressed because busybox's modprobe
# cannot read .ko.xz.  The directory is printed on stdout; progress goes
# to stderr.  Nothing is redone while the packages, kms-bed/init, this
# script and deb-lib.sh are unchanged.  scripts/kms-bed.sh runs it; the
# packages it needs are in scripts/packages-kms-bed.txt.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=deb-lib.sh
. "$RCAR_TOP/scripts/deb-lib.sh"
export PATH=$PATH:/usr/sbin:/sbin

bed_cache=$RCAR_CACHE/kms-bed
deb_dir=$bed_cache/debs
arch=amd64
# What kms-bed/init loads, in this order; modules.dep adds the rest
# (drm, drm_kms_helper, drm_shmem_helper, virtio_dma_buf, netfs, 9pnet).
modules=(virtio_gpu 9pnet_virtio 9p evdev uinput)

[ "$#" -eq 0 ] || { echo "usage: ${0##*/}" >&2; exit 1; }

# resolve busybox|kernel: print "name version" of the package to use; the
# answer is kept until the package lists change (apt-cache takes seconds).
resolve()
{
    local memo=$bed_cache/resolved-$1
    case "$1" in
    busybox)
        resolve_cached "$memo" "$arch" busybox-static busybox-static \
            'bookworm(-security|-updates)?'
        ;;
    kernel)
        resolve_cached "$memo" "$arch" linux-image-6.12 \
            "linux-image-6\\.12\\.[0-9]+\\+[a-z0-9.]+-$arch" \
            'bookworm-backports'
        ;;
    esac
}

# build PKG VERSION BUSYBOX_DEB BUSYBOX_VERSION: print the assets directory
build()
{
    local pkg=$1 ver=$2 bb_deb=$3 bb_ver=$4
    local kver=${pkg#linux-image-} out key deb work root ko dst list

    out=$bed_cache/assets/$kver
    key=$(cat "$RCAR_TOP/kms-bed/init" "${BASH_SOURCE[0]}" \
              "$RCAR_TOP/scripts/deb-lib.sh" | sha256sum | cut -d' ' -f1)
    key="$pkg $ver busybox-static $bb_ver $key"
    if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$key" ]; then
        echo "$out"
        return
    fi

    deb=$(fetch "$deb_dir" "$arch" "$pkg" "$ver")
    say "building the KMS bed initramfs for $kver"
    mkdir -p "$bed_cache/assets"
    work=$(mktemp -d "$bed_cache/assets/build.XXXXXX")
    # shellcheck disable=SC2064 # expand now: work is local
    trap "rm -rf '$work'" EXIT
    dpkg-deb -x "$deb" "$work/pkg"
    [ -d "$work/pkg/lib/modules/$kver" ] ||
        die "$pkg has no lib/modules/$kver: is it a kernel image package?"
    depmod -b "$work/pkg" "$kver"

    root=$work/root
    mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,host,etc}
    mkdir -p "$root/lib/modules/$kver"
    list=$(closure "$work/pkg" "$kver" "${modules[@]}")
    for ko in $list; do
        dst=$root/${ko%.xz}
        mkdir -p "$(dirname "$dst")"
        case "$ko" in
        *.ko) cp "$work/pkg/$ko" "$dst" ;;
        *.ko.xz) xz -dc "$work/pkg/$ko" > "$dst" ;;
        *) die "$kver: cannot unpack module $ko (only .ko and .ko.xz)" ;;
        esac
    done
    printf '%s\n' "${modules[@]}" > "$root/etc/kms-bed-modules"
    cp "$work/pkg/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} \
       "$root/lib/modules/$kver/"
    depmod -b "$root" "$kver"

    dpkg-deb -x "$bb_deb" "$work/bb"
    cp "$work/bb/bin/busybox" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    install -m 755 "$RCAR_TOP/kms-bed/init" "$root/init"

    mkdir -p "$work/out"
    cp "$work/pkg/boot/vmlinuz-$kver" "$work/out/vmlinuz"
    pack_initramfs "$root" "$work/out/initrd.gz"
    {
        echo "$pkg:$arch $ver"
        echo "busybox-static:$arch $bb_ver"
        echo "modules: $(for ko in $list; do basename "${ko%.ko*}"; done |
                         paste -sd' ')"
    } > "$work/out/versions"
    echo "$key" > "$work/out/stamp"

    rm -rf "$out"
    mv "$work/out" "$out"
    rm -rf "$work"
    trap - EXIT
    echo "$out"
}

for t in apt-cache:apt dpkg-deb:dpkg depmod:kmod modprobe:kmod xz:xz-utils \
         cpio:cpio flock:util-linux; do
    command -v "${t%%:*}" > /dev/null ||
        die "${t%%:*} is missing: run 'bash scripts/deps.sh" \
            "scripts/packages-kms-bed.txt' as root (package ${t#*:})"
done

# One builder at a time: bed runs may start together.
mkdir -p "$bed_cache"
exec 9> "$bed_cache/assets.lock"
if ! flock -n 9; then
    say "waiting for another kms-bed-assets.sh to finish"
    flock 9
fi

read -r bb_name bb_ver < <(resolve busybox) ||
    die "apt-cache knows no busybox-static:$arch; run scripts/apt-setup.sh" \
        "as root to update the package lists"
read -r pkg ver < <(resolve kernel) ||
    die "apt-cache finds no 6.12 $arch kernel package; run" \
        "scripts/apt-setup.sh as root to enable bookworm-backports and" \
        "update the package lists"
bb_deb=$(fetch "$deb_dir" "$arch" "$bb_name" "$bb_ver")
build "$pkg" "$ver" "$bb_deb" "$bb_ver"
