// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/conout.h>
#include <septum/log.h>
#include <septum/partition.h>
#include <septum/spinlock.h>

enum log_level log_threshold = LOG_INFO;

static const char *const level_name[] = { "ERROR", "WARN", "INFO", "DEBUG" };

/* Long enough for any message the core formats; longer ones are cut and
 * marked, never silently. */
#define LINE_MAX 512

/* Septum's own lines go to Septum's own buffer: guests cannot crowd them
 * out, and no caller waits on the wire (septum/conout.h). */
static void emit(const char *buf, size_t len)
{
	conout_put_line(conout_septum(), buf, len);
	conout_drain();
}

void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char line[LINE_MAX];
	int n, m;

	if (lvl > log_threshold)
		return;
	n = snprintf(line, sizeof(line), "[septum t=%llu cpu%u %s] ",
		     (unsigned long long)arch_timestamp(), (unsigned)arch_cpu_id(), level_name[lvl]);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) >= sizeof(line) - 1) {
		static const char cut[] = "...[cut]";
		n = (int)(sizeof(line) - sizeof(cut) - 1);
		memcpy(line + n, cut, sizeof(cut) - 1);
		n += (int)sizeof(cut) - 1;
	} else {
		n += m;
	}
	line[n++] = '\n';
	emit(line, (size_t)n);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(lvl, fmt, ap);
	va_end(ap);
}

size_t console_sanitise(char *dst, size_t cap, const char *src, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)src[i];

		if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
			if (o + 1 > cap)
				break;
			dst[o++] = (char)c;
			continue;
		}
		if (o + 4 > cap)
			break;
		dst[o++] = '\\';
		dst[o++] = 'x';
		dst[o++] = hex[c >> 4];
		dst[o++] = hex[c & 15];
	}
	return o;
}

void console_line(struct conout *o, const char *text, size_t len)
{
	/* "[tag] ", the text escaped (4 bytes a byte at most), '\n' */
	char line[CFG_NAME_MAX + 3 + 4 * VUART_LINE_MAX + 1];
	const char *tag = o->tag;
	size_t n = 0, t = strlen(tag);

	/* The tag comes from the config (trusted); the text from the guest,
	 * at most VUART_LINE_MAX bytes (longer is cut, never overrun). */
	if (t > CFG_NAME_MAX - 1)
		t = CFG_NAME_MAX - 1;
	line[n++] = '[';
	memcpy(line + n, tag, t);
	n += t;
	line[n++] = ']';
	line[n++] = ' ';
	n += console_sanitise(line + n, sizeof(line) - n - 1, text, len);
	line[n++] = '\n';
	conout_put_line(o, line, n);
}

/* ------------------------------------------------------------ rate limit */

/* Timestamp ticks per token: arch_timestamp() counts TSC cycles. An unknown
 * TSC rate is taken as 1 GHz, which only moves the refill, never the burst. */
static uint64_t refill_ticks(void)
{
	uint64_t hz = arch_tsc_hz();

	return (hz ? hz : 1000000000ull) / LOG_GUEST_PER_S;
}

bool log_limit_take(struct log_limit *l, uint64_t *summary)
{
	uint64_t now = arch_timestamp(), step = refill_ticks();
	bool ok;

	spin_lock(&l->lock);
	if (!l->primed) {
		l->primed = true;
		l->tokens = LOG_GUEST_BURST;
		l->last = now;
	} else if (now > l->last) {
		uint64_t add = (now - l->last) / step;

		if (add >= LOG_GUEST_BURST - l->tokens) {
			l->tokens = LOG_GUEST_BURST;
			l->last = now;
		} else {
			l->tokens += (unsigned)add;
			l->last += add * step;
		}
	}
	ok = l->tokens > 0;
	*summary = 0;
	if (ok) {
		l->tokens--;
		*summary = l->suppressed;
		l->suppressed = 0;
	} else {
		l->suppressed++;
		l->suppressed_total++;
	}
	spin_unlock(&l->lock);
	return ok;
}

static void log_vlimited(struct log_limit *l, const char *who, enum log_level lvl, const char *fmt, va_list ap)
{
	uint64_t summary;

	if (lvl > log_threshold)
		return;                   /* a line nobody sees costs no token */
	if (!log_limit_take(l, &summary))
		return;
	if (summary)
		log_msg(LOG_WARN, "partition %s: suppressed %llu log lines (rate limit: %u at once, then %u/s)",
			who, (unsigned long long)summary, LOG_GUEST_BURST, LOG_GUEST_PER_S);
	log_vmsg(lvl, fmt, ap);
}

void log_limited(struct log_limit *l, const char *who, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vlimited(l, who, lvl, fmt, ap);
	va_end(ap);
}

void log_guest(const struct partition *p, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* The limit is the one piece of a partition logging changes. */
	log_vlimited((struct log_limit *)&p->uart.limit, p->name, lvl, fmt, ap);
	va_end(ap);
}

void console_puts(const char *s)
{
	conout_write_sync(s, strlen(s));
}

void hv_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
	pr_err("Septum bug: CPU %u stopped", (unsigned)arch_cpu_id());
	conout_flush_sync();            /* the reason must leave the machine */
	arch_halt_cpu();
}
