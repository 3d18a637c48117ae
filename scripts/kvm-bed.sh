#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The KVM test bed: prove on an emulated R-Car H3 host (4x Cortex-A57
# cpu0-3 + 4x Cortex-A53 cpu4-7, our x86-64 QEMU under TCG with EL2, so
# its Debian arm64 kernel has /dev/kvm) that Debian's own arm64 QEMU fails
# the way users report when its vCPU thread lands on the wrong cluster,
# and that our arm64 cross-build boots with each vCPU on its cluster.
#
# Usage: scripts/kvm-bed.sh QEMU_X86 --kernel 6.1|6.12 [--timeout SECS]
#            [--inner-timeout SECS] [--unpinned N] [--log-dir DIR]
#            [--ours ARM64_QEMU] [--repeat N]
#
# One boot of the emulated host (kernel 6.1 or 6.12) runs every scenario
# of guest/kvm-bed; the inner guest is always Debian's 6.1 kernel with our
# initramfs checking its CPU count and each CPU's midr_el1.  Prints one
# "PASS: kvm-bed-<kernel>-<scenario>" or "FAIL: kvm-bed-<kernel>-<scenario>:
# <reason>" line per scenario, judged on this side from the console, and
# exits 1 if any failed.  The console log stays in the log directory
# (default $RCAR_CACHE/kvm-bed/log-<kernel>).
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
usage: ${0##*/} QEMU_X86 --kernel 6.1|6.12 [--timeout SECS]
           [--inner-timeout SECS] [--unpinned N] [--log-dir DIR]
           [--ours ARM64_QEMU]
  QEMU_X86              our x86-64 qemu-system-aarch64 (the emulated host)
  --kernel 6.1|6.12     the emulated host's Debian kernel (the inner
                        guest's is always 6.1)
  --timeout SECS        kill the emulated host after SECS (default 1500)
  --inner-timeout SECS  kill an inner QEMU after SECS (default 150)
  --unpinned N          runs of the unpinned control (default 3)
  --log-dir DIR         where the console log stays (default
                        \$RCAR_CACHE/kvm-bed/log-<kernel>)
  --ours ARM64_QEMU     our arm64 build (default
                        out/arm64/qemu-system-aarch64)
  --repeat N            boots of each of our booting scenarios, all of
                        which must pass (default 3)
EOF
    exit 1
}

qemu=""
kernel=""
timeout_s=1500
inner_timeout=150
unpinned=3
repeat_ours=3
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
    --kernel) kernel=$2 ;;
    --timeout) timeout_s=$2 ;;
    --inner-timeout) inner_timeout=$2 ;;
    --unpinned) unpinned=$2 ;;
    --log-dir) log=$2 ;;
    --ours) bed_ours=$2 ;;
    --repeat) repeat_ours=$2 ;;
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
for n in "$timeout_s" "$inner_timeout" "$unpinned" "$repeat_ours"; do
    [[ "$n" =~ ^[0-9]+$ ]] ||
        die "--timeout, --inner-timeout, --unpinned and --repeat take" \
            "whole numbers"
done
[ "$repeat_ours" -ge 1 ] || die "--repeat must be 1 or more"

a57=0x411fd073      # Cortex-A57 r1p3, the H3's
a53=0x410fd034      # Cortex-A53 r0p4
label=kvm-bed-$kernel
controls=(control-a57-pinned-a53 control-a57-pinned-a57
          control-a53-pinned-a53)
ours=(ours-a57 ours-a53 ours-h3 ours-a57-pinned-a53
      ours-off-a57-pinned-a53 ours-v4h)
# The ID registers each vCPU shows, read by the bare-metal probe as the
# inner guest (id-regs=, docs/system/arm/rcar-virt.rst)
ids=(ids-h3 ids-a57-host ids-a57-model ids-a53-model ids-a57-common-off)

