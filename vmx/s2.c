// SPDX-License-Identifier: MIT
/*
 * A partition's EPT as the backend's second-level tables (struct
 * backend.s2_*): its RAM at guest-physical 0, device BARs mapped by vPCI,
 * and the reserve that run-time splits draw from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/heap.h>
#include <septum/partition.h>
#include <vmx/ept.h>
#include <vmx/vmx.h>

/*
 * After set-up the only pages a partition's EPT still takes are those a
 * guest causes: with EPT_LARGE_NX (iTLB multihit), one per large leaf it
 * first executes from (ept_split_exec). Their most is known now: a 1 GiB
 * leaf splits into 2 MiB ones, each of which splits again. They are set
 * aside from the heap here, and the EPT allocates from that stock alone
 * from now on: a guest executing everywhere exhausts nothing its
 * neighbours need (docs/security.md).
 */
static int split_reserve(struct partition *p, struct vmx_s2 *s, char *why, size_t whylen)
{
	size_t n;

	s->reserve = (struct page_reserve){ .list = NULL, .count = 0 };
	if (!(s->ept.large_pages & EPT_LARGE_NX))
		n = 0;
	else
		n = (size_t)(p->ram_size / SZ_2M + p->ram_size / SZ_1G + 1);
	if (page_reserve_fill(&s->reserve, &heap_pool, n)) {
		snprintf(why, whylen, "out of hypervisor memory for the EPT's split reserve (%zu pages)", n);
		return -1;
	}
	s->ept.pool = &s->reserve.pool;
	return 0;
}

int vmx_s2_create(struct partition *p, char *why, size_t whylen)
{
	struct vmx_s2 *s = pages_alloc(1);

	_Static_assert(sizeof(*s) <= PAGE_SIZE, "one page");
	if (s)
		memset(s, 0, sizeof(*s));
	if (!s || ept_init(&s->ept, &heap_pool, virt_ept_large_pages()) ||
	    ept_map(&s->ept, gpa(0), p->ram, p->ram_size, EPT_RWX, EPT_MT_WB)) {
		snprintf(why, whylen, "out of hypervisor memory for the EPT");
		return -1;
	}
	p->s2 = s;
	return 0;
}

int vmx_s2_seal(struct partition *p, char *why, size_t whylen)
{
	return split_reserve(p, vmx_s2(p), why, whylen);
}

int vmx_s2_map_mmio(struct partition *p, uint64_t gpa_base, uint64_t size)
{
	return ept_map(&vmx_s2(p)->ept, gpa(gpa_base), hpa(gpa_base), size, EPT_R | EPT_W, EPT_MT_UC);
}

int vmx_s2_unmap(struct partition *p, uint64_t gpa_base, uint64_t size)
{
	return ept_unmap(&vmx_s2(p)->ept, gpa(gpa_base), size);
}

size_t vmx_s2_split_reserve(const struct partition *p)
{
	return p->s2 ? vmx_s2(p)->reserve.count : 0;
}
