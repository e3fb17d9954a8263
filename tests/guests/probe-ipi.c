/* SPDX-License-Identifier: MIT */
/*
 * probe-ipi (64-bit): sends INIT, SIPI and a fixed IPI through the x2APIC
 * ICR (MSR 0x830, SDM Vol. 3A, "Interrupt Command Register (ICR)" in the x2APIC chapter) to an APIC id outside its partition.
 * Septum must refuse (and log) each write: a partition may only signal its
 * own CPUs. The guest cannot see the refusal, so it only reports that the
 * writes returned; the scenario asserts Septum's log lines. A #GP on the
 * write (Septum may inject one) is caught, reported and not fatal.
 *
 * In xAPIC mode (a vCPU powers on so where the host has no x2APIC: AMD-V
 * under QEMU TCG) the same IPIs go through the xAPIC page's ICR (0xff is the
 * broadcast there); the logical one is left out (its xAPIC form depends on
 * the flat/cluster model the guest set up).
 *
 * cmdline: target=APICID
 */
#include "guest.h"

#define MSR_X2APIC_ICR      0x830u
#define ICR_VECTOR(v)       ((uint64_t)(v) & 0xff)
#define ICR_DM_FIXED        (0ull << 8)
#define ICR_DM_LOWPRI       (1ull << 8)
#define ICR_DM_SMI          (2ull << 8)
#define ICR_DM_NMI          (4ull << 8)
#define ICR_LOGICAL         (1ull << 11)
#define ICR_DM_INIT         (5ull << 8)
#define ICR_DM_STARTUP      (6ull << 8)
#define ICR_LEVEL_ASSERT    (1ull << 14)
#define ICR_DEST(id)        ((uint64_t)(id) << 32)   /* physical mode, no shorthand */

#define SIPI_VECTOR  0x10   /* would start the target at 0x10000 */
#define FIXED_VECTOR 0x40

static int x2apic_mode(void)
{
	return (rdmsr(0x1b) & (1u << 10)) != 0;      /* IA32_APIC_BASE.EXTD */
}

static void send(const char *what, uint64_t icr, unsigned long target)
{
	gprintf("probe-ipi: %s to APIC id %lu (ICR %llx)\n", what, target, (unsigned long long)icr);
	if (!x2apic_mode()) {
		uint32_t dest = (uint32_t)(icr >> 32);

		guest_send_ipi(dest > 0xff ? 0xff : dest, (uint32_t)icr);
		return;
	}
	if (guarded_wrmsr(MSR_X2APIC_ICR, icr) == VEC_GP)
		gprintf("probe-ipi: %s: ICR write raised #GP\n", what);
}

int main(void)
{
	unsigned long long target = guest_arg_ulong("target", ~0ull);

	idt_install();
	trap_set_handler(VEC_GP, trap_guard_handler);
	if (target > 0xffffffffull) {
		gprintf("probe-ipi: FAIL: cmdline needs target=APICID\n");
		return 3;
	}
	send("INIT", ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_INIT, (unsigned long)target);
	send("SIPI", ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_STARTUP | ICR_VECTOR(SIPI_VECTOR),
	     (unsigned long)target);
	send("fixed IPI", ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_FIXED | ICR_VECTOR(FIXED_VECTOR),
	     (unsigned long)target);
	send("NMI", ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_NMI, (unsigned long)target);
	send("SMI", ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_SMI, (unsigned long)target);
	send("lowest-priority IPI", ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_LOWPRI | ICR_VECTOR(FIXED_VECTOR),
	     (unsigned long)target);
	/* x2APIC logical destination of the target: cluster id >> 4, bit id & 15 (SDM Vol. 3A §11.12.10.2). */
	if (x2apic_mode())
		send("logical fixed IPI", ((uint64_t)((target >> 4) << 16 | (1u << (target & 15))) << 32) | ICR_LOGICAL |
		     ICR_LEVEL_ASSERT | ICR_DM_FIXED | ICR_VECTOR(FIXED_VECTOR), (unsigned long)target);
	send("broadcast INIT", ICR_DEST(0xffffffffu) | ICR_LEVEL_ASSERT | ICR_DM_INIT, 0xffffffffu);
	gprintf("probe-ipi: ICR writes returned\n");
	return 0;
}
