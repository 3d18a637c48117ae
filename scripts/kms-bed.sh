#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The KMS test bed: run a scenario in a nested Debian 6.12 Linux whose
# virtio-gpu is a real DRM/KMS device, and check what it displays, pixel
# for pixel, through the outer QEMU's screendump.
#
# Usage: scripts/kms-bed.sh [--outputs N] [--log DIR] [--timeout SECS]
#            SCENARIO [ARGS...]
#
# The outer machine is Debian's qemu-system-x86_64 under TCG with a
# virtio-gpu-pci (id gpu0, N outputs, default 2), the host's / shared
# read-only over 9p and the log directory (default
# $RCAR_CACHE/kms-bed/log-<scenario>) shared writable.  Its initramfs
# (scripts/kms-bed-assets.sh, kms-bed/init) chroots into the host root
# and runs "bash SCENARIO ARGS..." in the repository, with kms-pattern
# (kms-bed/kms-pattern.c) and kms-lessord (lessor/), both built here, and
# kms-bed/bed-lib.sh.  The host
# side, kms-bed/watch.py, answers the scenario's screenshot and QMP
# requests and checks the pictures.  Prints one "PASS: kms-bed/<scenario>/
# <check>" (or FAIL/SKIP, with the reason) line per check plus
# kms-bed/<scenario>/run for the run itself, and exits 1 if any failed.
# docs/KMS-BED.md describes the protocol.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

usage()
{
    cat >&2 <<EOF
usage: ${0##*/} [--outputs N] [--log DIR] [--timeout SECS] SCENARIO [ARGS...]
  SCENARIO        a bash script run inside the bed, e.g.
                  kms-bed/scenarios/pattern.sh
  --outputs N     outputs (heads) of the virtio-gpu, 1 to 16 (default 2)
  --log DIR       where the console log, screendumps and results go
                  (default \$RCAR_CACHE/kms-bed/log-<scenario>)
  --timeout SECS  kill the bed after SECS (default 300)
  --cpu MODEL     the bed's CPU model (default: TCG's qemu64; "max" has
                  AVX2, which host binaries built for this CPU may use)
EOF
    exit 1
}

outputs=2
timeout_s=300
log=""
cpu=""
while [ "$#" -gt 0 ]; do
    case "$1" in
    -h|--help) usage ;;
    --outputs|--log|--timeout|--cpu)
        [ "$#" -ge 2 ] || die "$1 needs a value; see ${0##*/} --help"
        case "$1" in
        --outputs) outputs=$2 ;;
        --log) log=$2 ;;
        --timeout) timeout_s=$2 ;;
        --cpu) cpu=$2 ;;
        esac
        shift 2
        ;;
    --) shift; break ;;
    -*) die "unknown option $1; see ${0##*/} --help" ;;
    *) break ;;
    esac
done
[ "$#" -ge 1 ] || usage
if ! [[ "$outputs" =~ ^[0-9]+$ ]] || [ "$outputs" -lt 1 ] ||
   [ "$outputs" -gt 16 ]; then
    die "--outputs takes a number from 1 to 16"
fi
if ! [[ "$timeout_s" =~ ^[0-9]+$ ]] || [ "$timeout_s" -lt 1 ]; then
    die "--timeout takes a whole number of seconds"
fi
[ -f "$1" ] || die "no scenario $1; see kms-bed/scenarios/"
scenario=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
name=$(basename "$scenario" .sh)
label=kms-bed/$name

bash "$RCAR_TOP/scripts/deps.sh" "$RCAR_TOP/scripts/packages-kms-bed.txt" ||
    die "could not install the bed's packages; run 'bash scripts/deps.sh" \
        "scripts/packages-kms-bed.txt' as root"
assets=$(bash "$RCAR_TOP/scripts/kms-bed-assets.sh") ||
    die "could not make the bed's kernel and initramfs; see above"

# The bed's tools run inside it with the host root's libraries, so they
# are built here against the host's libdrm, into the cache: kms-bed/*.c,
# each rebuilt when its source or the flags change, and lessor/'s
# kms-lessord, the real lease daemon, by its own Makefile.
tools=$RCAR_CACHE/kms-bed/tools
bed_tools=(kms-pattern)
cflags=(-O2 -g -Wall -Wextra -Werror)
read -ra drm_flags < <(pkg-config --cflags --libs libdrm) ||
    die "pkg-config finds no libdrm; install libdrm-dev"
