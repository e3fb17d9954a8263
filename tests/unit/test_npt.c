/* SPDX-License-Identifier: MIT */
/*
 * Nested page table builder (svm/npt.c): builds tables on aligned_alloc()
 * pages and checks them three ways: the builder's own walkers, raw entries,
 * and an independent walk that does what the processor does with a nested
 * table (AMD APM Vol. 2 §5.3 long-mode walk, §15.25.5: every access a user
 * access; rights are the AND of R/W and U/S and the OR of NX over all
 * levels; reserved bits of large leaves must be clear), run on every 4 KiB
 * page a test maps and on the pages around it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <svm/npt.h>

#define MAX_LIVE 8192
#define SZ_16M   (16ull << 20)
#define PART_HPA 0x40000000ull

/* A pool that hands out at most `limit` pages and remembers which are live. */
struct test_pool {
	struct page_pool pool;
	long limit;             /* pages alloc() may still hand out; < 0: unlimited */
	unsigned allocs, frees;
	void *live[MAX_LIVE];
	unsigned nlive;
};

static void *tp_alloc(struct page_pool *p)
{
	struct test_pool *tp = (struct test_pool *)p;
	void *page;

	if (tp->limit == 0 || tp->nlive == MAX_LIVE)
		return NULL;
	if (tp->limit > 0)
		tp->limit--;
	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(page);
	memset(page, 0, PAGE_SIZE);
	tp->live[tp->nlive++] = page;
	tp->allocs++;
	return page;
}

static void tp_free(struct page_pool *p, void *page)
{
	struct test_pool *tp = (struct test_pool *)p;

	for (unsigned i = 0; i < tp->nlive; i++) {
		if (tp->live[i] == page) {
			tp->live[i] = tp->live[--tp->nlive];
			tp->frees++;
			free(page);
			return;
		}
	}
	fail_msg("freed a page the pool never gave out: %p", page);
}

static struct test_pool *pool_new(long limit)
{
	struct test_pool *tp = calloc(1, sizeof(*tp));

	assert_non_null(tp);
	tp->pool.alloc = tp_alloc;
	tp->pool.free = tp_free;
	tp->limit = limit;
	return tp;
}

/* Destroys the tables and checks every page came back. */
static void pool_done(struct npt *npt, struct test_pool *tp)
{
	npt->pool = &tp->pool;
	npt_destroy(npt);
	assert_null(npt->pml4);
	assert_int_equal(tp->nlive, 0);
	assert_int_equal(tp->allocs, tp->frees);
	free(tp);
}

/* ------------------------------------------------ the processor's view */

struct hw_tr {
	uint64_t hpa;
	bool write, user, exec;
	unsigned pat;           /* PAT:PCD:PWT of the leaf */
	unsigned level;
};

/* Walks the nested tables for g as the processor would (4-level long mode,
 * EFER.NXE = 1, MAXPHYADDR 52). Returns 0 and *t, or -1 for a not-present
 * fault. Asserts on anything the processor would call a reserved-bit fault. */
static int hw_walk(const struct npt *npt, uint64_t g, struct hw_tr *t)
{
	const uint64_t *table = npt->pml4;
	bool w = true, u = true, x = true;

	if (g >= (1ull << 48))
		return -1;
	for (unsigned l = 4; l >= 1; l--) {
		uint64_t e = table[(g >> (12 + 9 * (l - 1))) & 511];
		uint64_t span = 1ull << (12 + 9 * (l - 1));

		if (!(e & 1))
			return -1;
		/* Bits 62:52 are available to software in the AMD64 format, but
		 * Septum never sets them. */
		assert_int_equal(e & 0x7ff0000000000000ull, 0);
		w = w && (e & 2);
		u = u && (e & 4);
		x = x && !(e >> 63);
		if (l == 4)
			assert_int_equal(e & 0x180, 0);  /* PML4E: PS and bit 8 reserved (MBZ) */
		if (l == 1 || (l <= 3 && (e & 0x80))) {
			uint64_t frame = e & 0x000ffffffffff000ull;

			t->pat = ((l == 1 ? (e >> 7) : (e >> 12)) & 1) << 2 | ((e >> 4) & 1) << 1 | ((e >> 3) & 1);
			if (l > 1) {
				/* Large leaf: address bits below the page size, other
				 * than PAT at bit 12, are reserved. */
				assert_int_equal(frame & (span - 1) & ~0x1000ull, 0);
				frame &= ~(span - 1);
			}
			t->hpa = frame | (g & (span - 1));
			t->write = w;
			t->user = u;
			t->exec = x;
			t->level = l;
			return 0;
		}
		/* A table entry: read write-back (PWT = PCD = 0). */
		assert_int_equal(e & 0x18, 0);
		table = (const uint64_t *)(uintptr_t)(e & 0x000ffffffffff000ull);
	}
	return -1;
}

