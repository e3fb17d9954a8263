// SPDX-License-Identifier: MIT
/*
 * xAPIC mode over an x2APIC (see septum/xapic.h). Register offsets are the
 * xAPIC page's (SDM Vol. 3A Table 11-1); the MSR of a register that exists
 * in both modes is 0x800 + offset / 16 (§11.12.1.2, Table 11-6).
 */
#include <stdio.h>
#include <septum/xapic.h>

#define X2APIC_MSR(off)   (0x800u + ((off) >> 4))

enum {
	XAPIC_ID = 0x020, XAPIC_VERSION = 0x030, XAPIC_TPR = 0x080, XAPIC_APR = 0x090,
	XAPIC_PPR = 0x0a0, XAPIC_EOI = 0x0b0, XAPIC_RRD = 0x0c0, XAPIC_LDR = 0x0d0,
	XAPIC_DFR = 0x0e0, XAPIC_SVR = 0x0f0, XAPIC_ISR0 = 0x100, XAPIC_TMR0 = 0x180,
	XAPIC_IRR0 = 0x200, XAPIC_ESR = 0x280, XAPIC_LVT_CMCI = 0x2f0, XAPIC_ICR_LOW = 0x300,
	XAPIC_ICR_HIGH = 0x310, XAPIC_LVT_TIMER = 0x320, XAPIC_LVT_ERROR = 0x370,
	XAPIC_TIMER_ICR = 0x380, XAPIC_TIMER_CCR = 0x390, XAPIC_TIMER_DCR = 0x3e0,
};

#define ICR_LOW_WRITABLE    0x000ccfffu    /* vector, mode, dest mode, level, trigger, shorthand */
#define DFR_RESERVED_ONES   0x0fffffffu
#define ID_SHIFT            24

int apic_base_check(uint64_t cur, uint64_t val, uint32_t apic_id, char *why, size_t whylen)
{
	enum apic_mode from = apic_mode_of(cur), to = apic_mode_of(val);
	const uint64_t known = APIC_BASE_ADDR_MASK | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;

	if (val & ~known) {
		snprintf(why, whylen, "reserved bits 0x%llx set", (unsigned long long)(val & ~known));
		return -1;
	}
	if ((val ^ cur) & APIC_BASE_ADDR_MASK) {
		snprintf(why, whylen, "moving the APIC base to 0x%llx is not supported",
			 (unsigned long long)(val & APIC_BASE_ADDR_MASK));
		return -1;
	}
	if ((val ^ cur) & APIC_BASE_BSP) {
		snprintf(why, whylen, "the BSP flag is fixed");
		return -1;
	}
	if ((val & APIC_BASE_EXTD) && !(val & APIC_BASE_EN)) {
		snprintf(why, whylen, "x2APIC enabled with the APIC disabled is an invalid state");
		return -1;
	}
	if (from == APIC_MODE_X2APIC && to == APIC_MODE_XAPIC) {
		snprintf(why, whylen, "x2APIC to xAPIC directly is invalid (disable the APIC first)");
		return -1;
	}
	if (from == APIC_MODE_DISABLED && to == APIC_MODE_X2APIC) {
		snprintf(why, whylen, "disabled to x2APIC directly is invalid (enable xAPIC mode first)");
		return -1;
	}
	if (to == APIC_MODE_XAPIC && from != APIC_MODE_XAPIC && apic_id > XAPIC_MAX_ID) {
		snprintf(why, whylen, "APIC id %u does not fit xAPIC mode", apic_id);
		return -1;
	}
	return 0;
}

void xapic_reset(struct xapic_state *s)
{
	s->ldr = 0;
	s->dfr = 0xffffffffu;      /* flat model */
	s->icr_low = 0;
	s->icr_high = 0;
}

/*
 * Which LVT registers this APIC has: the version register's "max LVT
 * entry" (bits 23:16, entries - 1) counts timer, LINT0/1, error, then
 * performance (4), thermal (5) and CMCI (6) (SDM Vol. 3A §11.4.8, Figure
 * 11-7; Linux reads it the same way); CMCI also needs MCG_CAP.CMCI_P.
 */
#define XAPIC_LVT_THERMAL 0x330u
#define XAPIC_LVT_PERF    0x340u

static bool lvt_present(const struct x2apic_ops *hw, unsigned off)
{
	unsigned maxlvt = (unsigned)(hw->read(hw->ctx, X2APIC_MSR(XAPIC_VERSION)) >> 16) & 0xff;

	switch (off) {
	case XAPIC_LVT_PERF:    return maxlvt >= 4;
	case XAPIC_LVT_THERMAL: return maxlvt >= 5;
	case XAPIC_LVT_CMCI:    return maxlvt >= 6 && (hw->features & XAPIC_HW_CMCI);
	default:                return true;
	}
}

static bool in_block(unsigned off, unsigned first)
{
	return off >= first && off < first + 8 * 0x10;
}

