#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# KMS bed scenario: does card0's driver import a foreign dmabuf (PRIME), a
# udmabuf over a memfd as QEMU would hand it guest memory?  If it does,
# scan the pattern out of that udmabuf and check it pixel for pixel.
#
# The answer is a finding (BED-INFO prime-import ...), not a failure:
# the check passes when the probe ran and gave an answer.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../bed-lib.sh
. "$(dirname "$0")/../bed-lib.sh"

rc=0
out=$("$BED_TOOLS/kms-pattern" --prime-test 2>&1) || rc=$?
echo "$out"
driver=$(sed -n 's/^PRIME-DRIVER //p' <<< "$out")
summary=$(grep '^PRIME-' <<< "$out" | grep -v '^PRIME-DRIVER' |
          paste -sd';' | sed 's/;/; /g')
case "$rc" in
0)
    bed_info "$driver imports a udmabuf: $summary"
    bed_result PASS probe
    bed_pattern_start Virtual-1 5 --prime-test
    bed_shot udmabuf 0
    bed_check udmabuf 0 5 "$bed_size"
    bed_pattern_stop "$bed_pid"
    ;;
3)
    bed_info "$driver refuses a udmabuf: $summary"
    bed_result PASS probe
    bed_result SKIP udmabuf-scanout "$driver does not import udmabufs"
    ;;
*)
    bed_result FAIL probe "kms-pattern --prime-test exited with $rc: $out"
    ;;
esac
