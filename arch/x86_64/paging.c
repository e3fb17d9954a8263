// SPDX-License-Identifier: MIT
/*
 * Septum's own page tables: an identity map of what the firmware's memory map
 * describes, nothing more. Mapping gaps (holes, unknown MMIO) is left out on
 * purpose so a stray pointer faults instead of touching a device; a device
 * Septum drives itself (the I/O APICs) is added by paging_map_mmio().
 */
#include <string.h>
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <septum/boot_info.h>
#include <septum/log.h>
#include <septum/page_pool.h>

/* Linker symbols (linker.ld): section bounds, all 4 KiB aligned. */
extern char __image_start[], __text_start[], __text_end[], __rodata_start[], __rodata_end[],
	__data_start[], __image_end[];

#define LEVEL_SHIFT(l) (12 + 9 * (l))          /* l = 0 (PT) .. 3 (PML4) */
#define INDEX(va, l)   (((va) >> LEVEL_SHIFT(l)) & 511)
#define TABLE_FLAGS    (PTE_P | PTE_W)         /* the leaf decides NX and W */
#define WINDOW_SLOT    256                     /* PML4 index of PAGING_WINDOW_VA */

static void share_lower_half(void);

static struct page_pool *pt_pool;
static uint64_t *master;                    /* paging_build()'s PML4 */
static uint64_t *roots[BOOT_MAX_CPUS];      /* per-CPU PML4s (paging_cpu_root) */
static unsigned nroots;

static uint64_t *next_table(uint64_t *entry)
{
	if (!(*entry & PTE_P)) {
		void *page = pt_pool->alloc(pt_pool);

		if (!page)
			hv_panic("paging: out of memory for page tables");
		*entry = page_hpa(page).v | TABLE_FLAGS;
	} else if (*entry & PTE_PS) {
		hv_panic("paging: 4 KiB mapping inside a large page");
	}
	return hpa_ptr(hpa(*entry & PTE_ADDR_MASK));
}

/* Map one page of 4 KiB (level 0) or 2 MiB (level 1). */
static void map_page(uint64_t *pml4, uint64_t va, uint64_t flags, int level)
{
	uint64_t *t = pml4;

	for (int l = 3; l > level; l--)
		t = next_table(&t[INDEX(va, l)]);
	t[INDEX(va, level)] = va | flags | (level ? PTE_PS : 0);
}

/* Identity-map [base, base+size) with flags, using 2 MiB pages where aligned.
 * The first 2 MiB always use 4 KiB pages: the AP trampoline page lives there
 * and changes permissions at run time. */
static void map_range(uint64_t *pml4, uint64_t base, uint64_t size, uint64_t flags)
{
	uint64_t va = ALIGN_DOWN(base, PAGE_SIZE), end = ALIGN_UP(base + size, PAGE_SIZE);

	while (va < end) {
		if (va >= SZ_2M && IS_ALIGNED(va, SZ_2M) && end - va >= SZ_2M) {
			map_page(pml4, va, flags, 1);
			va += SZ_2M;
		} else {
			map_page(pml4, va, flags, 0);
			va += PAGE_SIZE;
		}
	}
}

static uint64_t region_flags(uint32_t type)
{
	switch (type) {
	case BOOT_MEM_FREE:
	case BOOT_MEM_SEPTUM:
	case BOOT_MEM_ACPI_RECLAIM:
	case BOOT_MEM_ACPI_NVS:
		return PTE_P | PTE_W | PTE_NX;                    /* write-back */
	default:
		return PTE_P | PTE_W | PTE_NX | PTE_PCD | PTE_PWT; /* uncached */
	}
}

/* Map [base, base+size) minus the core image range, which gets its own flags. */
static void map_region_around(uint64_t *pml4, uint64_t base, uint64_t size, uint64_t flags,
			      uint64_t img_lo, uint64_t img_hi)
{
	uint64_t end = base + size;

	if (end <= img_lo || base >= img_hi) {
		map_range(pml4, base, size, flags);
		return;
	}
	if (base < img_lo)
		map_range(pml4, base, img_lo - base, flags);
	if (end > img_hi)
		map_range(pml4, img_hi, end - img_hi, flags);
}

static uint64_t va_of(const char *sym) { return (uint64_t)(uintptr_t)sym; }

uint64_t paging_build(const struct boot_info *bi, struct page_pool *pool)
{
	uint64_t *pml4;
	uint64_t img_lo = va_of(__image_start), img_hi = va_of(__image_end);

	pt_pool = pool;
	pml4 = pool->alloc(pool);
	if (!pml4)
		hv_panic("paging: no memory for the PML4");
	master = pml4;

	/* Real-mode area: whatever the map does not describe is legacy
	 * BIOS/VGA space; keep it reachable (uncached) for ACPI's RSDP scan. */
	for (uint64_t pa = 0; pa < 0x100000; pa += PAGE_SIZE) {
		bool described = false;

		for (uint32_t i = 0; i < bi->nmem; i++)
			if (pa >= bi->mem[i].base && pa - bi->mem[i].base < bi->mem[i].size)
				described = true;
		if (!described)
			map_page(pml4, pa, region_flags(BOOT_MEM_RESERVED), 0);
	}
	for (uint32_t i = 0; i < bi->nmem; i++)
		map_region_around(pml4, bi->mem[i].base, bi->mem[i].size,
				  region_flags(bi->mem[i].type), img_lo, img_hi);

	/* W^X for the core image (linker.ld orders text, rodata, data+bss). */
	map_range(pml4, va_of(__text_start), va_of(__text_end) - va_of(__text_start), PTE_P);
	map_range(pml4, va_of(__rodata_start), va_of(__rodata_end) - va_of(__rodata_start), PTE_P | PTE_NX);
	map_range(pml4, va_of(__data_start), img_hi - va_of(__data_start), PTE_P | PTE_W | PTE_NX);
	if (va_of(__image_start) < va_of(__text_start))
		map_range(pml4, img_lo, va_of(__text_start) - img_lo, PTE_P | PTE_NX);
	return page_hpa(pml4).v;
}

/* The leaf entry (of any size) that maps va, or NULL when nothing does. */
static uint64_t *leaf_of(uint64_t *pml4, uint64_t va)
{
	uint64_t *t = pml4;

	for (int l = 3; l >= 0; l--) {
		uint64_t *e = &t[INDEX(va, l)];

		if (!(*e & PTE_P))
			return NULL;
		if (l == 0 || (*e & PTE_PS))
			return e;
		t = hpa_ptr(hpa(*e & PTE_ADDR_MASK));
	}
	return NULL;
}

/* Per-CPU roots share the identity map's PML4 entries (the lower half);
 * a new one made after they were copied is copied again. */
static void share_lower_half(void)
{
	for (unsigned i = 0; i < nroots; i++)
		memcpy(roots[i], master, WINDOW_SLOT * sizeof(uint64_t));
}

int paging_map_mmio(uint64_t base, uint64_t size)
{
	uint64_t *pml4 = hpa_ptr(hpa(host_cr3 & PTE_ADDR_MASK));
	uint64_t va = ALIGN_DOWN(base, PAGE_SIZE), end = ALIGN_UP(base + size, PAGE_SIZE);

	for (; va < end; va += PAGE_SIZE) {
		const uint64_t *e = leaf_of(pml4, va);

		if (e) {
			/* Already there (the memory map described it): fine if
			 * uncached, never remapped under a running core. */
			if (!(*e & PTE_PCD))
				return -1;
			continue;
		}
		/* PCD|PWT with the power-on PAT: UC (SDM Vol. 3A §12.12.3).
		 * Entries only go from not present to present, which needs no
		 * TLB invalidation (SDM Vol. 3A §4.10.4.3). */
		map_page(pml4, va, region_flags(BOOT_MEM_RESERVED), 0);
	}
	share_lower_half();
	return 0;
}

void paging_set_page(uint64_t cr3, uint64_t va, uint64_t flags)
{
	uint64_t *t = hpa_ptr(hpa(cr3 & PTE_ADDR_MASK));

	for (int l = 3; l > 0; l--) {
		uint64_t e = t[INDEX(va, l)];

		if (!(e & PTE_P) || (e & PTE_PS))
			hv_panic("paging: 0x%llx is not a 4 KiB mapping", (unsigned long long)va);
		t = hpa_ptr(hpa(e & PTE_ADDR_MASK));
	}
	t[INDEX(va, 0)] = ALIGN_DOWN(va, PAGE_SIZE) | flags;
}

/* ------------------------------------------------------------ partition RAM */

/* Clears the leaves that map [va, va + size) under pml4: 2 MiB pages whole,
 * 4 KiB pages one by one. va and size are 2 MiB aligned. */
static void clear_range(uint64_t *pml4, uint64_t va, uint64_t size)
{
	for (uint64_t end = va + size; va < end; va += SZ_2M) {
		uint64_t *t = pml4;
		int l;

		for (l = 3; l > 1; l--) {
			uint64_t e = t[INDEX(va, l)];

			if (!(e & PTE_P))
				break;
			if (e & PTE_PS)
				hv_panic("paging: 1 GiB page at 0x%llx", (unsigned long long)va);
			t = hpa_ptr(hpa(e & PTE_ADDR_MASK));
		}
		if (l > 1)
			continue;       /* nothing mapped there */
		uint64_t *pde = &t[INDEX(va, 1)];

		if ((*pde & PTE_P) && !(*pde & PTE_PS))
			memset(hpa_ptr(hpa(*pde & PTE_ADDR_MASK)), 0, PAGE_SIZE);
		else
			*pde = 0;
	}
}

void paging_unmap_ram(uint64_t base, uint64_t size)
{
	if (!IS_ALIGNED(base, SZ_2M) || !IS_ALIGNED(size, SZ_2M))
		hv_panic("paging: partition RAM 0x%llx+0x%llx not 2 MiB aligned",
			 (unsigned long long)base, (unsigned long long)size);
	clear_range(master, base, size);
	flush_tlb();
}

uint64_t paging_cpu_root(void)
{
	uint64_t *r = pt_pool->alloc(pt_pool);

	if (!r)
		hv_panic("paging: out of memory for a CPU's PML4");
	if (nroots == BOOT_MAX_CPUS)
		hv_panic("paging: more CPU roots than CPUs");
	memcpy(r, master, WINDOW_SLOT * sizeof(uint64_t));
	roots[nroots++] = r;
	return page_hpa(r).v;
}

void *paging_window_map(uint64_t cr3, uint64_t base, uint64_t size)
{
	uint64_t *pml4 = hpa_ptr(hpa(cr3 & PTE_ADDR_MASK));

	if (size > PAGING_WINDOW_SIZE || !IS_ALIGNED(base, SZ_2M) || !IS_ALIGNED(size, SZ_2M))
		return NULL;
	for (uint64_t off = 0; off < size; off += SZ_2M) {
		uint64_t *t = pml4;

		for (int l = 3; l > 1; l--)
			t = next_table(&t[INDEX(PAGING_WINDOW_VA + off, l)]);
		t[INDEX(PAGING_WINDOW_VA + off, 1)] = (base + off) | PTE_P | PTE_W | PTE_NX | PTE_PS;
	}
	return (void *)(uintptr_t)PAGING_WINDOW_VA;
}

void paging_window_unmap(uint64_t cr3, uint64_t size)
{
	clear_range(hpa_ptr(hpa(cr3 & PTE_ADDR_MASK)), PAGING_WINDOW_VA, size);
	flush_tlb();
}

bool paging_maps_any(uint64_t cr3, uint64_t base, uint64_t size)
{
	uint64_t *pml4 = hpa_ptr(hpa(cr3 & PTE_ADDR_MASK));

	for (uint64_t va = ALIGN_DOWN(base, PAGE_SIZE); va < base + size; va += PAGE_SIZE) {
		const uint64_t *e = leaf_of(pml4, va);

		if (e && (*e & PTE_P))
			return true;
		/* Skip the rest of a 2 MiB region with no page table under it. */
		if (!e && IS_ALIGNED(va, SZ_2M))
			va += SZ_2M - PAGE_SIZE;
	}
	return false;
}
