/* SPDX-License-Identifier: MIT */
/*
 * EPT builder: builds tables on aligned_alloc() pages and checks them with
 * the builder's own walkers and by reading raw entries (SDM Vol. 3C §29.3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <vmx/ept.h>

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

/* Destroys the EPT and checks every page came back. */
static void pool_done(struct ept *ept, struct test_pool *tp)
{
	ept_destroy(ept);
	assert_null(ept->pml4);
	assert_int_equal(tp->nlive, 0);
	assert_int_equal(tp->allocs, tp->frees);
	free(tp);
}

struct leaf {
	uint64_t gpa, hpa, size;
	unsigned perms, memtype;
};

struct leaves {
	struct leaf l[MAX_LIVE];
	unsigned n;
};

static void collect(void *ctx, gpa_t g, hpa_t h, uint64_t size, unsigned perms,
		    unsigned memtype)
{
	struct leaves *ls = ctx;

	assert_true(ls->n < MAX_LIVE);
	ls->l[ls->n++] = (struct leaf){ g.v, h.v, size, perms, memtype };
}

static struct leaves *leaves_of(const struct ept *ept)
{
	struct leaves *ls = calloc(1, sizeof(*ls));

	assert_non_null(ls);
	ept_for_each_leaf(ept, collect, ls);
	return ls;
}

/* Every leaf of ls, in order, must tile [gpa, gpa+size) -> hpa with leaves of
 * leaf_size, perms and memtype; returns the index after the last. */
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

static void expect_unmapped(const struct ept *ept, uint64_t g)
{
	hpa_t h = hpa(0xdead);

	assert_int_equal(ept_lookup(ept, gpa(g), &h, NULL, NULL, NULL), -ENOENT);
	assert_int_equal(h.v, 0xdead);
}

static void expect_mapped(const struct ept *ept, uint64_t g, uint64_t h_want,
			  unsigned perms_want, unsigned mt_want, unsigned level_want)
{
	hpa_t h;
	unsigned perms, mt, level;

	assert_int_equal(ept_lookup(ept, gpa(g), &h, &perms, &mt, &level), 0);
	assert_int_equal(h.v, h_want);
	assert_int_equal(perms, perms_want);
	assert_int_equal(mt, mt_want);
	assert_int_equal(level, level_want);
}

/* Lookups far from any partition must fail. */
static void expect_high_unmapped(const struct ept *ept)
{
	static const uint64_t probes[] = {
		0xfee00000ull, 0xfffff000ull, 1ull << 32, 1ull << 39, 0x7ffffffff000ull,
		EPT_GPA_LIMIT, ~0ull,
	};

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++)
		expect_unmapped(ept, probes[i]);
}

static void test_partition_2m_pages(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB), 0);

	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 8);
	assert_int_equal(expect_run(ls, 0, 0, PART_HPA, SZ_16M, SZ_2M, EPT_RWX, EPT_MT_WB), 8);
	free(ls);

	/* PML4 + PDPT + PD, no PT. */
	assert_int_equal(tp->nlive, 3);
	expect_mapped(&ept, 0, PART_HPA, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	expect_mapped(&ept, 0x123456, PART_HPA + 0x123456, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	expect_mapped(&ept, SZ_16M - 1, PART_HPA + SZ_16M - 1, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	expect_unmapped(&ept, SZ_16M);
	expect_unmapped(&ept, PART_HPA);
	expect_high_unmapped(&ept);
	pool_done(&ept, tp);
}

static void test_partition_no_large_pages(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, 0), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB), 0);

	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 4096);
	expect_run(ls, 0, 0, PART_HPA, SZ_16M, PAGE_SIZE, EPT_RWX, EPT_MT_WB);
	free(ls);

	/* PML4 + PDPT + PD + 8 PTs. */
	assert_int_equal(tp->nlive, 11);
	expect_mapped(&ept, SZ_16M - PAGE_SIZE, PART_HPA + SZ_16M - PAGE_SIZE, EPT_RWX,
		      EPT_MT_WB, EPT_LEVEL_4K);
	expect_unmapped(&ept, SZ_16M);
	expect_high_unmapped(&ept);
	pool_done(&ept, tp);
}

