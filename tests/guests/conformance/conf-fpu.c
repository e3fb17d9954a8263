// SPDX-License-Identifier: MIT
/*
 * conf-fpu: x87, SSE and XSAVE state as a kernel sets them up (Intel SDM
 * Vol. 1 chapters 8, 10 and 13; Vol. 3A §2.5 and §13: CR0.TS/EM/MP,
 * CR4.OSFXSR/OSXSAVE). Which instructions fault in which control-register
 * state (#NM, #UD), the default control words after FNINIT and FXRSTOR
 * defaults, XGETBV/XSETBV rules, and the XSAVE area sizes CPUID reports
 * for the enabled components.
 */
#include "conf.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)

static uint8_t area[4096] __attribute__((aligned(64)));

static int guarded_xgetbv0(void)
{
	uint32_t lo = 0, hi = 0;

	guard_last = (struct guard_fault){ 0, 0, 0, 0 };
	__asm__ volatile("lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\txgetbv\n1:"
			 : "+a"(lo), "+d"(hi) : "c"(0) : "r11", "memory");
	guard_resume = 0;
	return guard_last.rip ? (int)guard_last.vector : 0;
}

static void set_cr0_bits(uint64_t set, uint64_t clear)
{
	guarded_write_cr0((read_cr0() | set) & ~clear);
}

static void set_cr4_bits(uint64_t set, uint64_t clear)
{
	guarded_write_cr4((read_cr4() | set) & ~clear);
}

static void x87_cases(const char *state)
{
	conf_result(conf_id("fninit.", state, ""), "%s", conf_outcome(GUARDED("fninit", "m"(area[0]))));
	conf_result(conf_id("fwait.", state, ""), "%s", conf_outcome(GUARDED("fwait", "m"(area[0]))));
	conf_result(conf_id("fnstcw.", state, ""), "%s", conf_outcome(GUARDED("fnstcw %0", "m"(area[0]))));
	conf_result(conf_id("fxsave.", state, ""), "%s", conf_outcome(GUARDED("fxsave64 %0", "m"(area[0]))));
	conf_result(conf_id("sse-xorps.", state, ""), "%s",
		    conf_outcome(GUARDED(".byte 0x0f, 0x57, 0xc0" /* xorps %xmm0,%xmm0 */, "m"(area[0]))));
}

int main(void)
{
	uint16_t cw = 0;
	uint32_t mxcsr = 0, lo, hi;
	struct cpuid_regs r;

	conf_begin("conf-fpu");
	/* From the entry state (CR0.MP/EM/TS clear, CR4.OSFXSR clear). */
	set_cr0_bits(CR0_MP, CR0_EM | CR0_TS);
	x87_cases("mp");
	set_cr0_bits(CR0_TS, 0);
	x87_cases("mp-ts");
	set_cr0_bits(CR0_EM, CR0_TS);
	x87_cases("mp-em");
	set_cr0_bits(0, CR0_EM);
	set_cr4_bits(CR4_OSFXSR | CR4_OSXMMEXCPT, 0);
	x87_cases("osfxsr");

	/* Defaults (Vol. 1 §8.1.5, §10.2.3). */
	__asm__ volatile("fninit; fnstcw %0" : "=m"(cw));
	conf_result("fcw-after-fninit", "%x", cw);
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	conf_result("mxcsr", "%x", mxcsr);
	conf_result("ldmxcsr-reserved", "%s", conf_outcome(GUARDED("ldmxcsr %0", "m"(*(const uint32_t[]){ 0xffff0000u }))));

	/* XSAVE (Vol. 1 §13.3): XGETBV/XSETBV need CR4.OSXSAVE. */
	conf_result("xgetbv-no-osxsave", "%s", conf_outcome(guarded_xgetbv0()));
	r = cpuid(1, 0);
	conf_result("cpuid1.osxsave-before", "%u", (r.ecx >> 27) & 1);
	set_cr4_bits(CR4_OSXSAVE, 0);
	r = cpuid(1, 0);
	conf_result("cpuid1.osxsave-after", "%u", (r.ecx >> 27) & 1);
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	conf_result("xcr0-initial", "%x:%x", hi, lo);
	conf_result("xsetbv-x87-only", "%s", conf_outcome(guarded_xsetbv(0, 1)));
	conf_result("xsetbv-no-x87", "%s", conf_outcome(guarded_xsetbv(0, 2)));
	conf_result("xsetbv-avx-no-sse", "%s", conf_outcome(guarded_xsetbv(0, 5)));
	conf_result("xsetbv-xcr1", "%s", conf_outcome(guarded_xsetbv(1, 1)));
	conf_result("xsetbv-x87-sse", "%s", conf_outcome(guarded_xsetbv(0, 3)));
	r = cpuid(0xd, 0);
	conf_result("cpuid-d0.ebx-x87-sse", "%u", r.ebx);
	conf_result("xsetbv-x87-sse-avx", "%s", conf_outcome(guarded_xsetbv(0, 7)));
	r = cpuid(0xd, 0);
	conf_result("cpuid-d0.ebx-x87-sse-avx", "%u", r.ebx);
	conf_result("vzeroupper-avx-on", "%s", conf_outcome(guarded_vzeroupper()));
	guarded_xsetbv(0, 3);
	conf_result("vzeroupper-avx-off", "%s", conf_outcome(guarded_vzeroupper()));
	conf_result("xsave64", "%s", conf_outcome(GUARDED("xsave64 %0", "m"(area[0]), "a"(3), "d"(0))));
	conf_result("xsave-header-xstate_bv-x87-sse-only", "%u",
		    (unsigned)(*(volatile uint64_t *)&area[512] & ~3ull) == 0);
	return 0;
}