log=${log:-$RCAR_CACHE/kvm-bed/log-$kernel}
mkdir -p "$log"
log=$(cd "$log" && pwd)
bed_share=""
trap 'if [ -n "$bed_share" ]; then rm -rf "$bed_share"; fi' EXIT
# The bare-metal probe the ids-* scenarios run as their guest
bash "$RCAR_TOP/scripts/build-id-probe.sh" > "$log/id-probe.log" 2>&1 ||
    die "could not build the ID register probe; see $log/id-probe.log"
bed_prepare "$kernel" "$log"

runs=("${controls[@]}")
for ((i = 0; i < unpinned; i++)); do
    runs+=(control-a57-unpinned)
done
# Our booting scenarios run --repeat times, interleaved: every boot counts
ours_booting=(ours-a57 ours-a53 ours-h3)
if [ "$bed_have_ours" = 1 ]; then
    for ((i = 1; i <= repeat_ours; i++)); do
        runs+=("${ours_booting[@]}")
    done
    runs+=(ours-a57-pinned-a53 ours-off-a57-pinned-a53 ours-v4h "${ids[@]}")
fi
bed_status=0
bed_boot "$qemu" "$kernel" "$log" "$(IFS=,; echo "${runs[*]}")" \
    "$inner_timeout" "$timeout_s" || bed_status=$?

failures=0

pass()
{
    # pass NAME DETAIL
    echo "$label-$1: $2"
    echo "PASS: $label-$1"
}

fail()
{
    # fail NAME WHY [TAG]: with TAG, the end of that run's output follows
    echo "FAIL: $label-$1: $2"
    failures=$((failures + 1))
    [ -z "${3:-}" ] || bed_grep BED-LOG "$3" | sed 's/^/    | /'
}

# outcome TAG: read the run TAG's result into o_rc, o_secs, o_done,
# o_timeout, o_msg (QEMU's first error line, else the last line it
# printed), o_einval (the users' error, when the vCPU's KVM_ARM_VCPU_INIT
# fails in kvm_init_vcpu) and o_reset_einval (the same ioctl failing when
# QEMU resets the vCPU: an abort).  Returns 1, with o_missing set, if the
# run has no result.
outcome()
{
    local line
    line=$(bed_grep BED "$1")
    o_missing=""
    if [ -z "$line" ]; then
        o_missing="the emulated host did not run it"
        [ -z "$bed_problem" ] || o_missing+=" ($bed_problem)"
        return 1
    elif [[ "$line" != rc=* ]]; then
        o_missing="the emulated host said: $line"
        return 1
    fi
    o_rc=$(bed_field rc "$line")
    o_secs=$(bed_field secs "$line")
    o_done=$(bed_field "done" "$line")
    o_timeout=$(bed_field timeout "$line")
    o_msg=$(bed_grep BED-QEMU "$1" | head -n 1)
    [ -n "$o_msg" ] || o_msg=$(bed_grep BED-LOG "$1" | tail -n 1)
    o_einval=$(bed_grep BED-QEMU "$1" |
               grep -m 1 'kvm_init_vcpu.*Invalid argument' || true)
    o_reset_einval=$(bed_grep BED-LOG "$1" |
                     grep -m 1 'kvm_arm_vcpu_init failed: Invalid argument' ||
                     true)
    return 0
}