static void test_1g_pages_when_allowed(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_1G), 0);
	/* 1 GiB..3 GiB + 2 MiB: two 1 GiB leaves and one 2 MiB leaf. */
	assert_int_equal(ept_map(&ept, gpa(SZ_1G), hpa(2 * SZ_1G), 2 * SZ_1G + SZ_2M,
				 EPT_R | EPT_X, EPT_MT_WB), 0);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 3);
	expect_run(ls, 0, SZ_1G, 2 * SZ_1G, 2 * SZ_1G, SZ_1G, EPT_R | EPT_X, EPT_MT_WB);
	expect_run(ls, 2, 3 * SZ_1G, 4 * SZ_1G, SZ_2M, SZ_2M, EPT_R | EPT_X, EPT_MT_WB);
	free(ls);
	expect_mapped(&ept, SZ_1G + 0x1234, 2 * SZ_1G + 0x1234, EPT_R | EPT_X, EPT_MT_WB,
		      EPT_LEVEL_1G);
	expect_unmapped(&ept, SZ_1G - PAGE_SIZE);
	expect_unmapped(&ept, 3 * SZ_1G + SZ_2M);
	pool_done(&ept, tp);
}

static void test_1g_not_used_when_only_2m_allowed(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_1G), hpa(2 * SZ_1G), SZ_1G, EPT_RWX, EPT_MT_WB), 0);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 512);
	expect_run(ls, 0, SZ_1G, 2 * SZ_1G, SZ_1G, SZ_2M, EPT_RWX, EPT_MT_WB);
	free(ls);
	pool_done(&ept, tp);
}

/* Ragged edges: 4 KiB pieces up to the first 2 MiB boundary, 2 MiB pages in
 * the middle, 4 KiB pieces after the last one. */
static void test_odd_range_mixes_page_sizes(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;
	unsigned at;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_1G), 0);
	assert_int_equal(ept_map(&ept, gpa(0x1f0000), hpa(0x801f0000), 0x420000,
				 EPT_R | EPT_W, EPT_MT_UC), 0);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 16 + 2 + 16);
	at = expect_run(ls, 0, 0x1f0000, 0x801f0000, 0x10000, PAGE_SIZE, EPT_R | EPT_W, EPT_MT_UC);
	at = expect_run(ls, at, 0x200000, 0x80200000, 2 * SZ_2M, SZ_2M, EPT_R | EPT_W, EPT_MT_UC);
	at = expect_run(ls, at, 0x600000, 0x80600000, 0x10000, PAGE_SIZE, EPT_R | EPT_W, EPT_MT_UC);
	assert_int_equal(at, ls->n);
	free(ls);
	expect_unmapped(&ept, 0x1ef000);
	expect_unmapped(&ept, 0x610000);
	pool_done(&ept, tp);
}

/* GPA and HPA aligned differently: no large page can be used. */
static void test_misaligned_hpa_uses_4k(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_2M), hpa(PART_HPA + PAGE_SIZE), SZ_2M, EPT_RWX,
				 EPT_MT_WB), 0);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 512);
	expect_run(ls, 0, SZ_2M, PART_HPA + PAGE_SIZE, SZ_2M, PAGE_SIZE, EPT_RWX, EPT_MT_WB);
	free(ls);
	pool_done(&ept, tp);
}

/* Raw entries: leaf bits 2:0 perms, 5:3 memtype, 6 (ignore PAT) clear, 7 set on
 * large leaves; non-leaf entries R|W|X; EPTP = PML4 | WB | walk length 3. */
static void test_raw_entry_bits(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	uint64_t *pml4, *pdpt, *pd, *pt;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_2M, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_2M), hpa(0xfee00000), PAGE_SIZE, EPT_R | EPT_W,
				 EPT_MT_UC), 0);

	pml4 = ept.pml4;
	assert_int_equal(pml4[0] & 0xfff, 0x7);
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & EPTE_ADDR_MASK);
	assert_int_equal(pdpt[0] & 0xfff, 0x7);
	pd = (uint64_t *)(uintptr_t)(pdpt[0] & EPTE_ADDR_MASK);
	/* 2 MiB leaf: RWX, WB (6 << 3), PS. */
	assert_int_equal(pd[0], PART_HPA | 0x7 | (6 << 3) | (1 << 7));
	assert_int_equal(pd[1] & 0xfff, 0x7);
	pt = (uint64_t *)(uintptr_t)(pd[1] & EPTE_ADDR_MASK);
	/* 4 KiB leaf: RW, UC, no PS, no IPAT. */
	assert_int_equal(pt[0], 0xfee00000ull | 0x3);
	for (unsigned i = 1; i < EPT_ENTRIES; i++)
		assert_int_equal(pt[i], 0);
	for (unsigned i = 2; i < EPT_ENTRIES; i++)
		assert_int_equal(pd[i], 0);
	for (unsigned i = 1; i < EPT_ENTRIES; i++)
		assert_int_equal(pml4[i] | pdpt[i], 0);

	assert_int_equal(ept_eptp(&ept), (uint64_t)(uintptr_t)ept.pml4 | (3 << 3) | 6);
	assert_int_equal(ept_eptp(&ept) & EPTP_AD, 0);
	pool_done(&ept, tp);
}

