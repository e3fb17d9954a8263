/* SPDX-License-Identifier: MIT */
#ifndef SEPTUM_SPINLOCK_H
#define SEPTUM_SPINLOCK_H

#include <stdatomic.h>

typedef struct { atomic_flag f; } spinlock_t;
#define SPINLOCK_INIT { ATOMIC_FLAG_INIT }

static inline void spin_lock(spinlock_t *l)
{
	while (atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire))
		__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	atomic_flag_clear_explicit(&l->f, memory_order_release);
}

#endif
