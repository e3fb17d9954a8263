// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <septum/why.h>

int why_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!why || whylen == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= whylen && whylen >= 4)
		memcpy(why + whylen - 4, "...", 4);
	return -1;
}
