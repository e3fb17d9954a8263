// SPDX-License-Identifier: MIT
#include <string.h>
#include <septum/page_pool.h>

static void *reserve_alloc(struct page_pool *pool)
{
	struct page_reserve *r = (struct page_reserve *)pool;
	void *page = r->list;

	if (!page)
		return NULL;
	r->list = *(void **)page;
	r->count--;
	memset(page, 0, PAGE_SIZE);     /* the pool contract: zeroed pages */
	return page;
}

static void reserve_free(struct page_pool *pool, void *page)
{
	struct page_reserve *r = (struct page_reserve *)pool;

	*(void **)page = r->list;
	r->list = page;
	r->count++;
}

int page_reserve_fill(struct page_reserve *r, struct page_pool *from, size_t n)
{
	r->pool.alloc = reserve_alloc;
	r->pool.free = reserve_free;
	while (n--) {
		void *page = from->alloc(from);

		if (!page)
			return -1;
		reserve_free(&r->pool, page);
	}
	return 0;
}
