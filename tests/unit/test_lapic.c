// SPDX-License-Identifier: MIT
/*
 * arch/x86_64/lapic.c, the host local APIC in x2APIC and xAPIC mode, over a
 * fake register page (a 4 KiB buffer) and fake x2APIC MSRs (an array behind
 * the lapic_msr_* seam): register numbering, ICR composition in both modes,
 * ID extraction, and the refusal of APIC ids xAPIC mode cannot address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/cpu.h>
#include <arch/lapic.h>
#include <fakes.h>

/* ---------------------------------------------------------- fake MSRs */
static uint64_t msr[0x100];          /* 0x800..0x8ff */
static unsigned msr_writes;
static uint32_t msr_last;
static bool msr_faults;              /* the safe accessors see a #GP */

uint64_t lapic_msr_read(uint32_t m)
{
	assert_true(m >= 0x800 && m <= 0x8ff);
	return msr[m - 0x800];
}

void lapic_msr_write(uint32_t m, uint64_t val)
{
	assert_true(m >= 0x800 && m <= 0x8ff);
	msr[m - 0x800] = val;
	msr_writes++;
	msr_last = m;
}

int lapic_msr_read_safe(uint32_t m, uint64_t *val)
{
	if (msr_faults || m < 0x800 || m > 0x8ff)
		return -1;
	*val = lapic_msr_read(m);
	return 0;
}

int lapic_msr_write_safe(uint32_t m, uint64_t val)
{
	if (msr_faults || m < 0x800 || m > 0x8ff)
		return -1;
	lapic_msr_write(m, val);
	return 0;
}

/* ---------------------------------------------------------- fake page */
#define FAKE_PHYS 0xfee00000ull
static uint32_t *page;

static uint32_t reg_at(unsigned off) { return page[off / 4]; }
static void set_reg(unsigned off, uint32_t v) { page[off / 4] = v; }

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	page = aligned_alloc(XAPIC_MMIO_SIZE, XAPIC_MMIO_SIZE);
	assert_non_null(page);
	memset(page, 0, XAPIC_MMIO_SIZE);
	memset(msr, 0, sizeof(msr));
	msr_writes = 0;
	msr_last = 0;
	msr_faults = false;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(page);
	lapic_setup(LAPIC_NONE, NULL, 0);
	return 0;
}

static void xapic(void) { lapic_setup(LAPIC_XAPIC, page, FAKE_PHYS); }
static void x2apic(void) { lapic_setup(LAPIC_X2APIC, NULL, 0); }

/* ---------------------------------------------------------- numbering */

static void offsets_follow_the_sdm_table(void **state)
{
	(void)state;
	/* SDM Vol. 3A Table 11-1 against Table 11-6. */
	assert_int_equal(lapic_xapic_offset(LAPIC_ID, false), 0x020);
	assert_int_equal(lapic_xapic_offset(LAPIC_VERSION, false), 0x030);
	assert_int_equal(lapic_xapic_offset(LAPIC_TPR, true), 0x080);
	assert_int_equal(lapic_xapic_offset(LAPIC_PPR, false), 0x0a0);
	assert_int_equal(lapic_xapic_offset(LAPIC_EOI, true), 0x0b0);
	assert_int_equal(lapic_xapic_offset(LAPIC_LDR, false), 0x0d0);
	assert_int_equal(lapic_xapic_offset(LAPIC_SVR, true), 0x0f0);
	assert_int_equal(lapic_xapic_offset(LAPIC_ISR0, false), 0x100);
	assert_int_equal(lapic_xapic_offset(LAPIC_ISR0 + 7, false), 0x170);
	assert_int_equal(lapic_xapic_offset(LAPIC_TMR0, false), 0x180);
	assert_int_equal(lapic_xapic_offset(LAPIC_IRR0 + 7, false), 0x270);
	assert_int_equal(lapic_xapic_offset(LAPIC_ESR, true), 0x280);
	assert_int_equal(lapic_xapic_offset(LAPIC_LVT_CMCI, true), 0x2f0);
	assert_int_equal(lapic_xapic_offset(LAPIC_ICR, true), XAPIC_OFF_ICR_LOW);
	assert_int_equal(lapic_xapic_offset(LAPIC_LVT_TIMER, true), 0x320);
	assert_int_equal(lapic_xapic_offset(LAPIC_LVT_LINT0, true), 0x350);
	assert_int_equal(lapic_xapic_offset(LAPIC_LVT_ERROR, true), 0x370);
	assert_int_equal(lapic_xapic_offset(LAPIC_TMICT, true), 0x380);
	assert_int_equal(lapic_xapic_offset(LAPIC_TMCCT, false), 0x390);
	assert_int_equal(lapic_xapic_offset(LAPIC_TDCR, true), 0x3e0);
}

