/* SPDX-License-Identifier: MIT */
/*
 * Nested page table builder (AMD APM Vol. 2 §15.25, long-mode tables §5.3).
 * See svm/npt.h for the contract.
 *
 * The same shape as vmx/ept.c, with the long-mode entry format: npt_map()
 * runs one recursive walk twice, a dry run that detects overlaps and counts
 * the tables the range needs, then, once all of those pages have been taken
 * from the pool, the run that writes entries. The second run cannot fail, so
 * a failed map never leaves a partial mapping, and a new subtree is linked
 * into its parent only after it has been filled. Kept apart from ept.c on
 * purpose: the two formats differ in every bit a walker tests (present,
 * permissions, memory type, where a large leaf's address ends).
 */
#include <errno.h>
#include <string.h>

#include <svm/npt.h>

typedef uint64_t npte_t;

_Static_assert(sizeof(npte_t) * NPT_ENTRIES == PAGE_SIZE, "a nested table is one 4 KiB page");

/* Bits of the GPA each level translates: PT 20:12, PD 29:21, PDPT 38:30, PML4 47:39. */
static unsigned level_shift(unsigned level)
{
	return PAGE_SHIFT + 9 * (level - 1);
}

static uint64_t level_span(unsigned level)
{
	return 1ull << level_shift(level);
}

static unsigned pt_index(uint64_t gpa, unsigned level)
{
	return (unsigned)(gpa >> level_shift(level)) & (NPT_ENTRIES - 1);
}

static bool npte_present(npte_t e)
{
	return e & NPTE_P;
}

/* A PTE is always a leaf; a PDE/PDPE is one when PS is set. */
static bool npte_leaf(npte_t e, unsigned level)
{
	return level == 1 || (e & NPTE_PS);
}

static npte_t *npte_table(npte_t e)
{
	return hpa_ptr(hpa(e & NPTE_ADDR_MASK));
}

/* The frame a leaf maps: in a large leaf, bit 12 is PAT, not address. */
static uint64_t leaf_frame(npte_t e, unsigned level)
{
	return e & NPTE_ADDR_MASK & ~(level_span(level) - 1);
}

static bool leaf_allowed(const struct npt *npt, unsigned level)
{
	switch (level) {
	case 1: return true;
	case 2: return npt->large_pages & NPT_LARGE_2M;
	case 3: return npt->large_pages & NPT_LARGE_1G;
	default: return false; /* no 512 GiB pages in long mode */
	}
}

/* PAT index -> PWT (bit 0), PCD (bit 1), PAT (bit 2: bit 7 of a PTE, 12 of a large leaf). */
static npte_t memtype_bits(unsigned memtype, unsigned level)
{
	npte_t e = 0;

	if (memtype & 1)
		e |= NPTE_PWT;
	if (memtype & 2)
		e |= NPTE_PCD;
	if (memtype & 4)
		e |= level == 1 ? NPTE_PAT_4K : NPTE_PAT_LARGE;
	return e;
}

static unsigned leaf_memtype(npte_t e, unsigned level)
{
	unsigned pat = (e & (level == 1 ? NPTE_PAT_4K : NPTE_PAT_LARGE)) ? 4 : 0;

	return pat | ((e & NPTE_PCD) ? 2 : 0) | ((e & NPTE_PWT) ? 1 : 0);
}

static unsigned leaf_perms(npte_t e)
{
	return NPT_R | ((e & NPTE_RW) ? NPT_W : 0) | ((e & NPTE_NX) ? 0 : NPT_X);
}

static npte_t make_leaf(uint64_t hpa_v, unsigned level, unsigned perms, unsigned memtype)
{
	npte_t e = (hpa_v & NPTE_ADDR_MASK) | NPTE_P | NPTE_US | memtype_bits(memtype, level);

	if (level > 1)
		e |= NPTE_PS;
	if (perms & NPT_W)
		e |= NPTE_RW;
	if (!(perms & NPT_X))
		e |= NPTE_NX;
	return e;
}

/* Non-leaf entries grant everything (§5.3: the rights of a walk are the
 * most restrictive of all its levels); the leaf alone decides. */
static npte_t make_table(const npte_t *table)
{
	return (page_hpa(table).v & NPTE_ADDR_MASK) | NPTE_P | NPTE_RW | NPTE_US;
}

struct map_op {
	const struct npt *npt;
	unsigned perms, memtype;
	bool build;        /* false: dry run (check, count); true: write */
	size_t need;       /* dry run: tables the range needs */
	void *spare;       /* build: pre-allocated pages, linked through word 0 */
};

