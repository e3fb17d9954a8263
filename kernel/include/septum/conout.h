/* SPDX-License-Identifier: MIT */
/*
 * Console output: every source (Septum's log, each partition's console) has
 * its own bounded buffer of whole lines, and the physical console is fed
 * from them without anyone waiting on the wire (docs/console.md, "Output";
 * the bounds in docs/security.md).
 *
 * - A producer appends a whole line under its source's own lock (held for
 *   one copy, never across I/O). A line that does not fit is dropped and
 *   counted; the next line that fits is preceded by
 *   "[tag] ... N bytes dropped" once half the buffer is free again (the
 *   drain adds it then if no line came).
 * - conout_drain() feeds the UART: it takes the drain lock with a trylock
 *   (another CPU draining does the work: return), writes only what the
 *   transmitter takes at once (arch_console_room(): one FIFO load on a
 *   16550A), a whole line per turn: Septum's log gets every other turn,
 *   the partitions round-robin in the rest, so Septum's lines and every
 *   partition get their turn and no source's partial line is ever
 *   continued by another's bytes.
 * - Every log call and every guest console write drains; so do vUART
 *   accesses while anything is pending; and the idle drainer, a CPU with no
 *   vCPU to run, woken whenever a drain leaves output behind
 *   (conout_idle()). Without an idle CPU, a line the wire could not take at
 *   once waits for the next drain on any CPU. conout_flush_sync() empties everything, waiting on the
 *   wire: power-off, hv_panic, exception dumps.
 */
#ifndef SEPTUM_CONOUT_H
#define SEPTUM_CONOUT_H

#include <stdatomic.h>
#include <septum/config.h>
#include <septum/spinlock.h>
#include <septum/types.h>

#define CONOUT_PART_SIZE   16384u    /* each partition's buffer (a power of two) */
#define CONOUT_SEPTUM_SIZE 32768u    /* Septum's own log (a power of two) */
#define CONOUT_SOURCES     (1 + CFG_MAX_PARTITIONS)   /* Septum, then one per partition */

struct conout {
	spinlock_t lock;             /* producers: the source's own CPUs */
	atomic_uint lock_owner;      /* CPU holding lock + 1, 0 for none */
	const char *tag;             /* "[tag]" of the drop note */
	char *buf;
	uint32_t size;               /* a power of two */
	_Atomic uint32_t head;       /* next byte written (producers, under lock) */
	_Atomic uint32_t tail;       /* next byte sent (the drainer) */
	uint64_t dropped;            /* bytes dropped since the last note */
	atomic_bool dropping;        /* dropped != 0, for the drain's look */
	uint64_t dropped_total;
};

/* Sets o up over buf (size bytes, a power of two) and adds it to the
 * sources drained. A source already added (a restarted partition) keeps
 * what it has pending. */
void conout_init(struct conout *o, const char *tag, char *buf, uint32_t size);
/* Septum's own source. */
struct conout *conout_septum(void);
/*
 * Appends one line (n bytes, the last a '\n'); the caller drains after its
 * batch (conout_drain()). Returns false when the line was dropped (no room:
 * counted; after a drop, lines are taken again once half the buffer is
 * free, the first preceded by the note). A CPU that already holds o's lock
 * or the drain lock (an exception meanwhile) writes the line synchronously.
 */
bool conout_put_line(struct conout *o, const char *line, size_t n);
/* Feeds the UART what it takes now; never waits. */
void conout_drain(void);
/*
 * Output is pending and no idle drainer will feed it: a CPU about to enter
 * a guest should come back soon to call conout_drain() (VT-x: the
 * VMX-preemption timer), or the tail waits for the next exit anywhere,
 * which an exit-free partition may never make.
 */
bool conout_backlog(void);
/* Sends everything pending, waiting on the wire. */
void conout_flush_sync(void);
/* Raw bytes to the console now (exception dumps): after flushing the buffers. */
void conout_write_sync(const char *s, size_t n);
/* A CPU with nothing (left) to run. The first becomes the idle drainer:
 * feeds the wire while output is pending, sleeps otherwise, woken by an NMI
 * (vcpu_kick()) from a CPU whose drain left output behind. The others drain
 * what is pending, then halt. */
__attribute__((noreturn)) void conout_idle(void);
/* Bytes pending in o. */
uint32_t conout_pending(const struct conout *o);

#ifdef SEPTUM_HOST_TEST
/* Forget every partition source (tests free their vUARTs between cases)
 * and empty Septum's buffer. */
void conout_reset_all(void);
#endif

#endif
