// SPDX-License-Identifier: MIT
/*
 * The hardware kernel/exit/ reaches on the partition's own CPU (the hw_*
 * hooks of septum/exit.h), shared by every backend: CPUID as the host sees
 * it, the physical local APIC through arch/x86_64/lapic.c (x2APIC or xAPIC,
 * one register numbering), XSETBV.
 */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <septum/exit.h>
#include <septum/log.h>
#include <septum/mce.h>
#include <septum/xapic.h>

#define MSR_TSC_DEADLINE  0x6e0u

void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs r = cpuid(leaf, subleaf);

	out[0] = r.eax; out[1] = r.ebx; out[2] = r.ecx; out[3] = r.edx;
}

void hw_send_ipi(uint32_t apic_id, uint64_t icr_low) { lapic_send_ipi(apic_id, (uint32_t)icr_low); }

void hw_xsetbv(uint64_t xcr0)
{
	__asm__ volatile("xsetbv" :: "c"(0u), "a"((uint32_t)xcr0), "d"((uint32_t)(xcr0 >> 32)) : "memory");
}

/* The guest's xAPIC-mode accesses reach these with offsets it chose: an
 * LVT this CPU lacks, or a value its APIC refuses, must not #GP in Septum
 * (kernel/dev/xapic.c checks what it can; these catch the rest). A failed read
 * is 0, a failed write is dropped, as for a reserved xAPIC register. */
uint64_t hw_apic_read(uint32_t msr)
{
	uint64_t val;

	return lapic_read_safe(msr, &val) ? 0 : val;
}

uint32_t hw_apic_features(void)
{
	return (cpu_has_cmci() ? XAPIC_HW_CMCI : 0) |
	       ((cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE) ? XAPIC_HW_TSC_DEADLINE : 0);
}

void hw_apic_write(uint32_t msr, uint64_t val)
{
	struct vcpu *v = this_cpu()->vcpu;

	/* Guest-driven (an APIC register write Septum makes for the guest):
	 * rate-limited with the partition's other lines. */
	if (lapic_write_safe(msr, val) && v)
		log_guest(v->part, LOG_DEBUG, "APIC register 0x%x refused 0x%llx (#GP caught)", msr,
			  (unsigned long long)val);
}

/*
 * The physical local APIC is the partition's (passed through), so whatever
 * the previous run of this vCPU left in it goes: timers stopped, TPR 0,
 * every in-service interrupt ended (an interrupt a killed guest never
 * acknowledged would otherwise block its successor's at that priority).
 * SDM Vol. 3A §11.5.4 (timer), §11.8.4-5 (ISR, EOI). IA32_TSC_DEADLINE
 * exists only with CPUID.1:ECX[24] (QEMU TCG's AMD-V CPU has none).
 */
void lapic_quiesce(void)
{
	if (cpuid(1, 0).ecx & CPUID1_ECX_TSC_DEADLINE)
		wrmsr(MSR_TSC_DEADLINE, 0);
	lapic_write(LAPIC_TMICT, 0);      /* initial count 0: one-shot/periodic timer off */
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TPR, 0);
	for (int i = 0; i < 256; i++) {
		bool busy = false;

		for (unsigned r = 0; r < 8 && !busy; r++)
			busy = (uint32_t)lapic_read(LAPIC_ISR0 + r) != 0;   /* ISR bits 32r..32r+31 */
		if (!busy)
			break;
		lapic_eoi();
	}
}

/*
 * The guest disabled its APIC (IA32_APIC_BASE.EN = 0): the hardware one
 * stays on for Septum, but goes back to its state after power-up as far
 * as the guest can tell (SDM Vol. 3A §11.4.7.1): LVTs masked, software
 * disabled (SVR 0xff), nothing in service, timers off, divide 0.
 */
void hw_apic_reset(void)
{
	lapic_quiesce();
	/* The LVT CMCI register exists only with MCG_CAP.MCG_CMCI_P (SDM
	 * Vol. 3A §11.5.1, §16.3.1.1); writing it elsewhere is #GP in root
	 * mode, which a guest could trigger at will by disabling its APIC. */
	if (cpu_has_cmci())
		lapic_write(LAPIC_LVT_CMCI, LVT_MASKED);
	for (uint32_t lvt = LAPIC_LVT_TIMER; lvt <= LAPIC_LVT_ERROR; lvt++)
		lapic_write(lvt, LVT_MASKED);
	lapic_write(LAPIC_TDCR, 0);
	lapic_write(LAPIC_SVR, 0xff);
}
