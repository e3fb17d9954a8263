// SPDX-License-Identifier: MIT
/*
 * A partition's nested page tables as the AMD-V backend's second-level
 * tables (struct backend.s2_*): its RAM at guest-physical 0, write-back,
 * device BARs mapped by vPCI uncached, and its ASID. The xAPIC page is
 * never mapped: the guest's xAPIC accesses fault (NPF) and kernel/exit/
 * emulates them. AMD CPUs are not affected by iTLB multihit, so large
 * pages keep execute permission and nothing splits at run time: sealing
 * sets no reserve aside and the tables take no page after set-up.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/heap.h>
#include <svm/backend.h>

/* One ASID per partition, never 0 (the host's, APM Vol. 2 §15.16). The
 * partitions of one machine are far fewer than the 16 ASIDs QEMU offers
 * (and the thousands of silicon): a shortage is refused by name. */
static atomic_uint next_asid = 1;

int svm_s2_create(struct partition *p, char *why, size_t whylen)
{
	struct svm_s2 *s = pages_alloc(1);
	unsigned large = virt_ept_large_pages();

	_Static_assert(sizeof(*s) <= PAGE_SIZE, "one page");
	if (s)
		memset(s, 0, sizeof(*s));
	if (!s || npt_init(&s->npt, &heap_pool, large) ||
	    npt_map(&s->npt, gpa(0), p->ram, p->ram_size, NPT_RWX, NPT_MT_WB)) {
		snprintf(why, whylen, "out of hypervisor memory for the nested page tables");
		return -1;
	}
	s->asid = atomic_fetch_add(&next_asid, 1);
	if (s->asid >= svm_boot_caps.nasids) {
		snprintf(why, whylen, "no ASID left for it (the CPU has %u, ASID 0 is the host's)",
			 (unsigned)svm_boot_caps.nasids);
		return -1;
	}
	p->s2 = s;
	return 0;
}

int svm_s2_seal(struct partition *p, char *why, size_t whylen)
{
	(void)p; (void)why; (void)whylen;
	return 0;
}

int svm_s2_map_mmio(struct partition *p, uint64_t gpa_base, uint64_t size)
{
	return npt_map(&svm_s2(p)->npt, gpa(gpa_base), hpa(gpa_base), size, NPT_R | NPT_W, NPT_MT_UC);
}

int svm_s2_unmap(struct partition *p, uint64_t gpa_base, uint64_t size)
{
	return npt_unmap(&svm_s2(p)->npt, gpa(gpa_base), size);
}

/* No iTLB-multihit splits on AMD (svm/npt.h): nothing is set aside. */
size_t svm_s2_split_reserve(const struct partition *p)
{
	(void)p;
	return 0;
}
