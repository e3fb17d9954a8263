// SPDX-License-Identifier: MIT
/* The AMD-V MSR permission map built from the MSR policy table (svm/msrpm.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <septum/msr_policy.h>
#include <svm/backend.h>

static uint8_t pm[SVM_MSRPM_SIZE];

/* APM Vol. 2 §15.11, an independent reading: 0x000-0x7ff MSRs 0-1FFFh,
 * 0x800-0xfff C000_0000h-C000_1FFFh, 0x1000-0x17ff C001_0000h-C001_1FFFh,
 * two bits per MSR (read at 2n, write at 2n+1); anything else intercepts. */
static bool intercepted(uint32_t msr, bool write)
{
	unsigned byte;

	if (msr <= 0x1fff)
		byte = 0;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		byte = 0x800;
	else if (msr >= 0xc0010000u && msr <= 0xc0011fffu)
		byte = 0x1000;
	else
		return true;
	unsigned bit = (msr & 0x1fff) * 2 + (write ? 1 : 0);
	return pm[byte + bit / 8] & (1u << (bit % 8));
}

static int setup(void **state)
{
	(void)state;
	memset(pm, 0, sizeof(pm));
	svm_msrpm_build(pm, true);
	return 0;
}

static void pass_through_msrs_do_not_exit(void **state)
{
	static const uint32_t both[] = { 0x48, 0x174, 0x175, 0x176, 0x6e0, 0x808, 0x80b, 0x832,
					 0x838, 0xc0000081, 0xc0000082, 0xc0000100, 0xc0000102, 0xc0000103 };

	(void)state;
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		assert_false(intercepted(both[i], false));
		assert_false(intercepted(both[i], true));
	}
	assert_false(intercepted(0x10, false));           /* TSC: read passes, write emulated */
	assert_true(intercepted(0x10, true));
	assert_false(intercepted(0x830, false));          /* x2APIC ICR: writes filtered */
	assert_true(intercepted(0x830, true));
}

/* EFER (SVME is the backend's) and PAT (the guest's is G_PAT) always exit,
 * whatever the policy table says; so do the emulated MSRs. */
static void efer_pat_and_emulated_msrs_exit(void **state)
{
	static const uint32_t both[] = { 0x1b, 0x3b, 0x277, 0xc0000080 };

	(void)state;
	for (size_t i = 0; i < sizeof(both) / sizeof(both[0]); i++) {
		assert_true(intercepted(both[i], false));
		assert_true(intercepted(both[i], true));
	}
	assert_true(intercepted(0x3a, false));            /* FEATURE_CONTROL: emulated read */
	assert_true(intercepted(0x1a0, true));            /* MISC_ENABLE: absorbed write */
}

/* SVM's own MSRs (VM_CR, VM_HSAVE_PA) and everything not in the table exit:
 * kernel/exit/ answers #GP. */
static void unknown_and_svm_msrs_exit(void **state)
{
	static const uint32_t msrs[] = { 0x0, 0x1fff, 0xc0010114u, 0xc0010117u, 0xc0011fffu, 0xc0001fffu,
					 0x2000, 0x40000000u };

	(void)state;
	for (size_t i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++) {
		assert_true(intercepted(msrs[i], false));
		assert_true(intercepted(msrs[i], true));
	}
}

/* The whole map agrees with the policy, MSR by MSR. */
static void map_matches_policy(void **state)
{
	static const uint32_t first[3] = { 0, 0xc0000000u, 0xc0010000u };

	(void)state;
	for (unsigned r = 0; r < 3; r++)
		for (uint32_t m = first[r]; m <= first[r] + 0x1fff; m++) {
			bool forced = m == 0xc0000080u || m == 0x277;

			assert_int_equal(intercepted(m, false), forced || msr_read_access(m) != MSR_PASS);
			assert_int_equal(intercepted(m, true), forced || msr_write_access(m) != MSR_PASS);
		}
}

/* Outside x2APIC mode every x2APIC MSR exits (and is #GP there). */
static void x2apic_range_closed_in_xapic_mode(void **state)
{
	(void)state;
	svm_msrpm_build(pm, false);
	for (uint32_t m = 0x800; m <= 0x8ff; m++) {
		assert_true(intercepted(m, false));
		assert_true(intercepted(m, true));
	}
	assert_false(intercepted(0x174, false));          /* the rest unchanged */
	svm_msrpm_build(pm, true);
	assert_false(intercepted(0x808, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(pass_through_msrs_do_not_exit, setup),
		cmocka_unit_test_setup(efer_pat_and_emulated_msrs_exit, setup),
		cmocka_unit_test_setup(unknown_and_svm_msrs_exit, setup),
		cmocka_unit_test_setup(map_matches_policy, setup),
		cmocka_unit_test_setup(x2apic_range_closed_in_xapic_mode, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
