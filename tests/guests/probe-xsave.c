/* SPDX-License-Identifier: MIT */
/*
 * probe-xsave (64-bit): XSAVE through Septum's XSETBV handling (SDM Vol. 1
 * §13.3, Vol. 2 XSETBV/XGETBV). CPUID.1 offers XSAVE and reports OSXSAVE
 * as the guest's own CR4 has it; XSETBV without CR4.OSXSAVE is #UD; a
 * value XCR0 does not take (AVX without SSE, x87 clear), XCR1 and anything
 * the CPU lacks are #GP and leave XCR0 alone; a good value reaches the
 * hardware (an AVX instruction runs with AVX in XCR0 and is #UD without);
 * CPUID.(0DH,1) hides XSAVES.
 */
#include "guest.h"

#define CR4_OSXSAVE (1ul << 18)

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0u));
	return ((uint64_t)hi << 32) | lo;
}

static void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory");
}

static void expect(int ok, const char *what, uint64_t got)
{
	guest_check(ok, "probe-xsave: %s (0x%llx)", what, (unsigned long long)got);
}

int main(void)
{
	struct cpuid_regs c1 = cpuid(1, 0), d0, d1;
	uint64_t supported, x;
	int rc;

	idt_install();
	trap_set_handler(VEC_GP, trap_guard_handler);
	trap_set_handler(VEC_UD, trap_guard_handler);
	expect((c1.ecx >> 26) & 1, "CPUID.1: XSAVE offered", c1.ecx);
	if (!((c1.ecx >> 26) & 1))
		return 1;
	expect(!((c1.ecx >> 27) & 1), "CPUID.1: OSXSAVE clear while CR4.OSXSAVE is", c1.ecx);
	rc = guarded_xsetbv(0, 3);
	expect(rc == VEC_UD, "XSETBV without CR4.OSXSAVE: #UD", (uint64_t)rc);

	write_cr4(read_cr4() | CR4_OSXSAVE);
	c1 = cpuid(1, 0);
	expect((c1.ecx >> 27) & 1, "CPUID.1: OSXSAVE set with CR4.OSXSAVE", c1.ecx);
	d0 = cpuid(0xd, 0);
	d1 = cpuid(0xd, 1);
	supported = ((uint64_t)d0.edx << 32) | d0.eax;
	gprintf("probe-xsave: XCR0 components supported 0x%llx\n", (unsigned long long)supported);
	expect(!((d1.eax >> 3) & 1), "CPUID.(0DH,1): XSAVES hidden", d1.eax);
	expect(!((d1.eax >> 1) & 1), "CPUID.(0DH,1): XSAVEC hidden", d1.eax);
	x = xgetbv0();
	expect(x == 1, "XCR0 starts at x87 only", x);

	rc = guarded_xsetbv(0, 3);
	x = xgetbv0();
	expect(rc == 0 && x == 3, "XSETBV x87|SSE taken", x);
	rc = guarded_xsetbv(0, 5);
	x = xgetbv0();
	expect(rc == VEC_GP && x == 3, "XSETBV AVX without SSE: #GP, XCR0 unchanged", x);
	rc = guarded_xsetbv(0, 2);
	expect(rc == VEC_GP, "XSETBV with x87 clear: #GP", (uint64_t)rc);
	rc = guarded_xsetbv(1, 1);
	expect(rc == VEC_GP, "XSETBV to XCR1: #GP", (uint64_t)rc);
	rc = guarded_xsetbv(0, (supported | 3) ^ (1ull << 62));
	expect(rc == VEC_GP, "XSETBV with a component the CPU lacks: #GP", (uint64_t)rc);
	if (supported & 4) {
		rc = guarded_vzeroupper();
		expect(rc == VEC_UD, "AVX with XCR0 = x87|SSE: #UD", (uint64_t)rc);
		rc = guarded_xsetbv(0, 7);
		x = xgetbv0();
		expect(rc == 0 && x == 7, "XSETBV x87|SSE|AVX taken", x);
		rc = guarded_vzeroupper();
		expect(rc == 0, "AVX with AVX in XCR0 runs", (uint64_t)rc);
	} else {
		guest_fail("probe-xsave: no AVX state on this CPU");
	}
	/* What Linux checks before it keeps XSAVE: with every supported
	 * component in XCR0, CPUID.(0DH,0).EBX (the size for the current XCR0)
	 * is where the last component ends (its CPUID.(0DH,i) offset + size). */
	rc = guarded_xsetbv(0, supported);
	{
		uint32_t end = 576, top = 0, packed = 576;

		for (unsigned i = 2; i < 32; i++) {
			struct cpuid_regs di = cpuid(0xd, i);

			if (!((supported >> i) & 1))
				continue;
			gprintf("probe-xsave: component %u: offset %u size %u\n", i, di.ebx, di.eax);
			if (di.ebx + di.eax > end)
				end = di.ebx + di.eax, top = i;
			if (di.ecx & 2)
				packed = (packed + 63) & ~63u;
			packed += di.eax;
		}
		d0 = cpuid(0xd, 0);
		d1 = cpuid(0xd, 1);
		expect(rc == 0 && d0.ebx == end, "CPUID.(0DH,0).EBX matches the last component's end", d0.ebx);
		expect(d1.ebx == packed, "CPUID.(0DH,1).EBX is the compacted size of the same components", d1.ebx);
		gprintf("probe-xsave: XCR0 0x%llx: EBX %u, component %u ends at %u\n", (unsigned long long)supported,
			d0.ebx, top, end);
	}
	guarded_xsetbv(0, 1);
	write_cr4(read_cr4() & ~CR4_OSXSAVE);
	gprintf("probe-xsave: %s\n", guest_failures ? "FAIL: some checks failed" : "all checks passed");
	return guest_failures ? 1 : 0;
}
