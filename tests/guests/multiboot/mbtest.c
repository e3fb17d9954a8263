/* SPDX-License-Identifier: MIT */
/*
 * mbtest: Septum's own multiboot test kernel, built twice from this file:
 * mbtest1.elf with a v1 header (mb1.S, MB_VERSION=1) and mbtest2.elf with a
 * Multiboot2 header (mb2.S, MB_VERSION=2). It trusts nothing but the
 * multiboot specs: no hypercall, no CPUID leaf, only the 16550 at 0x3f8
 * (polled, lib/console.c) and, at the end, the test exit port 0xf4.
 *
 * It prints what its boot loader gave it:
 *   mbtest vN: magic 0x... ok, boot information at 0x...
 *   loader: NAME
 *   cmdline: TEXT
 *   modules: N
 *   module K: string 'S', B bytes, first line 'L' (at 0x...)
 *   mmap: 0xBASE-0xLAST type T            (one per entry)
 *   mem: lower L KiB, upper U KiB
 * then, without beat=N in its command line, "mbtest done" and exit 0; with
 * beat=N, "heartbeat k" N times (N = 0: forever) with a busy wait of
 * delay=D PAUSE loops (default 2000000) between beats, then "mbtest done".
 * A wrong magic in EAX prints a FAIL line and exits 1; a malformed boot
 * information exits 2.
 */
#include "guest.h"

#if MB_VERSION == 1
#define MB_BOOT_MAGIC 0x2badb002u        /* v1 §3.2 */
#elif MB_VERSION == 2
#define MB_BOOT_MAGIC 0x36d76289u        /* v2 "I386 machine state" */
#else
#error "MB_VERSION must be 1 or 2"
#endif

#define FIRST_LINE_MAX 60
#define DEFAULT_DELAY  2000000ul

int mb_main(uint32_t magic, uint32_t info);

/* Boot information is at physical addresses; paging is off. */
static const void *phys(uint32_t addr)
{
	return (const void *)(uintptr_t)addr;
}

static uint32_t rd32(uint32_t addr)
{
	return *(const volatile uint32_t *)phys(addr);
}

static uint64_t rd64(uint32_t addr)
{
	return (uint64_t)rd32(addr) | (uint64_t)rd32(addr + 4) << 32;
}

static const char *cmdline = "";

/* Prints a module's first line: up to '\n' or FIRST_LINE_MAX bytes, with
 * bytes outside printable ASCII shown as '.'. */
static void put_first_line(const char *data, uint32_t size)
{
	for (uint32_t i = 0; i < size && i < FIRST_LINE_MAX && data[i] != '\n'; i++)
		uart_putc(data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '.');
}

static void put_module(unsigned k, uint32_t start, uint32_t end, const char *string)
{
	gprintf("module %u: string '%s', %u bytes, first line '", k, string, end - start);
	put_first_line(phys(start), end - start);
	gprintf("' (at 0x%x)\n", start);
}

static void put_mmap(uint64_t base, uint64_t len, uint32_t type)
{
	gprintf("mmap: 0x%llx-0x%llx type %u\n", (unsigned long long)base,
		(unsigned long long)(base + len - 1), type);
}

#if MB_VERSION == 1
/* v1 §3.3 boot information offsets and flags. */
#define MBI_FLAGS        0
#define MBI_MEM_LOWER    4
#define MBI_MEM_UPPER    8
#define MBI_CMDLINE      16
#define MBI_MODS_COUNT   20
#define MBI_MODS_ADDR    24
#define MBI_MMAP_LENGTH  44
#define MBI_MMAP_ADDR    48
#define MBI_LOADER_NAME  64
#define MBF_MEM          (1u << 0)
#define MBF_CMDLINE      (1u << 2)
#define MBF_MODS         (1u << 3)
#define MBF_MMAP         (1u << 6)
#define MBF_LOADER_NAME  (1u << 9)

