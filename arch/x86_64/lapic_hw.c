// SPDX-License-Identifier: MIT
/*
 * The hardware side of arch/x86_64/lapic.c: which mode, where the xAPIC
 * page is, turning each CPU's APIC on, and the MSR accesses x2APIC mode
 * uses. x2APIC whenever CPUID.1:ECX.x2APIC says the CPU has it (Bochs'
 * Intel models, real Intel and AMD CPUs); xAPIC otherwise (QEMU TCG, which
 * emulates no x2APIC, and older CPUs).
 */
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <septum/log.h>

#define CPUID1_EDX_APIC       BIT(9)
#define APIC_BASE_ADDR_MASK   0x000ffffffffff000ull   /* bits MAXPHYADDR-1:12 (SDM Vol. 3A §11.4.4) */

uint64_t lapic_msr_read(uint32_t msr) { return rdmsr(msr); }
void lapic_msr_write(uint32_t msr, uint64_t val) { wrmsr(msr, val); }
int lapic_msr_read_safe(uint32_t msr, uint64_t *val) { return rdmsr_safe(msr, val); }
int lapic_msr_write_safe(uint32_t msr, uint64_t val) { return wrmsr_safe(msr, val); }

/* xAPIC -> x2APIC needs EN first, then EN|EXTD (SDM Vol. 3A §11.12.5). */
static void x2apic_on(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(base & APIC_BASE_EN))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN);
	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
}

/* The page every CPU's registers appear at is the one lapic_init() mapped:
 * an AP whose firmware put its APIC elsewhere is moved there (the base is
 * per CPU and relocatable, SDM Vol. 3A §11.4.5). */
static void xapic_on(void)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE), want = lapic_mmio_base();

	if ((base & APIC_BASE_ADDR_MASK) != want)
		pr_warn("CPU %u: APIC registers at 0x%llx, moved to 0x%llx with the boot CPU's",
			(unsigned)this_cpu()->id, (unsigned long long)(base & APIC_BASE_ADDR_MASK),
			(unsigned long long)want);
	if ((base & APIC_BASE_ADDR_MASK) != want || !(base & APIC_BASE_EN))
		wrmsr(MSR_IA32_APIC_BASE, (base & ~APIC_BASE_ADDR_MASK) | want | APIC_BASE_EN);
}

void lapic_cpu_enable(void)
{
	if (lapic_mode() == LAPIC_X2APIC)
		x2apic_on();
	else
		xapic_on();
	/* Software-enable, spurious vector 0xff; Septum itself runs with IF=0.
	 * A timer the firmware left armed would interrupt whichever partition
	 * gets this CPU: mask it (LVT timer, SDM Vol. 3A §11.5.1). */
	lapic_write(LAPIC_SVR, 0x1ff);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
}

void lapic_init(void)
{
	struct cpuid_regs id = cpuid(1, 0);
	uint64_t base;

	if (id.ecx & CPUID1_ECX_X2APIC) {
		lapic_setup(LAPIC_X2APIC, NULL, 0);
		lapic_cpu_enable();
		pr_info("host local APIC: x2APIC (registers as MSRs); boot CPU APIC id %u", lapic_id());
		return;
	}
	if (!(id.edx & CPUID1_EDX_APIC)) {
		pr_err("CPU 0: no local APIC (CPUID.1:EDX.APIC = 0): Septum cannot start other CPUs or signal them");
		pr_err("halted");
		cpu_halt_forever();
	}
	base = rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK;
	/* Device registers: uncached, on Septum's own tables (the firmware's
	 * memory map may or may not list the page). */
	if (paging_map_mmio(base, XAPIC_MMIO_SIZE)) {
		pr_err("CPU 0: xAPIC registers at 0x%llx: that address is mapped as memory",
		       (unsigned long long)base);
		pr_err("halted");
		cpu_halt_forever();
	}
	lapic_setup(LAPIC_XAPIC, (volatile void *)(uintptr_t)base, base);
	lapic_cpu_enable();
	pr_info("host local APIC: xAPIC (registers at 0x%llx, uncached; no x2APIC: CPUID.1:ECX[21] = 0); boot CPU APIC id %u",
		(unsigned long long)base, lapic_id());
}
