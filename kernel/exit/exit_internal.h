/* SPDX-License-Identifier: MIT */
/* Shared between kernel/exit/'s files only. */
#ifndef KERNEL_EXIT_INTERNAL_H
#define KERNEL_EXIT_INTERNAL_H

#include <septum/exit.h>

/* RIP past the exiting instruction. */
void exit_skip(struct vcpu *v, const struct exit_info *e);
/* Raise a fault for the exiting instruction (RIP stays on it). */
enum exit_result exit_fault(struct vcpu *v, unsigned vector, bool has_code, uint32_t code);

/* regs.c: MSRs and control registers */
enum exit_result exit_rdmsr(struct vcpu *v, struct guest_regs *r, const struct exit_info *e);
enum exit_result exit_wrmsr(struct vcpu *v, struct guest_regs *r, const struct exit_info *e);
enum exit_result exit_cr_write(struct vcpu *v, struct guest_regs *r, const struct exit_info *e);

/* lapic.c: the guest's local APIC */
/* An ICR write in x2APIC format, or in xAPIC format from the emulated page. */
void exit_icr_write(struct vcpu *v, uint64_t val, bool xapic);
/* IA32_APIC_BASE write; false: #GP. */
bool exit_apic_base_write(struct vcpu *v, uint64_t val);
enum exit_result exit_apic_page(struct vcpu *v, struct guest_regs *r, uint64_t gpa, bool write);

#endif
