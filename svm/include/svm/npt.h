/* SPDX-License-Identifier: MIT */
/*
 * Nested page table builder: the AMD-V counterpart of vmx/ept.h. It turns
 * "map this GPA range to this HPA range" into the tables nCR3 (VMCB 0x0b0)
 * points at, and knows nothing of partitions; the planner decides what to
 * map, this code only builds and walks tables.
 *
 * Format: AMD APM Vol. 2 §15.25 "Nested Paging". Nested tables have the
 * host's own paging format, in the host's paging mode at VMRUN (§15.25.3):
 * for Septum, 4-level long-mode tables (§5.3, entry formats §5.3.3-§5.3.5)
 * with EFER.NXE set (arch/x86_64/setup.c, trampoline.S; without it bit 63
 * would be reserved and every entry using it would fault). Every nested walk
 * is a user access (§15.25.5), so U/S is set on every entry, and R/W on
 * every non-leaf entry: only the leaf decides. Read is implied by present:
 * write-only and execute-only mappings cannot be expressed.
 *
 * Memory type: the leaf's PAT/PCD/PWT bits index the host's PAT, and the
 * result combines with the guest's own type (§15.25.8): a host WB mapping
 * leaves the guest's choice in force, so guest RAM is mapped WB. Septum's
 * host PAT is taken to be the power-on value (arch/ never writes
 * IA32_PAT; arch/x86_64/paging.c assumes the same), whose
 * entries 0-3 are WB, WT, UC-, UC: those are the types offered here.
 *
 * Tables come from a struct page_pool whose page pointers are host-physical
 * addresses (identity mapped in the core), so the same code runs on
 * malloc'd tables in host tests. After set-up the caller may point
 * npt->pool at a struct page_reserve (septum/page_pool.h): later splits then
 * take pages only from that partition's own stock.
 *
 * Not thread safe: one builder per table. A guest may run on the tables while
 * npt_map() adds to them (new subtrees are linked only once complete); the
 * caller flushes the ASID's cached translations (TLB_CONTROL) where needed.
 */
#ifndef SVM_NPT_H
#define SVM_NPT_H

#include <errno.h>

#include <septum/page_pool.h>
#include <septum/types.h>

/* Access rights of a mapping (npt_map perms); the same values as EPT_R/W/X
 * so vendor-neutral callers can pass one mask to either builder. */
#define NPT_R        BIT(0)
#define NPT_W        BIT(1)
#define NPT_X        BIT(2)
#define NPT_RWX      (NPT_R | NPT_W | NPT_X)

/* Memory types: the index into the host's power-on PAT (PAT:PCD:PWT). */
#define NPT_MT_WB       0u
#define NPT_MT_WT       1u
#define NPT_MT_UC_MINUS 2u
#define NPT_MT_UC       3u

/* npt.large_pages: which leaf sizes above 4 KiB may be used. 2 MiB pages
 * exist in every long-mode table; 1 GiB pages need CPUID 80000001H EDX[26]
 * (Page1GB). AMD processors are not affected by the iTLB multihit erratum
 * (CVE-2018-12207), so there is no counterpart of EPT_LARGE_NX. */
#define NPT_LARGE_2M 1u
#define NPT_LARGE_1G 2u

/* Paging-structure entry bits (APM Vol. 2 §5.3.3-§5.3.5, Figures 5-17..5-25). */
#define NPTE_P         BIT(0)                  /* present */
#define NPTE_RW        BIT(1)                  /* writable */
#define NPTE_US        BIT(2)                  /* user: required, nested walks are user accesses */
#define NPTE_PWT       BIT(3)
#define NPTE_PCD       BIT(4)
#define NPTE_A         BIT(5)                  /* accessed (set by the processor) */
#define NPTE_D         BIT(6)                  /* dirty (leaf; set by the processor) */
#define NPTE_PS        BIT(7)                  /* PDPE/PDE: maps a 1 GiB / 2 MiB page */
#define NPTE_PAT_4K    BIT(7)                  /* PTE: PAT index bit 2 */
#define NPTE_PAT_LARGE BIT(12)                 /* 1 GiB / 2 MiB leaf: PAT index bit 2 */
#define NPTE_NX        BIT(63)                 /* no execute (EFER.NXE = 1) */
#define NPTE_ADDR_MASK 0x000ffffffffff000ull   /* bits 51:12: next table or page frame */

