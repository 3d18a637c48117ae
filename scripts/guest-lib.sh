# SPDX-License-Identifier: GPL-2.0-or-later
# The QEMU side of a test guest, shared by boot-test.sh and run-demo.sh:
# its scratch files and the virtio devices each guest/init check needs.
# shellcheck shell=bash

# guest_assets SERIES: print the directory holding vmlinuz and initrd.gz
# of kernel SERIES (6.1 or 6.12), fetching and building them if needed.
guest_assets()
{
    local dir
    dir=$(bash "$RCAR_TOP/scripts/guest-assets.sh" "$1") ||
        die "could not prepare the $1 guest kernel; see the messages above"
    echo "$dir"
}

# guest_scratch DIR CHECKS: make the files the checks in CHECKS (a comma
# list) use: DIR/disk.img, a 64 MiB ext4 image; DIR/share, the 9p export,
# holding a random token; DIR/hvc.out, where the virtconsole writes.
guest_scratch()
{
    local dir=$1 checks=",$2,"
    case "$dir" in
    *,*) die "scratch directory $dir has a comma, which QEMU options" \
             "cannot take; set TMPDIR to a path without one" ;;
    esac
    if [[ "$checks" == *,blk,* ]]; then
        truncate -s 64M "$dir/disk.img"
        mkfs.ext4 -q -F -L rcar-test "$dir/disk.img" ||
            die "mkfs.ext4 failed on $dir/disk.img; install e2fsprogs"
    fi
    if [[ "$checks" == *,9p,* ]]; then
        mkdir -p "$dir/share"
        od -An -N16 -tx1 /dev/urandom | tr -d ' \n' > "$dir/share/token"
    fi
    : > "$dir/hvc.out"
}

# guest_devices STYLE DIR CHECKS: append to the array qemu_args the device
# options for CHECKS.  short: the shorthands rcar-virt maps to virtio-mmio
# (-drive if=virtio, -nic user, -virtfs, virtio-gpu, ...); long: explicit
# virtio-*-device forms that also work on stock virt, whose virtio-mmio
# transports are legacy unless told otherwise (virtio-gpu needs virtio 1.0).
guest_devices()
{
    local style=$1 dir=$2 checks=",$3,"
    local serial share=$2/share sec=security_model=none

    if [ "$style" = long ]; then
        qemu_args+=(-global virtio-mmio.force-legacy=false)
    fi
    if [[ "$checks" == *,blk,* ]]; then
        if [ "$style" = short ]; then
            qemu_args+=(-drive "if=virtio,file=$dir/disk.img,format=raw")
        else
            qemu_args+=(-drive "if=none,id=d0,file=$dir/disk.img,format=raw"
                        -device "virtio-blk-device,drive=d0")
        fi
    fi
    if [[ "$checks" == *,net,* ]]; then
        if [ "$style" = short ]; then
            qemu_args+=(-nic user)
        else
            qemu_args+=(-netdev "user,id=n0"
                        -device "virtio-net-device,netdev=n0")
        fi
    else
        qemu_args+=(-nic none)
    fi
    if [[ "$checks" == *,9p,* ]]; then
        if [ "$style" = short ]; then
            qemu_args+=(-virtfs "local,path=$share,mount_tag=host0,$sec")
        else
            qemu_args+=(-fsdev "local,id=f0,path=$share,$sec"
                        -device "virtio-9p-device,fsdev=f0,mount_tag=host0")
        fi
    fi
    if [[ "$checks" == *,drm,* ]]; then
        if [ "$style" = short ]; then
            qemu_args+=(-device virtio-gpu)
        else
            qemu_args+=(-device virtio-gpu-device)
        fi
    fi
    if [[ "$checks" == *,rng,* ]]; then
        if [ "$style" = short ]; then
            qemu_args+=(-device virtio-rng)
        else
            qemu_args+=(-device virtio-rng-device)
        fi
    fi
    if [[ "$checks" == *,hvc,* ]]; then
        serial=virtio-serial
        [ "$style" = short ] || serial=virtio-serial-device
        qemu_args+=(-device "$serial" -device "virtconsole,chardev=hvc"
                    -chardev "file,id=hvc,path=$dir/hvc.out")
    fi
}
