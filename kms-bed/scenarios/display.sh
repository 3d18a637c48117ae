#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# KMS bed scenario: our qemu-system-aarch64 with -display kms on the bed's
# card0.  The guest is kms-bed/gpu-driver.py, which drives rcar-virt's
# virtio-gpu-device over qtest (no guest kernel), drawing kms-pattern's
# patterns; the outer QEMU's screendumps are compared pixel for pixel.
#
# a. two heads: console 0 on Virtual-1 with pattern 1, console 1 on
#    Virtual-2 with pattern 2, both 1024x768 at mode=1024x768;
# b. damage: the guest then redraws and flushes one rectangle of head 0
#    with pattern 4: the screen shows pattern 4 there and 1 elsewhere
#    (the second of the two buffers must catch up on the first frame too);
# h. hotplug: Virtual-2 is forced off through sysfs and a change uevent
#    sent (Linux 6.12 sends none for a forced status): QEMU turns its
#    CRTC off and says so; forced on again: its picture is back;
# c. a 640x480 guest on a 1024x768 mode: centred, black around it;
# z. blob resources (blob=true, guest RAM in a memfd): the scanout comes
#    as a dmabuf.  QEMU imports it with PRIME if the card takes it (zero
#    copy), else says so once and copies it; either way the screen shows
#    the pattern and the damaged rectangle.  zero-copy=off always copies,
#    silently; a 640x480 blob is centred;
# d. leases from kms-lessord: two QEMUs, each lease=...,connector.0= one
#    output, patterns 5 and 6; the first QEMU is killed (SIGKILL) and
#    kms-pattern leases its output again and draws 7, while the second
#    keeps 6;
# e. the lessor dies under the second QEMU: QEMU keeps running and says
#    the display is lost; a new lessor starts and QEMU's picture comes
#    back by itself;
# r. the card is removed under QEMU (virtio_gpu unbound from its device,
#    as a USB display unplugged): QEMU says the display is lost and keeps
#    running; bound again, the card comes back and so does the picture
#    (last: the card's objects are new afterwards);
# k. the guest's pointer (a 64x64 cursor, hotspot 4,4, at 200,150) goes on
#    the CRTC's cursor plane at 196,146 (read from the kernel's atomic
#    state in debugfs: the outer screendump has no cursor); with
#    show-cursor=off it does not;
# v. a VT switch: QEMU started on VT 1 (its stdin) gives DRM master up
#    when VT 2 is activated (the switch completes only if it agrees), so
#    kms-pattern can take the card and draw pattern 7; back on VT 1, QEMU
#    takes master again, sets its mode anew and its picture is back;
# i. input: a uinput keyboard+mouse (kms-bed/uinput-dev.py) is taken and
#    grabbed (EVIOCGRAB busy for others); a key reaches QEMU's input layer
#    (trace input_event_key_qcode); both Ctrl keys release the grab, a
#    key is then not sent, both Ctrl again grab it; the device removed is
#    given up, a new one plugged in is taken and its keys sent; QEMU
#    lives.  With input=off the device is left alone;
# f. hostile guest requests (gpu-driver.py hostile) with -display kms,
#    then again with the blob cases (--blob);
# u. seeded random guest requests (gpu-driver.py fuzz: scanouts of any
#    size and format, flush storms, cursors, unrefs under scanouts, blob
#    scanouts) on two heads: QEMU lives, and a frame shown afterwards is
#    right on the screen;
# g. bad options on a real card are refused with a message naming what
#    to change, and QEMU exits 1 (no crash, no hang): an unknown
#    connector, a mode the connector lacks, a card another DRM master
#    holds, a lease of a connector the lessor does not have.
# Needs two outputs (kms-bed.sh's default) and $BED_QEMU.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../bed-lib.sh
. "$(dirname "$0")/../bed-lib.sh"

mode=1024x768
card=/dev/dri/card0
sock=/tmp/kms-lessord.sock
policy=/tmp/kms-lessord.policy
dlog=$BED_OUT/kms-lessord.log

pids=()
lessor=""
cleanup()
{
    local p

    for p in "${pids[@]}" ${lessor:+"$lessor"}; do
        kill "$p" 2> /dev/null || true
    done
}
trap cleanup EXIT

