/* SPDX-License-Identifier: MIT */
/*
 * What a partition is allowed to see and do, decided in one place:
 * CPUID results, the hypercall ABI (include/septum/abi.h), and the x2APIC
 * ICR filter. Pure logic over a partition; the VMX exit handlers call these.
 */
#ifndef SEPTUM_POLICY_H
#define SEPTUM_POLICY_H

#include <septum/partition.h>

struct cpuid_result { uint32_t eax, ebx, ecx, edx; };

/* CPUID bits both the policy and the exit handlers name (SDM Vol. 2A,
 * CPUID: leaf 1 ECX, leaf 7 subleaf 0 ECX). The OS-enabled bits mirror the
 * guest's CR4, which only the exit handler sees. */
#define CPUID1_ECX_XSAVE      (1u << 26)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID7_ECX_OSPKE      (1u << 4)

/* In: the host CPU's answer for (leaf, subleaf). Out: the guest's answer. */
void cpuid_policy(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_result *r);

/* Result of a hypercall; *ended is set when the call ended the partition. */
int64_t hypercall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

enum ipi_verdict {
	IPI_SEND,         /* fixed or NMI: send act->icr_low to each CPU in act->cpus */
	IPI_INIT,         /* emulate INIT on each vCPU in act->cpus */
	IPI_SIPI,         /* emulate a start-up IPI (act->vector) on each vCPU in act->cpus */
	IPI_IGNORE,       /* architecturally a no-op (INIT level de-assert) */
	IPI_REFUSE,       /* drop, and say why */
};

struct ipi_action {
	uint64_t cpus;        /* target physical CPUs, all inside the partition */
	uint32_t icr_low;     /* IPI_SEND: ICR bits 31:0 to send in physical mode, no shorthand */
	uint8_t vector;       /* IPI_SIPI: the start-up vector (entry at vector << 12) */
};

/*
 * Decide on a guest write of icr to the x2APIC ICR of physical CPU self
 * (SDM Vol. 3A §11.12.9 and §11.6.1). Physical and logical (cluster)
 * destinations and the three shorthands are resolved to a set of the
 * partition's CPUs; anything that would reach a CPU outside the partition is
 * refused whole. INIT and SIPI never reach the hardware: they are emulated
 * on the partition's vCPUs. why explains a refusal.
 */
enum ipi_verdict icr_filter(const struct partition *p, cpuid_t self, uint64_t icr, struct ipi_action *act,
			    char *why, size_t whylen);
/* The same for a vCPU in xAPIC mode: @icr is the xAPIC ICR (8-bit
 * destination in bits 63:56); logical destinations match the LDR/DFR the
 * partition's xAPIC-mode vCPUs set. A logical destination no vCPU answers
 * to is IPI_IGNORE (why says so). */
enum ipi_verdict xapic_icr_filter(const struct partition *p, cpuid_t self, uint64_t icr, struct ipi_action *act,
				  char *why, size_t whylen);

/*
 * XSETBV to XCR0 (SDM Vol. 1 §13.3, Vol. 2 XSETBV): 0 when @val is a value
 * the CPU accepts given the components it @supports (CPUID.(0DH,0):EDX:EAX),
 * -1 with the reason for the #GP otherwise. Septum executes the XSETBV
 * itself afterwards, so every rule that would fault there is checked here.
 */
int xcr0_check(uint64_t supported, uint64_t val, char *why, size_t whylen);

/*
 * CPUID.(0DH,1):EBX, the XSAVEC/XSAVES (compacted) area size for @xcr0
 * with no supervisor state (partitions get no IA32_XSS): the legacy
 * region and header, then each enabled component i >= 2 in order, aligned
 * to 64 bytes where CPUID.(0DH,i):ECX[1] says so (SDM Vol. 1 §13.4.3).
 * Computed rather than passed through: the host's value counts the
 * host's IA32_XSS, and Bochs 2.7 reports the standard size there.
 */
uint32_t xsave_compacted_size(uint64_t xcr0, void (*cpuid)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]));

#endif