static void every_register_is_msr_minus_0x800_times_16(void **state)
{
	unsigned n = 0;

	(void)state;
	for (uint32_t reg = 0x7f0; reg < 0x910; reg++)
		for (int w = 0; w < 2; w++) {
			int off = lapic_xapic_offset(reg, w);

			if (off < 0)
				continue;
			assert_int_equal(off, (int)((reg - 0x800) * 16));
			assert_true(off % 16 == 0 && off < (int)XAPIC_MMIO_SIZE);
			n++;
		}
	assert_true(n > 40);
}

static void registers_xapic_lacks_or_direction_refused(void **state)
{
	(void)state;
	assert_int_equal(lapic_xapic_offset(LAPIC_SELF_IPI, true), -1);     /* x2APIC only */
	assert_int_equal(lapic_xapic_offset(0x831, true), -1);              /* ICR high: via LAPIC_ICR */
	assert_int_equal(lapic_xapic_offset(0x831, false), -1);
	assert_int_equal(lapic_xapic_offset(0x800, false), -1);
	assert_int_equal(lapic_xapic_offset(0x80e, false), -1);             /* DFR: xAPIC only */
	assert_int_equal(lapic_xapic_offset(0x900, false), -1);
	assert_int_equal(lapic_xapic_offset(0x2f, false), -1);
	assert_int_equal(lapic_xapic_offset(LAPIC_ID, true), -1);           /* read-only in x2APIC form */
	assert_int_equal(lapic_xapic_offset(LAPIC_LDR, true), -1);
	assert_int_equal(lapic_xapic_offset(LAPIC_TMCCT, true), -1);
	assert_int_equal(lapic_xapic_offset(LAPIC_ISR0, true), -1);
	assert_int_equal(lapic_xapic_offset(LAPIC_EOI, false), -1);         /* write-only */
}

/* ---------------------------------------------------------- ICR, ids */

static void icr_x2apic_destination_is_the_whole_high_half(void **state)
{
	struct lapic_icr icr = { 0, 0 };
	char why[128] = "";

	(void)state;
	assert_int_equal(lapic_icr_compose(LAPIC_X2APIC, 0x12345, ICR_DM_NMI, &icr, why, sizeof(why)), 0);
	assert_int_equal(icr.high, 0x12345);
	assert_int_equal(icr.low, ICR_DM_NMI);
	assert_int_equal(lapic_icr_compose(LAPIC_X2APIC, 300, ICR_DM_FIXED | ICR_ASSERT | 0x41, &icr, why,
					   sizeof(why)), 0);
	assert_int_equal(icr.high, 300);
	assert_int_equal(icr.low, 0x4041);
}

static void icr_xapic_destination_in_bits_31_24(void **state)
{
	struct lapic_icr icr = { 0, 0 };
	char why[128] = "";

	(void)state;
	assert_int_equal(lapic_icr_compose(LAPIC_XAPIC, 3, ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL, &icr, why,
					   sizeof(why)), 0);
	assert_int_equal(icr.high, 0x03000000);
	assert_int_equal(icr.low, 0xc500);         /* the SDM's INIT encoding (§9.4.4.1) */
	assert_int_equal(lapic_icr_compose(LAPIC_XAPIC, 0xfe, ICR_DM_STARTUP | 0x08, &icr, why, sizeof(why)), 0);
	assert_int_equal(icr.high, 0xfe000000);
	assert_int_equal(icr.low, 0x0608);
	/* Delivery status is the APIC's to set, never the sender's. */
	assert_int_equal(lapic_icr_compose(LAPIC_XAPIC, 1, ICR_BUSY | 0x30, &icr, why, sizeof(why)), 0);
	assert_int_equal(icr.low, 0x30);
}

static void icr_xapic_refuses_ids_above_254(void **state)
{
	struct lapic_icr icr = { 0xaa, 0xbb };
	char why[128] = "";

	(void)state;
	assert_int_equal(lapic_icr_compose(LAPIC_XAPIC, 0xff, 0x30, &icr, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "APIC id 255 cannot be addressed in xAPIC mode"));
	assert_int_equal(lapic_icr_compose(LAPIC_XAPIC, 256, 0x30, &icr, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "APIC id 256"));
	assert_int_equal(lapic_icr_compose(LAPIC_XAPIC, 0xffffffffu, 0x30, &icr, why, sizeof(why)), -1);
	assert_int_equal(icr.high, 0xaa);          /* nothing composed */
	assert_int_equal(lapic_icr_compose(LAPIC_NONE, 1, 0x30, &icr, why, sizeof(why)), -1);
}

static void id_extraction(void **state)
{
	(void)state;
	assert_int_equal(lapic_id_of(LAPIC_XAPIC, 0x05000000), 5);
	assert_int_equal(lapic_id_of(LAPIC_XAPIC, 0xfe00ffff), 0xfe);    /* low bits reserved */
	assert_int_equal(lapic_id_of(LAPIC_X2APIC, 0x105), 0x105);
	assert_int_equal(lapic_id_of(LAPIC_X2APIC, 0xff000000), 0xff000000);
}