if [ -z "${BED_QEMU:-}" ] || [ ! -x "$BED_QEMU" ]; then
    bed_result FAIL qemu "no QEMU to test: build it (make build) first"
    exit 1
fi

# wait_log FILE PATTERN: wait up to 10 s for a line matching PATTERN
wait_log()
{
    local i

    for ((i = 0; i < 100; i++)); do
        grep -qE "$2" "$1" && return 0
        sleep 0.1
    done
    return 1
}

# hotplug QEMU-LOG: h. above
hotplug()
{
    local status=/sys/class/drm/card0-Virtual-2/status
    local uevent=/sys/class/drm/card0/uevent

    echo off > "$status"
    echo change > "$uevent"
    if wait_log "$1" 'connector Virtual-2 was unplugged'; then
        bed_result PASS unplugged
    else
        bed_result FAIL unplugged "QEMU did not notice: $(tail -n 2 "$1")"
    fi
    echo on > "$status"
    echo change > "$uevent"
    if wait_log "$1" 'connector Virtual-2 is back'; then
        bed_result PASS replugged
        sleep 1
        bed_shot replugged 1
        bed_check replugged 1 2 "$mode"
    else
        bed_result FAIL replugged "QEMU did not notice: $(tail -n 2 "$1")"
    fi
}

# a, b: two heads on the card, then a damaged rectangle on head 0
kms=kms,device=$card,mode=$mode,connector.0=Virtual-1,connector.1=Virtual-2
if bed_driver_start two-heads --qemu-arg=-display --qemu-arg="$kms" \
        --qemu-log "$BED_OUT/qemu-two-heads.log" \
        --head "0:1:$mode" --head "1:2:$mode" \
        --damage 0:4:100,80,300,200; then
    pids+=("$bed_pid")
    bed_result PASS two-heads-start
    sleep 1                     # a page flip or two
    bed_shot two-heads 0,1
    bed_check two-heads 0 1 "$mode" rect=100,80,300,200:4
    bed_check two-heads 1 2 "$mode"
    hotplug "$BED_OUT/qemu-two-heads.log"
    if bed_driver_stop "${pids[0]}"; then
        bed_result PASS two-heads-exit
    else
        bed_result FAIL two-heads-exit "gpu-driver or QEMU failed:" \
            "$(tail -n 2 "$BED_OUT/driver-two-heads.log" | tr '\n' ' ')"
    fi
    pids=()
else
    bed_result FAIL two-heads-start "$(tail -n 2 \
        "$BED_OUT/driver-two-heads.log" | tr '\n' ' ')"
fi

# c: a smaller guest picture
if bed_driver_start centred \
        --qemu-arg=-display --qemu-arg="kms,device=$card,mode=$mode" \
        --qemu-log "$BED_OUT/qemu-centred.log" --head 0:3:640x480; then
    pids+=("$bed_pid")
    sleep 1
    bed_shot centred 0
    bed_check centred 0 3 640x480 "at=192,144:$mode"
    bed_driver_stop "${pids[0]}" || true
    pids=()
else
    bed_result FAIL centred-start "$(tail -n 2 "$BED_OUT/driver-centred.log" |
                                    tr '\n' ' ')"
fi

