#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Turn patches/series into one commit per line on top of the pinned base,
# in the source tree outside the work tree, and check that tree out.
#
# Only files whose content changed are rewritten, so the build after a
# one-file change recompiles what depends on that file and nothing else.
# The commits are what `make series` exports with git format-patch.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

tree=${1:-$SRC_TREE}
series=$RCAR_TOP/patches/series

bash "$RCAR_TOP/scripts/fetch-base.sh"
if [ ! -d "$tree/.git" ]; then
    say "creating source tree $tree"
    git clone -q "$BASE_TREE" "$tree"
    git -C "$tree" checkout -q -b series base
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GIT_INDEX_FILE=$tmp/index
export GIT_DIR=$tree/.git
# Fixed dates make the commit ids depend on content alone.
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z"
export GIT_COMMITTER_DATE=$GIT_AUTHOR_DATE
export GIT_COMMITTER_NAME=qemu-rcar GIT_COMMITTER_EMAIL=qemu-rcar@localhost

git read-tree base
parent=$(git rev-parse base)
n=0
while read -r name files; do
    case "$name" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    p=$RCAR_TOP/patches/$name
    [ -f "$p" ] || die "patches/series names $name, which does not exist"
    info=$(git mailinfo -k "$tmp/msg" "$tmp/diff" < "$p") ||
        die "patches/$name has no mail header (From:/Subject:)"
    author=$(sed -n 's/^Author: //p' <<< "$info")
    email=$(sed -n 's/^Email: //p' <<< "$info")
    subject=$(sed -n 's/^Subject: //p' <<< "$info")
    [ -n "$subject" ] || die "patches/$name has no Subject: line"
    if [ -s "$tmp/diff" ]; then
        git apply --cached --whitespace=nowarn "$tmp/diff" 2>"$tmp/err" || {
            cat "$tmp/err" >&2
            die "patches/$name does not apply on the base plus the" \
                "patches before it; refresh it (docs/DEVELOPING.md)"
        }
    fi
    for f in $files; do
        [ -f "$RCAR_TOP/$f" ] || die "patches/series: $name adds $f," \
                                     "which does not exist"
        blob=$(git hash-object -w "$RCAR_TOP/$f")
        git update-index --add --cacheinfo "100644,$blob,$f"
    done
    { printf '%s\n\n' "$subject"; cat "$tmp/msg"; } > "$tmp/commit-msg"
    parent=$(GIT_AUTHOR_NAME=$author GIT_AUTHOR_EMAIL=$email \
             git commit-tree "$(git write-tree)" -p "$parent" \
                 -F "$tmp/commit-msg")
done < "$series"
unset GIT_INDEX_FILE GIT_DIR

if [ "$(git -C "$tree" rev-parse HEAD)" != "$parent" ]; then
    git -C "$tree" checkout -q -f -B series "$parent"
    say "applied $n patches in $tree"
fi

# Build-only device configuration (not part of the series).
install -C -m 644 "$RCAR_TOP/scripts/rcar-build-devices.mak" \
    "$tree/configs/devices/aarch64-softmmu/rcar-build.mak"
