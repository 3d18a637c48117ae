#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# KMS bed scenario: the real lease daemon, lessor/kms-lessord, on the
# bed's card0, with kms-pattern as its clients.
#
# a. a client that drops its lease fd, then its connection, must not end
#    another client's lease; two clients lease Virtual-1 and Virtual-2
#    and draw patterns 4 and 6, checked pixel for pixel;
# b. refusals: an unknown connector (ENOENT), a leased one (EBUSY), a
#    client the policy does not allow (EPERM, run as nobody);
# c. Virtual-1's client is killed with SIGKILL: the daemon revokes its
#    lease and a new client leases Virtual-1 and draws pattern 7, while
#    Virtual-2 keeps pattern 6;
# d. hostile clients (kms-bed/lessor-client.py): garbage, an over-long
#    line, half requests, a silent connection until the 5 s timeout, 70
#    connections at once; the daemon lives on and LIST still answers;
# e. SIGTERM: the daemon exits 0, removes its socket and both clients
#    see their leases end.
# Needs two outputs (kms-bed.sh's default).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=../bed-lib.sh
. "$(dirname "$0")/../bed-lib.sh"

sock=/tmp/kms-lessord.sock
policy=/tmp/kms-lessord.policy
dlog=$BED_OUT/kms-lessord.log
python=/usr/bin/python3
client=$(dirname "$0")/../lessor-client.py
max_clients=64      # kms-lessord's connection limit

lessor=""
pids=()             # the held kms-pattern of Virtual-1, of Virtual-2
declare -A size     # their mode, WxH, by connector
cleanup()
{
    local p

    for p in "${pids[@]}" ${lessor:+"$lessor"}; do
        kill "$p" 2> /dev/null || true
    done
}
trap cleanup EXIT

# The policy check runs a client as nobody, which needs setpriv and the
# socket's group (--group) to be nobody's
as_nobody=()
group_opt=()
nobody_why=""
nogroup=$(getent group 65534 | cut -d: -f1 || true)
if ! command -v setpriv > /dev/null; then
    nobody_why="the host root has no setpriv (util-linux)"
elif [ -z "$nogroup" ]; then
    nobody_why="the host root has no group 65534"
else
    as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
    group_opt=(--group "$nogroup")
fi

# Root may lease both outputs, nobody else anything
cat > "$policy" <<EOF
# kms-bed/scenarios/lease.sh
allow uid:0 Virtual-1
allow uid:0 Virtual-2
EOF

"$BED_TOOLS/kms-lessord" -d /dev/dri/card0 -s "$sock" -p "$policy" -v \
    "${group_opt[@]}" 2> "$dlog" &
lessor=$!
for ((i = 0; i < 100; i++)); do
    [ -S "$sock" ] && grep -q 'leasing connectors of' "$dlog" && break
    if ! kill -0 "$lessor" 2> /dev/null; then
        wait "$lessor" || true
        lessor=""
        bed_result FAIL daemon-start "kms-lessord exited:" \
            "$(tail -n 1 "$dlog")"
        exit 1
    fi
    sleep 0.1
done
if [ ! -S "$sock" ]; then
    bed_result FAIL daemon-start "no socket $sock after 10 s"
    exit 1
fi
bed_result PASS daemon-start

# check_list CHECK STATE1 STATE2 ALLOWED [COMMAND PREFIX...]: LIST 1 (run
# under the prefix) lists Virtual-1 and Virtual-2, connected (the bed
# forces Virtual-2 on), free or leased as STATE1 and STATE2, and ALLOWED
# (allowed or denied) for that client
check_list()
{
    local check=$1 want out rc=0

    want=$(printf 'CONNECTOR Virtual-1 connected %s %s\n' "$2" "$4"
           printf 'CONNECTOR Virtual-2 connected %s %s\n' "$3" "$4"
           echo END)
    shift 4
    out=$("$@" "$python" "$client" list "$sock" 2>&1) || rc=$?
    if [ "$rc" = 0 ] && [ "$out" = "$want" ]; then
        bed_result PASS "$check"
    else
        bed_result FAIL "$check" "exit status $rc, reply:" \
            "$(tr '\n' '|' <<< "$out")"
    fi
}

