// SPDX-License-Identifier: MIT
/*
 * AP start-up. After ExitBootServices() the firmware no longer runs the APs,
 * so Septum starts each one itself with INIT-SIPI-SIPI (SDM Vol. 3A §9.4.4,
 * "MP Initialization Example") through the trampoline below 1 MiB, one AP at
 * a time: the trampoline's stack/percpu slots are shared. The IPIs go
 * through the local APIC in either mode (arch/x86_64/lapic.c): the same
 * sequence of INIT, 10 ms, SIPI, 200 us, SIPI as the universal start-up
 * algorithm (SDM Vol. 3A §9.4.4.1; §8.4.4.1 in older editions), addressed
 * to one AP instead of broadcast.
 */
#include <string.h>
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <septum/arch.h>
#include <septum/boot_info.h>
#include <septum/log.h>

extern const char trampoline_start[], trampoline_end[];
extern const char tr_gdtr_base[], tr_far32[], tr_far64[], tr_cr3[], tr_stack[], tr_percpu[], tr_entry[];
extern const char tr_gdt[], tr_pm32[], tr_lm64[];
extern char ap_entry64[];

/*
 * Fixed delivery (000), physical destination (bit 11 clear), assert, edge
 * (bit 15 clear), no shorthand: SDM Vol. 3A §11.6.1 (x2APIC §11.12.9). An
 * MSI a partition's virtual device raises is this IPI to the CPU and vector
 * the guest chose.
 */
void arch_send_ipi(uint32_t apic_id, uint8_t vector)
{
	lapic_send_ipi(apic_id, ICR_DM_FIXED | ICR_ASSERT | vector);
}

static void patch32(uint8_t *page, const char *field, uint32_t v)
{
	memcpy(page + (field - trampoline_start), &v, sizeof(v));
}

static void patch64(uint8_t *page, const char *field, uint64_t v)
{
	memcpy(page + (field - trampoline_start), &v, sizeof(v));
}

static uint32_t tr_linear(uint64_t page, const char *sym)
{
	return (uint32_t)(page + (uint64_t)(sym - trampoline_start));
}

void smp_start_aps(const struct boot_info *bi)
{
	uint64_t page = bi->trampoline;
	uint8_t *tp = (uint8_t *)(uintptr_t)page;
	size_t len = (size_t)(trampoline_end - trampoline_start);

	if (ncpus <= 1)
		return;
	if (!page || page >= 0x100000 || !IS_ALIGNED(page, PAGE_SIZE) || len > PAGE_SIZE)
		hv_panic("no usable AP trampoline page (0x%llx, %zu bytes)", (unsigned long long)page, len);

	paging_set_page(host_cr3, page, PTE_P | PTE_W);     /* executable while APs start */
	flush_tlb();
	memcpy(tp, trampoline_start, len);
	patch32(tp, tr_gdtr_base, tr_linear(page, tr_gdt));
	patch32(tp, tr_far32, tr_linear(page, tr_pm32));
	patch32(tp, tr_far64, tr_linear(page, tr_lm64));
	patch64(tp, tr_cr3, host_cr3);
	patch64(tp, tr_entry, (uint64_t)(uintptr_t)ap_entry64);

	for (unsigned i = 1; i < ncpus; i++) {
		struct percpu *pc = percpus[i];
		uint8_t vector = (uint8_t)(page >> PAGE_SHIFT);
		uint64_t deadline;

		/* Each CPU on its own PML4 from its first instruction in long
		 * mode (its window is its own: arch/x86_64/window.c). Heap
		 * pages lie below 4 GiB, as the 32-bit CR3 load needs. */
		pc->cr3 = paging_cpu_root();
		patch32(tp, tr_cr3, (uint32_t)pc->cr3);
		patch64(tp, tr_stack, (uint64_t)(uintptr_t)(pc->stack + STACK_SIZE));
		patch64(tp, tr_percpu, (uint64_t)(uintptr_t)pc);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);

		if (lapic_send_ipi(pc->apic_id, ICR_DM_INIT | ICR_ASSERT | ICR_LEVEL)) {
			pr_err("CPU %u (APIC id %u) cannot be addressed in %s mode; its partitions cannot run",
			       i, pc->apic_id, lapic_mode_name());
			continue;
		}
		arch_udelay(10000);
		for (int sipi = 0; sipi < 2 && !atomic_load(&pc->online); sipi++) {
			lapic_send_ipi(pc->apic_id, ICR_DM_STARTUP | vector);
			arch_udelay(200);
		}
		/* Generous: emulators run APs slowly. */
		deadline = rdtsc() + tsc_hz;
		while (!atomic_load(&pc->online) && rdtsc() < deadline)
			cpu_relax();
		if (!atomic_load(&pc->online))
			pr_err("CPU %u (APIC id %u) did not start; its partitions cannot run", i, pc->apic_id);
		else
			pr_info("CPU %u (APIC id %u) online (%s)", i, pc->apic_id, lapic_mode_name());
	}
	/* W^X again: the trampoline page is data from now on. */
	paging_set_page(host_cr3, page, PTE_P | PTE_W | PTE_NX);
	flush_tlb();
}

bool ap_online(cpuid_t cpu)
{
	return cpu < ncpus && atomic_load(&percpus[cpu]->online);
}