#define NPT_LEVELS     4                       /* PML4 -> PDPT -> PD -> PT */
#define NPT_ENTRIES    512
#define NPT_GPA_LIMIT  (1ull << 48)            /* a 4-level walk translates 48 bits */
#define NPT_HPA_LIMIT  (1ull << 52)            /* MAXPHYADDR <= 52 (§5.3) */

/* Leaf levels reported by npt_lookup(). */
#define NPT_LEVEL_4K   1u
#define NPT_LEVEL_2M   2u
#define NPT_LEVEL_1G   3u

struct npt {
	void *pml4;                 /* host-physical == pointer (page_pool contract) */
	struct page_pool *pool;
	unsigned large_pages;       /* NPT_LARGE_2M | NPT_LARGE_1G allowed */
};

/*
 * Allocates an empty PML4. large_pages: NPT_LARGE_* mask.
 * Returns 0, -EINVAL for unknown large_pages bits, -ENOMEM if the pool is empty.
 */
int npt_init(struct npt *npt, struct page_pool *pool, unsigned large_pages);

/*
 * Maps [gpa, gpa+size) to [hpa, hpa+size) with perms (NPT_R|NPT_W|NPT_X)
 * and memtype (NPT_MT_*), using for each piece the largest leaf that
 * alignment of both addresses, the remaining size and npt->large_pages allow.
 * Returns 0, or (leaving the tables exactly as they were):
 *   -EINVAL  gpa/hpa/size not 4 KiB aligned, size 0, range beyond 2^48 (GPA)
 *            or 2^52 (HPA), perms without NPT_R or with unknown bits,
 *            memtype not NPT_MT_*;
 *   -EEXIST  some page of the range is already mapped;
 *   -ENOMEM  the pool ran out (every table is allocated before any is linked).
 */
int npt_map(struct npt *npt, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned perms,
	    unsigned memtype);

/*
 * Removes every mapping in [gpa, gpa+size), which must cover each leaf it
 * touches whole (split first to unmap part of a large leaf); pages that are
 * not mapped are skipped. The tables stay (mapping the range again needs no
 * memory). Returns 0, or -EINVAL (tables unchanged) for an unaligned or
 * empty range, one beyond 2^48, or a leaf reaching outside it. The caller
 * flushes cached translations.
 */
int npt_unmap(struct npt *npt, gpa_t gpa, uint64_t size);

/*
 * Translates gpa. On success returns 0 and sets, for each non-NULL pointer:
 * *out = host-physical address of gpa (offset within the page kept), *perms,
 * *memtype, *level = NPT_LEVEL_4K/2M/1G of the leaf. Returns -ENOENT if gpa is
 * not mapped (including gpa >= NPT_GPA_LIMIT).
 */
int npt_lookup(const struct npt *npt, gpa_t gpa, hpa_t *out, unsigned *perms,
	       unsigned *memtype, unsigned *level);

/* Calls cb once per leaf, in ascending GPA order, with its base and size. */
void npt_for_each_leaf(const struct npt *npt,
		       void (*cb)(void *ctx, gpa_t gpa, hpa_t hpa, uint64_t size,
				  unsigned perms, unsigned memtype),
		       void *ctx);

/* nCR3 for the VMCB: the PML4's address; PWT/PCD clear, so the walk reads
 * the tables write-back (host PAT entry 0). */
uint64_t npt_ncr3(const struct npt *npt);

/*
 * Replaces the large leaf that maps gpa by a table of 512 leaves one level
 * down with the same permissions and memory type (1 GiB -> 2 MiB pages,
 * 2 MiB -> 4 KiB pages), linked by one 64-bit store: the translation of
 * every address stays the same throughout. Lets part of a large leaf be
 * unmapped or remapped (e.g. a 4 KiB MMIO page inside guest RAM).
 * Returns 0, -ENOENT when gpa is not mapped or its leaf is 4 KiB already,
 * -ENOMEM when the pool is empty. The caller flushes cached translations.
 */
int npt_split(struct npt *npt, gpa_t gpa);

/* Pages npt_split() may need to split every large leaf of a mapping of
 * `size` bytes down to 4 KiB: one per 2 MiB leaf and one per 1 GiB leaf
 * there can be (each covers that much of the range). What a partition's
 * reserve holds for run-time splits. */
size_t npt_split_pages_max(uint64_t size);

/* Returns every table page (PML4 included) to the pool; npt->pml4 = NULL. */
void npt_destroy(struct npt *npt);

#endif /* SVM_NPT_H */