static void spare_push(struct map_op *op, void *page)
{
	*(void **)page = op->spare;
	op->spare = page;
}

static void *spare_pop(struct map_op *op)
{
	void *page = op->spare;

	op->spare = *(void **)page;
	*(void **)page = NULL; /* the pool's contract: tables start zeroed */
	return page;
}

/*
 * Maps [gpa, gpa+size) inside the level-`level` table `table` (NULL in the
 * dry run for a table that does not exist yet: everything below is empty).
 */
static int map_range(struct map_op *op, npte_t *table, unsigned level, uint64_t gpa,
		     uint64_t hpa_v, uint64_t size)
{
	const uint64_t span = level_span(level);

	while (size) {
		unsigned i = pt_index(gpa, level);
		uint64_t room = span - (gpa & (span - 1));
		uint64_t chunk = size < room ? size : room;
		npte_t e = table ? table[i] : 0;

		if (chunk == span && IS_ALIGNED(hpa_v, span) && leaf_allowed(op->npt, level)) {
			if (npte_present(e))
				return -EEXIST;
			if (op->build)
				table[i] = make_leaf(hpa_v, level, op->perms, op->memtype);
		} else {
			npte_t *sub = NULL;
			int rc;

			if (npte_present(e)) {
				if (npte_leaf(e, level))
					return -EEXIST;
				sub = npte_table(e);
			} else if (op->build) {
				sub = spare_pop(op);
			} else {
				op->need++;
			}
			rc = map_range(op, sub, level - 1, gpa, hpa_v, chunk);
			if (rc)
				return rc;
			if (op->build && !npte_present(e))
				table[i] = make_table(sub);
		}
		gpa += chunk;
		hpa_v += chunk;
		size -= chunk;
	}
	return 0;
}

int npt_init(struct npt *npt, struct page_pool *pool, unsigned large_pages)
{
	npt->pml4 = NULL;
	npt->pool = pool;
	npt->large_pages = large_pages;
	if (large_pages & ~(NPT_LARGE_2M | NPT_LARGE_1G))
		return -EINVAL;
	npt->pml4 = pool->alloc(pool);
	return npt->pml4 ? 0 : -ENOMEM;
}

static bool map_args_valid(const struct npt *npt, gpa_t gpa, hpa_t hpa_a, uint64_t size,
			  unsigned perms, unsigned memtype)
{
	if (!npt->pml4 || size == 0)
		return false;
	if (!IS_ALIGNED(gpa.v | hpa_a.v | size, PAGE_SIZE))
		return false;
	if (size > NPT_GPA_LIMIT || gpa.v > NPT_GPA_LIMIT - size)
		return false;
	if (size > NPT_HPA_LIMIT || hpa_a.v > NPT_HPA_LIMIT - size)
		return false;
	/* A present entry is readable: no write-only or execute-only pages. */
	if ((perms & ~NPT_RWX) || !(perms & NPT_R))
		return false;
	return memtype <= NPT_MT_UC;
}

int npt_map(struct npt *npt, gpa_t gpa, hpa_t hpa_a, uint64_t size, unsigned perms,
	    unsigned memtype)
{
	struct map_op op = { .npt = npt, .perms = perms, .memtype = memtype };
	int rc;

	if (!map_args_valid(npt, gpa, hpa_a, size, perms, memtype))
		return -EINVAL;

	rc = map_range(&op, npt->pml4, NPT_LEVELS, gpa.v, hpa_a.v, size);
	if (rc)
		return rc;

	for (size_t n = 0; n < op.need; n++) {
		void *page = npt->pool->alloc(npt->pool);

		if (!page) {
			while (op.spare)
				npt->pool->free(npt->pool, spare_pop(&op));
			return -ENOMEM;
		}
		spare_push(&op, page);
	}

	op.build = true;
	/* The dry run saw the same tables: neither an overlap nor a shortage
	 * of pages can appear now. */
	return map_range(&op, npt->pml4, NPT_LEVELS, gpa.v, hpa_a.v, size);
}

/* The leaf entry mapping gpa and its level, or NULL (*level: the level
 * whose entry was absent, so the caller can skip its whole span). */
static npte_t *leaf_of(const struct npt *npt, uint64_t gpa, unsigned *level)
{
	npte_t *table = npt->pml4;

	for (unsigned l = NPT_LEVELS; l >= 1; l--) {
		npte_t *e = &table[pt_index(gpa, l)];

		*level = l;
		if (!npte_present(*e))
			return NULL;
		if (npte_leaf(*e, l))
			return e;
		table = npte_table(*e);
	}
	return NULL;
}

