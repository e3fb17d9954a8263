/* SPDX-License-Identifier: MIT */
/*
 * Reasons as values: every validator in the core reports failure by filling
 * a caller buffer with one line saying why. A reason that does not fit is
 * cut visibly ("..."), never silently.
 */
#ifndef SEPTUM_WHY_H
#define SEPTUM_WHY_H

#include <stddef.h>

/* Formats the reason into why (if any) and returns -1, so validators can
 * `return why_fail(why, whylen, ...)`. */
int why_fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
