/* SPDX-License-Identifier: MIT */
/*
 * probe-apic (64-bit): walks its local APIC through the modes
 * IA32_APIC_BASE allows (SDM Vol. 3A §11.12.5) and uses the xAPIC register
 * page, which Septum emulates over the x2APIC underneath:
 *
 *   x2APIC -> xAPIC directly       #GP
 *   x2APIC -> disabled             CPUID.1:EDX.APIC clear, x2APIC MSRs #GP,
 *                                  the page reads as all ones
 *   disabled -> x2APIC directly    #GP
 *   disabled -> xAPIC              power-up state (SVR 0xff, LDR 0, flat DFR),
 *                                  ID/version as the x2APIC had them; TPR/PPR,
 *                                  self, logical and physical IPIs land in
 *                                  IRR; the timer counts; an INIT to
 *                                  target=APICID (another partition) is refused
 *   xAPIC -> x2APIC                MSRs again, TPR kept across the switch
 *
 * Test guests take no interrupts (Septum acknowledges them for it), so IPIs
 * are checked in IRR with TPR raised to hold them there.
 *
 * cmdline: target=APICID
 */
#include "guest.h"

#define MSR_APIC_BASE   0x1bu
#define MSR_X2APIC_ID   0x802u
#define MSR_X2APIC_VER  0x803u
#define MSR_X2APIC_TPR  0x808u
#define BASE_EN         (1ull << 11)
#define BASE_EXTD       (1ull << 10)
#define BASE_BSP        (1ull << 8)

#define XAPIC_ID        0x020
#define XAPIC_VER       0x030
#define XAPIC_TPR       0x080
#define XAPIC_PPR       0x0a0
#define XAPIC_LDR       0x0d0
#define XAPIC_DFR       0x0e0
#define XAPIC_SVR       0x0f0
#define XAPIC_IRR(v)    (0x200 + ((v) / 32) * 0x10)
#define XAPIC_ICR_LOW   0x300
#define XAPIC_ICR_HIGH  0x310
#define XAPIC_LVT_TIMER 0x320
#define XAPIC_TIMER_ICR 0x380
#define XAPIC_TIMER_CCR 0x390
#define XAPIC_TIMER_DCR 0x3e0

static uint32_t xr(unsigned off)
{
	return *(volatile uint32_t *)(uintptr_t)(0xfee00000u + off);
}

static void xw(unsigned off, uint32_t val)
{
	*(volatile uint32_t *)(uintptr_t)(0xfee00000u + off) = val;
}

static void expect(int ok, const char *what, uint64_t got)
{
	guest_check(ok, "probe-apic: %s (0x%llx)", what, (unsigned long long)got);
}

static int irr_has(unsigned vector)
{
	return (xr(XAPIC_IRR(vector)) >> (vector % 32)) & 1;
}

static int cpuid_apic(void)
{
	return (cpuid(1, 0).edx >> 9) & 1;
}

