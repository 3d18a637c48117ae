#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check-asan: build the series with AddressSanitizer and
# UndefinedBehaviorSanitizer (gcc) in its own build directory, and run
# under them the tests that exercise our code:
#   - the unit tests test-rcar-host-cpus and test-rcar-idregs;
#   - the qtests rcar-virt-test and rcar-id-test, and upstream's qos-test
#     restricted to rcar-virt's graph (the virtio-mmio devices);
#   - a Debian 6.12 guest booting on soc=h3 with every virtio device.
# A result passes only if its test passed and the sanitizers reported
# nothing: no "ERROR: AddressSanitizer", no "runtime error:", no leak.
# Prints PASS:/FAIL:/SKIP: lines; exit status 1 if any failed.
#
# What it leaves to a longer run: upstream's whole qtest suite under the
# sanitizers (about 30 machines' tests, not ours; see docs/RELIABILITY.md).
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

build=$RCAR_CACHE/build-asan
log_dir=${1:-$OUT_DIR/check-asan}
rm -rf "$log_dir"
mkdir -p "$log_dir"
status=0

pass()
{
    echo "PASS: asan/$1${2:+ ($2)}"
}

fail()
{
    echo "FAIL: asan/$1 ($2)"
    status=1
}

# clean LOG: the sanitizers reported nothing in LOG
clean()
{
    ! grep -q -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$1"
}

# reports LOG: the first sanitizer reports of LOG
reports()
{
    grep -m3 -A8 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' \
        "$1" | head -30
}

bash "$RCAR_TOP/scripts/deps.sh" >&2 || exit 1
bash "$RCAR_TOP/scripts/apply.sh" >&2 || exit 1
config=("${rcar_build_options[@]}" --disable-docs --enable-asan --enable-ubsan)
qemu_configure "$build" "${config[@]}"
say "building with ASan and UBSan (log: $build/ninja.log; about 10 minutes" \
    "the first time)"
targets=(qemu-system-aarch64 qemu-img tests/unit/test-rcar-host-cpus
         tests/unit/test-rcar-idregs tests/qtest/rcar-virt-test
         tests/qtest/rcar-id-test tests/qtest/qos-test)
if ! (qemu_ninja "$build" "${targets[@]}") >&2; then
    fail build "see $build/ninja.log"
    exit 1
