/* SPDX-License-Identifier: MIT */
/*
 * AP start-up trampoline, copied to a page below 1 MiB (boot_info.trampoline).
 * A SIPI with vector V starts the AP in real mode at CS:IP = (V<<8):0000, so
 * CS base = the page address (SDM Vol. 3A §9.4.4, §11.6.1). The code is
 * position independent: EBX holds the page's linear address, and the few
 * absolute addresses (GDTR base, far-jump targets) are patched by smp.c
 * before the first SIPI. Path: real mode -> 32-bit protected mode -> PAE +
 * EFER.LME/NXE + Septum's CR3 -> long mode -> ap_entry64 in the core.
 */
#define TR_OFF(sym) ((sym) - trampoline_start)

	.section .rodata
	.balign 4096
	.globl trampoline_start, trampoline_end
	.globl tr_gdtr_base, tr_far32, tr_far64, tr_cr3, tr_stack, tr_percpu, tr_entry
	.code16
trampoline_start:
	cli
	cld
	movw	%cs, %ax
	movw	%ax, %ds
	xorl	%ebx, %ebx
	movw	%ax, %bx
	shll	$4, %ebx                 /* EBX = linear address of this page */
	lgdtl	TR_OFF(tr_gdtr)
	movl	%cr0, %eax
	orl	$1, %eax                 /* CR0.PE */
	movl	%eax, %cr0
	ljmpl	*TR_OFF(tr_far32)

	.code32
tr_pm32:
	movw	$0x10, %ax
	movw	%ax, %ds
	movw	%ax, %es
	movw	%ax, %ss
	movl	%cr4, %eax
	orl	$0x20, %eax              /* CR4.PAE */
	movl	%eax, %cr4
	movl	TR_OFF(tr_cr3)(%ebx), %eax
	movl	%eax, %cr3
	movl	$0xc0000080, %ecx        /* IA32_EFER */
	rdmsr
	orl	$0x900, %eax             /* LME | NXE */
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010021, %eax        /* PG | WP | NE | PE */
	movl	%eax, %cr0
	ljmpl	*TR_OFF(tr_far64)(%ebx)

	.code64
tr_lm64:
	movq	TR_OFF(tr_stack)(%rbx), %rsp
	movq	TR_OFF(tr_percpu)(%rbx), %rdi
	movq	TR_OFF(tr_entry)(%rbx), %rax
	jmpq	*%rax

	.balign 8
tr_gdt:
	.quad	0
	.quad	0x00cf9a000000ffff       /* 0x08: 32-bit code */
	.quad	0x00cf92000000ffff       /* 0x10: data */
	.quad	0x00af9a000000ffff       /* 0x18: 64-bit code */
tr_gdt_end:
tr_gdtr:
	.word	tr_gdt_end - tr_gdt - 1
tr_gdtr_base:
	.long	0                        /* patched: page + TR_OFF(tr_gdt) */
tr_far32:
	.long	0                        /* patched: page + TR_OFF(tr_pm32) */
	.word	0x08
tr_far64:
	.long	0                        /* patched: page + TR_OFF(tr_lm64) */
	.word	0x18
	.balign 8
tr_cr3:
	.quad	0
tr_stack:
	.quad	0
tr_percpu:
	.quad	0
tr_entry:
	.quad	0
	.globl tr_gdt, tr_pm32, tr_lm64
trampoline_end:
