#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Live migration, savevm/loadvm and refused migrations of rcar-virt, with
# a real guest writing to its disk throughout (docs/MIGRATION.md).
#
# Usage: scripts/migration-test.sh [--qemu BIN] [--kernel 6.1|6.12]
#                                  [--only NAME,...] [--keep]
#
# Tests (NAME):
#   h3 m3w e3 v4h s4   live migration of that preset between two QEMU
#                      processes (TCG) over a unix socket: virtio-mmio blk
#                      (raw image), net (-nic user), virtio-serial with a
#                      virtconsole, virtio-gpu and virtio-rng.  The guest
#                      (guest/init, check migwrite) writes a known
#                      sequence of 1 MiB blocks to the disk, the host
#                      migrates it mid-way and the destination carries
#                      on: the writes finish there, then the net, hvc,
#                      rng and drm checks run on the destination and the
#                      guest powers off.  The image must hold the sequence
#                      byte for byte.
#   savevm             h3 with a qcow2 disk: savevm snap1 while the guest
#                      writes, let it write on, loadvm snap1: the guest
#                      resumes from the snapshot (its block numbers go
#                      back), finds the blocks written after the snapshot
#                      gone from the disk, writes them again and ends with
#                      the full sequence; the snapshot's own disk holds
#                      the blocks written before it and nothing after.
#   refuse             an h3 guest writing to its disk is migrated into
#                      soc=m3w and into an h3 without virtio-gpu: both
#                      destinations must refuse the stream with a message,
#                      and the source must keep running and finish.
#   refuse-cores       a paused e3 (2x Cortex-A53) into m3n (2x Cortex-A57,
#                      same CPU count and GIC): must be refused as well.
#
# Prints PASS: migration/NAME, FAIL: migration/NAME (why) or SKIP: ...
# lines; exit status 1 if anything failed.  Every QEMU runs under a
# timeout and every wait has a deadline.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=guest-lib.sh
. "$RCAR_TOP/scripts/guest-lib.sh"

all_tests="h3 m3w e3 v4h s4 savevm refuse refuse-cores"
# The CPU count each preset implies (docs/system/arm/rcar-virt.rst)
declare -A preset_smp=([h3]=8 [m3w]=6 [m3n]=2 [e3]=2 [v3h]=4 [v4h]=4 [s4]=8)
# Blocks (MiB) the migrating guest writes, and its pause after each (ms):
# the migration starts at block 1 and takes about a second, a block about
# 0.6 s under TCG here.  64 MiB on h3 and s4 (8 CPUs each), 32 elsewhere,
# to keep the whole run near 4 minutes on 2 cores.
declare -A preset_blocks=([h3]=64 [s4]=64)
mig_blocks=32
mig_sleep=50
mem=512M
vm_timeout=240

qemu=$OUT_DIR/bin/qemu-system-aarch64
kernel=6.12
only=""
keep=0

usage()
{
    sed -n '/^# Usage:/,/^# Prints/p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 1
}

while [ "$#" -gt 0 ]; do
    case "$1" in
    --qemu) [ "$#" -ge 2 ] || usage; qemu=$2; shift 2 ;;
    --kernel) [ "$#" -ge 2 ] || usage; kernel=$2; shift 2 ;;
    --only) [ "$#" -ge 2 ] || usage; only=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
    esac
done
[ -x "$qemu" ] || die "no QEMU at $qemu; build it (make) or pass --qemu"
qemu_img=$(dirname "$qemu")/qemu-img
[ -x "$qemu_img" ] || qemu_img=$(command -v qemu-img) ||
    die "qemu-img is missing (make builds it in out/bin)"
command -v python3 >/dev/null || die "python3 is missing"
for t in ${only//,/ }; do
    [[ " $all_tests " == *" $t "* ]] ||
        die "unknown test '$t'; known: $all_tests"
done

assets=$(guest_assets "$kernel")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rcar-mig.XXXXXX")
case "$tmp" in
*,*) die "scratch directory $tmp has a comma; set TMPDIR" ;;
esac

pids=()
cleanup()
{
    local p
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    if [ "$keep" = 1 ]; then
        say "kept $tmp"
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT

# The host-side helpers: QMP, and the disk images against the sequence
# guest/init's mig_block writes.
cat > "$tmp/helper.py" <<'EOF'
import json, os, socket, sys, time

def qmp(path, cmd, args):
    deadline = time.time() + 10
    while True:
        try:
            s = socket.socket(socket.AF_UNIX)
            s.settimeout(120)
            s.connect(path)
            break
        except OSError:
            s.close()
            if time.time() > deadline:
                print("cannot connect to QMP socket %s" % path)
                return 2
            time.sleep(0.2)
    f = s.makefile("rw")
    json.loads(f.readline())
    for m in ({"execute": "qmp_capabilities"},
              {"execute": cmd, "arguments": args}):
        f.write(json.dumps(m) + "\n")
        f.flush()
        while True:
            line = f.readline()
            if not line:
                print("QMP connection closed")
                return 2
            r = json.loads(line)
            if "return" in r or "error" in r:
                break
        if "error" in r:
            print(r["error"].get("desc", r["error"]))
            return 1
    print(json.dumps(r["return"]))
    return 0

def block(k, n):
    line = ("rcar-migwrite block %05d of %05d " % (k, n)).ljust(63, ".")
    return ((line + "\n") * 16384).encode()

MIB = 1 << 20

def image(path, n, lo=None, hi=None):
    # every block equal to the sequence; with lo and hi (a snapshot's
    # disk): blocks below lo as the sequence, from hi on zeros, the
    # blocks between either
    size = os.path.getsize(path)
    if size != n * MIB:
        print("the image has %d bytes, not %d MiB" % (size, n))
        return 1
    with open(path, "rb") as f:
        for k in range(n):
            got = f.read(MIB)
            want = block(k, n)
            if lo is not None and k >= lo:
                if k < hi:
                    continue
                want = bytes(MIB)
            if got != want:
                what = got[:34].decode("ascii", "replace")
                if got == bytes(MIB):
                    what = "zeros"
                elif got[:34] != want[:34]:
                    what = "'%s...'" % what
                else:
                    what = "the right header but other bytes"
                print("block %d of %d holds %s, not %s" % (
                    k, n, what, "zeros" if lo is not None and k >= hi
                    else "its sequence"))
                return 1
    return 0

if sys.argv[1] == "qmp":
    sys.exit(qmp(sys.argv[2], sys.argv[3],
                 json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}))
if sys.argv[1] == "image":
    sys.exit(image(sys.argv[2], int(sys.argv[3]),
                   *[int(a) for a in sys.argv[4:6]]))
EOF

# qmp SOCKET COMMAND [ARGS-JSON]: run a QMP command, print its return
# value as JSON (or the error); status 1 on a QMP error, 2 if QEMU is gone
qmp()
{
    python3 "$tmp/helper.py" qmp "$@"
}

# hmp SOCKET COMMAND-LINE: an HMP command through QMP; prints its output
hmp()
{
    local out
    out=$(qmp "$1" human-monitor-command \
        "{\"command-line\": \"$2\"}") || { echo "$out"; return 1; }
    python3 -c 'import json, sys; print(json.loads(sys.argv[1]), end="")' \
        "$out"
}

# json_field JSON KEY: a top-level string or number of a JSON object
json_field()
{
    python3 -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], ""))' \
        "$1" "$2" 2>/dev/null || true
}

