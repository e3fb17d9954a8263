/* SPDX-License-Identifier: MIT */
/*
 * Septum's view of partitions' RAM. Their ranges are dropped from the
 * identity map as they are set up; afterwards the only mapping of a
 * partition's RAM in VMX root is the window of a CPU that works on it: the
 * boot CPU while it loads the images, and each of the partition's own CPUs
 * when an exit reads or writes guest memory (hypercall buffers, the guest
 * page-table walk) or a restart reloads the images. Every CPU has its own
 * PML4, so a CPU's window is invisible to the others: Septum code running on
 * one partition's core, even speculatively under a guest-trained predictor,
 * has no translation for any other partition's RAM.
 */
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/percpu.h>
#include <septum/arch.h>
#include <septum/partition.h>

/* This CPU's PML4, made on first use (the APs get theirs from smp.c). */
static uint64_t own_root(struct percpu *pc)
{
	if (!pc->cr3) {
		pc->cr3 = paging_cpu_root();
		write_cr3(pc->cr3);
	}
	return pc->cr3;
}

void arch_ram_hide(hpa_t base, uint64_t size)
{
	paging_unmap_ram(base.v, size);
}

bool arch_ram_visible(hpa_t base, uint64_t size)
{
	return paging_maps_any(read_cr3(), base.v, size);
}

void *arch_ram_window(const struct partition *p)
{
	struct percpu *pc = this_cpu();
	uint64_t cr3 = own_root(pc);
	void *va;

	if (pc->window_size && pc->window_base == p->ram.v && pc->window_size == p->ram_size)
		return (void *)(uintptr_t)PAGING_WINDOW_VA;
	arch_ram_window_close();
	va = paging_window_map(cr3, p->ram.v, p->ram_size);
	if (va) {
		pc->window_base = p->ram.v;
		pc->window_size = p->ram_size;
	}
	return va;
}

void arch_ram_window_close(void)
{
	struct percpu *pc = this_cpu();

	if (!pc->window_size)
		return;
	paging_window_unmap(pc->cr3, pc->window_size);
	pc->window_size = 0;
}
