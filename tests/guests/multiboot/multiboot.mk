# Septum's multiboot test kernels (tests/guests/multiboot/, docs/guest-boot.md):
# mbtest.c built twice, with a Multiboot v1 header (mbtest1.elf) and with a
# Multiboot2 header (mbtest2.elf), 32-bit, freestanding, on the 32-bit guest
# runtime (console, strings, exit) minus its entry stub: the multiboot entry
# (entry.S) takes EAX/EBX from the loader. Included from tests/guests/guests.mk.

MB_DIR := tests/guests/multiboot
MB_OUT := $(GUEST_DIR)/multiboot
MB_ELFS := $(GUEST_DIR)/mbtest1.elf $(GUEST_DIR)/mbtest2.elf
MB_LIB32 := $(patsubst %,$(GUEST_DIR)/lib32/%.o,$(GUEST_LIB_COMMON))
MB_LDFLAGS := -static -nostdlib -z max-page-size=4096 -z noexecstack --no-warn-rwx-segments -T $(MB_DIR)/mb.ld

$(MB_OUT)/mbtest%.o: $(MB_DIR)/mbtest.c $(GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS32) -DMB_VERSION=$* -c $< -o $@

$(MB_OUT)/mb%.S.o: $(MB_DIR)/mb%.S $(MB_DIR)/entry.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS32) -I$(MB_DIR) -c $< -o $@

$(GUEST_DIR)/mbtest%.elf: $(MB_OUT)/mb%.S.o $(MB_OUT)/mbtest%.o $(MB_LIB32) $(MB_DIR)/mb.ld
	$(LD) -m elf_i386 $(MB_LDFLAGS) -o $@ $(MB_OUT)/mb$*.S.o $(MB_OUT)/mbtest$*.o $(MB_LIB32)

guests: $(MB_ELFS)

# Keep the objects (make would delete them as intermediates of the chain).
.SECONDARY: $(MB_OUT)/mb1.S.o $(MB_OUT)/mb2.S.o $(MB_OUT)/mbtest1.o $(MB_OUT)/mbtest2.o

# Two small text modules for the scenarios (tests/system/scenarios/multiboot.scn):
# made here so that nothing but source is committed.
MB_MODS := $(GUEST_DIR)/mbmod-a.txt $(GUEST_DIR)/mbmod-b.txt

$(GUEST_DIR)/mbmod-a.txt: $(MB_DIR)/multiboot.mk
	@mkdir -p $(@D)
	printf 'Septum multiboot module A\nsecond line\n' >$@

$(GUEST_DIR)/mbmod-b.txt: $(MB_DIR)/multiboot.mk
	@mkdir -p $(@D)
	printf 'module B: one line, no newline' >$@

guests: $(MB_MODS)
