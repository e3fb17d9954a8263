// SPDX-License-Identifier: MIT
/*
 * septum-mark: the benchmark's helper inside a Linux partition's initramfs
 * (tests/bench/init). Linked statically with the host's glibc: the initramfs
 * has no libraries.
 *
 *   septum-mark mark N       write N to SEPTUM_MARK_PORT: Septum logs the
 *                            partition's VM-exit counts so far, labelled N
 *   septum-mark phases I B [M]  mark M, sleep I s, mark M+1, spin B s,
 *                            mark M+2 (M = 2 if not given; the steady-state
 *                            windows, see cmd_phases)
 *   septum-mark hypervisor   print "Septum" and exit 0 when the Septum CPUID
 *                            leaves are there, else print "none", exit 1
 *   septum-mark off          end the emulator of a bare (no Septum) run:
 *                            Bochs' shutdown port, QEMU's isa-debug-exit
 *
 * Port I/O from user space needs ioperm(2) (CAP_SYS_RAWIO; init runs as
 * root). Under Septum every port access exits, so one mark costs exactly one
 * I/O exit, which the next mark counts.
 */
#include <cpuid.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <time.h>

#include "septum/abi.h"

/* Bochs 2.7 iodev/unmapped.cc: "Shutdown" written byte by byte to port
 * 0x8900 ends the simulation. */
#define BOCHS_SHUTDOWN_PORT 0x8900

static int usage(void)
{
	fprintf(stderr, "usage: septum-mark mark N | phases IDLE BUSY [FIRST-MARK] | hypervisor | off\n");
	return 2;
}

/* parse_u32: whole-string decimal number below 2^32; -1 if it is not one. */
static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int grant_port(unsigned port, unsigned len)
{
	if (ioperm(port, len, 1)) {
		fprintf(stderr, "septum-mark: ioperm(0x%x): %s\n", port, strerror(errno));
		return -1;
	}
	return 0;
}

static void mark(uint32_t n)
{
	/* A 32-bit OUT: Septum takes the label from EAX at the access width. */
	outl(n, SEPTUM_MARK_PORT);
}

static int cmd_mark(const char *arg)
{
	uint32_t n;

	if (parse_u32(arg, &n)) {
		fprintf(stderr, "septum-mark: mark wants a number below 2^32, got '%s'\n", arg);
		return 2;
	}
	if (grant_port(SEPTUM_MARK_PORT, 4))
		return 1;
	mark(n);
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * The steady-state phases in one process, so that no process start (a
 * static glibc runs dozens of CPUIDs while it starts, and CPUID always
 * exits in VMX non-root operation: SDM Vol. 3C, "Instructions That Cause
 * VM Exits Unconditionally") falls inside a measured window:
 *   mark M, sleep IDLE s, mark M+1, spin BUSY s, mark M+2.
 * The busy loop reads the clock through the vDSO (RDTSC, not intercepted)
 * and makes no system call. Prints the phases' CLOCK_MONOTONIC lengths and
 * the loop count.
 */
static int cmd_phases(const char *idle_arg, const char *busy_arg, const char *mark_arg)
{
	uint32_t idle, busy, first = 2;
	uint64_t spins = 0;
	double t0, t1, t2, end;
	struct timespec ts;

	if (parse_u32(idle_arg, &idle) || parse_u32(busy_arg, &busy) || !idle || !busy ||
	    idle > 3600 || busy > 3600) {
		fprintf(stderr, "septum-mark: phases wants two durations of 1..3600 seconds\n");
		return 2;
	}
	if (mark_arg && (parse_u32(mark_arg, &first) || first > 0xfffffff0u)) {
		fprintf(stderr, "septum-mark: phases: first mark '%s' is not a number below 0xfffffff0\n", mark_arg);
		return 2;
	}
	if (grant_port(SEPTUM_MARK_PORT, 4))
		return 1;
	t0 = now();
	mark(first);
	ts = (struct timespec){ .tv_sec = idle };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
	mark(first + 1);
	t1 = now();
	end = t1 + busy;
	while (now() < end)
		spins++;
	mark(first + 2);
	t2 = now();
	printf("idle %.3f busy %.3f spins %llu\n", t1 - t0, t2 - t1, (unsigned long long)spins);
	return 0;
}

/* Septum's leaves (abi.h): CPUID.1:ECX[31] says a hypervisor is there,
 * leaf 0x40000000 EBX/ECX/EDX carry "SeptumSeptum". */
static int cmd_hypervisor(void)
{
	unsigned a, b, c, d;

	__cpuid(1, a, b, c, d);
	if (c & (1u << 31)) {
		__cpuid(SEPTUM_CPUID_BASE, a, b, c, d);
		if (b == SEPTUM_CPUID_SIG_EBX && c == SEPTUM_CPUID_SIG_ECX && d == SEPTUM_CPUID_SIG_EDX) {
			puts("Septum");
			return 0;
		}
	}
	puts("none");
	return 1;
}

static int cmd_off(void)
{
	static const char word[] = "Shutdown";

	if (grant_port(BOCHS_SHUTDOWN_PORT, 1) || grant_port(SEPTUM_TEST_EXIT_PORT, 4))
		return 1;
	/* QEMU (-device isa-debug-exit,iobase=0xf4): exit status 0<<1|1. */
	outl(0, SEPTUM_TEST_EXIT_PORT);
	for (size_t i = 0; i < sizeof(word) - 1; i++)
		outb((unsigned char)word[i], BOCHS_SHUTDOWN_PORT);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "mark"))
		return cmd_mark(argv[2]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "phases"))
		return cmd_phases(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	if (argc == 2 && !strcmp(argv[1], "hypervisor"))
		return cmd_hypervisor();
	if (argc == 2 && !strcmp(argv[1], "off"))
		return cmd_off();
	return usage();
}
