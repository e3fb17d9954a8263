/* SPDX-License-Identifier: MIT */
/*
 * heartbeat (64-bit): the neighbour that must keep running while a probe
 * misbehaves next to it. Prints "heartbeat N" for N = 1..count with a busy
 * delay between beats, then "heartbeat done" and exits 0.
 *
 * cmdline: count=N (default 20), delay=N PAUSE iterations between beats
 * (default 2000000: about 6 M instructions, a few beats per second of
 * Bochs time with four emulated CPUs sharing one host core).
 */
#include "guest.h"

#define DEFAULT_COUNT 20
#define DEFAULT_DELAY 2000000

int main(void)
{
	const struct septum_partition_info *info = guest_info();
	unsigned long count = (unsigned long)guest_arg_ulong("count", DEFAULT_COUNT);
	unsigned long delay = (unsigned long)guest_arg_ulong("delay", DEFAULT_DELAY);

	gprintf("heartbeat: %s, %lu beats, delay %lu\n", info->name, count, delay);
	for (unsigned long n = 1; n <= count; n++) {
		delay_loops(delay);
		gprintf("heartbeat %lu\n", n);
	}
	gprintf("heartbeat done\n");
	return 0;
}
