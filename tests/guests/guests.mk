# Septum's freestanding test guests (tests/guests/): ELF executables built
# with the host gcc/ld, no libc. Each NAME.c becomes $(BUILD)/guests/NAME.elf,
# linked at 1 MiB with lib/link.ld. docs/guests.md describes the entry state
# Septum gives them and what each one checks.
#
# The runtime (lib/) is compiled once per width. Guest code runs with no FPU or
# SSE state set up and takes exceptions on its own stack at CPL 0: hence
# -mgeneral-regs-only and -mno-red-zone.

GUESTS64 := hello heartbeat probe-mem probe-vmx probe-ipi probe-triple reboot smp probe-pci probe-apic probe-xsave stop-spin probe-fault probe-decode probe-flood burst
GUESTS32 := hello32
GUEST_DIR := $(BUILD)/guests
GUEST_ELFS := $(patsubst %,$(GUEST_DIR)/%.elf,$(GUESTS64) $(GUESTS32))

GUEST_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdinc -nostdlib \
	-fno-pic -fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables -fno-omit-frame-pointer \
	-mgeneral-regs-only -Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-isystem $(shell $(CC) -print-file-name=include) -Iinclude -Itests/guests/lib
GUEST_CFLAGS64 := $(GUEST_CFLAGS) -m64 -mno-red-zone -mcmodel=small
GUEST_CFLAGS32 := $(GUEST_CFLAGS) -m32 -march=i686
GUEST_LDFLAGS := -static -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments \
	-T tests/guests/lib/link.ld

GUEST_LIB_COMMON := console.c string.c runtime.c
GUEST_LIB64 := $(patsubst %,$(GUEST_DIR)/lib64/%.o,entry64.S $(GUEST_LIB_COMMON) trap64.c idt64.S paging64.c)
GUEST_LIB32 := $(patsubst %,$(GUEST_DIR)/lib32/%.o,entry32.S $(GUEST_LIB_COMMON))
GUEST_HDRS := tests/guests/lib/guest.h include/septum/abi.h

$(GUEST_DIR)/lib64/%.c.o: tests/guests/lib/%.c $(GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@

$(GUEST_DIR)/lib64/%.S.o: tests/guests/lib/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@

$(GUEST_DIR)/lib32/%.c.o: tests/guests/lib/%.c $(GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@

$(GUEST_DIR)/lib32/%.S.o: tests/guests/lib/%.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@

$(GUEST_DIR)/obj64/%.o: tests/guests/%.c $(GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@

$(GUEST_DIR)/obj32/%.o: tests/guests/%.c $(GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS32) -c $< -o $@

$(patsubst %,$(GUEST_DIR)/%.elf,$(GUESTS64)): $(GUEST_DIR)/%.elf: $(GUEST_DIR)/obj64/%.o $(GUEST_LIB64) tests/guests/lib/link.ld
	$(LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB64) $<

$(patsubst %,$(GUEST_DIR)/%.elf,$(GUESTS32)): $(GUEST_DIR)/%.elf: $(GUEST_DIR)/obj32/%.o $(GUEST_LIB32) tests/guests/lib/link.ld
	$(LD) -m elf_i386 $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB32) $<

guests: $(GUEST_ELFS)

.PHONY: guests
include tests/guests/multiboot/multiboot.mk
include tests/guests/conformance/conformance.mk
