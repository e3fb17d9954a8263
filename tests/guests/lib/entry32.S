/* SPDX-License-Identifier: MIT */
/*
 * 32-bit entry of a test guest: flat protected mode, paging off, no stack
 * (docs/guests.md). Clear .bss, take the linker script's stack, call main()
 * and exit with its return value (cdecl: the argument goes on the stack).
 */
	.section .text.entry, "ax"
	.code32
	.globl _start
	.type _start, @function
_start:
	cld
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	$__stack_top, %esp
	xor	%ebp, %ebp
	call	main
	push	%eax
	call	guest_exit
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