# vm_start DIR ROLE SOC DISK FORMAT CMDLINE [QEMU OPTION...]: start a
# guest in the background, its files DIR/ROLE.*; sets vm_pid
vm_start()
{
    local dir=$1 role=$2 soc=$3 disk=$4 fmt=$5 cmdline=$6
    shift 6
    # shellcheck disable=SC2054 # commas inside QEMU options
    local args=(-M "rcar-virt,soc=$soc" -smp "${preset_smp[$soc]}"
                -m "$mem" -display none -monitor none
                -chardev "file,id=con,path=$dir/$role.console"
                -serial chardev:con
                -qmp "unix:$dir/$role.qmp,server=on,wait=off"
                -kernel "$assets/vmlinuz" -initrd "$assets/initrd.gz"
                -append "console=ttyAMA0 quiet rcar.mode=check $cmdline"
                -nic user
                -device virtio-serial -device virtconsole,chardev=hvc
                -chardev "file,id=hvc,path=$dir/$role.hvc"
                "$@"
                -drive "if=virtio,file=$disk,format=$fmt")
    printf '%q ' "$qemu" "${args[@]}" > "$dir/$role.cmd"
    echo >> "$dir/$role.cmd"
    timeout -k 5 "$vm_timeout" "$qemu" "${args[@]}" \
        < /dev/null > "$dir/$role.log" 2>&1 &
    vm_pid=$!
    pids+=("$vm_pid")
    echo "$vm_pid" > "$dir/$role.pid"
}

# vm_wait PID SECS: wait for a guest's QEMU to exit; sets vm_rc to its
# status (124 if it had to be killed)
vm_wait()
{
    local pid=$1 end=$((SECONDS + $2))
    vm_rc=0
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$end" ]; do
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        vm_rc=124
        return
    fi
    wait "$pid" 2>/dev/null || vm_rc=$?
}

# console FILE: a console log without carriage returns
console()
{
    tr -d '\r' 2>/dev/null < "$1" || true
}

# blocks FILE: the block numbers the guest announced, one a line
blocks()
{
    console "$1" | sed -n 's/^RCAR-MIGWRITE block \([0-9]*\)$/\1/p'
}

# wait_block FILE K SECS PID: wait until the guest announced block K or
# later; status 1 if it did not in time or its QEMU exited
wait_block()
{
    local end=$((SECONDS + $3)) b
    while [ "$SECONDS" -lt "$end" ]; do
        b=$(blocks "$1" | tail -n 1)
        [ -n "$b" ] && [ "$b" -ge "$2" ] && return 0
        kill -0 "$4" 2>/dev/null || return 1
        sleep 0.3
    done
    return 1
}

# migrate SRC-QMP DST-QMP SOCKET: start an incoming migration on the
# destination (-incoming defer) and migrate the source into it, both with
# the return path so that the source learns about a failure on the
# destination; wait up to 90 s.  Prints the source's final query-migrate.
migrate()
{
    local src=$1 dst=$2 uri=unix:$3 caps r st end=$((SECONDS + 90))
    caps='{"capabilities": [{"capability": "return-path", "state": true}]}'
    qmp "$dst" migrate-set-capabilities "$caps" > /dev/null &&
    qmp "$dst" migrate-incoming "{\"uri\": \"$uri\"}" > /dev/null &&
    qmp "$src" migrate-set-capabilities "$caps" > /dev/null &&
    qmp "$src" migrate-set-parameters '{"max-bandwidth": 4294967296}' \
        > /dev/null &&
    qmp "$src" migrate "{\"uri\": \"$uri\"}" > /dev/null || return 1
    while [ "$SECONDS" -lt "$end" ]; do
        r=$(qmp "$src" query-migrate) || break
        st=$(json_field "$r" status)
        case "$st" in
        completed|failed|cancelled) break ;;
        esac
        sleep 0.3
    done
    echo "$r"
}

# guest_results CONSOLE CHECK...: why the guest's checks did not all
# pass on CONSOLE (nothing if they did)
guest_results()
{
    local con=$1 c line
    shift
    if ! console "$con" | grep -qx RCAR-DONE; then
        echo "the guest never printed RCAR-DONE"
        return
    fi
    for c in "$@"; do
        line=$(console "$con" | awk -v c="$c" \
            '$1 == "RCAR-CHECK" && $2 == c' | head -n 1)
        case "$line" in
        "RCAR-CHECK $c PASS"*) ;;
        "") echo "the guest printed no result for $c"; return ;;
        *) echo "guest: ${line#RCAR-CHECK }"; return ;;
        esac
    done
}

