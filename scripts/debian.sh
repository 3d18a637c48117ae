#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make debian: the series as quilt patches of Debian 13's qemu source
# package, a source package of the result, and the aarch64 system emulator
# built from it by Debian's own rules.
#
#  1. Unpack the pinned Debian source (its debian/patches applied), add
#     the series (make series) under debian/patches/rcar/, append it to
#     debian/patches/series and apply it with `quilt push -a --fuzz=0`.
#  2. Add a debian/changelog entry (VERSION+rcar) and build the source
#     package with `dpkg-source -b`: out/debian/*.dsc, *.debian.tar.xz.
#  3. Unpack that new .dsc as any Debian builder would (dpkg-source -x
#     applies Debian's patches and ours) and build it with Debian's rule
#     for the system emulators, `debian/rules b/qemu/built`, which
#     configures with Debian's options (debian/rules plus those
#     debian/control lists), restricted by QEMU_CONFIGURE_OPTIONS to the
#     aarch64 target (a full build of every target is hours on 2 cores).
#     --disable-blkio: libblkio is not in bookworm.  CC is ccache gcc,
#     python3 the system one.
#  4. out/debian/bin/qemu-system-aarch64 links to the result.
#
# The boot test of that binary is scripts/boot-test.sh (make check runs it).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bash "$RCAR_TOP/scripts/deps.sh"
bash "$RCAR_TOP/scripts/deps.sh" "$RCAR_TOP/scripts/packages-debian.txt"
bash "$RCAR_TOP/scripts/fetch-base.sh"
bash "$RCAR_TOP/scripts/series.sh" > /dev/null