# z: blob resources.  blob NAME KMS-OPTIONS WANT-SAID GPU-DRIVER-ARGS...:
# WANT-SAID is how many "copying the guest's buffers" lines QEMU may
# print: "1" (exactly once, the import refused) or "0"
blob()
{
    local name=$1 opts=$2 want=$3 log=$BED_OUT/qemu-$1.log said fbs
    shift 3
    if ! bed_driver_start "$name" --blob \
            --qemu-arg=-display --qemu-arg="kms,device=$card,mode=$mode$opts" \
            --qemu-arg=-trace --qemu-arg=kms_dmabuf \
            --qemu-log "$log" "$@"; then
        bed_result FAIL "$name-start" "$(tail -n 2 "$BED_OUT/driver-$name.log" |
                                         tr '\n' ' ')"
        return
    fi
    pids+=("$bed_pid")
    sleep 1
    bed_shot "$name" 0
    said=$(grep -c "copying the guest's buffers" "$log" || true)
    fbs=$(sed -n 's/.*kms_dmabuf .*framebuffer \([0-9]*\) .*/\1/p' "$log" |
          sort -u | paste -sd' ')
    bed_info "$name: kms_dmabuf framebuffers: ${fbs:-none} (0: copied);" \
        "$(grep -m1 "copying the guest's buffers" "$log" || echo 'no copy notice')"
    if [ -z "$fbs" ]; then
        bed_result FAIL "$name-dmabuf" "no kms_dmabuf trace: the scanout" \
            "did not come as a dmabuf"
    elif [ "$want" = 1 ] && [ "$fbs" != 0 ] && [ "$said" = 0 ]; then
        bed_result PASS "$name-dmabuf" "zero copy: framebuffer $fbs"
    elif [ "$said" = "$want" ] && { [ "$want" = 1 ] || [ "$fbs" = 0 ]; }; then
        bed_result PASS "$name-dmabuf" "copied, said $said time(s)"
    else
        bed_result FAIL "$name-dmabuf" "framebuffers '$fbs', copy notice" \
            "printed $said time(s), wanted $want"
    fi
    case "$name" in
    blob) bed_check "$name" 0 5 "$mode" rect=100,80,300,200:4 ;;
    *) bed_check "$name" 0 6 640x480 "at=192,144:$mode" ;;
    esac
    bed_driver_stop "${pids[0]}" || bed_result FAIL "$name-exit" \
        "$(tail -n 2 "$BED_OUT/driver-$name.log" | tr '\n' ' ')"
    pids=()
}
blob blob "" 1 --head "0:5:$mode" --damage 0:4:100,80,300,200
blob blob-copy ",zero-copy=off" 0 --head 0:6:640x480

# k: the guest's pointer.  cursor NAME KMS-OPTIONS WANT: WANT is "shown"
# or "hidden"
cursor()
{
    local name=$1 opts=$2 want=$3 state=/sys/kernel/debug/dri/0/state pos
    if [ ! -r "$state" ]; then
        bed_result FAIL "$name" "no $state to read the planes from"
        return
    fi
    if ! bed_driver_start "$name" --qemu-log "$BED_OUT/qemu-$name.log" \
            --qemu-arg=-display --qemu-arg="kms,device=$card,mode=$mode$opts" \
            --head "0:1:$mode" --cursor 0:200,150; then
        bed_result FAIL "$name-start" "$(tail -n 2 "$BED_OUT/driver-$name.log" |
                                         tr '\n' ' ')"
        return
    fi
    pids+=("$bed_pid")
    sleep 1
    cp "$state" "$BED_OUT/$name-state.txt"
    # the planes that show a 64x64 framebuffer, and where
    pos=$(awk '/^plane\[/ { fb = 0 } /^\tfb=[1-9]/ { fb = 1 }
               fb && /crtc-pos=64x64/ { print $1 }' "$state" | paste -sd' ')
    case "$want:$pos" in
    shown:crtc-pos=64x64+196+146 | hidden:)
        bed_result PASS "$name" "${pos:-no 64x64 plane}" ;;
    *)
        bed_result FAIL "$name" "wanted the pointer $want, the planes show" \
            "'${pos:-no 64x64 plane}' (see $name-state.txt)" ;;
    esac
    bed_shot "$name" 0
    bed_check "$name" 0 1 "$mode"
    bed_driver_stop "${pids[0]}" || bed_result FAIL "$name-exit" \
        "$(tail -n 2 "$BED_OUT/driver-$name.log" | tr '\n' ' ')"
    pids=()
}
cursor cursor "" shown
cursor cursor-off ",show-cursor=off" hidden

# v: VT switches.  chvt N: activate VT N and wait until it is shown
# (VT_ACTIVATE, VT_WAITACTIVE); fails after 10 s
chvt()
{
    timeout 10 /usr/bin/python3 -c '
import fcntl, os, sys
fd = os.open("/dev/tty0", os.O_RDWR | os.O_NOCTTY)
fcntl.ioctl(fd, 0x5606, int(sys.argv[1]))     # VT_ACTIVATE
fcntl.ioctl(fd, 0x5607, int(sys.argv[1]))     # VT_WAITACTIVE
' "$1"
}
vlog=$BED_OUT/qemu-vt.log
if ! chvt 1; then
    bed_result FAIL vt "cannot activate VT 1 of the bed"