/* Every 4 KiB page of [g, g+size) translates to h + offset, as a user
 * access, with exactly the rights perms gives and PAT index memtype; the
 * pages just before and after are not present unless told otherwise. */
static void hw_expect_range(const struct npt *npt, uint64_t g, uint64_t h, uint64_t size,
			    unsigned perms, unsigned memtype)
{
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		struct hw_tr t;

		if (hw_walk(npt, g + off + 0x123, &t))
			fail_msg("GPA 0x%llx not present", (unsigned long long)(g + off));
		assert_int_equal(t.hpa, h + off + 0x123);
		assert_true(t.user);
		assert_int_equal(t.write, !!(perms & NPT_W));
		assert_int_equal(t.exec, !!(perms & NPT_X));
		assert_int_equal(t.pat, memtype);
	}
}

static void hw_expect_absent(const struct npt *npt, uint64_t g)
{
	struct hw_tr t;

	if (hw_walk(npt, g, &t) == 0)
		fail_msg("GPA 0x%llx is present (-> 0x%llx)", (unsigned long long)g, (unsigned long long)t.hpa);
}

/* ------------------------------------------------ the builder's view */

struct leaf {
	uint64_t gpa, hpa, size;
	unsigned perms, memtype;
};

struct leaves {
	struct leaf l[MAX_LIVE];
	unsigned n;
};

static void collect(void *ctx, gpa_t g, hpa_t h, uint64_t size, unsigned perms, unsigned memtype)
{
	struct leaves *ls = ctx;

	assert_true(ls->n < MAX_LIVE);
	ls->l[ls->n++] = (struct leaf){ g.v, h.v, size, perms, memtype };
}

static struct leaves *leaves_of(const struct npt *npt)
{
	struct leaves *ls = calloc(1, sizeof(*ls));

	assert_non_null(ls);
	npt_for_each_leaf(npt, collect, ls);
	return ls;
}

static unsigned expect_run(const struct leaves *ls, unsigned at, uint64_t g, uint64_t h,
			   uint64_t size, uint64_t leaf_size, unsigned perms, unsigned mt)
{
	for (uint64_t off = 0; off < size; off += leaf_size, at++) {
		assert_true(at < ls->n);
		assert_int_equal(ls->l[at].gpa, g + off);
		assert_int_equal(ls->l[at].hpa, h + off);
		assert_int_equal(ls->l[at].size, leaf_size);
		assert_int_equal(ls->l[at].perms, perms);
		assert_int_equal(ls->l[at].memtype, mt);
	}
	return at;
}

static void expect_unmapped(const struct npt *npt, uint64_t g)
{
	hpa_t h = hpa(0xdead);

	assert_int_equal(npt_lookup(npt, gpa(g), &h, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(h.v, 0xdead);
	hw_expect_absent(npt, g);
}

static void expect_mapped(const struct npt *npt, uint64_t g, uint64_t h_want,
			  unsigned perms_want, unsigned mt_want, unsigned level_want)
{
	hpa_t h;
	unsigned perms, mt, level;
	struct hw_tr t;

	assert_int_equal(npt_lookup(npt, gpa(g), &h, &perms, &mt, &level), 0);
	assert_int_equal(h.v, h_want);
	assert_int_equal(perms, perms_want);
	assert_int_equal(mt, mt_want);
	assert_int_equal(level, level_want);
	assert_int_equal(hw_walk(npt, g, &t), 0);
	assert_int_equal(t.hpa, h_want);
	assert_int_equal(t.level, level_want);
}

static void expect_high_unmapped(const struct npt *npt)
{
	static const uint64_t probes[] = {
		0xfee00000ull, 0xfffff000ull, 1ull << 32, 1ull << 39, 0x7ffffffff000ull,
		NPT_GPA_LIMIT, ~0ull,
	};

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
		expect_unmapped(npt, probes[i]);
}

/* ------------------------------------------------ tests */

static void test_partition_2m_pages(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_16M, NPT_RWX, NPT_MT_WB), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 8);
	assert_int_equal(expect_run(ls, 0, 0, PART_HPA, SZ_16M, SZ_2M, NPT_RWX, NPT_MT_WB), 8);
	free(ls);
	/* PML4 + PDPT + PD, no PT. */
	assert_int_equal(tp->nlive, 3);
	hw_expect_range(&npt, 0, PART_HPA, SZ_16M, NPT_RWX, NPT_MT_WB);
	expect_mapped(&npt, 0x123456, PART_HPA + 0x123456, NPT_RWX, NPT_MT_WB, NPT_LEVEL_2M);
	expect_unmapped(&npt, SZ_16M);
	expect_unmapped(&npt, PART_HPA);
	expect_high_unmapped(&npt);
	pool_done(&npt, tp);
}

