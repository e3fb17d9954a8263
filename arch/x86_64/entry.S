/* SPDX-License-Identifier: MIT */
/* Core entry from the loader (boot/): RDI = struct boot_info *, 64-bit mode,
 * interrupts off, on the firmware's page tables and stack. Switch to our own
 * stack at once; the firmware's (boot-services memory) is about to be reused. */
	.section .text.entry, "ax"
	.globl septum_entry
septum_entry:
	cli
	cld
	leaq	boot_stack_top(%rip), %rsp
	xorl	%ebp, %ebp
	call	arch_boot
1:	cli
	hlt
	jmp	1b

/* APs arrive here from the trampoline in 64-bit mode: RSP = their stack,
 * RDI = their struct percpu. */
	.globl ap_entry64
ap_entry64:
	cld
	xorl	%ebp, %ebp
	call	arch_ap_main
1:	cli
	hlt
	jmp	1b

	.section .bss
	.balign 16
boot_stack:
	.skip	16384
boot_stack_top:
