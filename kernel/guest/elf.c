/* SPDX-License-Identifier: MIT */
/*
 * ELF loader for partition images. See septum/elf.h for the contract.
 *
 * Layouts: System V gABI, "ELF Header" and "Program Header" (Figures 4-3,
 * 5-1); machine numbers from the Intel386 and AMD64 psABIs. The file is
 * untrusted: headers are copied out with memcpy (the image need not be
 * aligned), and every sum of two file-supplied values is checked for
 * overflow before it is compared with anything.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <septum/elf.h>
#include <septum/why.h>

/* e_ident[] (gABI "ELF Identification"). */
#define EI_NIDENT     16
#define EI_CLASS      4
#define EI_DATA       5
#define EI_VERSION    6
#define ELFCLASS32    1
#define ELFCLASS64    2
#define ELFDATA2LSB   1
#define EV_CURRENT    1

#define ET_EXEC       2
#define EM_386        3
#define EM_X86_64     62
#define PN_XNUM       0xffff   /* e_phnum escape: real count in section 0 */

#define PT_LOAD       1
#define PT_INTERP     3

#define SZ_4G         (1ull << 32)

struct elf32_ehdr {
	uint8_t  e_ident[EI_NIDENT];    /*  0 */
	uint16_t e_type;                /* 16 */
	uint16_t e_machine;             /* 18 */
	uint32_t e_version;             /* 20 */
	uint32_t e_entry;               /* 24 */
	uint32_t e_phoff;               /* 28 */
	uint32_t e_shoff;               /* 32 */
	uint32_t e_flags;               /* 36 */
	uint16_t e_ehsize;              /* 40 */
	uint16_t e_phentsize;           /* 42 */
	uint16_t e_phnum;               /* 44 */
	uint16_t e_shentsize;           /* 46 */
	uint16_t e_shnum;               /* 48 */
	uint16_t e_shstrndx;            /* 50 */
};
_Static_assert(sizeof(struct elf32_ehdr) == 52, "gABI Elf32_Ehdr");
_Static_assert(offsetof(struct elf32_ehdr, e_phnum) == 44, "gABI Elf32_Ehdr");

struct elf64_ehdr {
	uint8_t  e_ident[EI_NIDENT];    /*  0 */
	uint16_t e_type;                /* 16 */
	uint16_t e_machine;             /* 18 */
	uint32_t e_version;             /* 20 */
	uint64_t e_entry;               /* 24 */
	uint64_t e_phoff;               /* 32 */
	uint64_t e_shoff;               /* 40 */
	uint32_t e_flags;               /* 48 */
	uint16_t e_ehsize;              /* 52 */
	uint16_t e_phentsize;           /* 54 */
	uint16_t e_phnum;               /* 56 */
	uint16_t e_shentsize;           /* 58 */
	uint16_t e_shnum;               /* 60 */
	uint16_t e_shstrndx;            /* 62 */
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "gABI Elf64_Ehdr");
_Static_assert(offsetof(struct elf64_ehdr, e_phnum) == 56, "gABI Elf64_Ehdr");

struct elf32_phdr {
	uint32_t p_type;                /*  0 */
	uint32_t p_offset;              /*  4 */
	uint32_t p_vaddr;               /*  8 */
	uint32_t p_paddr;               /* 12 */
	uint32_t p_filesz;              /* 16 */
	uint32_t p_memsz;               /* 20 */
	uint32_t p_flags;               /* 24 */
	uint32_t p_align;               /* 28 */
};
_Static_assert(sizeof(struct elf32_phdr) == 32, "gABI Elf32_Phdr");

struct elf64_phdr {
	uint32_t p_type;                /*  0 */
	uint32_t p_flags;               /*  4 */
	uint64_t p_offset;              /*  8 */
	uint64_t p_vaddr;               /* 16 */
	uint64_t p_paddr;               /* 24 */
	uint64_t p_filesz;              /* 32 */
	uint64_t p_memsz;               /* 40 */
	uint64_t p_align;               /* 48 */
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "gABI Elf64_Phdr");

/* Both classes widened to one shape. */
struct ehdr {
	unsigned bits;
	uint16_t type, machine, ehsize, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff;
};

struct phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

/*
 * Formats the reason into why. The house rule is that a reason is never cut
 * without notice: callers size why with ELF_WHY_MAX (every message here fits),
 * and a smaller buffer gets a visible "..." at the cut.
 */

/* 64-bit values are printed as unsigned long, 64 bits on x86_64. */
static unsigned long ul(uint64_t v)
{
	return (unsigned long)v;
}

static int read_ident(const uint8_t *p, size_t size, unsigned *bits, char *why, size_t whylen)
{
	if (size < EI_NIDENT)
		return why_fail(why, whylen, "file too short for an ELF header (%lu bytes)", ul(size));
	if (memcmp(p, "\177ELF", 4) != 0)
		return why_fail(why, whylen, "not an ELF file (bad magic)");
	if (p[EI_CLASS] != ELFCLASS32 && p[EI_CLASS] != ELFCLASS64)
		return why_fail(why, whylen, "unknown ELF class %u", p[EI_CLASS]);
	if (p[EI_DATA] != ELFDATA2LSB)
		return why_fail(why, whylen, "not a little-endian ELF file (EI_DATA %u)", p[EI_DATA]);
	if (p[EI_VERSION] != EV_CURRENT)
		return why_fail(why, whylen, "unknown ELF version %u", p[EI_VERSION]);
	*bits = p[EI_CLASS] == ELFCLASS32 ? 32 : 64;
	return 0;
}

