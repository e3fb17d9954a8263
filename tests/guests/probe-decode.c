/* SPDX-License-Identifier: MIT */
/*
 * probe-decode (64-bit): touches an assigned function's memory BAR while
 * the function does not decode it (docs/pci.md, "Decoding follows the
 * EPT"). On real hardware such an access ends as an Unsupported Request or
 * a completion timeout, which servers escalate to a platform-fatal error
 * (the class of CVE-2020-12888); Septum takes the BAR out of the EPT when
 * memory decoding is turned off, so the access is an EPT violation that
 * stops this partition only.
 *
 * cmdline: dev=BB:DD.F (a function with a 32-bit memory BAR 0, assigned).
 * Steps, one line each: read the BAR (mapped); memory decoding off and on
 * again, read it again (mapped again); decoding off, read it: Septum must
 * stop the partition before the next line.
 */
#include "guest.h"

#define CF8          0xcf8
#define CFC          0xcfc
#define CF8_ENABLE   0x80000000u
#define CMD_MEMORY   0x2u

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

static unsigned bus, dev, fn;

static uint32_t cfg_read32(unsigned reg)
{
	outl(CF8, CF8_ENABLE | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc));
	return inl(CFC);
}

static void cfg_write32(unsigned reg, uint32_t v)
{
	outl(CF8, CF8_ENABLE | (bus << 16) | (dev << 11) | (fn << 8) | (reg & 0xfc));
	outl(CFC, v);
}

/* The command register is the low half of dword 0x04; the status half is
 * RW1C, so it is written back as 0 (clears nothing). */
static void command(uint16_t v)
{
	cfg_write32(0x04, v);
}

static uint32_t hexval(char c)
{
	return c >= '0' && c <= '9' ? (uint32_t)(c - '0') : (uint32_t)(c - 'a' + 10);
}

int main(void)
{
	char bdf[16];
	uint32_t bar, cmd;
	volatile uint32_t *p;

	if (guest_arg("dev", bdf, sizeof(bdf)) || strlen(bdf) != 7 || bdf[2] != ':' || bdf[5] != '.') {
		gprintf("probe-decode: FAIL: cmdline needs dev=BB:DD.F\n");
		return 1;
	}
	bus = hexval(bdf[0]) * 16 + hexval(bdf[1]);
	dev = hexval(bdf[3]) * 16 + hexval(bdf[4]);
	fn = hexval(bdf[6]);
	bar = cfg_read32(0x10);
	cmd = cfg_read32(0x04) & 0xffff;
	if ((bar & 1) || (bar & 0xfffffff0u) == 0) {
		gprintf("probe-decode: FAIL: BAR 0 is 0x%x, not a memory BAR\n", bar);
		return 1;
	}
	p = (volatile uint32_t *)(uintptr_t)(bar & 0xfffffff0u);
	command((uint16_t)(cmd | CMD_MEMORY));
	gprintf("probe-decode: BAR 0 at 0x%x reads 0x%x\n", bar & 0xfffffff0u, p[0]);
	command((uint16_t)(cmd & ~CMD_MEMORY));
	command((uint16_t)(cmd | CMD_MEMORY));
	gprintf("probe-decode: decoding off and on again: BAR reads 0x%x\n", p[0]);
	command((uint16_t)(cmd & ~CMD_MEMORY));
	gprintf("probe-decode: decoding off (command reads 0x%x), touching the BAR\n", cfg_read32(0x04) & 0xffff);
	gprintf("probe-decode: FAIL: BAR readable without decoding: 0x%x\n", p[0]);
	return 1;
}
