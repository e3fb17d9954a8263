/* SPDX-License-Identifier: MIT */
/*
 * A source of zeroed 4 KiB pages for table builders (EPT, the core's own page
 * tables). In the core, pages come from Septum's heap and are identity mapped,
 * so a page's pointer value is its host-physical address. Host tests back the
 * pool with aligned_alloc(), whose pointers play the same role.
 */
#ifndef SEPTUM_PAGE_POOL_H
#define SEPTUM_PAGE_POOL_H

#include <septum/types.h>

struct page_pool {
	/* Returns a zeroed, 4 KiB aligned page, or NULL when exhausted. */
	void *(*alloc)(struct page_pool *pool);
	/* Gives a page obtained from alloc() back. */
	void (*free)(struct page_pool *pool, void *page);
};

/*
 * A reserve: pages taken from another pool up front (at set-up) and handed
 * out later only from that stock. A partition's run-time table growth
 * (EPT splits for execution) comes from its own reserve, so a guest that
 * makes Septum allocate can exhaust only what was set aside for it, never
 * the heap its neighbours' restarts and splits need. Pages freed to a
 * reserve go back to its stock. Not locked: its user serialises (the EPT
 * is changed under the partition's lock).
 */
struct page_reserve {
	struct page_pool pool;       /* first: a struct page_pool * to it is a reserve */
	void *list;                  /* stocked pages, linked through their first word */
	size_t count;
};

/* Takes n pages from `from` into r (r starts empty or keeps what it has).
 * Returns 0, or -1 when `from` ran out: the pages taken so far stay in r. */
int page_reserve_fill(struct page_reserve *r, struct page_pool *from, size_t n);

static inline hpa_t page_hpa(const void *page) { return hpa((uint64_t)(uintptr_t)page); }
static inline void *hpa_ptr(hpa_t pa) { return (void *)(uintptr_t)pa.v; }

#endif /* SEPTUM_PAGE_POOL_H */
