/* SPDX-License-Identifier: MIT */
/*
 * Assembly macros both world switches use (vmx/entry.S, svm/entry.S): the
 * transient-execution mitigations on VM exit and entry (chosen by
 * kernel/spec.c, flags in spec_entry_flags, docs/security.md). Include
 * from .S files only.
 */
#ifndef ARCH_ENTRY_SPEC_H
#define ARCH_ENTRY_SPEC_H

#include <septum/spec.h>
#include <vmx/spec_hw.h>

#define GDT_DATA 0x10   /* arch/percpu.h: a data segment selector for VERW */

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

#endif /* ARCH_ENTRY_SPEC_H */
