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
say "running the display benchmark in the KMS bed ($frames frames each)"
bash "$RCAR_TOP/scripts/kms-bed.sh" --timeout 1200 --log "$log" \
    kms-bed/scenarios/bench-display.sh "$frames" > "$log.out" 2>&1 || {
    cat "$log.out"
    die "the benchmark failed; see $log.out and $log"
}
grep -E '^(FAIL|SKIP): ' "$log.out" || true
echo "# make bench-display, $(date -u +%Y-%m-%d), $frames frames of" \
    "1920x1080 per variant"
cat "$log/bench-display.txt"
