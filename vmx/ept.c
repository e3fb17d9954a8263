/* SPDX-License-Identifier: MIT */
/*
 * EPT builder (Intel SDM Vol. 3C §29.3). See vmx/ept.h for the contract.
 *
 * ept_map() runs the same recursive walk twice: a dry run that detects
 * overlaps and counts the tables the range needs, then, once all of those
 * pages have been taken from the pool, the run that writes entries. The
 * second run cannot fail, so a failed map never leaves a partial mapping, and
 * a new subtree is linked into its parent only after it has been filled.
 */
#include <errno.h>
#include <string.h>

#include <vmx/ept.h>

typedef uint64_t epte_t;

_Static_assert(sizeof(epte_t) * EPT_ENTRIES == PAGE_SIZE, "an EPT table is one 4 KiB page");

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
	return (unsigned)(gpa >> level_shift(level)) & (EPT_ENTRIES - 1);
}

/* §29.3.2: an entry whose bits 2:0 are all clear is not present. */
static bool epte_present(epte_t e)
{
	return (e & EPTE_PERM_MASK) != 0;
}

/* A PTE is always a leaf; a PDE/PDPTE is one when bit 7 is set. */
static bool epte_leaf(epte_t e, unsigned level)
{
	return level == 1 || (e & EPTE_PS);
}

static epte_t *epte_table(epte_t e)
{
	return hpa_ptr(hpa(e & EPTE_ADDR_MASK));
}

static bool leaf_allowed(const struct ept *ept, unsigned level)
{
	switch (level) {
	case 1: return true;
	case 2: return ept->large_pages & EPT_LARGE_2M;
	case 3: return ept->large_pages & EPT_LARGE_1G;
	default: return false; /* no 512 GiB pages in EPT */
	}
}

static epte_t make_leaf(const struct ept *ept, uint64_t hpa_v, unsigned level, unsigned perms, unsigned memtype)
{
	epte_t e = (hpa_v & EPTE_ADDR_MASK) | ((epte_t)memtype << EPTE_MT_SHIFT);

	if (level == 1)
		return e | (perms & EPTE_PERM_MASK);
	if ((ept->large_pages & EPT_LARGE_NX) && (perms & EPT_X))
		return e | EPTE_PS | EPTE_SW_EXEC | (perms & EPTE_PERM_MASK & ~(epte_t)EPT_X);
	return e | EPTE_PS | (perms & EPTE_PERM_MASK);
}

/* Non-leaf entries grant everything; the leaf alone decides the access. */
static epte_t make_table(const epte_t *table)
{
	return (page_hpa(table).v & EPTE_ADDR_MASK) | EPT_RWX;
}

