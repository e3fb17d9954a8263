// SPDX-License-Identifier: MIT
/*
 * Names of SVM exit codes (AMD APM Vol. 2, Appendix C), for logs and exit
 * counters. The ranged codes (one per CR, DR and exception vector) name
 * their register or vector; everything else comes from one table indexed
 * by code, so a missing entry is visible as a gap.
 */
#include <svm/vmcb.h>

#define N16(p, s) p "0" s, p "1" s, p "2" s, p "3" s, p "4" s, p "5" s, p "6" s, p "7" s, \
	p "8" s, p "9" s, p "10" s, p "11" s, p "12" s, p "13" s, p "14" s, p "15" s

static const char *const cr_read[16] = { N16("CR", "_READ") };
static const char *const cr_write[16] = { N16("CR", "_WRITE") };
static const char *const dr_read[16] = { N16("DR", "_READ") };
static const char *const dr_write[16] = { N16("DR", "_WRITE") };
static const char *const cr_write_trap[16] = { N16("CR", "_WRITE_TRAP") };
static const char *const excp[32] = {
	N16("EXCP", ""),
	"EXCP16", "EXCP17", "EXCP18", "EXCP19", "EXCP20", "EXCP21", "EXCP22", "EXCP23",
	"EXCP24", "EXCP25", "EXCP26", "EXCP27", "EXCP28", "EXCP29", "EXCP30", "EXCP31",
};

/* Codes 0x060..0x0a4, one name each. */
static const char *const misc[] = {
	[VMEXIT_INTR - VMEXIT_INTR]              = "INTR",
	[VMEXIT_NMI - VMEXIT_INTR]               = "NMI",
	[VMEXIT_SMI - VMEXIT_INTR]               = "SMI",
	[VMEXIT_INIT - VMEXIT_INTR]              = "INIT",
	[VMEXIT_VINTR - VMEXIT_INTR]             = "VINTR",
	[VMEXIT_CR0_SEL_WRITE - VMEXIT_INTR]     = "CR0_SEL_WRITE",
	[VMEXIT_IDTR_READ - VMEXIT_INTR]         = "IDTR_READ",
	[VMEXIT_GDTR_READ - VMEXIT_INTR]         = "GDTR_READ",
	[VMEXIT_LDTR_READ - VMEXIT_INTR]         = "LDTR_READ",
	[VMEXIT_TR_READ - VMEXIT_INTR]           = "TR_READ",
	[VMEXIT_IDTR_WRITE - VMEXIT_INTR]        = "IDTR_WRITE",
	[VMEXIT_GDTR_WRITE - VMEXIT_INTR]        = "GDTR_WRITE",
	[VMEXIT_LDTR_WRITE - VMEXIT_INTR]        = "LDTR_WRITE",
	[VMEXIT_TR_WRITE - VMEXIT_INTR]          = "TR_WRITE",
	[VMEXIT_RDTSC - VMEXIT_INTR]             = "RDTSC",
	[VMEXIT_RDPMC - VMEXIT_INTR]             = "RDPMC",
	[VMEXIT_PUSHF - VMEXIT_INTR]             = "PUSHF",
	[VMEXIT_POPF - VMEXIT_INTR]              = "POPF",
	[VMEXIT_CPUID - VMEXIT_INTR]             = "CPUID",
	[VMEXIT_RSM - VMEXIT_INTR]               = "RSM",
	[VMEXIT_IRET - VMEXIT_INTR]              = "IRET",
	[VMEXIT_SWINT - VMEXIT_INTR]             = "SWINT",
	[VMEXIT_INVD - VMEXIT_INTR]              = "INVD",
	[VMEXIT_PAUSE - VMEXIT_INTR]             = "PAUSE",
	[VMEXIT_HLT - VMEXIT_INTR]               = "HLT",
	[VMEXIT_INVLPG - VMEXIT_INTR]            = "INVLPG",
	[VMEXIT_INVLPGA - VMEXIT_INTR]           = "INVLPGA",
	[VMEXIT_IOIO - VMEXIT_INTR]              = "IOIO",
	[VMEXIT_MSR - VMEXIT_INTR]               = "MSR",
	[VMEXIT_TASK_SWITCH - VMEXIT_INTR]       = "TASK_SWITCH",
	[VMEXIT_FERR_FREEZE - VMEXIT_INTR]       = "FERR_FREEZE",
	[VMEXIT_SHUTDOWN - VMEXIT_INTR]          = "SHUTDOWN",
	[VMEXIT_VMRUN - VMEXIT_INTR]             = "VMRUN",
	[VMEXIT_VMMCALL - VMEXIT_INTR]           = "VMMCALL",
	[VMEXIT_VMLOAD - VMEXIT_INTR]            = "VMLOAD",
	[VMEXIT_VMSAVE - VMEXIT_INTR]            = "VMSAVE",
	[VMEXIT_STGI - VMEXIT_INTR]              = "STGI",
	[VMEXIT_CLGI - VMEXIT_INTR]              = "CLGI",
	[VMEXIT_SKINIT - VMEXIT_INTR]            = "SKINIT",
	[VMEXIT_RDTSCP - VMEXIT_INTR]            = "RDTSCP",
	[VMEXIT_ICEBP - VMEXIT_INTR]             = "ICEBP",
	[VMEXIT_WBINVD - VMEXIT_INTR]            = "WBINVD",
	[VMEXIT_MONITOR - VMEXIT_INTR]           = "MONITOR",
	[VMEXIT_MWAIT - VMEXIT_INTR]             = "MWAIT",
	[VMEXIT_MWAIT_CONDITIONAL - VMEXIT_INTR] = "MWAIT_CONDITIONAL",
	[VMEXIT_XSETBV - VMEXIT_INTR]            = "XSETBV",
	[VMEXIT_RDPRU - VMEXIT_INTR]             = "RDPRU",
	[VMEXIT_EFER_WRITE_TRAP - VMEXIT_INTR]   = "EFER_WRITE_TRAP",
	/* 0x090-0x09f: CRn_WRITE_TRAP, from cr_write_trap[] */
	[VMEXIT_INVLPGB - VMEXIT_INTR]           = "INVLPGB",
	[VMEXIT_INVLPGB_ILLEGAL - VMEXIT_INTR]   = "INVLPGB_ILLEGAL",
	[VMEXIT_INVPCID - VMEXIT_INTR]           = "INVPCID",
	[VMEXIT_MCOMMIT - VMEXIT_INTR]           = "MCOMMIT",
	[VMEXIT_TLBSYNC - VMEXIT_INTR]           = "TLBSYNC",
};