elif bed_driver_start vt --qemu-stdin /dev/tty1 --qemu-log "$vlog" \
        --qemu-arg=-display --qemu-arg="kms,device=$card,mode=$mode" \
        --head "0:1:$mode"; then
    pids+=("$bed_pid")
    sleep 1
    bed_shot vt 0
    bed_check vt 0 1 "$mode"
    if chvt 2 && wait_log "$vlog" 'another VT is shown'; then
        bed_result PASS vt-away
        if bed_pattern_start Virtual-1 7; then
            other=$bed_pid
            bed_shot vt-other 0
            bed_check vt-other 0 7 "$bed_size"
            bed_pattern_stop "$other" || true
        else
            bed_result FAIL vt-other "kms-pattern could not take the card" \
                "while QEMU was on another VT"
        fi
    else
        bed_result FAIL vt-away "VT 2 was not activated, or QEMU did not" \
            "say it gave the card up: $(tail -n 2 "$vlog" | tr '\n' ' ')"
    fi
    if chvt 1 && wait_log "$vlog" 'back on this VT'; then
        bed_result PASS vt-back
        sleep 1
        bed_shot vt-back 0
        bed_check vt-back 0 1 "$mode"
    else
        bed_result FAIL vt-back "QEMU did not take VT 1 back: $(tail -n 2 \
            "$vlog" | tr '\n' ' ')"
    fi
    bed_driver_stop "${pids[0]}" || bed_result FAIL vt-exit \
        "$(tail -n 2 "$BED_OUT/driver-vt.log" | tr '\n' ' ')"
    pids=()
else
    bed_result FAIL vt-start "$(tail -n 2 "$BED_OUT/driver-vt.log" |
                                tr '\n' ' ')"
fi

# i: input.  uin_start NAME: a uinput device as coprocess UIN, its node
# in uin_path; uin COMMAND: send it one command, its answer in uin_reply
uin_start()
{
    local line=""
    coproc UIN { exec /usr/bin/python3 "$(dirname "$0")/../uinput-dev.py" "$1" \
                    2>> "$BED_OUT/uinput.log"; }
    read -r -t 10 line <&"${UIN[0]}" || true
    uin_path=${line#UINPUT-READY }
    [ "$uin_path" != "$line" ]
}
uin()
{
    uin_reply=""
    [ -n "${UIN[1]:-}" ] || return 0
    echo "$1" >&"${UIN[1]}" || return 0
    read -r -t 10 uin_reply <&"${UIN[0]}" || true
}
uin_stop()
{
    [ -n "${UIN_PID:-}" ] || return 0
    uin quit
    wait "$UIN_PID" 2> /dev/null || true
    UIN_PID=""
}
ilog=$BED_OUT/qemu-input.log
itrace=(--qemu-arg=-trace --qemu-arg=kms_input
        --qemu-arg=-trace --qemu-arg='input_event_*')
if ! uin_start "kms-bed one"; then
    bed_result FAIL input "no uinput device: $(tail -n 1 "$BED_OUT/uinput.log")"
elif bed_driver_start input --qemu-log "$ilog" "${itrace[@]}" \
        --qemu-arg=-display --qemu-arg="kms,device=$card,mode=$mode" \
        --head "0:1:$mode"; then
    pids+=("$bed_pid")
    if wait_log "$ilog" "kms_input $uin_path: keyboard 1, added 1"; then
        bed_result PASS input-taken "$uin_path"
    else
        bed_result FAIL input-taken "QEMU did not take $uin_path"
    fi
    uin grabbed
    if [ "$uin_reply" = "GRAB busy" ]; then
        bed_result PASS input-grabbed
    else
        bed_result FAIL input-grabbed "$uin_path: $uin_reply, wanted busy"
    fi
    uin "key a"
    if wait_log "$ilog" 'input_event_key_[a-z]+ .*(qcode a|\[a\]), down 1'; then
        bed_result PASS input-key
    else
        bed_result FAIL input-key "key a did not reach QEMU's input layer"
    fi
    uin "key leftctrl rightctrl"
    sleep 0.5
    uin grabbed
    if [ "$uin_reply" = "GRAB free" ]; then
        bed_result PASS input-released
    else
        bed_result FAIL input-released "both Ctrl keys: $uin_reply"
    fi
    uin "key b"
    sleep 0.5
    if grep -qE 'input_event_key_[a-z]+ .*(qcode b|\[b\])' "$ilog"; then
        bed_result FAIL input-host-key "key b went to the guest, released"
    else
        bed_result PASS input-host-key
    fi
    uin "key leftctrl rightctrl"
    sleep 0.5
    uin grabbed
    if [ "$uin_reply" = "GRAB busy" ]; then
        bed_result PASS input-regrabbed
    else
        bed_result FAIL input-regrabbed "both Ctrl keys again: $uin_reply"
    fi
    uin_stop
    if wait_log "$ilog" "kms_input $uin_path: keyboard 0, added 0"; then
        bed_result PASS input-unplugged
    else
        bed_result FAIL input-unplugged "QEMU did not give $uin_path up"
    fi
    if uin_start "kms-bed two" &&
            wait_log "$ilog" "kms_input $uin_path: keyboard 1, added 1"; then
        bed_result PASS input-plugged "$uin_path"
        uin "key c"
        if wait_log "$ilog" 'input_event_key_[a-z]+ .*(qcode c|\[c\]), down 1'; then
            bed_result PASS input-plugged-key
        else
            bed_result FAIL input-plugged-key "key c did not reach QEMU"
        fi
    else
        bed_result FAIL input-plugged "a device plugged in was not taken:" \
            "${uin_path:-no device}"
    fi
    uin_stop
    bed_info "input: QEMU printed $(grep -c 'read:' "$ilog" || true)" \
        "read errors of removed devices"
    if bed_driver_stop "${pids[0]}"; then
        bed_result PASS input-exit
    else
        bed_result FAIL input-exit "$(tail -n 2 "$BED_OUT/driver-input.log" |
                                      tr '\n' ' ')"
    fi
    pids=()
