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
#include <septum/spec.h>
#include <vmx/spec_hw.h>

#define GDT_DATA 0x10   /* arch/percpu.h: a data segment selector for VERW */

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

/* No guest value may stay in a register Septum's code could speculatively
 * use (e.g. as an index under a mispredicted bounds check). */
.macro CLEAR_GPRS
	xorl	%eax, %eax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%ebx, %ebx
	xorl	%ebp, %ebp
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%r8d, %r8d
	xorl	%r9d, %r9d
	xorl	%r10d, %r10d
	xorl	%r11d, %r11d
	xorl	%r12d, %r12d
	xorl	%r13d, %r13d
	xorl	%r14d, %r14d
	xorl	%r15d, %r15d
.endm

/* Septum's SPEC_CTRL value (clobbers RAX, RCX, RDX). Written on every exit,
 * equal or not: with legacy IBRS the write after the mode change is what
 * keeps guest-trained predictions out (Intel, "Speculative Execution Side
 * Channel Mitigations", IBRS). */
.macro SPEC_CTRL_HOST
	testl	$SPEC_F_SPEC_CTRL, spec_entry_flags(%rip)
	jz	.Lno_host\@
	movl	$MSR_IA32_SPEC_CTRL, %ecx
	movl	%gs:PERCPU_SPEC_CTRL_HOST, %eax
	movl	%gs:PERCPU_SPEC_CTRL_HOST+4, %edx
	wrmsr
.Lno_host\@:
.endm

/* The guest's SPEC_CTRL (passed through by the MSR bitmap) saved, Septum's loaded. */
.macro SPEC_CTRL_EXIT
	testl	$SPEC_F_SPEC_CTRL, spec_entry_flags(%rip)
	jz	.Lno_save\@
	movl	$MSR_IA32_SPEC_CTRL, %ecx
	rdmsr
	movl	%eax, %gs:PERCPU_SPEC_CTRL_GUEST
	movl	%edx, %gs:PERCPU_SPEC_CTRL_GUEST+4
.Lno_save\@:
	SPEC_CTRL_HOST
.endm

/*
 * Overwrite the return stack buffer so no RET in Septum is predicted to a
 * guest address: 32 CALLs whose return addresses point at a speculation
 * trap (Intel, "Retpoline: A Branch Target Injection Mitigation", RSB
 * stuffing), or, with eIBRS, the one retired CALL that "Post-barrier Return
 * Stack Buffer Predictions" asks for. Clobbers RCX; RSP ends where it began.
 */
.macro RSB_FILL
	testl	$SPEC_F_RSB_FULL, spec_entry_flags(%rip)
	jz	.Lrsb_lite\@
	movl	$16, %ecx
.Lrsb_loop\@:
	call	.Lrsb_a\@
	int3			/* only ever reached speculatively */
.Lrsb_a\@:
	call	.Lrsb_b\@
	int3
.Lrsb_b\@:
	addq	$16, %rsp
	decl	%ecx
	jnz	.Lrsb_loop\@
	lfence
	jmp	.Lrsb_done\@
.Lrsb_lite\@:
	testl	$SPEC_F_RSB_LITE, spec_entry_flags(%rip)
	jz	.Lrsb_done\@
	call	.Lrsb_one\@
	int3
.Lrsb_one\@:
	addq	$8, %rsp
	lfence
.Lrsb_done\@:
.endm

/* Before the guest's registers are loaded (clobbers RAX, RCX, RDX): the
 * guest's SPEC_CTRL back when it differs from Septum's, and the L1D flush
 * (Intel, "Deep Dive: Intel Analysis of L1 Terminal Fault", IA32_FLUSH_CMD). */
.macro SPEC_ENTRY
	testl	$SPEC_F_SPEC_CTRL, spec_entry_flags(%rip)
	jz	.Lno_guest\@
	movl	%gs:PERCPU_SPEC_CTRL_GUEST, %eax
	movl	%gs:PERCPU_SPEC_CTRL_GUEST+4, %edx
	cmpl	%gs:PERCPU_SPEC_CTRL_HOST, %eax
	jne	.Lwrite_guest\@
	cmpl	%gs:PERCPU_SPEC_CTRL_HOST+4, %edx
	je	.Lno_guest\@
.Lwrite_guest\@:
	movl	$MSR_IA32_SPEC_CTRL, %ecx
	wrmsr
.Lno_guest\@:
	testl	$SPEC_F_L1D_FLUSH, spec_entry_flags(%rip)
	jz	.Lno_flush\@
	movl	$MSR_IA32_FLUSH_CMD, %ecx
	movl	$FLUSH_CMD_L1D, %eax
	xorl	%edx, %edx
	wrmsr
.Lno_flush\@:
.endm

/* The last instruction before VM entry: VERW with a memory operand clears
 * the CPU's store, fill and load buffers on MD_CLEAR/FB_CLEAR parts (Intel,
 * "Deep Dive: Intel Analysis of Microarchitectural Data Sampling").
 * Touches only RFLAGS, which VM entry loads from the VMCS. */
.macro VERW_CLEAR
	testl	$SPEC_F_VERW, spec_entry_flags(%rip)
	jz	.Lno_verw\@
	verw	spec_verw_sel(%rip)
.Lno_verw\@:
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
