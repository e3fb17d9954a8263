// SPDX-License-Identifier: MIT
#include <string.h>
#include <septum/msr_policy.h>

/* Sorted by first; ranges do not overlap. MSR numbers: SDM Vol. 4. */
static const struct msr_rule rules[] = {
	/* Reads return TSC + TSC_OFFSET without an exit (TSC offsetting, SDM
	 * Vol. 3C §26.3); a write moves this vCPU's offset (kernel/exit/regs.c). */
	{ 0x00000010, 0x00000010, MSR_PASS,    MSR_EMULATE, "IA32_TIME_STAMP_COUNTER",
	  "hardware plus the vCPU's TSC offset (TSC offsetting)", "sets this vCPU's counter through its TSC offset and adds the step to TSC_ADJUST (SDM Vol. 3B §19.17.3)" },
	{ 0x0000001b, 0x0000001b, MSR_EMULATE, MSR_EMULATE, "IA32_APIC_BASE",
	  "virtual: starts at 0xfee00000, enabled, x2APIC, BSP on vCPU 0", "the SDM's transitions (Local APIC modes, below); #GP for the invalid ones, a new base address, a BSP flag change or reserved bits" },
	{ 0x0000003a, 0x0000003a, MSR_EMULATE, MSR_GP,      "IA32_FEATURE_CONTROL",
	  "1 (locked, VMX off)", NULL },
	{ 0x0000003b, 0x0000003b, MSR_EMULATE, MSR_EMULATE, "IA32_TSC_ADJUST",
	  "the vCPU's value (0 at power-on and reset)", "moves this vCPU's counter by the change" },
	{ 0x00000048, 0x00000048, MSR_PASS,    MSR_PASS,    "IA32_SPEC_CTRL",
	  NULL, NULL },
	{ 0x00000049, 0x00000049, MSR_GP,      MSR_PASS,    "IA32_PRED_CMD",
	  NULL, NULL },
	{ 0x0000008b, 0x0000008b, MSR_EMULATE, MSR_ABSORB,  "IA32_BIOS_SIGN_ID",
	  "0x7fffffff in EDX (Bochs reports 0, which makes Linux disable TSC-deadline)", NULL },
	{ 0x000000fe, 0x000000fe, MSR_PASS,    MSR_GP,      "IA32_MTRRCAP",
	  NULL, NULL },
	{ 0x0000010a, 0x0000010a, MSR_EMULATE, MSR_GP,      "IA32_ARCH_CAPABILITIES",
	  "0: no CPU-bug immunity claimed, no x2APIC lock", NULL },
	{ 0x00000174, 0x00000176, MSR_PASS,    MSR_PASS,    "IA32_SYSENTER_CS/ESP/EIP",
	  NULL, NULL },
	{ 0x000001a0, 0x000001a0, MSR_PASS,    MSR_ABSORB,  "IA32_MISC_ENABLE",
	  NULL, NULL },
	{ 0x000001d9, 0x000001d9, MSR_EMULATE, MSR_ABSORB,  "IA32_DEBUGCTL",
	  "0", NULL },
	/* MTRRs are the host's too (with EPT they do not apply to guest
	 * accesses, SDM Vol. 3C §29.3.7.2): guests read them, writes are absorbed. */
	{ 0x00000200, 0x0000021f, MSR_PASS,    MSR_ABSORB,  "IA32_MTRR_PHYSBASE/MASK",
	  NULL, "absorbed (with second-level paging guest MTRRs would not apply anyway); a value the CPU would refuse (reserved bits, a reserved memory type, an address bit at or above MAXPHYADDR) is #GP" },
	{ 0x00000250, 0x00000250, MSR_PASS,    MSR_ABSORB,  "IA32_MTRR_FIX64K",
	  NULL, "absorbed (with second-level paging guest MTRRs would not apply anyway); a value the CPU would refuse (reserved bits, a reserved memory type, an address bit at or above MAXPHYADDR) is #GP" },
	{ 0x00000258, 0x00000259, MSR_PASS,    MSR_ABSORB,  "IA32_MTRR_FIX16K",
	  NULL, "absorbed (with second-level paging guest MTRRs would not apply anyway); a value the CPU would refuse (reserved bits, a reserved memory type, an address bit at or above MAXPHYADDR) is #GP" },
	{ 0x00000268, 0x0000026f, MSR_PASS,    MSR_ABSORB,  "IA32_MTRR_FIX4K",
	  NULL, "absorbed (with second-level paging guest MTRRs would not apply anyway); a value the CPU would refuse (reserved bits, a reserved memory type, an address bit at or above MAXPHYADDR) is #GP" },
	{ 0x00000277, 0x00000277, MSR_PASS,    MSR_PASS,    "IA32_PAT",
	  "hardware, no exit (AMD-V: exits, the guest's value kept in the VMCB's G_PAT)", "hardware, no exit (AMD-V: exits, into G_PAT; a reserved memory type is #GP)" },
	{ 0x000002ff, 0x000002ff, MSR_PASS,    MSR_ABSORB,  "IA32_MTRR_DEF_TYPE",
	  NULL, "absorbed (with second-level paging guest MTRRs would not apply anyway); a value the CPU would refuse (reserved bits, a reserved memory type, an address bit at or above MAXPHYADDR) is #GP" },
	{ 0x000006e0, 0x000006e0, MSR_PASS,    MSR_PASS,    "IA32_TSC_DEADLINE",
	  NULL, NULL },
	/* x2APIC: the partition's CPUs are its own; only the ICR is filtered.
	 * In xAPIC mode or with the APIC disabled the whole range exits and
	 * is #GP (msr_bitmap_build(, false)). */
	{ 0x00000800, 0x0000082f, MSR_PASS,    MSR_PASS,    "x2APIC",
	  "hardware, no exit, in x2APIC mode; #GP in xAPIC mode or with the APIC disabled", "as reads" },
	{ 0x00000830, 0x00000830, MSR_PASS,    MSR_EMULATE, "x2APIC ICR",
	  "hardware, no exit, in x2APIC mode; #GP otherwise", "the IPI filter (IPIs, below)" },
	{ 0x00000831, 0x000008ff, MSR_PASS,    MSR_PASS,    "x2APIC",
	  "hardware, no exit, in x2APIC mode; #GP in xAPIC mode or with the APIC disabled", "as reads" },
	{ 0xc0000080, 0xc0000080, MSR_EMULATE, MSR_EMULATE, "IA32_EFER",
	  "the guest's EFER (a backend's own bits hidden)", "only SCE, LME and NXE (where CPUID.80000001H:EDX.NX) are writable: any other bit is #GP, never stored (it would fail the next VM entry); LME may not change while paging is on (#GP); LMA follows CR0.PG, a written value is ignored" },
	{ 0xc0000081, 0xc0000084, MSR_PASS,    MSR_PASS,    "STAR/LSTAR/CSTAR/FMASK",
	  NULL, NULL },
	{ 0xc0000100, 0xc0000102, MSR_PASS,    MSR_PASS,    "FS/GS/KERNEL_GS_BASE",
	  NULL, NULL },
	{ 0xc0000103, 0xc0000103, MSR_PASS,    MSR_PASS,    "IA32_TSC_AUX",
	  NULL, NULL },
};