else
    uin_stop
    bed_result FAIL input-start "$(tail -n 2 "$BED_OUT/driver-input.log" |
                                   tr '\n' ' ')"
fi
if uin_start "kms-bed three" &&
        bed_driver_start input-off --qemu-log "$ilog.off" "${itrace[@]}" \
        --qemu-arg=-display --qemu-arg="kms,device=$card,input=off" \
        --head "0:1:$mode"; then
    pids+=("$bed_pid")
    uin grabbed
    if [ "$uin_reply" = "GRAB free" ] && ! grep -q kms_input "$ilog.off"; then
        bed_result PASS input-off
    else
        bed_result FAIL input-off "$uin_reply; $(grep -m1 kms_input "$ilog.off")"
    fi
    bed_driver_stop "${pids[0]}" || true
    pids=()
else
    bed_result FAIL input-off-start "no device or no QEMU"
fi
uin_stop

# u: seeded random requests.  fuzz NAME SEED GPU-DRIVER-FUZZ-ARGS...
fuzz()
{
    local name=$1 seed=$2 log=$BED_OUT/driver-$1.log
    shift 2
    /usr/bin/python3 "$(dirname "$0")/../gpu-driver.py" fuzz \
        --qemu "$BED_QEMU" --hold --seed "$seed" --steps 400 \
        --frame "$mode" --pattern 2 --qemu-log "$BED_OUT/qemu-$name.log" \
        --qemu-arg=-display \
        --qemu-arg="kms,device=$card,mode=$mode,connector.0=Virtual-1,connector.1=Virtual-2" \
        "$@" < /dev/null > "$log" 2>&1 &
    bed_pid=$!
    if ! bed_wait_ready "$log" '^DRIVER-READY$' 300 "gpu-driver fuzz"; then
        bed_result FAIL "$name" "seed $seed: $(tail -n 3 "$log" | tr '\n' ' ')"
        return
    fi
    pids+=("$bed_pid")
    bed_result PASS "$name" "$(sed -n 's/^gpu-driver: seed [0-9]*: //p' "$log")"
    sleep 1
    bed_shot "$name" 0
    bed_check "$name" 0 2 "$mode"
    bed_driver_stop "${pids[0]}" || bed_result FAIL "$name-exit" \
        "$(tail -n 2 "$log" | tr '\n' ' ')"
    pids=()
}
fuzz fuzz-1 1
fuzz fuzz-2 2
fuzz fuzz-blob-3 3 --blob

