/* SPDX-License-Identifier: MIT */
/*
 * ELF64 static-PIE placement for the core (see elf_load.h).
 *
 * Layouts are from the System V gABI ("ELF-64 Object File Format" 1.5,
 * sections 2-5) and the x86-64 psABI (section 4.4 relocation types). They
 * are declared here rather than taken from <elf.h> so the loader builds
 * with nothing but the compiler's freestanding headers.
 *
 * Every size and offset read from the file is untrusted: each sum is
 * checked for wrap-around before it is compared with a bound.
 */
#include "elf_load.h"

#include <stddef.h>

/* gABI: e_ident indices and values */
#define EI_MAG0       0
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define EI_NIDENT     16
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1
#define ET_DYN        3
#define EM_X86_64     62

/* gABI: segment types and flags */
#define PT_LOAD       1
#define PT_DYNAMIC    2
#define PF_X          0x1

/* gABI: dynamic section tags */
#define DT_NULL       0
#define DT_PLTRELSZ   2
#define DT_RELA       7
#define DT_RELASZ     8
#define DT_RELAENT    9
#define DT_REL        17
#define DT_JMPREL     23
#define DT_RELRSZ     35
#define DT_RELR       36

/* x86-64 psABI 4.4.1 */
#define R_X86_64_NONE     0
#define R_X86_64_RELATIVE 8
#define ELF64_R_TYPE(i)   ((uint32_t)((i) & 0xffffffffu))

#define EPAGE 4096ull

typedef struct {
	unsigned char e_ident[EI_NIDENT];
	uint16_t      e_type;
	uint16_t      e_machine;
	uint32_t      e_version;
	uint64_t      e_entry;
	uint64_t      e_phoff;
	uint64_t      e_shoff;
	uint32_t      e_flags;
	uint16_t      e_ehsize;
	uint16_t      e_phentsize;
	uint16_t      e_phnum;
	uint16_t      e_shentsize;
	uint16_t      e_shnum;
	uint16_t      e_shstrndx;
} Elf64_Ehdr;

typedef struct {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
} Elf64_Phdr;

typedef struct {
	int64_t  d_tag;
	uint64_t d_val;
} Elf64_Dyn;

typedef struct {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t  r_addend;
} Elf64_Rela;

_Static_assert(sizeof(Elf64_Ehdr) == 64, "gABI: ELF-64 file header is 64 bytes");
_Static_assert(offsetof(Elf64_Ehdr, e_phoff) == 32, "gABI: e_phoff at 32");
_Static_assert(offsetof(Elf64_Ehdr, e_phnum) == 56, "gABI: e_phnum at 56");
_Static_assert(sizeof(Elf64_Phdr) == 56, "gABI: program header entry is 56 bytes");
_Static_assert(sizeof(Elf64_Dyn) == 16, "gABI: dynamic entry is 16 bytes");
_Static_assert(sizeof(Elf64_Rela) == 24, "gABI: Elf64_Rela is 24 bytes");

static int fail(struct elf_error *err, const char *reason)
{
	err->reason = reason;
	err->value = 0;
	err->has_value = false;
	return -1;
}

static int fail_val(struct elf_error *err, const char *reason, uint64_t value)
{
	fail(err, reason);
	err->value = value;
	err->has_value = true;
	return -1;
}

/* [off, off + len) lies inside [0, limit) without wrapping. */
static bool range_ok(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

static const Elf64_Phdr *phdr(const void *image, unsigned i)
{
	const Elf64_Ehdr *eh = image;

	return (const Elf64_Phdr *)((const unsigned char *)image + eh->e_phoff) + i;
}

static int check_header(const Elf64_Ehdr *eh, uint64_t size, struct elf_error *err)
{
	static const unsigned char magic[4] = { 0x7f, 'E', 'L', 'F' };
	unsigned i;

	if (size < sizeof(*eh))
		return fail(err, "file shorter than an ELF64 header");
	for (i = 0; i < 4; i++)
		if (eh->e_ident[EI_MAG0 + i] != magic[i])
			return fail(err, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return fail(err, "not ELFCLASS64");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return fail(err, "not little endian (ELFDATA2LSB)");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return fail(err, "unknown ELF version");
	if (eh->e_type != ET_DYN)
		return fail_val(err, "not a static PIE: e_type is not ET_DYN but",
				eh->e_type);
	if (eh->e_machine != EM_X86_64)
		return fail_val(err, "not an x86-64 file: e_machine is", eh->e_machine);
	if (eh->e_ehsize < sizeof(*eh))
		return fail(err, "e_ehsize smaller than an ELF64 header");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail_val(err, "unexpected e_phentsize", eh->e_phentsize);
	if (eh->e_phnum == 0)
		return fail(err, "no program headers");
	if (eh->e_phoff % 8)
		return fail(err, "misaligned program header table");
	if (!range_ok(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size))
		return fail(err, "program header table outside the file");
	return 0;
}

static int check_load(const Elf64_Phdr *ph, uint64_t size, uint64_t *prev_end,
		      struct elf_error *err)
{
	if (!range_ok(ph->p_offset, ph->p_filesz, size))
		return fail(err, "PT_LOAD segment outside the file");
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, "PT_LOAD with p_filesz > p_memsz");
	if (!range_ok(ph->p_vaddr, ph->p_memsz, ELF_MAX_SPAN))
		return fail_val(err, "PT_LOAD reaches beyond the maximum image span of bytes", ELF_MAX_SPAN);
	/* gABI: loadable segments appear in ascending p_vaddr order. Overlap
	 * would let one segment's bss wipe another's contents. */
	if (ph->p_vaddr < *prev_end)
		return fail(err, "PT_LOAD segments overlap or are not in ascending order");
	*prev_end = ph->p_vaddr + ph->p_memsz;
	return 0;
}

int elf_check(const void *image, uint64_t size, struct elf_info *info, struct elf_error *err)
{
	const Elf64_Ehdr *eh = image;
	uint64_t end = 0;
	bool entry_ok = false, have_load = false;
	unsigned i;

	if (check_header(eh, size, err))
		return -1;
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(image, i);

		if (ph->p_type == PT_DYNAMIC) {
			if (!range_ok(ph->p_offset, ph->p_filesz, size) || ph->p_offset % 8)
				return fail(err, "PT_DYNAMIC outside the file or misaligned");
			continue;
		}
		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (check_load(ph, size, &end, err))
			return -1;
		have_load = true;
		if ((ph->p_flags & PF_X) && eh->e_entry >= ph->p_vaddr &&
		    eh->e_entry - ph->p_vaddr < ph->p_memsz)
			entry_ok = true;
	}
	if (!have_load)
		return fail(err, "no PT_LOAD segment");
	if (!entry_ok)
		return fail_val(err, "entry point not inside an executable PT_LOAD: e_entry is", eh->e_entry);
	info->span = (end + EPAGE - 1) & ~(EPAGE - 1);
	info->entry = eh->e_entry;
	return 0;
}

