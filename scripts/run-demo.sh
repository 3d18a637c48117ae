#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make run: boot a Debian 6.12 arm64 guest with a disk, network and 9p.
#
# Usage: scripts/run-demo.sh QEMU_BIN [--machine OPTS] [--cpu-args "ARGS"]
#                            [--style short|long]
# Defaults: --machine rcar-virt,soc=h3 --style short.  To try it on stock
# virt: --machine virt --cpu-args "-cpu cortex-a57 -smp 2" --style long.
# On a terminal this gives a shell in the guest (leave it to power off, or
# Ctrl-A X to quit QEMU); otherwise it runs the blk, net and 9p checks of
# scripts/boot-test.sh and prints their results.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=guest-lib.sh
. "$RCAR_TOP/scripts/guest-lib.sh"
export PATH=$PATH:/usr/sbin:/sbin

usage()
{
    echo "usage: ${0##*/} QEMU_BIN [--machine OPTS] [--cpu-args \"ARGS\"]" \
         "[--style short|long]" >&2
    exit 1
}

[ "$#" -ge 1 ] || usage
qemu=$1
shift
machine=rcar-virt,soc=h3
cpu_args=""
style=short
while [ "$#" -gt 0 ]; do
    [ "$#" -ge 2 ] || usage
    case "$1" in
    --machine) machine=$2 ;;
    --cpu-args) cpu_args=$2 ;;
    --style) style=$2 ;;
    *) usage ;;
    esac
    shift 2
done
command -v "$qemu" >/dev/null ||
    die "QEMU binary '$qemu' not found or not executable; run make first"
case "$style" in
short|long) ;;
*) usage ;;
esac
checks=blk,net,9p

if ! [ -t 0 ] || ! [ -t 1 ]; then
    say "not on a terminal: running the $checks checks instead of a shell"
    exec bash "$RCAR_TOP/scripts/boot-test.sh" --qemu "$qemu" \
        --machine "$machine" --cpu-args "$cpu_args" --kernel 6.12 \
        --checks "$checks" --style "$style" --name demo
fi

assets=$(guest_assets 6.12)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rcar-demo.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
guest_scratch "$tmp" "$checks"
echo "Shared from the host by qemu-rcar's run-demo.sh." > "$tmp/share/README"

read -r -a cpu_argv <<< "$cpu_args"
qemu_args=(-M "$machine" "${cpu_argv[@]}" -m 1G -nographic
           -kernel "$assets/vmlinuz" -initrd "$assets/initrd.gz"
           -append "console=ttyAMA0 quiet rcar.mode=shell")
guest_devices "$style" "$tmp" "$checks"

say "booting ${assets##*/} on -M $machine${cpu_args:+ $cpu_args}" \
    "(Ctrl-A X quits)"
"$qemu" "${qemu_args[@]}"
