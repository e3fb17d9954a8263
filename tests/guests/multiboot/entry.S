/* SPDX-License-Identifier: MIT */
/*
 * Common entry (included by mb1.S and mb2.S). The loader's machine state
 * (v1 §3.2, v2 "I386 machine state"): 32-bit protected mode, paging off,
 * flat segments, EAX = the boot loader's magic, EBX = the boot information;
 * ESP undefined, GDTR and IDTR possibly invalid. Interrupts stay off and no
 * segment register is reloaded, so neither table is used. .bss is cleared
 * by the loader (bss_end_addr or the ELF p_memsz) and again here, because a
 * kernel must not trust that; EAX and EBX are kept in ESI and EBX, which
 * rep stosb does not touch.
 */
	.text
	.code32
	.globl _start
	.type _start, @function
_start:
	cld
	mov	%eax, %esi
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$__stack_top, %esp
	xor	%ebp, %ebp
	push	%ebx                       /* mb_main(magic, info): cdecl, right to left */
	push	%esi
	call	mb_main
	push	%eax
	call	guest_exit
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
