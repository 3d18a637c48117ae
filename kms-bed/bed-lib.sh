# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers for the KMS test bed's scenarios, which source this file.  They
# run chrooted into the host root inside the nested Linux, with
# /dev/dri/card0 and these variables (set by scripts/kms-bed.sh's job.sh):
#   BED_OUT    the run's log directory, writable (screendumps land there)
#   BED_TOOLS  where kms-pattern and kms-lessord are
#   BED_RUN    the scenario's name, for messages
# The BED- lines they print on /dev/console are answered by the host's
# kms-bed/watch.py; see docs/KMS-BED.md.
# shellcheck shell=bash disable=SC2034
# (bed_pid and bed_size are set here for the scenarios)

: "${BED_OUT:?not set: run scenarios with scripts/kms-bed.sh}"
: "${BED_TOOLS:?not set: run scenarios with scripts/kms-bed.sh}"

# bed_say LINE: one protocol line on the console
bed_say()
{
    echo "$*" > /dev/console
}

# bed_wait_done NAME SECS: wait for the host's answer to NAME; return 1
# with its reason on stderr if it is an error or does not come
bed_wait_done()
{
    local done=$BED_OUT/$1.done i answer
    for ((i = 0; i < $2 * 10; i++)); do
        if [ -e "$done" ]; then
            read -r answer < "$done" || answer="ERR empty answer"
            [ "$answer" = OK ] && return 0
            echo "bed: $1: ${answer#ERR }" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "bed: $1: no answer from the host in $2 s" >&2
    return 1
}

# bed_shot NAME HEADS: have the host screendump each head of HEADS (a
# comma list such as 0,1) to $BED_OUT/NAME-head<H>.ppm; waits up to 60 s
bed_shot()
{
    rm -f "$BED_OUT/$1.done"
    bed_say "BED-SHOT $1 $2"
    bed_wait_done "$1" 60
}

# bed_qmp NAME JSON: run a QMP command on the outer QEMU; the reply is in
# $BED_OUT/NAME.json afterwards
bed_qmp()
{
    rm -f "$BED_OUT/$1.done"
    bed_say "BED-QMP $1 $2"
    bed_wait_done "$1" 60
}

# bed_check SHOT HEAD PATTERN WxH [rect=X,Y,RW,RH:B | at=X,Y:SWxSH]: the
# host compares SHOT's screendump of HEAD with kms-pattern's PATTERN at WxH
# (result SHOT-head<HEAD>); rect= puts pattern B in a rectangle, at= puts
# the picture at X,Y on a black screen of SWxSH (kms-bed/compare.py)
bed_check()
{
    bed_say "BED-CHECK $1 $2 $3 ${4%x*} ${4#*x}${5:+ $5}"
}

# bed_result PASS|FAIL|SKIP CHECK [WHY...]: a result judged in here
bed_result()
{
    bed_say "BED-RESULT $*"
}

# bed_info TEXT...: a finding for the report, not a result
bed_info()
{
    bed_say "BED-INFO $*"
}

# bed_wait_ready LOG REGEX SECS WHAT: wait until the background program
# bed_pid, writing LOG, prints a line matching REGEX; sets bed_line to it.
# Returns 1, with LOG on stderr, if it exits first or after SECS.
bed_wait_ready()
{
    local i

    for ((i = 0; i < $3 * 10; i++)); do
        bed_line=$(grep -s -m1 -E "$2" "$1" || true)
        [ -n "$bed_line" ] && return 0
        if ! kill -0 "$bed_pid" 2> /dev/null; then
            wait "$bed_pid" || true
            sed 's/^/    /' "$1" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "bed: $4 was not ready in $3 s" >&2
    sed 's/^/    /' "$1" >&2
    return 1
}

# bed_stop PID: stop a held kms-pattern or gpu-driver (and its QEMU);
# returns its exit status
bed_stop()
{
    kill -TERM "$1" 2> /dev/null || true
    wait "$1"
}

# bed_pattern_start CONNECTOR PATTERN [KMS-PATTERN OPTION...]: run
# kms-pattern --hold on CONNECTOR in the background until it has set its
# mode; sets bed_pid (stop it with bed_pattern_stop) and bed_size (WxH).
# Its output is in $BED_OUT/kms-pattern-CONNECTOR.log.  Returns 1, with its
# output on stderr, if it exits or is not ready within 30 s.
bed_pattern_start()
{
    local conn=$1 id=$2 log=$BED_OUT/kms-pattern-$1.log
    shift 2
    "$BED_TOOLS/kms-pattern" --connector "$conn" --pattern "$id" --hold \
        "$@" > "$log" 2>&1 &
    bed_pid=$!
    bed_wait_ready "$log" '^PATTERN-READY ' 30 "kms-pattern on $conn" ||
        return 1
    # PATTERN-READY <connector> <W>x<H> <ID> <buffer kind>
    read -r _ _ bed_size _ <<< "$bed_line"
}

# bed_pattern_stop PID: stop a held kms-pattern; returns its exit status
bed_pattern_stop()
{
    bed_stop "$1"
}

# bed_driver_start NAME GPU-DRIVER-SHOW-OPTION...: run kms-bed/gpu-driver.py
# show --hold (our QEMU, $BED_QEMU, with a qtest-driven virtio-gpu) in the
# background until it prints DRIVER-READY; sets bed_pid (stop it with
# bed_driver_stop).  Its output is in $BED_OUT/driver-NAME.log.  Returns 1,
# with that output on stderr, if it exits or is not ready within 120 s.
bed_driver_start()
{
    local name=$1 log=$BED_OUT/driver-$1.log
    shift
    : "${BED_QEMU:?not set: scripts/kms-bed.sh sets it when out/bin has QEMU}"
    /usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/gpu-driver.py" show \
        --qemu "$BED_QEMU" --hold "$@" < /dev/null > "$log" 2>&1 &
    bed_pid=$!
    bed_wait_ready "$log" '^DRIVER-READY$' 120 "gpu-driver $name"
}

# bed_driver_stop PID: stop a held gpu-driver (and its QEMU); returns its
# exit status
bed_driver_stop()
{
    bed_stop "$1"
}
