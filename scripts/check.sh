#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: build, then run every test suite; the last line is
# "N passed, N failed, N skipped" and the exit status is 1 on any failure.
#
# Suites: shellcheck of our scripts; upstream's check-qtest-aarch64 on the
# patched tree (which includes our rcar-virt-test and the libqos virtio
# tests on rcar-virt); real Debian kernels booting on rcar-virt presets.
# shellcheck source-path=SCRIPTDIR
set -uo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

log_dir=$OUT_DIR/check
rm -rf "$log_dir"
mkdir -p "$log_dir"
passed=0
failed=0
skipped=0

result()
{
    # result PASS|FAIL|SKIP NAME [WHY]
    case "$1" in
    PASS) passed=$((passed + 1)) ;;
    FAIL) failed=$((failed + 1)) ;;
    SKIP) skipped=$((skipped + 1)) ;;
    esac
    printf '%s: %s%s\n' "$1" "$2" "${3:+ ($3)}"
}

# import_results LOG: count each PASS:/FAIL:/SKIP: line of a harness log
import_results()
{
    local line
    while read -r line; do
        case "$line" in
        PASS:*) result PASS "${line#PASS: }" ;;
        FAIL:*) result FAIL "${line#FAIL: }" ;;
        SKIP:*) result SKIP "${line#SKIP: }" ;;
        esac
    done < <(grep -E '^(PASS|FAIL|SKIP): ' "$1")
}

# run_suite NAME LOG COMMAND...: run a harness that prints PASS:/FAIL:/
# SKIP: lines into LOG, count them, and fail NAME if nothing passed (the
# harness could not even start)
run_suite()
{
    local name=$1 log=$2
    shift 2
    "$@" > "$log" 2>&1 || true
    import_results "$log"
    if ! grep -q '^PASS: ' "$log"; then
        tail -30 "$log"
        result FAIL "$name" "nothing passed; see $log"
    fi
}

summary()
{
    echo
    echo "logs: $log_dir"
    echo "$passed passed, $failed failed, $skipped skipped"
    [ "$failed" -eq 0 ]
    exit $?
}

# --- build -----------------------------------------------------------
say "building"
if bash "$RCAR_TOP/scripts/build.sh" > "$log_dir/build.log" 2>&1; then
    result PASS build
else
    tail -30 "$log_dir/build.log"
    result FAIL build "see $log_dir/build.log"
    summary
fi

