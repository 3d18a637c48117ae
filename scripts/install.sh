#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make install PREFIX=DIR [DESTDIR=STAGE]: install what qemu-rcar builds.
#
#   PREFIX/bin/qemu-system-aarch64, PREFIX/bin/qemu-img
#   PREFIX/share/qemu/...            QEMU's data files (keymaps, ...)
#   PREFIX/share/man/man1/qemu.1 and QEMU's other man pages, built by
#                                    Sphinx from the patched tree
#   PREFIX/share/doc/qemu/...        the HTML manual (rcar-virt included)
#   PREFIX/sbin/kms-lessord, its man page, systemd unit and example
#                                    policy (lessor/Makefile)
#
# The build is relocatable (QEMU's default), so the emulator finds its data
# under whatever PREFIX it is copied to.  DESTDIR stages the tree for a
# package, as usual: files go to DESTDIR/PREFIX.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
case "$prefix" in
/*) ;;
*) die "PREFIX must be an absolute path, not '$prefix'" ;;
esac
case "$destdir" in
''|/*) ;;
*) die "DESTDIR must be an absolute path, not '$destdir'" ;;
esac

bash "$RCAR_TOP/scripts/build.sh"
qemu_ninja "$BUILD_DIR" all

# QEMU installs under the prefix it was configured with; stage it there and
# move the tree, which a relocatable build allows.
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
say "installing into $destdir$prefix"
(cd "$BUILD_DIR" && meson install --no-rebuild --quiet --destdir "$stage") \
    > "$stage.log" 2>&1 || {
    tail -20 "$stage.log" >&2
    die "meson install failed (log: $stage.log)"
}
rm -f "$stage.log"
configured=$(cd "$BUILD_DIR" && meson introspect --buildoptions |
             /usr/bin/python3 -c '
import json, sys
print([o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"][0])')
[ -d "$stage$configured" ] || die "meson install left no $stage$configured"
mkdir -p "$destdir$prefix"
cp -a "$stage$configured/." "$destdir$prefix/"

make -s -C "$RCAR_TOP/lessor" O="$OUT_DIR/lessor" install \
    DESTDIR="$destdir" PREFIX="$prefix"
say "installed: $destdir$prefix/bin/qemu-system-aarch64," \
    "$destdir$prefix/sbin/kms-lessord and their man pages"
