/* SPDX-License-Identifier: MIT */
/*
 * Placement of the core, septum.elf: an ELF64 x86-64 static PIE (ET_DYN,
 * linked with `ld -static -pie`). Validated, copied to base + p_vaddr for
 * every PT_LOAD, bss zeroed, and relocated by its own R_X86_64_RELATIVE
 * entries. Pure code: no UEFI, builds on the host; the caller allocates.
 */
#ifndef SEPTUM_BOOT_ELF_LOAD_H
#define SEPTUM_BOOT_ELF_LOAD_H

#include <stdbool.h>
#include <stdint.h>

/* Upper bound on the image span the loader accepts: the core is a few MiB;
 * anything near this is a broken or hostile file, not a core. */
#define ELF_MAX_SPAN (256ull << 20)

struct elf_info {
	uint64_t span;  /* max(p_vaddr + p_memsz) over PT_LOADs, page-rounded */
	uint64_t entry; /* e_entry: offset of the entry point from the base */
};

struct elf_error {
	const char *reason; /* static text; with has_value it ends naming value */
	uint64_t    value;  /* e.g. the relocation type: "reason: value" */
	bool        has_value;
};

/*
 * Checks the file header and program headers of image[0..size): magic,
 * ELFCLASS64, little endian, ET_DYN, EM_X86_64, header sizes, every PT_LOAD
 * inside the file, p_filesz <= p_memsz, PT_LOADs ascending and disjoint,
 * no arithmetic overflow, span <= ELF_MAX_SPAN, entry inside an executable
 * PT_LOAD, PT_DYNAMIC inside the file. Fills *info.
 * Returns 0, or -1 with *err filled.
 */
int elf_check(const void *image, uint64_t size, struct elf_info *info, struct elf_error *err);

/*
 * Places a file that passed elf_check at base: zeroes [base, base + span),
 * copies each PT_LOAD to base + p_vaddr, then applies the DT_RELA table:
 * R_X86_64_RELATIVE (*(u64 *)(base + r_offset) = base + r_addend) and
 * R_X86_64_NONE only. Any other type, DT_REL, DT_RELR or PLT relocations,
 * or a relocation outside the span is an error (the type is in err->value).
 * Returns 0, or -1 with *err filled; on failure the block is garbage.
 */
int elf_place(const void *image, uint64_t size, const struct elf_info *info, uint64_t base,
	      struct elf_error *err);

#endif /* SEPTUM_BOOT_ELF_LOAD_H */
