# SPDX-License-Identifier: GPL-2.0-or-later
# Shared settings for qemu-rcar scripts: where the cache, base and build
# trees live (outside the work tree, so they survive fresh clones).
# shellcheck shell=bash disable=SC2034 source-path=SCRIPTDIR
# (the variables here are used by the scripts that source this file)

RCAR_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=base.pin
. "$RCAR_TOP/scripts/base.pin"
# CI may run with a bare environment: find HOME from the user database
HOME=${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}
export HOME
RCAR_CACHE=${QEMU_RCAR_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/qemu-rcar}
BASE_DIRNAME=qemu-${BASE_VERSION#*:}
BASE_TREE=$RCAR_CACHE/$BASE_DIRNAME
SRC_TREE=$RCAR_CACHE/src
BUILD_DIR=$RCAR_CACHE/build
OUT_DIR=$RCAR_TOP/out
export CCACHE_DIR=${CCACHE_DIR:-$RCAR_CACHE/ccache}

# The configure options of the build (scripts/build.sh); the sanitizer
# build (scripts/check-asan.sh) adds its own to them.  A build directory
# is configured again when its options change.
rcar_build_options=(
    --target-list=aarch64-softmmu
    --with-devices-aarch64=rcar-build
    --python=/usr/bin/python3
    "--cc=ccache gcc"
    "--cxx=ccache g++"
    --disable-install-blobs
    --enable-docs
    --enable-libdrm
    --disable-user
    --disable-gtk
    --disable-sdl
    --disable-opengl
    --disable-spice
    --disable-xen
    --disable-rust
    --enable-slirp
    --enable-fdt=system
)

say()
{
    printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die()
{
    printf '%s: error: %s\n' "${0##*/}" "$*" >&2
    exit 1
}

# debian_uri: the URI of the machine's main Debian entry, the first deb822
# stanza under /etc/apt/sources.list.d whose Suites names a Debian release
# (not -security), else the first such line of /etc/apt/sources.list.
# Apt entries of ours are derived from it, so that no archive host is ever
# written in this repository.  Prints nothing if there is none.
debian_uri()
{
    local f uri=""

    for f in /etc/apt/sources.list.d/*.sources; do
        [ -e "$f" ] || continue
        [ "${f##*/}" = qemu-rcar.sources ] && continue
        uri=$(awk '
            /^URIs:/ { u = $2 }
            /^Suites:/ && $0 !~ /security/ && u != "" { print u; exit }
            /^$/ { u = "" }' "$f")
        [ -n "$uri" ] && break
    done
    if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
        uri=$(awk '$1 == "deb" && $3 !~ /security/ { print $2; exit }' \
              /etc/apt/sources.list)
    fi
    printf '%s' "$uri"
}

# qemu_configure DIR ARG...: configure a build of $SRC_TREE in DIR with
# the configure options ARG..., again only when they change (DIR is then
# wiped).  Variables set on the call, such as PKG_CONFIG_LIBDIR, reach
# configure.
qemu_configure()
{
    local dir=$1 stamp
    shift
    stamp="$*"
    if [ -f "$dir/build.ninja" ] &&
       [ "$(cat "$dir/.rcar-configure" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    say "configuring $dir"
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$SRC_TREE/configure" "$@" > configure.log 2>&1) || {
        tail -30 "$dir/configure.log" >&2
        die "configure failed; the full log is $dir/configure.log"
    }
    printf '%s\n' "$stamp" > "$dir/.rcar-configure"
}

# qemu_ninja DIR TARGET...: build TARGET... in DIR, the log in
# DIR/ninja.log; on failure show the first errors and stop.
qemu_ninja()
{
    local dir=$1
    shift
    ninja -C "$dir" "$@" > "$dir/ninja.log" 2>&1 || {
        grep -A12 -m3 -E "^FAILED:| error: " "$dir/ninja.log" >&2 ||
            tail -40 "$dir/ninja.log" >&2
        die "the build failed; the full log is $dir/ninja.log"
    }
}

# series_patches DIR: the names of the numbered patches of a make series
# export in DIR, in order, one a line, without the cover letter
series_patches()
{
    local f
    for f in "$1"/[0-9][0-9][0-9][0-9]-*.patch; do
        [ -e "$f" ] || continue
        f=${f##*/}
        [ "$f" = 0000-cover-letter.patch ] || echo "$f"
    done
}
