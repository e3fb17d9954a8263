/* SPDX-License-Identifier: MIT */
/*
 * The MSR policy: one table saying, for every MSR a partition may touch,
 * whether reads and writes go straight to the hardware (the CPU is the
 * partition's alone, so per-CPU state such as LSTAR or the x2APIC timer can
 * be the guest's), are emulated by Septum, are silently absorbed, or raise
 * #GP. An MSR not in the table raises #GP: nothing is dropped unnoticed.
 * docs/platform.md is the prose version of this table.
 */
#ifndef SEPTUM_MSR_POLICY_H
#define SEPTUM_MSR_POLICY_H

#include <septum/types.h>

enum msr_access {
	MSR_GP = 0,       /* #GP(0), as for an MSR the CPU does not have */
	MSR_PASS,         /* no exit: the guest uses the hardware register */
	MSR_EMULATE,      /* exit; Septum computes the value / applies the write */
	MSR_ABSORB,       /* writes only: exit, and the write is dropped (the value stays the host's) */
};

struct msr_rule {
	uint32_t first, last;     /* inclusive range */
	uint8_t read, write;      /* enum msr_access */
	const char *name;
	/* What the guest gets, for docs/platform.md (tools/gen-platform.c);
	 * NULL: the access kind says it all. */
	const char *read_doc, *write_doc;
};

/* The whole table, sorted by first (for the generated documentation). */
size_t msr_rules(const struct msr_rule **out);

#define MSR_BITMAP_SIZE 4096

/* The rule for msr, or NULL (then both directions are MSR_GP). */
const struct msr_rule *msr_rule_find(uint32_t msr);
enum msr_access msr_read_access(uint32_t msr);
enum msr_access msr_write_access(uint32_t msr);

/* The x2APIC registers (SDM Vol. 3A §11.12.1.2): MSRs only while the
 * guest's APIC is in x2APIC mode, #GP otherwise. */
#define X2APIC_MSR_FIRST 0x800u
#define X2APIC_MSR_LAST  0x8ffu
static inline bool msr_is_x2apic(uint32_t msr)
{
	return msr >= X2APIC_MSR_FIRST && msr <= X2APIC_MSR_LAST;
}

/* Fill a VMX MSR bitmap (SDM Vol. 3C §25.6.9): a set bit makes the access
 * exit. Only MSR_PASS accesses are left clear, and the x2APIC range only
 * when @x2apic (the guest's APIC is in x2APIC mode). */
/*
 * Whether a WRMSR of val to an MTRR (IA32_MTRR_DEF_TYPE, the fixed-range
 * MTRRs, IA32_MTRR_PHYSBASEn/PHYSMASKn) is one the CPU accepts (Intel SDM
 * Vol. 3A §13.11.2-§13.11.2.3): memory types 0, 1, 4, 5, 6 only, no
 * reserved bit set, no address bit at or above maxphyaddr. The writes are
 * absorbed, but one the CPU would refuse must still be #GP. Other MSRs: true.
 */
bool msr_mtrr_write_ok(uint32_t msr, uint64_t val, unsigned maxphyaddr);

void msr_bitmap_build(uint8_t bitmap[MSR_BITMAP_SIZE], bool x2apic);

/* Value guests read from IA32_BIOS_SIGN_ID (0x8b), the microcode revision.
 * Linux disables TSC-deadline on some models when it looks too old (Bochs
 * reports 0), so Septum reports a revision newer than any erratum fix. */
#define SEPTUM_GUEST_UCODE_REV 0x7fffffffull

/* IA32_ARCH_CAPABILITIES as guests read it: nothing claimed. Claiming
 * immunity to a CPU bug would be a lie (the guest keeps its mitigations),
 * and the x2APIC is not locked (bit 21 clear): a guest may switch its APIC
 * to xAPIC mode or disable it (docs/platform.md). */
#define SEPTUM_GUEST_ARCH_CAPABILITIES 0ull

#endif
