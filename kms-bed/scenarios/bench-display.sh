#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# KMS bed benchmark (make bench-display): a full-screen 1920x1080 update
# stream from kms-bed/gpu-driver.py (set_scanout + transfer + flush per
# frame, alternating two resources, as a guest that page-flips does)
# through each display in one run: -display none (the floor: virtio-gpu's
# own work), -display kms (the copy path), -display vnc with a client
# taking every update, and -display sdl on Xvfb when the build has SDL,
# with SDL's default (OpenGL: Mesa's llvmpipe on Xvfb) and software
# renderers.  Then the same streams of blob resources (blob=true, frames
# in guest memory, scanouts as dmabufs) through -display none and our
# build's -display kms: zero copy where the card imports the dmabufs,
# else copies from them.
# Per variant: QEMU's CPU time per guest frame, frames put on screen,
# bytes copied per frame shown, flush-to-flip latency (kms), and the
# ratio of each to kms.  Results: $BED_OUT/bench-display.txt.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../bed-lib.sh
. "$(dirname "$0")/../bed-lib.sh"

frames=${1:-120}
size=1920x1080
here=$(dirname "$0")/..
python=/usr/bin/python3
out=$BED_OUT/bench-display.txt
: > "$out"

if [ -z "${BED_QEMU:-}" ] || [ ! -x "$BED_QEMU" ]; then
    bed_result FAIL qemu "no QEMU to measure: build it (make build) first"
    exit 1
fi

# run NAME QEMU-ARG...: one stream; appends "NAME cpu_ms_per_frame ..."
run()
{
    local name=$1 log=$BED_OUT/bench-$1.log trace=$BED_OUT/bench-$1.trace
    local line cpu secs extra=""
    shift
    rm -f "$trace"
    if ! line=$("$python" "$here/gpu-driver.py" stream \
            --qemu "${run_qemu:-$BED_QEMU}" \
            --size "$size" --frames "$frames" --settle 1 ${in_place:+--in-place} \
            --qemu-log "$log" --qemu-arg=-D --qemu-arg="$trace" \
            --qemu-arg=-msg --qemu-arg=timestamp=on \
            --qemu-arg=-trace --qemu-arg=virtio_gpu_cmd_res_flush \
            --qemu-arg=-trace --qemu-arg='kms_flip*' "$@" \
            2> "$log.driver"); then
        bed_result FAIL "bench-$name" "the stream failed:" \
            "$(tail -n 2 "$log.driver" "$log" | tr '\n' ' ')"
        return 1
    fi
    # STREAM frames=N seconds=S qemu_cpu=C
    secs=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<< "$line")
    cpu=$(sed -n 's/.* qemu_cpu=\([0-9.]*\).*/\1/p' <<< "$line")
    if [ -s "$trace" ]; then
        extra=$("$python" "$here/bench-trace.py" "$trace")
    fi
    printf '%s frames=%s seconds=%s qemu_cpu=%s %s\n' "$name" "$frames" \
        "$secs" "$cpu" "$extra" >> "$out"
    bed_result PASS "bench-$name"
}

