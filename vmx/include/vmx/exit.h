/* SPDX-License-Identifier: MIT */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include <septum/mce.h>
#include <septum/partition.h>

/* Handle one VM exit of v (VMCS current, guest GPRs in regs). Returns true
 * to resume the guest, false when v's partition has ended. Uses only
 * vmcs_read/vmcs_write and the vmx_hw_* hooks below, so the host tests run
 * it over a fake VMCS. */
bool vmx_exit_dispatch(struct vcpu *v, struct guest_regs *regs);
/* Inject v's pending guest NMI if the guest can take it now, else turn on
 * NMI-window exiting; called again right before every VM entry. */
void vmx_nmi_deliver(struct vcpu *v);

/* Hardware hooks the dispatcher needs (vmx/vcpu.c; fakes in the tests). */
void vmx_hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
void vmx_hw_send_ipi(uint32_t apic_id, uint64_t icr_low);
void vmx_hw_eoi(void);
void vmx_hw_nmi_unblock(void);   /* after an NMI exit: IRET to self */
/* This CPU's x2APIC registers (MSRs 0x800-0x8ff), for a guest in xAPIC
 * mode; the caller keeps reserved bits clear. */
uint64_t vmx_hw_apic_read(uint32_t msr);
void vmx_hw_apic_write(uint32_t msr, uint64_t val);
/* XAPIC_HW_* of this CPU (septum/xapic.h). */
uint32_t vmx_hw_apic_features(void);
/* The guest disabled its APIC: this CPU's x2APIC to its power-up state
 * (LVTs masked, software-disabled, timers off, nothing in service). */
void vmx_hw_apic_reset(void);
/* IA32_VMX_CR4_FIXED1: the CR4 bits this CPU allows in VMX operation. */
uint64_t vmx_hw_cr4_fixed1(void);
/* A #MC reported by a VM exit (exception bitmap bit 18) or a VM-entry
 * failure: banks logged and cleared; MCE_CONTINUE or MCE_STOP_OWNER (a
 * panic does not return). */
enum mce_action vmx_hw_machine_check(const char *who);
/* INVEPT, all contexts, on this CPU (after an EPT entry changed). */
void vmx_hw_invept(void);
/* XSETBV of a value xcr0_check() accepted, on this CPU. */
void vmx_hw_xsetbv(uint64_t xcr0);

#endif
