#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Build qemu-system-aarch64 from the base plus the series, outside the work
# tree with ccache, and link it to out/bin/qemu-system-aarch64.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

bash "$RCAR_TOP/scripts/deps.sh"
bash "$RCAR_TOP/scripts/apply.sh"

# Changing rcar_build_options (common.sh) configures the build again.
config=("${rcar_build_options[@]}")
# Extra options, e.g. RCAR_EXTRA_CONFIGURE="--enable-debug"
read -r -a extra <<< "${RCAR_EXTRA_CONFIGURE:-}"
config+=("${extra[@]}")
qemu_configure "$BUILD_DIR" "${config[@]}"
say "building (log: $BUILD_DIR/ninja.log)"
qemu_ninja "$BUILD_DIR" qemu-system-aarch64 qemu-img

# Firmware Debian strips from the source: from the ipxe-qemu and
# qemu-efi-aarch64 packages, where the build tree's binary looks for it.
datadir=$BUILD_DIR/qemu-bundle/usr/local/share/qemu
mkdir -p "$datadir"
for rom in /usr/lib/ipxe/qemu/*.rom; do
    ln -sf "$rom" "$datadir/"
done
ln -sf /usr/share/AAVMF/AAVMF_CODE.fd "$datadir/edk2-aarch64-code.fd"
ln -sf /usr/share/AAVMF/AAVMF_VARS.fd "$datadir/edk2-arm-vars.fd"
# bios-tables-test opens pc-bios/edk2-aarch64-code.fd in the build tree
mkdir -p "$BUILD_DIR/pc-bios"
ln -sf /usr/share/AAVMF/AAVMF_CODE.fd "$BUILD_DIR/pc-bios/edk2-aarch64-code.fd"
ln -sf /usr/share/AAVMF/AAVMF_VARS.fd "$BUILD_DIR/pc-bios/edk2-arm-vars.fd"

mkdir -p "$OUT_DIR/bin"
ln -sf "$BUILD_DIR/qemu-system-aarch64" "$OUT_DIR/bin/qemu-system-aarch64"
ln -sf "$BUILD_DIR/qemu-img" "$OUT_DIR/bin/qemu-img"
say "built $OUT_DIR/bin/qemu-system-aarch64"
