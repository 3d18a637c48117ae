#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Host self-test of kms-bed/gpu-driver.py: no guest kernel, QEMU driven
# over qtest with -display none, screens read back with QMP screendump and
# checked with kms-bed/compare.py.
#
# Usage: kms-bed/gpu-driver-test.sh QEMU_BINARY
#
# Checks (one line each, "PASS: gpu-driver/<name>" or
# "FAIL: gpu-driver/<name> (why)"):
#   two-heads/head0, two-heads/head1   patterns 1 (640x480) and 2 (800x600)
#   two-heads/exit                     the driver quit QEMU cleanly
#   damage/head0                       pattern 1 with a rectangle of 4
#   damage/changed                     and not plain pattern 1
#   damage/exit
#   negative                           a wrong pattern is reported
#   hostile                            gpu-driver.py hostile: all TAP ok
#   stream                             a short stream run reports STREAM
# Exits 1 if any check failed, 2 on bad usage.

set -euo pipefail

if [ $# -ne 1 ]; then
    echo "usage: $0 QEMU_BINARY" >&2
    exit 2
fi
QEMU=$1
HERE=$(cd "$(dirname "$0")" && pwd)
DRIVER=$HERE/gpu-driver.py
COMPARE=$HERE/compare.py
TMP=$(mktemp -d /tmp/gpu-driver-test.XXXXXX)
DRIVER_PID=
FAILED=0

# shellcheck disable=SC2317  # invoked through the trap
cleanup() {
    exec 3>&- 2>/dev/null || true
    if [ -n "$DRIVER_PID" ] && kill -0 "$DRIVER_PID" 2>/dev/null; then
        kill -TERM "$DRIVER_PID" 2>/dev/null || true
        wait "$DRIVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

pass() {
    echo "PASS: gpu-driver/$1"
}

fail() {
    echo "FAIL: gpu-driver/$1 ($2)"
    FAILED=1
}

run() {
    timeout -k 5 120 nice -n 10 "$@"
}

# qmp SOCKET JSON: run one QMP command, print its reply; exit 1 on "error"
qmp() {
    timeout 30 python3 - "$1" "$2" <<'EOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile('rwb')
def reply():
    while True:
        msg = json.loads(f.readline())
        if 'return' in msg or 'error' in msg:
            return msg
f.readline()                                    # the greeting
f.write(b'{"execute": "qmp_capabilities"}\n'); f.flush()
reply()
f.write(sys.argv[2].encode() + b'\n'); f.flush()
msg = reply()
print(json.dumps(msg))
sys.exit(1 if 'error' in msg else 0)
EOF
}

# start_show NAME DRIVER-ARGS...: gpu-driver.py show --hold in the
# background with a QMP socket at $TMP/NAME.qmp, stdin a FIFO held open on
# fd 3; waits for DRIVER-READY.  Returns 1 (with $WHY) if it never comes.
start_show() {
    local name=$1
    shift
    mkfifo "$TMP/$name.in"
    exec 3<>"$TMP/$name.in"
    run python3 "$DRIVER" show --qemu "$QEMU" --qemu-arg=-display \
        --qemu-arg=none --qmp "$TMP/$name.qmp" --gpu-id gpu0 --hold "$@" \
        <"$TMP/$name.in" >"$TMP/$name.out" 2>"$TMP/$name.err" 3>&- &
    DRIVER_PID=$!
    local _
    for _ in $(seq 300); do
        if grep -q '^DRIVER-READY$' "$TMP/$name.out"; then
            return 0
        fi
        if ! kill -0 "$DRIVER_PID" 2>/dev/null; then
            WHY="the driver exited: $(tail -n 3 "$TMP/$name.err" |
                                      tr '\n' ' ')"
            return 1
        fi
        sleep 0.1
    done
    WHY='no DRIVER-READY in 30s'
    return 1
}

# stop_show NAME: close the driver's stdin; it must quit QEMU and exit 0
stop_show() {
    local status=0
    exec 3>&-
    wait "$DRIVER_PID" || status=$?
    DRIVER_PID=
    if [ "$status" -ne 0 ]; then
        fail "$1/exit" "driver status $status: $(tail -n 3 "$TMP/$1.err" |
                                                 tr '\n' ' ')"
    else
        pass "$1/exit"
    fi
}