int npt_lookup(const struct npt *npt, gpa_t gpa, hpa_t *out, unsigned *perms,
	       unsigned *memtype, unsigned *level)
{
	unsigned l;
	const npte_t *e;

	if (!npt->pml4 || gpa.v >= NPT_GPA_LIMIT)
		return -ENOENT;
	e = leaf_of(npt, gpa.v, &l);
	if (!e)
		return -ENOENT;
	if (out)
		*out = hpa(leaf_frame(*e, l) | (gpa.v & (level_span(l) - 1)));
	if (perms)
		*perms = leaf_perms(*e);
	if (memtype)
		*memtype = leaf_memtype(*e, l);
	if (level)
		*level = l;
	return 0;
}

int npt_unmap(struct npt *npt, gpa_t gpa, uint64_t size)
{
	uint64_t end = gpa.v + size;

	if (!npt->pml4 || size == 0 || (gpa.v | size) & (PAGE_SIZE - 1) || end < gpa.v || end > NPT_GPA_LIMIT)
		return -EINVAL;
	/* Two passes: refuse a leaf that reaches outside before clearing any. */
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t a = gpa.v; a < end;) {
			unsigned l;
			npte_t *e = leaf_of(npt, a, &l);
			uint64_t span = level_span(l), start = a & ~(span - 1);

			if (e && (start < gpa.v || start + span > end))
				return -EINVAL;
			if (e && pass == 1)
				*e = 0;
			a = start + span;
		}
	return 0;
}

int npt_split(struct npt *npt, gpa_t gpa)
{
	unsigned l, perms, memtype;
	npte_t *slot, e, *sub;

	if (!npt->pml4 || gpa.v >= NPT_GPA_LIMIT)
		return -ENOENT;
	slot = leaf_of(npt, gpa.v, &l);
	if (!slot || l == 1)
		return -ENOENT;
	e = *slot;
	sub = npt->pool->alloc(npt->pool);
	if (!sub)
		return -ENOMEM;
	perms = leaf_perms(e);
	memtype = leaf_memtype(e, l);
	for (unsigned i = 0; i < NPT_ENTRIES; i++)
		sub[i] = make_leaf(leaf_frame(e, l) + ((uint64_t)i << level_shift(l - 1)), l - 1,
				   perms, memtype);
	__atomic_store_n(slot, make_table(sub), __ATOMIC_RELEASE);
	return 0;
}

size_t npt_split_pages_max(uint64_t size)
{
	return (size_t)(size / SZ_2M + size / SZ_1G);
}

struct leaf_walk {
	void (*cb)(void *ctx, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned perms,
		   unsigned memtype);
	void *ctx;
};

static void walk_leaves(const struct leaf_walk *w, const npte_t *table, unsigned level,
			uint64_t base)
{
	for (unsigned i = 0; i < NPT_ENTRIES; i++) {
		npte_t e = table[i];
		uint64_t gpa_v = base + ((uint64_t)i << level_shift(level));

		if (!npte_present(e))
			continue;
		if (npte_leaf(e, level))
			w->cb(w->ctx, gpa(gpa_v), hpa(leaf_frame(e, level)), level_span(level),
			      leaf_perms(e), leaf_memtype(e, level));
		else
			walk_leaves(w, npte_table(e), level - 1, gpa_v);
	}
}

void npt_for_each_leaf(const struct npt *npt,
		       void (*cb)(void *ctx, gpa_t gpa, hpa_t hpa, uint64_t size,
				  unsigned perms, unsigned memtype),
		       void *ctx)
{
	const struct leaf_walk w = { cb, ctx };

	if (npt->pml4)
		walk_leaves(&w, npt->pml4, NPT_LEVELS, 0);
}

uint64_t npt_ncr3(const struct npt *npt)
{
	return page_hpa(npt->pml4).v & NPTE_ADDR_MASK;
}

static void free_table(struct page_pool *pool, npte_t *table, unsigned level)
{
	for (unsigned i = 0; level > 1 && i < NPT_ENTRIES; i++)
		if (npte_present(table[i]) && !npte_leaf(table[i], level))
			free_table(pool, npte_table(table[i]), level - 1);
	pool->free(pool, table);
}

void npt_destroy(struct npt *npt)
{
	if (npt->pml4)
		free_table(npt->pool, npt->pml4, NPT_LEVELS);
	npt->pml4 = NULL;
}