static void test_partition_no_large_pages(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, 0), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_16M, NPT_RWX, NPT_MT_WB), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 4096);
	expect_run(ls, 0, 0, PART_HPA, SZ_16M, PAGE_SIZE, NPT_RWX, NPT_MT_WB);
	free(ls);
	/* PML4 + PDPT + PD + 8 PTs. */
	assert_int_equal(tp->nlive, 11);
	hw_expect_range(&npt, 0, PART_HPA, SZ_16M, NPT_RWX, NPT_MT_WB);
	expect_mapped(&npt, SZ_16M - PAGE_SIZE, PART_HPA + SZ_16M - PAGE_SIZE, NPT_RWX, NPT_MT_WB,
		      NPT_LEVEL_4K);
	expect_unmapped(&npt, SZ_16M);
	expect_high_unmapped(&npt);
	pool_done(&npt, tp);
}

static void test_1g_pages_when_allowed(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M | NPT_LARGE_1G), 0);
	/* 1 GiB..3 GiB + 2 MiB: two 1 GiB leaves and one 2 MiB leaf. */
	assert_int_equal(npt_map(&npt, gpa(SZ_1G), hpa(2 * SZ_1G), 2 * SZ_1G + SZ_2M,
				 NPT_R | NPT_X, NPT_MT_WB), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 3);
	expect_run(ls, 0, SZ_1G, 2 * SZ_1G, 2 * SZ_1G, SZ_1G, NPT_R | NPT_X, NPT_MT_WB);
	expect_run(ls, 2, 3 * SZ_1G, 4 * SZ_1G, SZ_2M, SZ_2M, NPT_R | NPT_X, NPT_MT_WB);
	free(ls);
	hw_expect_range(&npt, SZ_1G, 2 * SZ_1G, 2 * SZ_1G + SZ_2M, NPT_R | NPT_X, NPT_MT_WB);
	expect_mapped(&npt, SZ_1G + 0x1234, 2 * SZ_1G + 0x1234, NPT_R | NPT_X, NPT_MT_WB, NPT_LEVEL_1G);
	expect_unmapped(&npt, SZ_1G - PAGE_SIZE);
	expect_unmapped(&npt, 3 * SZ_1G + SZ_2M);
	pool_done(&npt, tp);
}

static void test_1g_not_used_when_only_2m_allowed(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_1G), hpa(2 * SZ_1G), SZ_1G, NPT_RWX, NPT_MT_WB), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 512);
	expect_run(ls, 0, SZ_1G, 2 * SZ_1G, SZ_1G, SZ_2M, NPT_RWX, NPT_MT_WB);
	free(ls);
	pool_done(&npt, tp);
}

/* 4 KiB pieces up to the first 2 MiB boundary, 2 MiB pages in the middle,
 * 4 KiB pieces after the last one. */
static void test_odd_range_mixes_page_sizes(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;
	unsigned at;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M | NPT_LARGE_1G), 0);
	assert_int_equal(npt_map(&npt, gpa(0x1f0000), hpa(0x801f0000), 0x420000, NPT_R | NPT_W,
				 NPT_MT_UC), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 16 + 2 + 16);
	at = expect_run(ls, 0, 0x1f0000, 0x801f0000, 0x10000, PAGE_SIZE, NPT_R | NPT_W, NPT_MT_UC);
	at = expect_run(ls, at, 0x200000, 0x80200000, 2 * SZ_2M, SZ_2M, NPT_R | NPT_W, NPT_MT_UC);
	at = expect_run(ls, at, 0x600000, 0x80600000, 0x10000, PAGE_SIZE, NPT_R | NPT_W, NPT_MT_UC);
	assert_int_equal(at, ls->n);
	free(ls);
	hw_expect_range(&npt, 0x1f0000, 0x801f0000, 0x420000, NPT_R | NPT_W, NPT_MT_UC);
	expect_unmapped(&npt, 0x1ef000);
	expect_unmapped(&npt, 0x610000);
	pool_done(&npt, tp);
}

