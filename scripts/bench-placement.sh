#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make bench-placement: what vCPU placement costs against pinning by hand.
# In one boot of the emulated R-Car H3 host of scripts/kvm-bed.sh, our
# arm64 QEMU boots a Debian 6.1 guest with -cpu cortex-a57 -smp 2 (to a
# poweroff from its /init) in three ways, interleaved:
#   auto     -M rcar-virt                    placement on (the default)
#   taskset  taskset -c 0-3 ... -M rcar-virt,placement=off
#   off      -M rcar-virt,placement=off      unpinned: the scheduler decides
# and prints, for each, how many runs booted, the median, lowest and
# highest boot times, and the ratios of the medians to taskset's.  The
# times are those of an emulated host, shared with whatever else this
# machine runs: compare them with each other, not with real hardware.
# Nothing is asserted; a run that does not boot is counted and shown.
#
# Usage: scripts/bench-placement.sh QEMU_X86 [--runs N] [--kernel 6.1|6.12]
#            [--timeout SECS] [--log-dir DIR] [--ours ARM64_QEMU]
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=guest-lib.sh
. "$RCAR_TOP/scripts/guest-lib.sh"
# shellcheck source=kvm-bed-lib.sh
. "$RCAR_TOP/scripts/kvm-bed-lib.sh"

usage()
{
    cat >&2 <<EOF
usage: ${0##*/} QEMU_X86 [--runs N] [--kernel 6.1|6.12] [--timeout SECS]
           [--log-dir DIR] [--ours ARM64_QEMU]
  QEMU_X86          our x86-64 qemu-system-aarch64 (the emulated host)
  --runs N          boots of each kind (default 3)
  --kernel 6.1|6.12 the emulated host's kernel (default 6.1)
  --timeout SECS    kill the emulated host after SECS (default 2400)
  --log-dir DIR     where the console log stays (default
                    \$RCAR_CACHE/kvm-bed/log-bench-<kernel>)
  --ours ARM64_QEMU our arm64 build (default out/arm64/qemu-system-aarch64)
EOF
    exit 1
}

qemu=""
runs_each=3
kernel=6.1
timeout_s=2400
inner_timeout=150
log=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    -h|--help) usage ;;
    --*) [ "$#" -ge 2 ] || die "$1 needs a value; see ${0##*/} --help" ;;
    *)
        [ -z "$qemu" ] || die "unexpected argument '$1'; see ${0##*/} --help"
        qemu=$1
        shift
        continue
        ;;
    esac
    case "$1" in
    --runs) runs_each=$2 ;;
    --kernel) kernel=$2 ;;
    --timeout) timeout_s=$2 ;;
    --log-dir) log=$2 ;;
    --ours) bed_ours=$2 ;;
    *) die "unknown option $1; see ${0##*/} --help" ;;
    esac
    shift 2
done
[ -n "$qemu" ] || usage
command -v "$qemu" > /dev/null ||
    die "QEMU binary '$qemu' not found or not executable; build it (make)"
