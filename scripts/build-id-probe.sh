#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Assemble and link the bare-metal ID register probe (id-probe/) that
# tests/qtest/rcar-id-test.c runs on rcar-virt, with Debian's aarch64 cross
# binutils, to out/id-probe/id-probe.elf.  The qtest finds it through
# QTEST_RCAR_ID_PROBE.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

src=$RCAR_TOP/id-probe
out=$OUT_DIR/id-probe
as=aarch64-linux-gnu-as
ld=aarch64-linux-gnu-ld

for tool in "$as" "$ld"; do
    command -v "$tool" >/dev/null ||
        die "$tool is missing: install binutils-aarch64-linux-gnu" \
            "(bash scripts/deps.sh installs every package we need)"
done

mkdir -p "$out"
"$as" -o "$out/id-probe.o" "$src/id-probe.S"
"$ld" -nostdlib -static --build-id=none -T "$src/id-probe.ld" \
    -Map "$out/id-probe.map" -o "$out/id-probe.elf.tmp" "$out/id-probe.o"
mv "$out/id-probe.elf.tmp" "$out/id-probe.elf"
say "built $out/id-probe.elf; run the test with" \
    "QTEST_RCAR_ID_PROBE=$out/id-probe.elf"
