// SPDX-License-Identifier: MIT
/*
 * Septum's reservation, computed (see reserve.h). Every count is an upper
 * bound of what the allocating code takes; the reasons are given next to
 * each term so that a change in paging.c, ept.c or main.c finds its
 * counterpart here.
 */
#include <septum/reserve.h>

#define SZ_512G (1ull << 39)

static uint64_t div_up(uint64_t a, uint64_t b)
{
	return (a + b - 1) / b;
}

/* EPT with 2 MiB leaves over [0, ram): the PML4, a PDPT per 512 GiB, a PD
 * per GiB (vmx/ept.c). With 1 GiB leaves it takes fewer; without large
 * pages it takes one PT per 2 MiB, which reserve_split_pages() bounds. */
size_t reserve_ept_pages(uint64_t ram)
{
	return (size_t)(1 + div_up(ram, SZ_512G) + div_up(ram, SZ_1G));
}

/* vmx/s2.c, split_reserve(): one PT per 2 MiB leaf a guest executes
 * from, one PD per 1 GiB leaf split first into 2 MiB ones, and one spare. */
size_t reserve_split_pages(uint64_t ram)
{
	return (size_t)(ram / SZ_2M + ram / SZ_1G + 1);
}

/* Counts the slots of span `shift` that [base, end) touches, each once:
 * ranges come in address order, so remembering the last one counted is
 * enough. */
static size_t count_slots(uint64_t base, uint64_t end, unsigned shift, uint64_t *next)
{
	uint64_t first = base >> shift, last = (end - 1) >> shift;

	if (first < *next)
		first = *next;
	if (first > last)
		return 0;
	*next = last + 1;
	return (size_t)(last - first + 1);
}

/* Counts slot s for a PT unless it was the last one counted: edges come
 * in address order (sorted, disjoint regions), so that is every repeat. */
static size_t count_pt(uint64_t s, uint64_t *last)
{
	if (s == *last)
		return 0;
	*last = s;
	return 1;
}

/*
 * arch/x86_64/paging.c maps every region of the memory map (and the
 * undescribed part of the first MiB) with 2 MiB pages where a whole aligned
 * 2 MiB fits, else with 4 KiB pages. So: the PML4, a PDPT per 512 GiB slot
 * touched, a PD per 1 GiB slot touched, and a PT for the first 2 MiB and
 * for each 2 MiB slot holding an unaligned region edge. The core image is
 * mapped in 4 KiB pages (W^X per section) wherever it lands: one PT per
 * 2 MiB of it, one for the edge its end makes, one for the heap's end.
 */
size_t reserve_paging_pages(const struct boot_mem_region *mem, uint32_t nmem, uint64_t image_size)
{
	uint64_t next_pdpt = 0, next_pd = 0, last_pt = 0;
	size_t pages = 1 + 1;           /* the PML4; the PT of the first 2 MiB (slot 0) */

	pages += count_slots(0, SZ_2M, 39, &next_pdpt);
	pages += count_slots(0, SZ_2M, 30, &next_pd);
	for (uint32_t i = 0; i < nmem; i++) {
		uint64_t base = mem[i].base, end = mem[i].base + mem[i].size;

		if (!mem[i].size)
			continue;
		pages += count_slots(base, end, 39, &next_pdpt);
		pages += count_slots(base, end, 30, &next_pd);
		if (base % SZ_2M)
			pages += count_pt(base / SZ_2M, &last_pt);
		if (end % SZ_2M)
			pages += count_pt(end / SZ_2M, &last_pt);
	}
	return pages + (size_t)div_up(image_size, SZ_2M) + 2 + RESERVE_MMIO_PAGES;
}

static size_t part_pages(const struct reserve_in *in, const struct reserve_part *p, size_t *split)
{
	*split = in->ept_split ? reserve_split_pages(p->ram) : 0;
	return reserve_ept_pages(p->ram) + *split +
	       (size_t)p->npci * RESERVE_BARS_PER_PCI * RESERVE_PAGES_PER_BAR +
	       (size_t)p->ncpus * (RESERVE_VCPU_PAGES + RESERVE_VCPU_HW_PAGES);
}

void reserve_compute(const struct reserve_in *in, struct reserve_out *out)
{
	uint64_t max_ram = 0;
	unsigned n = in->nparts < RESERVE_MAX_PARTS ? in->nparts : RESERVE_MAX_PARTS;

	*out = (struct reserve_out){ 0 };
	out->paging = reserve_paging_pages(in->mem, in->nmem, in->image_size);
	for (unsigned i = 0; i < n; i++) {
		out->part[i] = part_pages(in, &in->part[i], &out->split[i]);
		out->need += out->part[i];
		if (in->part[i].ram > max_ram)
			max_ram = in->part[i].ram;
	}
	/* A CPU's window maps one partition's RAM at a time; its PDs stay
	 * (arch/x86_64/paging.c): the largest partition bounds them. The
	 * boot CPU loads every partition, the others only their own. */
	out->cpu_each = RESERVE_PERCPU_PAGES + RESERVE_STACK_PAGES + RESERVE_ROOT_PAGES +
			RESERVE_VMXON_PAGES + RESERVE_WINDOW_PDPT + (size_t)div_up(max_ram, SZ_1G);
	out->cpus = out->cpu_each * in->ncpus;
	out->state = (size_t)div_up((uint64_t)n * RESERVE_PART_BYTES, PAGE_SIZE);
	out->need += out->paging + out->cpus + out->state;
	out->margin = RESERVE_MARGIN_FLOOR + (out->need >> RESERVE_MARGIN_SHIFT);
	out->total = out->need + out->margin;
}
