/* SPDX-License-Identifier: MIT */
/*
 * Ticket spinlock: waiters are served in the order they arrived, so a CPU
 * that keeps taking a shared lock (a flooding partition's exits) cannot
 * starve another one waiting for it. next is the ticket the next arrival
 * takes, owner the ticket being served; all zero is unlocked, so a lock in
 * zeroed memory (memset, .bss) is ready.
 */
#ifndef SEPTUM_SPINLOCK_H
#define SEPTUM_SPINLOCK_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
	atomic_uint next;
	atomic_uint owner;
} spinlock_t;
#define SPINLOCK_INIT { 0, 0 }

#ifdef SEPTUM_HOST_TEST
/* Host tests: called once when spin_lock() would wait, so a single-threaded
 * test can catch "this CPU would spin on a lock another holds" (and would
 * otherwise hang). Tests that need no hook leave it undefined. */
extern void spin_contended(spinlock_t *l) __attribute__((weak));
#endif

static inline void spin_lock(spinlock_t *l)
{
	unsigned ticket = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);

	if (atomic_load_explicit(&l->owner, memory_order_acquire) == ticket)
		return;
#ifdef SEPTUM_HOST_TEST
	if (spin_contended)
		spin_contended(l);
#endif
	while (atomic_load_explicit(&l->owner, memory_order_acquire) != ticket)
		__builtin_ia32_pause();
}

/* Takes the lock only if nobody holds it or waits for it. */
static inline bool spin_trylock(spinlock_t *l)
{
	unsigned owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
	unsigned expect = owner;

	return atomic_compare_exchange_strong_explicit(&l->next, &expect, owner + 1,
						       memory_order_acquire, memory_order_relaxed);
}

static inline void spin_unlock(spinlock_t *l)
{
	/* Only the holder writes owner: a plain increment is enough. */
	atomic_store_explicit(&l->owner, atomic_load_explicit(&l->owner, memory_order_relaxed) + 1,
			      memory_order_release);
}

#endif