case "$kernel" in
6.1|6.12) ;;
*) die "--kernel must be 6.1 or 6.12" ;;
esac
[[ "$runs_each" =~ ^[1-9][0-9]*$ ]] || die "--runs takes a whole number"
[[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds"

kinds=(auto taskset off)
declare -A what=(
    [auto]="-M rcar-virt (placement=auto)"
    [taskset]="taskset -c 0-3 ... -M rcar-virt,placement=off"
    [off]="-M rcar-virt,placement=off, unpinned"
)

log=${log:-$RCAR_CACHE/kvm-bed/log-bench-$kernel}
mkdir -p "$log"
log=$(cd "$log" && pwd)
bed_share=""
trap 'if [ -n "$bed_share" ]; then rm -rf "$bed_share"; fi' EXIT
bed_prepare "$kernel" "$log"
[ "$bed_have_ours" = 1 ] || die "$bed_no_ours"

runs=()
for ((i = 0; i < runs_each; i++)); do
    for k in "${kinds[@]}"; do
        runs+=("bench-$k")
    done
done
bed_boot "$qemu" "$kernel" "$log" "$(IFS=,; echo "${runs[*]}")" \
    "$inner_timeout" "$timeout_s" || true
[ -z "$bed_problem" ] ||
    say "warning: $bed_problem; the table shows the runs that finished"

# stats KIND: "booted total median min max" of the runs of KIND that
# booted, and on a second line why the others did not
stats()
{
    local tag line times=() why=() n=0 msg
    for ((i = 1; i <= runs_each; i++)); do
        tag=bench-$1/$i
        line=$(bed_grep BED "$tag")
        [ -n "$line" ] || continue
        n=$((n + 1))
        if [ "$(bed_field rc "$line")" = 0 ] &&
           [ "$(bed_field "done" "$line")" = 1 ] &&
           [ "$(bed_grep BED-INNER "$tag" | grep -c '^RCAR-CHECK .* PASS')" \
             = 2 ]; then
            times+=("$(bed_field secs "$line")")
        else
            msg=$(bed_grep BED-QEMU "$tag" | head -n 1)
            [ -n "$msg" ] || msg=$(bed_grep BED-LOG "$tag" | tail -n 1)
            why+=("${msg:-status $(bed_field rc "$line")}")
        fi
    done
    if [ "${#times[@]}" -gt 0 ]; then
        printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" '
            { v[NR] = $1 }
            END { m = (NR % 2) ? v[(NR + 1) / 2] \
                               : (v[NR / 2] + v[NR / 2 + 1]) / 2
                  printf "%d %d %.2f %.2f %.2f\n", NR, n, m, v[1], v[NR] }'
    else
        echo "0 $n - - -"
    fi
    if [ "${#why[@]}" -gt 0 ]; then
        printf '%s\n' "${why[@]}" | sort | uniq -c | awk '{ c = $1
            sub(/^ *[0-9]+ /, ""); printf "%s%dx %s", sep, c, $0; sep = "; " }'
    fi
    echo
}

# unit SECONDS: with an s, or - for none
unit()
{
    if [ "$1" = - ]; then
        echo -
    else
        echo "${1}s"
    fi
}

declare -A median
printf '\nboot of a -cpu cortex-a57 -smp 2 guest, by kind of vCPU placement\n'
printf '%-8s %-44s %7s %8s %8s %8s\n' kind "command" booted median \
    lowest highest
notes=()
for k in "${kinds[@]}"; do
    { read -r ok n med lo hi; read -r why; } < <(stats "$k")
    median[$k]=$med
    printf '%-8s %-44s %7s %8s %8s %8s\n' "$k" "${what[$k]}" "$ok/$n" \
        "$(unit "$med")" "$(unit "$lo")" "$(unit "$hi")"
    [ -z "$why" ] || notes+=("$k: not booted: $why")
done
echo
for k in auto off; do
    if [ "${median[$k]}" != - ] && [ "${median[taskset]}" != - ]; then
        printf 'ratio %s/taskset (medians): %.2f\n' "$k" \
            "$(echo "${median[$k]} ${median[taskset]}" |
               awk '{ print $1 / $2 }')"
    else
        echo "ratio $k/taskset: - (one of them never booted)"
    fi
done
[ "${#notes[@]}" -eq 0 ] || printf '%s\n' "${notes[@]}"
echo
echo "seconds from starting QEMU to its exit after the inner guest's" \
     "poweroff; $runs_each runs each, interleaved, in one boot of an" \
     "emulated H3 (Linux ${bed_outer##*/}) taking ${bed_wall}s"
echo "QEMU: $(sed -n 's/^BED-VERSION ours //p' "$bed_console");" \
     "host: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo |
     head -n 1)"

# What placement adds to QEMU's start-up: reading the host topology and
# planning, timed in-process by the unit test's perf case (an H3 tree, a
# soc=h3 guest), plus the two affinity calls per vCPU of the main thread.
echo
unit=$BUILD_DIR/tests/unit/test-rcar-host-cpus
if ninja -C "$BUILD_DIR" tests/unit/test-rcar-host-cpus > /dev/null 2>&1 &&
   perf=$("$unit" -m perf -p /rcar-host-cpus/perf/read-and-plan --verbose \
          2>&1 | sed -n 's/^# min perf: //p') && [ -n "$perf" ]; then
    echo "start-up cost of placement: $perf (goal: under 1 ms)"
else
    echo "start-up cost of placement: not measured ($unit failed)"
fi