_Static_assert(ARRAY_SIZE(misc) == VMEXIT_TLBSYNC - VMEXIT_INTR + 1, "misc[] ends at TLBSYNC");

const char *svm_exit_name(uint64_t code)
{
	const char *name = NULL;

	if (code <= VMEXIT_CR15_READ)
		return cr_read[code];
	if (code <= VMEXIT_CR15_WRITE)
		return cr_write[code - VMEXIT_CR0_WRITE];
	if (code <= VMEXIT_DR15_READ)
		return dr_read[code - VMEXIT_DR0_READ];
	if (code <= VMEXIT_DR15_WRITE)
		return dr_write[code - VMEXIT_DR0_WRITE];
	if (code <= VMEXIT_EXCP31)
		return excp[code - VMEXIT_EXCP0];
	if (code >= VMEXIT_CR0_WRITE_TRAP && code <= VMEXIT_CR15_WRITE_TRAP)
		return cr_write_trap[code - VMEXIT_CR0_WRITE_TRAP];
	if (code <= VMEXIT_TLBSYNC)
		name = misc[code - VMEXIT_INTR];
	switch (code) {
	case VMEXIT_NPF:                 return "NPF";
	case VMEXIT_AVIC_INCOMPLETE_IPI: return "AVIC_INCOMPLETE_IPI";
	case VMEXIT_AVIC_NOACCEL:        return "AVIC_NOACCEL";
	case VMEXIT_VMGEXIT:             return "VMGEXIT";
	case VMEXIT_INVALID:             return "INVALID";
	case VMEXIT_BUSY:                return "BUSY";
	}
	return name ? name : "unknown";
}
