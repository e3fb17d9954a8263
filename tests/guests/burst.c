/* SPDX-License-Identifier: MIT */
/*
 * burst (64-bit): prints a burst of console lines faster than the wire
 * takes them (one CONSOLE_WRITE hypercall, include/septum/abi.h: a whole
 * buffer with a single exit), then "burst: done", then spins with interrupts off, making
 * no exit, for spin=N PAUSE iterations, then exits 0. With every CPU in
 * such a partition, nothing but Septum's own timer brings the tail of the
 * burst to the wire while they spin (docs/security.md, "A drain nobody
 * waits for"; tests/system/scenarios/console-tail.scn).
 *
 * cmdline: lines=N (default 40), spin=N (default 10000000).
 */
#include "guest.h"

static char buf[SEPTUM_CONSOLE_MAX];
static size_t len;

static void buf_put(const char *s)
{
	while (*s && len < sizeof(buf))
		buf[len++] = *s++;
}

static void buf_dec(unsigned long v)
{
	char d[24];
	int i = 0;

	do
		d[i++] = (char)('0' + v % 10);
	while ((v /= 10) && i < (int)sizeof(d));
	while (i && len < sizeof(buf))
		buf[len++] = d[--i];
}

int main(void)
{
	unsigned long lines = (unsigned long)guest_arg_ulong("lines", 40);
	unsigned long spin = (unsigned long)guest_arg_ulong("spin", 10000000);

	/* 50 lines of ~60 bytes: 3 KiB, well inside SEPTUM_CONSOLE_MAX. */
	for (unsigned long n = 1; n <= lines && len + 128 < sizeof(buf); n++) {
		buf_put("burst: line ");
		buf_dec(n);
		buf_put(" of ");
		buf_dec(lines);
		buf_put(", one write outruns the wire\n");
	}
	buf_put("burst: done\n");
	if (hypercall(SEPTUM_HC_CONSOLE_WRITE, (unsigned long)buf, len, 0) != (long)len)
		guest_fail("CONSOLE_WRITE of the burst failed");
	__asm__ volatile("cli" ::: "memory");
	delay_loops(spin);
	return 0;
}