struct map_op {
	const struct ept *ept;
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
static int map_range(struct map_op *op, epte_t *table, unsigned level, uint64_t gpa,
		     uint64_t hpa_v, uint64_t size)
{
	const uint64_t span = level_span(level);

	while (size) {
		unsigned i = pt_index(gpa, level);
		uint64_t room = span - (gpa & (span - 1));
		uint64_t chunk = size < room ? size : room;
		epte_t e = table ? table[i] : 0;

		if (chunk == span && IS_ALIGNED(hpa_v, span) && leaf_allowed(op->ept, level)) {
			if (epte_present(e))
				return -EEXIST;
			if (op->build)
				table[i] = make_leaf(op->ept, hpa_v, level, op->perms, op->memtype);
		} else {
			epte_t *sub = NULL;
			int rc;

			if (epte_present(e)) {
				if (epte_leaf(e, level))
					return -EEXIST;
				sub = epte_table(e);
			} else if (op->build) {
				sub = spare_pop(op);
			} else {
				op->need++;
			}
			rc = map_range(op, sub, level - 1, gpa, hpa_v, chunk);
			if (rc)
				return rc;
			if (op->build && !epte_present(e))
				table[i] = make_table(sub);
		}
		gpa += chunk;
		hpa_v += chunk;
		size -= chunk;
	}
	return 0;
}

int ept_init(struct ept *ept, struct page_pool *pool, unsigned large_pages)
{
	ept->pml4 = NULL;
	ept->pool = pool;
	ept->large_pages = large_pages;
	if (large_pages & ~(EPT_LARGE_2M | EPT_LARGE_1G | EPT_LARGE_NX))
		return -EINVAL;
	ept->pml4 = pool->alloc(pool);
	return ept->pml4 ? 0 : -ENOMEM;
}

/* §29.3.7: memory types 2, 3 and 7 are reserved (EPT misconfiguration). */
static bool memtype_valid(unsigned memtype)
{
	return memtype == EPT_MT_UC || memtype == EPT_MT_WC || memtype == EPT_MT_WT ||
	       memtype == EPT_MT_WP || memtype == EPT_MT_WB;
}

static bool map_args_valid(const struct ept *ept, gpa_t gpa, hpa_t hpa_a, uint64_t size,
			  unsigned perms, unsigned memtype)
{
	if (!ept->pml4 || size == 0)
		return false;
	if (!IS_ALIGNED(gpa.v | hpa_a.v | size, PAGE_SIZE))
		return false;
	if (size > EPT_GPA_LIMIT || gpa.v > EPT_GPA_LIMIT - size)
		return false;
	if (size > EPT_HPA_LIMIT || hpa_a.v > EPT_HPA_LIMIT - size)
		return false;
	/* §29.3.3.1: write without read is a misconfiguration. */
	if ((perms & ~EPT_RWX) || perms == 0 || (perms & (EPT_R | EPT_W)) == EPT_W)
		return false;
	return memtype_valid(memtype);
}

int ept_map(struct ept *ept, gpa_t gpa, hpa_t hpa_a, uint64_t size, unsigned perms,
	    unsigned memtype)
{
	struct map_op op = { .ept = ept, .perms = perms, .memtype = memtype };
	int rc;

	if (!map_args_valid(ept, gpa, hpa_a, size, perms, memtype))
		return -EINVAL;

	rc = map_range(&op, ept->pml4, EPT_LEVELS, gpa.v, hpa_a.v, size);
	if (rc)
		return rc;

	for (size_t n = 0; n < op.need; n++) {
		void *page = ept->pool->alloc(ept->pool);

		if (!page) {
			while (op.spare)
				ept->pool->free(ept->pool, spare_pop(&op));
			return -ENOMEM;
		}
		spare_push(&op, page);
	}

	op.build = true;
	rc = map_range(&op, ept->pml4, EPT_LEVELS, gpa.v, hpa_a.v, size);
	/* The dry run saw the same tables: neither an overlap nor a shortage
	 * of pages can appear now. */
	return rc;
}

int ept_lookup(const struct ept *ept, gpa_t gpa, hpa_t *out, unsigned *perms,
	       unsigned *memtype, unsigned *level)
{
	const epte_t *table = ept->pml4;

	if (!table || gpa.v >= EPT_GPA_LIMIT)
		return -ENOENT;
	for (unsigned l = EPT_LEVELS; l >= 1; l--) {
		epte_t e = table[pt_index(gpa.v, l)];

		if (!epte_present(e))
			return -ENOENT;
		if (!epte_leaf(e, l)) {
			table = epte_table(e);
			continue;
		}
		if (out)
			*out = hpa((e & EPTE_ADDR_MASK & ~(level_span(l) - 1)) |
				   (gpa.v & (level_span(l) - 1)));
		if (perms)
			*perms = (unsigned)(e & EPTE_PERM_MASK);
		if (memtype)
			*memtype = (unsigned)((e & EPTE_MT_MASK) >> EPTE_MT_SHIFT);
		if (level)
			*level = l;
		return 0;
	}
	return -ENOENT; /* not reached: level 1 entries are leaves */
}

/* The leaf entry mapping gpa and its level, or NULL (*level: the level
 * whose entry was absent, so the caller can skip its whole span). */
static epte_t *leaf_of(const struct ept *ept, uint64_t gpa, unsigned *level)
{
	epte_t *table = ept->pml4;

	for (unsigned l = EPT_LEVELS; l >= 1; l--) {
		epte_t *e = &table[pt_index(gpa, l)];

		*level = l;
		if (!epte_present(*e))
			return NULL;
		if (epte_leaf(*e, l))
			return e;
		table = epte_table(*e);
	}
	return NULL;
}

int ept_unmap(struct ept *ept, gpa_t gpa, uint64_t size)
{
	uint64_t end = gpa.v + size;

	if (!ept->pml4 || size == 0 || (gpa.v | size) & (PAGE_SIZE - 1) || end < gpa.v || end > EPT_GPA_LIMIT)
		return -EINVAL;
	/* Two passes: refuse a leaf that reaches outside before clearing any. */
	for (int pass = 0; pass < 2; pass++)
		for (uint64_t a = gpa.v; a < end;) {
			unsigned l;
			epte_t *e = leaf_of(ept, a, &l);
			uint64_t span = level_span(l), start = a & ~(span - 1);

			if (e && (start < gpa.v || start + span > end))
				return -EINVAL;
			if (e && pass == 1)
				*e = 0;
			a = start + span;
		}
	return 0;
}

int ept_split_exec(struct ept *ept, gpa_t gpa)
{
	epte_t *table = ept->pml4;

	if (!table || gpa.v >= EPT_GPA_LIMIT)
		return -ENOENT;
	for (unsigned l = EPT_LEVELS; l >= 1; l--) {
		epte_t *slot = &table[pt_index(gpa.v, l)], e = *slot, *sub;
		unsigned perms, memtype;

		if (!epte_present(e))
			return -ENOENT;
		if (!epte_leaf(e, l)) {
			table = epte_table(e);
			continue;
		}
		if (e & EPT_X)
			return 0;                 /* split (or executable) already */
		if (l == 1 || !(e & EPTE_SW_EXEC))
			return -ENOENT;
		sub = ept->pool->alloc(ept->pool);
		if (!sub)
			return -ENOMEM;
		perms = (unsigned)(e & EPTE_PERM_MASK) | EPT_X;
		memtype = (unsigned)((e & EPTE_MT_MASK) >> EPTE_MT_SHIFT);
		for (unsigned i = 0; i < EPT_ENTRIES; i++)
			sub[i] = make_leaf(ept, (e & EPTE_ADDR_MASK) + ((uint64_t)i << level_shift(l - 1)), l - 1,
					   perms, memtype);
		__atomic_store_n(slot, make_table(sub), __ATOMIC_RELEASE);
		return 0;
	}
	return -ENOENT;
}

struct leaf_walk {
	void (*cb)(void *ctx, gpa_t gpa, hpa_t hpa, uint64_t size, unsigned perms,
		   unsigned memtype);
	void *ctx;
};

static void walk_leaves(const struct leaf_walk *w, const epte_t *table, unsigned level,
			uint64_t base)
{
	for (unsigned i = 0; i < EPT_ENTRIES; i++) {
		epte_t e = table[i];
		uint64_t gpa_v = base + ((uint64_t)i << level_shift(level));

		if (!epte_present(e))
			continue;
		if (epte_leaf(e, level))
			w->cb(w->ctx, gpa(gpa_v), hpa(e & EPTE_ADDR_MASK), level_span(level),
			      (unsigned)(e & EPTE_PERM_MASK),
			      (unsigned)((e & EPTE_MT_MASK) >> EPTE_MT_SHIFT));
		else
			walk_leaves(w, epte_table(e), level - 1, gpa_v);
	}
}

void ept_for_each_leaf(const struct ept *ept,
		       void (*cb)(void *ctx, gpa_t gpa, hpa_t hpa, uint64_t size,
				  unsigned perms, unsigned memtype),
		       void *ctx)
{
	const struct leaf_walk w = { cb, ctx };

	if (ept->pml4)
		walk_leaves(&w, ept->pml4, EPT_LEVELS, 0);
}

uint64_t ept_eptp(const struct ept *ept)
{
	return (page_hpa(ept->pml4).v & EPTE_ADDR_MASK) |
	       ((uint64_t)(EPT_LEVELS - 1) << EPTP_WALK_SHIFT) |
	       ((uint64_t)EPT_MT_WB << EPTP_MT_SHIFT);
}

static void free_table(struct page_pool *pool, epte_t *table, unsigned level)
{
	for (unsigned i = 0; level > 1 && i < EPT_ENTRIES; i++)
		if (epte_present(table[i]) && !epte_leaf(table[i], level))
			free_table(pool, epte_table(table[i]), level - 1);
	pool->free(pool, table);
}

void ept_destroy(struct ept *ept)
{
	if (ept->pml4)
		free_table(ept->pool, ept->pml4, EPT_LEVELS);
	ept->pml4 = NULL;
}
