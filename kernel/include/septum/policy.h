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

/* In: the host CPU's answer for (leaf, subleaf). Out: the guest's answer. */
void cpuid_policy(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_result *r);

/* Result of a hypercall; *ended is set when the call ended the partition. */
int64_t hypercall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2);

enum ipi_verdict {
	IPI_ALLOW,        /* send as is */
	IPI_REFUSE,       /* drop, and say why */
};

#define IPI_DEST_SELF 0xffffffffu

/* Decide on a guest write of value to the x2APIC ICR. On IPI_ALLOW the
 * destination APIC id is in *dest (IPI_DEST_SELF: the sender). why explains a refusal. */
enum ipi_verdict icr_filter(const struct partition *p, const uint32_t *cpu_apic_ids, uint64_t icr,
			    uint32_t *dest, char *why, size_t whylen);

#endif