# variants MODE: every display once, the stream in MODE (flip: two
# resources alternating with set_scanout, as a guest that page-flips;
# inplace: one resource transferred and flushed, as a guest that redraws
# in place); results are named MODE-DISPLAY
variants()
{
    local mode=$1 vclient xvfb
    in_place=""
    [ "$mode" = flip ] || in_place=1

    run "$mode-none" --qemu-arg=-display --qemu-arg=none
    run "$mode-kms" --qemu-arg=-display \
        --qemu-arg="kms,device=/dev/dri/card0,connector.0=Virtual-1,mode=$size"

    # VNC only works when a client asks; vnc-client.py asks for every
    # update.  (-L: VNC needs a keymap file, which the build tree lacks;
    # Debian's qemu-system-data, there for the bed's outer QEMU, has them)
    rm -f "$vsock"
    "$python" "$here/vnc-client.py" "$vsock" \
        > "$BED_OUT/bench-$mode-vnc-client.log" 2>&1 &
    vclient=$!
    run "$mode-vnc" --qemu-arg=-display --qemu-arg=none --qemu-arg=-L \
        --qemu-arg=/usr/share/qemu --qemu-arg=-vnc \
        --qemu-arg="unix:$vsock" || true
    kill "$vclient" 2> /dev/null || true
    wait "$vclient" 2> /dev/null || true
    sed -n "s/^VNC /VNC $mode /p" "$BED_OUT/bench-$mode-vnc-client.log" \
        >> "$out" || true

    if [ -z "$sdl_why" ]; then
        Xvfb :9 -screen 0 1920x1080x24 > "$BED_OUT/xvfb.log" 2>&1 &
        xvfb=$!
        sleep 2
        # SDL's default renderer is OpenGL, on Xvfb Mesa's software GL
        # (llvmpipe); its "software" renderer is the plain 2D path
        DISPLAY=:9 run "$mode-sdl" --qemu-arg=-display --qemu-arg=sdl || true
        DISPLAY=:9 SDL_RENDER_DRIVER=software run "$mode-sdl-sw" \
            --qemu-arg=-display --qemu-arg=sdl || true
        kill "$xvfb" 2> /dev/null || true
        wait "$xvfb" 2> /dev/null || true
    fi
}

vsock=/tmp/bench-vnc.sock
sdl_why=""
if ! "$BED_QEMU" -display help | grep -qx sdl; then
    sdl_why="this QEMU is built without SDL (scripts/common.sh"
    sdl_why+=" --disable-sdl; make debian builds one with SDL)"
elif ! command -v Xvfb > /dev/null; then
    sdl_why="the host root has no Xvfb (xvfb)"
fi
[ -z "$sdl_why" ] || bed_result SKIP bench-sdl "$sdl_why"
variants flip
variants inplace
# blob resources, with our build (the dmabuf path is newer than what
# make debian may have built)
run_qemu=${BED_QEMU_OWN:-$BED_QEMU}
for mode in flip inplace; do
    in_place=""
    [ "$mode" = flip ] || in_place=1
    run "$mode-blob-none" --blob --qemu-arg=-display --qemu-arg=none
    run "$mode-blob-kms" --blob --qemu-arg=-trace --qemu-arg=kms_dmabuf \
        --qemu-arg=-display \
        --qemu-arg="kms,device=/dev/dri/card0,connector.0=Virtual-1,mode=$size"
done
run_qemu=""
zc=$(grep -h 'kms_dmabuf' "$BED_OUT"/bench-*-blob-kms.trace 2> /dev/null |
     grep -vc 'framebuffer 0 ' || true)
if [ "${zc:-0}" -gt 0 ]; then
    bed_info "blob-kms scanned $zc guest buffers out without a copy"
else
    bed_result SKIP bench-kms-zero-copy "the card did not import the" \
        "guest's dmabufs, so the blob streams measure copies from them:" \
        "$(grep -h -m1 "copying the guest's buffers" \
            "$BED_OUT"/bench-*-blob-kms.log 2> /dev/null | head -n 1)"
fi

# ratios against kms in the same mode, per guest frame
"$python" - "$out" > "$out.ratios" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    words = line.split()
    if words and words[0] != 'VNC':
        rows[words[0]] = dict(w.split('=') for w in words[1:])
for name, r in rows.items():
    per = 1000 * float(r['qemu_cpu']) / int(r['frames'])
    line = 'PER-FRAME %s cpu_ms=%.2f' % (name, per)
    base = rows.get(name.split('-')[0] + '-kms')
    if base and float(base['qemu_cpu']) > 0:
        line += ' vs_kms=%.2f' % (float(r['qemu_cpu']) /
                                  float(base['qemu_cpu']))
    print(line)
PY
cat "$out.ratios" >> "$out"
while read -r line; do
    bed_info "$line"
done < "$out"
