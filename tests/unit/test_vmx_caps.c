// SPDX-License-Identifier: MIT
/*
 * vmx_adjust_controls() (vmx/caps.c): a VMX control word from a capability
 * MSR whose low half is allowed-0 (bits that must be 1) and high half is
 * allowed-1 (bits that may be 1), SDM Vol. 3D §A.3. vmx/caps.c is linked
 * whole: its inline-asm helpers compile on the host and are never called.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <vmx/vmx.h>

#define CAP(allowed0, allowed1) (((uint64_t)(allowed1) << 32) | (uint32_t)(allowed0))

static void allowed0_bits_forced_on(void **state)
{
	uint32_t out = 0xdeadbeef;

	(void)state;
	/* Bits 1, 2, 4 must be 1 (like the pin-based default1 class, 0x16). */
	assert_int_equal(vmx_adjust_controls(CAP(0x16, 0xff), 0x08, 0, &out), 0);
	assert_int_equal(out, 0x1e);
}

static void required_and_optional_allowed(void **state)
{
	uint32_t out = 0;

	(void)state;
	assert_int_equal(vmx_adjust_controls(CAP(0x0, 0xffffffff), 0x80000001, 0x00f00000, &out), 0);
	assert_int_equal(out, 0x80f00001);
}

static void optional_dropped_when_not_allowed1(void **state)
{
	uint32_t out = 0;

	(void)state;
	/* optional bits 8 and 9; only bit 8 may be 1 */
	assert_int_equal(vmx_adjust_controls(CAP(0x1, 0x1 | 0x100 | 0x4), 0x4, 0x300, &out), 0);
	assert_int_equal(out, 0x1 | 0x4 | 0x100);
}

static void all_optional_dropped(void **state)
{
	uint32_t out = 0xffffffff;

	(void)state;
	assert_int_equal(vmx_adjust_controls(CAP(0x0, 0x0000ffff), 0, 0xffff0000, &out), 0);
	assert_int_equal(out, 0);
}

static void required_not_allowed_fails(void **state)
{
	uint32_t out = 0x12345678;

	(void)state;
	assert_int_equal(vmx_adjust_controls(CAP(0x16, 0x0000ffff), 0x00010000, 0, &out), -1);
	assert_int_equal(out, 0x12345678);        /* untouched on failure */
}

static void one_of_several_required_missing_fails(void **state)
{
	uint32_t out = 0;

	(void)state;
	assert_int_equal(vmx_adjust_controls(CAP(0, 0x80000000 | 0x2), 0x80000000 | 0x2 | 0x4, 0, &out), -1);
}

/* A bit that is both allowed-0 and missing from allowed-1 cannot happen on
 * real CPUs; the result still honours allowed-1 (never sets a forbidden bit). */
static void never_sets_bit_outside_allowed1(void **state)
{
	uint32_t out = 0;

	(void)state;
	assert_int_equal(vmx_adjust_controls(CAP(0xff, 0x0f), 0x1, 0xffffffff, &out), 0);
	assert_int_equal(out, 0x0f);
}

/* vmx/caps.c's virt_enable_cpu() applies the mitigations (vmx/spec_hw.c). */
#include <vmx/spec_hw.h>
void spec_cpu_init(void) {}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allowed0_bits_forced_on),
		cmocka_unit_test(required_and_optional_allowed),
		cmocka_unit_test(optional_dropped_when_not_allowed1),
		cmocka_unit_test(all_optional_dropped),
		cmocka_unit_test(required_not_allowed_fails),
		cmocka_unit_test(one_of_several_required_missing_fails),
		cmocka_unit_test(never_sets_bit_outside_allowed1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
