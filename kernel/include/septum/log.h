/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's log. Every line is written whole (under the console lock)
 * as "[septum t=<tsc> cpuN LEVEL] message", so lines from different CPUs never
 * interleave and tests can match on the message.
 */
#ifndef SEPTUM_LOG_H
#define SEPTUM_LOG_H

#include <stdarg.h>
#include <septum/types.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG };

extern enum log_level log_threshold;

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap);
/* A guest console line, already tagged: "[name] text". */
void console_line(const char *tag, const char *text, size_t len);
/* Raw console output (exception dumps), under the console lock. */
void console_puts(const char *s);

#define pr_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A bug in Septum itself: log, stop this CPU. Never for guest misbehaviour. */
__attribute__((noreturn)) void hv_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
