// SPDX-License-Identifier: MIT
/*
 * conf-cpuid: what CPUID tells a kernel (Intel SDM Vol. 2A "CPUID"), leaf
 * by leaf, register by register: the vendor, family/model/stepping, the
 * feature flags, cache and topology leaves, XSAVE sizes, the extended
 * leaves. A partition is meant to see the bare CPU's values except what
 * Septum hides or adds on purpose (VMX, SMX, MONITOR, MCA, the hypervisor
 * bit and leaves 0x4000000x, ...): each such difference is listed, with
 * its reason, in allowed.txt, so the list is the exact CPUID policy as a
 * guest observes it. Values that change with time or with the CPU the
 * code runs on (APIC ids, the OSXSAVE echo) are masked here.
 */
#include "conf.h"

static const struct { uint32_t leaf, sub; uint32_t mask[4]; } leaves[] = {
	{ 0x0, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x1, 0, { ~0u, 0x0000ffffu, ~0u, ~0u } },          /* EBX[31:24] initial APIC id, [23:16] count */
	{ 0x6, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x7, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x7, 1, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xa, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xd, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xd, 1, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xd, 2, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x15, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x16, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x40000000, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000000, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000001, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000002, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000006, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000007, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000008, 0, { ~0u, ~0u, ~0u, ~0u } },
};

static const char reg_names[4][4] = { "eax", "ebx", "ecx", "edx" };

int main(void)
{
	char id[40];

	conf_begin("conf-cpuid");
	for (unsigned i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		struct cpuid_regs r = cpuid(leaves[i].leaf, leaves[i].sub);
		uint32_t v[4] = { r.eax, r.ebx, r.ecx, r.edx };

		for (unsigned k = 0; k < 4; k++) {
			/* "leaf.sub.reg", e.g. "1.0.ecx" */
			unsigned n = 0;
			uint32_t x = leaves[i].leaf;
			char hex[9];
			int d = 0;

			do {
				hex[d++] = "0123456789abcdef"[x & 0xf];
				x >>= 4;
			} while (x);
			while (d)
				id[n++] = hex[--d];
			id[n++] = '.';
			id[n++] = (char)('0' + leaves[i].sub);
			id[n++] = '.';
			for (unsigned c = 0; c < 3; c++)
				id[n++] = reg_names[k][c];
			id[n] = 0;
			conf_result(id, "%x", v[k] & leaves[i].mask[k]);
		}
	}
	return 0;
}
