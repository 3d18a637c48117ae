#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make track-upstream: try the series on Debian's newest QEMU source
# package (or --version V) and report, patch by patch, whether it applies
# as is, applies with a three-way merge, or conflicts, and where.
#
# The newest version comes from deb-src entries for sid and
# trixie-backports in a private apt configuration under the cache (the
# machine's own entries stay as they are; the archive is the machine's,
# see debian_uri).  The source is unpacked with dpkg-source -x (Debian's
# patches applied, like the pinned base) into $RCAR_CACHE/upstream/.
# Prints one line per patch: "OK", "OK-3WAY" (git's three-way merge
# resolves it) or "CONFLICT: files";
# a patch after a conflict is tried on what the conflicting one left (its
# clean hunks, and its new files).  The tree is put back afterwards.  Exit status 1 if any conflicted.
# Usage: scripts/track-upstream.sh [--version V] [--series DIR]
#   --series DIR  use this make series output instead of exporting anew
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

version=""
series=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    --version|--series)
        [ "$#" -ge 2 ] || die "$1 needs a value"
        case "$1" in
        --version) version=$2 ;;
        *) series=$2 ;;
        esac
        shift 2 ;;
    *) die "usage: ${0##*/} [--version DEBIAN_VERSION] [--series DIR]" ;;
    esac
done

work=$RCAR_CACHE/upstream
apt=$work/apt
mkdir -p "$apt/lists/partial"
uri=$(debian_uri)
[ -n "$uri" ] || die "found no Debian entry in /etc/apt to derive from"
cat > "$apt/qemu.sources" <<EOF
Types: deb-src
URIs: $uri
Suites: sid trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
opts=(-o "Dir::Etc::SourceList=$apt/qemu.sources" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt/lists" -o APT::Get::List-Cleanup=0)
apt-get "${opts[@]}" update -qq || die "apt-get update failed"
# Candidates, newest first: the archive may list a version it cannot
# serve yet (a 404 from a mirror), so the first that downloads wins
if [ -n "$version" ]; then
    candidates=("$version")
else
    mapfile -t candidates < <(apt-cache "${opts[@]}" showsrc qemu |
        sed -n 's/^Version: //p' | sort -u |
        while read -r v; do echo "$v"; done |
        sort -r -V)
    [ "${#candidates[@]}" -gt 0 ] || die "apt knows no qemu source package"
fi
# fetch VERSION: unpack it into $work/qemu-VERSION (kept); sets tree
fetch()
{
    tree=$work/qemu-${1#*:}
    [ -f "$tree/.git/rcar-ok" ] && return 0
    rm -rf "$tree" "$work/dl"
    mkdir -p "$work/dl"
    (cd "$work/dl" && apt-get "${opts[@]}" source -qq --download-only \
        "qemu=$1" > /dev/null 2>&1) || return 1
    dpkg-source -q -x "$work/dl/"*.dsc "$tree" > /dev/null 2>&1 ||
        die "dpkg-source could not unpack qemu=$1"
    git -C "$tree" init -q
    git -C "$tree" add -A
    git -C "$tree" -c user.name=qemu-rcar -c user.email=qemu-rcar@localhost \
        commit -q -m "qemu $1"
    touch "$tree/.git/rcar-ok"
}

version=""
for v in "${candidates[@]}"; do
    if fetch "$v"; then
        version=$v
        break
    fi
    say "qemu $v is listed but could not be downloaded; trying an older one"
done
[ -n "$version" ] || die "no qemu source could be downloaded (tried" \
                         "${candidates[*]})"
say "trying the series on qemu $version"

if [ -z "$series" ]; then
    bash "$RCAR_TOP/scripts/series.sh" > /dev/null
    series=$OUT_DIR/series
fi
# git -C reads patch paths from the tree: make ours absolute
series=$(cd "$series" && pwd)
# The preimages the patches name (index lines) are blobs of the patched
# tree: with them, git apply --3way can merge instead of giving up
git -C "$tree" fetch -q "$SRC_TREE" series 2> /dev/null ||
    say "no $SRC_TREE to take preimages from: three-way merges will fail"
git -C "$tree" reset -q --hard
git -C "$tree" clean -q -fdx
status=0
base=$(git -C "$tree" rev-parse HEAD)
commit()
{
    git -C "$tree" add -A
    git -C "$tree" -c user.name=qemu-rcar -c user.email=qemu-rcar@localhost \
        commit -q --allow-empty -m "$1"
}
while read -r name; do
    p=$series/$name
    if git -C "$tree" apply --index "$p" 2> /dev/null; then
        echo "OK: $name"
    elif git -C "$tree" apply --index --3way "$p" > /dev/null 2>&1 &&
         ! git -C "$tree" diff --name-only --diff-filter=U | grep -q .; then
        echo "OK-3WAY: $name"
    else
        git -C "$tree" reset -q --hard
        git -C "$tree" clean -q -fd
        files=$(git -C "$tree" apply --check "$p" 2>&1 |
                sed -n 's/^error: patch failed: \([^:]*\):.*/\1/p;
                        s/^error: \([^:]*\): does not exist in index/\1/p' |
                sort -u | paste -sd' ' -) || true
        echo "CONFLICT: $name: ${files:-see git apply --check}"
        git -C "$tree" apply --reject "$p" > /dev/null 2>&1 || true
        find "$tree" -name '*.rej' -delete
        status=1
    fi
    commit "$name"
done < <(series_patches "$series")
git -C "$tree" reset -q --hard "$base"
git -C "$tree" clean -q -fdx
exit "$status"
