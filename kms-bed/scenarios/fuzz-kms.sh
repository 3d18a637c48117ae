#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# KMS bed scenario (make fuzz): QEMU's generic-fuzz (libFuzzer, ASan,
# UBSan) on rcar-virt's virtio-gpu-device with -display kms on the bed's
# card, so that what a guest makes of its display (surfaces of any size
# and format, damage, scanout switches and resets, the pointer, blob
# dmabufs) reaches the kms backend and a real KMS driver.  Two targets:
# 2D resources, and blob resources (guest RAM in a memfd).  The seed
# corpus is fuzz/rcar-virt/gpu; crash inputs land in the log directory.
#
# Usage (through scripts/kms-bed.sh): fuzz-kms.sh FUZZER SECONDS
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
shopt -s nullglob
# shellcheck source=../bed-lib.sh
. "$(dirname "$0")/../bed-lib.sh"

fuzzer=${1:?usage: fuzz-kms.sh FUZZER SECONDS}
budget=${2:?usage: fuzz-kms.sh FUZZER SECONDS}
card=/dev/dri/card0
seeds=$PWD/fuzz/rcar-virt/gpu

if [ ! -x "$fuzzer" ]; then
    bed_result FAIL fuzz "no fuzzer at $fuzzer: make fuzz builds it"
    exit 1
fi

# generic-fuzz needs an armed virtual-clock timer (docs/RELIABILITY.md)
tick="-netdev hubport,id=tick,hubid=9"
tick+=" -object filter-buffer,id=tickf,netdev=tick,interval=1000"
kms="-display kms,device=$card"
# generic-fuzz gives the machine 512M
blob="-object memory-backend-memfd,id=fuzz-ram,size=512M"
blob+=" -machine memory-backend=fuzz-ram"
targets=(
    "gpu-kms|-device virtio-gpu-device,max_outputs=2 $kms"
    "gpu-blob-kms|$blob -device virtio-gpu-device,blob=true $kms"
)
status=0
for entry in "${targets[@]}"; do
    name=${entry%%|*}
    args=${entry#*|}
    corpus=/tmp/corpus-$name
    log=$BED_OUT/fuzz-$name.log
    trace=$BED_OUT/fuzz-$name.trace
    mkdir -p "$corpus"
    rm -f "$trace"
    rc=0
    # the trace shows what reached the card: frames flipped, dmabufs
    # (one line: generic-fuzz splits it with wordexp(), which fails on a
    # newline and leaves QEMU without an argv[0])
    tracing="-D $trace -trace kms_flip -trace kms_dmabuf"
    (cd "$BED_OUT" &&
     QEMU_FUZZ_ARGS="-machine rcar-virt -nodefaults $tick $args $tracing" \
     QEMU_FUZZ_OBJECTS="virtio*" \
     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ASAN_OPTIONS=detect_leaks=0 \
     timeout -k 10 $((budget + 300)) "$fuzzer" \
        --fuzz-target=generic-fuzz -max_total_time="$budget" \
        -close_fd_mask=3 -print_final_stats=1 -print_coverage=1 \
        -artifact_prefix="$BED_OUT/crash-$name-" "$corpus" "$seeds") \
        > "$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # what of ui/kms.c the inputs reached (libFuzzer -print_coverage)
    reached=$(sed -n 's/^COVERED_FUNC: .* \(kms_[a-z_0-9]*\) .*/\1/p' "$log" |
              sort -u | wc -l)
    flips=$(grep -cE '(^|:)kms_flip ' "$trace" 2> /dev/null || true)
    dmabufs=$(grep -cE '(^|:)kms_dmabuf ' "$trace" 2> /dev/null || true)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ] && [ "${flips:-0}" -eq 0 ]; then
        bed_result FAIL "$name" "$runs executions flipped no frame: the" \
            "display was not fuzzed"
        status=1
    elif [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        bed_result PASS "$name" "$runs executions in ${budget}s," \
            "$(find "$corpus" -type f | wc -l) corpus inputs"
        bed_info "$name: $flips frames flipped, $dmabufs guest dmabufs" \
            "shown, $reached functions of ui/kms.c reached"
    else
        grep -m3 -A10 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error:' \
            "$log" | head -20 >&2 || true
        bed_result FAIL "$name" "exit status $rc; crash inputs:" \
            "$(cd "$BED_OUT" && echo crash-"$name"-*); see fuzz-$name.log"
        status=1
    fi
done
exit "$status"
