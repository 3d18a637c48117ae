#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make fuzz [FUZZ_TIME=S]: QEMU's generic-fuzz (libFuzzer, clang, ASan and
# UBSan) on rcar-virt with its virtio-mmio devices, S seconds per device
# (default 60), from the seed corpus in fuzz/rcar-virt/<device>/.
#
# Each device is fuzzed on its own (QEMU_FUZZ_OBJECTS names its
# transport's and device's memory regions), so that one slow device cannot
# starve the others of the time budget.  New interesting inputs go to
# out/fuzz/corpus/<device>/ (copy the small ones into fuzz/rcar-virt/ to
# keep them); a crash leaves out/fuzz/crash-* and a FAIL line, and is to be
# turned into a regression qtest (docs/RELIABILITY.md says how).
# Then virtio-gpu again with -display kms, in the KMS bed (a real KMS
# device; kms-bed/scenarios/fuzz-kms.sh): 2D and blob resources.
# Prints PASS:/FAIL: lines with the executions run; exit status 1 on a
# crash.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

budget=${FUZZ_TIME:-60}
if ! [[ "$budget" =~ ^[1-9][0-9]*$ ]]; then
    die "FUZZ_TIME must be a number of seconds, not '$budget'"
fi
build=$RCAR_CACHE/build-fuzz
out=$OUT_DIR/fuzz
mkdir -p "$out"

bash "$RCAR_TOP/scripts/deps.sh" >&2 || exit 1
bash "$RCAR_TOP/scripts/deps.sh" "$RCAR_TOP/scripts/packages-fuzz.txt" >&2 ||
    exit 1
bash "$RCAR_TOP/scripts/apply.sh" >&2 || exit 1
# The main build's options; clang and libFuzzer instead of gcc
config=("${rcar_build_options[@]}" --disable-docs "--cc=ccache clang-14"
        "--cxx=ccache clang++-14" --enable-fuzzing --enable-asan --enable-ubsan)
qemu_configure "$build" "${config[@]}"
say "building qemu-fuzz-aarch64 (log: $build/ninja.log; about 15 minutes" \
    "the first time)"
(qemu_ninja "$build" qemu-fuzz-aarch64) >&2 || exit 1

fsdir=$(mktemp -d)
trap 'rm -rf "$fsdir"' EXIT
# device name, then its -device/-drive options: one virtio-mmio device each
devices=(
    "blk|-drive if=none,id=d0,file=null-co://,format=raw,size=1M -device virtio-blk-device,drive=d0"
    "net|-netdev user,id=n0 -device virtio-net-device,netdev=n0"
    "gpu|-device virtio-gpu-device"
    "serial|-device virtio-serial-device -device virtconsole,chardev=c0 -chardev null,id=c0"
    "9p|-fsdev local,id=fs0,path=$fsdir,security_model=mapped-xattr -device virtio-9p-device,fsdev=fs0,mount_tag=fuzz"
    "rng|-device virtio-rng-device"
)
# generic-fuzz ends each command with qtest's clock_step to the next
# timer, which fails ("No timer is active") and trips an assertion in
# libqtest when the machine has none: rcar-virt with no vCPU running has
# none.  A netdev filter with an interval keeps one virtual-clock timer
# armed and touches no guest-visible state.
tick="-netdev hubport,id=tick,hubid=9 -object filter-buffer,id=tickf,netdev=tick,interval=1000"
status=0
for entry in "${devices[@]}"; do
    name=${entry%%|*}
    args=${entry#*|}
    corpus=$out/corpus/$name
    seeds=$RCAR_TOP/fuzz/rcar-virt/$name
    mkdir -p "$corpus"
    dirs=("$corpus")
    [ -d "$seeds" ] && dirs+=("$seeds")
    log=$out/$name.log
    say "fuzzing virtio-$name on rcar-virt for ${budget}s (log: $log)"
    (cd "$out" &&
     QEMU_FUZZ_ARGS="-machine rcar-virt -nodefaults $tick $args" \
     QEMU_FUZZ_OBJECTS="virtio*" \
     UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
     ASAN_OPTIONS=detect_leaks=0 \
     timeout -k 10 $((budget + 120)) "$build/qemu-fuzz-aarch64" \
        --fuzz-target=generic-fuzz -max_total_time="$budget" \
        -close_fd_mask=3 -print_final_stats=1 \
        -artifact_prefix="$out/crash-$name-" "${dirs[@]}") > "$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
        echo "PASS: fuzz/virtio-$name ($runs executions in ${budget}s," \
             "$(find "$corpus" -type f | wc -l) corpus inputs)"
    else
        grep -m3 -A10 -E 'ERROR: (AddressSanitizer|libFuzzer)|runtime error:' \
            "$log" | head -20
        echo "FAIL: fuzz/virtio-$name (exit status $rc; crash inputs:" \
             "$(find "$out" -maxdepth 1 -name "crash-$name-*" |
                paste -sd' ' -);" \
             "see $log)"
        status=1
    fi
done

# The kms backend's guest-facing paths: virtio-gpu with -display kms on a
# real KMS device, which only the KMS bed has (docs/KMS-BED.md); the same
# fuzzer runs inside it, 2D and blob targets, FUZZ_TIME seconds each
klog=$RCAR_CACHE/kms-bed/log-fuzz-kms
say "fuzzing virtio-gpu with -display kms in the KMS bed for ${budget}s" \
    "per target (log: $klog)"
if bash "$RCAR_TOP/scripts/kms-bed.sh" --cpu max --timeout $((2 * budget + 900)) \
        --log "$klog" kms-bed/scenarios/fuzz-kms.sh \
        "$build/qemu-fuzz-aarch64" "$budget" > "$out/kms.log" 2>&1; then
    sed -n 's,^\(PASS\|SKIP\): kms-bed/fuzz-kms/,\1: fuzz/,p' "$out/kms.log"
else
    grep -E '^(PASS|FAIL|SKIP): ' "$out/kms.log" | sed 's,kms-bed/fuzz-kms/,fuzz/,'
    echo "FAIL: fuzz/kms (see $out/kms.log and $klog)"
    status=1
fi
exit "$status"
