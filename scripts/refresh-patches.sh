#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rewrite the diffs of patches/*.patch from an edit tree: a clone of the
# base with one commit per line of patches/series, in the same order,
# holding only the edits to upstream files.  Each patch keeps its mail
# header and message; what follows its "---" line is replaced.
# Usage: scripts/refresh-patches.sh EDIT_TREE
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

edit=${1:?usage: refresh-patches.sh EDIT_TREE}
mapfile -t names < <(sed -e '/^#/d' -e '/^$/d' -e 's/ .*//' \
                     "$RCAR_TOP/patches/series")
mapfile -t commits < <(git -C "$edit" rev-list --reverse base..HEAD)
[ "${#names[@]}" -eq "${#commits[@]}" ] ||
    die "$edit has ${#commits[@]} commits after base," \
        "patches/series has ${#names[@]} lines"

for i in "${!names[@]}"; do
    p=$RCAR_TOP/patches/${names[$i]}
    c=${commits[$i]}
    tmp=$(mktemp)
    sed '/^---$/q' "$p" > "$tmp"
    git -C "$edit" diff "$c~1" "$c" >> "$tmp"
    if ! cmp -s "$tmp" "$p"; then
        mv "$tmp" "$p"
        say "refreshed ${names[$i]}"
    else
        rm -f "$tmp"
    fi
done
