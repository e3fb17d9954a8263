// SPDX-License-Identifier: MIT
#include <string.h>
#include <septum/heap.h>
#include <septum/spinlock.h>

static spinlock_t heap_lock = SPINLOCK_INIT;
static uint64_t heap_next, heap_end;
static void *free_list;           /* single pages given back, linked through their first word */
static size_t nfree_listed;

void heap_init(uint64_t base, uint64_t size)
{
	heap_next = ALIGN_UP(base, PAGE_SIZE);
	heap_end = ALIGN_DOWN(base + size, PAGE_SIZE);
}

void *pages_alloc(size_t npages)
{
	void *p = NULL;

	spin_lock(&heap_lock);
	if (npages == 1 && free_list) {
		p = free_list;
		free_list = *(void **)p;
		nfree_listed--;
	} else if (npages && heap_end - heap_next >= npages * PAGE_SIZE) {
		p = (void *)(uintptr_t)heap_next;
		heap_next += npages * PAGE_SIZE;
	}
	spin_unlock(&heap_lock);
	if (p)
		memset(p, 0, npages * PAGE_SIZE);
	return p;
}

void page_free(void *page)
{
	spin_lock(&heap_lock);
	*(void **)page = free_list;
	free_list = page;
	nfree_listed++;
	spin_unlock(&heap_lock);
}

size_t heap_free_pages(void)
{
	return (size_t)((heap_end - heap_next) / PAGE_SIZE) + nfree_listed;
}

static void *pool_alloc(struct page_pool *pool)
{
	(void)pool;
	return pages_alloc(1);
}

static void pool_free(struct page_pool *pool, void *page)
{
	(void)pool;
	page_free(page);
}

struct page_pool heap_pool = { pool_alloc, pool_free };
