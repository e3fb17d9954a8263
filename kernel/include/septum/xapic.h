/* SPDX-License-Identifier: MIT */
/*
 * The local APIC as a guest sees it: IA32_APIC_BASE modes and the xAPIC
 * register page, emulated over a physical local APIC that stays in x2APIC
 * mode (Septum itself talks to it through MSRs). SDM Vol. 3A §11.4
 * (xAPIC), §11.12 (x2APIC, Table 11-6 for the MSR of each register).
 *
 * In x2APIC mode the guest reaches the hardware directly (MSR bitmap) and
 * nothing here runs. In xAPIC mode each access to the APIC page exits (the
 * page is not mapped) and is carried out here: most registers are the same
 * register of the x2APIC underneath; LDR, DFR and the ICR halves exist only
 * in xAPIC mode and are kept per vCPU. Writes to the ICR come back to the
 * caller as an IPI to filter; nothing here sends one.
 */
#ifndef SEPTUM_XAPIC_H
#define SEPTUM_XAPIC_H

#include <septum/types.h>

#define APIC_BASE_BSP        BIT(8)
#define APIC_BASE_EXTD       BIT(10)     /* x2APIC mode */
#define APIC_BASE_EN         BIT(11)     /* APIC global enable */
#define APIC_BASE_ADDR_MASK  0x000ffffffffff000ull
#define APIC_BASE_DEFAULT    0xfee00000ull
#define XAPIC_PAGE_SIZE      0x1000u
#define XAPIC_MAX_ID         0xfeu       /* 0xff is the xAPIC broadcast id */

enum apic_mode { APIC_MODE_DISABLED, APIC_MODE_XAPIC, APIC_MODE_X2APIC };

static inline enum apic_mode apic_mode_of(uint64_t apic_base)
{
	if (!(apic_base & APIC_BASE_EN))
		return APIC_MODE_DISABLED;
	return (apic_base & APIC_BASE_EXTD) ? APIC_MODE_X2APIC : APIC_MODE_XAPIC;
}

/* The registers that exist only in xAPIC mode (the rest live in the
 * hardware). */
struct xapic_state {
	uint32_t ldr;       /* logical destination: bits 31:24 */
	uint32_t dfr;       /* destination format: bits 31:28, 0xf flat, 0x0 cluster */
	uint32_t icr_low;   /* last ICR low write, delivery status always idle */
	uint32_t icr_high;  /* destination in bits 31:24 */
};

/* The x2APIC of the CPU the access happens on, and what it has beyond the
 * version register's LVT count: an x2APIC MSR the CPU lacks, or a value it
 * refuses, is #GP in Septum, so the emulation never passes one on. */
#define XAPIC_HW_CMCI         BIT(0)   /* MCG_CAP.MCG_CMCI_P: LVT CMCI exists (SDM Vol. 3B §16.3.1.1) */
#define XAPIC_HW_TSC_DEADLINE BIT(1)   /* CPUID.01H:ECX[24]: LVT timer mode 10b (§11.5.4.1) */
struct x2apic_ops {
	uint64_t (*read)(void *ctx, uint32_t msr);
	void (*write)(void *ctx, uint32_t msr, uint64_t val);
	void *ctx;
	uint32_t features;             /* XAPIC_HW_* */
};

/*
 * A guest write of @val to IA32_APIC_BASE whose current value is @cur
 * (SDM Vol. 3A §11.12.5, Figure 11-26): returns 0 when the architecture
 * allows it, -1 with the reason for the #GP otherwise. Septum also keeps
 * the base address and the BSP flag fixed, and does not enter xAPIC mode
 * on a CPU whose APIC id does not fit 8 bits.
 */
int apic_base_check(uint64_t cur, uint64_t val, uint32_t apic_id, char *why, size_t whylen);

/* LDR, DFR, ICR after power-up or when the APIC leaves the disabled
 * state (SDM Vol. 3A §11.4.7.1). */
void xapic_reset(struct xapic_state *s);

/* The 32-bit register at page offset @off; 0 for reserved ones. The caller
 * checks @off is 16-byte aligned and below XAPIC_PAGE_SIZE. */
uint32_t xapic_read(const struct xapic_state *s, const struct x2apic_ops *hw, unsigned off);

/* A 32-bit write at page offset @off. Returns true when it was the ICR low
 * half: *icr is then the xAPIC ICR (high half in bits 63:32) to send. */
bool xapic_write(struct xapic_state *s, const struct x2apic_ops *hw, unsigned off, uint32_t val, uint64_t *icr);

/* Does a logical xAPIC destination @mda reach a CPU with these LDR/DFR
 * (§11.6.2.2: flat model = any common bit, cluster model = same cluster
 * and a common bit; 0xff reaches everyone in either)? */
bool xapic_logical_match(uint32_t ldr, uint32_t dfr, uint8_t mda);

#endif /* SEPTUM_XAPIC_H */