# lease_start CONNECTOR PATTERN: kms-pattern --hold on a lease of
# CONNECTOR; checks that the client got what the daemon logged, cursor
# plane included.
# Adds the client to pids, sets size[CONNECTOR] and lessee (the lessee
# ID); exits the scenario if no lease came.
lease_start()
{
    local conn=$1 log=$BED_OUT/kms-pattern-$1.log line c r p u want logged

    if ! bed_pattern_start "$conn" "$2" --lease "$sock"; then
        bed_result FAIL "lease-$conn" "$(tail -n 1 "$log")"
        exit 1
    fi
    pids+=("$bed_pid")
    size[$conn]=$bed_size
    # LEASE-GRANTED lessee=L connector=C crtc=R plane=P cursor=U
    line=$(grep -m1 '^LEASE-GRANTED ' "$log" || true)
    read -r _ lessee c r p u <<< "$line"
    lessee=${lessee#lessee=}
    want="leased $conn as lessee $lessee: connector ${c#*=} CRTC ${r#*=}"
    want+=" plane ${p#*=} cursor ${u#*=};"
    logged=$(grep "leased $conn as lessee" "$dlog" | tail -n 1 || true)
    if [ -z "$line" ] || [[ "$logged" != *"$want"* ]]; then
        bed_result FAIL "lease-$conn" "kms-pattern got '$line', the" \
            "daemon logged '$logged'"
    elif [ "${u#*=}" = 0 ]; then
        # virtio-gpu has a cursor plane for each CRTC
        bed_result FAIL "lease-$conn" "no cursor plane: $line"
    else
        bed_result PASS "lease-$conn" "$line"
    fi
}

# refused CHECK CODE CONNECTOR [COMMAND PREFIX...]: kms-pattern (run under
# the prefix) asks for CONNECTOR and must be refused with ERR CODE
refused()
{
    local check=$1 code=$2 conn=$3 rc=0 out

    shift 3
    out=$("$@" "$BED_TOOLS/kms-pattern" --lease "$sock" --connector "$conn" \
          --pattern 1 2>&1) || rc=$?
    if [ "$rc" = 2 ] && [[ "$out" == *"the lessor refused: ERR $code "* ]]
    then
        bed_result PASS "$check" "${out#*refused: }"
    else
        bed_result FAIL "$check" "kms-pattern exited with $rc, not 2 and" \
            "ERR $code: $out"
    fi
}

# shot_check NAME PATTERN0 PATTERN1: screendump both heads, compare them
# with the patterns at the clients' modes
shot_check()
{
    if bed_shot "$1" 0,1; then
        bed_check "$1" 0 "$2" "${size[Virtual-1]}"
        bed_check "$1" 1 "$3" "${size[Virtual-2]}"
    else
        bed_result FAIL "$1" "no screendump"
    fi
}

# run_client PREFIX ARGS...: kms-bed/lessor-client.py ARGS; each line
# "PASS|FAIL CHECK WHY" it prints becomes the result PREFIX<CHECK>
run_client()
{
    local prefix=$1 out rc=0 status check why

    shift
    out=$("$python" "$client" "$@" 2>&1) || rc=$?
    while read -r status check why; do
        case "$status" in
        PASS|FAIL) bed_result "$status" "$prefix$check" "$why" ;;
        esac
    done <<< "$out"
    if [ "$rc" != 0 ] && ! grep -q '^FAIL ' <<< "$out"; then
        bed_result FAIL "${prefix}$1" "lessor-client.py $1 exited with" \
            "$rc: $(tr '\n' '|' <<< "$out")"
    fi
}

