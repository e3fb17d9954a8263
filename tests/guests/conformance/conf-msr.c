// SPDX-License-Identifier: MIT
/*
 * conf-msr: the MSRs a kernel for this CPU model may touch (Intel SDM Vol.
 * 4, "Model-Specific Registers", and Vol. 3A chapters 12 (APIC), 13 (MTRR,
 * PAT), 17 (MCA), 19 (TSC)). For each: whether RDMSR faults and, where the
 * value is architectural or fixed at reset, the value; then write round
 * trips where the register is meant to hold what is written, and the
 * writes that must fault (reserved EFER bits, non-canonical bases).
 */
#include "conf.h"

static const struct { const char *name; uint32_t msr; int show_value; } reads[] = {
	{ "TSC", 0x10, 0 },            { "APIC_BASE", 0x1b, 1 },      { "TSC_ADJUST", 0x3b, 1 },
	{ "SPEC_CTRL", 0x48, 1 },      { "MTRRCAP", 0xfe, 1 },        { "SYSENTER_CS", 0x174, 1 },
	{ "MCG_CAP", 0x179, 1 },       { "MCG_STATUS", 0x17a, 1 },    { "MISC_ENABLE", 0x1a0, 1 },
	{ "PAT", 0x277, 1 },           { "MTRR_DEF_TYPE", 0x2ff, 1 }, { "MTRR_PHYSBASE0", 0x200, 0 },
	{ "MTRR_FIX64K", 0x250, 0 },   { "MC0_CTL", 0x400, 0 },       { "MC0_STATUS", 0x401, 0 },
	{ "TSC_DEADLINE", 0x6e0, 1 },  { "X2APIC_ID", 0x802, 0 },     { "DEBUGCTL", 0x1d9, 1 },
	{ "EFER", 0xc0000080, 1 },     { "STAR", 0xc0000081, 1 },     { "LSTAR", 0xc0000082, 1 },
	{ "FMASK", 0xc0000084, 1 },    { "FS_BASE", 0xc0000100, 1 },  { "KERNEL_GS", 0xc0000102, 1 },
	{ "TSC_AUX", 0xc0000103, 1 },  { "none-12345678", 0x12345678, 0 }, { "none-c0001000", 0xc0001000, 0 },
};

static const struct { const char *name; uint32_t msr; uint64_t val; } roundtrips[] = {
	{ "PAT", 0x277, 0x0007010600070106ull },
	{ "SYSENTER_ESP", 0x175, 0xffff800000001000ull },
	{ "STAR", 0xc0000081, 0x0023001000000000ull },
	{ "LSTAR", 0xc0000082, 0xffffffff81000000ull },
	{ "FMASK", 0xc0000084, 0x47700ull },
	{ "KERNEL_GS", 0xc0000102, 0xffff888000000000ull },
	{ "TSC_AUX", 0xc0000103, 3 },
	{ "TSC_ADJUST", 0x3b, 0 },
	{ "MTRR_DEF_TYPE", 0x2ff, 0xc06 },
};

static const struct { const char *name; uint32_t msr; uint64_t val; } faulting[] = {
	{ "EFER-reserved2", 0xc0000080, 0x504 },
	{ "EFER-reserved63", 0xc0000080, 0x8000000000000500ull },
	{ "EFER-LME-off", 0xc0000080, 0x400 },
	{ "FS_BASE-noncanonical", 0xc0000100, 0x0000800000000000ull },
	{ "PAT-bad-type", 0x277, 0x0007040600070402ull },
	{ "none-12345678", 0x12345678, 0 },
	{ "MTRR_DEF_TYPE-reserved", 0x2ff, 0x10006 },
};

int main(void)
{
	uint64_t v, w;
	int f;

	conf_begin("conf-msr");
	for (unsigned i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		f = guarded_rdmsr(reads[i].msr, &v);
		if (f == 0 && reads[i].show_value)
			conf_result(conf_id("rdmsr.", reads[i].name, ""), "ok %llx", (unsigned long long)v);
		else
			conf_result(conf_id("rdmsr.", reads[i].name, ""), "%s", conf_outcome(f));
	}
	for (unsigned i = 0; i < sizeof(roundtrips) / sizeof(roundtrips[0]); i++) {
		uint64_t old = 0;

		guarded_rdmsr(roundtrips[i].msr, &old);
		f = guarded_wrmsr(roundtrips[i].msr, roundtrips[i].val);
		v = 0;
		if (f == 0)
			guarded_rdmsr(roundtrips[i].msr, &v);
		conf_result(conf_id("wrmsr.", roundtrips[i].name, ""), "%s, reads %llx", conf_outcome(f),
			    (unsigned long long)v);
		guarded_wrmsr(roundtrips[i].msr, old);
	}
	for (unsigned i = 0; i < sizeof(faulting) / sizeof(faulting[0]); i++) {
		uint64_t old = 0;

		guarded_rdmsr(faulting[i].msr, &old);
		f = guarded_wrmsr(faulting[i].msr, faulting[i].val);
		guarded_rdmsr(faulting[i].msr, &v);
		conf_result(conf_id("wrmsr.", faulting[i].name, ""), "%s, reads %llx", conf_outcome(f),
			    (unsigned long long)v);
		if (f == 0)
			guarded_wrmsr(faulting[i].msr, old);
	}
	/* IA32_TIME_STAMP_COUNTER (SDM Vol. 3B §19.17): a write sets the counter,
	 * which then goes on counting from there. */
	f = guarded_wrmsr(0x10, 1ull << 40);
	w = rdtsc();
	conf_result("wrmsr.TSC", "%s, rdtsc after it %s", conf_outcome(f),
		    f ? "-" : (w >= (1ull << 40) && w < (1ull << 40) + (1ull << 36) ? "counts on from it" : "elsewhere"));
	f = guarded_rdmsr(0x10, &v);
	conf_result("rdmsr.TSC-vs-rdtsc", "%s, %s", conf_outcome(f),
		    f ? "-" : (v >= w && v - w < (1ull << 32) ? "agrees" : "differs"));
	return 0;
}