mkdir -p "$tools"
tools=$(cd "$tools" && pwd)
for tool in "${bed_tools[@]}"; do
    src=$RCAR_TOP/kms-bed/$tool.c
    stamp=$(cat "$src" <(echo "${cflags[*]} ${drm_flags[*]}") | sha256sum)
    if [ -x "$tools/$tool" ] &&
       [ "$(cat "$tools/$tool.stamp" 2>/dev/null)" = "$stamp" ]; then
        continue
    fi
    say "building $tool"
    gcc "${cflags[@]}" -o "$tools/$tool.new" "$src" "${drm_flags[@]}" ||
        die "$tool does not build; fix kms-bed/$tool.c"
    mv -f "$tools/$tool.new" "$tools/$tool"
    echo "$stamp" > "$tools/$tool.stamp"
done
# make's own dependency files decide what to rebuild (always without
# sanitizers: SANITIZE= keeps the objects' flags the same); its messages
# go to stderr, stdout is for results
lessor_make=(make -s -C "$RCAR_TOP/lessor" O="$tools" SANITIZE=
             "$tools/kms-lessord")
if ! "${lessor_make[@]}" -q 2> /dev/null; then
    say "building kms-lessord"
    "${lessor_make[@]}" >&2 ||
        die "kms-lessord does not build; fix lessor/ (make -C lessor" \
            "O=$tools)"
fi
rm -f "$tools"/mock-lessor "$tools"/mock-lessor.stamp  # an old stand-in
bed_tools+=(kms-lessord)

log=${log:-$RCAR_CACHE/kms-bed/log-$name}
mkdir -p "$log"
log=$(cd "$log" && pwd)
case "$log" in
*,*) die "log directory $log has a comma, which QEMU options cannot take;" \
         "pass --log with a path without one" ;;
esac
# Only what a run writes: --log may name a directory with other files
rm -f "$log"/*.log "$log"/{console.txt,command,job.sh,results.txt}
rm -f "$log"/{bed-exit,bed-error} "$log"/*.ppm "$log"/*.done "$log"/*.json
# The bed mounts its own /tmp, /run, /dev, /proc and /sys over the host's,
# and a checkout may well be under /tmp: the scenarios and their helpers
# (kms-bed/) go in through the log directory's share, like the tools.
case "$scenario" in
"$RCAR_TOP"/kms-bed/*) ;;
*) die "$scenario is not under $RCAR_TOP/kms-bed/; scenarios live there" ;;
esac
rm -rf "$log/repo"
mkdir -p "$log/repo"
cp -r "$RCAR_TOP/kms-bed" "$log/repo/"
# the fuzzing seeds too (fuzz-kms.sh): a few kilobytes
cp -r "$RCAR_TOP/fuzz" "$log/repo/"
rm -rf "$log/tools"
mkdir -p "$log/tools"
for tool in "${bed_tools[@]}"; do
    cp "$tools/$tool" "$log/tools/$tool"
done

# The scenario's environment and command, run by kms-bed/init as
# "chroot /host /bin/bash /run/bed-out/job.sh"
chroot_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
{
    echo "# Written by scripts/kms-bed.sh: run $name in the bed"
    echo 'cd /run/bed-out/repo || exit 125'
    printf 'export BED_OUT=/run/bed-out BED_TOOLS=/run/bed-out/tools'
    printf ' BED_RUN=%q\n' "$name"
    # Our QEMU, for the scenarios that run it: the host root is the bed's
    # root, but the bed mounts its own /tmp over it
    # (KMS_BED_QEMU overrides: make bench-display passes Debian's build)
    qemu=$(readlink -f "${KMS_BED_QEMU:-$RCAR_TOP/out/bin/qemu-system-aarch64}" ||
           true)
    case "$qemu" in
    /tmp/*) say "our QEMU is under /tmp, which the bed hides; scenarios" \
                "that run it will fail" ;;
    esac
    if [ -x "$qemu" ]; then
        printf 'export BED_QEMU=%q\n' "$qemu"
    fi
    # and our build's, whatever KMS_BED_QEMU says
    qemu=$(readlink -f "$RCAR_TOP/out/bin/qemu-system-aarch64" || true)
    if [ -x "$qemu" ]; then
        printf 'export BED_QEMU_OWN=%q\n' "$qemu"
    fi
    printf 'export PATH=%s HOME=/tmp LANG=C.UTF-8\n' "$chroot_path"
    printf 'exec /bin/bash %q' "${scenario#"$RCAR_TOP"/}"
    if [ "$#" -gt 0 ]; then
        printf ' %q' "$@"
    fi
    echo
} > "$log/job.sh"

run=$(mktemp -d /tmp/kms-bed.XXXXXX)
qpid=""
cleanup()
{
    if [ -n "$qpid" ]; then
        kill "$qpid" 2> /dev/null || true
    fi
    rm -rf "$run"
}
trap cleanup EXIT

# QEMU connects only output 0 until a UI reports a size for the others,
# which no display without a window does: the kernel forces the others on,
# at 1024x768 (the mode of its video= option, which kms-pattern picks).
# no_timer_check: on a loaded host, TCG can be too slow for the kernel's
# IO-APIC timer check, which then panics ("IO-APIC + timer doesn't work")
append="console=ttyS0 quiet panic=-1 no_timer_check"
for ((i = 2; i <= outputs; i++)); do
    append+=" video=Virtual-$i:1024x768e"
done
ro=security_model=none,readonly=on,multidevs=remap
args=(-accel tcg ${cpu:+-cpu "$cpu"} -m 1G -smp 1 -nodefaults -vga none
      -display none
      -no-reboot -kernel "$assets/vmlinuz" -initrd "$assets/initrd.gz"
      -append "$append"
      -chardev "file,id=con,path=$log/console.log" -serial chardev:con
      -device "virtio-gpu-pci,id=gpu0,max_outputs=$outputs"
      -virtfs "local,path=/,mount_tag=hostroot,$ro"
      -virtfs "local,path=$log,mount_tag=bedout,security_model=none"
      -qmp "unix:$run/qmp.sock,server=on,wait=off")
printf '%q ' qemu-system-x86_64 "${args[@]}" > "$log/command"
echo >> "$log/command"

say "running $name in the KMS bed (Linux ${assets##*/}, virtio-gpu with" \
    "$outputs outputs; at most ${timeout_s}s; log: $log)"