# f: hostile guest requests, on the card
hlog=$BED_OUT/driver-hostile.log
if /usr/bin/python3 "$(dirname "$0")/../gpu-driver.py" hostile \
        --qemu "$BED_QEMU" --qemu-arg=-display \
        --qemu-arg="kms,device=$card,mode=$mode" > "$hlog" 2>&1; then
    bed_result PASS hostile "$(grep -c '^ok ' "$hlog") cases"
else
    bed_result FAIL hostile "$(grep -m1 '^not ok' "$hlog" ||
                               tail -n 1 "$hlog")"
fi
# and with blob resources (the host has no /dev/udmabuf: only here)
hlog=$BED_OUT/driver-hostile-blob.log
if /usr/bin/python3 "$(dirname "$0")/../gpu-driver.py" hostile --blob \
        --qemu "$BED_QEMU" --qemu-arg=-display \
        --qemu-arg="kms,device=$card,mode=$mode" > "$hlog" 2>&1; then
    bed_result PASS hostile-blob "$(grep -c '^ok ' "$hlog") cases"
else
    bed_result FAIL hostile-blob "$(grep -m1 '^not ok' "$hlog" ||
                                    tail -n 1 "$hlog")"
fi

# g: refusals.  refused NAME WANT -display-OPTION: QEMU must exit 1 within
# 30 s and say WANT (a grep -E pattern)
refused()
{
    local name=$1 want=$2 rc=0 elog=$BED_OUT/refused-$1.log
    timeout 30 "$BED_QEMU" -M rcar-virt -m 256 -accel qtest -nodefaults \
        -device virtio-gpu-device -display "$3" > "$elog" 2>&1 || rc=$?
    if [ "$rc" = 1 ] && grep -qE "$want" "$elog"; then
        bed_result PASS "refused-$name"
    else
        bed_result FAIL "refused-$name" "exit $rc, wanted exit 1 and" \
            "/$want/: $(head -c 300 "$elog" | tr '\n' ' ')"
    fi
}
refused connector 'has no connector HDMI-A-9' \
    "kms,device=$card,connector.0=HDMI-A-9"
refused mode 'has no mode 123x45; it offers: .*1024x768' \
    "kms,device=$card,mode=123x45"
refused mode-syntax 'mode=big is not WxH' "kms,device=$card,mode=big"
refused not-card 'is not a DRM device' "kms,device=/dev/null"

# d, e: leases
cat > "$policy" <<POLICY
# kms-bed/scenarios/display.sh
allow uid:0 Virtual-1
allow uid:0 Virtual-2
POLICY
start_lessor()
{
    local i

    "$BED_TOOLS/kms-lessord" -d "$card" -s "$sock" -p "$policy" -v \
        2>> "$dlog" &
    lessor=$!
    for ((i = 0; i < 100; i++)); do
        [ -S "$sock" ] && return 0
        kill -0 "$lessor" 2> /dev/null || break
        sleep 0.1
    done
    bed_result FAIL lessor-start "no socket $sock: $(tail -n 1 "$dlog")"
    return 1
}
start_lessor || exit 1
refused master 'another program .* is the card.s DRM master' \
    "kms,device=$card"
refused lease-enoent 'the lessor refused HDMI-A-9: ENOENT' \
    "kms,lease=$sock,connector.0=HDMI-A-9"

lease_qemu()
{
    bed_driver_start "$1" --qemu-arg=-name --qemu-arg="bed-$1" \
        --qemu-arg=-display \
        --qemu-arg="kms,lease=$sock,connector.0=$2,mode=$mode" \
        --qemu-log "$BED_OUT/qemu-$1.log" --head "0:$3:$mode"
}
if ! lease_qemu lease1 Virtual-1 5; then
    bed_result FAIL lease1-start "$(tail -n 2 "$BED_OUT/driver-lease1.log" |
                                   tr '\n' ' ')"
    exit 1
fi
pids+=("$bed_pid")
if ! lease_qemu lease2 Virtual-2 6; then
    bed_result FAIL lease2-start "$(tail -n 2 "$BED_OUT/driver-lease2.log" |
                                   tr '\n' ' ')"
    exit 1