# booted TAG CPUS MIDR: why the run TAG is not a clean inner boot with
# CPUS CPUs whose midr_el1 are MIDR; nothing if it is.
booted()
{
    local got
    if [ "$o_timeout" = 1 ]; then
        echo "the inner QEMU timed out after ${inner_timeout}s"
    elif [ "$o_rc" != 0 ]; then
        echo "QEMU exited with status $o_rc: ${o_msg:-no message}"
    elif [ "$o_done" != 1 ]; then
        echo "QEMU exited, but the inner guest never printed RCAR-DONE"
    else
        got=$(bed_grep BED-INNER "$1" | awk '$1 == "RCAR-CHECK" &&
            $2 == "cpus" { print }')
        got=$(bed_field got "$got" || true)
        if [ "$got" != "$2" ]; then
            echo "the inner guest has ${got:-no} CPUs, expected $2"
            return
        fi
        got=$(bed_grep BED-INNER "$1" | awk '$1 == "RCAR-CHECK" &&
            $2 == "midr" { print }')
        got=$(bed_field got "$got" || true)
        [ "$got" = "$3" ] ||
            echo "the inner CPUs' midr_el1 are ${got:-not reported}," \
                 "expected $3"
    fi
}

# placed TAG FIRST LAST CPUS: why the vCPU threads FIRST..LAST of the run
# TAG were not confined to the host CPUs CPUS; nothing if they were.
placed()
{
    local i line
    for ((i = $2; i <= $3; i++)); do
        line=$(bed_grep BED-AFFINITY "$1" | grep "^CPU_$i/KVM " || true)
        if [ -z "$line" ]; then
            echo "no affinity seen for thread 'CPU $i/KVM'"
            return
        fi
        if [ "$(bed_field last "$line")" != "$4" ]; then
            echo "thread 'CPU $i/KVM' may run on host CPUs" \
                 "$(bed_field last "$line"), expected $4" \
                 "(seen: $(bed_field seen "$line"))"
            return
        fi
    done
}

# affinities TAG: the vCPU threads' CPU lists, for the report
affinities()
{
    bed_grep BED-AFFINITY "$1" |
        awk '{ sub("last=", "", $2); printf "%s%s:%s", sep, $1, $2
               sep = " " }'
}

# repeat N VALUE: VALUE N times, comma separated
repeat()
{
    local out="" k
    for ((k = 0; k < $1; k++)); do
        out+="${out:+,}$2"
    done
    echo "$out"
}

# --- the emulated host itself ------------------------------------------
host=$(grep -m 1 '^BED-HOST ' "$bed_console" || true)
h3_midr="$(repeat 4 $a57),$(repeat 4 $a53)"
if [ -z "$host" ]; then
    fail host "the emulated host never reported its CPUs${bed_problem:+ \
($bed_problem)}"
elif [ "$(bed_field midr "$host")" != "$h3_midr" ]; then
    fail host "its CPUs' midr_el1 are $(bed_field midr "$host")," \
              "expected $h3_midr"
elif [ "$(bed_field kvm "$host")" != yes ]; then
    fail host "its kernel has no /dev/kvm"
else
    pass host "Linux $(bed_field kernel "$host"), midr $h3_midr, /dev/kvm"
fi
sed -n 's/^BED-VERSION /  version: /p' "$bed_console"

# --- control: Debian's QEMU on -M virt ---------------------------------
for s in "${controls[@]}"; do
    tag=$s/1
    if ! outcome "$tag"; then
        fail "$s" "$o_missing"
        continue
    fi
    case "$s" in
    control-a57-pinned-a53)
        # The users' error: the vCPU's KVM target is the A57, the thread
        # runs on an A53
        if [ "$o_rc" = 0 ]; then
            fail "$s" "QEMU booted the guest; expected kvm_init_vcpu to" \
                      "fail with Invalid argument"
        elif [ -z "$o_einval" ]; then
            fail "$s" "QEMU failed (status $o_rc), but not with the users'" \
                      "EINVAL: ${o_msg:-no message}" "$tag"
        else
            pass "$s" "exit status $o_rc in ${o_secs}s: $o_einval"
        fi
        ;;
    control-a57-pinned-a57|control-a53-pinned-a53)
        midr=$a57
        [ "$s" = control-a57-pinned-a57 ] || midr=$a53
        why=$(booted "$tag" 1 "$midr")
        if [ -n "$why" ]; then
            fail "$s" "$why" "$tag"
        else
            pass "$s" "booted in ${o_secs}s, midr $midr"
        fi
        ;;
    esac
done

