// SPDX-License-Identifier: MIT
/*
 * The ticket lock (septum/spinlock.h): waiters are served in arrival order,
 * trylock never queues, and zeroed memory is an unlocked lock.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <septum/spinlock.h>

#define WAITERS 6

static spinlock_t lock;
static int order[WAITERS];
static atomic_int served;

static void *waiter(void *arg)
{
	int id = (int)(intptr_t)arg;

	spin_lock(&lock);
	order[atomic_fetch_add(&served, 1)] = id;
	spin_unlock(&lock);
	return NULL;
}

/* WAITERS threads arrive one after the other while the lock is held (each
 * holds its ticket before the next starts); released, they get it in that
 * order. A test-and-set lock gives it to whichever CPU wins the race. */
static void waiters_served_in_arrival_order(void **state)
{
	pthread_t t[WAITERS];

	(void)state;
	memset(&lock, 0, sizeof(lock));
	atomic_store(&served, 0);
	spin_lock(&lock);
	for (int i = 0; i < WAITERS; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, waiter, (void *)(intptr_t)i), 0);
		while (atomic_load(&lock.next) != (unsigned)i + 2)
			sched_yield();
	}
	spin_unlock(&lock);
	for (int i = 0; i < WAITERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < WAITERS; i++)
		assert_int_equal(order[i], i);
}

static void trylock_fails_when_held_or_queued(void **state)
{
	spinlock_t l = SPINLOCK_INIT;

	(void)state;
	assert_true(spin_trylock(&l));
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
	/* Counters wrap without harm. */
	atomic_store(&l.next, ~0u);
	atomic_store(&l.owner, ~0u);
	spin_lock(&l);
	assert_false(spin_trylock(&l));
	spin_unlock(&l);
	assert_int_equal(atomic_load(&l.owner), 0);
	assert_true(spin_trylock(&l));
	spin_unlock(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(waiters_served_in_arrival_order),
		cmocka_unit_test(trylock_fails_when_held_or_queued),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