size_t msr_rules(const struct msr_rule **out)
{
	*out = rules;
	return ARRAY_SIZE(rules);
}

const struct msr_rule *msr_rule_find(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last)
			return &rules[i];
	return NULL;
}

enum msr_access msr_read_access(uint32_t msr)
{
	const struct msr_rule *r = msr_rule_find(msr);

	return r ? (enum msr_access)r->read : MSR_GP;
}

enum msr_access msr_write_access(uint32_t msr)
{
	const struct msr_rule *r = msr_rule_find(msr);

	return r ? (enum msr_access)r->write : MSR_GP;
}

static bool mtrr_type_ok(uint64_t type)
{
	return type == 0 || type == 1 || type == 4 || type == 5 || type == 6;
}

bool msr_mtrr_write_ok(uint32_t msr, uint64_t val, unsigned maxphyaddr)
{
	uint64_t above = maxphyaddr >= 64 ? 0 : ~0ull << maxphyaddr;

	if (msr == 0x2ff)                                       /* IA32_MTRR_DEF_TYPE: type, FE, E */
		return !(val & ~0xcffull) && mtrr_type_ok(val & 0xff);
	if (msr == 0x250 || msr == 0x258 || msr == 0x259 || (msr >= 0x268 && msr <= 0x26f)) {
		for (unsigned i = 0; i < 8; i++)                /* eight types, one per byte */
			if (!mtrr_type_ok((val >> (8 * i)) & 0xff))
				return false;
		return true;
	}
	if (msr >= 0x200 && msr <= 0x21f) {
		if (msr & 1)                                    /* PHYSMASKn: mask, valid (bit 11) */
			return !(val & (0x7ffull | above));
		return !(val & (0xf00ull | above)) && mtrr_type_ok(val & 0xff);
	}
	return true;
}

/* Bitmap layout (SDM Vol. 3C §25.6.9): read-low (MSRs 0-0x1fff) at 0,
 * read-high (0xc0000000-0xc0001fff) at 1024, write-low at 2048, write-high
 * at 3072. MSRs outside both ranges always exit. */
static void clear_bit(uint8_t *bitmap, unsigned base, uint32_t msr)
{
	uint32_t idx = msr & 0x1fff;

	bitmap[base + idx / 8] &= (uint8_t)~(1u << (idx % 8));
}

void msr_bitmap_build(uint8_t bitmap[MSR_BITMAP_SIZE], bool x2apic)
{
	memset(bitmap, 0xff, MSR_BITMAP_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		for (uint64_t m = rules[i].first; m <= rules[i].last; m++) {
			bool low = m <= 0x1fff, high = m >= 0xc0000000 && m <= 0xc0001fff;

			if (!low && !high)
				continue;
			if (rules[i].read == MSR_PASS)
				clear_bit(bitmap, high ? 1024 : 0, (uint32_t)m);
			if (rules[i].write == MSR_PASS)
				clear_bit(bitmap, high ? 3072 : 2048, (uint32_t)m);
		}
	}
	if (!x2apic) {
		/* MSRs 0x800-0x8ff: 32 bytes from byte 0x100 of each low half. */
		memset(bitmap + X2APIC_MSR_FIRST / 8, 0xff, 0x100 / 8);
		memset(bitmap + 2048 + X2APIC_MSR_FIRST / 8, 0xff, 0x100 / 8);
	}
}