static int read_ehdr(const uint8_t *p, size_t size, struct ehdr *eh, char *why, size_t whylen)
{
	if (read_ident(p, size, &eh->bits, why, whylen))
		return -1;
	if (eh->bits == 32) {
		struct elf32_ehdr e;

		if (size < sizeof(e))
			return why_fail(why, whylen, "truncated ELF header (%lu of %lu bytes)",
				    ul(size), ul(sizeof(e)));
		memcpy(&e, p, sizeof(e));
		*eh = (struct ehdr){ 32, e.e_type, e.e_machine, e.e_ehsize, e.e_phentsize,
				     e.e_phnum, e.e_version, e.e_entry, e.e_phoff };
	} else {
		struct elf64_ehdr e;

		if (size < sizeof(e))
			return why_fail(why, whylen, "truncated ELF header (%lu of %lu bytes)",
				    ul(size), ul(sizeof(e)));
		memcpy(&e, p, sizeof(e));
		*eh = (struct ehdr){ 64, e.e_type, e.e_machine, e.e_ehsize, e.e_phentsize,
				     e.e_phnum, e.e_version, e.e_entry, e.e_phoff };
	}
	return 0;
}

static int check_ehdr(const struct ehdr *eh, size_t size, char *why, size_t whylen)
{
	const bool is32 = eh->bits == 32;
	const unsigned want_machine = is32 ? EM_386 : EM_X86_64;
	const size_t ehsize = is32 ? sizeof(struct elf32_ehdr) : sizeof(struct elf64_ehdr);
	const size_t phentsize = is32 ? sizeof(struct elf32_phdr) : sizeof(struct elf64_phdr);

	if (eh->type != ET_EXEC)
		return why_fail(why, whylen, "not an executable (e_type %u, want ET_EXEC)", eh->type);
	if (eh->machine != want_machine)
		return why_fail(why, whylen, "ELFCLASS%u image for machine %u (want %s)", eh->bits,
			    eh->machine, is32 ? "EM_386" : "EM_X86_64");
	if (eh->version != EV_CURRENT)
		return why_fail(why, whylen, "unknown e_version %lu", ul(eh->version));
	if (eh->ehsize != ehsize)
		return why_fail(why, whylen, "e_ehsize %u, want %lu", eh->ehsize, ul(ehsize));
	if (eh->phnum == 0)
		return why_fail(why, whylen, "no program headers");
	if (eh->phnum == PN_XNUM)
		return why_fail(why, whylen, "extended program header numbering (PN_XNUM) unsupported");
	if (eh->phentsize != phentsize)
		return why_fail(why, whylen, "e_phentsize %u, want %lu", eh->phentsize, ul(phentsize));
	/* phnum * phentsize < 2^16 * 56: cannot overflow. */
	if (eh->phoff > size || (uint64_t)eh->phnum * phentsize > size - eh->phoff)
		return why_fail(why, whylen, "program headers at 0x%lx (%u x %u bytes) outside the file (%lu bytes)",
			    ul(eh->phoff), eh->phnum, eh->phentsize, ul(size));
	return 0;
}

static void read_phdr(const uint8_t *p, const struct ehdr *eh, unsigned i, struct phdr *ph)
{
	if (eh->bits == 32) {
		struct elf32_phdr e;

		memcpy(&e, p + eh->phoff + (size_t)i * sizeof(e), sizeof(e));
		*ph = (struct phdr){ e.p_type, e.p_flags, e.p_offset, e.p_vaddr, e.p_paddr,
				     e.p_filesz, e.p_memsz };
	} else {
		struct elf64_phdr e;

		memcpy(&e, p + eh->phoff + (size_t)i * sizeof(e), sizeof(e));
		*ph = (struct phdr){ e.p_type, e.p_flags, e.p_offset, e.p_vaddr, e.p_paddr,
				     e.p_filesz, e.p_memsz };
	}
}