static void test_adjacent_mappings(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_2M, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_2M), hpa(0x80000000), PAGE_SIZE, EPT_R, EPT_MT_UC), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_2M + PAGE_SIZE), hpa(0x90000000), PAGE_SIZE,
				 EPT_X, EPT_MT_WB), 0);
	expect_mapped(&ept, SZ_2M - 1, PART_HPA + SZ_2M - 1, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	expect_mapped(&ept, SZ_2M, 0x80000000, EPT_R, EPT_MT_UC, EPT_LEVEL_4K);
	expect_mapped(&ept, SZ_2M + PAGE_SIZE, 0x90000000, EPT_X, EPT_MT_WB, EPT_LEVEL_4K);
	expect_unmapped(&ept, SZ_2M + 2 * PAGE_SIZE);
	pool_done(&ept, tp);
}

/* An overlap is refused and changes nothing: same leaves, same pages. */
static void expect_overlap_refused(struct ept *ept, struct test_pool *tp, uint64_t g,
				   uint64_t h, uint64_t size)
{
	struct leaves *before = leaves_of(ept), *after;
	unsigned pages = tp->nlive;

	assert_int_equal(ept_map(ept, gpa(g), hpa(h), size, EPT_RWX, EPT_MT_WB), -EEXIST);
	after = leaves_of(ept);
	assert_int_equal(after->n, before->n);
	assert_memory_equal(after->l, before->l, before->n * sizeof(before->l[0]));
	assert_int_equal(tp->nlive, pages);
	free(before);
	free(after);
}

static void test_overlap_tail(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_16M), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB), 0);
	/* Starts inside, ends outside. */
	expect_overlap_refused(&ept, tp, 2 * SZ_16M - SZ_2M, 0x80000000, 2 * SZ_2M);
	/* Starts before, ends inside: its free first page would need a new PT. */
	expect_overlap_refused(&ept, tp, SZ_16M - PAGE_SIZE, 0x80000000, 2 * PAGE_SIZE);
	/* Covers the whole mapping and more. */
	expect_overlap_refused(&ept, tp, 0, 0x80000000, SZ_1G);
	pool_done(&ept, tp);
}

static void test_overlap_inside_large_leaf(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_2M), hpa(PART_HPA), SZ_2M, EPT_RWX, EPT_MT_WB), 0);
	expect_overlap_refused(&ept, tp, SZ_2M + 5 * PAGE_SIZE, 0x80000000, PAGE_SIZE);
	pool_done(&ept, tp);
}

/* A 2 MiB leaf wanted where a table of 4 KiB leaves already is. */
static void test_overlap_large_over_small(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_2M + 0x7000), hpa(PART_HPA), PAGE_SIZE, EPT_RWX,
				 EPT_MT_WB), 0);
	expect_overlap_refused(&ept, tp, 0, 0x80000000, 4 * SZ_2M);
	pool_done(&ept, tp);
}