uint32_t xapic_read(const struct xapic_state *s, const struct x2apic_ops *hw, unsigned off)
{
	switch (off) {
	case XAPIC_ID:
		return (uint32_t)hw->read(hw->ctx, X2APIC_MSR(off)) << ID_SHIFT;
	case XAPIC_LDR:
		return s->ldr;
	case XAPIC_DFR:
		return s->dfr;
	case XAPIC_ICR_LOW:
		return s->icr_low;
	case XAPIC_ICR_HIGH:
		return s->icr_high;
	case XAPIC_VERSION: case XAPIC_TPR: case XAPIC_PPR: case XAPIC_SVR: case XAPIC_ESR:
	case XAPIC_TIMER_ICR: case XAPIC_TIMER_CCR: case XAPIC_TIMER_DCR:
		return (uint32_t)hw->read(hw->ctx, X2APIC_MSR(off));
	case XAPIC_LVT_CMCI: case XAPIC_LVT_THERMAL: case XAPIC_LVT_PERF:
		return lvt_present(hw, off) ? (uint32_t)hw->read(hw->ctx, X2APIC_MSR(off)) : 0;
	default:
		if (in_block(off, XAPIC_ISR0) || in_block(off, XAPIC_TMR0) || in_block(off, XAPIC_IRR0) ||
		    (off >= XAPIC_LVT_TIMER && off <= XAPIC_LVT_ERROR))
			return (uint32_t)hw->read(hw->ctx, X2APIC_MSR(off));
		return 0;   /* EOI (write-only), APR, RRD and reserved offsets */
	}
}

/*
 * The bits of a guest value that go to the x2APIC register: a reserved
 * bit set in WRMSR to an x2APIC MSR is a #GP (§11.12.1.2), and that WRMSR
 * runs in Septum. 0 = the register is not written at all. Figures 11-8
 * (LVT), 11-10 (divide), 11-18 (TPR), 11-23 (SVR).
 */
#define LVT_VECTOR     0xffu
#define LVT_DM         0x700u
#define LVT_POLARITY   BIT(13)
#define LVT_TRIGGER    BIT(15)
#define LVT_MASKED     BIT(16)
#define LVT_TIMER_MODE (3u << 17)

#define LVT_TIMER_PERIODIC BIT(17)

static uint32_t writable_bits(const struct x2apic_ops *hw, unsigned off, uint32_t val)
{
	switch (off) {
	case XAPIC_TPR:
		return 0xff;
	case XAPIC_LVT_TIMER:
		/* Timer mode 11b is reserved: the whole write is dropped. Mode
		 * 10b (TSC deadline) exists only with CPUID.01H:ECX[24]; without
		 * it bit 18 is reserved and not written. */
		if ((val & LVT_TIMER_MODE) == LVT_TIMER_MODE)
			return 0;
		return LVT_VECTOR | LVT_MASKED |
		       ((hw->features & XAPIC_HW_TSC_DEADLINE) ? LVT_TIMER_MODE : LVT_TIMER_PERIODIC);
	case XAPIC_LVT_CMCI: case XAPIC_LVT_THERMAL: case XAPIC_LVT_PERF:
		return lvt_present(hw, off) ? LVT_VECTOR | LVT_DM | LVT_MASKED : 0;
	case 0x350: case 0x360:                            /* LINT0, LINT1 */
		return LVT_VECTOR | LVT_DM | LVT_POLARITY | LVT_TRIGGER | LVT_MASKED;
	case XAPIC_LVT_ERROR:
		return LVT_VECTOR | LVT_MASKED;
	case XAPIC_TIMER_ICR:
		return 0xffffffffu;
	case XAPIC_TIMER_DCR:
		return 0xb;
	default:
		return 0;
	}
}

bool xapic_write(struct xapic_state *s, const struct x2apic_ops *hw, unsigned off, uint32_t val, uint64_t *icr)
{
	switch (off) {
	case XAPIC_LDR:
		s->ldr = val & 0xff000000u;
		return false;
	case XAPIC_DFR:
		s->dfr = (val & 0xf0000000u) | DFR_RESERVED_ONES;
		return false;
	case XAPIC_ICR_HIGH:
		s->icr_high = val & 0xff000000u;
		return false;
	case XAPIC_ICR_LOW:
		s->icr_low = val & ICR_LOW_WRITABLE;
		*icr = ((uint64_t)s->icr_high << 32) | s->icr_low;
		return true;
	case XAPIC_SVR: {
		/* Vector and software enable; EOI-broadcast suppression only
		 * where the version register offers it (bit 24). */
		uint32_t mask = 0x1ffu;

		if (hw->read(hw->ctx, X2APIC_MSR(XAPIC_VERSION)) & BIT(24))
			mask |= BIT(12);
		hw->write(hw->ctx, X2APIC_MSR(off), val & mask);
		return false;
	}
	case XAPIC_EOI:
	case XAPIC_ESR:
		/* xAPIC ignores the value (EOI) or only arms the latch (ESR);
		 * the x2APIC MSRs take nothing but 0 (§11.12.1.2). */
		hw->write(hw->ctx, X2APIC_MSR(off), 0);
		return false;
	default: {
		uint32_t mask = writable_bits(hw, off, val);

		/* ID, version, PPR, ISR/TMR/IRR, current count, reserved:
		 * read-only here, the write is dropped. */
		if (mask)
			hw->write(hw->ctx, X2APIC_MSR(off), val & mask);
		return false;
	}
	}
}

bool xapic_logical_match(uint32_t ldr, uint32_t dfr, uint8_t mda)
{
	uint8_t id = (uint8_t)(ldr >> ID_SHIFT);

	if (mda == 0xff)
		return true;
	if ((dfr >> 28) == 0xf)                              /* flat */
		return (id & mda) != 0;
	return (id >> 4) == (mda >> 4) && (id & mda & 0xf);  /* cluster */
}
