// SPDX-License-Identifier: MIT
/*
 * kernel/dev/xapic.c: IA32_APIC_BASE transitions (SDM Vol. 3A §11.12.5) and the
 * xAPIC register page over a fake x2APIC register file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <septum/xapic.h>

#define EN   APIC_BASE_EN
#define EXTD APIC_BASE_EXTD
#define BSP  APIC_BASE_BSP
#define BASE APIC_BASE_DEFAULT

/* ------------------------------------------------ a fake x2APIC (MSRs) */

static uint64_t msr[0x100];
static unsigned writes;
static uint32_t last_msr;
static uint64_t last_val;

static uint64_t fake_read(void *ctx, uint32_t m)
{
	(void)ctx;
	assert_in_range(m, 0x800, 0x8ff);
	return msr[m - 0x800];
}

static void fake_write(void *ctx, uint32_t m, uint64_t v)
{
	(void)ctx;
	assert_in_range(m, 0x800, 0x8ff);
	msr[m - 0x800] = v;
	writes++;
	last_msr = m;
	last_val = v;
}

static const struct x2apic_ops hw = { fake_read, fake_write, NULL, 0 };
static struct xapic_state st;

static int setup(void **state)
{
	(void)state;
	memset(msr, 0, sizeof(msr));
	msr[0x02] = 5;              /* x2APIC id */
	msr[0x03] = 0x50014;        /* version: 0x14, max LVT 5, no EOI-broadcast suppression */
	writes = 0;
	last_msr = 0;
	last_val = 0;
	xapic_reset(&st);
	return 0;
}

static int check(uint64_t cur, uint64_t val, uint32_t id, const char *expect_why)
{
	char why[128] = "";
	int rc = apic_base_check(cur, val, id, why, sizeof(why));

	if (expect_why)
		assert_non_null(strstr(why, expect_why));
	return rc;
}

/* ---------------------------------------------------- APIC_BASE modes */

static void mode_of_decodes_en_and_extd(void **state)
{
	(void)state;
	assert_int_equal(apic_mode_of(BASE | EN | EXTD), APIC_MODE_X2APIC);
	assert_int_equal(apic_mode_of(BASE | EN), APIC_MODE_XAPIC);
	assert_int_equal(apic_mode_of(BASE), APIC_MODE_DISABLED);
}

static void same_value_allowed(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN | EXTD | BSP, BASE | EN | EXTD | BSP, 0, NULL), 0);
}

static void x2apic_to_disabled_allowed(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN | EXTD, BASE, 1, NULL), 0);
}

static void disabled_to_xapic_allowed(void **state)
{
	(void)state;
	assert_int_equal(check(BASE, BASE | EN, 1, NULL), 0);
}

static void xapic_to_x2apic_allowed(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN, BASE | EN | EXTD, 1, NULL), 0);
}

static void xapic_to_disabled_allowed(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN, BASE, 1, NULL), 0);
}

static void x2apic_to_xapic_refused(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN | EXTD, BASE | EN, 1, "x2APIC to xAPIC directly"), -1);
}

static void disabled_to_x2apic_refused(void **state)
{
	(void)state;
	assert_int_equal(check(BASE, BASE | EN | EXTD, 1, "disabled to x2APIC directly"), -1);
}

static void extd_without_en_refused(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN | EXTD, BASE | EXTD, 1, "invalid state"), -1);
}

static void base_move_refused(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN, 0xfed00000ull | EN, 1, "moving the APIC base to 0xfed00000"), -1);
}

static void bsp_flag_change_refused(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN | EXTD, BASE | EN | EXTD | BSP, 1, "BSP flag"), -1);
}

static void reserved_bits_refused(void **state)
{
	(void)state;
	assert_int_equal(check(BASE | EN | EXTD, BASE | EN | EXTD | BIT(9), 1, "reserved bits 0x200"), -1);
	assert_int_equal(check(BASE | EN | EXTD, BASE | EN | EXTD | BIT(63), 1, "reserved bits"), -1);
}

static void wide_apic_id_cannot_enter_xapic(void **state)
{
	(void)state;
	assert_int_equal(check(BASE, BASE | EN, 0xff, "APIC id 255 does not fit xAPIC mode"), -1);
	assert_int_equal(check(BASE, BASE | EN, 0xfe, NULL), 0);
}

/* ------------------------------------------------------- register page */

static void reset_state_is_flat_and_zero(void **state)
{
	(void)state;
	st = (struct xapic_state){ 1, 2, 3, 4 };
	xapic_reset(&st);
	assert_int_equal(xapic_read(&st, &hw, 0x0d0), 0);
	assert_int_equal(xapic_read(&st, &hw, 0x0e0), 0xffffffffu);
	assert_int_equal(xapic_read(&st, &hw, 0x300), 0);
	assert_int_equal(xapic_read(&st, &hw, 0x310), 0);
}

