/* SPDX-License-Identifier: MIT */
/*
 * heartbeat (64-bit): the neighbour that must keep running while a probe
 * misbehaves next to it. Prints "heartbeat N" for N = 1..count with a busy
 * delay between beats, then "heartbeat done" and exits 0.
 *
 * cmdline: count=N (default 20), delay=N PAUSE iterations between beats
 * (default 2000000: about 6 M instructions, a few beats per second of
 * Bochs time with four emulated CPUs sharing one host core), every=N (print
 * beat 1, every Nth and the last; default 1: all).
 *
 * It times each beat with the TSC and ends with its shortest and longest
 * gap and their ratio ("worst gap 1.07x the shortest"): a neighbour that
 * steals its CPU time (or Septum work on its CPU) shows as a long gap.
 */
#include "guest.h"

#define DEFAULT_COUNT 20
#define DEFAULT_DELAY 2000000

int main(void)
{
	const struct septum_partition_info *info = guest_info();
	unsigned long count = (unsigned long)guest_arg_ulong("count", DEFAULT_COUNT);
	unsigned long delay = (unsigned long)guest_arg_ulong("delay", DEFAULT_DELAY);

	unsigned long every = (unsigned long)guest_arg_ulong("every", 1);
	uint64_t last, shortest = ~0ull, longest = 0, ratio;

	gprintf("heartbeat: %s, %lu beats, delay %lu\n", info->name, count, delay);
	last = rdtsc();
	for (unsigned long n = 1; n <= count; n++) {
		uint64_t now, gap;

		delay_loops(delay);
		now = rdtsc();
		gap = now - last;
		last = now;
		shortest = gap < shortest ? gap : shortest;
		longest = gap > longest ? gap : longest;
		if (n == 1 || n == count || (every && n % every == 0))
			gprintf("heartbeat %lu\n", n);
	}
	ratio = shortest ? longest * 100 / shortest : 0;
	gprintf("heartbeat: gaps shortest %lu, longest %lu TSC ticks: worst gap %lu.%lu%lux the shortest\n",
		(unsigned long)shortest, (unsigned long)longest, (unsigned long)(ratio / 100),
		(unsigned long)(ratio / 10 % 10), (unsigned long)(ratio % 10));
	gprintf("heartbeat done\n");
	return 0;
}