static void test_bad_arguments(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0x800), hpa(0), PAGE_SIZE, EPT_RWX, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0x10), PAGE_SIZE, EPT_RWX, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), 0x1001, EPT_RWX, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), 0, EPT_RWX, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, 0, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, EPT_W, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, EPT_W | EPT_X, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, 8, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, EPT_RWX, 2), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, EPT_RWX, 3), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(0), PAGE_SIZE, EPT_RWX, 7), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(EPT_GPA_LIMIT - PAGE_SIZE), hpa(0), 2 * PAGE_SIZE,
				 EPT_RWX, EPT_MT_WB), -EINVAL);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(EPT_HPA_LIMIT - PAGE_SIZE), 2 * PAGE_SIZE,
				 EPT_RWX, EPT_MT_WB), -EINVAL);
	/* gpa + size wraps around 2^64. */
	assert_int_equal(ept_map(&ept, gpa(~0ull & ~0xfffull), hpa(0), 2 * PAGE_SIZE, EPT_RWX,
				 EPT_MT_WB), -EINVAL);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 0);
	free(ls);
	assert_int_equal(tp->nlive, 1);
	/* The last page below 2^48 is mappable. */
	assert_int_equal(ept_map(&ept, gpa(EPT_GPA_LIMIT - PAGE_SIZE), hpa(0), PAGE_SIZE,
				 EPT_RWX, EPT_MT_WB), 0);
	expect_mapped(&ept, EPT_GPA_LIMIT - 1, 0xfff, EPT_RWX, EPT_MT_WB, EPT_LEVEL_4K);
	pool_done(&ept, tp);
}

static void test_init_rejects_unknown_large_bits(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, 8), -EINVAL);
	assert_null(ept.pml4);
	assert_int_equal(tp->allocs, 0);
	free(tp);
}

static void test_init_empty_pool(void **state)
{
	struct test_pool *tp = pool_new(0);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, 0), -ENOMEM);
	assert_null(ept.pml4);
	free(tp);
}

/* For every pool size short of what the 4 KiB mapping of 16 MiB needs
 * (11 pages), ept_map fails with -ENOMEM, maps nothing and gives every page
 * it took back; with exactly enough it succeeds. */
static void test_pool_exhaustion_leaves_nothing(void **state)
{
	(void)state;
	for (long limit = 1; limit <= 11; limit++) {
		struct test_pool *tp = pool_new(limit);
		struct ept ept;
		struct leaves *ls;
		int rc;

		assert_int_equal(ept_init(&ept, &tp->pool, 0), 0);
		rc = ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB);
		ls = leaves_of(&ept);
		if (limit < 11) {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(ls->n, 0);
			assert_int_equal(tp->nlive, 1);
			expect_unmapped(&ept, 0);
			assert_int_equal(((uint64_t *)ept.pml4)[0], 0);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(ls->n, 4096);
			assert_int_equal(tp->nlive, 11);
		}
		free(ls);
		pool_done(&ept, tp);
	}
}

/* A failing second mapping keeps the first one intact. */
static void test_pool_exhaustion_keeps_existing(void **state)
{
	struct test_pool *tp = pool_new(4);
	struct ept ept;
	struct leaves *ls;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB), 0);
	/* One page left; 4 KiB pieces at 1 GiB need a PD and a PT. */
	assert_int_equal(ept_map(&ept, gpa(SZ_1G), hpa(0x80000000), PAGE_SIZE, EPT_RWX,
				 EPT_MT_WB), -ENOMEM);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 8);
	expect_run(ls, 0, 0, PART_HPA, SZ_16M, SZ_2M, EPT_RWX, EPT_MT_WB);
	free(ls);
	assert_int_equal(tp->nlive, 3);
	expect_unmapped(&ept, SZ_1G);
	pool_done(&ept, tp);
}

static void test_destroy_returns_every_page(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	/* Spread over several PML4 slots and levels. */
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M + 0x3000, EPT_RWX,
				 EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, gpa(1ull << 39), hpa(0x100000000ull), 3 * PAGE_SIZE,
				 EPT_R, EPT_MT_UC), 0);
	assert_int_equal(ept_map(&ept, gpa(5ull << 39), hpa(0x200000000ull), 4 * SZ_2M, EPT_R,
				 EPT_MT_WB), 0);
	/* PML4; slot 0: PDPT, PD, PT; slot 1: PDPT, PD, PT; slot 5: PDPT, PD. */
	assert_int_equal(tp->nlive, 9);
	assert_int_equal(tp->allocs, 9);
	pool_done(&ept, tp);
}

/* ept_unmap: what was mapped goes, leaves of every size, neighbours stay,
 * and the same range maps again without a new table page. */
