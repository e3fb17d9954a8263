// SPDX-License-Identifier: MIT
/*
 * The host local APIC in either mode, by x2APIC register number. This file
 * touches no hardware itself: x2APIC registers go through the lapic_msr_*
 * seam (arch/x86_64/lapic_hw.c), xAPIC registers through the page
 * lapic_setup() was given, so the whole layer runs in host unit tests over
 * a fake page and fake MSRs (tests/unit/test_lapic.c).
 */
#include <stdio.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <septum/log.h>

static enum lapic_mode mode;
static volatile uint32_t *page;      /* xAPIC register page (mapped UC) */
static uint64_t page_phys;

/* How long an xAPIC sender waits for the previous IPI's delivery status
 * to go idle. Acceptance takes microseconds on hardware; past the bound the
 * IPI is sent anyway, as x2APIC (which has no such bit, SDM Vol. 3A
 * §11.12.9) always does. */
#define ICR_IDLE_SPINS 1000000u

/*
 * The registers both modes have, as x2APIC MSR numbers, with the
 * directions x2APIC allows (SDM Vol. 3A Table 11-6): one form for callers.
 * LDR is read-only in x2APIC mode, so here too; SELF IPI and the ICR's
 * upper half (0x831) are absent from xAPIC's numbering.
 */
#define R 1u
#define W 2u
static const struct { uint16_t first, last; uint8_t access; } xapic_regs[] = {
	{ 0x802, 0x803, R },        /* ID, version */
	{ 0x808, 0x808, R | W },    /* TPR */
	{ 0x80a, 0x80a, R },        /* PPR */
	{ 0x80b, 0x80b, W },        /* EOI */
	{ 0x80d, 0x80d, R },        /* LDR */
	{ 0x80f, 0x80f, R | W },    /* SVR */
	{ 0x810, 0x827, R },        /* ISR, TMR, IRR */
	{ 0x828, 0x828, R | W },    /* ESR */
	{ 0x82f, 0x82f, R | W },    /* LVT CMCI */
	{ 0x830, 0x830, R | W },    /* ICR (both halves) */
	{ 0x832, 0x838, R | W },    /* LVT timer .. LVT error, initial count */
	{ 0x839, 0x839, R },        /* current count */
	{ 0x83e, 0x83e, R | W },    /* divide configuration */
};

int lapic_xapic_offset(uint32_t reg, bool write)
{
	for (unsigned i = 0; i < ARRAY_SIZE(xapic_regs); i++)
		if (reg >= xapic_regs[i].first && reg <= xapic_regs[i].last)
			return (xapic_regs[i].access & (write ? W : R)) ? (int)((reg - 0x800u) << 4) : -1;
	return -1;
}

int lapic_icr_compose(enum lapic_mode m, uint32_t apic_id, uint32_t icr_low, struct lapic_icr *out,
		      char *why, size_t whylen)
{
	if (m == LAPIC_X2APIC) {
		*out = (struct lapic_icr){ apic_id, icr_low };
		return 0;
	}
	if (m != LAPIC_XAPIC) {
		snprintf(why, whylen, "no local APIC mode set up");
		return -1;
	}
	if (apic_id > XAPIC_MAX_ID) {
		snprintf(why, whylen, "APIC id %u cannot be addressed in xAPIC mode (8-bit ids, 255 is the broadcast)",
			 apic_id);
		return -1;
	}
	/* Delivery status is read-only; the sender never sets it. */
	*out = (struct lapic_icr){ apic_id << XAPIC_ID_SHIFT, icr_low & ~ICR_BUSY };
	return 0;
}

uint32_t lapic_id_of(enum lapic_mode m, uint32_t id_reg)
{
	/* xAPIC: ID in bits 31:24 (SDM Vol. 3A §11.4.6); x2APIC: all 32 bits. */
	return m == LAPIC_XAPIC ? id_reg >> XAPIC_ID_SHIFT : id_reg;
}

int lapic_check_id(uint32_t apic_id, char *why, size_t whylen)
{
	struct lapic_icr icr;
	char reason[120];

	if (!lapic_icr_compose(mode, apic_id, 0, &icr, reason, sizeof(reason)))
		return 0;
	snprintf(why, whylen, "%s, and the CPU has no x2APIC", reason);
	return -1;
}

