# Conformance guests (tests/guests/conformance/, docs/testing.md "Differential
# tests"): 64-bit ELF kernels with a Multiboot2 header and a 32-bit entry that
# enters long mode itself (entry.S), on the 64-bit guest runtime minus its
# entry stub. The same file boots bare under GRUB and as a Septum partition.
# Included from tests/guests/guests.mk.

CONF_DIR    := tests/guests/conformance
CONF_OUT    := $(GUEST_DIR)/conformance
CONF_GUESTS := conf-cr conf-msr conf-exc conf-fpu conf-dbg conf-pf conf-insn conf-cpuid conf-seg conf-tsc
CONF_ELFS   := $(patsubst %,$(GUEST_DIR)/%.elf,$(CONF_GUESTS))
CONF_LIB    := $(filter-out %/entry64.S.o,$(GUEST_LIB64)) $(CONF_OUT)/entry.S.o $(CONF_OUT)/conf.o

$(CONF_OUT)/entry.S.o: $(CONF_DIR)/entry.S
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS64) -c $< -o $@

$(CONF_OUT)/%.o: $(CONF_DIR)/%.c $(CONF_DIR)/conf.h $(GUEST_HDRS)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS64) -I$(CONF_DIR) -c $< -o $@

$(CONF_ELFS): $(GUEST_DIR)/%.elf: $(CONF_OUT)/%.o $(CONF_LIB) tests/guests/lib/link.ld
	$(LD) -m elf_x86_64 $(GUEST_LDFLAGS) -o $@ $(CONF_LIB) $<

guests: $(CONF_ELFS)

.SECONDARY: $(patsubst %,$(CONF_OUT)/%.o,$(CONF_GUESTS) conf) $(CONF_OUT)/entry.S.o