static void test_misaligned_hpa_uses_4k(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_2M), hpa(PART_HPA + PAGE_SIZE), SZ_2M, NPT_RWX,
				 NPT_MT_WB), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 512);
	expect_run(ls, 0, SZ_2M, PART_HPA + PAGE_SIZE, SZ_2M, PAGE_SIZE, NPT_RWX, NPT_MT_WB);
	free(ls);
	hw_expect_range(&npt, SZ_2M, PART_HPA + PAGE_SIZE, SZ_2M, NPT_RWX, NPT_MT_WB);
	pool_done(&npt, tp);
}

/* Raw entries: tables P|RW|US, no NX, PWT/PCD clear; a 2 MiB RWX WB leaf
 * P|RW|US|PS; a 4 KiB RW UC leaf P|RW|US|PWT|PCD|NX; nCR3 the PML4. */
static void test_raw_entry_bits(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	uint64_t *pml4, *pdpt, *pd, *pt;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_2M, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_2M), hpa(0xfed00000), PAGE_SIZE, NPT_R | NPT_W,
				 NPT_MT_UC), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_2M + PAGE_SIZE), hpa(0x7000), PAGE_SIZE, NPT_R,
				 NPT_MT_WB), 0);

	pml4 = npt.pml4;
	assert_int_equal(pml4[0] & 0xfff, 0x7);
	assert_int_equal(pml4[0] >> 63, 0);
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & NPTE_ADDR_MASK);
	assert_int_equal(pdpt[0] & 0xfff, 0x7);
	pd = (uint64_t *)(uintptr_t)(pdpt[0] & NPTE_ADDR_MASK);
	assert_int_equal(pd[0], PART_HPA | 0x7 | 0x80);
	assert_int_equal(pd[1] & 0xfff, 0x7);
	pt = (uint64_t *)(uintptr_t)(pd[1] & NPTE_ADDR_MASK);
	assert_int_equal(pt[0], 0xfed00000ull | 0x7 | 0x18 | NPTE_NX);
	assert_int_equal(pt[1], 0x7000ull | 0x5 | NPTE_NX);
	for (unsigned i = 2; i < NPT_ENTRIES; i++)
		assert_int_equal(pt[i] | pd[i], 0);
	for (unsigned i = 1; i < NPT_ENTRIES; i++)
		assert_int_equal(pml4[i] | pdpt[i], 0);
	assert_int_equal(npt_ncr3(&npt), (uint64_t)(uintptr_t)npt.pml4);
	assert_int_equal(npt_ncr3(&npt) & 0xfff, 0);
	pool_done(&npt, tp);
}

/* Each permission set and memory type, on 4 KiB and 2 MiB leaves, as the
 * processor sees them. */
static void test_perms_and_memtypes(void **state)
{
	static const unsigned perms[] = { NPT_R, NPT_R | NPT_W, NPT_R | NPT_X, NPT_RWX };
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	uint64_t g = 0;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	for (unsigned p = 0; p < ARRAY_SIZE(perms); p++)
		for (unsigned mt = NPT_MT_WB; mt <= NPT_MT_UC; mt++) {
			assert_int_equal(npt_map(&npt, gpa(g), hpa(PART_HPA + g), SZ_2M, perms[p], mt), 0);
			assert_int_equal(npt_map(&npt, gpa(g + SZ_2M), hpa(PART_HPA + g + SZ_2M), PAGE_SIZE,
						 perms[p], mt), 0);
			hw_expect_range(&npt, g, PART_HPA + g, SZ_2M + PAGE_SIZE, perms[p], mt);
			expect_mapped(&npt, g, PART_HPA + g, perms[p], mt, NPT_LEVEL_2M);
			expect_mapped(&npt, g + SZ_2M, PART_HPA + g + SZ_2M, perms[p], mt, NPT_LEVEL_4K);
			expect_unmapped(&npt, g + SZ_2M + PAGE_SIZE);
			g += 2 * SZ_2M;
		}
	pool_done(&npt, tp);
}

