/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 header and entry of the mbtest kernel (Multiboot
 * Specification 0.6.96). The header uses the address fields (§3.1.3, flags
 * bit 16), so this kernel exercises the loader's a.out-kludge path even
 * though the file is an ELF: mb.ld puts everything in one PT_LOAD segment,
 * so file offsets and addresses differ by one constant, as the fields
 * require.
 */
#define MB1_MAGIC  0x1badb002
#define MB1_FLAGS  0x00010003   /* bit 0: page-aligned modules, 1: memory info, 16: address fields */

	.section .multiboot, "a"
	.balign 4
mb1_header:
	.long	MB1_MAGIC
	.long	MB1_FLAGS
	.long	-(MB1_MAGIC + MB1_FLAGS)   /* §3.1.2: magic + flags + checksum = 0 */
	.long	mb1_header                 /* header_addr */
	.long	__image_start              /* load_addr: the file's first byte of the segment */
	.long	__data_end                 /* load_end_addr: end of the initialised data */
	.long	__bss_end                  /* bss_end_addr: the loader zeroes up to here */
	.long	_start                     /* entry_addr */

#include "entry.S"
