# Host tools. septum-check links the hypervisor's own config parser, planner
# and ELF checks (kernel/config.c, kernel/plan.c, kernel/guest/elf.c), compiled for
# the host with the unit tests' warning flags, so the checker and the core
# cannot disagree about a config.

TOOLS_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -O2 -g \
	-Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-Iinclude -Ikernel/include

SEPTUM_CHECK_SRCS := tools/septum-check.c kernel/config.c kernel/plan.c kernel/guest/elf.c kernel/lib/why.c \
	kernel/guest/image.c kernel/guest/linux_boot.c kernel/guest/multiboot.c

$(BUILD)/septum-check: $(SEPTUM_CHECK_SRCS) $(wildcard include/septum/*.h kernel/include/septum/*.h)
	@mkdir -p $(@D)
	$(HOSTCC) $(TOOLS_CFLAGS) -o $@ $(SEPTUM_CHECK_SRCS)

tools: $(BUILD)/septum-check

# `make` builds septum-check too (the top-level Makefile's header says so).
all: tools

.PHONY: tools

# Command-line tests of septum-check (exit status, FILE:LINE text, plan).
tools-check: $(BUILD)/septum-check
	tests/unit/test_septum_check.sh $(BUILD)/septum-check

clean-tools:
	rm -f $(BUILD)/septum-check

clean: clean-tools

.PHONY: tools-check clean-tools
