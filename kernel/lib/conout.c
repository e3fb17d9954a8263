// SPDX-License-Identifier: MIT
/*
 * Console output buffers and the drain; the contract is in septum/conout.h,
 * the bounds in docs/security.md ("Shared services: the console and the log").
 */
#include <stdio.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/conout.h>

static char septum_buf[CONOUT_SEPTUM_SIZE];
static struct conout septum_out = {
	.tag = "septum", .buf = septum_buf, .size = CONOUT_SEPTUM_SIZE,
};

/* sources[0] is Septum's; partitions follow in the order they started. */
static struct conout *sources[CONOUT_SOURCES] = { &septum_out };
static atomic_uint nsources = 1;
static spinlock_t registry_lock;

/* The drain lock records its owner (CPU + 1) so that an exception dump on
 * the CPU that holds it still prints, instead of deadlocking. */
static spinlock_t drain_lock;
static atomic_uint drain_owner;
static unsigned drain_cur;     /* the source whose turn it is */
static bool drain_mid;         /* it is in the middle of a line */
static bool drain_cr;          /* the CR before its '\n' is out */
static unsigned drain_part;    /* the partition source that had the last turn */

static unsigned self(void)
{
	return (unsigned)arch_cpu_id() + 1;
}

struct conout *conout_septum(void)
{
	return &septum_out;
}

uint32_t conout_pending(const struct conout *o)
{
	return atomic_load_explicit(&o->head, memory_order_acquire) -
	       atomic_load_explicit(&o->tail, memory_order_acquire);
}

void conout_init(struct conout *o, const char *tag, char *buf, uint32_t size)
{
	unsigned n;

	spin_lock(&registry_lock);
	n = atomic_load(&nsources);
	for (unsigned i = 0; i < n; i++) {
		if (sources[i] == o) {
			o->tag = tag;        /* restarted: keeps its pending lines */
			spin_unlock(&registry_lock);
			return;
		}
	}
	memset(o, 0, sizeof(*o));
	o->tag = tag;
	o->buf = buf;
	o->size = size;
	if (n < CONOUT_SOURCES) {
		sources[n] = o;
		atomic_store(&nsources, n + 1);
	}
	spin_unlock(&registry_lock);
}

static bool registered(const struct conout *o)
{
	unsigned n = atomic_load(&nsources);

	for (unsigned i = 0; i < n; i++)
		if (sources[i] == o)
			return true;
	return false;
}

/* ------------------------------------------------------------ producers */

static void copy_in(struct conout *o, uint32_t head, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		o->buf[(head + i) & (o->size - 1)] = s[i];
}

static bool append(struct conout *o, const char *line, size_t n)
{
	uint32_t head = atomic_load_explicit(&o->head, memory_order_relaxed);
	uint32_t room = o->size - (head - atomic_load_explicit(&o->tail, memory_order_acquire));
	char note[96];
	int k = 0;

	/* Once dropping, take lines again only when half the buffer is free:
	 * otherwise every line the wire frees would cost a note. */
	if (o->dropped && room < o->size / 2)
		room = 0;
	if (o->dropped)
		k = snprintf(note, sizeof(note), "[%s] ... %llu bytes dropped\n", o->tag,
			     (unsigned long long)o->dropped);
	if (k < 0 || (size_t)k + n > room) {
		o->dropped += n;
		o->dropped_total += n;
		atomic_store(&o->dropping, true);
		return false;
	}
	copy_in(o, head, note, (size_t)k);
	copy_in(o, head + (uint32_t)k, line, n);
	o->dropped = 0;
	atomic_store(&o->dropping, false);
	atomic_store_explicit(&o->head, head + (uint32_t)k + (uint32_t)n, memory_order_release);
	return true;
}

bool conout_put_line(struct conout *o, const char *line, size_t n)
{
	bool ok;

	if (!registered(o))
		o = &septum_out;        /* more sources than slots: share Septum's */
	if (atomic_load(&o->lock_owner) == self() || atomic_load(&drain_owner) == self()) {
		/* Re-entered from an exception on this CPU: print now. */
		arch_console_write(line, n);
		return true;
	}
	spin_lock(&o->lock);
	atomic_store(&o->lock_owner, self());
	ok = append(o, line, n);
	atomic_store(&o->lock_owner, 0);
	spin_unlock(&o->lock);
	return ok;
}

/* --------------------------------------------------------------- drain */

/* Up to room bytes of the current line of o into out, each '\n' preceded
 * by a CR unless sync (arch_console_write() adds it); the CR may go out in
 * one call and its LF in the next. *eol when the line's '\n' was taken. */
static size_t take(struct conout *o, char *out, size_t room, bool sync, bool *eol)
{
	uint32_t tail = atomic_load_explicit(&o->tail, memory_order_relaxed);
	uint32_t avail = conout_pending(o), used = 0;
	size_t n = 0;

	*eol = false;
	while (used < avail && n < room) {
		char c = o->buf[(tail + used) & (o->size - 1)];

		if (c == '\n' && !sync && !drain_cr) {
			out[n++] = '\r';
			drain_cr = true;
			continue;
		}
		out[n++] = c;
		used++;
		if (c == '\n') {
			drain_cr = false;
			*eol = true;
			break;
		}
	}
	atomic_store_explicit(&o->tail, tail + used, memory_order_release);
	return n;
}

/* A source that dropped and has drained to half: its note goes out now,
 * not only before its next line. A trylock: the drain never waits on a
 * producer. */
