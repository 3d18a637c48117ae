#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench-boot: rcar-virt against virt, side by side in one run, with
# the same CPU model and count.  Boot: Debian's 6.12 kernel and our
# initramfs to a poweroff from /init.  Start-up: QEMU from exec to the
# guest's first instruction, measured with a 16-byte guest that powers
# off through PSCI at once.  Peak RSS of each.  Prints medians and ratios.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

qemu=${1:?usage: bench-boot.sh QEMU_BINARY [RUNS]}
runs=${2:-7}
[ "$runs" -ge 5 ] || die "use at least 5 runs"
command -v /usr/bin/time > /dev/null ||
    die "needs GNU time: apt-get install time"

assets=$(bash "$RCAR_TOP/scripts/guest-assets.sh" 6.12 | tail -1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# movz x0, #0x8; movk x0, #0x8400, lsl #16 (PSCI SYSTEM_OFF); hvc #0; b .
printf '\x00\x01\x80\xd2\x00\x80\xb0\xf2\x02\x00\x00\xd4\x00\x00\x00\x14' \
    > "$tmp/poweroff.bin"

machines=(virt rcar-virt)
common=(-cpu cortex-a57 -smp 2 -m 1G -display none -nodefaults
        -nic none -serial "file:$tmp/console")

# run NAME MACHINE KIND: one measured run; appends "seconds kib" to a file
run()
{
    local out=$tmp/$1-$3
    local guest=(-kernel "$tmp/poweroff.bin")

    if [ "$3" = boot ]; then
        guest=(-kernel "$assets/vmlinuz" -initrd "$assets/initrd.gz"
               -append "console=ttyAMA0 quiet rcar.mode=check rcar.checks=cpus rcar.cpus=2")
    fi
    local start end

    start=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$tmp/rss" timeout 120 \
        "$qemu" -M "$2" "${common[@]}" "${guest[@]}" > /dev/null 2>&1 ||
        die "$2 did not power off ($3); see $tmp/console"
    end=$EPOCHREALTIME
    if [ "$3" = boot ] && ! grep -q 'RCAR-CHECK cpus PASS' "$tmp/console"; then
        die "$2 booted, but the guest did not pass its check"
    fi
    echo "$start $end $(cat "$tmp/rss")" |
        awk '{ printf "%.4f %d\n", $2 - $1, $3 }' >> "$out"
}

median()
{
    sort -n | awk '{ v[NR] = $1 } END {
        print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

say "$runs runs each, alternating virt and rcar-virt; $(nproc) host CPUs"
for ((i = 1; i <= runs; i++)); do
    for m in "${machines[@]}"; do
        run "$m" "$m" startup
        run "$m" "$m" boot
    done
done

printf '\n%-28s %12s %12s %8s\n' "median of $runs" virt rcar-virt ratio
for kind in startup boot; do
    v=$(cut -d' ' -f1 "$tmp/virt-$kind" | median)
    r=$(cut -d' ' -f1 "$tmp/rcar-virt-$kind" | median)
    printf '%-28s %11.3fs %11.3fs %8.2f\n' "$kind wall time" "$v" "$r" \
        "$(echo "$r $v" | awk '{ print $1 / $2 }')"
done
v=$(cut -d' ' -f2 "$tmp/virt-boot" | median)
r=$(cut -d' ' -f2 "$tmp/rcar-virt-boot" | median)
printf '%-28s %10sKiB %10sKiB %8.2f\n' "boot peak RSS" "$v" "$r" \
    "$(echo "$r $v" | awk '{ print $1 / $2 }')"
echo
echo "QEMU: $("$qemu" --version | head -1); kernel: $(basename "$assets")"
echo "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
    head -1)"
