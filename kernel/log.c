// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/log.h>
#include <septum/spinlock.h>

enum log_level log_threshold = LOG_INFO;

/* The console lock records its owner so that an exception taken while a CPU
 * prints (a Septum bug) can still print its dump on that CPU instead of
 * deadlocking on its own lock. */
static spinlock_t console_lock = SPINLOCK_INIT;
static atomic_uint console_owner = ~0u;

static bool console_acquire(void)
{
	unsigned self = (unsigned)arch_cpu_id();

	if (atomic_load(&console_owner) == self)
		return false;             /* re-entered from an exception: print anyway */
	spin_lock(&console_lock);
	atomic_store(&console_owner, self);
	return true;
}

static void console_release(bool locked)
{
	if (!locked)
		return;
	atomic_store(&console_owner, ~0u);
	spin_unlock(&console_lock);
}
static const char *const level_name[] = { "ERROR", "WARN", "INFO", "DEBUG" };

/* Long enough for any message the core formats; longer ones are cut and
 * marked, never silently. */
#define LINE_MAX 512

static void emit(const char *buf, size_t len)
{
	bool locked = console_acquire();

	arch_console_write(buf, len);
	console_release(locked);
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

void console_line(const char *tag, const char *text, size_t len)
{
	bool locked = console_acquire();

	arch_console_write("[", 1);
	arch_console_write(tag, strlen(tag));
	arch_console_write("] ", 2);
	arch_console_write(text, len);
	arch_console_write("\n", 1);
	console_release(locked);
}

void console_puts(const char *s)
{
	emit(s, strlen(s));
}

void hv_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
	pr_err("Septum bug: CPU %u stopped", (unsigned)arch_cpu_id());
	arch_halt_cpu();
}
