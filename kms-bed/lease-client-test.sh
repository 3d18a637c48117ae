#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# -display kms,lease= against a lessor that misbehaves
# (kms-bed/fake-lessor.py): each broken reply must make QEMU exit 1 with a
# message naming the lessor and what was wrong, within 20 s, having sent
# the right request; no crash, no hang.  Runs on the host: no KMS device
# is needed to be refused.
#
# Usage: kms-bed/lease-client-test.sh QEMU_BINARY
# Prints PASS:/FAIL: lines; exit status 1 on any FAIL.
set -euo pipefail

qemu=${1:?usage: lease-client-test.sh QEMU_BINARY}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

# case BEHAVIOUR REGEX: QEMU's message must match REGEX (grep -E)
case_()
{
    local how=$1 want=$2 sock=$tmp/$1.sock rc=0 i
    /usr/bin/python3 "$here/fake-lessor.py" "$sock" "$how" \
        > "$tmp/$how.lessor" 2>&1 &
    local lessor=$!
    for ((i = 0; i < 100; i++)); do
        [ -S "$sock" ] && break
        sleep 0.05
    done
    timeout 20 "$qemu" -M rcar-virt -m 256 -accel qtest -nodefaults \
        -device virtio-gpu-device \
        -display "kms,lease=$sock,connector.0=HDMI-A-1" \
        > "$tmp/$how.qemu" 2>&1 || rc=$?
    kill "$lessor" 2> /dev/null || true
    wait "$lessor" 2> /dev/null || true
    if [ "$rc" != 1 ]; then
        echo "FAIL: lease-client/$how (exit $rc, not 1: $(head -c 300 \
            "$tmp/$how.qemu" | tr '\n' ' '))"
        failed=1
    elif ! grep -qE "$want" "$tmp/$how.qemu"; then
        echo "FAIL: lease-client/$how (message is not /$want/:" \
            "$(head -c 300 "$tmp/$how.qemu" | tr '\n' ' '))"
        failed=1
    elif ! grep -qx 'REQUEST LEASE 1 HDMI-A-1' "$tmp/$how.lessor"; then
        echo "FAIL: lease-client/$how (the request was not 'LEASE 1" \
            "HDMI-A-1': $(head -n 1 "$tmp/$how.lessor"))"
        failed=1
    else
        echo "PASS: lease-client/$how"
    fi
}

case_ close 'lease=.*: the lessor closed the connection without a reply'
case_ garbage 'lease=.*: unexpected reply from the lessor: garbage$'
case_ long "lease=.*: the lessor's reply is too long"
case_ nofd 'lease=.*: unexpected reply from the lessor: OK 1 2 3 4 0$'
case_ err 'lease=.*: the lessor refused HDMI-A-1: EBUSY connector busy'
case_ half 'lease=.*: the lessor closed the connection without a reply'
case_ notdrm 'lease=.*: the lease is not a DRM device'
case_ twofds 'lease=.*: the lease is not a DRM device'
case_ nul "lease=.*: the lessor's reply holds a NUL byte"
case_ silent 'lease=.*: the lessor did not answer in 2 s'
exit "$failed"
