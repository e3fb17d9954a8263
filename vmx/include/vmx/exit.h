/* SPDX-License-Identifier: MIT */
#ifndef VMX_EXIT_H
#define VMX_EXIT_H

#include <septum/mce.h>
#include <septum/exit.h>
#include <septum/partition.h>

/* Handle one VM exit of v (VMCS current, guest GPRs in regs): decoded
 * here, decided by kernel/exit/ (septum/exit.h). Returns true to resume
 * the guest, false when v's partition has ended. Uses only
 * vmcs_read/vmcs_write, the vmx_hw_* hooks below and septum/exit.h's hw_*
 * ones, so the host tests run it over a fake VMCS. */
bool vmx_exit_dispatch(struct vcpu *v, struct guest_regs *regs);
/* Inject v's pending guest NMI if the guest can take it now, else turn on
 * NMI-window exiting; called again right before every VM entry. */
void vmx_nmi_deliver(struct vcpu *v);
/* kernel/exit/'s accessors over the current VMCS (struct backend.exit). */
extern const struct vendor_ops vmx_exit_ops;
/* The name of a basic exit reason (EXIT_REASON_OTHER: "other"). */
const char *vmx_exit_name(unsigned reason);

/* VT-x's own hardware hooks (vmx/vcpu.c; fakes in the tests). */
void vmx_hw_eoi(void);
void vmx_hw_nmi_unblock(void);   /* after an NMI exit: IRET to self */
/* IA32_VMX_CR4_FIXED1: the CR4 bits this CPU allows in VMX operation. */
uint64_t vmx_hw_cr4_fixed1(void);
/* A #MC reported by a VM exit (exception bitmap bit 18) or a VM-entry
 * failure: banks logged and cleared; MCE_CONTINUE or MCE_STOP_OWNER (a
 * panic does not return). */
enum mce_action vmx_hw_machine_check(const char *who);
/* INVEPT, all contexts, on this CPU (after an EPT entry changed). */
void vmx_hw_invept(void);

#endif
