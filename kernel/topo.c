/* SPDX-License-Identifier: MIT */
/*
 * CPU topology from the x2APIC id (contract and SDM references in
 * <septum/topo.h>).
 */
#include <septum/topo.h>

#define LEVEL_SHIFT(eax)  ((eax) & 0x1fu)           /* EAX[4:0] */
#define LEVEL_TYPE(ecx)   (((ecx) >> 8) & 0xffu)    /* ECX[15:8] */
#define LEVEL_CPUS(ebx)   ((ebx) & 0xffffu)         /* EBX[15:0] */

bool topo_shifts_parse(const uint32_t sub[][4], unsigned n, struct topo_shifts *out)
{
	unsigned prev = 0, last = 0;

	/* A CPU without the leaf answers subleaf 0 with EBX = 0 (SDM: "if
	 * EBX[15:0] = 0 ... leaf not supported"); subleaf 0 is always SMT. */
	if (n == 0 || LEVEL_CPUS(sub[0][1]) == 0 || LEVEL_TYPE(sub[0][2]) != TOPO_LEVEL_SMT)
		return false;
	for (unsigned i = 0; i < n && i < TOPO_MAX_LEVELS; i++) {
		unsigned shift = LEVEL_SHIFT(sub[i][0]);

		if (LEVEL_TYPE(sub[i][2]) == TOPO_LEVEL_INVALID)
			break;
		/* Each level contains the one below: its field starts higher
		 * (equal is allowed: a level with one member, e.g. no SMT). */
		if (shift < prev || shift > 32)
			return false;
		prev = shift;
		last = shift;
	}
	out->smt_shift = LEVEL_SHIFT(sub[0][0]);
	out->pkg_shift = last;
	return true;
}

#define CPUID1_EDX_HTT (1u << 28)

/* Smallest n with 2^n >= v (v >= 1). */
static unsigned ceil_log2(uint32_t v)
{
	unsigned n = 0;

	while (n < 32 && (1ull << n) < v)
		n++;
	return n;
}

void topo_shifts_legacy(uint32_t leaf1_ebx, uint32_t leaf1_edx, uint32_t leaf4_eax, struct topo_shifts *out)
{
	uint32_t ids = (leaf1_ebx >> 16) & 0xff;
	unsigned core_bits = ceil_log2(((leaf4_eax >> 26) & 0x3f) + 1);

	out->smt_shift = 0;
	out->pkg_shift = 0;
	if (!(leaf1_edx & CPUID1_EDX_HTT) || ids <= 1)
		return;
	out->pkg_shift = ceil_log2(ids);
	out->smt_shift = core_bits < out->pkg_shift ? out->pkg_shift - core_bits : 0;
}

static uint32_t low_bits(uint32_t v, unsigned n)
{
	return n >= 32 ? v : v & ((1u << n) - 1);
}

struct topo_id topo_decompose(uint32_t apic_id, const struct topo_shifts *s)
{
	struct topo_id t;

	t.thread = low_bits(apic_id, s->smt_shift);
	t.core = s->smt_shift >= 32 ? 0 : low_bits(apic_id >> s->smt_shift, s->pkg_shift - s->smt_shift);
	t.package = s->pkg_shift >= 32 ? 0 : apic_id >> s->pkg_shift;
	return t;
}
