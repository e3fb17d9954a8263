// SPDX-License-Identifier: MIT
/*
 * conf-cr: CR0 and CR4 as a 64-bit kernel writes them (Intel SDM Vol. 3A
 * §2.5 "Control Registers", §2.5.1 and the MOV-to-CR rules in Vol. 2B
 * "MOV—Move to/from Control Registers"). Each bit is set and cleared from
 * the entry state (CR0 = PG|NE|ET|PE, CR4 = PAE); the result is the outcome
 * of the write and the value read back. Legal values must be kept exactly
 * as written (ET reads as 1), illegal ones must fault the same way.
 */
#include "conf.h"

static uint64_t base_cr0, base_cr4;

static void try_cr0(const char *id, uint64_t val)
{
	int v = guarded_write_cr0(val);
	uint64_t got = read_cr0();

	conf_result(id, "%s, reads %llx", conf_outcome(v), (unsigned long long)got);
	guarded_write_cr0(base_cr0);
}

static void try_cr4(const char *id, uint64_t val)
{
	int v = guarded_write_cr4(val);
	uint64_t got = read_cr4();

	conf_result(id, "%s, reads %llx", conf_outcome(v), (unsigned long long)got);
	guarded_write_cr4(base_cr4);
}

static const struct { const char *name; unsigned bit; } cr0_bits[] = {
	{ "MP", 1 }, { "EM", 2 }, { "TS", 3 }, { "ET", 4 }, { "NE", 5 }, { "WP", 16 },
	{ "AM", 18 }, { "NW", 29 }, { "CD", 30 }, { "reserved6", 6 }, { "reserved17", 17 },
	{ "reserved28", 28 }, { "bit32", 32 }, { "bit63", 63 },
};

static const struct { const char *name; unsigned bit; } cr4_bits[] = {
	{ "VME", 0 }, { "PVI", 1 }, { "TSD", 2 }, { "DE", 3 }, { "PSE", 4 }, { "MCE", 6 },
	{ "PGE", 7 }, { "PCE", 8 }, { "OSFXSR", 9 }, { "OSXMMEXCPT", 10 }, { "UMIP", 11 },
	{ "LA57", 12 }, { "SMXE", 14 }, { "FSGSBASE", 16 }, { "PCIDE", 17 }, { "OSXSAVE", 18 },
	{ "KL", 19 }, { "SMEP", 20 }, { "SMAP", 21 }, { "PKE", 22 }, { "CET", 23 }, { "PKS", 24 },
	{ "reserved15", 15 }, { "reserved31", 31 }, { "bit32", 32 },
};

int main(void)
{
	conf_begin("conf-cr");
	base_cr0 = read_cr0();
	base_cr4 = read_cr4();
	conf_result("cr0.entry", "%llx", (unsigned long long)base_cr0);
	conf_result("cr4.entry", "%llx", (unsigned long long)base_cr4);

	for (unsigned i = 0; i < sizeof(cr0_bits) / sizeof(cr0_bits[0]); i++) {
		uint64_t m = 1ull << cr0_bits[i].bit;

		try_cr0(conf_id("cr0.", cr0_bits[i].name, ".flip"), base_cr0 ^ m);
	}
	/* The combinations the SDM names: NW without CD is #GP; CD|NW is legal;
	 * paging or protection off in IA-32e mode is #GP; PG|WP|PE without NE
	 * and ET (the value of issue 12's report). */
	try_cr0("cr0.CD+NW", base_cr0 | (1u << 30) | (1u << 29));
	try_cr0("cr0.NW-only", (base_cr0 | (1u << 29)) & ~(1ull << 30));
	try_cr0("cr0.PG-off", base_cr0 & ~(1ull << 31));
	try_cr0("cr0.PE-off", base_cr0 & ~1ull);
	try_cr0("cr0.80010001", 0x80010001ull);
	try_cr0("cr0.NE-off+TS", (base_cr0 & ~(1ull << 5)) | (1u << 3));

	for (unsigned i = 0; i < sizeof(cr4_bits) / sizeof(cr4_bits[0]); i++) {
		uint64_t m = 1ull << cr4_bits[i].bit;

		try_cr4(conf_id("cr4.", cr4_bits[i].name, ".flip"), base_cr4 ^ m);
	}
	try_cr4("cr4.PAE-off", base_cr4 & ~(1ull << 5));
	return 0;
}
