// SPDX-License-Identifier: MIT
/*
 * kernel/mce.c: the machine-check decision over IA32_MCG_STATUS and
 * IA32_MCi_STATUS values as the SDM defines them (Vol. 3B §16.3, §16.10).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <septum/mce.h>

#define RIPV MCG_STATUS_RIPV
#define EIPV MCG_STATUS_EIPV
#define MCIP MCG_STATUS_MCIP
#define VAL  (MCI_STATUS_VAL | MCI_STATUS_EN)
#define CORRECTED    (VAL | 0x0135)                                   /* a corrected memory read error */
#define SRAO         (VAL | MCI_STATUS_UC | MCI_STATUS_S | 0x00c0)    /* patrol scrub, action optional */
#define SRAR         (VAL | MCI_STATUS_UC | MCI_STATUS_S | MCI_STATUS_AR | 0x0134)  /* data load consumed poison */
#define UC_LEGACY    (VAL | MCI_STATUS_UC | 0x0150)
#define PCC          (VAL | MCI_STATUS_UC | MCI_STATUS_PCC | 0x0400)

static enum mce_action decide(uint64_t mcg, uint64_t b0, uint64_t b1, bool in_guest, int *bank)
{
	uint64_t st[4] = { 0, b0, 0, b1 };

	return mce_decide(mcg, st, 4, in_guest, bank);
}

static void corrected_continues_anywhere(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | MCIP, CORRECTED, 0, false, &bank), MCE_CONTINUE);
	assert_int_equal(bank, -1);
	assert_int_equal(decide(RIPV | MCIP, CORRECTED, 0, true, &bank), MCE_CONTINUE);
}

static void pcc_panics_even_in_a_guest(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | EIPV | MCIP, CORRECTED, PCC, true, &bank), MCE_PANIC);
	assert_int_equal(bank, 3);
}

static void no_restart_ip_in_root_panics(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(MCIP, CORRECTED, 0, false, &bank), MCE_PANIC);
}

static void no_restart_ip_in_guest_stops_it(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(MCIP, CORRECTED, 0, true, &bank), MCE_STOP_OWNER);
}

static void action_optional_continues(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | MCIP, SRAO, 0, false, &bank), MCE_CONTINUE);
	assert_int_equal(bank, 1);
	assert_int_equal(decide(RIPV | MCIP, SRAO, 0, true, &bank), MCE_CONTINUE);
}

static void poison_consumed_by_guest_stops_it(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(EIPV | MCIP, SRAO, SRAR, true, &bank), MCE_STOP_OWNER);
	assert_int_equal(bank, 3);                       /* the action-required bank decides */
}

static void poison_consumed_by_septum_panics(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | EIPV | MCIP, SRAR, 0, false, &bank), MCE_PANIC);
	assert_int_equal(bank, 1);
}

static void uncorrected_tied_to_guest_stops_it(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | EIPV | MCIP, UC_LEGACY, 0, true, &bank), MCE_STOP_OWNER);
}

static void uncorrected_not_attributable_panics(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | MCIP, UC_LEGACY, 0, true, &bank), MCE_PANIC);
	assert_int_equal(decide(RIPV | EIPV | MCIP, UC_LEGACY, 0, false, &bank), MCE_PANIC);
}

static void invalid_banks_ignored(void **state)
{
	int bank;

	(void)state;
	assert_int_equal(decide(RIPV | MCIP, PCC & ~MCI_STATUS_VAL, UC_LEGACY & ~MCI_STATUS_VAL, false, &bank),
			 MCE_CONTINUE);
	assert_int_equal(bank, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(corrected_continues_anywhere),
		cmocka_unit_test(pcc_panics_even_in_a_guest),
		cmocka_unit_test(no_restart_ip_in_root_panics),
		cmocka_unit_test(no_restart_ip_in_guest_stops_it),
		cmocka_unit_test(action_optional_continues),
		cmocka_unit_test(poison_consumed_by_guest_stops_it),
		cmocka_unit_test(poison_consumed_by_septum_panics),
		cmocka_unit_test(uncorrected_tied_to_guest_stops_it),
		cmocka_unit_test(uncorrected_not_attributable_panics),
		cmocka_unit_test(invalid_banks_ignored),
	};

	return cmocka_run_group_tests_name("mce", tests, NULL, NULL);
}
