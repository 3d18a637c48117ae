#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# libvirt drives our binary: Debian's libvirt daemon, in system mode on
# this machine's unix sockets only (libvirtd's default: no TCP), started
# by this test if none runs, and stopped again.  libvirt 11 from
# bookworm-backports: bookworm's 9.0 passes -no-acpi, which QEMU 10 no
# longer has.  Checks, each a PASS:/FAIL: line:
#   domcapabilities  libvirt lists the machine rcar-virt and its R-Car
#                    CPU models for our emulator
#   kms-argv         docs/libvirt/rcar-virt-kms.xml converts (virsh
#                    domxml-to-native, nothing started: no monitor here)
#                    to a command line with a virtio-gpu-device and,
#                    as its last -display, the example's -display kms
#   start            docs/libvirt/rcar-virt-tcg.xml, with our binary and a
#                    Debian 6.1 kernel and the test initramfs, starts
#   console          virsh console reaches the guest's shell, which runs
#                    a command and answers
#   destroy          virsh destroy stops it
# Usage: scripts/libvirt-test.sh QEMU_BINARY
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=guest-lib.sh
. "$RCAR_TOP/scripts/guest-lib.sh"

qemu=${1:?usage: libvirt-test.sh QEMU_BINARY}
[ -x "$qemu" ] || die "$qemu is not an executable; build it (make)"
uri=qemu:///system
dom=qemu-rcar-test-$$
status=0
pass() { echo "PASS: libvirt/$1${2:+ ($2)}"; }
fail() { echo "FAIL: libvirt/$1: ${*:2}"; status=1; }

if ! command -v virsh > /dev/null ||
   ! dpkg --compare-versions "$(virsh --version)" ge 10; then
    bash "$RCAR_TOP/scripts/apt-setup.sh"
    say "installing libvirt from bookworm-backports"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends -t bookworm-backports libvirt-daemon-system \
        libvirt-daemon-driver-qemu libvirt-clients > /dev/null ||
        die "apt-get could not install libvirt"
fi

# A directory libvirt's QEMU user can read (our build lives under /root)
work=$(mktemp -d /tmp/rcar-libvirt.XXXXXX)
chmod 755 "$work"
daemons=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
    virsh -c "$uri" destroy "$dom" > /dev/null 2>&1 || true
    virsh -c "$uri" undefine "$dom" > /dev/null 2>&1 || true
    local pid
    for pid in "${daemons[@]}"; do
        kill "$pid" 2> /dev/null || true
    done
    # libvirtd 11 can take its time over SIGTERM; after 5 s, SIGKILL
    for pid in "${daemons[@]}"; do
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2> /dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2> /dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

if ! virsh -c "$uri" uri > /dev/null 2>&1; then
    mkdir -p /var/log/libvirt /run/libvirt
    virtlogd --daemon --pid-file "$work/virtlogd.pid" ||
        die "virtlogd would not start"
    libvirtd --daemon --pid-file "$work/libvirtd.pid" ||
        die "libvirtd would not start"
    for ((i = 0; i < 50; i++)); do
        [ -s "$work/libvirtd.pid" ] && [ -s "$work/virtlogd.pid" ] && break
        sleep 0.2
    done
    for f in virtlogd libvirtd; do
        [ -s "$work/$f.pid" ] || die "$f did not start (is another one" \
            "shutting down?); see /var/log/libvirt/libvirtd.log"
        daemons+=("$(cat "$work/$f.pid")")
    done
    for ((i = 0; i < 50; i++)); do
        virsh -c "$uri" uri > /dev/null 2>&1 && break
        sleep 0.2
    done
    virsh -c "$uri" uri > /dev/null 2>&1 ||
        die "libvirtd started but $uri does not answer;" \
            "see /var/log/libvirt/libvirtd.log"
fi

assets=$(guest_assets 6.1)
cp -L "$qemu" "$work/qemu-system-aarch64"
cp "$assets/vmlinuz" "$assets/initrd.gz" "$work/"
chmod 755 "$work/qemu-system-aarch64"
chmod 644 "$work/vmlinuz" "$work/initrd.gz"

# domcapabilities: the machine and its CPU models
caps=$(virsh -c "$uri" domcapabilities --emulatorbin \
       "$work/qemu-system-aarch64" --arch aarch64 --machine rcar-virt \
       --virttype qemu 2>&1) || true