/* Checks one PT_LOAD (memsz > 0) on its own: sizes, file range, address range. */
static int check_load(const struct phdr *ph, unsigned i, unsigned bits, size_t size,
		      char *why, size_t whylen)
{
	if (ph->filesz > ph->memsz)
		return why_fail(why, whylen, "phdr %u: p_filesz 0x%lx > p_memsz 0x%lx", i,
			    ul(ph->filesz), ul(ph->memsz));
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return why_fail(why, whylen, "phdr %u: bytes 0x%lx+0x%lx outside the file (%lu bytes)",
			    i, ul(ph->offset), ul(ph->filesz), ul(size));
	/* The last byte, paddr + memsz - 1, must not wrap (memsz > 0 here). */
	if (ph->memsz - 1 > UINT64_MAX - ph->paddr)
		return why_fail(why, whylen, "phdr %u: p_paddr 0x%lx+0x%lx wraps around", i,
			    ul(ph->paddr), ul(ph->memsz));
	if (ph->memsz - 1 > UINT64_MAX - ph->vaddr)
		return why_fail(why, whylen, "phdr %u: p_vaddr 0x%lx+0x%lx wraps around", i,
			    ul(ph->vaddr), ul(ph->memsz));
	/* A 32-bit guest starts with paging off: it cannot reach past 4 GiB. */
	if (bits == 32 && ph->paddr + ph->memsz > SZ_4G)
		return why_fail(why, whylen, "phdr %u: 0x%lx+0x%lx reaches past 4 GiB in a 32-bit image",
			    i, ul(ph->paddr), ul(ph->memsz));
	return 0;
}

static bool segs_overlap(const struct elf_segment *a, const struct elf_segment *b)
{
	/* Compare last bytes, not ends: an end can be 2^64. */
	return a->paddr <= b->paddr + (b->memsz - 1) && b->paddr <= a->paddr + (a->memsz - 1);
}

/* Entry: inside an executable segment's virtual range; returned as a GPA. */
static int find_entry(const struct elf_image *img, const uint64_t *vaddr, uint64_t entry,
		      char *why, size_t whylen)
{
	for (unsigned s = 0; s < img->nseg; s++) {
		const struct elf_segment *seg = &img->seg[s];

		if ((seg->flags & ELF_PF_X) && entry >= vaddr[s] && entry - vaddr[s] < seg->memsz)
			return (int)s;
	}
	return why_fail(why, whylen, "entry point 0x%lx is not inside an executable segment",
		    ul(entry));
}

int elf_parse(const void *data, size_t size, struct elf_image *img, char *why, size_t whylen)
{
	const uint8_t *p = data;
	uint64_t vaddr[ELF_MAX_SEGMENTS];
	struct ehdr eh = { 0 };
	int s;

	if (read_ehdr(p, size, &eh, why, whylen) || check_ehdr(&eh, size, why, whylen))
		return -1;

	img->bits = eh.bits;
	img->nseg = 0;
	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf_segment *seg = &img->seg[img->nseg];
		struct phdr ph;

		read_phdr(p, &eh, i, &ph);
		if (ph.type == PT_INTERP)
			return why_fail(why, whylen, "phdr %u: PT_INTERP: needs a dynamic loader", i);
		/* An empty PT_LOAD occupies nothing (gABI allows it). */
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (check_load(&ph, i, eh.bits, size, why, whylen))
			return -1;
		if (img->nseg == ELF_MAX_SEGMENTS)
			return why_fail(why, whylen, "more than %u loadable segments", ELF_MAX_SEGMENTS);
		*seg = (struct elf_segment){ ph.paddr, ph.memsz, ph.filesz, ph.offset,
					     ph.flags & (ELF_PF_X | ELF_PF_W | ELF_PF_R) };
		for (unsigned k = 0; k < img->nseg; k++)
			if (segs_overlap(&img->seg[k], seg))
				return why_fail(why, whylen, "phdr %u: 0x%lx+0x%lx overlaps another segment at 0x%lx+0x%lx",
					    i, ul(seg->paddr), ul(seg->memsz),
					    ul(img->seg[k].paddr), ul(img->seg[k].memsz));
		vaddr[img->nseg++] = ph.vaddr;
	}
	if (img->nseg == 0)
		return why_fail(why, whylen, "no loadable segment (PT_LOAD)");

	s = find_entry(img, vaddr, eh.entry, why, whylen);
	if (s < 0)
		return -1;
	img->entry = img->seg[s].paddr + (eh.entry - vaddr[s]);
	return 0;
}

int elf_check_fits(const struct elf_image *img, uint64_t ram_size, char *why, size_t whylen)
{
	for (unsigned s = 0; s < img->nseg; s++) {
		const struct elf_segment *seg = &img->seg[s];

		if (seg->paddr < ELF_GUEST_LOAD_MIN)
			return why_fail(why, whylen, "segment at 0x%lx is below 0x%lx (reserved for boot data)",
				    ul(seg->paddr), ul(ELF_GUEST_LOAD_MIN));
		if (seg->memsz > ram_size || seg->paddr > ram_size - seg->memsz)
			return why_fail(why, whylen, "segment 0x%lx+0x%lx does not fit in 0x%lx bytes of RAM",
				    ul(seg->paddr), ul(seg->memsz), ul(ram_size));
	}
	return 0;
}

void elf_load(const struct elf_image *img, const void *data, uint8_t *ram, uint64_t ram_size)
{
	const uint8_t *p = data;

	(void)ram_size; /* elf_check_fits() has bounded every segment by it */
	for (unsigned s = 0; s < img->nseg; s++) {
		const struct elf_segment *seg = &img->seg[s];

		memcpy(ram + seg->paddr, p + seg->offset, seg->filesz);
		memset(ram + seg->paddr + seg->filesz, 0, seg->memsz - seg->filesz);
	}
}
