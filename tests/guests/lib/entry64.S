/* SPDX-License-Identifier: MIT */
/*
 * 64-bit entry of a test guest. Septum enters at e_entry in long mode with
 * all GPRs zero and no stack (docs/guests.md), so: clear .bss ourselves (the
 * loader should zero p_memsz beyond p_filesz, but a guest that tests the
 * loader should not depend on it), take the stack the linker script reserves,
 * call main() and exit with its return value.
 */
	.section .text.entry, "ax"
	.code64
	.globl _start
	.type _start, @function
_start:
	cld
	lea	__bss_start(%rip), %rdi
	lea	__bss_end(%rip), %rcx
	sub	%rdi, %rcx
	xor	%eax, %eax
	rep stosb
	lea	__stack_top(%rip), %rsp
	xor	%ebp, %ebp		/* end of the frame-pointer chain */
	call	main
	mov	%eax, %edi
	call	guest_exit
1:	cli
	hlt
	jmp	1b
	.size _start, . - _start
	.section .note.GNU-stack, "", @progbits
