/* SPDX-License-Identifier: MIT */
/*
 * Extra identity mappings for 64-bit test guests. Septum's entry tables map
 * GPA 0..4 GiB with 2 MiB pages (plus 1 GiB pages up to 512 GiB on CPUs that
 * have them: not to be relied on). probe-mem aims at addresses far above
 * that, so it builds its own path to the target: private copies of the
 * PML4, the PDPT and the PD on the way, then one 2 MiB page. The guest's own
 * page tables must reach the target or the probe would take a #PF in the
 * guest instead of the EPT violation the test is about.
 *
 * Formats: Intel SDM Vol. 3A, "4-Level Paging and 5-Level Paging": the
 * PML4E, PDPTE and PDE-mapping-a-2MByte-page tables.
 */
#include "guest.h"

#define PTE_P      (1ull << 0)
#define PTE_W      (1ull << 1)
#define PTE_PS     (1ull << 7)
#define PTE_ADDR   0x000ffffffffff000ull
#define ENTRIES    512
#define PAGE_2M    (1ull << 21)

typedef uint64_t table_t[ENTRIES];

static table_t pml4 __attribute__((aligned(4096)));
static table_t pdpt __attribute__((aligned(4096)));
static table_t pd __attribute__((aligned(4096)));

static unsigned int index_of(uint64_t addr, unsigned int shift)
{
	return (unsigned int)(addr >> shift) & (ENTRIES - 1);
}

/* Copies the table @entry points to into @dst, or zeroes @dst if absent. */
static void copy_next(table_t dst, uint64_t entry)
{
	if (entry & PTE_P)
		memcpy(dst, (const void *)(uintptr_t)(entry & PTE_ADDR), sizeof(table_t));
	else
		memset(dst, 0, sizeof(table_t));
}

void map_identity_2m(uint64_t addr)
{
	const uint64_t *live = (const uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	unsigned int i4 = index_of(addr, 39), i3 = index_of(addr, 30), i2 = index_of(addr, 21);

	memcpy(pml4, live, sizeof(pml4));
	copy_next(pdpt, pml4[i4]);
	pml4[i4] = (uintptr_t)pdpt | PTE_P | PTE_W;
	if (!((pdpt[i3] & PTE_P) && (pdpt[i3] & PTE_PS))) {
		copy_next(pd, pdpt[i3]);
		pdpt[i3] = (uintptr_t)pd | PTE_P | PTE_W;
		pd[i2] = (addr & ~(PAGE_2M - 1)) | PTE_P | PTE_W | PTE_PS;
	}
	/* Reloading CR3 flushes the old translations (SDM Vol. 3A, "Operations that Invalidate TLBs and Paging-Structure Caches"). */
	write_cr3((uintptr_t)pml4);
}