static void test_adjacent_mappings(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_2M, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_2M), hpa(0x80000000), PAGE_SIZE, NPT_R, NPT_MT_UC), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_2M + PAGE_SIZE), hpa(0x90000000), PAGE_SIZE,
				 NPT_R | NPT_X, NPT_MT_WB), 0);
	expect_mapped(&npt, SZ_2M - 1, PART_HPA + SZ_2M - 1, NPT_RWX, NPT_MT_WB, NPT_LEVEL_2M);
	expect_mapped(&npt, SZ_2M, 0x80000000, NPT_R, NPT_MT_UC, NPT_LEVEL_4K);
	expect_mapped(&npt, SZ_2M + PAGE_SIZE, 0x90000000, NPT_R | NPT_X, NPT_MT_WB, NPT_LEVEL_4K);
	expect_unmapped(&npt, SZ_2M + 2 * PAGE_SIZE);
	pool_done(&npt, tp);
}

/* An overlap is refused and changes nothing: same leaves, same pages. */
static void expect_overlap_refused(struct npt *npt, struct test_pool *tp, uint64_t g,
				   uint64_t h, uint64_t size)
{
	struct leaves *before = leaves_of(npt), *after;
	unsigned pages = tp->nlive;

	assert_int_equal(npt_map(npt, gpa(g), hpa(h), size, NPT_RWX, NPT_MT_WB), -EEXIST);
	after = leaves_of(npt);
	assert_int_equal(after->n, before->n);
	assert_memory_equal(after->l, before->l, before->n * sizeof(before->l[0]));
	assert_int_equal(tp->nlive, pages);
	free(before);
	free(after);
}

static void test_overlaps_refused(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_16M), hpa(PART_HPA), SZ_16M, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_1G + SZ_2M + 0x7000), hpa(PART_HPA), PAGE_SIZE, NPT_RWX,
				 NPT_MT_WB), 0);
	expect_overlap_refused(&npt, tp, 2 * SZ_16M - SZ_2M, 0x80000000, 2 * SZ_2M);    /* tail */
	expect_overlap_refused(&npt, tp, SZ_16M - PAGE_SIZE, 0x80000000, 2 * PAGE_SIZE); /* head */
	expect_overlap_refused(&npt, tp, 0, 0x80000000, SZ_1G);                          /* all */
	expect_overlap_refused(&npt, tp, SZ_16M + 5 * PAGE_SIZE, 0x80000000, PAGE_SIZE); /* in a 2M leaf */
	expect_overlap_refused(&npt, tp, SZ_1G, 0x80000000, 4 * SZ_2M);                  /* 2M over 4K */
	pool_done(&npt, tp);
}

static void test_bad_arguments(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0x800), hpa(0), PAGE_SIZE, NPT_RWX, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0x10), PAGE_SIZE, NPT_RWX, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), 0x1001, NPT_RWX, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), 0, NPT_RWX, NPT_MT_WB), -EINVAL);
	/* A present entry is readable: no write-only or execute-only pages. */
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, 0, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, NPT_W, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, NPT_X, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, NPT_W | NPT_X, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, NPT_RWX | 8, NPT_MT_WB), -EINVAL);
	/* PAT entries 4-7 of the power-on PAT repeat 0-3: not offered. */
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, NPT_RWX, 4), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(0), PAGE_SIZE, NPT_RWX, 6), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(NPT_GPA_LIMIT - PAGE_SIZE), hpa(0), 2 * PAGE_SIZE,
				 NPT_RWX, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(NPT_HPA_LIMIT - PAGE_SIZE), 2 * PAGE_SIZE,
				 NPT_RWX, NPT_MT_WB), -EINVAL);
	assert_int_equal(npt_map(&npt, gpa(~0ull & ~0xfffull), hpa(0), 2 * PAGE_SIZE, NPT_RWX,
				 NPT_MT_WB), -EINVAL);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 0);
	free(ls);
	assert_int_equal(tp->nlive, 1);
	/* The last page below 2^48 and the last below 2^52 are mappable. */
	assert_int_equal(npt_map(&npt, gpa(NPT_GPA_LIMIT - PAGE_SIZE), hpa(NPT_HPA_LIMIT - PAGE_SIZE),
				 PAGE_SIZE, NPT_RWX, NPT_MT_WB), 0);
	expect_mapped(&npt, NPT_GPA_LIMIT - 1, NPT_HPA_LIMIT - 1, NPT_RWX, NPT_MT_WB, NPT_LEVEL_4K);
	pool_done(&npt, tp);
}