fi
pids+=("$bed_pid")
bed_result PASS leases-start
sleep 1
bed_shot leases 0,1
bed_check leases 0 5 "$mode"
bed_check leases 1 6 "$mode"

# d: the first QEMU dies; its output is leased again
pkill -KILL -f -- '-name bed-lease1' || true
bed_driver_stop "${pids[0]}" || true
pids[0]=""
if bed_pattern_start Virtual-1 7 --lease "$sock"; then
    pids[0]=$bed_pid
    bed_shot reclaimed 0,1
    bed_check reclaimed 0 7 "$bed_size"
    bed_check reclaimed 1 6 "$mode"
else
    bed_result FAIL reclaimed "kms-pattern could not lease Virtual-1" \
        "after its QEMU was killed"
fi

# e: the lessor dies; QEMU lives on and shows its picture again when a
# new lessor is up
kill -KILL "$lessor"
wait "$lessor" 2> /dev/null || true
lessor=""
rm -f "$sock"
if [ -n "${pids[0]}" ]; then
    bed_pattern_stop "${pids[0]}" || true   # it lost its lease too
    pids[0]=""
fi
for ((i = 0; i < 100; i++)); do
    grep -q "display $sock lost" "$BED_OUT/qemu-lease2.log" && break
    sleep 0.1
done
if grep -q "display $sock lost" "$BED_OUT/qemu-lease2.log" &&
   kill -0 "${pids[1]}" 2> /dev/null; then
    bed_result PASS lessor-lost
else
    bed_result FAIL lessor-lost "QEMU did not report the lost lease or" \
        "died: $(tail -n 2 "$BED_OUT/qemu-lease2.log" | tr '\n' ' ')"
fi
start_lessor || exit 1
for ((i = 0; i < 100; i++)); do
    grep -q "display $sock is back" "$BED_OUT/qemu-lease2.log" && break
    sleep 0.1
done
if grep -q "display $sock is back" "$BED_OUT/qemu-lease2.log"; then
    bed_result PASS lessor-back
    sleep 1
    bed_shot lessor-back 1
    bed_check lessor-back 1 6 "$mode"
else
    bed_result FAIL lessor-back "QEMU did not lease Virtual-2 again in 10 s"
fi
if bed_driver_stop "${pids[1]}"; then
    bed_result PASS lease2-exit
else
    bed_result FAIL lease2-exit "$(tail -n 2 "$BED_OUT/driver-lease2.log" |
                                   tr '\n' ' ')"
fi
pids=()

# r: the card is removed and comes back; the lessor holds card0 first
if [ -n "$lessor" ]; then
    kill "$lessor"
    wait "$lessor" || true
    lessor=""
fi
drv=/sys/bus/virtio/drivers/virtio_gpu
dev=$(cd "$drv" && echo virtio*)     # the device virtio_gpu drives
rlog=$BED_OUT/qemu-removed.log
if bed_driver_start removed --qemu-log "$rlog" \
        --qemu-arg=-display --qemu-arg="kms,device=$card,mode=$mode" \
        --head "0:3:$mode"; then
    pids+=("$bed_pid")
    echo "$dev" > "$drv/unbind"
    if wait_log "$rlog" "display $card lost: the device was removed" &&
            sleep 1 && kill -0 "${pids[0]}"; then
        bed_result PASS removed
    else
        bed_result FAIL removed "QEMU did not report the removed card or" \
            "died: $(tail -n 2 "$rlog" | tr '\n' ' ')"
    fi
    echo "$dev" > "$drv/bind"
    if wait_log "$rlog" "display $card is back"; then
        bed_result PASS card-back
        sleep 1
        bed_shot card-back 0
        bed_check card-back 0 3 "$mode"
    else
        bed_result FAIL card-back "QEMU did not open $card again in 10 s" \
            "(/dev/dri has: $(cd /dev/dri && echo *))"
    fi
    if bed_driver_stop "${pids[0]}"; then
        bed_result PASS removed-exit
    else
        bed_result FAIL removed-exit "$(tail -n 2 "$BED_OUT/driver-removed.log" |
                                        tr '\n' ' ')"
    fi
    pids=()
else
    bed_result FAIL removed-start "$(tail -n 2 "$BED_OUT/driver-removed.log" |
                                     tr '\n' ' ')"
fi