# Unpinned, it is up to the scheduler: reported, not judged.  The vCPU
# thread's KVM_ARM_VCPU_INIT fails on an A53 (kvm_init_vcpu); the main
# thread's, when it resets the vCPU, fails on an A53 too (an abort).
if [ "$unpinned" -gt 0 ]; then
    ok=0
    einval=0
    reset=0
    other=()
    for ((i = 1; i <= unpinned; i++)); do
        tag=control-a57-unpinned/$i
        if ! outcome "$tag"; then
            other+=("run $i: $o_missing")
        elif [ -z "$(booted "$tag" 1 "$a57")" ]; then
            ok=$((ok + 1))
        elif [ -n "$o_einval" ]; then
            einval=$((einval + 1))
        elif [ -n "$o_reset_einval" ]; then
            reset=$((reset + 1))
        else
            other+=("run $i: $(booted "$tag" 1 "$a57")")
        fi
    done
    detail="$unpinned runs: $ok booted, $einval failed in kvm_init_vcpu"
    detail+=" with EINVAL, $reset aborted with EINVAL on vCPU reset"
    [ "${#other[@]}" -eq 0 ] || detail+=", ${#other[@]} other (${other[*]})"
    if [ $((ok + einval + reset)) -eq 0 ]; then
        fail control-a57-unpinned "no run booted or failed with EINVAL:" \
                                  "$detail"
    else
        pass control-a57-unpinned "$detail"
    fi
fi

# --- ours: rcar-virt with placement ------------------------------------
# judge_ours NAME TAG: set why to what is wrong with run TAG of scenario
# NAME, empty if nothing; outcome TAG must have succeeded
judge_ours()
{
    local s=$1 tag=$2
    case "$s" in
    ours-a57)
        why=$(booted "$tag" 2 "$(repeat 2 $a57)")
        [ -n "$why" ] || why=$(placed "$tag" 0 1 0-3)
        ;;
    ours-a53)
        why=$(booted "$tag" 2 "$(repeat 2 $a53)")
        [ -n "$why" ] || why=$(placed "$tag" 0 1 4-7)
        ;;
    ours-h3)
        why=$(booted "$tag" 8 "$h3_midr")
        [ -n "$why" ] || why=$(placed "$tag" 0 3 0-3)
        [ -n "$why" ] || why=$(placed "$tag" 4 7 4-7)
        ;;
    ours-a57-pinned-a53)
        # No A57 in the affinity: a clear refusal, not the users' EINVAL
        refused "$tag" 'no usable host CPU is a Cortex-A57.*placement=off'
        ;;
    ours-v4h)
        # Cortex-A76 is a TCG model: the KVM-only build refuses, cleanly
        refused "$tag" 'soc=v4h needs the cortex-a76 CPU model'
        ;;
    ours-off-a57-pinned-a53)
        # Without placement the vCPU takes the kernel's preferred target:
        # the generic one on Linux 6.6+, the A53's on 6.1 (only A53s are
        # usable); it starts on an A53 and shows the A53's MIDR
        why=$(booted "$tag" 2 "$(repeat 2 $a53)")
        ;;
    esac
}

# refused TAG PATTERN: set why unless the run TAG failed with a QEMU error
# matching PATTERN (grep -E), and not with the users' EINVAL
refused()
{
    if [ "$o_rc" = 0 ]; then
        why="QEMU started; expected a refusal matching '$2'"
    elif [ -n "$o_einval$o_reset_einval" ]; then
        why="QEMU hit the users' EINVAL instead of refusing:"
        why+=" $o_einval$o_reset_einval"
    elif ! bed_grep BED-QEMU "$1" | grep -Eq "$2"; then
        why="QEMU failed (status $o_rc) without the expected message"
        why+=" ('$2'): ${o_msg:-no message}"
    else
        why=""
    fi
}

# idreg TAG VCPU ENC: the probe's value of ID register ENC (CRm * 8 + op2)
# on vCPU VCPU in run TAG, as 0x%x; its trap word with ENC t
idreg()
{
    bed_grep BED-IDPROBE "$1" |
        awk -v n="$2" -v c="$3" -v w="${4:-v}" '
            $1 == "IDPROBE" && $3 == sprintf("c=%016x", c) &&
            $2 == sprintf("n=%016x", n) {
                v = (w == "t") ? $5 : $4
                sub(/^[vt]=0*/, "", v)
                print "0x" (v == "" ? "0" : v)
            }'
}

