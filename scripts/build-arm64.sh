#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Cross-build the series for arm64 hosts, KVM only (no TCG), into
# $RCAR_CACHE/build-arm64, and link it to out/arm64/qemu-system-aarch64.
# The emulated R-Car host of scripts/kvm-bed.sh runs this binary.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

build=$RCAR_CACHE/build-arm64
# libfdt-dev is not multi-arch: installing its arm64 twin would remove the
# native one.  Unpack its headers here instead and link to libfdt1:arm64.
fdt=$RCAR_CACHE/arm64-libfdt

bash "$RCAR_TOP/scripts/deps.sh"
bash "$RCAR_TOP/scripts/deps.sh" "$RCAR_TOP/scripts/packages-arm64.txt"
bash "$RCAR_TOP/scripts/apply.sh"

if [ ! -f "$fdt/usr/include/libfdt.h" ]; then
    say "unpacking libfdt-dev:arm64 headers into $fdt"
    rm -rf "$fdt" "$fdt.tmp"
    mkdir -p "$fdt.tmp"
    # (apt warns that root downloads unsandboxed; the log keeps that)
    (cd "$fdt.tmp" && apt-get download -q libfdt-dev:arm64 \
        > apt.log 2>&1) || {
        cat "$fdt.tmp/apt.log" >&2
        die "could not download libfdt-dev:arm64; check apt" \
            "(scripts/apt-setup.sh)"
    }
    dpkg-deb -x "$fdt.tmp"/libfdt-dev_*_arm64.deb "$fdt.tmp/root"
    mkdir -p "$fdt.tmp/root/lib"
    ln -sf /usr/lib/aarch64-linux-gnu/libfdt.so.1 "$fdt.tmp/root/lib/libfdt.so"
    mv "$fdt.tmp/root" "$fdt"
    rm -rf "$fdt.tmp"
fi

# Only what a KVM host needs: the machines, virtio-mmio devices, no TCG,
# no user networking or UI.  Change this list and the tree is configured
# again.
config=(
    --cross-prefix=aarch64-linux-gnu-
    "--cc=ccache aarch64-linux-gnu-gcc"
    --target-list=aarch64-softmmu
    --with-devices-aarch64=rcar-build
    --python=/usr/bin/python3
    --without-default-features
    --disable-tcg
    --enable-kvm
    --enable-fdt=system
    "--extra-cflags=-I$fdt/usr/include"
    "--extra-ldflags=-L$fdt/lib"
    --disable-install-blobs
    --disable-docs
    --disable-user
    --disable-rust
)
PKG_CONFIG_LIBDIR=/usr/lib/aarch64-linux-gnu/pkgconfig \
    qemu_configure "$build" "${config[@]}"
say "cross-building for arm64 (log: $build/ninja.log)"
qemu_ninja "$build" qemu-system-aarch64
mkdir -p "$OUT_DIR/arm64"
ln -sf "$build/qemu-system-aarch64" "$OUT_DIR/arm64/qemu-system-aarch64"
say "built $OUT_DIR/arm64/qemu-system-aarch64"
