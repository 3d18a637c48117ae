#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# KMS bed scenario: a different test pattern on each of two outputs of
# card0, then a mode change on the first, each checked pixel for pixel.
# Needs two outputs (kms-bed.sh's default).
#
# Run with scripts/kms-bed.sh kms-bed/scenarios/pattern.sh [SWAP]; SWAP
# (a manual check that the bed can fail) compares head 0 with output 1's
# pattern and so must FAIL.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../bed-lib.sh
. "$(dirname "$0")/../bed-lib.sh"

want0=1
[ "${1:-}" != SWAP ] || want0=2

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done' EXIT

bed_pattern_start Virtual-1 1
pids+=("$bed_pid")
size1=$bed_size
bed_pattern_start Virtual-2 2
pids+=("$bed_pid")
size2=$bed_size
bed_shot two-outputs 0,1
bed_check two-outputs 0 "$want0" "$size1"
bed_check two-outputs 1 2 "$size2"

# A mode change on Virtual-1 while Virtual-2 keeps its picture
mode=800x600
if grep -qx "$mode" /sys/class/drm/card0-Virtual-1/modes; then
    bed_pattern_stop "${pids[0]}"
    bed_pattern_start Virtual-1 3 --mode "$mode"
    pids[0]=$bed_pid
    if [ "$bed_size" = "$mode" ]; then
        bed_result PASS mode-change
    else
        bed_result FAIL mode-change "asked for $mode, got $bed_size"
    fi
    bed_shot mode-change 0,1
    bed_check mode-change 0 3 "$mode"
    bed_check mode-change 1 2 "$size2"
else
    bed_result SKIP mode-change "Virtual-1 lists no $mode mode"
fi

for p in "${pids[@]}"; do
    bed_pattern_stop "$p"
done
pids=()
