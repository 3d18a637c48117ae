# SPDX-License-Identifier: GPL-2.0-or-later
# qemu-rcar: the R-Car patch series for QEMU.  See README.md.

SHELL := /bin/bash
QEMU := out/bin/qemu-system-aarch64

.PHONY: all build run check series series-check bench-boot clean help

all: build

help:
	@echo "make            build out/bin/qemu-system-aarch64"
	@echo "make run        build and boot a demo guest on rcar-virt,soc=h3"
	@echo "make check      build and run every test; last line: N passed, N failed"
	@echo "make series     export the series with git format-patch to out/series"
	@echo "make series-check  apply, build and checkpatch every patch in turn"
	@echo "make bench-boot boot time, start-up and RSS: rcar-virt against virt"

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

clean:
	rm -rf out
