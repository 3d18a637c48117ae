# SPDX-License-Identifier: GPL-2.0-or-later
# qemu-rcar: the R-Car patch series for QEMU.  See README.md.

SHELL := /bin/bash
PREFIX ?= /usr/local
FUZZ_TIME ?= 60
DESTDIR ?=
QEMU := out/bin/qemu-system-aarch64

.PHONY: all build run check series series-check bench-boot arm64 kvm-bed \
	bench-placement bench-display track-upstream dist debian install lessor kms-bed \
	check-asan migration-test fuzz clean help

all: build

help:
	@echo "make            build out/bin/qemu-system-aarch64"
	@echo "make run        build and boot a demo guest on rcar-virt,soc=h3"
	@echo "make check      build and run every test; last line: N passed, N failed"
	@echo "make series     export the series (git format-patch, Buildroot tree, Yocto layer) to out/series"
	@echo "make series-check  apply, build and checkpatch every patch in turn"
	@echo "make bench-boot boot time, start-up and RSS: rcar-virt against virt"
	@echo "make arm64      cross-build out/arm64/qemu-system-aarch64 (KVM only)"
	@echo "make kvm-bed    every placement scenario on an emulated H3 with KVM"
	@echo "make bench-placement  inner boot time: placement against taskset"
	@echo "make bench-display    per-frame cost: -display kms, none, vnc (sdl)"
	@echo "make track-upstream  which patches conflict with Debian's newest QEMU"
	@echo "make dist       release tarball out/dist/qemu-rcar-VERSION.tar.xz"
	@echo "make debian     the series as quilt patches of Debian's qemu: source package and aarch64 build"
	@echo "make install PREFIX=DIR [DESTDIR=STAGE]  the emulator, kms-lessord, man pages"
	@echo "make lessor     build out/lessor/kms-lessord and run its unit tests"
	@echo "make kms-bed    kms-lessord and test clients on a real KMS device (nested Linux)"
	@echo "make check-asan our tests and a guest on an ASan+UBSan build"
	@echo "make migration-test  live migration, savevm/loadvm, refused setups"
	@echo "make fuzz [FUZZ_TIME=S]  generic-fuzz on rcar-virt's virtio-mmio devices, S s each"

build:
	bash scripts/build.sh

run: build
	bash scripts/run-demo.sh $(QEMU)

check:
	bash scripts/check.sh

series:
	bash scripts/series.sh

series-check:
	bash scripts/series-check.sh

bench-boot: build
	bash scripts/bench-boot.sh $(QEMU)

arm64:
	bash scripts/build-arm64.sh

kvm-bed: build arm64
	bash scripts/kvm-bed.sh $(QEMU) --kernel 6.1
	bash scripts/kvm-bed.sh $(QEMU) --kernel 6.12

bench-placement: build arm64
	bash scripts/bench-placement.sh $(QEMU)

bench-display: build
	bash scripts/bench-display.sh

track-upstream:
	bash scripts/track-upstream.sh

dist:
	bash scripts/dist.sh

debian:
	bash scripts/debian.sh

install:
	PREFIX="$(PREFIX)" DESTDIR="$(DESTDIR)" bash scripts/install.sh

lessor:
	$(MAKE) -C lessor O=$(CURDIR)/out/lessor check

kms-bed:
	bash scripts/kms-bed.sh kms-bed/scenarios/pattern.sh
	bash scripts/kms-bed.sh kms-bed/scenarios/prime-import.sh
	bash scripts/kms-bed.sh kms-bed/scenarios/lease.sh

check-asan:
	bash scripts/check-asan.sh

migration-test: build
	bash scripts/migration-test.sh --qemu $(QEMU)

fuzz:
	FUZZ_TIME="$(FUZZ_TIME)" bash scripts/fuzz.sh

clean:
	rm -rf out