static void id_is_x2apic_id_in_top_byte(void **state)
{
	(void)state;
	assert_int_equal(xapic_read(&st, &hw, 0x020), 5u << 24);
}

static void id_write_dropped(void **state)
{
	uint64_t icr;

	(void)state;
	assert_false(xapic_write(&st, &hw, 0x020, 9u << 24, &icr));
	assert_int_equal(writes, 0);
	assert_int_equal(xapic_read(&st, &hw, 0x020), 5u << 24);
}

static void version_reads_through(void **state)
{
	(void)state;
	assert_int_equal(xapic_read(&st, &hw, 0x030), 0x50014);
}

static void tpr_round_trip_through_hardware(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x080, 0xfffffff0u, &icr);
	assert_int_equal(last_msr, 0x808);
	assert_int_equal(last_val, 0xf0);            /* reserved bits 31:8 dropped */
	assert_int_equal(xapic_read(&st, &hw, 0x080), 0xf0);
}

static void eoi_writes_zero_whatever_the_value(void **state)
{
	uint64_t icr;

	(void)state;
	assert_false(xapic_write(&st, &hw, 0x0b0, 0xdeadbeef, &icr));
	assert_int_equal(last_msr, 0x80b);
	assert_int_equal(last_val, 0);
	assert_int_equal(writes, 1);
}

static void esr_write_is_zero(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x280, 0x12345678, &icr);
	assert_int_equal(last_msr, 0x828);
	assert_int_equal(last_val, 0);
}

static void eoi_reads_zero_without_touching_hardware(void **state)
{
	(void)state;
	msr[0x0b] = 0x77;
	assert_int_equal(xapic_read(&st, &hw, 0x0b0), 0);
}

static void svr_keeps_vector_and_enable(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x0f0, 0xffffffff, &icr);
	assert_int_equal(last_msr, 0x80f);
	assert_int_equal(last_val, 0x1ff);           /* no EOI-broadcast suppression offered */
}

static void svr_eoi_suppression_when_offered(void **state)
{
	uint64_t icr;

	(void)state;
	msr[0x03] |= 1u << 24;
	xapic_write(&st, &hw, 0x0f0, 0x11ff, &icr);
	assert_int_equal(last_val, 0x11ff);
}

static void ldr_dfr_virtual(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x0d0, 0x0412345u | (0x20u << 24), &icr);
	xapic_write(&st, &hw, 0x0e0, 0x00000000, &icr);
	assert_int_equal(writes, 0);
	assert_int_equal(xapic_read(&st, &hw, 0x0d0), 0x20u << 24);
	assert_int_equal(xapic_read(&st, &hw, 0x0e0), 0x0fffffffu);   /* cluster, reserved ones */
}

static void isr_irr_tmr_read_hardware_banks(void **state)
{
	(void)state;
	msr[0x10 + 3] = 0x11;      /* ISR bank 3 */
	msr[0x18 + 7] = 0x22;      /* TMR bank 7 */
	msr[0x20 + 2] = 0x33;      /* IRR bank 2 */
	assert_int_equal(xapic_read(&st, &hw, 0x130), 0x11);
	assert_int_equal(xapic_read(&st, &hw, 0x1f0), 0x22);
	assert_int_equal(xapic_read(&st, &hw, 0x220), 0x33);
}

static void isr_writes_dropped(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x100, 1, &icr);
	xapic_write(&st, &hw, 0x200, 1, &icr);
	xapic_write(&st, &hw, 0x0a0, 1, &icr);      /* PPR */
	xapic_write(&st, &hw, 0x390, 1, &icr);      /* current count */
	assert_int_equal(writes, 0);
}

static void timer_registers_through_hardware(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x3e0, 0xffffffff, &icr);
	assert_int_equal(last_msr, 0x83e);
	assert_int_equal(last_val, 0xb);
	xapic_write(&st, &hw, 0x380, 0x12345678, &icr);
	assert_int_equal(last_msr, 0x838);
	assert_int_equal(last_val, 0x12345678);
	msr[0x39] = 0x1000;
	assert_int_equal(xapic_read(&st, &hw, 0x390), 0x1000);
}

static void lvt_timer_mask_and_mode_kept_reserved_dropped(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x320, 0xfffbff40u, &icr);   /* periodic, masked, vector 0x40 */
	assert_int_equal(last_msr, 0x832);
	assert_int_equal(last_val, (1u << 17) | (1u << 16) | 0x40);
}

static void lvt_timer_reserved_mode_dropped_whole(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x320, (3u << 17) | 0x40, &icr);
	assert_int_equal(writes, 0);
}

