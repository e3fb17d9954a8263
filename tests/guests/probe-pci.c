/* SPDX-License-Identifier: MIT */
/*
 * probe-pci (64-bit): what a partition sees of PCI through configuration
 * mechanism #1 (ports 0xcf8/0xcfc, PCI Local Bus Specification 3.0
 * §3.2.2.3.2). Prints one line per function found on bus 0 and checks,
 * one line each, what docs/pci.md promises:
 *   - CONFIG_ADDRESS is a dword latch; byte accesses to 0xcf8 do not touch it;
 *   - 00:00.0 is Septum's virtual host bridge (8086:1237, class 06/00), read-only;
 *   - an assigned function (cmdline dev=BB:DD.F) has no expansion ROM and
 *     BAR sizing writes never move its BARs;
 *   - the number of functions seen equals cmdline expect=N.
 * Exits 0 when every check passed, else the number of failures.
 */
#include "guest.h"

#define CF8          0xcf8
#define CFC          0xcfc
#define CF8_ENABLE   0x80000000u

static int failures;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	failures++;
	uart_puts("probe-pci: FAIL: ");
	va_start(ap, fmt);
	gvprintf(fmt, ap);
	va_end(ap);
	uart_putc('\n');
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

/* gprintf has no field widths: v as exactly n hex digits, in a static
 * buffer per call site slot (slot 0-3). */
static const char *hx(unsigned slot, uint32_t v, unsigned n)
{
	static char buf[4][9];
	char *b = buf[slot & 3];

	for (unsigned i = 0; i < n; i++)
		b[n - 1 - i] = "0123456789abcdef"[(v >> (4 * i)) & 0xf];
	b[n] = '\0';
	return b;
}

static uint32_t addr(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	return CF8_ENABLE | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc);
}

static uint32_t cfg_read32(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(CF8, addr(bus, dev, fn, reg));
	return inl(CFC);
}

static void cfg_write32(unsigned bus, unsigned dev, unsigned fn, unsigned reg, uint32_t v)
{
	outl(CF8, addr(bus, dev, fn, reg));
	outl(CFC, v);
}

static uint16_t cfg_read16(unsigned bus, unsigned dev, unsigned fn, unsigned reg)
{
	outl(CF8, addr(bus, dev, fn, reg));
	return inw((uint16_t)(CFC + (reg & 2)));
}

static void check_latch(void)
{
	outl(CF8, 0x80001234u);
	outb(CF8, 0x00);                           /* not a config cycle (§3.2.2.3.2) */
	if (inl(CF8) != 0x80001234u)
		fail("CONFIG_ADDRESS reads 0x%x after a byte write, not 0x80001234", inl(CF8));
	else
		gprintf("probe-pci: CONFIG_ADDRESS latch ok\n");
	outl(CF8, 0);
}

static void check_host_bridge(void)
{
	uint32_t id = cfg_read32(0, 0, 0, 0x00), class = cfg_read32(0, 0, 0, 0x08) >> 8;

	if (id != 0x12378086u || class != 0x060000u) {
		fail("00:00.0 is %x class %x, not Septum's host bridge 12378086 class 060000", id, class);
		return;
	}
	cfg_write32(0, 0, 0, 0x04, 0x7);
	cfg_write32(0, 0, 0, 0x00, 0);
	if (cfg_read32(0, 0, 0, 0x00) != id || cfg_read16(0, 0, 0, 0x04) != 0)
		fail("00:00.0 took a write");
	else
		gprintf("probe-pci: host bridge 8086:1237 class 0600 read-only\n");
}

/* BAR sizing on the assigned function: all ones, read, write back; the
 * value afterwards must be the one before (Septum refuses relocation). */