struct rela_table {
	uint64_t addr, size, ent;
};

/* Reads the relocation-related tags of PT_DYNAMIC from the file. */
static int read_dynamic(const void *image, const Elf64_Phdr *dyn, struct rela_table *t,
			struct elf_error *err)
{
	const Elf64_Dyn *d = (const Elf64_Dyn *)((const unsigned char *)image + dyn->p_offset);
	uint64_t i, n = dyn->p_filesz / sizeof(*d);

	for (i = 0; i < n && d[i].d_tag != DT_NULL; i++) {
		switch (d[i].d_tag) {
		case DT_RELA:    t->addr = d[i].d_val; break;
		case DT_RELASZ:  t->size = d[i].d_val; break;
		case DT_RELAENT: t->ent = d[i].d_val; break;
		case DT_REL:
			return fail(err, "DT_REL relocations (x86-64 uses DT_RELA)");
		case DT_RELR:
		case DT_RELRSZ:
			return fail(err, "DT_RELR packed relocations (link without -z pack-relative-relocs)");
		case DT_JMPREL:
		case DT_PLTRELSZ:
			if (d[i].d_val)
				return fail(err, "PLT relocations (a static PIE must have none)");
			break;
		default:
			break;
		}
	}
	return 0;
}

static int apply_rela(const struct rela_table *t, uint64_t base, uint64_t span,
		      struct elf_error *err)
{
	uint64_t i;

	if (t->size == 0)
		return 0;
	if (t->ent != sizeof(Elf64_Rela))
		return fail_val(err, "DT_RELAENT is not sizeof(Elf64_Rela) (24) but", t->ent);
	if (t->size % sizeof(Elf64_Rela) || t->addr % 8 || !range_ok(t->addr, t->size, span))
		return fail(err, "DT_RELA table outside the image or misaligned");
	for (i = 0; i < t->size / sizeof(Elf64_Rela); i++) {
		const Elf64_Rela *r = (const Elf64_Rela *)(uintptr_t)(base + t->addr) + i;
		uint32_t type = ELF64_R_TYPE(r->r_info);

		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE)
			return fail_val(err, "unsupported relocation (only R_X86_64_RELATIVE and "
					"R_X86_64_NONE are allowed), type", type);
		if (!range_ok(r->r_offset, 8, span))
			return fail_val(err, "relocation outside the image, r_offset", r->r_offset);
		/* psABI 4.4: R_X86_64_RELATIVE computes B + A. */
		*(uint64_t *)(uintptr_t)(base + r->r_offset) = base + (uint64_t)r->r_addend;
	}
	return 0;
}

int elf_place(const void *image, uint64_t size, const struct elf_info *info, uint64_t base,
	      struct elf_error *err)
{
	const Elf64_Ehdr *eh = image;
	struct rela_table t = { 0, 0, 0 };
	unsigned i;

	(void)size; /* every range was checked against it by elf_check */
	__builtin_memset((void *)(uintptr_t)base, 0, info->span);
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(image, i);

		if (ph->p_type == PT_LOAD && ph->p_filesz)
			__builtin_memcpy((void *)(uintptr_t)(base + ph->p_vaddr),
					 (const unsigned char *)image + ph->p_offset, ph->p_filesz);
	}
	for (i = 0; i < eh->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(image, i);

		if (ph->p_type == PT_DYNAMIC && read_dynamic(image, ph, &t, err))
			return -1;
	}
	return apply_rela(&t, base, info->span, err);
}
