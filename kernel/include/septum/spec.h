/* SPDX-License-Identifier: MIT */
/*
 * Transient-execution mitigations: which ones this CPU needs on Septum's
 * VM-exit and VM-entry paths, chosen from what the CPU says about itself
 * (IA32_ARCH_CAPABILITIES and CPUID bits). Pure and host-tested
 * (tests/unit/test_spec.c); vmx/spec_hw.c reads the bits, logs the set and
 * applies it; docs/security.md has the table for people.
 *
 * The constants are usable from assembly (vmx/entry.S tests spec_entry_flags).
 */
#ifndef SEPTUM_SPEC_H
#define SEPTUM_SPEC_H

/* spec_entry_flags bits: what vmx/entry.S does on every exit and entry. */
#define SPEC_F_RSB_FULL    0x01  /* overwrite all 32 RSB entries after VM exit */
#define SPEC_F_RSB_LITE    0x02  /* one CALL + LFENCE after VM exit (PBRSB) */
#define SPEC_F_L1D_FLUSH   0x04  /* IA32_FLUSH_CMD.L1D_FLUSH right before VM entry */
#define SPEC_F_VERW        0x08  /* VERW right before VM entry (CPU buffer clear) */
#define SPEC_F_SPEC_CTRL   0x10  /* switch IA32_SPEC_CTRL between guest and Septum */

/* IA32_SPEC_CTRL (MSR 0x48) bits Septum sets for itself. */
#define SPEC_CTRL_IBRS      (1ull << 0)
#define SPEC_CTRL_BHI_DIS_S (1ull << 10)

#ifndef __ASSEMBLY__
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* IA32_ARCH_CAPABILITIES (MSR 0x10A) bits, SDM Vol. 4 Table 2-2. */
#define ARCH_CAP_RDCL_NO            (1ull << 0)   /* no Meltdown / L1TF */
#define ARCH_CAP_IBRS_ALL           (1ull << 1)   /* enhanced IBRS */
#define ARCH_CAP_RSBA               (1ull << 2)   /* RET may predict from the BTB on RSB underflow */
#define ARCH_CAP_SKIP_L1DFL_VMENTRY (1ull << 3)   /* a VMM need not flush L1D on VM entry */
#define ARCH_CAP_SSB_NO             (1ull << 4)
#define ARCH_CAP_MDS_NO             (1ull << 5)
#define ARCH_CAP_PSCHANGE_MC_NO     (1ull << 6)
#define ARCH_CAP_TSX_CTRL           (1ull << 7)
#define ARCH_CAP_TAA_NO             (1ull << 8)
#define ARCH_CAP_SBDR_SSDP_NO       (1ull << 13)  /* MMIO stale data: shared buffers */
#define ARCH_CAP_FBSDP_NO           (1ull << 14)  /* ... fill buffers */
#define ARCH_CAP_PSDP_NO            (1ull << 15)  /* ... primary stale data propagator */
#define ARCH_CAP_FB_CLEAR           (1ull << 17)  /* VERW clears the fill buffers */
#define ARCH_CAP_RRSBA              (1ull << 19)  /* restricted RSB alternate behaviour */
#define ARCH_CAP_BHI_NO             (1ull << 20)
#define ARCH_CAP_PBRSB_NO           (1ull << 24)  /* no post-barrier RSB predictions */
#define ARCH_CAP_GDS_NO             (1ull << 26)
#define ARCH_CAP_RFDS_NO            (1ull << 27)
#define ARCH_CAP_RFDS_CLEAR         (1ull << 28)  /* VERW clears the register files */