void lapic_setup(enum lapic_mode m, volatile void *mmio, uint64_t mmio_phys)
{
	mode = m;
	page = m == LAPIC_XAPIC ? mmio : NULL;
	page_phys = m == LAPIC_XAPIC ? mmio_phys : 0;
}

enum lapic_mode lapic_mode(void) { return mode; }
uint64_t lapic_mmio_base(void) { return page_phys; }

const char *lapic_mode_name(void)
{
	return mode == LAPIC_X2APIC ? "x2APIC" : mode == LAPIC_XAPIC ? "xAPIC" : "none";
}

/* 32-bit aligned accesses only (SDM Vol. 3A §11.4.1). */
static uint32_t mmio_read(unsigned off) { return page[off / 4]; }
static void mmio_write(unsigned off, uint32_t v) { page[off / 4] = v; }

static void xapic_send(struct lapic_icr icr)
{
	for (unsigned spin = 0; spin < ICR_IDLE_SPINS && (mmio_read(XAPIC_OFF_ICR_LOW) & ICR_BUSY); spin++)
		cpu_relax();
	mmio_write(XAPIC_OFF_ICR_HIGH, icr.high);
	mmio_write(XAPIC_OFF_ICR_LOW, icr.low);        /* sends */
}

static int xapic_read(uint32_t reg, uint64_t *val)
{
	int off = lapic_xapic_offset(reg, false);

	if (off < 0)
		return -1;
	if (reg == LAPIC_ID)
		*val = lapic_id_of(LAPIC_XAPIC, mmio_read(XAPIC_OFF_ID));
	else if (reg == LAPIC_ICR)
		*val = (uint64_t)(mmio_read(XAPIC_OFF_ICR_HIGH) >> XAPIC_ID_SHIFT) << 32 | mmio_read(XAPIC_OFF_ICR_LOW);
	else
		*val = mmio_read((unsigned)off);
	return 0;
}

static int xapic_write(uint32_t reg, uint64_t val)
{
	int off = lapic_xapic_offset(reg, true);
	struct lapic_icr icr;
	char why[120];

	if (off < 0)
		return -1;
	if (reg == LAPIC_ICR) {
		if (lapic_icr_compose(LAPIC_XAPIC, (uint32_t)(val >> 32), (uint32_t)val, &icr, why, sizeof(why)))
			return -1;
		xapic_send(icr);
		return 0;
	}
	mmio_write((unsigned)off, (uint32_t)val);
	return 0;
}

int lapic_read_safe(uint32_t reg, uint64_t *val)
{
	*val = 0;
	switch (mode) {
	case LAPIC_X2APIC: return lapic_msr_read_safe(reg, val);
	case LAPIC_XAPIC: return xapic_read(reg, val);
	default: return -1;
	}
}

int lapic_write_safe(uint32_t reg, uint64_t val)
{
	switch (mode) {
	case LAPIC_X2APIC: return lapic_msr_write_safe(reg, val);
	case LAPIC_XAPIC: return xapic_write(reg, val);
	default: return -1;
	}
}

uint64_t lapic_read(uint32_t reg)
{
	uint64_t val;

	if (mode == LAPIC_X2APIC)
		return lapic_msr_read(reg);
	if (lapic_read_safe(reg, &val))
		hv_panic("local APIC (%s): no readable register 0x%x", lapic_mode_name(), reg);
	return val;
}

void lapic_write(uint32_t reg, uint64_t val)
{
	if (mode == LAPIC_X2APIC)
		lapic_msr_write(reg, val);
	else if (lapic_write_safe(reg, val))
		hv_panic("local APIC (%s): no writable register 0x%x (value 0x%llx)", lapic_mode_name(), reg,
			 (unsigned long long)val);
}

int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low)
{
	struct lapic_icr icr;
	char why[120];

	if (lapic_icr_compose(mode, apic_id, icr_low, &icr, why, sizeof(why)))
		return -1;
	if (mode == LAPIC_X2APIC)
		lapic_msr_write(LAPIC_ICR, (uint64_t)icr.high << 32 | icr.low);
	else
		xapic_send(icr);
	return 0;
}

void lapic_eoi(void)
{
	if (mode == LAPIC_X2APIC)
		lapic_msr_write(LAPIC_EOI, 0);
	else if (mode == LAPIC_XAPIC)
		mmio_write(XAPIC_OFF_EOI, 0);
}

uint32_t lapic_id(void)
{
	return (uint32_t)lapic_read(LAPIC_ID);
}