static int read_info(uint32_t info)
{
	uint32_t flags = rd32(info + MBI_FLAGS);

	gprintf("loader: %s\n", flags & MBF_LOADER_NAME ? (const char *)phys(rd32(info + MBI_LOADER_NAME)) : "(none)");
	if (flags & MBF_CMDLINE)
		cmdline = phys(rd32(info + MBI_CMDLINE));
	gprintf("cmdline: %s\n", cmdline);
	if (!(flags & MBF_MODS) || !(flags & MBF_MMAP) || !(flags & MBF_MEM)) {
		gprintf("FAIL: boot information flags 0x%x lack mods, mmap or mem\n", flags);
		return -1;
	}
	uint32_t n = rd32(info + MBI_MODS_COUNT), mods = rd32(info + MBI_MODS_ADDR);

	gprintf("modules: %u\n", n);
	for (uint32_t k = 0; k < n; k++) {
		uint32_t m = mods + 16 * k;   /* mod_start, mod_end, string, reserved */

		put_module(k, rd32(m), rd32(m + 4), phys(rd32(m + 8)));
	}
	/* Each entry: size (of the rest) at -4, then base, length, type. */
	uint32_t at = rd32(info + MBI_MMAP_ADDR), end = at + rd32(info + MBI_MMAP_LENGTH);

	for (; at < end; at += rd32(at) + 4)
		put_mmap(rd64(at + 4), rd64(at + 12), rd32(at + 20));
	gprintf("mem: lower %u KiB, upper %u KiB\n", rd32(info + MBI_MEM_LOWER), rd32(info + MBI_MEM_UPPER));
	return 0;
}
#else
/* v2 "Boot information format": total_size, reserved, then 8-byte aligned tags. */
enum { TAG_END = 0, TAG_CMDLINE = 1, TAG_LOADER = 2, TAG_MODULE = 3, TAG_MEMINFO = 4, TAG_MMAP = 6 };

static int read_info(uint32_t info)
{
	uint32_t total = rd32(info), at = info + 8, end = info + total;
	const char *loader = "(none)";
	uint32_t lower = 0, upper = 0, nmods = 0;

	if (total < 16 || total > 0x100000) {
		gprintf("FAIL: boot information total_size %u\n", total);
		return -1;
	}
	/* First pass: the strings, so the output order matches v1's. */
	for (at = info + 8; at + 8 <= end && rd32(at) != TAG_END; at += (rd32(at + 4) + 7) & ~7u) {
		if (rd32(at) == TAG_CMDLINE)
			cmdline = phys(at + 8);
		else if (rd32(at) == TAG_LOADER)
			loader = phys(at + 8);
		else if (rd32(at) == TAG_MODULE)
			nmods++;
		else if (rd32(at) == TAG_MEMINFO) {
			lower = rd32(at + 8);
			upper = rd32(at + 12);
		}
		if (rd32(at + 4) < 8) {
			gprintf("FAIL: tag at 0x%x has size %u\n", at, rd32(at + 4));
			return -1;
		}
	}
	gprintf("loader: %s\ncmdline: %s\nmodules: %u\n", loader, cmdline, nmods);
	nmods = 0;
	for (at = info + 8; at + 8 <= end && rd32(at) != TAG_END; at += (rd32(at + 4) + 7) & ~7u)
		if (rd32(at) == TAG_MODULE)
			put_module(nmods++, rd32(at + 8), rd32(at + 12), phys(at + 16));
	for (at = info + 8; at + 8 <= end && rd32(at) != TAG_END; at += (rd32(at + 4) + 7) & ~7u) {
		if (rd32(at) != TAG_MMAP)
			continue;
		/* entry_size, entry_version, then entries: base, length, type, reserved. */
		for (uint32_t e = at + 16; e + rd32(at + 8) <= at + rd32(at + 4); e += rd32(at + 8))
			put_mmap(rd64(e), rd64(e + 8), rd32(e + 16));
	}
	gprintf("mem: lower %u KiB, upper %u KiB\n", lower, upper);
	return 0;
}
#endif

/* beat=N from the command line: -1 when absent (no heartbeat). */
static long beats(void)
{
	char v[24];
	unsigned long long n;

	if (cmdline_get(cmdline, "beat", v, sizeof(v)) < 0)
		return -1;
	return parse_ulong(v, &n) == 0 ? (long)n : -1;
}

static unsigned long delay(void)
{
	char v[24];
	unsigned long long n;

	if (cmdline_get(cmdline, "delay", v, sizeof(v)) < 0 || parse_ulong(v, &n) < 0)
		return DEFAULT_DELAY;
	return (unsigned long)n;
}

int mb_main(uint32_t magic, uint32_t info)
{
	long n;

	if (magic != MB_BOOT_MAGIC) {
		gprintf("FAIL: mbtest v%d: EAX is 0x%x, not the multiboot%s boot magic 0x%x: not started by a multiboot v%d loader\n",
			MB_VERSION, magic, MB_VERSION == 1 ? "" : "2", MB_BOOT_MAGIC, MB_VERSION);
		return 1;
	}
	gprintf("mbtest v%d: magic 0x%x ok, boot information at 0x%x\n", MB_VERSION, magic, info);
	if (read_info(info) < 0)
		return 2;
	n = beats();
	for (long k = 1; n >= 0 && (n == 0 || k <= n); k++) {
		delay_loops(delay());
		gprintf("heartbeat %ld\n", k);
	}
	gprintf("mbtest done\n");
	return 0;
}