version=$(tr -d ' \n' < "$RCAR_TOP/VERSION")
dl=$RCAR_CACHE/dl
dsc=$dl/${BASE_PACKAGE}_${BASE_VERSION#*:}.dsc
upstream_ver=${BASE_VERSION#*:}
upstream_ver=${upstream_ver%-*}
orig=$dl/${BASE_PACKAGE}_$upstream_ver.orig.tar.xz
[ -f "$orig" ] || die "$orig is missing; run scripts/fetch-base.sh"
deb_version=$BASE_VERSION+rcar$version
work=$RCAR_CACHE/debian
out=$OUT_DIR/debian
series=$OUT_DIR/series

rm -rf "$work/src" "$out"
mkdir -p "$work/src" "$out"
tree=$work/src/$BASE_PACKAGE-$upstream_ver
ln -s "$orig" "$work/src/"

# --- 1. quilt --------------------------------------------------------
say "unpacking $(basename "$dsc")"
dpkg-source -q -x "$dsc" "$tree" 2>&1 |
    grep -v -e 'gpgv:' -e 'cannot verify inline signature' >&2 || true
[ -f "$tree/debian/patches/series" ] ||
    die "dpkg-source could not unpack $dsc"
debian_count=$(grep -c -v -e '^#' -e '^$' "$tree/debian/patches/series")
mkdir -p "$tree/debian/patches/rcar"
{
    echo
    echo "# qemu-rcar $version: the R-Car series (make debian)"
    series_patches "$series" | while read -r name; do
        cp "$series/$name" "$tree/debian/patches/rcar/"
        echo "rcar/$name"
    done
} >> "$tree/debian/patches/series"
say "applying the series with quilt"
if ! (cd "$tree" && QUILT_PATCHES=debian/patches quilt push -a --fuzz=0 \
        > "$out/quilt.log" 2>&1); then
    tail -20 "$out/quilt.log" >&2
    die "quilt push failed (full log: $out/quilt.log)"
fi
applied=$(cd "$tree" && QUILT_PATCHES=debian/patches quilt applied) ||
    die "quilt applied lists nothing"
applied=$(grep -c '^debian/patches/rcar/' <<< "$applied" || true)
want=$(series_patches "$series" | wc -l)
[ "$applied" -eq "$want" ] ||
    die "quilt applied $applied of the $want patches of the series"
say "quilt: $debian_count Debian patches, then $applied of ours"

# --- 2. source package -----------------------------------------------
# The entry's date is the last commit's, so the package is the same bytes
# for the same work tree.
when=$(git -C "$RCAR_TOP" log -1 --format=%cD 2>/dev/null ||
       date -R -d @0)
maint=$(sed -n 's/^From: //p' "$series/0001-"*.patch | head -1)
{
    echo "$BASE_PACKAGE ($deb_version) trixie; urgency=medium"
    echo
    echo "  * Add the qemu-rcar $version series (debian/patches/rcar/):"
    echo "    the rcar-virt machine for Renesas R-Car hosts, virtio-mmio"
    echo "    aliases, KVM vCPU placement and ID registers."
    echo
    echo " -- $maint  $when"
    echo
    cat "$tree/debian/changelog"
} > "$tree/debian/changelog.new"
mv "$tree/debian/changelog.new" "$tree/debian/changelog"
say "building the source package $deb_version"
(cd "$work/src" && dpkg-source -q -b "$BASE_PACKAGE-$upstream_ver") \
    > "$out/dpkg-source.log" 2>&1 || {
    tail -20 "$out/dpkg-source.log" >&2
    die "dpkg-source -b failed (full log: $out/dpkg-source.log)"
}
new_dsc=${BASE_PACKAGE}_${deb_version#*:}.dsc
[ -f "$work/src/$new_dsc" ] || die "dpkg-source -b made no $new_dsc"
mv "$work/src/$new_dsc" "$work/src/${BASE_PACKAGE}_${deb_version#*:}.debian.tar.xz" \
    "$out/"
ln -s "$orig" "$out/"
rm -rf "$tree"

# --- 3. build as Debian does -------------------------------------------
tree=$work/build/$BASE_PACKAGE-$upstream_ver
# Same path every run, so that ccache hits; only the build is kept.
rm -rf "$work/build"
mkdir -p "$work/build"
say "unpacking $new_dsc as a builder would"
dpkg-source -q -x "$out/$new_dsc" "$tree" > "$out/unpack.log" 2>&1 || {
    tail -20 "$out/unpack.log" >&2
    die "dpkg-source -x of $new_dsc failed (log: $out/unpack.log)"
}
grep -q "^rcar/" "$tree/debian/patches/series" ||
    die "the unpacked $new_dsc has no rcar/ patches in its series"
[ -f "$tree/hw/arm/rcar-virt.c" ] ||
    die "the unpacked $new_dsc lacks hw/arm/rcar-virt.c: the series was not applied"

say "building with debian/rules b/qemu/built, aarch64 only" \
    "(log: $out/build.log; about 10 minutes the first time)"
# Debian builds with the system python3 (a pyenv one on PATH lacks
# Debian's meson module and configure then fails)
export PATH=/usr/bin:$PATH
export CC="ccache gcc" CXX="ccache g++"
DEB_BUILD_OPTIONS="parallel=$(nproc) nocheck"
export DEB_BUILD_OPTIONS
export DEB_BUILD_PROFILES=nocheck
export QEMU_CONFIGURE_OPTIONS="--target-list=aarch64-softmmu --disable-blkio"
if ! (cd "$tree" && debian/rules b/qemu/built) > "$out/build.log" 2>&1; then
    tail -30 "$out/build.log" >&2
    die "the Debian build failed (full log: $out/build.log)"
fi
bin=$tree/b/qemu/qemu-system-aarch64
[ -x "$bin" ] || die "the Debian build made no $bin"
mkdir -p "$out/bin"
ln -sf "$bin" "$out/bin/qemu-system-aarch64"
"$bin" -M help | grep -q '^rcar-virt ' ||
    die "$bin does not list the rcar-virt machine"
say "built $out/bin/qemu-system-aarch64 ($("$bin" --version | head -1))"
