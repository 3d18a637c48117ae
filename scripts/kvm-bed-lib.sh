# SPDX-License-Identifier: GPL-2.0-or-later
# The emulated R-Car host of the KVM test bed, shared by kvm-bed.sh and
# bench-placement.sh: one boot of an emulated H3 (our x86-64 QEMU under
# TCG, virtualization=on, so its Debian kernel has /dev/kvm) that runs
# guest/kvm-bed chrooted into the arm64 root of kvm-bed-rootfs.sh, and
# the helpers that read the BED lines it prints on the console.
# shellcheck shell=bash disable=SC2034
# (the bed_ variables set here are read by the scripts that source this)

# Our arm64 cross-build (scripts/build-arm64.sh); --ours changes it
bed_ours=$RCAR_TOP/out/arm64/qemu-system-aarch64
# The ID register probe (scripts/build-kvm-id-probe.sh), static
bed_probe=$RCAR_TOP/out/kvm-id-probe/kvm-id-probe
# The bare-metal ID register probe the inner QEMU runs as its guest
# (scripts/build-id-probe.sh)
bed_id_probe=$RCAR_TOP/out/id-probe/id-probe.elf
bed_outer_mem=3G

# bed_prepare KERNEL LOGDIR: get the arm64 root, the outer (KERNEL) and
# inner (6.1) kernels, and fill bed_share, the bed's 9p export (a new
# directory in the cache: remove it when done), with the inner kernel and
# initramfs, guest/kvm-bed, our arm64 binary and the ID register probes
# if they are built (else the scenarios that need them say SKIP).  Sets
# bed_rootfs, bed_outer, bed_share and bed_have_ours (1 if our binary is
# there; else bed_no_ours says why not).
bed_prepare()
{
    local kernel=$1 log=$2 inner lib libs=() f

    case "$log" in
    *,*) die "log directory $log has a comma, which QEMU options cannot" \
             "take; pass --log-dir with a path without one" ;;
    esac
    bed_rootfs=$(bash "$RCAR_TOP/scripts/kvm-bed-rootfs.sh") ||
        die "could not make the arm64 root file system; see above"
    [[ "$bed_rootfs" != *,* ]] ||
        die "the cache path $bed_rootfs has a comma, which QEMU options" \
            "cannot take; set QEMU_RCAR_CACHE to a path without one"
    bed_outer=$(guest_assets "$kernel")
    inner=$(guest_assets 6.1)

    mkdir -p "$RCAR_CACHE/kvm-bed"
    bed_share=$(mktemp -d "$RCAR_CACHE/kvm-bed/share.XXXXXX")
    for f in vmlinuz initrd.gz; do
        ln -f "$inner/$f" "$bed_share/$f" 2>/dev/null ||
            cp "$inner/$f" "$bed_share/$f"
    done
    install -m 755 "$RCAR_TOP/guest/kvm-bed" "$bed_share/kvm-bed"
    if [ -e "$bed_probe" ]; then
        install -m 755 "$bed_probe" "$bed_share/kvm-id-probe"
    fi
    if [ -e "$bed_id_probe" ]; then
        install -m 644 "$bed_id_probe" "$bed_share/id-probe.elf"
    fi

    bed_have_ours=0
    bed_no_ours=""
    if [ ! -e "$bed_ours" ]; then
        bed_no_ours="${bed_ours#"$RCAR_TOP"/} is missing; cross-build it"
        bed_no_ours+=" with scripts/build-arm64.sh"
        return 0
    fi
    # The bed reads the binary over 9p on an emulated CPU: without its
    # debug information it is a quarter of the size.
    if command -v aarch64-linux-gnu-strip > /dev/null; then
        aarch64-linux-gnu-strip -o "$bed_share/qemu-system-aarch64" \
            "$bed_ours" ||
            die "could not strip $bed_ours; is it an arm64 binary?" \
                "Rebuild it with scripts/build-arm64.sh"
    else
        cp -L "$bed_ours" "$bed_share/qemu-system-aarch64"
    fi
    # Every library it needs must be in the arm64 root
    if command -v readelf > /dev/null; then
        mapfile -t libs < <(readelf -d "$bed_ours" |
            sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
        for lib in "${libs[@]}"; do
            if [ ! -e "$bed_rootfs/lib/aarch64-linux-gnu/$lib" ] &&
               [ ! -e "$bed_rootfs/usr/lib/aarch64-linux-gnu/$lib" ]; then
                bed_no_ours="the arm64 root has no $lib, which our binary"
                bed_no_ours+=" needs: add its package to"
                bed_no_ours+=" scripts/kvm-bed-rootfs.sh"
                rm -f "$bed_share/qemu-system-aarch64"
                return 0
            fi
        done
    fi
    bed_have_ours=1
}