static void test_init_errors(void **state)
{
	struct test_pool *tp = pool_new(-1), *empty = pool_new(0);
	struct npt npt;

	(void)state;
	/* 4 is EPT_LARGE_NX: meaningless here. */
	assert_int_equal(npt_init(&npt, &tp->pool, 4), -EINVAL);
	assert_null(npt.pml4);
	assert_int_equal(tp->allocs, 0);
	assert_int_equal(npt_init(&npt, &empty->pool, 0), -ENOMEM);
	assert_null(npt.pml4);
	free(tp);
	free(empty);
}

/* For every pool size short of what the 4 KiB mapping of 16 MiB needs
 * (11 pages), npt_map fails with -ENOMEM, maps nothing and gives every page
 * it took back; with exactly enough it succeeds. */
static void test_pool_exhaustion_leaves_nothing(void **state)
{
	(void)state;
	for (long limit = 1; limit <= 11; limit++) {
		struct test_pool *tp = pool_new(limit);
		struct npt npt;
		struct leaves *ls;
		int rc;

		assert_int_equal(npt_init(&npt, &tp->pool, 0), 0);
		rc = npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_16M, NPT_RWX, NPT_MT_WB);
		ls = leaves_of(&npt);
		if (limit < 11) {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(ls->n, 0);
			assert_int_equal(tp->nlive, 1);
			expect_unmapped(&npt, 0);
			assert_int_equal(((uint64_t *)npt.pml4)[0], 0);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(ls->n, 4096);
			assert_int_equal(tp->nlive, 11);
		}
		free(ls);
		pool_done(&npt, tp);
	}
}

static void test_pool_exhaustion_keeps_existing(void **state)
{
	struct test_pool *tp = pool_new(4);
	struct npt npt;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_16M, NPT_RWX, NPT_MT_WB), 0);
	/* One page left; 4 KiB pieces at 1 GiB need a PD and a PT. */
	assert_int_equal(npt_map(&npt, gpa(SZ_1G), hpa(0x80000000), PAGE_SIZE, NPT_RWX, NPT_MT_WB),
			 -ENOMEM);
	hw_expect_range(&npt, 0, PART_HPA, SZ_16M, NPT_RWX, NPT_MT_WB);
	assert_int_equal(tp->nlive, 3);
	expect_unmapped(&npt, SZ_1G);
	pool_done(&npt, tp);
}

static void test_destroy_returns_every_page(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_16M + 0x3000, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&npt, gpa(1ull << 39), hpa(0x100000000ull), 3 * PAGE_SIZE, NPT_R,
				 NPT_MT_UC), 0);
	assert_int_equal(npt_map(&npt, gpa(5ull << 39), hpa(0x200000000ull), 4 * SZ_2M, NPT_R,
				 NPT_MT_WB), 0);
	/* PML4; slot 0: PDPT, PD, PT; slot 1: PDPT, PD, PT; slot 5: PDPT, PD. */
	assert_int_equal(tp->nlive, 9);
	pool_done(&npt, tp);
}

static void test_unmap_and_remap(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	unsigned pages;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), SZ_2M, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&npt, gpa(0xfe000000), hpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE,
				 NPT_R | NPT_W, NPT_MT_UC), 0);
	pages = tp->allocs;
	assert_int_equal(npt_unmap(&npt, gpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE), 0);
	expect_unmapped(&npt, 0xfe000000);
	expect_unmapped(&npt, 0xfe000000 + SZ_2M + PAGE_SIZE);
	hw_expect_range(&npt, 0, PART_HPA, SZ_2M, NPT_RWX, NPT_MT_WB);
	assert_int_equal(npt_unmap(&npt, gpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE), 0);
	assert_int_equal(npt_map(&npt, gpa(0xfe000000), hpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE,
				 NPT_R | NPT_W, NPT_MT_UC), 0);
	assert_int_equal(tp->allocs, pages);
	hw_expect_range(&npt, 0xfe000000, 0xfe000000, SZ_2M + 2 * PAGE_SIZE, NPT_R | NPT_W, NPT_MT_UC);
	/* Part of a leaf: refused, nothing changes. */
	assert_int_equal(npt_unmap(&npt, gpa(0), PAGE_SIZE), -EINVAL);
	assert_int_equal(npt_unmap(&npt, gpa(SZ_2M - PAGE_SIZE), 2 * PAGE_SIZE), -EINVAL);
	assert_int_equal(npt_unmap(&npt, gpa(0x800), PAGE_SIZE), -EINVAL);
	assert_int_equal(npt_unmap(&npt, gpa(0), 0), -EINVAL);
	assert_int_equal(npt_unmap(&npt, gpa(NPT_GPA_LIMIT - PAGE_SIZE), 2 * PAGE_SIZE), -EINVAL);
	hw_expect_range(&npt, 0, PART_HPA, SZ_2M, NPT_RWX, NPT_MT_WB);
	pool_done(&npt, tp);
}