# wait_log FILE PATTERN: wait up to 10 s for an extended regex in FILE
wait_log()
{
    local i

    for ((i = 0; i < 100; i++)); do
        grep -Eq "$2" "$1" && return 0
        sleep 0.1
    done
    return 1
}

# --- a. two leases, two patterns
check_list list-start free free allowed
# First, a client that closes its lease fd and disconnects later: its
# revocation must not hit another client's lease (the kernel reuses the
# ID of a lessee whose fds are all closed)
run_client "" reuse "$sock"
check_list list-after-reuse free free allowed
lease_start Virtual-1 4
lease1=$lessee
lease_start Virtual-2 6
shot_check leased 4 6
check_list list-leased leased leased allowed

# --- b. refusals
refused refused-unknown ENOENT Virtual-9
refused refused-leased EBUSY Virtual-1

# --- c. SIGKILL Virtual-1's client: revoked, and leased again
kill -KILL "${pids[0]}"
wait "${pids[0]}" 2> /dev/null || true
mv "$BED_OUT/kms-pattern-Virtual-1.log" \
    "$BED_OUT/kms-pattern-Virtual-1-killed.log"
if wait_log "$dlog" "revoked lessee $lease1 \(Virtual-1\)"; then
    bed_result PASS revoked-on-kill \
        "$(grep -m1 "revoked lessee $lease1 " "$dlog")"
else
    bed_result FAIL revoked-on-kill "no 'revoked lessee $lease1" \
        "(Virtual-1)' in the daemon's log in 10 s"
fi
check_list list-after-kill free leased allowed
if [ -n "$nobody_why" ]; then
    bed_result SKIP refused-policy "$nobody_why"
    bed_result SKIP list-as-nobody "$nobody_why"
else
    # Virtual-1 is free now: only the policy stands in the way
    refused refused-policy EPERM Virtual-1 "${as_nobody[@]}"
    check_list list-as-nobody free leased denied "${as_nobody[@]}"
fi
lease_start Virtual-1 7
pids[0]=${pids[-1]}
unset 'pids[-1]'
shot_check relet 7 6

# --- d. hostile clients
run_client hostile- hostile "$sock" "$((max_clients - ${#pids[@]}))"
if kill -0 "$lessor" 2> /dev/null; then
    bed_result PASS alive-after-hostile
else
    bed_result FAIL alive-after-hostile "kms-lessord died:" \
        "$(tail -n 1 "$dlog")"
    exit 1
fi
check_list list-after-hostile leased leased allowed
shot_check after-hostile 7 6

# --- e. SIGTERM: exit 0, no socket, both leases end
kill -TERM "$lessor"
rc=0
wait "$lessor" || rc=$?
lessor=""
if [ "$rc" = 0 ]; then
    bed_result PASS sigterm-exit
else
    bed_result FAIL sigterm-exit "kms-lessord exited with status $rc"
fi
if [ -e "$sock" ]; then
    bed_result FAIL sigterm-socket "$sock is still there"
else
    bed_result PASS sigterm-socket
fi
if grep -q 'stopped: revoked 2 leases' "$dlog"; then
    bed_result PASS sigterm-revoked
else
    bed_result FAIL sigterm-revoked "no 'stopped: revoked 2 leases' in" \
        "the daemon's log"
fi
conns=(Virtual-1 Virtual-2)
for i in 0 1; do
    log=$BED_OUT/kms-pattern-${conns[i]}.log
    if wait_log "$log" 'the lessor closed the connection'; then
        rc=0
        wait "${pids[i]}" || rc=$?
        bed_result PASS "lease-ended-${conns[i]}" \
            "kms-pattern saw the connection close and exited with $rc"
    else
        bed_result FAIL "lease-ended-${conns[i]}" "kms-pattern did not" \
            "notice in 10 s that the daemon stopped"
    fi
done
pids=()