# probed TAG NCPUS MIDRS REVIDRS: why the probe run TAG did not show NCPUS
# vCPUs with these MIDR_EL1 and REVIDR_EL1 (comma lists), traps exactly
# in CRm 0 op2 1-4,7 (EC 0), and one value of every feature ID register
# (CRm 1-7) on all vCPUs; nothing if it did
probed()
{
    local tag=$1 n=$2 i c v ref midrs revidrs trapped
    IFS=, read -r -a midrs <<< "$3"
    IFS=, read -r -a revidrs <<< "$4"
    if [ "$o_rc" != 0 ] || [ "$o_done" != 1 ]; then
        echo "the probe did not finish (status $o_rc): ${o_msg:-no message}"
        return
    fi
    if bed_grep BED-IDPROBE "$tag" | grep -q '^IDPROBE-MISSING'; then
        echo "a vCPU never reported: $(bed_grep BED-IDPROBE "$tag" |
            grep -m 1 '^IDPROBE-MISSING')"
        return
    fi
    for ((i = 0; i < n; i++)); do
        v=$(idreg "$tag" "$i" 0)
        [ "$((v))" = "$((midrs[i]))" ] || {
            echo "vCPU $i shows MIDR_EL1 ${v:-nothing}, expected ${midrs[i]}"
            return
        }
        v=$(idreg "$tag" "$i" 6)
        [ "$((v))" = "$((revidrs[i]))" ] || {
            echo "vCPU $i shows REVIDR_EL1 ${v:-nothing}," \
                 "expected ${revidrs[i]}"
            return
        }
        trapped=""
        for ((c = 0; c < 64; c++)); do
            v=$(idreg "$tag" "$i" "$c" t)
            if [ "$((v))" != 0 ]; then
                trapped+=" $c"
                [ "$(( (v >> 26) & 0x3f ))" = 0 ] || {
                    echo "vCPU $i: encoding $c trapped with ESR $v, not EC 0"
                    return
                }
            fi
        done
        [ "$trapped" = " 1 2 3 4 7" ] || {
            echo "vCPU $i: the reads that trapped are${trapped:- none}," \
                 "expected CRm 0 op2 1 2 3 4 7 only"
            return
        }
        for ((c = 8; c < 64; c++)); do
            ref=$(idreg "$tag" 0 "$c")
            v=$(idreg "$tag" "$i" "$c")
            [ "$v" = "$ref" ] || {
                echo "vCPU $i shows $v in encoding $c, vCPU 0 $ref: KVM's" \
                     "feature registers are per VM"
                return
            }
        done
    done
}