# --- shellcheck ------------------------------------------------------
mapfile -t scripts < <(cd "$RCAR_TOP" &&
    { ls scripts/*.sh; echo .ci/run; ls guest/* 2>/dev/null; } | sort -u)
if (cd "$RCAR_TOP" && shellcheck -x "${scripts[@]}") \
        > "$log_dir/shellcheck.log" 2>&1; then
    result PASS shellcheck
else
    cat "$log_dir/shellcheck.log"
    result FAIL shellcheck "see $log_dir/shellcheck.log"
fi

# --- documentation ---------------------------------------------------
# Upstream's manual and man pages, built by Sphinx with warnings as errors
# (-W: a git tree configures with werror), so our pages must parse, be in
# a toctree and have working references.
say "building the manual and man pages (Sphinx)"
if ninja -C "$BUILD_DIR" html man > "$log_dir/docs.log" 2>&1 &&
    [ -f "$BUILD_DIR/docs/manual/system/arm/rcar-virt.html" ]; then
    result PASS docs/sphinx "html and man pages, -W"
else
    grep -m5 -E "WARNING|ERROR|FAILED" "$log_dir/docs.log" ||
        tail -20 "$log_dir/docs.log"
    result FAIL docs/sphinx "see $log_dir/docs.log"
fi

# --- unit tests of our code -------------------------------------------
# Each GTest case is one result: test-rcar-host-cpus (the topology reader
# and the placement rules, against fixture trees) and test-rcar-idregs
# (the ID register field rules, against the TRMs' values).
for unit in test-rcar-host-cpus test-rcar-idregs; do
    say "running $unit"
    unit_log=$log_dir/$unit.log
    if ninja -C "$BUILD_DIR" "tests/unit/$unit" > "$unit_log" 2>&1; then
        "$BUILD_DIR/tests/unit/$unit" --tap >> "$unit_log" 2>&1
    fi
    while read -r status name; do
        case "$status" in
        ok) result PASS "unit$name" ;;
        *) result FAIL "unit$name" "see $unit_log" ;;
        esac
    done < <(sed -n -e 's#^ok [0-9]* \(/[^ ]*\).*#ok \1#p' \
                   -e 's#^not ok [0-9]* \(/[^ ]*\).*#FAIL \1#p' "$unit_log")
    if ! grep -q '^ok ' "$unit_log" ||
            grep -q '^not ok\|^Bail out' "$unit_log"; then
        tail -20 "$unit_log"
        grep -q '^ok ' "$unit_log" ||
            result FAIL "unit/$unit" "no case passed; see $unit_log"
    fi
done

# --- kms-lessord (lessor/) ---------------------------------------------
# Its unit tests (protocol, policy, object choice, the libdrm layer
# against a stand-in) and the daemon driven through its socket on a fake
# card, built plainly and with ASan+UBSan.  On a real KMS device it runs in
# the KMS bed below.
for variant in plain asan; do
    dir=$OUT_DIR/lessor
    flags=()
    if [ "$variant" = asan ]; then
        dir=$OUT_DIR/lessor-asan
        flags=(SANITIZE=1)
    fi
    say "kms-lessord unit tests ($variant)"
    lessor_log=$log_dir/lessor-$variant.log
    if ! make -s -C "$RCAR_TOP/lessor" O="$dir" "${flags[@]}" all \
            > "$lessor_log" 2>&1; then
        tail -20 "$lessor_log"
        result FAIL "lessor/build-$variant" "see $lessor_log"
        continue
    fi
    for t in test-lessor test-lessor-drm test-lessord; do
        args=()
        [ "$t" = test-lessord ] && args=("$dir")
        t_log=$log_dir/lessor-$variant-$t.log
        "$dir/$t" "${args[@]}" > "$t_log" 2>&1
        rc=$?
        oks=$(grep -c '^ok ' "$t_log")
        if [ "$rc" -eq 0 ] && [ "$oks" -gt 0 ] &&
            ! grep -q '^not ok' "$t_log" &&
            ! grep -q 'ERROR: AddressSanitizer\|runtime error:' "$t_log"
        then
            result PASS "lessor/$t-$variant" "$oks cases"
        else
            grep -E '^not ok|AddressSanitizer|runtime error:' "$t_log" |
                head -10
            result FAIL "lessor/$t-$variant" "exit $rc; see $t_log"
        fi
    done
done

# --- the bare-metal ID register probe ----------------------------------
# rcar-id-test runs it on every model; without it that test would SKIP.
if bash "$RCAR_TOP/scripts/build-id-probe.sh" > "$log_dir/id-probe.log" 2>&1
then
    result PASS id-probe-build
    export QTEST_RCAR_ID_PROBE=$RCAR_TOP/out/id-probe/id-probe.elf
else
    cat "$log_dir/id-probe.log"
    result FAIL id-probe-build "see $log_dir/id-probe.log"
fi

# --- qtests: upstream's suite plus ours --------------------------------
# Every test of check-qtest-aarch64 runs as upstream defines it, except one
# case of bios-tables-test: /aarch64/acpi/virt/memhp compares an SSDT
# holding the address of a buffer that the UEFI firmware allocates, and
# Debian's edk2 (which replaces the firmware Debian strips from QEMU's
# source) allocates it elsewhere than the edk2 build its expected file
# was made with.  The rest of bios-tables-test still runs.
say "running check-qtest-aarch64 (upstream's qtests and rcar-virt's)"
qtest_log=$log_dir/check-qtest-aarch64.log
meson=$BUILD_DIR/pyvenv/bin/meson
memhp=/aarch64/acpi/virt/memhp
mapfile -t tests < <(cd "$BUILD_DIR" &&
    "$meson" test --no-rebuild --list --suite qtest-aarch64 2>/dev/null |
    sed -n 's|.* / \(qtest-aarch64/[a-z0-9_-]*\)$|\1|p' |
    grep -v '/bios-tables-test$')
# qos-test's vhost-user-blk cases run qemu-storage-daemon
targets=(tests/qtest/bios-tables-test storage-daemon/qemu-storage-daemon)
for t in "${tests[@]}"; do
    targets+=("tests/qtest/${t#qtest-aarch64/}")
done
{
    ninja -C "$BUILD_DIR" "${targets[@]}" &&
    (cd "$BUILD_DIR" && "$meson" test --no-rebuild --num-processes 1 -t 2 \
        --print-errorlogs "${tests[@]}")
} > "$qtest_log" 2>&1
while read -r status name; do
    case "$status" in
    OK) result PASS "$name" ;;
    SKIP) result SKIP "$name" "the test skipped itself; see $qtest_log" ;;
    *) result FAIL "$name" "$status; see $qtest_log" ;;
    esac
done < <(sed -n 's|^ *[0-9]*/[0-9]* qemu:[^ ]* / \([^ ]*\) *\([A-Z]*\) .*|\2 \1|p' \
         "$qtest_log")
if ! grep -q '^Ok: *[1-9]' "$qtest_log"; then
    tail -30 "$qtest_log"
    result FAIL check-qtest-aarch64 "no test ran; see $qtest_log"
fi

bios_log=$log_dir/bios-tables-test.log
if (cd "$BUILD_DIR" && QTEST_QEMU_BINARY=./qemu-system-aarch64 \
        QTEST_QEMU_IMG=./qemu-img timeout 900 \
        tests/qtest/bios-tables-test --tap -k -s "$memhp") \
        > "$bios_log" 2>&1 && grep -q '^ok ' "$bios_log" &&
        ! grep -q '^not ok' "$bios_log"; then
    result PASS "qtest-aarch64/bios-tables-test ($(grep '^ok ' \
        "$bios_log" | grep -vc '# SKIP') cases)"
else
    tail -20 "$bios_log"
    result FAIL qtest-aarch64/bios-tables-test "see $bios_log"
fi
result SKIP "qtest-aarch64/bios-tables-test$memhp" \
    "its expected SSDT holds an address chosen by upstream's edk2 build, \
which Debian does not ship; see docs/DEVELOPING.md"

# --- virtio-gpu driven over qtest --------------------------------------
# kms-bed/gpu-driver.py, the guest of the KMS bed's display scenario,
# checked here with -display none: two heads and a damaged rectangle
# through screendump, a wrong pattern refused, 21 hostile requests (exact
# error, QEMU alive, a frame shown after each), a short update stream.
say "virtio-gpu on rcar-virt driven over qtest (kms-bed/gpu-driver.py)"
run_suite gpu-driver "$log_dir/gpu-driver.log" \
    bash "$RCAR_TOP/kms-bed/gpu-driver-test.sh" \
    "$OUT_DIR/bin/qemu-system-aarch64"
# -display kms,lease= against a lessor that closes, sends garbage, an
# over-long line, half a line, OK without or with a wrong fd, or ERR.
say "-display kms against misbehaving lessors (kms-bed/fake-lessor.py)"
run_suite lease-client "$log_dir/lease-client.log" \
    bash "$RCAR_TOP/kms-bed/lease-client-test.sh" \
    "$OUT_DIR/bin/qemu-system-aarch64"

# --- the series as distributions take it ------------------------------
# make dist: make series, its Buildroot patch tree and Yocto layer, in a
# release tarball that is then unpacked and checked: same patches, same
# order, each applying with patch -p1 to the pinned base and to the
# upstream sources.
say "making the release tarball and checking its Buildroot and Yocto trees"
tarball=$OUT_DIR/dist/qemu-rcar-$(tr -d ' \n' < "$RCAR_TOP/VERSION").tar.xz
if bash "$RCAR_TOP/scripts/dist.sh" > "$log_dir/distro.log" 2>&1; then
    result PASS dist
    # Reproducible: a second run gives the same bytes
    first=$(sha256sum < "$tarball")
    if bash "$RCAR_TOP/scripts/dist.sh" > "$log_dir/distro2.log" 2>&1 &&
       [ "$(sha256sum < "$tarball")" = "$first" ]; then
        result PASS dist-reproducible
    else
        result FAIL dist-reproducible "a second make dist gave other bytes"
    fi
else
    tail -20 "$log_dir/distro.log"
    result FAIL dist "make dist failed; see $log_dir/distro.log"
fi
import_results "$log_dir/distro.log"

# --- real guests -----------------------------------------------------
say "booting Debian kernels on rcar-virt"
if bash "$RCAR_TOP/scripts/boot-matrix.sh" "$OUT_DIR/bin/qemu-system-aarch64" \
        > "$log_dir/boot.log" 2>&1; then
    :
fi
import_results "$log_dir/boot.log"
if ! grep -q '^PASS: ' "$log_dir/boot.log"; then
    tail -40 "$log_dir/boot.log"
    result FAIL boot-tests "no boot check passed; see $log_dir/boot.log"
elif grep -q '^FAIL: ' "$log_dir/boot.log"; then
    echo "--- guest consoles of failed boots: $log_dir/boot.log"
fi

# --- Debian: the series as quilt patches of Debian's qemu ----------------
# make debian: quilt push on Debian 13's source, dpkg-source -b, and the
# aarch64 system emulator built by Debian's own rules from the new source
# package; then that binary boots a Debian guest on rcar-virt.
say "make debian: quilt, dpkg-source -b, Debian's build (aarch64 only)"
deb_log=$log_dir/debian.log
if bash "$RCAR_TOP/scripts/debian.sh" > "$deb_log" 2>&1; then
    result PASS debian/quilt-push "$(grep -o 'quilt: .*' "$deb_log")"
    result PASS debian/dpkg-source-build
    result PASS debian/rules-build
    bash "$RCAR_TOP/scripts/boot-test.sh" \
        --qemu "$OUT_DIR/debian/bin/qemu-system-aarch64" \
        --machine rcar-virt,soc=h3 --kernel 6.12 --style short \
        --checks cpus,midr,blk,net,9p,hvc,rng,drm --expect-cpus 8 \
        --expect-midr 0x411fd073,0x411fd073,0x411fd073,0x411fd073,\
0x410fd034,0x410fd034,0x410fd034,0x410fd034 \
        --name debian/h3-6.12 > "$log_dir/debian-boot.log" 2>&1 || true
    import_results "$log_dir/debian-boot.log"
    grep -q '^PASS: ' "$log_dir/debian-boot.log" || {
        tail -30 "$log_dir/debian-boot.log"
        result FAIL debian/boot "see $log_dir/debian-boot.log"
    }
else
    tail -20 "$deb_log"
    result FAIL debian "see $deb_log"
fi

# --- make install -----------------------------------------------------
say "make install into a scratch prefix"
inst=$(mktemp -d)
if PREFIX=$inst/opt/qemu-rcar DESTDIR="" bash "$RCAR_TOP/scripts/install.sh" \
        > "$log_dir/install.log" 2>&1; then
    bash "$RCAR_TOP/scripts/install-test.sh" "$inst/opt/qemu-rcar" \
        >> "$log_dir/install.log" 2>&1 || true
    import_results "$log_dir/install.log"
else
    tail -20 "$log_dir/install.log"
    result FAIL install "see $log_dir/install.log"
fi
rm -rf "$inst"

# --- libvirt ----------------------------------------------------------
say "libvirt: domcapabilities, a domain started, its console, destroy"
bash "$RCAR_TOP/scripts/libvirt-test.sh" "$OUT_DIR/bin/qemu-system-aarch64" \
    > "$log_dir/libvirt.log" 2>&1 || true
import_results "$log_dir/libvirt.log"
if ! grep -q '^PASS: ' "$log_dir/libvirt.log"; then
    tail -20 "$log_dir/libvirt.log"
    result FAIL libvirt "no libvirt check passed; see $log_dir/libvirt.log"
fi

# --- migration and snapshots -------------------------------------------
# Each preset migrates between two QEMU processes while its guest writes
# to its disk (checked byte for byte after); savevm/loadvm; migrations
# into another soc or without a device are refused and the source lives.
say "migration: every preset live, savevm/loadvm, refused setups"
run_suite migration "$log_dir/migration.log" \
    bash "$RCAR_TOP/scripts/migration-test.sh" \
    --qemu "$OUT_DIR/bin/qemu-system-aarch64"

# --- sanitizers --------------------------------------------------------
# make check-asan: our unit tests and qtests, qos-test on rcar-virt's
# graph and a Debian guest, on a build with ASan and UBSan.
say "ASan and UBSan: building and running our tests under them"
run_suite asan "$log_dir/asan.log" \
    bash "$RCAR_TOP/scripts/check-asan.sh" "$log_dir/asan"

# --- a real KMS device: the KMS bed -------------------------------------
# A nested Debian 6.12 under Debian's qemu-system-x86_64 (TCG) whose
# two-output virtio-gpu is a real DRM/KMS device (scripts/kms-bed.sh):
# test patterns and a mode change checked pixel for pixel through the
# outer screendump, the PRIME import probe, kms-lessord's leases, and our
# -display kms under a qtest-driven virtio-gpu (kms-bed/gpu-driver.py).
for scenario in pattern prime-import lease display; do
    say "KMS bed: $scenario"
    run_suite "kms-bed/$scenario" "$log_dir/kms-bed-$scenario.log" \
        bash "$RCAR_TOP/scripts/kms-bed.sh" \
        --log "$log_dir/kms-bed-$scenario" "kms-bed/scenarios/$scenario.sh"
done

# --- the emulated R-Car host with KVM --------------------------------
# Inside an emulated H3 whose kernel runs KVM: Debian's arm64 QEMU (the
# control) against our arm64 cross-build (scripts/kvm-bed.sh).
say "cross-building for arm64"
if bash "$RCAR_TOP/scripts/build-arm64.sh" > "$log_dir/build-arm64.log" 2>&1
then
    result PASS build-arm64
else
    tail -30 "$log_dir/build-arm64.log"
    result FAIL build-arm64 "see $log_dir/build-arm64.log"
fi
for kernel in 6.1 6.12; do
    say "running the KVM test bed on an emulated H3 host, Linux $kernel"
    run_suite "kvm-bed-$kernel" "$log_dir/kvm-bed-$kernel.log" \
        bash "$RCAR_TOP/scripts/kvm-bed.sh" \
        "$OUT_DIR/bin/qemu-system-aarch64" --kernel "$kernel" \
        --log-dir "$log_dir/kvm-bed-$kernel"
done

summary
