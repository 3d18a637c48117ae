#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make dist: the release tarball out/dist/qemu-rcar-VERSION.tar.xz, from
# make series: the format-patch series with its cover letter, the
# Buildroot patch tree, the Yocto layer, get_maintainer.txt, README,
# CHANGELOG, VERSION, the documentation and kms-lessord's sources.
# VERSION must have a CHANGELOG.md section, and the tarball is checked
# after it is made: the patches it holds are the series, in order, and
# apply to the base; kms-lessord builds from it.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

version=$(tr -d ' \n' < "$RCAR_TOP/VERSION")
[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] ||
    die "VERSION holds '$version'; write MAJOR.MINOR.PATCH"
grep -q "^## $version " "$RCAR_TOP/CHANGELOG.md" ||
    die "CHANGELOG.md has no '## $version ...' section; write one"

bash "$RCAR_TOP/scripts/series.sh" > /dev/null
name=qemu-rcar-$version
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name"
cp -r "$OUT_DIR/series" "$stage/$name/series"
cp "$RCAR_TOP/README.md" "$RCAR_TOP/CHANGELOG.md" "$RCAR_TOP/VERSION" \
    "$stage/$name/"
mkdir -p "$stage/$name/docs"
cp "$RCAR_TOP"/docs/*.md "$stage/$name/docs/"
cp "$RCAR_TOP/docs/system/arm/rcar-virt.rst" "$stage/$name/docs/"
# kms-lessord's sources (it builds out of tree: lessor/ holds no outputs)
cp -r "$RCAR_TOP/lessor" "$stage/$name/"
mkdir -p "$OUT_DIR/dist"
out=$OUT_DIR/dist/$name.tar.xz
# Reproducible: fixed owner, order and times
tar --sort=name --owner=0 --group=0 --numeric-owner \
    --mtime="$(git -C "$RCAR_TOP" log -1 --format=%cI)" \
    -C "$stage" -cJf "$out.tmp" "$name"
mv "$out.tmp" "$out"

# Check what was made
check=$(mktemp -d)
trap 'rm -rf "$stage" "$check"' EXIT
tar -xJf "$out" -C "$check"
bash "$RCAR_TOP/scripts/check-distro-trees.sh" "$check/$name/series" ||
    die "the tarball's series does not check out; see above"
grep -qx "$version" "$check/$name/VERSION" || die "the tarball's VERSION is wrong"
make -s -C "$check/$name/lessor" O="$check/lessor-build" all > /dev/null ||
    die "kms-lessord does not build from the tarball; see above"
say "wrote $out"
