// SPDX-License-Identifier: MIT
/* pages_alloc/page_free over the host allocator (vmx/caps.c links against
 * them; the tests never reach the paths that allocate). */
#include <stdlib.h>
#include <string.h>
#include <septum/heap.h>
#include <fakes.h>

unsigned fake_pages_allocated;

void fake_heap_reset(void) { fake_pages_allocated = 0; }

void *pages_alloc(size_t npages)
{
	void *p = aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);

	if (p) {
		memset(p, 0, npages * PAGE_SIZE);
		fake_pages_allocated += (unsigned)npages;
	}
	return p;
}

void page_free(void *page)
{
	free(page);
}

static void *fake_pool_alloc(struct page_pool *pool)
{
	(void)pool;
	return pages_alloc(1);
}

static void fake_pool_free(struct page_pool *pool, void *page)
{
	(void)pool;
	page_free(page);
}

/* Septum's heap as a page pool (septum/heap.h), over the same allocator. */
struct page_pool heap_pool = { fake_pool_alloc, fake_pool_free };