/* A split keeps every translation, permission and memory type, one level
 * down; a 1 GiB leaf takes two steps to reach 4 KiB pages. */
static void test_split_keeps_translations(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct npt npt;
	struct leaves *ls;
	unsigned before;

	(void)state;
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M | NPT_LARGE_1G), 0);
	assert_int_equal(npt_map(&npt, gpa(SZ_1G), hpa(3 * SZ_1G), SZ_1G, NPT_R | NPT_W, NPT_MT_WT), 0);
	before = tp->nlive;
	assert_int_equal(npt_split(&npt, gpa(SZ_1G + 5 * SZ_2M + 0x1234)), 0);
	assert_int_equal(tp->nlive, before + 1);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 512);
	expect_run(ls, 0, SZ_1G, 3 * SZ_1G, SZ_1G, SZ_2M, NPT_R | NPT_W, NPT_MT_WT);
	free(ls);
	assert_int_equal(npt_split(&npt, gpa(SZ_1G + 5 * SZ_2M + 0x1234)), 0);
	ls = leaves_of(&npt);
	assert_int_equal(ls->n, 511 + 512);
	expect_run(ls, 5, SZ_1G + 5 * SZ_2M, 3 * SZ_1G + 5 * SZ_2M, SZ_2M, PAGE_SIZE, NPT_R | NPT_W,
		   NPT_MT_WT);
	free(ls);
	hw_expect_range(&npt, SZ_1G, 3 * SZ_1G, SZ_1G, NPT_R | NPT_W, NPT_MT_WT);
	/* 4 KiB already, or nothing there: nothing to split. */
	assert_int_equal(npt_split(&npt, gpa(SZ_1G + 5 * SZ_2M)), -ENOENT);
	assert_int_equal(npt_split(&npt, gpa(0)), -ENOENT);
	assert_int_equal(npt_split(&npt, gpa(NPT_GPA_LIMIT)), -ENOENT);
	pool_done(&npt, tp);
}

/* The xAPIC page inside guest RAM: mapped around, or split out of a large
 * leaf and unmapped; everything else in its 2 MiB stays as it was. */
