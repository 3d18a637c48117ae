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

say()
{
    printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die()
{
    printf '%s: error: %s\n' "${0##*/}" "$*" >&2
    exit 1
}
