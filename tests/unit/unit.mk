# Host unit tests (cmocka). Every tests/unit/test_NAME.c is one program; the
# sibling test_NAME.deps lists the repo-relative sources it links with. The
# include path puts tests/unit/fakes/include where the image build has the
# real hardware accessors, so kernel/ logic is tested as it ships.

UNIT_SRCS   := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(UNIT_SRCS))
UNIT_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DSEPTUM_HOST_TEST -O1 -g -pthread \
	-Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes \
	-fsanitize=address,undefined -fno-omit-frame-pointer \
	-Iinclude -Ikernel/include -Iarch/x86_64/include -Ivmx/include -Isvm/include \
	-Idrivers/include -Itests/unit/fakes/include

unit_deps = $(shell cat tests/unit/$(1).deps 2>/dev/null)

$(BUILD)/unit/%: tests/unit/%.c tests/unit/%.deps $$(call unit_deps,%) $(wildcard include/septum/*.h include/hw/*.h kernel/exit/*.h kernel/include/septum/*.h tests/unit/*.h vmx/include/vmx/*.h svm/include/svm/*.h arch/x86_64/include/arch/*.h tests/unit/fakes/include/*.h configs/*.cfg)
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(call unit_deps,$*) -lcmocka

.SECONDEXPANSION:

unit-build: $(UNIT_BINS)

# Runs every unit program; each prints cmocka's own summary. Fails if any does.
unit: unit-build
	@rc=0; for t in $(UNIT_BINS); do echo "== $$t"; $$t || rc=1; done; exit $$rc

.PHONY: unit unit-build
