// SPDX-License-Identifier: MIT
/* The MSR policy table and the VMX MSR bitmap built from it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <septum/msr_policy.h>

static uint8_t bm[MSR_BITMAP_SIZE];

/* SDM Vol. 3C §25.6.9: is the access set to exit? */
static bool exits(uint32_t msr, bool write)
{
	unsigned base;

	if (msr <= 0x1fff)
		base = write ? 2048 : 0;
	else if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		base = write ? 3072 : 1024;
	else
		return true;
	msr &= 0x1fff;
	return bm[base + msr / 8] & (1u << (msr % 8));
}

static int setup(void **state)
{
	(void)state;
	memset(bm, 0, sizeof(bm));
	msr_bitmap_build(bm, true);
	return 0;
}

static void pass_through_msrs_do_not_exit(void **state)
{
	static const uint32_t both[] = { 0x174, 0x175, 0x176, 0x277, 0x6e0, 0x808, 0x80b, 0x832,
					 0x838, 0xc0000081, 0xc0000082, 0xc0000100, 0xc0000102 };
	(void)state;
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		assert_false(exits(both[i], false));
		assert_false(exits(both[i], true));
	}
}

static void icr_reads_pass_writes_exit(void **state)
{
	(void)state;
	assert_false(exits(0x830, false));
	assert_true(exits(0x830, true));
	assert_int_equal(msr_write_access(0x830), MSR_EMULATE);
}

static void emulated_msrs_exit_both_ways(void **state)
{
	(void)state;
	assert_true(exits(0x1b, false));
	assert_true(exits(0x1b, true));
	assert_true(exits(0xc0000080, false));
	assert_true(exits(0xc0000080, true));
	assert_true(exits(0x8b, false));
	assert_true(exits(0x3a, false));
}

static void read_only_pass_msrs_trap_writes(void **state)
{
	(void)state;
	assert_false(exits(0x10, false));        /* TSC readable (TSC offsetting applies) */
	assert_true(exits(0x10, true));          /* ... a write moves the vCPU's offset */
	assert_int_equal(msr_write_access(0x10), MSR_EMULATE);
	assert_true(exits(0x3b, false) && exits(0x3b, true));   /* TSC_ADJUST emulated */
	assert_int_equal(msr_read_access(0x3b), MSR_EMULATE);
	assert_false(exits(0x2ff, false));       /* MTRR readable */
	assert_true(exits(0x2ff, true));
	assert_int_equal(msr_write_access(0x2ff), MSR_ABSORB);
}

static void unknown_msrs_exit_and_gp(void **state)
{
	static const uint32_t unknown[] = { 0x0, 0x11, 0x179, 0x1fff, 0x2000, 0x4b564d00, 0xc0000000,
					    0xc0000104, 0xc0001fff, 0xffffffff };
	(void)state;
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_true(exits(unknown[i], false));
		assert_true(exits(unknown[i], true));
		assert_int_equal(msr_read_access(unknown[i]), MSR_GP);
		assert_int_equal(msr_write_access(unknown[i]), MSR_GP);
		assert_null(msr_rule_find(unknown[i]));
	}
}

static void rules_are_sorted_and_disjoint(void **state)
{
	const struct msr_rule *prev = NULL;

	(void)state;
	/* Walk every MSR boundary of interest; a rule found must contain it and
	 * the rules met must be in ascending, non-overlapping order. */
	for (uint64_t m = 0; m <= 0x1fff; m++) {
		const struct msr_rule *r = msr_rule_find((uint32_t)m);

		if (!r)
			continue;
		assert_true(r->first <= m && m <= r->last);
		if (prev && prev != r)
			assert_true(prev->last < r->first);
		prev = r;
		assert_non_null(r->name);
	}
}

static void bitmap_outside_rules_is_all_ones(void **state)
{
	(void)state;
	/* The high read half of 0xc0001000.. is untouched by any rule. */
	for (unsigned i = 1024 + 0x1000 / 8; i < 2048; i++)
		assert_int_equal(bm[i], 0xff);
}

/* What an emulated MSR does is documented beside its rule (docs/platform.md
 * is generated from it): an emulated direction without words would show
 * only "emulated". Rules are sorted and disjoint. */
static void emulated_rules_say_what_they_do(void **state)
{
	const struct msr_rule *r;
	size_t n = msr_rules(&r);

	(void)state;
	assert_true(n > 10);
	for (size_t i = 0; i < n; i++) {
		if (r[i].read == MSR_EMULATE && !r[i].read_doc)
			fail_msg("%s: emulated read without read_doc", r[i].name);
		if (r[i].write == MSR_EMULATE && !r[i].write_doc)
			fail_msg("%s: emulated write without write_doc", r[i].name);
		assert_true(r[i].first <= r[i].last);
		if (i)
			assert_true(r[i - 1].last < r[i].first);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(emulated_rules_say_what_they_do),
		cmocka_unit_test_setup(pass_through_msrs_do_not_exit, setup),
		cmocka_unit_test_setup(icr_reads_pass_writes_exit, setup),
		cmocka_unit_test_setup(emulated_msrs_exit_both_ways, setup),
		cmocka_unit_test_setup(read_only_pass_msrs_trap_writes, setup),
		cmocka_unit_test_setup(unknown_msrs_exit_and_gp, setup),
		cmocka_unit_test_setup(rules_are_sorted_and_disjoint, setup),
		cmocka_unit_test_setup(bitmap_outside_rules_is_all_ones, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