# hvc_ok CONSOLE HVC: the hvc token of CONSOLE arrived in the chardev HVC
hvc_ok()
{
    local tok
    tok=$(console "$1" | sed -n 's/^RCAR-CHECK hvc PASS token=\([0-9a-f]*\).*/\1/p')
    [ -n "$tok" ] && console "$2" | grep -qx "RCAR-HVC $tok"
}

# first_error LOG: QEMU's messages in LOG on one line
first_error()
{
    grep -v '^$' "$1" 2>/dev/null | head -n 3 | paste -sd';' - |
        sed 's/qemu-system-aarch64: //g; s/;/; /g'
}

failures=0
declare -a summary=()
report()
{
    # report NAME PASS|FAIL|SKIP [WHY] [SECONDS]
    local line
    case "$2" in
    PASS) line="PASS: migration/$1" ;;
    *) line="$2: migration/$1 ($3)" ;;
    esac
    [ "$2" = FAIL ] && failures=$((failures + 1))
    echo "$line"
    summary+=("$line")
}

wanted()
{
    [ -z "$only" ] || [[ ",$only," == *",$1,"* ]]
}

# --- live migration of each preset ------------------------------------
test_preset()
{
    local soc=$1 dir=$tmp/$1 n=${preset_blocks[$1]:-$mig_blocks} t0=$SECONDS
    local checks=(migwrite net hvc rng drm) cmdline r st why="" src dst rc
    local last first dstatus sstatus
    mkdir -p "$dir"
    truncate -s "${n}M" "$dir/disk.img"
    cmdline="rcar.checks=$(IFS=,; echo "${checks[*]}") rcar.migblocks=$n rcar.migsleep=$mig_sleep"
    vm_start "$dir" src "$soc" "$dir/disk.img" raw "$cmdline" \
        -device virtio-gpu -device virtio-rng
    src=$vm_pid
    vm_start "$dir" dst "$soc" "$dir/disk.img" raw "$cmdline" \
        -device virtio-gpu -device virtio-rng -incoming defer
    dst=$vm_pid
    if ! wait_block "$dir/src.console" 1 120 "$src"; then
        why="the source guest did not start writing within 120s:"
        why+=" $(first_error "$dir/src.log")"
    else
        say "$soc: guest writing at $((SECONDS - t0))s, migrating"
        r=$(migrate "$dir/src.qmp" "$dir/dst.qmp" "$dir/mig.sock") || true
        st=$(json_field "$r" status)
        if [ "$st" != completed ]; then
            why="migration ended '$st': $(json_field "$r" error-desc)"
            why+="; destination: $(first_error "$dir/dst.log")"
        else
            say "$soc: migrated at $((SECONDS - t0))s (total-time" \
                "$(json_field "$r" total-time) ms, downtime" \
                "$(json_field "$r" downtime) ms)"
            sstatus=$(json_field "$(qmp "$dir/src.qmp" query-status)" status)
            # The destination runs once the stream is in (no -S)
            for _ in 1 2 3 4 5 6 7 8 9 10; do
                dstatus=$(json_field "$(qmp "$dir/dst.qmp" query-status)" \
                          status)
                [ "$dstatus" = inmigrate ] || break
                sleep 0.5
            done
            qmp "$dir/src.qmp" quit > /dev/null || true
            vm_wait "$dst" $((n + 120))
            rc=$vm_rc
            vm_wait "$src" 10
            last=$(blocks "$dir/src.console" | tail -n 1)
            first=$(blocks "$dir/dst.console" | head -n 1)
            if [ "$dstatus" != running ] || [ "$sstatus" != postmigrate ]
            then
                why="after the migration the destination is '$dstatus' (not"
                why+=" running), the source '$sstatus' (not postmigrate)"
            elif [ "$rc" != 0 ]; then
                why="the destination QEMU exited with $rc (after migration,"
                why+=" status was '$dstatus'): $(first_error "$dir/dst.log")"
            elif [ -z "$first" ] || [ "$last" -ge $((n - 1)) ]; then
                why="the writes did not span the migration (source wrote"
                why+=" up to block $last, destination from '$first')"
            # last+1 is next; last+2 if the switch-over split its line
            elif [ "$first" -gt $((last + 2)) ]; then
                why="the destination guest announced block $first after"
                why+=" the source's last $last"
            elif console "$dir/dst.console" | grep -q 'RCAR-MIGWRITE start'
            then
                why="the guest started over on the destination"
            else
                why=$(guest_results "$dir/dst.console" "${checks[@]}")
                if [ -z "$why" ] && ! hvc_ok "$dir/dst.console" "$dir/dst.hvc"
                then
                    why="the hvc token did not reach the destination's"
                    why+=" virtconsole chardev"
                fi
                [ -n "$why" ] || why=$(python3 "$tmp/helper.py" image \
                                           "$dir/disk.img" "$n") || true
                [ -z "$why" ] || why="$why (source wrote blocks 0-$last)"
            fi
        fi
    fi
    kill "$src" "$dst" 2>/dev/null || true
    say "$soc: done in $((SECONDS - t0))s"
    if [ -z "$why" ]; then
        report "$soc" PASS
    else
        report "$soc" FAIL "$why; logs: $dir"
        keep=1
    fi
}

