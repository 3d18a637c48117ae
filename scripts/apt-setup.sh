#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Add the apt entries qemu-rcar needs (deb-src for trixie, bookworm-backports
# binaries, arm64 multiarch), derived from the machine's own Debian entry so
# that no archive host is ever written in this repository.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

src_dir=/etc/apt/sources.list.d
ours="$src_dir/qemu-rcar.sources"
stamp=/var/lib/apt/lists/.qemu-rcar-updated

if [ "$(id -u)" -ne 0 ]; then
    echo "apt-setup: must run as root to add apt entries and install packages" >&2
    exit 1
fi

uri=$(debian_uri)
if [ -z "$uri" ]; then
    echo "apt-setup: found no Debian entry in $src_dir or sources.list;" \
         "add one for bookworm and run again" >&2
    exit 1
fi

want=$(cat <<EOF
# Written by qemu-rcar scripts/apt-setup.sh from the machine's Debian entry.
Types: deb-src
URIs: $uri
Suites: trixie bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $uri
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
)

changed=0
if [ ! -f "$ours" ] || [ "$(cat "$ours")" != "$want" ]; then
    printf '%s\n' "$want" > "$ours"
    changed=1
fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    dpkg --add-architecture arm64
    changed=1
fi
# Refresh at most once a day unless the entries changed.
if [ "$changed" = 1 ] || [ ! -f "$stamp" ] ||
   [ -n "$(find "$stamp" -mmin +1440)" ]; then
    echo "apt-setup: apt-get update"
    apt-get update -qq
    touch "$stamp"
fi
