#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Test the Buildroot patch tree and the Yocto layer of
# scripts/distro-trees.sh: each lists exactly the series' patches, in
# order, unchanged, and the patches apply one after another with
# `patch -p1` (no fuzz, as Yocto's patch QA wants) to the pinned base and
# to the upstream sources it was made from (Debian's .orig tarball, which
# Buildroot's and Yocto's qemu recipes resemble more: no Debian patches).
# The layer must also carry the KMS display's PACKAGECONFIG, on for the
# target qemu.
# Prints PASS:/FAIL: lines; exit status 1 if any failed.
# Usage: scripts/check-distro-trees.sh [SERIES_DIR]   (default out/series)
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

series=${1:-$OUT_DIR/series}
status=0
pass() { echo "PASS: distro-trees/$1"; }
fail() { echo "FAIL: distro-trees/$1: ${*:2}"; status=1; }

mapfile -t want < <(series_patches "$series")
n_series=$(grep -c -v -e '^#' -e '^$' "$RCAR_TOP/patches/series")
if [ "${#want[@]}" -ne "$n_series" ]; then
    fail export "$series has ${#want[@]} patches, patches/series" \
                "$n_series; run make series"
fi

# same_list NAME LIST...: the list equals want, in order
same_list()
{
    local name=$1
    shift
    if [ "$*" = "${want[*]}" ]; then
        pass "$name-order"
    else
        fail "$name-order" "lists '$*', the series is '${want[*]}'"
    fi
}

br=$series/buildroot/qemu
mapfile -t got < <(cd "$br" 2>/dev/null && ls)
same_list buildroot "${got[@]}"
layer=$series/meta-rcar-qemu/recipes-devtools/qemu
mapfile -t got < <(sed -n 's|^ *file://\([^ ]*\) \\$|\1|p' \
                   "$layer/qemu-rcar.inc" 2>/dev/null)
same_list yocto-src-uri "${got[@]}"
mapfile -t got < <(cd "$layer/files" 2>/dev/null && ls)
same_list yocto-files "${got[@]}"
for recipe in qemu qemu-system-native; do
    if grep -qx 'require qemu-rcar.inc' \
            "$layer/${recipe}_%.bbappend" 2>/dev/null; then
        pass "yocto-$recipe-bbappend"
    else
        fail "yocto-$recipe-bbappend" "it does not require qemu-rcar.inc"
    fi
done
# The KMS display's PACKAGECONFIG: its exact configure options and
# dependency, and on by default for the target recipe only
kms_flag='PACKAGECONFIG[kms] = "--enable-libdrm,--disable-libdrm,libdrm"'
kms_on='PACKAGECONFIG:append:class-target = " kms"'
if ! grep -qxF "$kms_flag" "$layer/qemu-rcar.inc" 2>/dev/null; then
    fail yocto-packageconfig-kms "qemu-rcar.inc lacks the line $kms_flag"
elif ! grep -qxF "$kms_on" "$layer/qemu-rcar.inc"; then
    fail yocto-packageconfig-kms "qemu-rcar.inc does not enable kms" \
                                 "for the target ($kms_on)"
else
    pass yocto-packageconfig-kms
fi
bad=""
for p in "${want[@]}"; do
    cmp -s "$series/$p" "$br/$p" && cmp -s "$series/$p" "$layer/files/$p" ||
        bad+=" $p"
done
if [ -z "$bad" ]; then
    pass copies-unchanged
else
    fail copies-unchanged "differ from the series:$bad"
fi

# apply_all NAME DIR: patch -p1 every patch in order onto DIR
apply_all()
{
    local name=$1 dir=$2 p out
    for p in "${want[@]}"; do
        if ! out=$(cd "$dir" && patch -p1 -s -F0 --no-backup-if-mismatch \
                   < "$br/$p" 2>&1); then
            fail "$name" "$p does not apply: $(head -n 3 <<< "$out" |
                                               paste -sd' ' -)"
            return
        fi
    done
    pass "$name"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/base" "$tmp/orig"
git -C "$BASE_TREE" archive HEAD | tar -x -C "$tmp/base"
apply_all apply-pinned-base "$tmp/base"
orig=$RCAR_CACHE/dl/${BASE_PACKAGE}_${BASE_VERSION#*:}
orig=${orig%-*}.orig.tar.xz
if [ -f "$orig" ]; then
    tar -x -C "$tmp/orig" --strip-components=1 -f "$orig"
    apply_all apply-upstream-orig "$tmp/orig"
else
    echo "SKIP: distro-trees/apply-upstream-orig: $orig is missing" \
         "(scripts/fetch-base.sh downloads it)"
fi
exit "$status"
