#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make series-check: every patch of the series applies in order, the tree
# builds with each one applied (the series is bisectable), and each passes
# QEMU's scripts/checkpatch.pl with no errors and no warnings.
#
# It steps the usual source tree through the commits that scripts/apply.sh
# made and builds incrementally in the usual build directory, then returns
# both to the tip of the series.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bash "$RCAR_TOP/scripts/build.sh"
bash "$RCAR_TOP/scripts/series.sh"

tip=$(git -C "$SRC_TREE" rev-parse series)
mapfile -t commits < <(git -C "$SRC_TREE" rev-list --reverse base..series)
bad=0
restore()
{
    git -C "$SRC_TREE" checkout -q -f series
}
trap restore EXIT

i=0
for c in "${commits[@]}"; do
    i=$((i + 1))
    subject=$(git -C "$SRC_TREE" log -1 --format=%s "$c")
    say "[$i/${#commits[@]}] $subject"
    git -C "$SRC_TREE" checkout -q -f "$c"
    if ! ninja -C "$BUILD_DIR" > "$BUILD_DIR/series-check-$i.log" 2>&1; then
        grep -A12 -m3 -E '^FAILED:|error:' "$BUILD_DIR/series-check-$i.log"
        echo "FAIL: patch $i does not build: $subject"
        bad=1
        continue
    fi
    out=$(git -C "$SRC_TREE" format-patch --stdout -1 "$c" |
          (cd "$SRC_TREE" && ./scripts/checkpatch.pl --no-signoff -q -) 2>&1) ||
        true
    if [ -n "$out" ] && ! grep -q 'total: 0 errors, 0 warnings' <<< "$out"; then
        printf '%s\n' "$out"
        echo "FAIL: patch $i is not checkpatch-clean: $subject"
        bad=1
    else
        echo "PASS: patch $i builds and is checkpatch-clean: $subject"
    fi
done
restore
trap - EXIT
git -C "$SRC_TREE" rev-parse series | grep -qx "$tip"
ninja -C "$BUILD_DIR" > /dev/null
# Every patch has someone to go to, and those touching our files reach
# the R-Car section of MAINTAINERS (its M: line)
ours=$(sed -n '/^R-Car virt$/,/^$/s/^M: //p' "$SRC_TREE/MAINTAINERS")
[ -n "$ours" ] || { echo "FAIL: MAINTAINERS has no R-Car virt section"; bad=1; }
while read -r name; do
    list=$(sed -n "/^== $name\$/,/^== /{/^== /!p}" \
           "$OUT_DIR/series/get_maintainer.txt")
    if ! grep -q 'qemu-devel@nongnu.org' <<< "$list"; then
        echo "FAIL: get_maintainer.pl names no list for $name"
        bad=1
    elif grep -q -e '^+++ b/hw/arm/rcar-' -e '^+++ b/target/arm/cpu-rcar' \
            -e '^+++ b/tests/qtest/rcar-' -e '^+++ b/docs/system/arm/rcar' \
            "$OUT_DIR/series/$name" && ! grep -qF "$ours" <<< "$list"; then
        echo "FAIL: $name touches R-Car files, but get_maintainer.pl does" \
             "not name their maintainer"
        bad=1
    else
        echo "PASS: get_maintainer.pl: $name goes to $(grep -c . <<< "$list")" \
             "addresses"
    fi
done < <(sed -n 's/^== //p' "$OUT_DIR/series/get_maintainer.txt")
[ "$bad" -eq 0 ] || die "the series needs work: see the FAIL lines above"
say "all ${#commits[@]} patches apply, build and pass checkpatch"
