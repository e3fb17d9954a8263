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

static inline hpa_t page_hpa(const void *page) { return hpa((uint64_t)(uintptr_t)page); }
static inline void *hpa_ptr(hpa_t pa) { return (void *)(uintptr_t)pa.v; }

#endif /* SEPTUM_PAGE_POOL_H */