fi
pass build
# The firmware links of the main build (scripts/build.sh), for -nic
datadir=$build/qemu-bundle/usr/local/share/qemu
mkdir -p "$datadir"
for rom in /usr/lib/ipxe/qemu/*.rom; do
    ln -sf "$rom" "$datadir/"
done

# Leaks are reported at exit (detect_leaks); a UBSan report is fatal so
# that it cannot scroll by unnoticed.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:print_summary=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export QTEST_QEMU_BINARY=$build/qemu-system-aarch64
export QTEST_QEMU_IMG=$build/qemu-img

# run NAME TIMEOUT CMD...: run a test program, judge exit status and logs
run()
{
    local name=$1 limit=$2 log=$log_dir/$1.log rc
    shift 2
    say "running $name under the sanitizers"
    (cd "$build" && timeout "$limit" "$@") > "$log" 2>&1
    rc=$?
    if [ "$rc" -eq 0 ] && clean "$log" && grep -q '^ok ' "$log"; then
        pass "$name" "$(grep -c '^ok ' "$log") cases"
    else
        reports "$log"
        tail -5 "$log"
        fail "$name" "exit status $rc, $(grep -c '^ok ' "$log") cases" \
            "passed; see $log"
    fi
}

run test-rcar-host-cpus 300 tests/unit/test-rcar-host-cpus --tap
run test-rcar-idregs 300 tests/unit/test-rcar-idregs --tap
run rcar-virt-test 900 tests/qtest/rcar-virt-test --tap
if [ -z "${QTEST_RCAR_ID_PROBE:-}" ] &&
    bash "$RCAR_TOP/scripts/build-id-probe.sh" > "$log_dir/id-probe.log" 2>&1
then
    QTEST_RCAR_ID_PROBE=$RCAR_TOP/out/id-probe/id-probe.elf
    export QTEST_RCAR_ID_PROBE
fi
if [ -n "${QTEST_RCAR_ID_PROBE:-}" ] && [ -f "$QTEST_RCAR_ID_PROBE" ]; then
    run rcar-id-test 900 tests/qtest/rcar-id-test --tap
else
    fail rcar-id-test "the ID register probe did not build; see" \
        "$log_dir/id-probe.log"
fi
# qos-test's cases on rcar-virt, each named with -p (GLib's -p does not
# select the nested suites of a path prefix here)
mapfile -t qos_paths < <(cd "$build" && ASAN_OPTIONS=detect_leaks=0 \
    tests/qtest/qos-test -l 2>/dev/null | grep '^/aarch64/rcar-virt/')
qos_args=()
for p in "${qos_paths[@]}"; do
    qos_args+=(-p "$p")
done
if [ "${#qos_paths[@]}" -gt 0 ]; then
    run qos-test-rcar-virt 1200 tests/qtest/qos-test --tap "${qos_args[@]}"
else
    fail qos-test-rcar-virt "qos-test lists no rcar-virt case"
fi

# -display kms's lease client against misbehaving lessors; the sanitizers
# write what they say (a report, or ASan's warning about coroutines) to
# files named after log_path
say "-display kms against misbehaving lessors, sanitized"
rm -f "$log_dir"/lease-san.*
if ASAN_OPTIONS=$ASAN_OPTIONS:log_path=$log_dir/lease-san \
   UBSAN_OPTIONS=$UBSAN_OPTIONS:log_path=$log_dir/lease-san \
   bash "$RCAR_TOP/kms-bed/lease-client-test.sh" "$build/qemu-system-aarch64" \
        > "$log_dir/lease-client.log" 2>&1; then
    cat "$log_dir"/lease-san.* > "$log_dir/lease-san.log" 2> /dev/null || true
    if ! clean "$log_dir/lease-san.log"; then
        reports "$log_dir/lease-san.log"
        fail lease-client "sanitizer reports: $log_dir/lease-san.log"
    else
        n=$(grep -c '^PASS' "$log_dir/lease-client.log")
        pass lease-client "$n cases, no report"
    fi
else
    grep '^FAIL' "$log_dir/lease-client.log" ||
        tail -5 "$log_dir/lease-client.log"
    fail lease-client "see $log_dir/lease-client.log"
fi

# A real guest: the sanitized QEMU runs a Debian kernel's virtio drivers
boot_log=$log_dir/boot.log
say "booting a Debian guest on the sanitized QEMU"
bash "$RCAR_TOP/scripts/boot-test.sh" --qemu "$build/qemu-system-aarch64" \
    --machine rcar-virt,soc=h3 --kernel 6.12 --style short --timeout 400 \
    --checks cpus,blk,net,9p,hvc,rng,drm --expect-cpus 8 \
    --name asan/boot-h3-6.12 --qemu-log "$log_dir/boot-qemu.log" \
    > "$boot_log" 2>&1
grep -E '^(PASS|FAIL): ' "$boot_log"
if grep -q '^FAIL: ' "$boot_log" || ! grep -q '^PASS: ' "$boot_log"; then
    status=1
fi
if [ -f "$log_dir/boot-qemu.log" ] && clean "$log_dir/boot-qemu.log"; then
    pass boot-h3-6.12-sanitizers "no report"
else
    [ -f "$log_dir/boot-qemu.log" ] && reports "$log_dir/boot-qemu.log"
    fail boot-h3-6.12-sanitizers "sanitizer reports or no QEMU output;" \
        "see $log_dir/boot-qemu.log"
fi
exit "$status"