static void check_id_names_the_missing_x2apic(void **state)
{
	char why[160] = "";

	(void)state;
	xapic();
	assert_int_equal(lapic_check_id(0, why, sizeof(why)), 0);
	assert_int_equal(lapic_check_id(254, why, sizeof(why)), 0);
	assert_int_equal(lapic_check_id(300, why, sizeof(why)), -1);
	assert_string_equal(why, "APIC id 300 cannot be addressed in xAPIC mode (8-bit ids, 255 is the broadcast), "
				 "and the CPU has no x2APIC");
	x2apic();
	assert_int_equal(lapic_check_id(300, why, sizeof(why)), 0);
	assert_int_equal(lapic_check_id(0xfffffffeu, why, sizeof(why)), 0);
}

/* ---------------------------------------------------------- xAPIC mode */

static void xapic_send_ipi_fills_both_halves(void **state)
{
	(void)state;
	xapic();
	assert_int_equal(lapic_send_ipi(7, ICR_DM_STARTUP | 0x9a), 0);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_HIGH), 0x07000000);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_LOW), 0x069a);
	assert_int_equal(msr_writes, 0);            /* no MSR in xAPIC mode */
	assert_int_equal(lapic_read(LAPIC_ICR), 0x70000069aull);
}

static void xapic_send_ipi_refused_sends_nothing(void **state)
{
	(void)state;
	xapic();
	set_reg(XAPIC_OFF_ICR_HIGH, 0x11000000);
	set_reg(XAPIC_OFF_ICR_LOW, 0x30);
	assert_int_equal(lapic_send_ipi(255, ICR_DM_NMI), -1);
	assert_int_equal(lapic_send_ipi(4096, ICR_DM_NMI), -1);
	assert_int_equal(lapic_write_safe(LAPIC_ICR, (uint64_t)300 << 32 | 0x30), -1);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_HIGH), 0x11000000);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_LOW), 0x30);
}

/* A delivery status that never clears costs a bounded wait, then the IPI
 * goes anyway (an APIC that never accepts would otherwise hang Septum). */
static void xapic_send_ipi_busy_is_bounded(void **state)
{
	(void)state;
	xapic();
	set_reg(XAPIC_OFF_ICR_LOW, ICR_BUSY);
	assert_int_equal(lapic_send_ipi(2, ICR_DM_NMI), 0);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_HIGH), 0x02000000);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_LOW), ICR_DM_NMI);
}

static void xapic_icr_write_is_a_send(void **state)
{
	(void)state;
	xapic();
	assert_int_equal(lapic_write_safe(LAPIC_ICR, (uint64_t)9 << 32 | ICR_DM_FIXED | ICR_ASSERT | 0x40), 0);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_HIGH), 0x09000000);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_LOW), 0x4040);
}

static void xapic_registers_by_msr_number(void **state)
{
	uint64_t v = 0;

	(void)state;
	xapic();
	set_reg(XAPIC_OFF_ID, 0x0b000000);
	assert_int_equal(lapic_id(), 11);
	assert_int_equal(lapic_read(LAPIC_ID), 11);
	set_reg(0x030, 0x00050014);                 /* version */
	assert_int_equal(lapic_read(LAPIC_VERSION), 0x00050014);
	lapic_write(LAPIC_SVR, 0x1ff);
	assert_int_equal(reg_at(XAPIC_OFF_SVR), 0x1ff);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	assert_int_equal(reg_at(0x320), 0x10000);
	lapic_write(LAPIC_TDCR, 0xb);
	assert_int_equal(reg_at(0x3e0), 0xb);
	set_reg(0x130, 0x80000000);                 /* ISR bit 127 */
	assert_int_equal(lapic_read(LAPIC_ISR0 + 3), 0x80000000);
	set_reg(XAPIC_OFF_EOI, 0xdead);
	lapic_eoi();
	assert_int_equal(reg_at(XAPIC_OFF_EOI), 0);
	/* Guest-chosen registers the mode lacks: refused, nothing touched. */
	assert_int_equal(lapic_write_safe(LAPIC_SELF_IPI, 0x30), -1);
	assert_int_equal(reg_at(0x3f0), 0);
	assert_int_equal(lapic_read_safe(LAPIC_EOI, &v), -1);
	assert_int_equal(lapic_write_safe(LAPIC_ID, 0x01000000), -1);
	assert_int_equal(reg_at(XAPIC_OFF_ID), 0x0b000000);
	assert_int_equal(msr_writes, 0);
	assert_string_equal(lapic_mode_name(), "xAPIC");
	assert_int_equal(lapic_mmio_base(), FAKE_PHYS);
}

