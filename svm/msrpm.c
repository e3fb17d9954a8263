// SPDX-License-Identifier: MIT
/*
 * The MSR permission map (APM Vol. 2 §15.11) from msr_policy.c's table,
 * the same one VT-x's MSR bitmap comes from: only MSR_PASS accesses are
 * left to the hardware. Pure; tests/unit/test_svm_msrpm.c.
 */
#include <string.h>
#include <hw/x86.h>
#include <septum/msr_policy.h>
#include <svm/backend.h>

/* Byte offset of each 8 K-MSR range in the map; MSRs outside all three
 * always exit. Two bits per MSR: read at 2n, write at 2n + 1. */
static int msrpm_base(uint32_t msr)
{
	if (msr <= 0x1fffu)
		return 0;
	if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		return 0x800;
	if (msr >= 0xc0010000u && msr <= 0xc0011fffu)
		return 0x1000;
	return -1;
}

static void msrpm_set(uint8_t *pm, uint32_t msr, unsigned bit, bool intercept)
{
	int base = msrpm_base(msr);
	unsigned n = (msr & 0x1fffu) * 2 + bit;

	if (base < 0)
		return;
	if (intercept)
		pm[base + n / 8] |= (uint8_t)(1u << (n % 8));
	else
		pm[base + n / 8] &= (uint8_t)~(1u << (n % 8));
}

void svm_msrpm_build(uint8_t msrpm[SVM_MSRPM_SIZE], bool x2apic)
{
	static const uint32_t ranges[3][2] = {
		{ 0, 0x1fff }, { 0xc0000000u, 0xc0001fffu }, { 0xc0010000u, 0xc0011fffu },
	};

	memset(msrpm, 0xff, SVM_MSRPM_SIZE);
	for (unsigned r = 0; r < 3; r++) {
		for (uint32_t m = ranges[r][0]; m <= ranges[r][1]; m++) {
			bool x2 = msr_is_x2apic(m);

			if (x2 && !x2apic)
				continue;
			msrpm_set(msrpm, m, 0, msr_read_access(m) != MSR_PASS);
			msrpm_set(msrpm, m, 1, msr_write_access(m) != MSR_PASS);
		}
	}
	/* EFER.SVME is the backend's: EFER always exits (the policy says so
	 * too; this keeps it true whatever the table says). */
	msrpm_set(msrpm, MSR_EFER, 0, true);
	msrpm_set(msrpm, MSR_EFER, 1, true);
	/* IA32_PAT passes under VT-x, which switches it at entry and exit.
	 * VMRUN does not switch the PAT register: the guest's is G_PAT in the
	 * VMCB (§15.25.8), and a passed-through WRMSR would change the host's
	 * PAT on this CPU, under Septum's own uncached mappings (the xAPIC
	 * page). So it exits, and svm/exit.c keeps it in G_PAT. */
	msrpm_set(msrpm, SVM_MSR_PAT, 0, true);
	msrpm_set(msrpm, SVM_MSR_PAT, 1, true);
}
