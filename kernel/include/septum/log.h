/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's log. Every line is queued whole in Septum's own console
 * buffer (septum/conout.h) as "[septum t=<tsc> cpuN LEVEL] message", so lines
 * from different CPUs never interleave, no caller waits on the wire, and
 * tests can match on the message.
 */
#ifndef SEPTUM_LOG_H
#define SEPTUM_LOG_H

#include <stdarg.h>
#include <septum/spinlock.h>
#include <septum/types.h>

struct partition;

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);
struct conout;
/* A guest console line, queued as "[tag] text\n" in the guest's own buffer
 * o (o->tag), text sanitised (console_sanitise()). */
void console_line(struct conout *o, const char *text, size_t len);
/* Raw console output (exception dumps), synchronous: after what is queued. */
void console_puts(const char *s);

/*
 * Lines a guest can cause (a refused IPI, an APIC mode change, a mark, a
 * restart...) go through log_guest(): a token bucket per partition lets
 * LOG_GUEST_BURST lines through at once and LOG_GUEST_PER_S lines a second
 * after that; the rest are counted, and the next line let through is
 * preceded by "partition NAME: N log lines suppressed (rate limit ...)".
 * docs/security.md gives the bounds this puts on the console.
 */
#define LOG_GUEST_BURST 10
#define LOG_GUEST_PER_S 1

struct log_limit {
	spinlock_t lock;          /* taken only by the partition's own CPUs */
	bool primed;              /* zero-initialised = a full bucket */
	unsigned tokens;
	uint64_t last;            /* timestamp of the last whole refill step */
	uint64_t suppressed;      /* lines dropped since the last one let through */
	uint64_t suppressed_total;
};

/* True when a line may go out now; *summary is then the count suppressed
 * before it (0: none), which the caller reports first. */
bool log_limit_take(struct log_limit *l, uint64_t *summary);
/* A line a guest can cause, rate-limited by l; who names the partition in the summary. */
void log_limited(struct log_limit *l, const char *who, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* log_limited() with p's own limit (kept in its vUART, across restarts). */
void log_guest(const struct partition *p, enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Guest bytes made safe for the physical console: every byte below 0x20
 * except tab, DEL, and every byte from 0x80 up (C1 controls and the UTF-8
 * that could spell them) become "\xHH", so a guest can neither move the
 * cursor back over its "[name]" tag nor talk to the terminal. Writes at most
 * cap bytes (stops before an escape that does not fit); returns how many.
 * A caller that gives 4 * n bytes always gets everything.
 */
size_t console_sanitise(char *dst, size_t cap, const char *src, size_t n);

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A bug in Septum itself: log, stop this CPU. Never for guest misbehaviour. */
__attribute__((noreturn)) void hv_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
