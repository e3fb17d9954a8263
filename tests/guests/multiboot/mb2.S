/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 header and entry of the mbtest kernel (Multiboot2
 * Specification 1.6, "OS image format"). No address tag: the loader takes
 * the ELF program headers. An information request asks for the tags the
 * kernel prints (required, so a loader that cannot give them refuses it).
 */
#define MB2_MAGIC  0xe85250d6
#define MB2_ARCH   0            /* i386, 32-bit protected mode */

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long	MB2_MAGIC
	.long	MB2_ARCH
	.long	mb2_header_end - mb2_header
	.long	-(MB2_MAGIC + MB2_ARCH + (mb2_header_end - mb2_header))
	.balign 8
	/* Information request (type 1, required): cmdline 1, modules 3, mmap 6. */
	.short	1, 0
	.long	8 + 3 * 4
	.long	1, 3, 6
	.balign 8
	/* Module alignment (type 6): modules page aligned. */
	.short	6, 0
	.long	8
	.balign 8
	/* End tag. */
	.short	0, 0
	.long	8
mb2_header_end:

#include "entry.S"
