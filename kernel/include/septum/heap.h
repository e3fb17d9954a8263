/* SPDX-License-Identifier: MIT */
/*
 * Septum's memory: one contiguous block handed over by the loader. Pages for
 * tables, stacks and VMCSs come from here; freed pages go on a free list and
 * are handed out again (partition restarts must not leak). heap_stats() lets
 * tests compare free pages before and after.
 */
#ifndef SEPTUM_HEAP_H
#define SEPTUM_HEAP_H

#include <septum/page_pool.h>

void heap_init(uint64_t base, uint64_t size);
/* Zeroed, 4 KiB aligned pages; NULL when exhausted. */
void *pages_alloc(size_t npages);
void page_free(void *page);
size_t heap_free_pages(void);

extern struct page_pool heap_pool;

#endif