static void lint_keeps_polarity_and_trigger(void **state)
{
	uint64_t icr;

	(void)state;
	xapic_write(&st, &hw, 0x350, 0xffffffff, &icr);
	assert_int_equal(last_msr, 0x835);
	assert_int_equal(last_val, 0x1a7ff);
	xapic_write(&st, &hw, 0x370, 0xffffffff, &icr);
	assert_int_equal(last_msr, 0x837);
	assert_int_equal(last_val, 0x100ff);
}

static void reserved_offsets_read_zero_and_drop_writes(void **state)
{
	uint64_t icr;

	(void)state;
	assert_int_equal(xapic_read(&st, &hw, 0x040), 0);
	assert_int_equal(xapic_read(&st, &hw, 0x3f0), 0);
	assert_int_equal(xapic_read(&st, &hw, 0xff0), 0);
	assert_false(xapic_write(&st, &hw, 0x040, 1, &icr));
	assert_false(xapic_write(&st, &hw, 0xff0, 1, &icr));
	assert_int_equal(writes, 0);
}

static void icr_high_then_low_sends(void **state)
{
	uint64_t icr = 0;

	(void)state;
	assert_false(xapic_write(&st, &hw, 0x310, 0x03ffffff, &icr));
	assert_int_equal(xapic_read(&st, &hw, 0x310), 0x03000000);
	assert_true(xapic_write(&st, &hw, 0x300, 0xfffff4fd, &icr));
	/* delivery status (12) and reserved bits dropped */
	assert_int_equal(icr, (0x03000000ull << 32) | 0x000cc4fdu);
	assert_int_equal(xapic_read(&st, &hw, 0x300), 0x000cc4fdu);
	assert_int_equal(writes, 0);                 /* the caller sends, not this */
}

/* ------------------------------------------------- logical destination */

static void flat_matches_common_bit(void **state)
{
	(void)state;
	assert_true(xapic_logical_match(0x04u << 24, 0xffffffffu, 0x06));
	assert_false(xapic_logical_match(0x04u << 24, 0xffffffffu, 0x03));
	assert_false(xapic_logical_match(0, 0xffffffffu, 0x7f));
}

static void cluster_needs_same_cluster(void **state)
{
	(void)state;
	assert_true(xapic_logical_match(0x21u << 24, 0x0fffffffu, 0x23));
	assert_false(xapic_logical_match(0x21u << 24, 0x0fffffffu, 0x13));
	assert_false(xapic_logical_match(0x21u << 24, 0x0fffffffu, 0x22));
}

static void ff_reaches_everyone(void **state)
{
	(void)state;
	assert_true(xapic_logical_match(0, 0xffffffffu, 0xff));
	assert_true(xapic_logical_match(0x21u << 24, 0x0fffffffu, 0xff));
}

/* ------------------------------------ registers the CPU may not have */

static uint64_t spare_icr;

#define VERSION_MAXLVT(n) (0x14u | ((uint32_t)(n) << 16))

static const struct x2apic_ops hw_cmci = { fake_read, fake_write, NULL, XAPIC_HW_CMCI };
static const struct x2apic_ops hw_tscdl = { fake_read, fake_write, NULL, XAPIC_HW_TSC_DEADLINE };

/* Without MCG_CAP.CMCI_P the LVT CMCI MSR (0x82f) does not exist: WRMSR/
 * RDMSR would #GP in Septum. Reads 0, writes go nowhere. */
static void cmci_absent_never_touched(void **state)
{
	(void)state;
	msr[0x03] = VERSION_MAXLVT(6);
	msr[0x2f] = 0x1234;
	assert_int_equal(xapic_read(&st, &hw, 0x2f0), 0);
	xapic_write(&st, &hw, 0x2f0, 0x10040, &spare_icr);
	assert_int_equal(writes, 0);
}

static void cmci_present_passes(void **state)
{
	(void)state;
	msr[0x03] = VERSION_MAXLVT(6);
	msr[0x2f] = 0x10000;
	assert_int_equal(xapic_read(&st, &hw_cmci, 0x2f0), 0x10000);
	xapic_write(&st, &hw_cmci, 0x2f0, 0x10042, &spare_icr);
	assert_int_equal(last_msr, 0x82f);
	assert_int_equal(last_val, 0x10042);
}

/* CMCI_P with an APIC that counts fewer LVT entries: still absent. */
static void cmci_needs_seventh_lvt(void **state)
{
	(void)state;
	msr[0x03] = VERSION_MAXLVT(5);
	xapic_write(&st, &hw_cmci, 0x2f0, 0x10042, &spare_icr);
	assert_int_equal(writes, 0);
	assert_int_equal(xapic_read(&st, &hw_cmci, 0x2f0), 0);
}