static void test_unmap_and_remap(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	unsigned pages;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_2M, EPT_RWX, EPT_MT_WB), 0);
	/* A BAR-like range: one 2 MiB leaf and two 4 KiB ones. */
	assert_int_equal(ept_map(&ept, gpa(0xfe000000), hpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE, EPT_R | EPT_W,
				 EPT_MT_UC), 0);
	pages = tp->allocs;
	assert_int_equal(ept_unmap(&ept, gpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE), 0);
	expect_unmapped(&ept, 0xfe000000);
	expect_unmapped(&ept, 0xfe000000 + SZ_2M);
	expect_unmapped(&ept, 0xfe000000 + SZ_2M + PAGE_SIZE);
	expect_mapped(&ept, SZ_2M - 1, PART_HPA + SZ_2M - 1, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	/* Unmapping what is not mapped is fine. */
	assert_int_equal(ept_unmap(&ept, gpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE), 0);
	assert_int_equal(ept_map(&ept, gpa(0xfe000000), hpa(0xfe000000), SZ_2M + 2 * PAGE_SIZE, EPT_R | EPT_W,
				 EPT_MT_UC), 0);
	assert_int_equal(tp->allocs, pages);
	expect_mapped(&ept, 0xfe000000 + SZ_2M + PAGE_SIZE, 0xfe000000 + SZ_2M + PAGE_SIZE, EPT_R | EPT_W,
		      EPT_MT_UC, EPT_LEVEL_4K);
	pool_done(&ept, tp);
}

/* Half a leaf cannot be unmapped: refused, nothing changed. */
static void test_unmap_partial_leaf_refused(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), 2 * SZ_2M, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_unmap(&ept, gpa(SZ_2M - PAGE_SIZE), 2 * PAGE_SIZE), -EINVAL);
	expect_mapped(&ept, 0, PART_HPA, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	expect_mapped(&ept, SZ_2M, PART_HPA + SZ_2M, EPT_RWX, EPT_MT_WB, EPT_LEVEL_2M);
	assert_int_equal(ept_unmap(&ept, gpa(1), PAGE_SIZE), -EINVAL);
	assert_int_equal(ept_unmap(&ept, gpa(0), 0), -EINVAL);
	assert_int_equal(ept_unmap(&ept, gpa(EPT_GPA_LIMIT - PAGE_SIZE), 2 * PAGE_SIZE), -EINVAL);
	pool_done(&ept, tp);
}

/* ------------------------------------ iTLB multihit: EPT_LARGE_NX */

#define EPT_RW (EPT_R | EPT_W)

/* Large leaves are written without X (the wanted X kept in bit 52, which
 * the CPU ignores); 4 KiB leaves keep what was asked. */
static void test_large_nx_withholds_execute(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;
	const uint64_t *pd;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_NX), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_16M), hpa(PART_HPA + SZ_16M), PAGE_SIZE, EPT_RWX, EPT_MT_WB), 0);
	ls = leaves_of(&ept);
	assert_int_equal(expect_run(ls, 0, 0, PART_HPA, SZ_16M, SZ_2M, EPT_RW, EPT_MT_WB), 8);
	expect_run(ls, 8, SZ_16M, PART_HPA + SZ_16M, PAGE_SIZE, PAGE_SIZE, EPT_RWX, EPT_MT_WB);
	free(ls);
	pd = (const uint64_t *)(uintptr_t)(((const uint64_t *)(uintptr_t)(((const uint64_t *)ept.pml4)[0] &
									EPTE_ADDR_MASK))[0] & EPTE_ADDR_MASK);
	assert_int_equal(pd[0], PART_HPA | EPT_RW | (EPT_MT_WB << 3) | EPTE_PS | EPTE_SW_EXEC);
	pool_done(&ept, tp);
}

/* A large leaf that was not meant to be executable stays as it is. */
static void test_large_nx_leaves_rw_mappings_alone(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_NX), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_2M, EPT_RW, EPT_MT_UC), 0);
	expect_mapped(&ept, 0, PART_HPA, EPT_RW, EPT_MT_UC, EPT_LEVEL_2M);
	assert_int_equal(ept_split_exec(&ept, gpa(0x1000)), -ENOENT);     /* a real violation */
	assert_int_equal(ept_split_exec(&ept, gpa(SZ_2M)), -ENOENT);      /* unmapped */
	expect_mapped(&ept, 0, PART_HPA, EPT_RW, EPT_MT_UC, EPT_LEVEL_2M);
	pool_done(&ept, tp);
}

/* An instruction fetch splits the 2 MiB page it hit, and only that one,
 * into 512 executable 4 KiB pages; a second fault there changes nothing. */
