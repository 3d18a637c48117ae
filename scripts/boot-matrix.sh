#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real-guest boot matrix of make check: Debian's arm64 6.1 and 6.12
# kernels on rcar-virt presets, every check from inside the guest, plus
# the command-line forms users copy from virt.  The presets cover each
# R-Car core model (h3, m3w: cortex-a57-r1p3 and cortex-a53-r0p4; v4h:
# cortex-a76; s4: cortex-a55); what each kernel must detect on them is in
# boot-expect/SOC-KERNEL.txt.  Prints boot-test.sh's
# PASS:/FAIL: lines; exit status 1 if any failed.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

qemu=${1:?usage: boot-matrix.sh QEMU_BINARY}
all=cpus,midr,clusters,blk,net,9p,hvc,rng,drm

# repeat N VALUE SEP: VALUE N times, joined by SEP
repeat()
{
    local out=""

    for ((k = 0; k < $1; k++)); do
        out+="${out:+$3}$2"
    done
    printf '%s' "$out"
}

# What each preset must show the guest (docs/system/arm/rcar-virt.rst):
# soc, CPU count, midr_el1 of each CPU, cluster_cpus_list of each CPU.
a53=0x410fd034
a57_r1p3=0x411fd073
a76=0x414fd0b1
a55=0x412fd050
a57=0x411fd070      # QEMU's cortex-a57 (r1p0), for soc=generic
presets=(
    "h3 8 $(repeat 4 $a57_r1p3 ,),$(repeat 4 $a53 ,) $(repeat 4 0-3 :):$(repeat 4 4-7 :)"
    "m3w 6 $(repeat 2 $a57_r1p3 ,),$(repeat 4 $a53 ,) 0-1:0-1:$(repeat 4 2-5 :)"
    "v4h 4 $(repeat 4 $a76 ,) 0-1:0-1:2-3:2-3"
    "s4 8 $(repeat 8 $a55 ,) 0-1:0-1:2-3:2-3:4-5:4-5:6-7:6-7"
)

bash "$RCAR_TOP/scripts/guest-assets.sh" all > /dev/null

status=0
for kernel in 6.1 6.12; do
    for p in "${presets[@]}"; do
        read -r soc n midr clusters <<< "$p"
        bash "$RCAR_TOP/scripts/boot-test.sh" --qemu "$qemu" \
            --machine "rcar-virt,soc=$soc" --kernel "$kernel" \
            --style short --checks "$all,idregs" --expect-cpus "$n" \
            --expect-midr "$midr" --expect-clusters "$clusters" \
            --expect-idregs "$RCAR_TOP/boot-expect/$soc-$kernel.txt" \
            --name "rcar-virt-$soc-$kernel" || status=1
    done
done

# Emulated R-Car hosts whose kernel runs at EL2 with KVM: H3 (GIC-400,
# nVHE) and V4H (GICv3, VHE cores)
for kernel in 6.1 6.12; do
    for p in "${presets[0]}" "${presets[2]}"; do
        read -r soc n midr clusters <<< "$p"
        bash "$RCAR_TOP/scripts/boot-test.sh" --qemu "$qemu" \
            --machine "rcar-virt,soc=$soc,virtualization=on" \
            --kernel "$kernel" --style short \
            --checks cpus,midr,clusters,kvm --expect-cpus "$n" \
            --expect-midr "$midr" --expect-clusters "$clusters" \
            --name "rcar-virt-$soc-el2-$kernel" || status=1
    done
done

# The classic virt command lines, with -M virt replaced by -M rcar-virt
bash "$RCAR_TOP/scripts/boot-test.sh" --qemu "$qemu" \
    --machine rcar-virt --cpu-args "-cpu cortex-a57 -smp 2" --kernel 6.12 \
    --style long --checks "$all" --expect-cpus 2 \
    --expect-midr "$a57,$a57" --expect-clusters 0-1:0-1 \
    --name rcar-virt-generic-long-forms || status=1

exit "$status"