int main(void)
{
	unsigned long long target = guest_arg_ulong("target", ~0ull);
	uint64_t base, id, ver, val, x2;
	uint32_t c1, c2;
	int rc;

	idt_install();
	trap_set_handler(VEC_GP, trap_guard_handler);
	if (target > 0xfe) {
		gprintf("probe-apic: FAIL: cmdline needs target=APICID\n");
		return 3;
	}
	guarded_rdmsr(MSR_APIC_BASE, &base);
	guarded_rdmsr(MSR_X2APIC_ID, &id);
	guarded_rdmsr(MSR_X2APIC_VER, &ver);
	x2 = base;
	expect((base & ~0xfffull) == 0xfee00000ull && (base & (BASE_EN | BASE_EXTD | BASE_BSP)) == (BASE_EN | BASE_EXTD | BASE_BSP),
	       "starts in x2APIC mode at 0xfee00000, BSP", base);
	base &= ~(BASE_EN | BASE_EXTD);

	expect(guarded_wrmsr(MSR_APIC_BASE, base | BASE_EN) == VEC_GP, "x2APIC -> xAPIC directly: #GP", base | BASE_EN);

	expect(guarded_wrmsr(MSR_APIC_BASE, base) == 0, "x2APIC -> disabled", base);
	expect(!cpuid_apic(), "disabled: CPUID.1:EDX.APIC clear", cpuid(1, 0).edx);
	rc = guarded_rdmsr(MSR_X2APIC_ID, &val);
	expect(rc == VEC_GP, "disabled: x2APIC ID MSR #GP", (uint64_t)rc);
	expect(xr(XAPIC_VER) == 0xffffffffu, "disabled: the APIC page reads all ones", xr(XAPIC_VER));
	expect(guarded_wrmsr(MSR_APIC_BASE, base | BASE_EN | BASE_EXTD) == VEC_GP, "disabled -> x2APIC directly: #GP",
	       base | BASE_EN | BASE_EXTD);

	expect(guarded_wrmsr(MSR_APIC_BASE, base | BASE_EN) == 0, "disabled -> xAPIC", base | BASE_EN);
	expect(cpuid_apic(), "xAPIC: CPUID.1:EDX.APIC set", cpuid(1, 0).edx);
	rc = guarded_rdmsr(MSR_X2APIC_ID, &val);
	expect(rc == VEC_GP, "xAPIC: x2APIC ID MSR #GP", (uint64_t)rc);
	expect(xr(XAPIC_ID) == (uint32_t)id << 24, "xAPIC: ID register is the APIC id in bits 31:24", xr(XAPIC_ID));
	expect(xr(XAPIC_VER) == (uint32_t)ver, "xAPIC: version as in x2APIC mode", xr(XAPIC_VER));
	expect(xr(XAPIC_SVR) == 0xff, "xAPIC: SVR 0xff after re-enable (software-disabled)", xr(XAPIC_SVR));
	expect(xr(XAPIC_LDR) == 0 && xr(XAPIC_DFR) == 0xffffffffu, "xAPIC: LDR 0, DFR flat", xr(XAPIC_DFR));

	xw(XAPIC_SVR, 0x1ff);
	xw(XAPIC_TPR, 0xf0);
	expect(xr(XAPIC_SVR) == 0x1ff, "xAPIC: software-enabled", xr(XAPIC_SVR));
	expect(xr(XAPIC_PPR) == 0xf0, "xAPIC: TPR 0xf0 raises PPR", xr(XAPIC_PPR));

	xw(XAPIC_ICR_LOW, 0x40050);                              /* self, fixed, 0x50 */
	expect(irr_has(0x50), "xAPIC: self IPI 0x50 pending in IRR", xr(XAPIC_IRR(0x50)));
	xw(XAPIC_LDR, 0x01u << 24);
	xw(XAPIC_ICR_HIGH, 0x01u << 24);
	xw(XAPIC_ICR_LOW, 0x00851);                              /* logical 0x01, fixed, 0x51 */
	expect(irr_has(0x51), "xAPIC: logical (flat) IPI 0x51 to own LDR pending", xr(XAPIC_IRR(0x51)));
	xw(XAPIC_ICR_HIGH, (uint32_t)id << 24);
	xw(XAPIC_ICR_LOW, 0x00052);                              /* physical own id, fixed, 0x52 */
	expect(irr_has(0x52), "xAPIC: physical IPI 0x52 to own id pending", xr(XAPIC_IRR(0x52)));
	expect((xr(XAPIC_ICR_LOW) & 0x1000) == 0, "xAPIC: ICR delivery status idle", xr(XAPIC_ICR_LOW));

	gprintf("probe-apic: INIT to APIC id %llu through the xAPIC ICR\n", target);
	xw(XAPIC_ICR_HIGH, (uint32_t)target << 24);
	xw(XAPIC_ICR_LOW, 0x04500);

	xw(XAPIC_TIMER_DCR, 0xb);                                /* divide by 1 */
	xw(XAPIC_LVT_TIMER, 0x10060);                            /* masked, one-shot, 0x60 */
	xw(XAPIC_TIMER_ICR, 0x10000000u);
	c1 = xr(XAPIC_TIMER_CCR);
	delay_loops(10000);
	c2 = xr(XAPIC_TIMER_CCR);
	expect(c1 && c2 && c2 < c1, "xAPIC: timer current count runs down", ((uint64_t)c1 << 32) | c2);
	xw(XAPIC_TIMER_ICR, 0);

	/* Let them go. Test guests run with external-interrupt exiting, so
	 * each one exits and Septum acknowledges it, whatever RFLAGS.IF says
	 * (SDM Vol. 3C §25.3); IF is set for the window anyway, since Bochs
	 * only re-evaluates pending interrupts when IF changes. */
	xw(XAPIC_TPR, 0);
	__asm__ volatile("sti" ::: "memory");
	delay_loops(1000);
	__asm__ volatile("cli" ::: "memory");
	expect(!irr_has(0x50) && !irr_has(0x51) && !irr_has(0x52), "xAPIC: TPR 0 delivers the pending IPIs",
	       xr(XAPIC_IRR(0x50)));

	xw(XAPIC_TPR, 0x20);
	expect(guarded_wrmsr(MSR_APIC_BASE, x2) == 0, "xAPIC -> x2APIC", x2);
	rc = guarded_rdmsr(MSR_X2APIC_ID, &val);
	expect(rc == 0 && val == id, "x2APIC: ID MSR again", val);
	rc = guarded_rdmsr(MSR_X2APIC_TPR, &val);
	expect(rc == 0 && val == 0x20, "x2APIC: TPR set in xAPIC mode kept", val);
	guarded_wrmsr(MSR_X2APIC_TPR, 0);
	guarded_rdmsr(MSR_APIC_BASE, &val);
	expect(val == x2, "IA32_APIC_BASE back to its first value", val);

	gprintf("probe-apic: %s\n", guest_failures ? "FAIL: some checks failed" : "all checks passed");
	return guest_failures ? 1 : 0;
}