# judge_ids NAME TAG: set why for the ID register scenario NAME.  With
# writable ID registers (Linux 6.7+) id-regs=auto|model lower
# ID_AA64PFR0_EL1 to the A57/A53 models' 0x22 (AArch64 and AArch32 at
# EL0/EL1, no EL2 or EL3, no CSV3) and ID_PFR1_EL1 to 0x10001; the
# host's KVM shows EL2 and CSV3 (0x1000000000000222) and 0x11001.
judge_ids()
{
    local s=$1 tag=$2 pfr0 pfr1 want0 want1 h3_revidr
    h3_revidr="$(repeat 4 0),$(repeat 4 0x100)"
    case "$s" in
    ids-h3)
        why=$(probed "$tag" 8 "$h3_midr" "$h3_revidr")
        want0=0x22 want1=0x10001
        [ "$kernel" = 6.12 ] || want0=0x1000000000000222 want1=0x11001
        ;;
    ids-a57-host)
        why=$(probed "$tag" 2 "$(repeat 2 $a57)" "0,0")
        want0=0x1000000000000222 want1=0x11001
        ;;
    ids-a57-model|ids-a53-model)
        if [ "$kernel" = 6.1 ]; then
            refused "$tag" 'id-regs=model.*KVM_ARM_GET_REG_WRITABLE_MASKS'
            return
        fi
        if [ "$s" = ids-a57-model ]; then
            why=$(probed "$tag" 2 "$(repeat 2 $a57)" "0,0")
        else
            why=$(probed "$tag" 2 "$(repeat 2 $a53)" "0x100,0x100")
        fi
        want0=0x22 want1=0x10001
        ;;
    ids-a57-common-off)
        if [ "$kernel" = 6.1 ]; then
            refused "$tag" 'placement=off .*Linux 6\.6'
        else
            refused "$tag" 'id-regs=common.*KVM_CAP_ARM_WRITABLE_IMP_ID_REGS'
        fi
        return
        ;;
    esac
    [ -z "$why" ] || return 0
    pfr0=$(idreg "$tag" 0 32)
    pfr1=$(idreg "$tag" 0 9)
    if [ "$pfr0" != "$want0" ] || [ "$pfr1" != "$want1" ]; then
        why="ID_AA64PFR0_EL1 $pfr0 and ID_PFR1_EL1 $pfr1, expected"
        why+=" $want0 and $want1"
    fi
}

for s in "${ours[@]}"; do
    if [ "$bed_have_ours" = 0 ]; then
        fail "$s" "$bed_no_ours"
        continue
    fi
    n=1
    [[ " ${ours_booting[*]} " != *" $s "* ]] || n=$repeat_ours
    why=""
    secs=()
    for ((i = 1; i <= n; i++)); do
        tag=$s/$i
        if ! outcome "$tag"; then
            why="run $i of $n: $o_missing"
            break
        fi
        judge_ours "$s" "$tag"
        if [ -n "$why" ]; then
            why="run $i of $n: $why"
            break
        fi
        secs+=("$o_secs")
    done
    if [ -n "$why" ]; then
        fail "$s" "$why" "$tag"
    elif [ "$o_rc" = 0 ]; then
        pass "$s" "booted $n of $n times (${secs[*]} s); vCPU threads on\
 host CPUs $(affinities "$tag")"
    else
        pass "$s" "exit status $o_rc in ${o_secs}s: $o_msg"
    fi
done

for s in "${ids[@]}"; do
    tag=$s/1
    if [ "$bed_have_ours" = 0 ]; then
        fail "$s" "$bed_no_ours"
        continue
    elif [[ "$(bed_grep BED "$tag")" == SKIP* ]]; then
        echo "SKIP: $label-$s: $(bed_grep BED "$tag")"
        continue
    elif ! outcome "$tag"; then
        fail "$s" "$o_missing"
        continue
    fi
    why=""
    judge_ids "$s" "$tag"
    if [ -n "$why" ]; then
        fail "$s" "$why" "$tag"
    elif [ "$o_rc" = 0 ]; then
        seen_midrs=$(bed_grep BED-IDPROBE "$tag" |
                awk '$3 == "c=0000000000000000" { sub("v=0*", "0x", $4)
                     print $4 }' | paste -sd, -)
        pass "$s" "ID_AA64PFR0_EL1 $(idreg "$tag" 0 32), ID_PFR1_EL1\
 $(idreg "$tag" 0 9), MIDR_EL1 per vCPU $seen_midrs"
    else
        pass "$s" "exit status $o_rc: $o_msg"
    fi
done

# --- timings ---------------------------------------------------------
say "$label: emulated host ${bed_wall}s wall; inner runs (seconds):" \
    "$(awk '$1 == "BED" && $3 ~ /^rc=/ { sub("secs=", "", $4);
        printf "%s%s %s", sep, $2, $4; sep = ", " }' "$bed_console")"
if [ "$failures" -gt 0 ] || [ "$bed_status" -ne 0 ]; then
    say "$label: $failures failed; console: $log/console.log," \
        "command: $log/command"
    exit 1
fi
exit 0
