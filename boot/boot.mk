# boot/boot.mk — the UEFI loader (build/BOOTX64.EFI), the ESP (`make image`)
# and a manual QEMU run (`make run-qemu`). Included by the top-level Makefile,
# which defines BUILD, CONFIG and the rule for $(BUILD)/septum.elf.
#
# gnu-efi 3.0.15 (Debian): objects are -fpic ELF, linked as a shared object
# with gnu-efi's crt0 and linker script, then converted to PE32+ by objcopy.
# Firmware calls go through uefi_call_wrapper (EFI_FUNCTION_WRAPPER), so the
# loader itself is ordinary System V code.

EFI_INC      ?= /usr/include/efi
EFI_LIB      ?= /usr/lib
EFI_LDS      := $(EFI_LIB)/elf_x86_64_efi.lds
EFI_CRT0     := $(EFI_LIB)/crt0-efi-x86_64.o
OVMF_CODE    ?= /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS    ?= /usr/share/OVMF/OVMF_VARS_4M.fd
# e.g. -DBOOT_TEST_STALE_MAP_KEY: forces one ExitBootServices retry (tests only)
BOOT_EXTRA_CFLAGS ?=

BOOT_CFLAGS := -std=c11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64 -DEFI_FUNCTION_WRAPPER \
	-fno-stack-protector -fpic -fshort-wchar -mno-red-zone -ffreestanding \
	-fno-strict-aliasing -Ikernel/include $(BOOT_EXTRA_CFLAGS)

BOOT_SRCS := $(wildcard boot/*.c)
# The reservation's sizing is the core's own pure code (septum/reserve.h).
BOOT_OBJS := $(patsubst boot/%.c,$(BUILD)/boot/%.o,$(BOOT_SRCS)) $(BUILD)/boot/kernel_reserve.o

$(BUILD)/boot/%.o: boot/%.c
	@mkdir -p $(@D)
	$(CC) $(BOOT_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/boot/kernel_reserve.o: kernel/lib/reserve.c
	@mkdir -p $(@D)
	$(CC) $(BOOT_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/boot/BOOTX64.so: $(BOOT_OBJS)
	$(LD) -nostdlib -znocombreloc -shared -Bsymbolic -T $(EFI_LDS) $(EFI_CRT0) $(BOOT_OBJS) \
		-o $@ -L$(EFI_LIB) -lefi -lgnuefi

$(BUILD)/BOOTX64.EFI: $(BUILD)/boot/BOOTX64.so
	objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela \
		-j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 --subsystem=10 $< $@

-include $(BOOT_OBJS:.o=.d)

all: $(BUILD)/BOOTX64.EFI

# The ESP as a folder ($(BUILD)/esp, for QEMU's fat:rw:) and as a 64 MB FAT32
# image ($(BUILD)/esp.img, for Bochs and for dd to a USB stick). Images are
# looked up in the test guests first, then next to the config.
image: $(BUILD)/BOOTX64.EFI $(BUILD)/septum.elf guests
	tools/mkesp.sh --config $(CONFIG) --out $(BUILD) --efi $(BUILD)/BOOTX64.EFI \
		--core $(BUILD)/septum.elf --search $(BUILD)/guests:$(dir $(CONFIG))

# Manual run: QEMU + OVMF under TCG (no VT-x there, but AMD-V with nested
# paging: the core runs the partitions with its AMD-V backend, docs/svm.md). Serial on stdio; the core ends the run through
# isa-debug-exit (host exit status = value << 1 | 1).
run-qemu: image
	cp $(OVMF_VARS) $(BUILD)/ovmf-vars.fd
	qemu-system-x86_64 -accel tcg -cpu max -smp 4 -m 512 -nic none -display none \
		-serial stdio -no-reboot \
		-drive if=pflash,format=raw,readonly=on,file=$(OVMF_CODE) \
		-drive if=pflash,format=raw,file=$(BUILD)/ovmf-vars.fd \
		-drive file=fat:rw:$(BUILD)/esp,format=raw \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04

.PHONY: image run-qemu

# Host unit tests (cmocka) of the loader's pure parts: boot/tests/test_boot_X.c
# links boot/X.c. Same flags as tests/unit (UNIT_CFLAGS); hooked into `make unit`.
BOOT_UNIT_SRCS := $(wildcard boot/tests/test_boot_*.c)
BOOT_UNIT_BINS := $(patsubst boot/tests/%.c,$(BUILD)/unit/boot/%,$(BOOT_UNIT_SRCS))

$(BUILD)/unit/boot/test_boot_%: boot/tests/test_boot_%.c boot/%.c boot/%.h \
		kernel/include/septum/boot_info.h kernel/include/septum/reserve.h kernel/lib/reserve.c
	@mkdir -p $(@D)
	$(HOSTCC) $(UNIT_CFLAGS) -Iboot -o $@ $< boot/$*.c kernel/lib/reserve.c -lcmocka

boot-unit: $(BOOT_UNIT_BINS)
	@rc=0; for t in $^; do echo "== $$t"; $$t || rc=1; done; exit $$rc

unit: boot-unit

.PHONY: boot-unit
