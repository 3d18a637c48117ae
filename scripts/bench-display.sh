#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench-display: what each display costs per frame of a full-screen
# 1920x1080 update stream, side by side in one run of the KMS bed
# (scripts/kms-bed.sh, kms-bed/scenarios/bench-display.sh): -display none,
# -display kms (copy path), VNC with a client, SDL on Xvfb when the build
# has SDL.  Prints the bed's table: QEMU CPU seconds over the stream,
# frames on screen, bytes copied per frame shown, flush-to-flip latency,
# and each variant's CPU per frame with its ratio to kms.  The bed is
# Linux under TCG on this machine: compare the variants with each other,
# not with hardware.  Nothing is asserted.
#
# Usage: scripts/bench-display.sh [FRAMES]   (default 120)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

frames=${1:-120}
case "$frames" in
''|*[!0-9]*) die "FRAMES must be a whole number, not $frames" ;;
esac
log=$RCAR_CACHE/kms-bed/log-bench-display
# SDL is compared only where the binary has it: ours is built without
# (scripts/common.sh), Debian's build of the series (make debian) has it,
# with the kms module too; then every variant runs that binary
qemu=""
for q in "$RCAR_CACHE"/debian/build/qemu-*/b/qemu/qemu-system-aarch64; do
    if [ -x "$q" ] && "$q" -display help 2> /dev/null | grep -qx sdl &&
       "$q" -display help 2> /dev/null | grep -qx kms; then
        qemu=$q
    fi
done
if [ -n "$qemu" ]; then
    say "using Debian's build of the series, which has SDL: $qemu"
    export KMS_BED_QEMU=$qemu
else
    say "no Debian build with SDL and kms (make debian makes one): SDL" \
        "is not measured"
fi
say "running the display benchmark in the KMS bed ($frames frames each)"
bash "$RCAR_TOP/scripts/kms-bed.sh" --timeout 1200 --log "$log" \
    kms-bed/scenarios/bench-display.sh "$frames" > "$log.out" 2>&1 || {
    cat "$log.out"
    die "the benchmark failed; see $log.out and $log"
}
grep -E '^(FAIL|SKIP): ' "$log.out" || true
echo "# make bench-display, $(date -u +%Y-%m-%d), $frames frames of" \
    "1920x1080 per variant, QEMU ${qemu:-out/bin/qemu-system-aarch64}"
cat "$log/bench-display.txt"
