/* SPDX-License-Identifier: MIT */
/*
 * EPT builder: the mechanism that turns "map this GPA range to this HPA
 * range" into Intel extended page tables. It knows nothing of partitions;
 * the planner decides what to map, this code only builds and walks tables.
 *
 * Format: Intel SDM Vol. 3C §29.3 "The Extended Page Table Mechanism (EPT)"
 * (§28.3 in older editions), entry formats in §29.3.2; EPTP format
 * §25.6.11, Table 25-9. Tables come from a struct page_pool whose page
 * pointers are host-physical addresses (identity mapped in the core), so the
 * same code runs on malloc'd tables in host tests.
 *
 * Not thread safe: one builder per EPT. A guest may run on the tables while
 * ept_map() adds to them (new subtrees are linked only once complete); the
 * caller invalidates cached translations (INVEPT) where it needs to.
 */
#ifndef VMX_EPT_H
#define VMX_EPT_H

#include <errno.h>

#include <septum/page_pool.h>
#include <septum/types.h>

/* Access rights of a mapping (ept_map perms), == entry bits 2:0. */
#define EPT_R        BIT(0)
#define EPT_W        BIT(1)
#define EPT_X        BIT(2)
#define EPT_RWX      (EPT_R | EPT_W | EPT_X)

/* EPT memory types (SDM Vol. 3C §29.3.7 / Vol. 3A §12.3 "Methods of Caching"). */
#define EPT_MT_UC    0u
#define EPT_MT_WC    1u
#define EPT_MT_WT    4u
#define EPT_MT_WP    5u
#define EPT_MT_WB    6u

/* ept.large_pages: which leaf sizes above 4 KiB may be used, from
 * IA32_VMX_EPT_VPID_CAP bit 16 (2 MiB) and bit 17 (1 GiB), SDM Vol. 3D A.10. */
#define EPT_LARGE_2M 1u
#define EPT_LARGE_1G 2u
/* iTLB multihit (CVE-2018-12207, Intel "Machine Check Error Avoidance on
 * Page Size Change"): on CPUs without IA32_ARCH_CAPABILITIES.PSCHANGE_MC_NO
 * a guest that changes the size of a page it executes from can raise a #MC
 * that takes down the machine. With EPT_LARGE_NX, large leaves are written
 * without execute permission (what the caller asked for is kept in a bit
 * the CPU ignores); the first instruction fetch from one faults and
 * ept_split_exec() splits it into smaller, executable pages (the Linux/KVM
 * approach). */
#define EPT_LARGE_NX 4u
_Static_assert(EPT_LARGE_2M == 1 && EPT_LARGE_1G == 2 && EPT_LARGE_NX == 4, "septum/arch.h S2_LARGE_*");

/* Paging-structure entry bits (SDM Vol. 3C §29.3.2, one table per level). */
#define EPTE_PERM_MASK 0x7ull                  /* bits 2:0: read, write, execute */
#define EPTE_MT_SHIFT  3                       /* leaf bits 5:3: memory type */
#define EPTE_MT_MASK   (0x7ull << EPTE_MT_SHIFT)
#define EPTE_IPAT      BIT(6)                  /* leaf: ignore guest PAT (kept clear) */
#define EPTE_PS        BIT(7)                  /* PDPTE/PDE: maps a 1 GiB / 2 MiB page */
#define EPTE_SW_EXEC   BIT(52)                 /* large leaf: execute wanted, withheld (EPT_LARGE_NX); bits 62:52 are ignored */
#define EPTE_ADDR_MASK 0x000ffffffffff000ull   /* bits 51:12: next table or page frame */

/* EPTP (SDM Vol. 3C §25.6.11, Table 25-9). */
#define EPTP_MT_SHIFT  0                       /* bits 2:0: paging-structure memory type */
#define EPTP_WALK_SHIFT 3                      /* bits 5:3: page-walk length - 1 */
#define EPTP_AD        BIT(6)                  /* accessed/dirty flags enable (not used) */

#define EPT_LEVELS     4                       /* PML4 -> PDPT -> PD -> PT */
#define EPT_ENTRIES    512
#define EPT_GPA_LIMIT  (1ull << 48)            /* a 4-level walk translates 48 bits */
#define EPT_HPA_LIMIT  (1ull << 52)            /* MAXPHYADDR <= 52 (SDM Vol. 3A §4.1.4) */