static void check_assigned(unsigned bus, unsigned dev, unsigned fn)
{
	unsigned bars = 0;

	for (unsigned reg = 0x10; reg < 0x28; reg += 4) {
		uint32_t before = cfg_read32(bus, dev, fn, reg), mask;

		cfg_write32(bus, dev, fn, reg, 0xffffffffu);
		mask = cfg_read32(bus, dev, fn, reg);
		cfg_write32(bus, dev, fn, reg, before);
		if (mask)
			bars++;
		if (cfg_read32(bus, dev, fn, reg) != before)
			fail("BAR at 0x%x moved: 0x%x -> 0x%x", reg, before, cfg_read32(bus, dev, fn, reg));
		/* An I/O BAR's ports are the device's: a read reaches it without
		 * an exit (the scenario checks Septum's count), and returns what
		 * the device holds, not Septum's "nothing there" (all ones). */
		if (mask && (before & 1) && (before & 0xfffcu)) {
			uint16_t port = (uint16_t)((before & 0xfffcu) + 2);
			uint8_t v = inb(port);

			if (v == 0xff)
				fail("I/O BAR at 0x%x: port 0x%x reads 0xff, as if nothing were there", reg, port);
			else
				gprintf("probe-pci: I/O BAR at 0x%x: port 0x%x reads the device\n", reg, port);
		}
	}
	cfg_write32(bus, dev, fn, 0x30, 0xfffff800u);
	if (cfg_read32(bus, dev, fn, 0x30) != 0)
		fail("expansion ROM BAR of %s:%s.%x is visible", hx(0, bus, 2), hx(1, dev, 2), fn);
	gprintf("probe-pci: %s:%s.%x has %u BARs, no ROM\n", hx(0, bus, 2), hx(1, dev, 2), fn, bars);
}

/* "BB:DD.F" in hex, as lspci and the config write it. */
static int parse_bdf(const char *s, unsigned *bus, unsigned *dev, unsigned *fn)
{
	unsigned v[3] = { 0, 0, 0 }, i = 0, digits = 0;

	for (; *s; s++) {
		char c = *s;

		if ((c == ':' && i == 0) || (c == '.' && i == 1)) {
			if (!digits)
				return -1;
			i++;
			digits = 0;
		} else if (c >= '0' && c <= '9') {
			v[i] = v[i] * 16 + (unsigned)(c - '0');
			digits++;
		} else if (c >= 'a' && c <= 'f') {
			v[i] = v[i] * 16 + (unsigned)(c - 'a' + 10);
			digits++;
		} else {
			return -1;
		}
	}
	if (i != 2 || !digits || v[1] > 31 || v[2] > 7)
		return -1;
	*bus = v[0];
	*dev = v[1];
	*fn = v[2];
	return 0;
}

int main(void)
{
	unsigned long long expect = guest_arg_ulong("expect", 0);
	unsigned found = 0, bus = 0, dev = 0, fn = 0;
	char bdf[16];
	int have_dev = guest_arg("dev", bdf, sizeof(bdf)) == 0;

	if (have_dev && parse_bdf(bdf, &bus, &dev, &fn)) {
		fail("cmdline dev=%s is not BB:DD.F", bdf);
		have_dev = 0;
	}
	check_latch();
	for (unsigned d = 0; d < 32; d++)
		for (unsigned f = 0; f < 8; f++) {
			uint32_t id = cfg_read32(0, d, f, 0x00);

			if ((id & 0xffff) == 0xffff)
				continue;
			found++;
			gprintf("probe-pci: found 00:%s.%x %s:%s class %s\n", hx(0, d, 2), f, hx(1, id & 0xffff, 4),
				hx(2, id >> 16, 4), hx(3, cfg_read32(0, d, f, 0x08) >> 8, 6));
		}
	check_host_bridge();
	if (have_dev)
		check_assigned(bus, dev, fn);
	gprintf("probe-pci: %u functions on bus 0\n", found);
	if (found != expect)
		fail("saw %u functions, expected %llu", found, expect);
	gprintf("probe-pci: done, %d failures\n", failures);
	return failures;
}
