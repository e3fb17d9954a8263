# Septum — top-level build.
#
#   make            core (build/septum.elf), loader (build/BOOTX64.EFI), septum-check, test guests
#   make image      ESP folder build/esp/ and image build/esp.img from CONFIG (default configs/default.cfg)
#   make run        boot CONFIG under Bochs + OVMF with VT-x and show the partitions' consoles
#   make check      every test: host unit tests, compart, system scenarios (Bochs and QEMU)
#   make setup      install the Debian packages the build and the tests need (needs root)

.SECONDEXPANSION:
.DEFAULT_GOAL := all
SHELL   := /bin/bash
BUILD   ?= build
CONFIG  ?= configs/default.cfg
HOSTCC  ?= gcc
CC      := gcc
LD      := ld

# ---------------------------------------------------------------- the core
# Freestanding, no red zone (interrupts and VM exits share the stack), no SSE
# or x87 (guests' extended state is not saved on a VM exit), position
# independent so the loader can place it anywhere below 4 GiB. Retpolines:
# every indirect call/jump of Septum's own C code goes through a thunk that
# guest-trained branch predictors cannot steer (docs/security.md, CPUs
# without IBRS).
NEWLIB     := $(BUILD)/newlib
CORE_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdinc -mno-red-zone -mgeneral-regs-only \
	-mindirect-branch=thunk -mindirect-branch-register -DSEPTUM_RETPOLINE \
	-fpie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-fno-strict-aliasing -Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-isystem $(shell $(CC) -print-file-name=include) -isystem $(NEWLIB)/include \
	-Iinclude -Ikernel/include -Iarch/x86_64/include -Ivmx/include -Isvm/include -Idrivers/include
CORE_ASFLAGS := $(filter-out -std=c11,$(CORE_CFLAGS)) -D__ASSEMBLY__

CORE_SRCS := $(wildcard kernel/*.c) $(wildcard kernel/*/*.c) $(wildcard arch/x86_64/*.c) $(wildcard arch/x86_64/*.S) \
	$(wildcard vmx/*.c) $(wildcard vmx/*.S) $(wildcard svm/*.c) $(wildcard svm/*.S) $(wildcard drivers/*.c)
CORE_OBJS := $(patsubst %,$(BUILD)/core/%.o,$(CORE_SRCS))

# flock: several make invocations may want it at once; one builds, the rest wait.
$(NEWLIB)/libc.a: tools/build-newlib.sh
	@mkdir -p $(BUILD)
	flock $(BUILD)/.newlib.lock sh -c 'test -f $@ -a $@ -nt tools/build-newlib.sh || tools/build-newlib.sh $(NEWLIB)'

$(BUILD)/core/%.c.o: %.c | $(NEWLIB)/libc.a
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/core/%.S.o: %.S | $(NEWLIB)/libc.a
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(CC) $(CORE_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/septum.elf: $(CORE_OBJS) linker.ld $(NEWLIB)/libc.a
	@echo "  LD      $@"
	@$(LD) -static -pie --no-dynamic-linker -z noexecstack -z max-page-size=4096 -z separate-code \
		-T linker.ld -o $@ $(CORE_OBJS) $(NEWLIB)/libc.a $(shell $(CC) -print-libgcc-file-name)

-include $(CORE_OBJS:.o=.d)

# ---------------------------------------------------------------- fragments
-include tests/unit/unit.mk
-include tests/fuzz/fuzz.mk
-include boot/boot.mk
-include tools/tools.mk
-include tests/guests/guests.mk
-include tests/system/system.mk
-include tests/bench/bench.mk

all: $(BUILD)/septum.elf

# Guest OS images, built from Debian packages (nothing binary is committed):
# Debian's own kernel, and a busybox initramfs carrying compart.
images: $(BUILD)/images/vmlinuz $(BUILD)/images/initrd.img

$(BUILD)/images/vmlinuz: tools/fetch-kernel.sh
	tools/fetch-kernel.sh $@

$(BUILD)/images/initrd.img: tools/mkinitramfs.sh tests/guests/linux/init compart-static
	tools/mkinitramfs.sh $@ tests/guests/linux/init $(BUILD)/guest/compart-static:bin/compart

compart-static:
	@$(MAKE) --no-print-directory -s -C guest GUEST_BUILD=$(abspath $(BUILD))/guest $(abspath $(BUILD))/guest/compart-static

# Everything: unit tests, septum-check, compart, system scenarios. The last
# line is "check: N passed, N failed, N skipped"; non-zero exit on failure.
check:
	@BUILD=$(BUILD) MAKE="$(MAKE) --no-print-directory" tests/run-all.sh

# Benchmarks print ratios measured side by side; they assert nothing.
# make bench = bench-septum (tests/bench: VM exits, Linux boot time under
# Septum / bare, memory) then bench-compart (guest/bench).
bench-compart:
	@$(MAKE) --no-print-directory -s -C guest bench-compart

# The core must not contain SSE/AVX code: guests' vector state is not saved
# on VM exits (see tools/build-newlib.sh).
check-no-sse: $(BUILD)/septum.elf
	@if objdump -d $< | grep -qE '%[xyz]mm[0-9]'; then \
		echo "septum.elf uses SSE registers:"; objdump -d $< | grep -E '%[xyz]mm[0-9]' | head; exit 1; fi

# The layers as the architecture draws them: kernel/ (the vendor-neutral
# core) compiles with its own headers and the shared spec layouts in
# include/ only, never arch/, vmx/, svm/ or drivers/ headers; one check per
# file. Then check-no-sse, and docs-check (the generated tables of docs/
# match the code). Last line: "layers: N passed, N failed".
LAYER_CFLAGS := $(filter-out -I%,$(CORE_CFLAGS)) -Iinclude -Ikernel/include
check-layers: | $(NEWLIB)/libc.a
	@p=0; f=0; for src in $(sort $(wildcard kernel/*.c kernel/*/*.c)); do \
		if $(CC) $(LAYER_CFLAGS) -fsyntax-only $$src; then p=$$((p+1)); \
		else f=$$((f+1)); echo "FAIL $$src: needs a header outside include/ and kernel/include/"; fi; \
	done; \
	if $(MAKE) --no-print-directory -s check-no-sse; then p=$$((p+1)); else f=$$((f+1)); fi; \
	if $(MAKE) --no-print-directory -s docs-check; then p=$$((p+1)); else f=$$((f+1)); fi; \
	echo "layers: $$p passed, $$f failed"; [ $$f = 0 ]

clean:
	rm -rf $(BUILD)/core $(BUILD)/unit $(BUILD)/septum.elf

.PHONY: all clean check check-layers check-no-sse bench-compart images compart-static
