/* SPDX-License-Identifier: MIT */
/*
 * ELF loader for partition images (System V gABI "Object Files" chapter,
 * Intel386 psABI, AMD64 psABI).
 *
 * Only statically linked executables (ET_EXEC) are accepted: ELFCLASS32 for
 * EM_386 (entered in 32-bit protected mode) and ELFCLASS64 for EM_X86_64.
 * Segments are placed at their physical address p_paddr, which Septum reads
 * as a guest-physical address. The image is untrusted input: every field is
 * checked before it is used, and a refusal comes with a one-line reason.
 *
 * Pure logic: no allocation, no output, no global state.
 */
#ifndef SEPTUM_ELF_H
#define SEPTUM_ELF_H

#include <septum/types.h>

#define ELF_MAX_SEGMENTS 16
/* GPAs below 1 MiB hold Septum-built guest boot structures */
#define ELF_GUEST_LOAD_MIN 0x100000ull
#define ELF_WHY_MAX 128                 /* every reason fits in this many bytes with its NUL */

/* elf_segment.flags: p_flags of the program header. */
#define ELF_PF_X 1u
#define ELF_PF_W 2u
#define ELF_PF_R 4u

struct elf_segment {
	uint64_t paddr, memsz, filesz, offset;
	uint32_t flags;         /* PF_X=1 PF_W=2 PF_R=4 (ELF_PF_*) */
};

/*
 * bits: 32 or 64 (the ELF class).
 * entry: guest-physical entry point: e_entry translated through the
 *        executable PT_LOAD containing it (e_entry - p_vaddr + p_paddr), so
 *        images linked at a virtual address other than their load address
 *        are entered correctly with paging off or identity mapped.
 * seg[0..nseg): the PT_LOAD segments with p_memsz > 0, in file order,
 *        pairwise disjoint in guest-physical space.
 */
struct elf_image {
	unsigned bits;          /* 32 or 64 */
	uint64_t entry;
	unsigned nseg;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Validates the ELF image data[0..size) and describes it in *img.
 * Returns 0, or -1 with a NUL-terminated one-line reason in why (which should
 * hold ELF_WHY_MAX bytes; a shorter buffer gets the reason cut, ending in
 * "..."). *img is unspecified after a failure.
 */
int elf_parse(const void *data, size_t size, struct elf_image *img, char *why, size_t whylen);

/*
 * Checks that every segment of img lies inside [ELF_GUEST_LOAD_MIN, ram_size),
 * the guest RAM left for the image. Returns 0 or -1 with a reason in why.
 */
int elf_check_fits(const struct elf_image *img, uint64_t ram_size, char *why, size_t whylen);

/*
 * Copies each segment's file bytes to ram[paddr..paddr+filesz) and zeroes
 * the rest up to memsz (.bss). ram is the guest's RAM as the caller sees it,
 * GPA 0 at ram[0]; data is the image elf_parse() accepted for img.
 * Precondition: elf_check_fits(img, ram_size) returned 0.
 */
void elf_load(const struct elf_image *img, const void *data, uint8_t *ram, uint64_t ram_size);

#endif /* SEPTUM_ELF_H */
