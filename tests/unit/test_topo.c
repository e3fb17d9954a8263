/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the x2APIC id decomposition (kernel/topo.c) over CPUID
 * leaf 0BH/1FH answers shaped as the SDM describes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <septum/topo.h>

/* One subleaf: shift, logical processors at this level, level number and type. */
#define LVL(shift, n, i, type) { (shift), (n), ((type) << 8) | (i), 0 }

static void two_threads_per_core(void **state __attribute__((unused)))
{
	/* A client part: 1 bit SMT, 3 more bits of cores. */
	const uint32_t sub[][4] = { LVL(1, 2, 0, TOPO_LEVEL_SMT), LVL(4, 8, 1, TOPO_LEVEL_CORE) };
	struct topo_shifts s;
	struct topo_id t;

	assert_true(topo_shifts_parse(sub, 2, &s));
	assert_int_equal(s.smt_shift, 1);
	assert_int_equal(s.pkg_shift, 4);
	t = topo_decompose(0x13, &s);
	assert_int_equal(t.package, 1);
	assert_int_equal(t.core, 1);
	assert_int_equal(t.thread, 1);
	assert_true(topo_same_core(topo_decompose(2, &s), topo_decompose(3, &s)));
	assert_false(topo_same_core(topo_decompose(1, &s), topo_decompose(2, &s)));
}

static void no_smt(void **state __attribute__((unused)))
{
	/* Bochs-like: SMT level with one thread (shift 0). */
	const uint32_t sub[][4] = { LVL(0, 1, 0, TOPO_LEVEL_SMT), LVL(2, 4, 1, TOPO_LEVEL_CORE) };
	struct topo_shifts s;

	assert_true(topo_shifts_parse(sub, 2, &s));
	for (uint32_t a = 0; a < 3; a++)
		assert_false(topo_same_core(topo_decompose(a, &s), topo_decompose(a + 1, &s)));
	assert_int_equal(topo_decompose(3, &s).core, 3);
	assert_int_equal(topo_decompose(3, &s).thread, 0);
}

static void leaf_1f_with_die(void **state __attribute__((unused)))
{
	/* SMT 1 bit, core to bit 5, die to bit 7: die and core bits are both "core". */
	const uint32_t sub[][4] = { LVL(1, 2, 0, TOPO_LEVEL_SMT), LVL(5, 32, 1, TOPO_LEVEL_CORE),
				    LVL(7, 128, 2, 5), LVL(0, 0, 3, TOPO_LEVEL_INVALID) };
	struct topo_shifts s;
	struct topo_id t;

	assert_true(topo_shifts_parse(sub, 4, &s));
	assert_int_equal(s.pkg_shift, 7);
	t = topo_decompose(0x1a5, &s);      /* 1 1010010 1 */
	assert_int_equal(t.package, 3);
	assert_int_equal(t.core, 0x12);
	assert_int_equal(t.thread, 1);
}

static void leaf_absent_or_malformed(void **state __attribute__((unused)))
{
	const uint32_t none[][4] = { { 0, 0, 0, 0 } };
	const uint32_t not_smt_first[][4] = { LVL(1, 2, 0, TOPO_LEVEL_CORE) };
	const uint32_t shrinking[][4] = { LVL(4, 2, 0, TOPO_LEVEL_SMT), LVL(2, 8, 1, TOPO_LEVEL_CORE) };
	struct topo_shifts s;

	assert_false(topo_shifts_parse(none, 1, &s));
	assert_false(topo_shifts_parse(not_smt_first, 1, &s));
	assert_false(topo_shifts_parse(shrinking, 2, &s));
	assert_false(topo_shifts_parse(none, 0, &s));
}

static void legacy_leaves(void **state __attribute__((unused)))
{
	struct topo_shifts s;

	/* Bochs' corei7_skylake_x with 4 CPUs: HTT set, 1 id per package,
	 * leaf 4 claims 8 cores: every CPU is a package of its own. */
	topo_shifts_legacy(0x00010800, 0xbfebfbff, 0x1c004121, &s);
	assert_int_equal(s.smt_shift, 0);
	assert_int_equal(s.pkg_shift, 0);
	assert_int_equal(topo_decompose(3, &s).package, 3);
	/* HTT off: one logical processor per package. */
	topo_shifts_legacy(0x00080800, 0x0febfbff, 0x1c004121, &s);
	assert_int_equal(s.pkg_shift, 0);
	/* 8 ids per package, 4 cores: 2 threads per core. */
	topo_shifts_legacy(0x00080800, 0xbfebfbff, 3u << 26, &s);
	assert_int_equal(s.smt_shift, 1);
	assert_int_equal(s.pkg_shift, 3);
	assert_true(topo_same_core(topo_decompose(4, &s), topo_decompose(5, &s)));
	/* 2 ids, no leaf 4 (one core): both are threads of it. */
	topo_shifts_legacy(0x00020800, 0xbfebfbff, 0, &s);
	assert_int_equal(s.smt_shift, 1);
	assert_int_equal(s.pkg_shift, 1);
}

static void bochs_leaf_b_refused(void **state __attribute__((unused)))
{
	/* Bochs 2.7 answers leaf 0xB with level type 0 in subleaf 0. */
	const uint32_t sub[][4] = { { 2, 4, 0, 0 } };
	struct topo_shifts s;

	assert_false(topo_shifts_parse(sub, 1, &s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(two_threads_per_core),
		cmocka_unit_test(no_smt),
		cmocka_unit_test(leaf_1f_with_die),
		cmocka_unit_test(leaf_absent_or_malformed),
		cmocka_unit_test(legacy_leaves),
		cmocka_unit_test(bochs_leaf_b_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
