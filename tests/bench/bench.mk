# tests/bench/bench.mk — benchmarks (they measure; they assert nothing).
#
#   make bench            the hypervisor benchmark (tests/bench/bench.sh): VM exits
#                         per reason of a 1-CPU Debian Linux partition (boot to
#                         init, 10 s idle, 10 s busy), its wall time to init under
#                         Septum / bare in the same Bochs + OVMF, Septum's memory.
#                         BENCH_RUNS=N runs of each (default 3: 6 Linux boots in
#                         Bochs, 25-40 min on this machine). Then the compart one.
#   make bench-septum     the hypervisor benchmark only
#   make bench-compart    compart vs crun/runc (top-level Makefile, guest/bench)
# docs/benchmarks.md describes both and keeps the last results.

BENCH_DIR := $(BUILD)/bench
BENCH_RUNS ?= 3
BENCH_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wvla \
	-Wmissing-prototypes -Iinclude

# Statically linked: the initramfs has busybox and nothing else.
$(BENCH_DIR)/septum-mark: tests/bench/septum-mark.c include/septum/abi.h
	@mkdir -p $(@D)
	$(HOSTCC) $(BENCH_CFLAGS) -static $< -o $@

$(BENCH_DIR)/images/initrd.img: tools/mkinitramfs.sh tests/bench/init $(BENCH_DIR)/septum-mark
	tools/mkinitramfs.sh $@ tests/bench/init $(BENCH_DIR)/septum-mark:bin/septum-mark

bench-septum: $(BUILD)/septum.elf $(BUILD)/BOOTX64.EFI $(BUILD)/images/vmlinuz $(BENCH_DIR)/images/initrd.img
	BENCH_RUNS=$(BENCH_RUNS) tests/bench/bench.sh --build $(BUILD)

# One after the other, never in parallel (even under make -j): each would
# disturb the other's timings.
bench:
	@$(MAKE) --no-print-directory bench-septum
	@$(MAKE) --no-print-directory bench-compart

.PHONY: bench bench-septum
