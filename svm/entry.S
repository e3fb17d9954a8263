/* SPDX-License-Identifier: MIT */
/*
 * The AMD-V world switch (APM Vol. 2 §15.5 VMRUN, §15.6 #VMEXIT, §15.5.2
 * VMLOAD/VMSAVE).
 *
 * void svm_run(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_pa)
 *
 * Called with GIF clear (CLGI: the caller made its last stop check after
 * it) and RFLAGS.IF clear. VMRUN saves and restores only part of the host's
 * state (the host save area at VM_HSAVE_PA: CS, SS, DS, ES, RSP, RIP,
 * RFLAGS, RAX, EFER, CR0, CR3, CR4, GDTR, IDTR); FS, GS, TR, LDTR with their
 * hidden parts, KernelGSBase, STAR/LSTAR/CSTAR/SFMASK and SYSENTER_* are
 * VMLOAD/VMSAVE's. So: VMLOAD the guest's, VMRUN, VMSAVE the guest's, then
 * VMLOAD the host's (saved once per CPU by svm_enable_cpu): until that last
 * VMLOAD GS base is the guest's and nothing here may use %gs or take an
 * interrupt (GIF is still clear, and stays so until the caller's STGI).
 * Guest RAX and RSP live in the VMCB (the caller copies RAX to and from
 * regs); the other GPRs are loaded from and stored to regs.
 *
 * Mitigations as in vmx/entry.S (arch/entry_spec.h): the guest's
 * SPEC_CTRL before the guest's registers are loaded, VERW last; on exit,
 * after the host's VMLOAD (they use %gs), SPEC_CTRL saved and Septum's
 * restored, the RSB overwritten, every GPR holding a guest value cleared.
 */
#include <arch/entry_spec.h>

	.text
	.globl svm_run
svm_run:
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushq	%rdi			/* regs */
	pushq	%rdx			/* host save VMCB */
	pushq	%rsi			/* guest VMCB */
	SPEC_ENTRY			/* clobbers RAX, RCX, RDX */
	movq	(%rsp), %rax		/* VMLOAD/VMRUN/VMSAVE take the VMCB in RAX */
	movq	16(%rsp), %rdi
	vmload	%rax
	movq	1*8(%rdi), %rcx
	movq	2*8(%rdi), %rdx
	movq	3*8(%rdi), %rbx
	movq	5*8(%rdi), %rbp
	movq	6*8(%rdi), %rsi
	movq	8*8(%rdi), %r8
	movq	9*8(%rdi), %r9
	movq	10*8(%rdi), %r10
	movq	11*8(%rdi), %r11
	movq	12*8(%rdi), %r12
	movq	13*8(%rdi), %r13
	movq	14*8(%rdi), %r14
	movq	15*8(%rdi), %r15
	movq	7*8(%rdi), %rdi		/* RDI last: it was the base */
	VERW_CLEAR
	vmrun	%rax
	/* #VMEXIT: host RSP, RAX (the guest VMCB) and the rest of the
	 * host save area are back; the guest's GPRs are in the registers. */
	vmsave	%rax
	pushq	%rdi			/* the guest's RDI */
	movq	3*8(%rsp), %rdi		/* regs (above it: guest VMCB, host VMCB) */
	movq	%rcx, 1*8(%rdi)
	movq	%rdx, 2*8(%rdi)
	movq	%rbx, 3*8(%rdi)
	movq	%rbp, 5*8(%rdi)
	movq	%rsi, 6*8(%rdi)
	movq	%r8, 8*8(%rdi)
	movq	%r9, 9*8(%rdi)
	movq	%r10, 10*8(%rdi)
	movq	%r11, 11*8(%rdi)
	movq	%r12, 12*8(%rdi)
	movq	%r13, 13*8(%rdi)
	movq	%r14, 14*8(%rdi)
	movq	%r15, 15*8(%rdi)
	popq	%rax
	movq	%rax, 7*8(%rdi)
	movq	8(%rsp), %rax		/* the host's FS, GS, TR, LDTR, syscall MSRs back */
	vmload	%rax
	addq	$24, %rsp
	CLEAR_GPRS
	SPEC_CTRL_EXIT			/* clobbers RAX, RCX, RDX */
	RSB_FILL			/* clobbers RCX */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.section .rodata
	.balign 2
spec_verw_sel:
	.word	GDT_DATA
