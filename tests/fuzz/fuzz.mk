# Coverage-guided fuzzing (libFuzzer from Debian's clang, with ASan and UBSan).
# Every tests/fuzz/fuzz_NAME.c is one harness; the sibling fuzz_NAME.deps lists
# the repo-relative sources it links with (the same sources the core, the
# loader and septum-check are built from, or compart's for guest/ parsers);
# an optional fuzz_NAME.flags adds compiler and linker flags (compart's
# include path, -D_GNU_SOURCE and its libraries). Seeds: tests/fuzz/corpus/NAME/
# (small, committed); a dictionary: tests/fuzz/NAME.dict when there is one.
#
#   make fuzz           every harness for FUZZ_TIME seconds (default 60), new
#                       inputs kept in $(BUILD)/fuzz/corpus/NAME (seeds untouched)
#   make fuzz-smoke     every harness for a few seconds: what make check runs, so a
#                       harness that no longer builds or crashes at once is noticed
#   make fuzz-build     build only
#
# A crash leaves $(BUILD)/fuzz/crash-NAME-*; reproduce with
# $(BUILD)/fuzz/fuzz_NAME FILE. Every crash becomes a unit test before its fix.

FUZZ_CC     ?= clang
FUZZ_TIME   ?= 60
FUZZ_SMOKE  ?= 4
FUZZ_SRCS   := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES  := $(patsubst tests/fuzz/fuzz_%.c,%,$(FUZZ_SRCS))
FUZZ_BINS   := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -DSEPTUM_HOST_TEST -DSEPTUM_FUZZ -O1 -g \
	-Wall -Wextra -Werror -Wshadow -Wvla -Wmissing-prototypes -Wno-unused-command-line-argument \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
	-fsanitize-coverage-ignorelist=tests/fuzz/coverage-ignore.txt \
	-Iinclude -Ikernel/include -Iarch/x86_64/include -Ivmx/include \
	-Idrivers/include -Itests/unit/fakes/include -Iboot

fuzz_deps = $(shell cat tests/fuzz/$(1).deps 2>/dev/null)
fuzz_flags = $(shell cat tests/fuzz/$(1).flags 2>/dev/null)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_%.deps $$(wildcard tests/fuzz/fuzz_%.flags) tests/fuzz/fuzz.h tests/fuzz/coverage-ignore.txt $$(call fuzz_deps,fuzz_%) $(wildcard include/septum/*.h kernel/include/septum/*.h arch/x86_64/include/arch/*.h boot/*.h vmx/include/vmx/*.h tests/unit/fakes/include/*.h guest/include/*.h guest/lib/*.h)
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(call fuzz_deps,fuzz_$*) $(call fuzz_flags,fuzz_$*)

fuzz-build: $(FUZZ_BINS)

# run_one NAME SECONDS: fuzz from the committed seeds plus the kept corpus.
fuzz fuzz-smoke: fuzz-build
	@secs=$(if $(filter fuzz-smoke,$@),$(FUZZ_SMOKE),$(FUZZ_TIME)); \
	passed=0; failed=0; \
	for n in $(FUZZ_NAMES); do \
		mkdir -p $(BUILD)/fuzz/corpus/$$n; \
		dict=""; [ -f tests/fuzz/$$n.dict ] && dict="-dict=tests/fuzz/$$n.dict"; \
		log=$(BUILD)/fuzz/$$n.log; \
		if $(BUILD)/fuzz/fuzz_$$n -max_total_time=$$secs -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/crash-$$n- $$dict \
			$(BUILD)/fuzz/corpus/$$n tests/fuzz/corpus/$$n >$$log 2>&1; then \
			echo "PASS fuzz_$$n ($$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs in $$secs s, $$(grep -o 'cov: [0-9]*' $$log | tail -n 1))"; \
			passed=$$((passed + 1)); \
		else \
			echo "FAIL fuzz_$$n: see $$log"; grep -E '^(==|SUMMARY)|runtime error' $$log | head -n 20; \
			failed=$$((failed + 1)); \
		fi; \
	done; \
	echo "fuzz: $$passed passed, $$failed failed"; [ $$failed = 0 ]

.PHONY: fuzz fuzz-smoke fuzz-build
