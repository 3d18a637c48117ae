#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Check a make install tree: the emulator runs from it (relocated, with
# its data), boots a guest on rcar-virt, and the man pages render.
#
# Usage: scripts/install-test.sh PREFIX
# Prints PASS:/FAIL: lines; exit status 1 if any failed.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

prefix=${1:?usage: install-test.sh PREFIX}
status=0

pass()
{
    echo "PASS: install/$1"
}

fail()
{
    echo "FAIL: install/$1 ($2)"
    status=1
}

bin=$prefix/bin/qemu-system-aarch64
for f in bin/qemu-system-aarch64 bin/qemu-img share/man/man1/qemu.1 \
         share/man/man8/kms-lessord.8 sbin/kms-lessord \
         lib/systemd/system/kms-lessord.service \
         share/doc/qemu/system/arm/rcar-virt.html; do
    if [ -e "$prefix/$f" ]; then
        pass "file/$f"
    else
        fail "file/$f" "make install did not install $prefix/$f"
    fi
done

# Relocated: the data directory it reports is the one under PREFIX.
if [ -x "$bin" ] && "$bin" -M help | grep -q '^rcar-virt '; then
    pass machine-listed
else
    fail machine-listed "$bin -M help does not list rcar-virt"
fi
datadir=$(readlink -f "$prefix/share/qemu")
if [ -x "$bin" ] && "$bin" -L help 2>/dev/null | xargs -r readlink -f |
    grep -qx "$datadir"
then
    pass relocated-datadir
else
    fail relocated-datadir "$bin -L help does not list $prefix/share/qemu"
fi

# The systemd unit runs the installed daemon
unit=$prefix/lib/systemd/system/kms-lessord.service
if [ -f "$unit" ] && grep -q "^ExecStart=$prefix/sbin/kms-lessord" "$unit"
then
    pass lessor-unit-execstart
else
    fail lessor-unit-execstart "$unit does not start $prefix/sbin/kms-lessord"
fi

# Man pages render without a warning; upstream's qemu.1 has option lines
# too long to justify, so it may have "cannot adjust line" (-Wbreak)
for page in share/man/man1/qemu.1 share/man/man8/kms-lessord.8; do
    [ -f "$prefix/$page" ] || continue
    nowarn=()
    [ "${page##*/}" = qemu.1 ] && nowarn=(-Wbreak)
    if warn=$(groff -man -ww "${nowarn[@]}" -z "$prefix/$page" 2>&1) &&
        [ -z "$warn" ] &&
        MANWIDTH=80 man -l "$prefix/$page" 2>/dev/null | grep -q .; then
        pass "man/${page##*/}"
    else
        fail "man/${page##*/}" "${warn:-man -l printed nothing}"
    fi
done
if [ -f "$prefix/share/man/man1/qemu.1" ] &&
    MANWIDTH=80 man -l "$prefix/share/man/man1/qemu.1" 2>/dev/null |
    grep -q -- '-display'; then
    pass man/qemu.1-options
else
    fail man/qemu.1-options "qemu.1 does not document -display"
fi

# The installed binary boots a guest
if [ -x "$bin" ]; then
    bash "$RCAR_TOP/scripts/boot-test.sh" --qemu "$bin" \
        --machine rcar-virt,soc=m3w --kernel 6.12 --style short \
        --checks cpus,blk,net --expect-cpus 6 --name install/m3w-6.12 ||
        status=1
fi
exit "$status"
