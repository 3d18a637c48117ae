#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Boot a Debian arm64 kernel with the test initramfs and report its checks.
#
# Prints one "PASS: <label>/<check>" or "FAIL: <label>/<check> <why>" line
# for every requested check (plus "FAIL: <label>/boot <why>" if QEMU did not
# end with a clean guest poweroff), then, on any failure, QEMU's own output
# and the last 60 lines of the guest console.  Exit status 0 if everything
# passed, 1 otherwise.  A check the guest did not report is a failure: PASS
# needs the guest's RCAR-CHECK line (see guest/init) and, where the check
# leaves traces on the host side (tokens through 9p, the virtconsole and the
# disk image, the DHCP address, the values read), those traces too.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=guest-lib.sh
. "$RCAR_TOP/scripts/guest-lib.sh"
export PATH=$PATH:/usr/sbin:/sbin

all_checks="cpus midr idregs clusters blk net 9p hvc rng drm kvm"

usage()
{
    cat >&2 <<EOF
usage: ${0##*/} --qemu BIN --machine OPTS --kernel 6.1|6.12 --checks LIST
                 --style short|long [--cpu-args "ARGS"] [--expect-cpus N]
                 [--expect-midr LIST] [--expect-clusters LIST]
                 [--expect-idregs FILE]
                 [--name LABEL] [--timeout SECS] [--append "KERNEL ARGS"]
                 [--keep]
  --machine OPTS        the -M argument, e.g. rcar-virt,soc=h3 or virt
  --cpu-args "ARGS"     more QEMU options, e.g. "-cpu cortex-a57 -smp 2"
  --checks LIST         comma list of: ${all_checks// /,}
  --style short|long    device options: shorthands (-drive if=virtio,
                        -nic user, -virtfs, virtio-gpu, ...) or explicit
                        virtio-*-device forms
  --expect-cpus N       for cpus: the number of online CPUs
  --expect-midr LIST    for midr: midr_el1 of each CPU, comma separated,
                        e.g. 0x411fd073,0x411fd073,0x410fd034
  --expect-clusters LIST for clusters: cluster_cpus_list of each CPU,
                        colon separated, e.g. 0-3:0-3:0-3:0-3:4-7:4-7:...
  --expect-idregs FILE  for idregs: a table (boot-expect/*.txt) of the
                        revidr_el1 of each CPU and the kernel's "CPU
                        features: detected:" lines
  --name LABEL          label of the result lines (default MACHINE-KERNEL-STYLE)
  --timeout SECS        kill QEMU after SECS seconds (default 120)
  --keep                keep the scratch directory (console log, disk image)
  --qemu-log FILE       copy QEMU's own output (stdout and stderr) to FILE
EOF
    exit 1
}

qemu=""
machine=""
cpu_args=""
kernel=""
expect_cpus=""
expect_midr=""
expect_clusters=""
expect_idregs=""
checks=""
style=""
label=""
timeout_s=120
append=""
keep=0
qemu_log=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    -h|--help) usage ;;
    --keep) keep=1; shift; continue ;;
    --*) [ "$#" -ge 2 ] || die "$1 needs a value; see ${0##*/} --help" ;;
    *) die "unexpected argument '$1'; see ${0##*/} --help" ;;
    esac
    case "$1" in
    --qemu) qemu=$2 ;;
    --qemu-log) qemu_log=$2 ;;
    --machine) machine=$2 ;;
    --cpu-args) cpu_args=$2 ;;
    --kernel) kernel=$2 ;;
    --expect-cpus) expect_cpus=$2 ;;
    --expect-midr) expect_midr=$2 ;;
    --expect-clusters) expect_clusters=$2 ;;
    --expect-idregs) expect_idregs=$2 ;;
    --checks) checks=$2 ;;
    --style) style=$2 ;;
    --name) label=$2 ;;
    --timeout) timeout_s=$2 ;;
    --append) append=$2 ;;
    *) die "unknown option $1; see ${0##*/} --help" ;;
    esac
    shift 2
done

[ -n "$qemu" ] || die "--qemu BIN is required; see ${0##*/} --help"
command -v "$qemu" >/dev/null ||
    die "QEMU binary '$qemu' not found or not executable; build it (make)"
