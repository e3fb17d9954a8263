/* SPDX-License-Identifier: MIT */
/*
 * VM entry and the VM-exit stub. The frame is struct guest_regs
 * (kernel/include/septum/partition.h): 16 slots in SDM GPR order (RAX, RCX,
 * RDX, RBX, RSP placeholder, RBP, RSI, RDI, R8-R15), lowest address first,
 * so an exit handler can index guest GPRs by the number the CPU reports.
 * HOST_RSP is 16-byte aligned; 16 pushes keep it aligned for the C call.
 */
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
	LOAD_GUEST %rdi
	vmlaunch
	/* VMfailInvalid / VMfailValid: back to C with the flags' verdict. */
	jmp	vmx_entry_failed

	.globl vmx_exit_stub
vmx_exit_stub:
	PUSH_GUEST
	movq	%rsp, %rdi
	call	vmx_handle_exit		/* returns only to resume the guest */
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
	vmresume
	call	vmx_entry_failed	/* RSP is HOST_RSP again: 16-byte aligned */