start=$EPOCHREALTIME
touch "$log/console.log"
nice -n 10 timeout -k 5 "$timeout_s" qemu-system-x86_64 "${args[@]}" \
    < /dev/null > "$log/qemu.log" 2>&1 &
qpid=$!
watch_rc=0
nice -n 10 /usr/bin/python3 "$RCAR_TOP/kms-bed/watch.py" \
    --console "$log/console.log" --qmp "$run/qmp.sock" --out "$log" \
    --scenario "$name" --deadline "$((timeout_s + 10))" |
    tee "$log/results.txt" || watch_rc=$?
# Without the host side, screenshots and checks cannot work: stop the bed
# (when checks failed, QEMU has already exited)
if [ "$watch_rc" -ne 0 ]; then
    kill "$qpid" 2> /dev/null || true
fi
rc=0
wait "$qpid" || rc=$?
qpid=""
wall=$(awk -v s="$start" -v e="$EPOCHREALTIME" \
    'BEGIN { printf "%.1f", e - s }')
tr -d '\r' < "$log/console.log" > "$log/console.txt"
say "the bed ran ${wall}s wall, QEMU exit status $rc"

bed_exit=$(cat "$log/bed-exit" 2>/dev/null || true)
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    why="timed out after ${timeout_s}s; the console ends with:"
    why+=" $(grep -v '^$' "$log/console.txt" | tail -n 1)"
elif [ -s "$log/bed-error" ]; then
    why="the bed failed: $(cat "$log/bed-error")"
elif [ -z "$bed_exit" ]; then
    why="QEMU exited with status $rc before the scenario ended:"
    why+=" $(head -n 1 "$log/qemu.log")"
    why+=" $(grep -m1 'Kernel panic' "$log/console.txt" || true)"
elif [ "$bed_exit" != 0 ]; then
    why="the scenario exited with status $bed_exit; see $log/console.txt"
elif [ "$rc" -ne 0 ]; then
    why="QEMU exited with status $rc: $(head -n 1 "$log/qemu.log")"
else
    why=""
fi
if [ -z "$why" ] && [ "$watch_rc" -ne 0 ] &&
   ! grep -q '^FAIL: ' "$log/results.txt"; then
    why="the host side (kms-bed/watch.py) failed; see its messages above"
fi
if [ -n "$why" ]; then
    echo "FAIL: $label/run ($why)" | tee -a "$log/results.txt"
    exit 1
fi
echo "$label: ran in ${wall}s" | tee -a "$log/results.txt"
echo "PASS: $label/run" | tee -a "$log/results.txt"
! grep -q '^FAIL: ' "$log/results.txt"