static void test_split_exec_2m(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;
	struct leaves *ls;
	unsigned before;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_NX), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_16M, EPT_RWX, EPT_MT_WB), 0);
	before = tp->nlive;
	assert_int_equal(ept_split_exec(&ept, gpa(SZ_2M + 0x1234)), 0);
	assert_int_equal(tp->nlive, before + 1);
	expect_mapped(&ept, SZ_2M + 0x1234, PART_HPA + SZ_2M + 0x1234, EPT_RWX, EPT_MT_WB, EPT_LEVEL_4K);
	expect_mapped(&ept, 0, PART_HPA, EPT_RW, EPT_MT_WB, EPT_LEVEL_2M);
	expect_mapped(&ept, 2 * SZ_2M, PART_HPA + 2 * SZ_2M, EPT_RW, EPT_MT_WB, EPT_LEVEL_2M);
	ls = leaves_of(&ept);
	assert_int_equal(ls->n, 7 + 512);
	expect_run(ls, 1, SZ_2M, PART_HPA + SZ_2M, SZ_2M, PAGE_SIZE, EPT_RWX, EPT_MT_WB);
	free(ls);
	assert_int_equal(ept_split_exec(&ept, gpa(SZ_2M + 0x5000)), 0);   /* another CPU's late fault */
	assert_int_equal(tp->nlive, before + 1);
	pool_done(&ept, tp);
}

/* 1 GiB: first to 2 MiB pages (still without X), then to 4 KiB. */
static void test_split_exec_1g_in_two_steps(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_1G | EPT_LARGE_NX), 0);
	assert_int_equal(ept_map(&ept, gpa(SZ_1G), hpa(SZ_1G), SZ_1G, EPT_RWX, EPT_MT_WB), 0);
	expect_mapped(&ept, SZ_1G, SZ_1G, EPT_RW, EPT_MT_WB, EPT_LEVEL_1G);
	assert_int_equal(ept_split_exec(&ept, gpa(SZ_1G + 0x1000)), 0);
	expect_mapped(&ept, SZ_1G + 0x1000, SZ_1G + 0x1000, EPT_RW, EPT_MT_WB, EPT_LEVEL_2M);
	assert_int_equal(ept_split_exec(&ept, gpa(SZ_1G + 0x1000)), 0);
	expect_mapped(&ept, SZ_1G + 0x1000, SZ_1G + 0x1000, EPT_RWX, EPT_MT_WB, EPT_LEVEL_4K);
	expect_mapped(&ept, SZ_1G + SZ_2M, SZ_1G + SZ_2M, EPT_RW, EPT_MT_WB, EPT_LEVEL_2M);
	pool_done(&ept, tp);
}

static void test_split_exec_pool_empty(void **state)
{
	struct test_pool *tp = pool_new(-1);
	struct ept ept;

	(void)state;
	assert_int_equal(ept_init(&ept, &tp->pool, EPT_LARGE_2M | EPT_LARGE_NX), 0);
	assert_int_equal(ept_map(&ept, gpa(0), hpa(PART_HPA), SZ_2M, EPT_RWX, EPT_MT_WB), 0);
	tp->limit = 0;
	assert_int_equal(ept_split_exec(&ept, gpa(0)), -ENOMEM);
	expect_mapped(&ept, 0, PART_HPA, EPT_RW, EPT_MT_WB, EPT_LEVEL_2M);
	pool_done(&ept, tp);
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
		cmocka_unit_test(test_adjacent_mappings),
		cmocka_unit_test(test_overlap_tail),
		cmocka_unit_test(test_overlap_inside_large_leaf),
		cmocka_unit_test(test_overlap_large_over_small),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_init_rejects_unknown_large_bits),
		cmocka_unit_test(test_init_empty_pool),
		cmocka_unit_test(test_pool_exhaustion_leaves_nothing),
		cmocka_unit_test(test_pool_exhaustion_keeps_existing),
		cmocka_unit_test(test_destroy_returns_every_page),
		cmocka_unit_test(test_unmap_and_remap),
		cmocka_unit_test(test_unmap_partial_leaf_refused),
		cmocka_unit_test(test_large_nx_withholds_execute),
		cmocka_unit_test(test_large_nx_leaves_rw_mappings_alone),
		cmocka_unit_test(test_split_exec_2m),
		cmocka_unit_test(test_split_exec_1g_in_two_steps),
		cmocka_unit_test(test_split_exec_pool_empty),
	};

	return cmocka_run_group_tests_name("ept", tests, NULL, NULL);
}