static void test_apic_page_absent(void **state)
{
	const uint64_t apic = 0xfee00000ull, ram = 4 * SZ_1G;
	struct test_pool *tp = pool_new(-1);
	struct npt a, b;

	(void)state;
	assert_int_equal(npt_init(&a, &tp->pool, NPT_LARGE_2M | NPT_LARGE_1G), 0);
	assert_int_equal(npt_map(&a, gpa(0), hpa(PART_HPA), apic, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_map(&a, gpa(apic + PAGE_SIZE), hpa(PART_HPA + apic + PAGE_SIZE),
				 ram - apic - PAGE_SIZE, NPT_RWX, NPT_MT_WB), 0);
	expect_unmapped(&a, apic);
	expect_unmapped(&a, apic + 0xfff);
	hw_expect_range(&a, apic - SZ_2M, PART_HPA + apic - SZ_2M, SZ_2M, NPT_RWX, NPT_MT_WB);
	hw_expect_range(&a, apic + PAGE_SIZE, PART_HPA + apic + PAGE_SIZE, SZ_2M, NPT_RWX, NPT_MT_WB);
	expect_mapped(&a, 0, PART_HPA, NPT_RWX, NPT_MT_WB, NPT_LEVEL_1G);
	expect_mapped(&a, apic - SZ_2M, PART_HPA + apic - SZ_2M, NPT_RWX, NPT_MT_WB, NPT_LEVEL_2M);
	expect_mapped(&a, apic + PAGE_SIZE, PART_HPA + apic + PAGE_SIZE, NPT_RWX, NPT_MT_WB, NPT_LEVEL_4K);
	expect_mapped(&a, ram - 1, PART_HPA + ram - 1, NPT_RWX, NPT_MT_WB, NPT_LEVEL_2M);

	assert_int_equal(npt_init(&b, &tp->pool, NPT_LARGE_2M | NPT_LARGE_1G), 0);
	assert_int_equal(npt_map(&b, gpa(0), hpa(PART_HPA), ram, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(npt_unmap(&b, gpa(apic), PAGE_SIZE), -EINVAL);   /* inside a 1 GiB leaf */
	assert_int_equal(npt_split(&b, gpa(apic)), 0);
	assert_int_equal(npt_split(&b, gpa(apic)), 0);
	assert_int_equal(npt_unmap(&b, gpa(apic), PAGE_SIZE), 0);
	expect_unmapped(&b, apic);
	hw_expect_range(&b, 3 * SZ_1G, PART_HPA + 3 * SZ_1G, apic - 3 * SZ_1G, NPT_RWX, NPT_MT_WB);
	hw_expect_range(&b, apic + PAGE_SIZE, PART_HPA + apic + PAGE_SIZE, ram - apic - PAGE_SIZE,
			NPT_RWX, NPT_MT_WB);
	npt_destroy(&b);
	pool_done(&a, tp);
}

/* Split pages come from the reserve the caller points npt->pool at; the
 * reserve's size from npt_split_pages_max() is exactly what splitting a
 * whole mapping down to 4 KiB takes. */
static void test_splits_from_reserve(void **state)
{
	const uint64_t size = 2 * SZ_1G + 3 * SZ_2M;
	struct test_pool *tp = pool_new(-1);
	struct page_reserve r = { .list = NULL, .count = 0 };
	struct npt npt;
	unsigned heap_pages;

	(void)state;
	assert_int_equal(npt_split_pages_max(SZ_16M), 8);
	assert_int_equal(npt_split_pages_max(4 * SZ_1G), 2048 + 4);
	assert_int_equal(npt_split_pages_max(size), 1024 + 3 + 2);
	assert_int_equal(npt_init(&npt, &tp->pool, NPT_LARGE_2M | NPT_LARGE_1G), 0);
	assert_int_equal(npt_map(&npt, gpa(0), hpa(PART_HPA), size, NPT_RWX, NPT_MT_WB), 0);
	assert_int_equal(page_reserve_fill(&r, &tp->pool, npt_split_pages_max(size)), 0);
	npt.pool = &r.pool;
	heap_pages = tp->allocs;
	for (uint64_t g = 0; g < size; g += SZ_2M) {
		if (IS_ALIGNED(g, SZ_1G) && g + SZ_1G <= size)
			assert_int_equal(npt_split(&npt, gpa(g)), 0);   /* 1 GiB -> 2 MiB */
		assert_int_equal(npt_split(&npt, gpa(g)), 0);           /* 2 MiB -> 4 KiB */
	}
	assert_int_equal(r.count, 0);
	assert_int_equal(tp->allocs, heap_pages);   /* nothing new from the heap */
	assert_int_equal(npt_split(&npt, gpa(0)), -ENOENT);
	hw_expect_range(&npt, 0, PART_HPA, size, NPT_RWX, NPT_MT_WB);
	/* An empty reserve: the split fails and the leaf stays. */
	assert_int_equal(npt_map(&npt, gpa(SZ_1G * 8), hpa(PART_HPA), SZ_2M, NPT_RWX, NPT_MT_WB), -ENOMEM);
	npt.pool = &tp->pool;
	assert_int_equal(npt_map(&npt, gpa(SZ_1G * 8), hpa(PART_HPA), SZ_2M, NPT_RWX, NPT_MT_WB), 0);
	npt.pool = &r.pool;
	assert_int_equal(npt_split(&npt, gpa(SZ_1G * 8)), -ENOMEM);
	expect_mapped(&npt, SZ_1G * 8, PART_HPA, NPT_RWX, NPT_MT_WB, NPT_LEVEL_2M);
	pool_done(&npt, tp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partition_2m_pages),
		cmocka_unit_test(test_partition_no_large_pages),
		cmocka_unit_test(test_1g_pages_when_allowed),
		cmocka_unit_test(test_1g_not_used_when_only_2m_allowed),
		cmocka_unit_test(test_odd_range_mixes_page_sizes),
		cmocka_unit_test(test_misaligned_hpa_uses_4k),
		cmocka_unit_test(test_raw_entry_bits),
		cmocka_unit_test(test_perms_and_memtypes),
		cmocka_unit_test(test_adjacent_mappings),
		cmocka_unit_test(test_overlaps_refused),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_pool_exhaustion_leaves_nothing),
		cmocka_unit_test(test_pool_exhaustion_keeps_existing),
		cmocka_unit_test(test_destroy_returns_every_page),
		cmocka_unit_test(test_unmap_and_remap),
		cmocka_unit_test(test_split_keeps_translations),
		cmocka_unit_test(test_apic_page_absent),
		cmocka_unit_test(test_splits_from_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
