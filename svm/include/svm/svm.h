/* SPDX-License-Identifier: MIT */
/*
 * AMD-V (SVM): what the CPU offers and whether Septum's AMD-V backend could
 * run on it. Facts: AMD64 Architecture Programmer's Manual Vol. 2, §15.4
 * "Enabling SVM", §15.30 "SVM-related MSRs", and the CPUID leaves of Vol. 3
 * Appendix E (Fn8000_0001 ECX[2] SVM, Fn8000_000A the SVM feature leaf).
 *
 * The checks read the CPU through struct svm_cpu_ops, so the same code runs
 * on the host against a fake CPU (tests/unit/test_svm_caps.c).
 */
#ifndef SVM_SVM_H
#define SVM_SVM_H

#include <arch/cpu.h>
#include <septum/types.h>

/* MSRs (§15.30). */
#define MSR_VM_CR                0xc0010114u
#define VM_CR_DPD                BIT(0)
#define VM_CR_R_INIT             BIT(1)
#define VM_CR_DIS_A20M           BIT(2)
#define VM_CR_LOCK               BIT(3)           /* SVMDIS is read-only */
#define VM_CR_SVMDIS             BIT(4)           /* EFER.SVME cannot be set */
#define MSR_VM_HSAVE_PA          0xc0010117u      /* host save area, 4 KiB aligned */
#define EFER_SVME                BIT(12)

/* CPUID leaves and bits. */
#define CPUID_EXT_FEATURES       0x80000001u
#define CPUID_EXT1_ECX_SVM       BIT(2)
#define CPUID_SVM_FEATURES       0x8000000au      /* EAX[7:0] SVM revision, EBX ASIDs, EDX features */
#define CPUID_SVM_EDX_NP         BIT(0)           /* nested paging */
#define CPUID_SVM_EDX_LBRV       BIT(1)
#define CPUID_SVM_EDX_SVML       BIT(2)           /* SVM lock: SVMDIS may be unlockable with a key */
#define CPUID_SVM_EDX_NRIPS      BIT(3)           /* next RIP saved in the VMCB (nRIP, 0x0c8) */
#define CPUID_SVM_EDX_TSC_RATE   BIT(4)
#define CPUID_SVM_EDX_VMCB_CLEAN BIT(5)
#define CPUID_SVM_EDX_FLUSH_ASID BIT(6)           /* TLB_CONTROL 3 and 7 */
#define CPUID_SVM_EDX_DECODE     BIT(7)           /* decode assists */
#define CPUID_SVM_EDX_PAUSE_FILTER BIT(10)
#define CPUID_SVM_EDX_AVIC       BIT(13)
#define CPUID_SVM_EDX_VGIF       BIT(16)
#define CPUID_SVM_EDX_VNMI       BIT(25)          /* NMI virtualization (V_NMI, V_NMI_MASK) */

/* How the checks reach the CPU. cpuid returns the four registers of
 * leaf/subleaf; rdmsr returns 0 with *val set, or -1 if reading faulted. */
struct svm_cpu_ops {
	struct cpuid_regs (*cpuid)(uint32_t leaf, uint32_t subleaf);
	int (*rdmsr)(uint32_t msr, uint64_t *val);
};

/* The real CPU's ops, which svm_cpu points at unless a test replaced it. */
extern const struct svm_cpu_ops svm_cpu_hw;
extern const struct svm_cpu_ops *svm_cpu;

struct svm_caps {
	char vendor[13];            /* CPUID.0 vendor string, e.g. "AuthenticAMD" */
	uint8_t revision;           /* SVM revision, CPUID 8000000AH EAX[7:0] */
	uint32_t nasids;            /* ASIDs, CPUID 8000000AH EBX (ASID 0 is the host's) */
	uint32_t features;          /* CPUID 8000000AH EDX as read */
	uint64_t vm_cr;             /* MSR C001_0114 */
	bool nrip_save;             /* EDX[3] */
	bool vmcb_clean;            /* EDX[5] */
	bool flush_by_asid;         /* EDX[6] */
	bool decode_assists;        /* EDX[7] */
	bool vnmi;                  /* EDX[25] */
};

/*
 * Checks, on the calling CPU (through svm_cpu), everything the AMD-V backend
 * needs: SVM (CPUID 8000_0001H ECX[2], whatever the vendor), leaf 8000000AH,
 * VM_CR.SVMDIS clear, nested paging, at least one guest ASID. Fills *out
 * (recorded optional features too) and returns 0; or returns -1 with why
 * naming what is missing, e.g. "SVM missing (CPUID 80000001H ECX[2] = 0)",
 * "SVM disabled by firmware (VM_CR.SVMDIS, MSR C001_0114 bit 4): ...",
 * "nested paging (CPUID 8000000AH EDX[0]) missing". *out is filled as far
 * as the check got (vendor at least) even on failure.
 */
int svm_caps_check(struct svm_caps *out, char *why, size_t whylen);

/* One line saying what the CPU offers, e.g. "SVM present (AuthenticAMD,
 * revision 1), nested paging present, NRIP-save absent, decode assists
 * absent, VMCB clean bits absent, flush-by-ASID absent, virtual NMI absent,
 * 16 ASIDs". Returns buf. */
char *svm_caps_describe(const struct svm_caps *c, char *buf, size_t len);

/* The boot log's line when the AMD-V backend runs the partitions
 * (svm/vcpu.c, boot CPU): "AMD-V: " and svm_caps_describe(). Why a CPU was
 * refused is backend_choose()'s line. Returns buf. */
char *svm_backend_line(const struct svm_caps *c, char *buf, size_t len);

#endif /* SVM_SVM_H */