missing=""
grep -q '<machine>rcar-virt</machine>' <<< "$caps" || missing+=" rcar-virt"
for m in cortex-a57-r1p3 cortex-a53-r0p4 cortex-a76 cortex-a55; do
    grep -q ">$m</model>" <<< "$caps" || missing+=" $m"
done
if [ -z "$missing" ]; then
    pass domcapabilities "rcar-virt with cortex-a57-r1p3, cortex-a53-r0p4"
else
    fail domcapabilities "missing:$missing: $(head -c 300 <<< "$caps")"
fi

# kms-argv: the KMS display example, converted only
kms_display=kms,device=/dev/dri/card0,connector.0=HDMI-A-1
sed -e "s|@NAME@|$dom-kms|" -e "s|@EMULATOR@|$work/qemu-system-aarch64|" \
    -e "s|@KERNEL@|$work/vmlinuz|" -e "s|@INITRD@|$work/initrd.gz|" \
    "$RCAR_TOP/docs/libvirt/rcar-virt-kms.xml" > "$work/domain-kms.xml"
if ! argv=$(virsh -c "$uri" domxml-to-native qemu-argv \
            "$work/domain-kms.xml" 2>&1); then
    fail kms-argv "virsh domxml-to-native refused the example:" \
                  "$(head -c 300 <<< "$argv" | tr '\n' ' ')"
elif ! grep -q 'virtio-gpu-device' <<< "$argv"; then
    fail kms-argv "no virtio-gpu-device in: $(tr '\n' ' ' <<< "$argv")"
elif [ "$(grep -o -- '-display [^ ]*' <<< "$argv" | tail -n 1)" != \
       "-display $kms_display" ]; then
    fail kms-argv "the last -display is not '$kms_display' in:" \
                  "$(tr '\n' ' ' <<< "$argv")"
else
    pass kms-argv "-display $kms_display"
fi

# start: the documented example, with our paths
sed -e "s|@NAME@|$dom|" -e "s|@EMULATOR@|$work/qemu-system-aarch64|" \
    -e "s|@KERNEL@|$work/vmlinuz|" -e "s|@INITRD@|$work/initrd.gz|" \
    "$RCAR_TOP/docs/libvirt/rcar-virt-tcg.xml" > "$work/domain.xml"
if ! out=$(virsh -c "$uri" define "$work/domain.xml" 2>&1); then
    fail start "virsh define refused the example: $out"
    exit 1
fi
if ! out=$(virsh -c "$uri" start "$dom" 2>&1); then
    fail start "$(tr '\n' ' ' <<< "$out")"
    exit 1
fi
pass start "$(grep -m 1 -- '^-smp' "/var/log/libvirt/qemu/$dom.log" 2>/dev/null |
              tr -d '\134' || true)"

# console: type a command into the guest's shell through virsh console
token=$RANDOM$RANDOM
if out=$(timeout 200 /usr/bin/python3 - "$uri" "$dom" "$token" <<'PY' 2>&1
import os
import pty
import select
import sys
import time

uri, dom, token = sys.argv[1:4]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("virsh", ["virsh", "-c", uri, "console", "--force", dom])
buf = b""


def read_until(pattern, secs):
    global buf
    end = time.time() + secs
    while time.time() < end:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                buf += os.read(fd, 4096)
            except OSError:
                return False
            if pattern in buf:
                return True
    return False


answer = ("RCAR-LIBVIRT-%s-42" % token).encode()
ok = False
end = time.time() + 180
while not ok and time.time() < end:
    os.write(fd, b"\r")
    if read_until(b"# ", 10):
        os.write(fd, ("echo RCAR-LIBVIRT-%s-$((6*7))\r" % token).encode())
        ok = read_until(answer, 20)
os.write(fd, b"\x1d")
print(buf.decode(errors="replace")[-300:])
sys.exit(0 if ok else 1)
PY
); then
    pass console "the guest's shell answered RCAR-LIBVIRT-$token-42"
else
    fail console "no answer from the guest's shell: $(tail -c 200 <<< "$out" |
                                                      tr '\n' ' ')"
fi

# destroy
if out=$(virsh -c "$uri" destroy "$dom" 2>&1) &&
   [ "$(virsh -c "$uri" domstate "$dom" 2>/dev/null | head -n 1)" = \
     "shut off" ]; then
    pass destroy
else
    fail destroy "$(tr '\n' ' ' <<< "$out")"
fi
exit "$status"
