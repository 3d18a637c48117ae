#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-compile kvm-id-probe/kvm-id-probe.c, the measuring tool of
# docs/KVM-BIG-LITTLE.md, statically for arm64 into
# out/kvm-id-probe/kvm-id-probe, where scripts/kvm-bed-lib.sh finds it
# for the KVM test bed's scenario kvm-id-probe (guest/kvm-bed).
#
# Usage: scripts/build-kvm-id-probe.sh
#
# Debian's aarch64-linux-gnu-gcc and its UAPI headers
# (linux-libc-dev-arm64-cross, Linux 6.1); the probe defines what later
# kernels added.  Static, so the bed's arm64 root needs no library for it.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

cc=aarch64-linux-gnu-gcc
src=$RCAR_TOP/kvm-id-probe/kvm-id-probe.c
out=$OUT_DIR/kvm-id-probe

command -v "$cc" > /dev/null ||
    die "$cc is missing; install the arm64 cross toolchain with" \
        "'bash scripts/deps.sh scripts/packages-arm64.txt'"
[ -f /usr/aarch64-linux-gnu/include/linux/kvm.h ] ||
    die "the arm64 kernel headers are missing; install" \
        "linux-libc-dev-arm64-cross (it comes with $cc)"

mkdir -p "$out"
say "compiling ${src#"$RCAR_TOP"/} for arm64 (static)"
"$cc" -std=gnu11 -O2 -Wall -Wextra -Werror -static -s \
    -o "$out/kvm-id-probe.new" "$src" ||
    die "compiling $src failed; see the errors above"
mv "$out/kvm-id-probe.new" "$out/kvm-id-probe"
say "made ${out#"$RCAR_TOP"/}/kvm-id-probe"
