/* SPDX-License-Identifier: MIT */
/*
 * Exception stubs for 64-bit test guests: vectors 0-31 (Intel SDM Vol. 3A,
 * "Exception and Interrupt Reference"). The CPU pushes an error code
 * only for 8, 10-14, 17, 21, 29 and 30; the other stubs push a 0 so every
 * frame has the layout of struct trap_frame (lib/guest.h). No privilege
 * change happens (the guest runs at CPL 0 without IST), so the frame sits on
 * the guest's own stack: hence -mno-red-zone for all guest code.
 */
	.code64
	.text

.macro STUB vec
	.align 16
trap_stub_\vec:
	.if (\vec == 8) || (\vec >= 10 && \vec <= 14) || (\vec == 17) || (\vec == 21) || (\vec == 29) || (\vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

.altmacro
.macro STUB_REF vec
	.quad trap_stub_\vec
.endm

	.set i, 0
	.rept 32
	STUB %i
	.set i, i + 1
	.endr

trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	/* 5 CPU words + error code + vector + 15 GPRs = 22 * 8 = 176 bytes,
	 * and the CPU aligned RSP to 16 before pushing (SDM Vol. 3A, "64-Bit Mode Stack Frame"): so RSP is
	 * 16-byte aligned here, as the SysV ABI wants at a call. */
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp		/* vector and error code */
	iretq

	.section .rodata
	.align 8
	.globl trap_stubs
trap_stubs:
	.set i, 0
	.rept 32
	STUB_REF %i
	.set i, i + 1
	.endr

	.section .note.GNU-stack, "", @progbits