# --- savevm / loadvm --------------------------------------------------
test_savevm()
{
    local soc=h3 dir=$tmp/savevm n=24 t0=$SECONDS why="" pid out
    local ksnap kmax off first rc
    mkdir -p "$dir"
    "$qemu_img" create -q -f qcow2 "$dir/disk.qcow2" "${n}M"
    vm_start "$dir" vm "$soc" "$dir/disk.qcow2" qcow2 \
        "rcar.checks=migwrite rcar.migblocks=$n rcar.migsleep=100"
    pid=$vm_pid
    local q=$dir/vm.qmp
    if ! wait_block "$dir/vm.console" 3 120 "$pid"; then
        why="the guest did not start writing within 120s:"
        why+=" $(first_error "$dir/vm.log")"
    # Stopped, the console shows where the guest is in the snapshot
    elif ! qmp "$q" stop > /dev/null; then
        why="QMP stop failed"
    else
        ksnap=$(blocks "$dir/vm.console" | tail -n 1)
        out=$(hmp "$q" "savevm snap1" 2>&1) || true
        qmp "$q" cont > /dev/null || true
        if [ -n "$out" ]; then
            why="savevm snap1: $out"
        elif ! hmp "$q" "info snapshots" | grep -q snap1; then
            why="info snapshots does not list snap1 after savevm"
        elif ! wait_block "$dir/vm.console" $((ksnap + 4)) 60 "$pid"; then
            why="the guest did not write on after savevm (at block $ksnap)"
        elif ! qmp "$q" stop > /dev/null; then
            why="QMP stop failed"
        else
            kmax=$(blocks "$dir/vm.console" | tail -n 1)
            off=$(console "$dir/vm.console" | wc -l)
            out=$(hmp "$q" "loadvm snap1" 2>&1) || true
            qmp "$q" cont > /dev/null || true
            say "savevm: snapshot at block $ksnap, loadvm at block $kmax"
            vm_wait "$pid" $((n + 90))
            rc=$vm_rc
            first=$(console "$dir/vm.console" | tail -n +$((off + 1)) |
                    sed -n 's/^RCAR-MIGWRITE block \([0-9]*\)$/\1/p' |
                    head -n 1)
            if [ -n "$out" ]; then
                why="loadvm snap1: $out"
            elif [ "$rc" != 0 ]; then
                why="QEMU exited with $rc after loadvm:"
                why+=" $(first_error "$dir/vm.log")"
            # K+1 is next; K+2 if the stop split the line of K+1
            elif [ -z "$first" ] || [ "$first" -lt "$ksnap" ] ||
                 [ "$first" -gt $((ksnap + 2)) ]; then
                why="after loadvm the guest announced block '$first', not"
                why+=" $ksnap to $((ksnap + 2)) (snapshot at $ksnap,"
                why+=" loadvm at $kmax)"
            else
                why=$(guest_results "$dir/vm.console" migwrite)
                [ -n "$why" ] || why=$(
                    "$qemu_img" convert -O raw "$dir/disk.qcow2" \
                        "$dir/final.raw" 2>&1 &&
                    python3 "$tmp/helper.py" image "$dir/final.raw" "$n"
                    ) || true
                [ -n "$why" ] || why=$(
                    "$qemu_img" convert -l snapshot.name=snap1 -O raw \
                        "$dir/disk.qcow2" "$dir/snap1.raw" 2>&1 &&
                    python3 "$tmp/helper.py" image "$dir/snap1.raw" "$n" \
                        $((ksnap + 1)) $((ksnap + 3)) |
                        sed 's/^/in snap1: /') || true
                [ -z "$why" ] ||
                    why="$why (snapshot at block $ksnap, loadvm at $kmax)"
            fi
        fi
    fi
    kill "$pid" 2>/dev/null || true
    say "savevm: done in $((SECONDS - t0))s"
    if [ -z "$why" ]; then
        report savevm PASS
    else
        report savevm FAIL "$why; logs: $dir"
        keep=1
    fi
}

