#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install the Debian packages of a list (default scripts/packages.txt) that
# are missing, after adding the apt entries they come from.
#
# Usage: scripts/deps.sh [LIST]
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

list=${1:-$RCAR_TOP/scripts/packages.txt}
[ -r "$list" ] || die "no package list $list"
want=()
while read -r pkg; do
    case "$pkg" in ''|'#'*) continue ;; esac
    name=${pkg%/*}
    if ! dpkg-query -W -f='${db:Status-Abbrev}' "$name" 2>/dev/null |
            grep -q '^ii'; then
        want+=("$pkg")
    fi
done < "$list"

if [ "${#want[@]}" -gt 0 ]; then
    bash "$RCAR_TOP/scripts/apt-setup.sh"
    say "installing ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" \
        >/dev/null || die "apt-get could not install ${want[*]};" \
                          "see the apt output above"
fi
