/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the page reserve (kernel/lib/page_reserve.c): a partition's
 * run-time EPT pages come from a stock set aside at set-up, so exhausting
 * it takes nothing from the pool the stock came from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/page_pool.h>

/* A parent pool of `left` pages, counting what it hands out. */
struct parent {
	struct page_pool pool;
	int left;
	int given;
};

static void *parent_alloc(struct page_pool *pool)
{
	struct parent *p = (struct parent *)pool;
	void *page;

	if (p->left == 0)
		return NULL;
	page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(page);
	memset(page, 0, PAGE_SIZE);
	p->left--;
	p->given++;
	return page;
}

static void parent_free(struct page_pool *pool, void *page)
{
	(void)pool;
	free(page);
}

static void drain(struct page_reserve *r)
{
	void *page;

	while ((page = r->pool.alloc(&r->pool)) != NULL)
		free(page);
}

static void reserve_hands_out_exactly_its_stock(void **state)
{
	struct parent parent = { { parent_alloc, parent_free }, 100, 0 };
	struct page_reserve r = { .list = NULL, .count = 0 };
	void *pages[4];

	(void)state;
	assert_int_equal(page_reserve_fill(&r, &parent.pool, 3), 0);
	assert_int_equal(parent.given, 3);
	assert_int_equal(r.count, 3);
	for (int i = 0; i < 3; i++)
		assert_non_null(pages[i] = r.pool.alloc(&r.pool));
	assert_null(r.pool.alloc(&r.pool));            /* exhausted: no more from the parent */
	assert_int_equal(parent.given, 3);
	assert_int_equal(parent.left, 97);
	for (int i = 0; i < 3; i++)
		free(pages[i]);
}

static void freed_pages_come_back_zeroed(void **state)
{
	struct parent parent = { { parent_alloc, parent_free }, 100, 0 };
	struct page_reserve r = { .list = NULL, .count = 0 };
	uint8_t *page;

	(void)state;
	assert_int_equal(page_reserve_fill(&r, &parent.pool, 1), 0);
	page = r.pool.alloc(&r.pool);
	assert_non_null(page);
	memset(page, 0xa5, PAGE_SIZE);
	r.pool.free(&r.pool, page);
	assert_int_equal(r.count, 1);
	page = r.pool.alloc(&r.pool);
	assert_non_null(page);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(page[i], 0);
	free(page);
}

static void fill_fails_when_the_parent_runs_out(void **state)
{
	struct parent parent = { { parent_alloc, parent_free }, 2, 0 };
	struct page_reserve r = { .list = NULL, .count = 0 };

	(void)state;
	assert_int_equal(page_reserve_fill(&r, &parent.pool, 5), -1);
	assert_int_equal(r.count, 2);                  /* what it got stays, for the caller to see */
	drain(&r);
}

static void empty_reserve_allocates_nothing(void **state)
{
	struct parent parent = { { parent_alloc, parent_free }, 100, 0 };
	struct page_reserve r = { .list = NULL, .count = 0 };

	(void)state;
	assert_int_equal(page_reserve_fill(&r, &parent.pool, 0), 0);
	assert_null(r.pool.alloc(&r.pool));
	assert_int_equal(parent.given, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reserve_hands_out_exactly_its_stock),
		cmocka_unit_test(freed_pages_come_back_zeroed),
		cmocka_unit_test(fill_fails_when_the_parent_runs_out),
		cmocka_unit_test(empty_reserve_allocates_nothing),
	};

	return cmocka_run_group_tests_name("page_reserve", tests, NULL, NULL);
}