/* Septum asking for a register xAPIC mode lacks is Septum's bug. */
static void xapic_own_access_to_missing_register_panics(void **state)
{
	jmp_buf stop;

	(void)state;
	xapic();
	fake_stop_jmp = &stop;
	if (setjmp(stop) == 0) {
		lapic_write(LAPIC_SELF_IPI, 0x30);
		fail_msg("lapic_write of SELF IPI returned in xAPIC mode");
	}
	assert_non_null(strstr(fake_console(), "local APIC (xAPIC): no writable register 0x83f"));
	fake_console_clear();
	if (setjmp(stop) == 0) {
		(void)lapic_read(0x831);
		fail_msg("lapic_read of 0x831 returned in xAPIC mode");
	}
	assert_non_null(strstr(fake_console(), "local APIC (xAPIC): no readable register 0x831"));
}

/* ---------------------------------------------------------- x2APIC mode */

static void x2apic_send_ipi_is_one_msr_write(void **state)
{
	(void)state;
	x2apic();
	assert_int_equal(lapic_send_ipi(300, ICR_DM_NMI), 0);
	assert_int_equal(msr_writes, 1);
	assert_int_equal(msr_last, LAPIC_ICR);
	assert_int_equal(msr[LAPIC_ICR - 0x800], (uint64_t)300 << 32 | 0x400);
	assert_int_equal(reg_at(XAPIC_OFF_ICR_LOW), 0);   /* the page is not used */
}

static void x2apic_registers_are_the_msrs(void **state)
{
	uint64_t v = 0;

	(void)state;
	x2apic();
	msr[LAPIC_ID - 0x800] = 0x1234;
	assert_int_equal(lapic_id(), 0x1234);
	lapic_eoi();
	assert_int_equal(msr_last, LAPIC_EOI);
	lapic_write(LAPIC_SVR, 0x1ff);
	assert_int_equal(msr[LAPIC_SVR - 0x800], 0x1ff);
	/* The hardware alone decides what exists, as a plain RDMSR would:
	 * SELF IPI is there, and a #GP is reported, not taken. */
	assert_int_equal(lapic_write_safe(LAPIC_SELF_IPI, 0x30), 0);
	assert_int_equal(msr[LAPIC_SELF_IPI - 0x800], 0x30);
	msr_faults = true;
	assert_int_equal(lapic_read_safe(LAPIC_TPR, &v), -1);
	assert_int_equal(v, 0);
	assert_int_equal(lapic_write_safe(LAPIC_TPR, 1), -1);
	assert_string_equal(lapic_mode_name(), "x2APIC");
	assert_int_equal(lapic_mmio_base(), 0);
}

static void no_mode_refuses_everything(void **state)
{
	uint64_t v;

	(void)state;
	lapic_setup(LAPIC_NONE, NULL, 0);
	assert_int_equal(lapic_send_ipi(0, ICR_DM_NMI), -1);
	assert_int_equal(lapic_read_safe(LAPIC_ID, &v), -1);
	assert_int_equal(lapic_write_safe(LAPIC_TPR, 0), -1);
	lapic_eoi();
	assert_int_equal(msr_writes, 0);
	assert_string_equal(lapic_mode_name(), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(offsets_follow_the_sdm_table, setup, teardown),
		cmocka_unit_test_setup_teardown(every_register_is_msr_minus_0x800_times_16, setup, teardown),
		cmocka_unit_test_setup_teardown(registers_xapic_lacks_or_direction_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(icr_x2apic_destination_is_the_whole_high_half, setup, teardown),
		cmocka_unit_test_setup_teardown(icr_xapic_destination_in_bits_31_24, setup, teardown),
		cmocka_unit_test_setup_teardown(icr_xapic_refuses_ids_above_254, setup, teardown),
		cmocka_unit_test_setup_teardown(id_extraction, setup, teardown),
		cmocka_unit_test_setup_teardown(check_id_names_the_missing_x2apic, setup, teardown),
		cmocka_unit_test_setup_teardown(xapic_send_ipi_fills_both_halves, setup, teardown),
		cmocka_unit_test_setup_teardown(xapic_send_ipi_refused_sends_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(xapic_send_ipi_busy_is_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(xapic_icr_write_is_a_send, setup, teardown),
		cmocka_unit_test_setup_teardown(xapic_registers_by_msr_number, setup, teardown),
		cmocka_unit_test_setup_teardown(xapic_own_access_to_missing_register_panics, setup, teardown),
		cmocka_unit_test_setup_teardown(x2apic_send_ipi_is_one_msr_write, setup, teardown),
		cmocka_unit_test_setup_teardown(x2apic_registers_are_the_msrs, setup, teardown),
		cmocka_unit_test_setup_teardown(no_mode_refuses_everything, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
