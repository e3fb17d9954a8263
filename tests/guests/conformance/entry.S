/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header and entry of the conformance guests (docs/testing.md,
 * "Differential tests"). The same ELF boots bare under GRUB and as a Septum
 * partition, so it depends on nothing but the Multiboot2 machine state
 * (Specification 1.6, "I386 machine state": 32-bit protected mode, paging
 * off, flat CS/DS, EAX magic, EBX boot information, no stack, GDTR/IDTR
 * unusable). From there it does what a small OS does: its own GDT, 4-level
 * page tables identity-mapping 0..4 GiB with 2 MiB pages, EFER.LME, CR0.PG
 * (SDM Vol. 3A §10.8.5 "Initializing IA-32e Mode"), a far jump to 64-bit
 * code, then conf_main(magic, info) on the 64-bit guest runtime. Control
 * registers are set to fixed values on the way, so the checks start from
 * the same state whatever the loader left.
 */
#define MB2_MAGIC      0xe85250d6
#define MB2_ARCH       0
#define MB2_BOOT_MAGIC 0x36d76289

#define CR0_PE  (1 << 0)
#define CR0_ET  (1 << 4)
#define CR0_NE  (1 << 5)
#define CR0_PG  (1 << 31)
#define CR4_PAE (1 << 5)
#define EFER    0xc0000080
#define EFER_LME (1 << 8)

	.section .text.entry, "ax"
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
	.balign 8
	/* Information request (type 1, required): cmdline 1. */
	.short	1, 0
	.long	8 + 4
	.long	1
	.balign 8
	.short	0, 0                     /* end tag */
	.long	8
mb2_header_end:

	.code32
	.globl _start
	.type _start, @function
_start:
	cli
	cld
	mov	%eax, %esi               /* rep stosb keeps ESI and EBX */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	xor	%eax, %eax
	rep stosb
	mov	%esi, conf_boot_magic
	mov	%ebx, conf_boot_info

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; 2048 PDEs of 2 MiB: P|W|PS. */
	mov	$conf_pdpt, %eax
	or	$3, %eax
	mov	%eax, conf_pml4
	mov	$conf_pd, %eax
	or	$3, %eax
	xor	%ecx, %ecx
1:	mov	%eax, conf_pdpt(,%ecx,8)
	add	$0x1000, %eax
	inc	%ecx
	cmp	$4, %ecx
	jne	1b
	xor	%ecx, %ecx
2:	mov	%ecx, %eax
	shl	$21, %eax
	or	$0x83, %eax
	mov	%eax, conf_pd(,%ecx,8)
	mov	%ecx, %eax
	shr	$11, %eax                /* bits 32+ of the address: index / 2048 */
	mov	%eax, conf_pd+4(,%ecx,8)
	inc	%ecx
	cmp	$2048, %ecx
	jne	2b

	lgdt	conf_gdt_ptr
	mov	$(CR0_PE | CR0_ET | CR0_NE), %eax
	mov	%eax, %cr0
	mov	$CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$conf_pml4, %eax
	mov	%eax, %cr3
	mov	$EFER, %ecx             /* EFER = LME only: NXE/SCE as the loader left them would differ */
	mov	$EFER_LME, %eax
	xor	%edx, %edx
	wrmsr
	mov	$(CR0_PE | CR0_ET | CR0_NE | CR0_PG), %eax
	mov	%eax, %cr0
	ljmp	$0x08, $long_mode
	.size _start, . - _start

	.code64
long_mode:
	mov	$0x10, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	lea	__stack_top(%rip), %rsp
	xor	%ebp, %ebp
	call	main
	mov	%eax, %edi
	call	conf_exit
3:	cli
	hlt
	jmp	3b

	.section .rodata
	.balign 16
conf_gdt:
	.quad	0                        /* null */
	.quad	0x00af9a000000ffff       /* 0x08: 64-bit code, the selector lib/trap64.c uses */
	.quad	0x00cf92000000ffff       /* 0x10: flat data */
conf_gdt_end:
conf_gdt_ptr:
	.short	conf_gdt_end - conf_gdt - 1
	.long	conf_gdt

	.bss
	.balign 4096
conf_pml4:	.skip 4096
conf_pdpt:	.skip 4096
conf_pd:	.skip 4 * 4096
	.globl conf_boot_magic, conf_boot_info
conf_boot_magic:	.long 0
conf_boot_info:		.long 0
	.section .note.GNU-stack, "", @progbits