[ -n "$machine" ] || die "--machine is required, e.g. --machine virt"
case "$kernel" in
6.1|6.12) ;;
*) die "--kernel must be 6.1 or 6.12" ;;
esac
case "$style" in
short|long) ;;
*) die "--style must be short or long" ;;
esac
[[ "$timeout_s" =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds"
[ -n "$checks" ] || die "--checks is required, e.g. --checks cpus,blk"
IFS=, read -r -a check_list <<< "$checks"
for c in "${check_list[@]}"; do
    [[ " $all_checks " == *" $c "* ]] ||
        die "unknown check '$c'; known checks: $all_checks"
done
[[ " ${check_list[*]} " != *" cpus "* || "$expect_cpus" =~ ^[0-9]+$ ]] ||
    die "the cpus check needs --expect-cpus N"
[[ " ${check_list[*]} " != *" midr "* || -n "$expect_midr" ]] ||
    die "the midr check needs --expect-midr LIST"
[[ " ${check_list[*]} " != *" clusters "* || -n "$expect_clusters" ]] ||
    die "the clusters check needs --expect-clusters LIST"
[[ " ${check_list[*]} " != *" idregs "* || -r "$expect_idregs" ]] ||
    die "the idregs check needs --expect-idregs FILE, a readable table"
[[ "$expect_midr$expect_clusters" != *" "* ]] ||
    die "--expect-midr and --expect-clusters take lists without spaces"
[ -n "$label" ] || label=${machine%%,*}-$kernel-$style
read -r -a cpu_argv <<< "$cpu_args"
command -v mkfs.ext4 >/dev/null ||
    die "mkfs.ext4 is missing; install e2fsprogs (scripts/deps.sh)"

assets=$(guest_assets "$kernel")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rcar-boot.XXXXXX")
trap 'if [ "$keep" = 1 ]; then say "kept $tmp"; else rm -rf "$tmp"; fi' EXIT
guest_scratch "$tmp" "$checks"

cmdline="console=ttyAMA0 quiet rcar.mode=check rcar.checks=$checks"
[ -z "$expect_cpus" ] || cmdline+=" rcar.cpus=$expect_cpus"
[ -z "$expect_midr" ] || cmdline+=" rcar.midr=$expect_midr"
[ -z "$expect_clusters" ] || cmdline+=" rcar.clusters=$expect_clusters"
[ -z "$append" ] || cmdline+=" $append"

# No -no-reboot: the blk check's guest reboots once, and QEMU must reset
# (the default -action reboot=reset); the guest's poweroff ends QEMU.
qemu_args=(-M "$machine" "${cpu_argv[@]}" -m 1G
           -display none -monitor none
           -chardev "file,id=con,path=$tmp/console.log" -serial chardev:con
           -kernel "$assets/vmlinuz" -initrd "$assets/initrd.gz"
           -append "$cmdline")
guest_devices "$style" "$tmp" "$checks"

say "booting $label: ${assets##*/} on -M $machine${cpu_args:+ $cpu_args}," \
    "checks $checks (at most ${timeout_s}s)"
start=$(date +%s.%N)
rc=0
timeout -k 5 "$timeout_s" "$qemu" "${qemu_args[@]}" \
    < /dev/null > "$tmp/qemu.log" 2>&1 || rc=$?
end=$(date +%s.%N)
wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
say "$label: QEMU ran ${wall}s wall, exit status $rc"
[ -z "$qemu_log" ] || cp "$tmp/qemu.log" "$qemu_log"

touch "$tmp/console.log"
tr -d '\r' < "$tmp/console.log" > "$tmp/console.txt"
console=$tmp/console.txt

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    boot_problem="QEMU timed out after ${timeout_s}s"
elif [ "$rc" -ne 0 ]; then
    boot_problem="QEMU exited with status $rc: $(head -n 1 "$tmp/qemu.log")"
elif ! grep -qx 'RCAR-DONE' "$console"; then
    boot_problem="QEMU exited but the guest never printed RCAR-DONE"
else
    boot_problem=""
fi

# field NAME DETAIL: the value of NAME=value in DETAIL
field()
{
    [[ " $2 " =~ \ $1=([^ ]*)\  ]] && echo "${BASH_REMATCH[1]}"
}

# hex32 LIST: a comma list of numbers as 0x%08x of their lower 32 bits
hex32()
{
    local v vals out=()
    IFS=, read -r -a vals <<< "$1"
    for v in "${vals[@]}"; do
        if [[ "$v" =~ ^(0x[0-9a-fA-F]+|[0-9]+)$ ]]; then
            out+=("$(printf '0x%08x' $((v & 0xffffffff)))")
        else
            out+=("$v")
        fi
    done
    (IFS=,; echo "${out[*]}")
}

# host_side CHECK DETAIL: why a PASS reported by the guest does not hold
# up on the host side; nothing if it does.
host_side()
{
    local c=$1 detail=$2 tok got want via
    via=$(field via "$detail" || true)
    case "$c" in
    blk|net|9p|hvc|rng|drm)
        # Both styles must give virtio-mmio devices (rcar-virt has no PCI).
        if [[ "$via" != mmio@* ]]; then
            echo "the device is not on virtio-mmio (via=${via:-unknown})"
            return
        fi
        ;;
    esac
    case "$c" in
    cpus|midr|clusters)
        # The guest reports what it read; the host compares
        case "$c" in
        cpus) want=$expect_cpus ;;
        midr) want=$(hex32 "$expect_midr") ;;
        clusters) want=$expect_clusters ;;
        esac
        got=$(field got "$detail" || true)
        [ "$got" = "$want" ] ||
            echo "guest reported got=$got, expected $want"
        ;;
    idregs)
        # The guest reports; the table (boot-expect/) says what is right
        local want_rev want_feat got_feat
        got=$(field revidr "$detail" || true)
        want_rev=$(sed -n 's/^revidr //p' "$expect_idregs")
        got_feat=$(field features "$detail" | tr ';' '\n' | sort -u)
        want_feat=$(sed -n 's/^feature //p' "$expect_idregs" | tr ' ' _ |
                    sort -u)
        if [ "$got" != "$want_rev" ]; then
            echo "revidr_el1 got=$got, expected $want_rev"
        elif [ "$got_feat" != "$want_feat" ]; then
            echo "CPU features: missing [$(comm -13 <(echo "$got_feat") \
                <(echo "$want_feat") | paste -sd' ' -)] unexpected" \
                "[$(comm -23 <(echo "$got_feat") <(echo "$want_feat") |
                    paste -sd' ' -)] ($expect_idregs)"
        fi
        ;;
    blk)
        tok=$(field token "$detail" || true)
        if ! grep -qx "RCAR-BLK-WROTE token=$tok" "$console"; then
            echo "token $tok was not written by a first boot"
        elif ! grep -qx "RCAR-REBOOT" "$console"; then
            echo "the guest did not reboot between writing and reading"
        elif [ "$(debugfs -R 'cat /rcar-token' "$tmp/disk.img" \
                  2>/dev/null)" != "$tok" ]; then
            echo "the disk image does not hold token $tok"
        fi
        ;;
    net)
        got=$(field addr "$detail" || true)
        [[ "$got" == 10.0.2.* ]] ||
            echo "address '$got' is not from QEMU's user network 10.0.2.0/24"
        ;;
    9p)
        tok=$(field token "$detail" || true)
        want=$(cat "$tmp/share/token")
        if [ "$tok" != "$want" ]; then
            echo "guest read token '$tok', the host wrote '$want'"
        elif [ "$(cat "$tmp/share/from-guest" 2>/dev/null)" != "$want" ]; then
            echo "the guest's write to the share did not reach the host"
        fi
        ;;
    hvc)
        tok=$(field token "$detail" || true)
        [ -n "$tok" ] && tr -d '\r' < "$tmp/hvc.out" |
            grep -qx "RCAR-HVC $tok" ||
            echo "token '$tok' did not arrive in the virtconsole's chardev"
        ;;
    drm)
        got=$(field driver "$detail" || true)
        [ "$got" = virtio_gpu ] || echo "card0 driver is '$got'"
        ;;
    kvm)
        # The kernel must have found every CPU at EL2
        [ "$(field el2 "$detail" || true)" = 1 ] ||
            echo "the guest kernel did not report all CPUs at EL2"
        ;;
    esac
}