# bed_boot QEMU KERNEL LOGDIR RUNS INNER_TIMEOUT TIMEOUT: boot the emulated
# H3 once with the runs RUNS (comma list of guest/kvm-bed names).  Leaves
# LOGDIR/console.txt (the console without CRs, also bed_console) and
# LOGDIR/qemu.log; returns QEMU's exit status and sets bed_wall (seconds)
# and bed_problem (empty if the outer guest ran to the end).
bed_boot()
{
    local qemu=$1 kernel=$2 log=$3 runs=$4 inner_timeout=$5 timeout_s=$6
    local sec=security_model=none,readonly=on rc=0 start args append

    append="console=ttyAMA0 quiet rcar.mode=kvmbed rcar.runs=$runs"
    append+=" rcar.inner-timeout=$inner_timeout"
    args=(-M "rcar-virt,soc=h3,virtualization=on" -m "$bed_outer_mem"
          -display none -monitor none -nic none
          -chardev "file,id=con,path=$log/console.log" -serial chardev:con
          -kernel "$bed_outer/vmlinuz" -initrd "$bed_outer/initrd.gz"
          -append "$append"
          -fsdev "local,id=rootfs,path=$bed_rootfs,$sec"
          -device "virtio-9p-device,fsdev=rootfs,mount_tag=rootfs"
          -fsdev "local,id=bed,path=$bed_share,$sec"
          -device "virtio-9p-device,fsdev=bed,mount_tag=bed")
    printf '%q ' "$qemu" "${args[@]}" > "$log/command"
    echo >> "$log/command"

    say "booting an emulated R-Car H3 host (Linux ${bed_outer##*/}, EL2" \
        "with KVM) for runs $runs; this takes minutes (at most" \
        "${timeout_s}s; console: $log/console.log)"
    rm -f "$log/console.log"
    start=$EPOCHREALTIME
    timeout -k 5 "$timeout_s" "$qemu" "${args[@]}" < /dev/null \
        > "$log/qemu.log" 2>&1 || rc=$?
    bed_wall=$(awk -v s="$start" -v e="$EPOCHREALTIME" \
        'BEGIN { printf "%.1f", e - s }')
    touch "$log/console.log"
    bed_console=$log/console.txt
    tr -d '\r' < "$log/console.log" > "$bed_console"
    say "the emulated host ran ${bed_wall}s wall, QEMU exit status $rc"

    if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
        bed_problem="the emulated host timed out after ${timeout_s}s"
    elif [ "$rc" -ne 0 ]; then
        bed_problem="the outer QEMU exited with status $rc:"
        bed_problem+=" $(head -n 1 "$log/qemu.log")"
    elif grep -q '^RCAR-BED-ERROR' "$bed_console"; then
        bed_problem=$(sed -n 's/^RCAR-BED-ERROR //p' "$bed_console" |
                      head -n 1)
    elif ! grep -qx 'BED-END' "$bed_console"; then
        bed_problem="the emulated host never printed BED-END"
    else
        bed_problem=""
    fi
    return "$rc"
}

# bed_field NAME LINE: the value of NAME=value in LINE
bed_field()
{
    [[ " $2 " =~ \ $1=([^ ]*)\  ]] && echo "${BASH_REMATCH[1]}"
}

# bed_grep KIND TAG: the rest of each "KIND TAG ..." console line
bed_grep()
{
    awk -v k="$1" -v t="$2" '$1 == k && $2 == t {
        sub("^[^ ]+ [^ ]+ ?", ""); print }' "$bed_console"
}