/* Leaf levels reported by ept_lookup(). */
#define EPT_LEVEL_4K   1u
#define EPT_LEVEL_2M   2u
#define EPT_LEVEL_1G   3u

struct ept {
	void *pml4;                 /* host-physical == pointer (page_pool contract) */
	struct page_pool *pool;
	unsigned large_pages;       /* EPT_LARGE_2M | EPT_LARGE_1G allowed, EPT_LARGE_NX */
};

/*
 * Allocates an empty PML4. large_pages: EPT_LARGE_* mask.
 * Returns 0, -EINVAL for unknown large_pages bits, -ENOMEM if the pool is empty.
 */
int ept_init(struct ept *ept, struct page_pool *pool, unsigned large_pages);

/*
 * Maps [gpa, gpa+size) to [hpa, hpa+size) with perms (EPT_R|EPT_W|EPT_X) and
 * memtype (EPT_MT_*), using for each piece the largest leaf that alignment of
 * both addresses, the remaining size and ept->large_pages allow.
 * Returns 0, or (leaving the tables exactly as they were):
 *   -EINVAL  gpa/hpa/size not 4 KiB aligned, size 0, range beyond 2^48 (GPA)
 *            or 2^52 (HPA), perms 0 or W without R (an EPT misconfiguration,
 *            SDM §29.3.3.1), memtype reserved (2, 3, 7);
 *   -EEXIST  some page of the range is already mapped;
 *   -ENOMEM  the pool ran out (every table is allocated before any is linked).
 * Execute-only mappings (X without R) are accepted; the caller must have
 * checked IA32_VMX_EPT_VPID_CAP bit 0.
 */
int ept_map(struct ept *ept, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned perms,
	    unsigned memtype);

/*
 * Removes every mapping in [gpa, gpa+size), which must cover each leaf it
 * touches whole (unmap what was mapped); pages that are not mapped are
 * skipped. The tables stay (mapping the range again needs no memory).
 * Returns 0, or -EINVAL (tables unchanged) for an unaligned or empty range,
 * one beyond 2^48, or a leaf reaching outside it. The caller invalidates
 * cached translations (INVEPT).
 */
int ept_unmap(struct ept *ept, gpa_t gpa, uint64_t size);

/*
 * Translates gpa. On success returns 0 and sets, for each non-NULL pointer:
 * *out = host-physical address of gpa (offset within the page kept), *perms,
 * *memtype, *level = EPT_LEVEL_4K/2M/1G of the leaf. Returns -ENOENT if gpa is
 * not mapped (including gpa >= EPT_GPA_LIMIT).
 */
int ept_lookup(const struct ept *ept, gpa_t gpa, hpa_t *out, unsigned *perms,
	       unsigned *memtype, unsigned *level);

/* Calls cb once per leaf, in ascending GPA order, with its base and size
 * (perms as the entry has them: without X for a large leaf EPT_LARGE_NX
 * withheld it from). */
void ept_for_each_leaf(const struct ept *ept,
		       void (*cb)(void *ctx, gpa_t gpa, hpa_t hpa, uint64_t size,
				  unsigned perms, unsigned memtype),
		       void *ctx);

/* EPTP for the VMCS: PML4 address, WB paging-structure memory type, 4-level
 * walk, accessed/dirty flags disabled. */
uint64_t ept_eptp(const struct ept *ept);

/*
 * An execute access at gpa faulted. If the leaf there is a large page whose
 * execute permission EPT_LARGE_NX withheld, it is replaced by a table of
 * 512 pages one level down (2 MiB -> 4 KiB pages with the wanted
 * permissions; 1 GiB -> 2 MiB pages, still without execute, split in turn
 * when fetched from), linked by one 64-bit store. Returns 0 when the fetch
 * can be retried (split now, or another CPU split it already: the caller
 * invalidates cached translations with INVEPT), -ENOENT when gpa is not such
 * a page (a real violation), -ENOMEM when the pool is empty. The caller
 * serialises calls for one EPT.
 */
int ept_split_exec(struct ept *ept, gpa_t gpa);

/* Returns every table page (PML4 included) to the pool; ept->pml4 = NULL. */
void ept_destroy(struct ept *ept);

#endif /* VMX_EPT_H */