# --- refused migrations -----------------------------------------------
# refuse_into DIR NAME SRC-QMP SOC [QEMU OPTION...]: migrate the source
# into a destination SOC started with the options; sets refuse_why to why
# that was not a clean refusal (empty if it was) and refuse_msg to the
# destination's message
refuse_into()
{
    local dir=$1 name=$2 srcq=$3 soc=$4 r st dst rc sst
    shift 4
    refuse_why=""
    refuse_msg=""
    : "${refuse_src_state:=running}"
    vm_start "$dir" "$name" "$soc" "$dir/disk.img" raw "rcar.checks=none" \
        "$@" -incoming defer
    dst=$vm_pid
    r=$(migrate "$srcq" "$dir/$name.qmp" "$dir/$name.sock") || true
    st=$(json_field "$r" status)
    vm_wait "$dst" 30
    rc=$vm_rc
    refuse_msg=$(first_error "$dir/$name.log")
    sst=$(json_field "$(qmp "$srcq" query-status)" status)
    if [ "$st" = completed ]; then
        refuse_why="the migration completed: the destination accepted it"
        qmp "$srcq" cont > /dev/null || true
    elif [ "$st" != failed ]; then
        refuse_why="the migration ended '$st', not failed"
    elif [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
        refuse_why="the destination did not exit with an error (status $rc)"
    elif [ -z "$refuse_msg" ]; then
        refuse_why="the destination gave no message"
    elif [ "$sst" != "$refuse_src_state" ]; then
        refuse_why="after the failed migration the source is '$sst'"
    fi
    kill "$dst" 2>/dev/null || true
}

test_refuse()
{
    local dir=$tmp/refuse n=24 t0=$SECONDS why="" src rc k1 k2 line want
    mkdir -p "$dir"
    truncate -s "${n}M" "$dir/disk.img"
    vm_start "$dir" src h3 "$dir/disk.img" raw \
        "rcar.checks=migwrite rcar.migblocks=$n rcar.migsleep=150" \
        -device virtio-gpu
    src=$vm_pid
    if ! wait_block "$dir/src.console" 1 120 "$src"; then
        why="the source guest did not start writing within 120s:"
        why+=" $(first_error "$dir/src.log")"
        report refuse-h3-to-m3w FAIL "$why"
        report refuse-missing-gpu FAIL "$why"
        report refuse-source-survives FAIL "$why"
        kill "$src" 2>/dev/null || true
        return
    fi
    k1=$(blocks "$dir/src.console" | tail -n 1)
    refuse_into "$dir" m3w "$dir/src.qmp" m3w -device virtio-gpu
    # rcar-virt names the difference, before RAM is copied
    want="the incoming VM is soc=h3,virtualization=off,pcie=off with 8 CPUs,"
    want+=" but this one is soc=m3w,virtualization=off,pcie=off with 6 CPUs"
    if [ -z "$refuse_why" ] && [[ "$refuse_msg" != *"$want"* ]]; then
        refuse_why="the destination did not say '$want'"
    fi
    if [ -z "$refuse_why" ]; then
        report refuse-h3-to-m3w PASS
        echo "  destination soc=m3w said: $refuse_msg"
    else
        report refuse-h3-to-m3w FAIL "$refuse_why; destination: $refuse_msg"
    fi
    refuse_into "$dir" nogpu "$dir/src.qmp" h3
    if [ -z "$refuse_why" ]; then
        report refuse-missing-gpu PASS
        echo "  destination without virtio-gpu said: $refuse_msg"
    else
        report refuse-missing-gpu FAIL "$refuse_why; destination: $refuse_msg"
    fi
    vm_wait "$src" $((n + 90))
    rc=$vm_rc
    k2=$(blocks "$dir/src.console" | tail -n 1)
    if [ "$rc" != 0 ]; then
        why="the source QEMU exited with $rc: $(first_error "$dir/src.log")"
    elif [ "$k1" -ge $((n - 1)) ]; then
        why="the guest had finished writing before the attempts"
    else
        why=$(guest_results "$dir/src.console" migwrite)
        [ -n "$why" ] ||
            why=$(python3 "$tmp/helper.py" image "$dir/disk.img" "$n") ||
            true
    fi
    line=$(console "$dir/src.console" | grep -m1 '^RCAR-CHECK migwrite' || true)
    say "refuse: attempts from block $k1, guest ended at block $k2: $line"
    say "refuse: done in $((SECONDS - t0))s"
    if [ -z "$why" ]; then
        report refuse-source-survives PASS
    else
        report refuse-source-survives FAIL "$why; logs: $dir"
        keep=1
    fi
}

# A paused e3 source (-S): the CPU state alone must not fit an m3n
test_refuse_cores()
{
    local dir=$tmp/refuse-cores src want
    mkdir -p "$dir"
    truncate -s 1M "$dir/disk.img"
    vm_start "$dir" src e3 "$dir/disk.img" raw "rcar.checks=none" -S
    src=$vm_pid
    refuse_src_state=prelaunch
    refuse_into "$dir" m3n "$dir/src.qmp" m3n
    refuse_src_state=running
    want="the incoming VM is soc=e3,virtualization=off,pcie=off with 2 CPUs,"
    want+=" but this one is soc=m3n,virtualization=off,pcie=off with 2 CPUs"
    if [ -z "$refuse_why" ] && [[ "$refuse_msg" != *"$want"* ]]; then
        refuse_why="the destination did not say '$want'"
    fi
    if [ -z "$refuse_why" ]; then
        report refuse-e3-to-m3n PASS
        echo "  destination soc=m3n said: $refuse_msg"
    else
        report refuse-e3-to-m3n FAIL "$refuse_why; destination: $refuse_msg"
    fi
    kill "$src" 2>/dev/null || true
}

start=$SECONDS
for soc in h3 m3w e3 v4h s4; do
    wanted "$soc" && test_preset "$soc"
done
wanted savevm && test_savevm
wanted refuse && test_refuse
wanted refuse-cores && test_refuse_cores
say "all done in $((SECONDS - start))s"
[ "$failures" -eq 0 ]
