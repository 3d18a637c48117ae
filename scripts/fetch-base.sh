#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Fetch the pinned QEMU base (scripts/base.pin) with apt-get source, verify
# it, and keep it as a git repository with one commit tagged "base".
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if [ -f "$BASE_TREE/.git/rcar-base-ok" ]; then
    exit 0
fi

dl=$RCAR_CACHE/dl
mkdir -p "$dl"
dsc=$dl/${BASE_PACKAGE}_${BASE_VERSION#*:}.dsc
if [ ! -f "$dsc" ]; then
    say "downloading $BASE_PACKAGE=$BASE_VERSION source"
    bash "$RCAR_TOP/scripts/apt-setup.sh"
    if ! (cd "$dl" && apt-get source --download-only -qq \
              "$BASE_PACKAGE=$BASE_VERSION" 2>&1 | grep -v '^W: Download'); then
        :
    fi
    if [ ! -f "$dsc" ]; then
        die "the archive no longer offers $BASE_PACKAGE=$BASE_VERSION;" \
            "list what it has with 'apt-cache showsrc qemu | grep ^Version'" \
            "and move the pin in scripts/base.pin" \
            "(docs/DEVELOPING.md, "Moving the base")"
    fi
fi
sum=$(sha256sum "$dsc" | cut -d' ' -f1)
if [ "$sum" != "$BASE_DSC_SHA256" ]; then
    die "$dsc has sha256 $sum, but scripts/base.pin pins $BASE_DSC_SHA256;" \
        "delete $dl to download again, or move the pin deliberately"
fi

say "extracting and verifying $(basename "$dsc")"
rm -rf "$BASE_TREE" "$BASE_TREE.tmp"
# The pinned .dsc sha256 is the trust anchor; dpkg-source checks the
# other files against it.  Its signature cannot be checked without
# debian-keyring, so that warning is dropped.
dpkg-source -q -x "$dsc" "$BASE_TREE.tmp" 2>&1 |
    grep -v -e 'gpgv:' -e 'cannot verify inline signature' >&2 || true
[ -f "$BASE_TREE.tmp/VERSION" ] || die "dpkg-source could not extract $dsc"
(
    cd "$BASE_TREE.tmp"
    rm -rf .pc
    git init -q
    git add -A -f .
    git -c user.name=qemu-rcar -c user.email=qemu-rcar@localhost \
        commit -q -m "QEMU $BASE_VERSION (Debian source package)"
    git tag base
    touch .git/rcar-base-ok
)
mv "$BASE_TREE.tmp" "$BASE_TREE"
say "base ready in $BASE_TREE"