failures=0
for c in "${check_list[@]}"; do
    mapfile -t lines < <(awk -v c="$c" \
        '$1 == "RCAR-CHECK" && $2 == c' "$console")
    why=""
    if [ "${#lines[@]}" -eq 0 ]; then
        why="the guest printed no result for it"
        [ -z "$boot_problem" ] || why="$why ($boot_problem)"
    elif [ "${#lines[@]}" -gt 1 ]; then
        why="the guest reported it ${#lines[@]} times (unexpected reboot?)"
    else
        read -r _ _ status detail <<< "${lines[0]}"
        case "$status" in
        PASS) why=$(host_side "$c" "$detail") ;;
        FAIL) why=${detail:-the guest gave no reason} ;;
        *) why="malformed result line: ${lines[0]}" ;;
        esac
    fi
    if [ -z "$why" ]; then
        echo "PASS: $label/$c"
    else
        echo "FAIL: $label/$c $why"
        failures=$((failures + 1))
    fi
done
if [ -n "$boot_problem" ]; then
    echo "FAIL: $label/boot $boot_problem"
    failures=$((failures + 1))
fi

if [ "$failures" -gt 0 ]; then
    if [ -s "$tmp/qemu.log" ]; then
        echo "--- $label: QEMU output"
        tail -n 20 "$tmp/qemu.log"
    fi
    echo "--- $label: guest console, last 60 lines"
    tail -n 60 "$console"
    echo "--- $label: end of guest console"
    echo "--- $label: QEMU command line"
    for a in "$qemu" "${qemu_args[@]}"; do
        if [[ "$a" =~ ^[-A-Za-z0-9_./:=,+@%]+$ ]]; then
            printf '%s ' "$a"
        else
            printf '%s ' "${a@Q}"
        fi
    done
    echo
    exit 1
fi
exit 0