# shot NAME HEAD: screendump head HEAD to $TMP/NAME-headHEAD.ppm
shot() {
    local file=$TMP/$1-head$2.ppm
    qmp "$TMP/$1.qmp" "{\"execute\": \"screendump\", \"arguments\":
        {\"filename\": \"$file\", \"device\": \"gpu0\", \"head\": $2}}" \
        >"$TMP/$1-head$2.json"
}

# check NAME HEAD COMPARE-ARGS...: screendump, then compare.py
check() {
    local name=$1 head=$2 out
    shift 2
    if ! shot "$name" "$head"; then
        fail "$name/head$head" "screendump: $(cat "$TMP/$name-head$head.json")"
        return
    fi
    if out=$(python3 "$COMPARE" "$TMP/$name-head$head.ppm" "$@"); then
        pass "$name/head$head"
    else
        fail "$name/head$head" "$out"
    fi
}

# (a) two heads
WHY=
if start_show two-heads --head 0:1:640x480 --head 1:2:800x600; then
    check two-heads 0 1 640 480
    check two-heads 1 2 800 600
    # (c) the check must be able to fail: head 0 is not pattern 2
    if out=$(python3 "$COMPARE" "$TMP/two-heads-head0.ppm" 2 640 480); then
        fail negative "pattern 2 was accepted for a screen of pattern 1"
    elif [[ $out == *differ* ]]; then
        pass negative
    else
        fail negative "unexpected compare.py output: $out"
    fi
    stop_show two-heads
else
    fail two-heads "$WHY"
    fail negative "no screen to compare"
fi

# (b) damage: only the rectangle is redrawn (pattern 4), transferred and
# flushed; the screen must be pattern 1 outside it and pattern 4 inside
WHY=
if start_show damage --head 0:1:640x480 --damage 0:4:100,50,200,120; then
    check damage 0 1 640 480 --rect 100,50,200,120:4
    # and the rectangle did change: plain pattern 1 must not match
    if [ -f "$TMP/damage-head0.ppm" ] &&
            ! python3 "$COMPARE" "$TMP/damage-head0.ppm" 1 640 480 \
            >/dev/null; then
        pass damage/changed
    else
        fail damage/changed "the screen still equals plain pattern 1"
    fi
    stop_show damage
else
    fail damage "$WHY"
fi

# (d) hostile requests
status=0
run python3 "$DRIVER" hostile --qemu "$QEMU" --qemu-arg=-display \
    --qemu-arg=none >"$TMP/hostile.tap" 2>"$TMP/hostile.err" || status=$?
plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$TMP/hostile.tap")
oks=$(grep -c '^ok ' "$TMP/hostile.tap" || true)
if [ "$status" -eq 0 ] && [ -n "$plan" ] && [ "$oks" -eq "$plan" ]; then
    pass "hostile ($oks cases)"
else
    fail hostile "status $status, $oks of ${plan:-?} ok: $(grep '^not ok' \
        "$TMP/hostile.tap" | head -n 3 | tr '\n' ' ')$(tail -n 2 \
        "$TMP/hostile.err" | tr '\n' ' ')"
fi

# a short stream run
status=0
run python3 "$DRIVER" stream --qemu "$QEMU" --qemu-arg=-display \
    --qemu-arg=none --size 640x480 --frames 20 >"$TMP/stream.out" \
    2>"$TMP/stream.err" || status=$?
if [ "$status" -eq 0 ] && grep -q '^STREAM frames=20 seconds=' \
        "$TMP/stream.out"; then
    pass stream
else
    fail stream "status $status: $(tail -n 2 "$TMP/stream.err" | tr '\n' ' ')"
fi

exit "$FAILED"