/* CPUID.(EAX=7,ECX=0):EBX / EDX and CPUID.(EAX=7,ECX=2):EDX bits (SDM Vol. 2A). */
#define CPUID7_EBX_RTM              (1u << 11)
#define CPUID7_EDX_MD_CLEAR         (1u << 10)
#define CPUID7_EDX_SPEC_CTRL        (1u << 26)    /* IBRS and IBPB */
#define CPUID7_EDX_STIBP            (1u << 27)
#define CPUID7_EDX_L1D_FLUSH        (1u << 28)
#define CPUID7_EDX_ARCH_CAP         (1u << 29)
#define CPUID7_EDX_SSBD             (1u << 31)
#define CPUID7_2_EDX_BHI_CTRL       (1u << 4)
/* AMD CPUID 0x80000008 EBX (AMD APM Vol. 3, E.4.7). */
#define AMD8_EBX_IBPB               (1u << 12)
#define AMD8_EBX_IBRS               (1u << 14)
#define AMD8_EBX_STIBP              (1u << 15)
#define AMD8_EBX_SSBD               (1u << 24)

enum spec_vendor { SPEC_VENDOR_OTHER = 0, SPEC_VENDOR_INTEL, SPEC_VENDOR_AMD };

/* What the CPU says about itself (and how Septum was built). arch_cap is 0 when CPUID.7.EDX lacks
 * ARCH_CAPABILITIES (the MSR is then never read: #GP). */
struct spec_cpu {
	enum spec_vendor vendor;
	uint32_t cpuid7_ebx, cpuid7_edx, cpuid7_2_edx;
	uint32_t amd8_ebx;
	uint64_t arch_cap;
	bool retpoline;               /* Septum's C code is built with retpolines (SEPTUM_RETPOLINE) */
};

enum spec_rsb { SPEC_RSB_NONE = 0, SPEC_RSB_LITE, SPEC_RSB_FULL };
enum spec_bti { SPEC_BTI_NONE = 0, SPEC_BTI_EIBRS, SPEC_BTI_LEGACY_IBRS, SPEC_BTI_AMD_IBRS, SPEC_BTI_RETPOLINE };

/* Vulnerabilities the CPU has (bits of spec_set.vulns). */
#define SPEC_V_L1TF  (1u << 0)
#define SPEC_V_MDS   (1u << 1)
#define SPEC_V_TAA   (1u << 2)
#define SPEC_V_MMIO  (1u << 3)
#define SPEC_V_RFDS  (1u << 4)
#define SPEC_V_BHI   (1u << 5)

/* The mitigation set. Every member is applied only when the CPU has what it
 * needs (flags never name an MSR the CPU lacks). */
struct spec_set {
	unsigned vulns;               /* SPEC_V_* */
	bool clear_gprs;              /* guest GPRs zeroed right after they are saved on exit */
	enum spec_rsb rsb;
	bool l1d_flush;
	bool l1d_flush_missing;       /* L1TF and no IA32_FLUSH_CMD: not mitigated */
	bool verw;
	bool verw_missing;            /* buffers to clear and no VERW that clears them */
	bool ibpb;                    /* IA32_PRED_CMD.IBPB when a CPU (re)starts a partition */
	bool spec_ctrl;               /* IA32_SPEC_CTRL exists: switched guest <-> Septum */
	uint64_t host_spec_ctrl;      /* Septum's own value (IBRS, BHI_DIS_S) */
	enum spec_bti bti;            /* how Septum's indirect branches are protected */
	unsigned entry_flags;         /* SPEC_F_* for vmx/entry.S */
};

/* Chooses the set for cpu (rules and sources in kernel/spec.c). */
void spec_select(const struct spec_cpu *cpu, struct spec_set *out);

/*
 * Line i (0-based) of the boot log's description of the set, without the
 * "mitigation: " prefix and without '\n', e.g. "L1D flush on VM entry: on
 * (L1TF, no SKIP_L1DFL_VMENTRY)". Returns what snprintf returns, or -1 (buf
 * untouched) when i is past the last line.
 */
int spec_format_line(const struct spec_cpu *cpu, const struct spec_set *set, unsigned i, char *buf, size_t len);

#endif /* __ASSEMBLY__ */
#endif /* SEPTUM_SPEC_H */