static void note_drops(struct conout *o)
{
	if (!atomic_load(&o->dropping) || conout_pending(o) > o->size / 2 || !spin_trylock(&o->lock))
		return;
	atomic_store(&o->lock_owner, self());
	if (o->dropped)
		append(o, "", 0);
	atomic_store(&o->lock_owner, 0);
	spin_unlock(&o->lock);
}

/* The next source with something pending: Septum's own log after every
 * partition's line (it cannot be crowded out however many partitions
 * flood), the partitions round-robin among themselves, one line a turn. */
static bool next_turn(void)
{
	unsigned n = atomic_load(&nsources);

	if (drain_cur != 0) {
		drain_part = drain_cur;
		note_drops(&septum_out);
		if (conout_pending(&septum_out)) {
			drain_cur = 0;
			return true;
		}
	}
	/* Partitions: sources[1..n-1], starting after the last one served. */
	for (unsigned i = 1; i < n; i++) {
		unsigned j = 1 + (drain_part - 1 + i) % (n - 1);

		if (drain_part == 0)
			j = i;
		note_drops(sources[j]);
		if (conout_pending(sources[j])) {
			drain_cur = j;
			return true;
		}
	}
	note_drops(&septum_out);
	if (conout_pending(&septum_out)) {
		drain_cur = 0;
		return true;
	}
	return false;
}

#define DRAIN_CHUNK 64

/* Under the drain lock. sync: wait on the wire until everything is out. */
static void drain_locked(bool sync)
{
	char chunk[DRAIN_CHUNK];

	for (;;) {
		size_t room = sync ? DRAIN_CHUNK : arch_console_room();
		size_t n;
		bool eol;

		if (!room)
			return;
		if (room > DRAIN_CHUNK)
			room = DRAIN_CHUNK;
		if (!drain_mid && !next_turn())
			return;
		if (drain_cur >= atomic_load(&nsources))
			return;
		n = take(sources[drain_cur], chunk, room, sync, &eol);
		if (sync)
			arch_console_write(chunk, n);
		else
			arch_console_put(chunk, n);
		drain_mid = !eol;
	}
}

static bool any_pending(void)
{
	unsigned n = atomic_load(&nsources);

	for (unsigned i = 0; i < n; i++)
		if (conout_pending(sources[i]))
			return true;
	return false;
}

/* The idle drainer: a CPU with no vCPU to run (parked, or its partition
 * ended) that feeds the wire while anything is pending and otherwise
 * sleeps until a CPU that left output behind wakes it with an NMI. */
static atomic_int drainer = -1;
static atomic_bool drainer_asleep;

static void wake_drainer(void)
{
	int d = atomic_load(&drainer);

	if (d >= 0 && (unsigned)d + 1 != self() && atomic_load(&drainer_asleep))
		vcpu_kick((cpuid_t)d);
}

bool conout_backlog(void)
{
	return atomic_load(&drainer) < 0 && any_pending();
}

void conout_drain(void)
{
	if (!any_pending() || !spin_trylock(&drain_lock))
		return;
	atomic_store(&drain_owner, self());
	drain_locked(false);
	atomic_store(&drain_owner, 0);
	spin_unlock(&drain_lock);
	/* What the wire could not take yet: the idle drainer's job. */
	if (any_pending())
		wake_drainer();
}

/* Waits for the drain lock unless this CPU holds it already (an exception
 * in the middle of a drain); returns whether it took it. */
static bool acquire_sync(void)
{
	if (atomic_load(&drain_owner) == self())
		return false;
	spin_lock(&drain_lock);
	atomic_store(&drain_owner, self());
	return true;
}

static void release_sync(bool locked)
{
	if (!locked)
		return;
	atomic_store(&drain_owner, 0);
	spin_unlock(&drain_lock);
}

void conout_flush_sync(void)
{
	bool locked = acquire_sync();

	drain_locked(true);
	release_sync(locked);
}

void conout_write_sync(const char *s, size_t n)
{
	bool locked = acquire_sync();

	drain_locked(true);
	arch_console_write(s, n);
	release_sync(locked);
}

/* The first idle CPU becomes the drainer; it spins only while output is
 * pending (an emulator pays for a spinning CPU as for a running guest) and
 * sleeps otherwise. Between its check and its HLT a wake-up can be missed;
 * the next CPU to leave output behind sends another. Other idle CPUs
 * drain what is pending, then halt. */
void conout_idle(void)
{
	int none = -1;

	if (!atomic_compare_exchange_strong(&drainer, &none, (int)arch_cpu_id())) {
		while (any_pending()) {
			conout_drain();
			arch_udelay(100);
		}
		arch_halt_cpu();
	}
	for (;;) {
		while (any_pending()) {
			conout_drain();
			arch_udelay(50);
		}
		atomic_store(&drainer_asleep, true);
		if (!any_pending())
			arch_cpu_sleep();
		atomic_store(&drainer_asleep, false);
	}
}

#ifdef SEPTUM_HOST_TEST
void conout_reset_all(void)
{
	atomic_store(&nsources, 1);
	atomic_store(&septum_out.head, 0);
	atomic_store(&septum_out.tail, 0);
	septum_out.dropped = septum_out.dropped_total = 0;
	drain_cur = 0;
	drain_mid = false;
	drain_cr = false;
	drain_part = 0;
	atomic_store(&drainer, -1);
	atomic_store(&drainer_asleep, false);
	memset(&drain_lock, 0, sizeof(drain_lock));
	atomic_store(&drain_owner, 0);
}
#endif
