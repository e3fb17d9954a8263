/* SPDX-License-Identifier: MIT */
/*
 * VM entry and the VM-exit stub. The frame is struct guest_regs
 * (kernel/include/septum/partition.h): 16 slots in SDM GPR order (RAX, RCX,
 * RDX, RBX, RSP placeholder, RBP, RSI, RDI, R8-R15), lowest address first,
 * so an exit handler can index guest GPRs by the number the CPU reports.
 * HOST_RSP is 16-byte aligned; 16 pushes keep it aligned for the C call.
 *
 * Transient-execution mitigations (chosen by kernel/spec.c, flags in
 * spec_entry_flags, docs/security.md): on exit, right after the guest's
 * registers are saved, the GPRs are zeroed, Septum's IA32_SPEC_CTRL is
 * restored (the guest's saved per CPU = per vCPU, cores being dedicated)
 * and the return stack buffer overwritten, all before the first RET or
 * indirect branch; on entry, after the last C code, the guest's SPEC_CTRL
 * goes back, then the L1D flush (before the guest's registers are loaded:
 * WRMSR needs RAX/RCX/RDX), and VERW is the very last instruction before
 * VMLAUNCH/VMRESUME. The flag tests are conditional branches a guest could
 * at most mistrain for a few instructions; none of them guards a load of
 * Septum data into a guest-visible place.
 */
#include <arch/entry_spec.h>

	.text
.macro PUSH_GUEST
	pushq	%r15
	pushq	%r14
	pushq	%r13
	pushq	%r12
	pushq	%r11
	pushq	%r10
	pushq	%r9
	pushq	%r8
	pushq	%rdi
	pushq	%rsi
	pushq	%rbp
	pushq	$0		/* RSP lives in the VMCS */
	pushq	%rbx
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
.endm

.macro LOAD_GUEST base
	movq	0*8(\base), %rax
	movq	1*8(\base), %rcx
	movq	2*8(\base), %rdx
	movq	3*8(\base), %rbx
	movq	5*8(\base), %rbp
	movq	6*8(\base), %rsi
	movq	8*8(\base), %r8
	movq	9*8(\base), %r9
	movq	10*8(\base), %r10
	movq	11*8(\base), %r11
	movq	12*8(\base), %r12
	movq	13*8(\base), %r13
	movq	14*8(\base), %r14
	movq	15*8(\base), %r15
	movq	7*8(\base), \base	/* RDI last: it is the base */
.endm

/* void vmx_launch(const struct guest_regs *regs) — returns only on VMfail. */
	.globl vmx_launch
vmx_launch:
	SPEC_ENTRY
	LOAD_GUEST %rdi
	VERW_CLEAR
	vmlaunch
	/* VMfailInvalid / VMfailValid: back to C with the flags' verdict. */
	SPEC_CTRL_HOST
	jmp	vmx_entry_failed

	.globl vmx_exit_stub
vmx_exit_stub:
	PUSH_GUEST
	CLEAR_GPRS
	SPEC_CTRL_EXIT
	RSB_FILL
	movq	%rsp, %rdi
	call	vmx_handle_exit		/* returns only to resume the guest */
	SPEC_ENTRY
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rbx
	addq	$8, %rsp
	popq	%rbp
	popq	%rsi
	popq	%rdi
	popq	%r8
	popq	%r9
	popq	%r10
	popq	%r11
	popq	%r12
	popq	%r13
	popq	%r14
	popq	%r15
	VERW_CLEAR
	vmresume
	SPEC_CTRL_HOST
	call	vmx_entry_failed	/* RSP is HOST_RSP again: 16-byte aligned */

	.section .rodata
	.balign 2
spec_verw_sel:
	.word	GDT_DATA