/* Max LVT 4: performance (0x340) exists, thermal (0x330) does not. */
static void thermal_and_perf_follow_max_lvt(void **state)
{
	(void)state;
	msr[0x03] = VERSION_MAXLVT(4);
	msr[0x33] = 0x10000;
	msr[0x34] = 0x10000;
	assert_int_equal(xapic_read(&st, &hw, 0x330), 0);
	assert_int_equal(xapic_read(&st, &hw, 0x340), 0x10000);
	xapic_write(&st, &hw, 0x330, 0x20, &spare_icr);
	assert_int_equal(writes, 0);
	xapic_write(&st, &hw, 0x340, 0x20, &spare_icr);
	assert_int_equal(last_msr, 0x834);
	assert_int_equal(last_val, 0x20);
}

/* TSC-deadline mode (10b) only where CPUID.01H:ECX[24] says so; without
 * it bit 18 is reserved and never reaches the x2APIC. */
static void tsc_deadline_mode_needs_the_feature(void **state)
{
	(void)state;
	xapic_write(&st, &hw, 0x320, (2u << 17) | 0xec, &spare_icr);
	assert_int_equal(last_msr, 0x832);
	assert_int_equal(last_val, 0xec);
	xapic_write(&st, &hw, 0x320, (1u << 17) | 0xec, &spare_icr);
	assert_int_equal(last_val, (1u << 17) | 0xec);
	xapic_write(&st, &hw_tscdl, 0x320, (2u << 17) | 0xec, &spare_icr);
	assert_int_equal(last_val, (2u << 17) | 0xec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(mode_of_decodes_en_and_extd, setup),
		cmocka_unit_test_setup(same_value_allowed, setup),
		cmocka_unit_test_setup(x2apic_to_disabled_allowed, setup),
		cmocka_unit_test_setup(disabled_to_xapic_allowed, setup),
		cmocka_unit_test_setup(xapic_to_x2apic_allowed, setup),
		cmocka_unit_test_setup(xapic_to_disabled_allowed, setup),
		cmocka_unit_test_setup(x2apic_to_xapic_refused, setup),
		cmocka_unit_test_setup(disabled_to_x2apic_refused, setup),
		cmocka_unit_test_setup(extd_without_en_refused, setup),
		cmocka_unit_test_setup(base_move_refused, setup),
		cmocka_unit_test_setup(bsp_flag_change_refused, setup),
		cmocka_unit_test_setup(reserved_bits_refused, setup),
		cmocka_unit_test_setup(wide_apic_id_cannot_enter_xapic, setup),
		cmocka_unit_test_setup(reset_state_is_flat_and_zero, setup),
		cmocka_unit_test_setup(id_is_x2apic_id_in_top_byte, setup),
		cmocka_unit_test_setup(id_write_dropped, setup),
		cmocka_unit_test_setup(version_reads_through, setup),
		cmocka_unit_test_setup(tpr_round_trip_through_hardware, setup),
		cmocka_unit_test_setup(eoi_writes_zero_whatever_the_value, setup),
		cmocka_unit_test_setup(esr_write_is_zero, setup),
		cmocka_unit_test_setup(eoi_reads_zero_without_touching_hardware, setup),
		cmocka_unit_test_setup(svr_keeps_vector_and_enable, setup),
		cmocka_unit_test_setup(svr_eoi_suppression_when_offered, setup),
		cmocka_unit_test_setup(ldr_dfr_virtual, setup),
		cmocka_unit_test_setup(isr_irr_tmr_read_hardware_banks, setup),
		cmocka_unit_test_setup(isr_writes_dropped, setup),
		cmocka_unit_test_setup(timer_registers_through_hardware, setup),
		cmocka_unit_test_setup(lvt_timer_mask_and_mode_kept_reserved_dropped, setup),
		cmocka_unit_test_setup(lvt_timer_reserved_mode_dropped_whole, setup),
		cmocka_unit_test_setup(lint_keeps_polarity_and_trigger, setup),
		cmocka_unit_test_setup(reserved_offsets_read_zero_and_drop_writes, setup),
		cmocka_unit_test_setup(icr_high_then_low_sends, setup),
		cmocka_unit_test_setup(flat_matches_common_bit, setup),
		cmocka_unit_test_setup(cluster_needs_same_cluster, setup),
		cmocka_unit_test_setup(ff_reaches_everyone, setup),
		cmocka_unit_test_setup(cmci_absent_never_touched, setup),
		cmocka_unit_test_setup(cmci_present_passes, setup),
		cmocka_unit_test_setup(cmci_needs_seventh_lvt, setup),
		cmocka_unit_test_setup(thermal_and_perf_follow_max_lvt, setup),
		cmocka_unit_test_setup(tsc_deadline_mode_needs_the_feature, setup),
	};

	return cmocka_run_group_tests_name("xapic", tests, NULL, NULL);
}
