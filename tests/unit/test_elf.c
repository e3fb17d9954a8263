/* SPDX-License-Identifier: MIT */
/*
 * ELF loader: valid 32- and 64-bit images assembled byte by byte here (not
 * with the loader's own structs), loaded into a fake RAM; then one test per
 * kind of malformed image, each checking the exact reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/elf.h>

#define IMG_MAX  0x4000
#define RAM_SIZE (4ull << 20)

#define PT_NULL   0
#define PT_LOAD   1
#define PT_INTERP 3
#define PT_NOTE   4

struct seg_spec {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
	uint32_t flags;
};

/* What an image is made of; tests start from a valid one and break a field. */
struct spec {
	unsigned bits;
	uint8_t ident_class, ident_data, ident_version;
	uint16_t type, machine, ehsize, phentsize, phnum;
	uint32_t version;
	uint64_t entry, phoff;
	unsigned nseg;
	struct seg_spec seg[20];
};

struct image {
	uint8_t bytes[IMG_MAX];
	size_t size;
};

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A recognisable byte for each file offset. */
static uint8_t file_byte(uint64_t off)
{
	return (uint8_t)(off * 7 + 3);
}

static size_t ehdr_size(unsigned bits)
{
	return bits == 32 ? 52 : 64;
}

static size_t phdr_size(unsigned bits)
{
	return bits == 32 ? 32 : 56;
}

/* Text at 1 MiB (R+X, entry inside), data at 2 MiB with .bss (R+W). */
static struct spec valid_spec(unsigned bits)
{
	struct spec s = {
		.bits = bits,
		.ident_class = bits == 32 ? 1 : 2, .ident_data = 1, .ident_version = 1,
		.type = 2, .machine = bits == 32 ? 3 : 62, .version = 1,
		.ehsize = (uint16_t)ehdr_size(bits), .phentsize = (uint16_t)phdr_size(bits),
		.phnum = 2, .phoff = ehdr_size(bits), .entry = 0x100010, .nseg = 2,
		.seg = {
			{ PT_LOAD, 0x1000, 0x100000, 0x100000, 0x100, 0x100, 5 },
			{ PT_LOAD, 0x2000, 0x200000, 0x200000, 0x80, 0x2000, 6 },
		},
	};
	return s;
}

static void build(struct image *img, const struct spec *s)
{
	uint8_t *b = img->bytes;
	const size_t ph = phdr_size(s->bits);

	for (size_t i = 0; i < IMG_MAX; i++)
		b[i] = file_byte(i);
	memset(b, 0, ehdr_size(s->bits));
	memcpy(b, "\177ELF", 4);
	b[4] = s->ident_class;
	b[5] = s->ident_data;
	b[6] = s->ident_version;
	put(b + 16, s->type, 2);
	put(b + 18, s->machine, 2);
	put(b + 20, s->version, 4);
	if (s->bits == 32) {
		put(b + 24, s->entry, 4);
		put(b + 28, s->phoff, 4);
		put(b + 40, s->ehsize, 2);
		put(b + 42, s->phentsize, 2);
		put(b + 44, s->phnum, 2);
	} else {
		put(b + 24, s->entry, 8);
		put(b + 32, s->phoff, 8);
		put(b + 52, s->ehsize, 2);
		put(b + 54, s->phentsize, 2);
		put(b + 56, s->phnum, 2);
	}
	for (unsigned i = 0; i < s->nseg && s->phoff <= IMG_MAX && (i + 1) * ph <= IMG_MAX - s->phoff; i++) {
		uint8_t *p = b + s->phoff + i * ph;
		const struct seg_spec *g = &s->seg[i];

		if (s->bits == 32) {
			put(p + 0, g->type, 4);
			put(p + 4, g->offset, 4);
			put(p + 8, g->vaddr, 4);
			put(p + 12, g->paddr, 4);
			put(p + 16, g->filesz, 4);
			put(p + 20, g->memsz, 4);
			put(p + 24, g->flags, 4);
			put(p + 28, 0x1000, 4);
		} else {
			put(p + 0, g->type, 4);
			put(p + 4, g->flags, 4);
			put(p + 8, g->offset, 8);
			put(p + 16, g->vaddr, 8);
			put(p + 24, g->paddr, 8);
			put(p + 32, g->filesz, 8);
			put(p + 40, g->memsz, 8);
			put(p + 48, 0x1000, 8);
		}
	}
	img->size = 0x2080; /* through the end of the data segment's file bytes */
}

static struct image *make(const struct spec *s)
{
	struct image *img = calloc(1, sizeof(*img));

	assert_non_null(img);
	build(img, s);
	return img;
}

/* Parses, expects a failure with exactly `reason`. */
static void expect_reject(const struct image *img, const char *reason)
{
	struct elf_image out;
	char why[ELF_WHY_MAX];

	memset(why, 0, sizeof(why));
	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), -1);
	assert_string_equal(why, reason);
}

static void expect_spec_reject(const struct spec *s, const char *reason)
{
	struct image *img = make(s);

	expect_reject(img, reason);
	free(img);
}

/* ------------------------------------------------------------ valid images */

static void check_loaded(unsigned bits)
{
	struct spec s = valid_spec(bits);
	struct image *img = make(&s);
	struct elf_image out;
	char why[ELF_WHY_MAX] = "";
	uint8_t *ram = malloc(RAM_SIZE);

	assert_non_null(ram);
	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	assert_int_equal(out.bits, bits);
	assert_int_equal(out.entry, 0x100010);
	assert_int_equal(out.nseg, 2);
	assert_int_equal(out.seg[0].paddr, 0x100000);
	assert_int_equal(out.seg[0].memsz, 0x100);
	assert_int_equal(out.seg[0].filesz, 0x100);
	assert_int_equal(out.seg[0].offset, 0x1000);
	assert_int_equal(out.seg[0].flags, ELF_PF_R | ELF_PF_X);
	assert_int_equal(out.seg[1].paddr, 0x200000);
	assert_int_equal(out.seg[1].memsz, 0x2000);
	assert_int_equal(out.seg[1].filesz, 0x80);
	assert_int_equal(out.seg[1].offset, 0x2000);
	assert_int_equal(out.seg[1].flags, ELF_PF_R | ELF_PF_W);
	assert_int_equal(elf_check_fits(&out, RAM_SIZE, why, sizeof(why)), 0);

	memset(ram, 0xaa, RAM_SIZE);
	elf_load(&out, img->bytes, ram, RAM_SIZE);
	for (uint64_t i = 0; i < 0x100; i++)
		assert_int_equal(ram[0x100000 + i], file_byte(0x1000 + i));
	for (uint64_t i = 0; i < 0x80; i++)
		assert_int_equal(ram[0x200000 + i], file_byte(0x2000 + i));
	for (uint64_t i = 0x80; i < 0x2000; i++)
		assert_int_equal(ram[0x200000 + i], 0);
	/* Nothing outside the segments was touched. */
	assert_int_equal(ram[0xfffff], 0xaa);
	assert_int_equal(ram[0x100100], 0xaa);
	assert_int_equal(ram[0x1fffff], 0xaa);
	assert_int_equal(ram[0x202000], 0xaa);
	assert_int_equal(ram[0], 0xaa);
	free(ram);
	free(img);
}

static void test_load_64(void **state)
{
	(void)state;
	check_loaded(64);
}

static void test_load_32(void **state)
{
	(void)state;
	check_loaded(32);
}

/* Linked high, loaded low: entry is translated to the load address. */
static void test_entry_translated_to_paddr(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img;
	struct elf_image out;
	char why[ELF_WHY_MAX];

	(void)state;
	s.seg[0].vaddr = 0xffffffff81000000ull;
	s.entry = 0xffffffff81000040ull;
	img = make(&s);
	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), 0);
	assert_int_equal(out.entry, 0x100040);
	assert_int_equal(out.seg[0].paddr, 0x100000);
	free(img);
}

/* PT_NOTE and an empty PT_LOAD are skipped. */
static void test_other_and_empty_segments_skipped(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img;
	struct elf_image out;
	char why[ELF_WHY_MAX];

	(void)state;
	s.seg[2] = s.seg[1];
	s.seg[1] = (struct seg_spec){ PT_NOTE, 0x1000, 0, 0, 0x10, 0x10, 4 };
	s.seg[3] = (struct seg_spec){ PT_LOAD, 0x1000, 0x100000, 0x100000, 0, 0, 4 };
	s.nseg = s.phnum = 4;
	img = make(&s);
	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), 0);
	assert_int_equal(out.nseg, 2);
	assert_int_equal(out.seg[1].paddr, 0x200000);
	free(img);
}

/* --------------------------------------------------------------- malformed */

static void test_reject_truncated_ident(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img = make(&s);

	(void)state;
	img->size = 10;
	expect_reject(img, "file too short for an ELF header (10 bytes)");
	free(img);
}

static void test_reject_truncated_header_64(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img = make(&s);

	(void)state;
	img->size = 63;
	expect_reject(img, "truncated ELF header (63 of 64 bytes)");
	free(img);
}

static void test_reject_truncated_header_32(void **state)
{
	struct spec s = valid_spec(32);
	struct image *img = make(&s);

	(void)state;
	img->size = 40;
	expect_reject(img, "truncated ELF header (40 of 52 bytes)");
	free(img);
}

static void test_reject_bad_magic(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img = make(&s);

	(void)state;
	img->bytes[1] = 'e';
	expect_reject(img, "not an ELF file (bad magic)");
	free(img);
}

static void test_reject_bad_class(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.ident_class = 3;
	expect_spec_reject(&s, "unknown ELF class 3");
}

static void test_reject_big_endian(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.ident_data = 2;
	expect_spec_reject(&s, "not a little-endian ELF file (EI_DATA 2)");
}

static void test_reject_ident_version(void **state)
{
	struct spec s = valid_spec(32);

	(void)state;
	s.ident_version = 0;
	expect_spec_reject(&s, "unknown ELF version 0");
}

static void test_reject_not_exec(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.type = 3; /* ET_DYN */
	expect_spec_reject(&s, "not an executable (e_type 3, want ET_EXEC)");
}

static void test_reject_class64_machine_386(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.machine = 3;
	expect_spec_reject(&s, "ELFCLASS64 image for machine 3 (want EM_X86_64)");
}

static void test_reject_class32_machine_x86_64(void **state)
{
	struct spec s = valid_spec(32);

	(void)state;
	s.machine = 62;
	expect_spec_reject(&s, "ELFCLASS32 image for machine 62 (want EM_386)");
}

static void test_reject_e_version(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.version = 2;
	expect_spec_reject(&s, "unknown e_version 2");
}

static void test_reject_ehsize(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.ehsize = 52;
	expect_spec_reject(&s, "e_ehsize 52, want 64");
}

static void test_reject_phentsize(void **state)
{
	struct spec s = valid_spec(32);

	(void)state;
	s.phentsize = 56;
	expect_spec_reject(&s, "e_phentsize 56, want 32");
}

static void test_reject_no_phdrs(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.phnum = 0;
	expect_spec_reject(&s, "no program headers");
}

static void test_reject_pn_xnum(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.phnum = 0xffff;
	expect_spec_reject(&s, "extended program header numbering (PN_XNUM) unsupported");
}

static void test_reject_phdrs_past_file_end(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.phoff = 0x2080 - 56; /* room for one of the two */
	expect_spec_reject(&s, "program headers at 0x2048 (2 x 56 bytes) outside the file (8320 bytes)");
}

static void test_reject_phoff_near_uint64_max(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.phoff = UINT64_MAX - 8;
	expect_spec_reject(&s, "program headers at 0xfffffffffffffff7 (2 x 56 bytes) outside the file (8320 bytes)");
}

static void test_reject_filesz_gt_memsz(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[1].memsz = 0x40;
	expect_spec_reject(&s, "phdr 1: p_filesz 0x80 > p_memsz 0x40");
}

static void test_reject_segment_past_file_end(void **state)
{
	struct spec s = valid_spec(32);

	(void)state;
	s.seg[1].filesz = 0x81;
	expect_spec_reject(&s, "phdr 1: bytes 0x2000+0x81 outside the file (8320 bytes)");
}

/* offset + filesz wraps to a small number: must not pass as "inside". */
static void test_reject_offset_overflow(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[0].offset = UINT64_MAX - 0x7f;
	expect_spec_reject(&s, "phdr 0: bytes 0xffffffffffffff80+0x100 outside the file (8320 bytes)");
}

static void test_reject_paddr_wraps(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[1].paddr = UINT64_MAX - 0xfff;
	expect_spec_reject(&s, "phdr 1: p_paddr 0xfffffffffffff000+0x2000 wraps around");
}

static void test_reject_vaddr_wraps(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[1].vaddr = UINT64_MAX - 0xfff;
	expect_spec_reject(&s, "phdr 1: p_vaddr 0xfffffffffffff000+0x2000 wraps around");
}

static void test_reject_32bit_past_4g(void **state)
{
	struct spec s = valid_spec(32);

	(void)state;
	s.seg[1].paddr = 0xfffff000;
	s.seg[1].vaddr = 0xfffff000;
	expect_spec_reject(&s, "phdr 1: 0xfffff000+0x2000 reaches past 4 GiB in a 32-bit image");
}

static void test_reject_overlapping_segments(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[1].paddr = 0x1000ff; /* last byte of text */
	expect_spec_reject(&s, "phdr 1: 0x1000ff+0x2000 overlaps another segment at 0x100000+0x100");
}

/* Touching but not overlapping is fine. */
static void test_adjacent_segments_accepted(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img;
	struct elf_image out;
	char why[ELF_WHY_MAX];

	(void)state;
	s.seg[1].paddr = 0x100100;
	img = make(&s);
	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), 0);
	free(img);
}

static void test_reject_entry_outside(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.entry = 0x100100; /* one past the text */
	expect_spec_reject(&s, "entry point 0x100100 is not inside an executable segment");
}

static void test_reject_entry_in_data(void **state)
{
	struct spec s = valid_spec(32);

	(void)state;
	s.entry = 0x200010;
	expect_spec_reject(&s, "entry point 0x200010 is not inside an executable segment");
}

static void test_reject_no_pt_load(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[0].type = PT_NOTE;
	s.seg[1].type = PT_NULL;
	expect_spec_reject(&s, "no loadable segment (PT_LOAD)");
}

static void test_reject_pt_interp(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.seg[1].type = PT_INTERP;
	expect_spec_reject(&s, "phdr 1: PT_INTERP: needs a dynamic loader");
}

static void test_reject_too_many_segments(void **state)
{
	struct spec s = valid_spec(64);

	(void)state;
	s.nseg = s.phnum = ELF_MAX_SEGMENTS + 1;
	for (unsigned i = 0; i < s.nseg; i++)
		s.seg[i] = (struct seg_spec){ PT_LOAD, 0x1000, 0x100000 + i * 0x1000,
					      0x100000 + i * 0x1000, 0x100, 0x100, 5 };
	expect_spec_reject(&s, "more than 16 loadable segments");
}

/* A why buffer too small for the reason shows the cut. */
static void test_short_why_buffer_marks_cut(void **state)
{
	struct spec s = valid_spec(64);
	struct image *img = make(&s);
	struct elf_image out;
	char why[12];

	(void)state;
	img->bytes[0] = 0;
	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), -1);
	assert_string_equal(why, "not an E...");
	free(img);
}

/* ---------------------------------------------------------- elf_check_fits */

static struct elf_image parsed(const struct spec *s)
{
	struct image *img = make(s);
	struct elf_image out;
	char why[ELF_WHY_MAX];

	assert_int_equal(elf_parse(img->bytes, img->size, &out, why, sizeof(why)), 0);
	free(img);
	return out;
}

static void test_fits_below_1m(void **state)
{
	struct spec s = valid_spec(64);
	struct elf_image out;
	char why[ELF_WHY_MAX];

	(void)state;
	s.seg[0].paddr = s.seg[0].vaddr = 0xff000;
	s.entry = 0xff000;
	out = parsed(&s);
	assert_int_equal(elf_check_fits(&out, RAM_SIZE, why, sizeof(why)), -1);
	assert_string_equal(why, "segment at 0xff000 is below 0x100000 (reserved for boot data)");
}

static void test_fits_past_ram_end(void **state)
{
	struct spec s = valid_spec(32);
	struct elf_image out = parsed(&s);
	char why[ELF_WHY_MAX];

	(void)state;
	/* The data segment ends at 0x202000: one byte short. */
	assert_int_equal(elf_check_fits(&out, 0x201fff, why, sizeof(why)), -1);
	assert_string_equal(why, "segment 0x200000+0x2000 does not fit in 0x201fff bytes of RAM");
	assert_int_equal(elf_check_fits(&out, 0x202000, why, sizeof(why)), 0);
}

static void test_fits_segment_larger_than_ram(void **state)
{
	struct spec s = valid_spec(64);
	struct elf_image out;
	char why[ELF_WHY_MAX];

	(void)state;
	s.seg[1].memsz = 0xffffffffffd00000ull;
	out = parsed(&s);
	assert_int_equal(elf_check_fits(&out, RAM_SIZE, why, sizeof(why)), -1);
	assert_string_equal(why, "segment 0x200000+0xffffffffffd00000 does not fit in 0x400000 bytes of RAM");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_64),
		cmocka_unit_test(test_load_32),
		cmocka_unit_test(test_entry_translated_to_paddr),
		cmocka_unit_test(test_other_and_empty_segments_skipped),
		cmocka_unit_test(test_reject_truncated_ident),
		cmocka_unit_test(test_reject_truncated_header_64),
		cmocka_unit_test(test_reject_truncated_header_32),
		cmocka_unit_test(test_reject_bad_magic),
		cmocka_unit_test(test_reject_bad_class),
		cmocka_unit_test(test_reject_big_endian),
		cmocka_unit_test(test_reject_ident_version),
		cmocka_unit_test(test_reject_not_exec),
		cmocka_unit_test(test_reject_class64_machine_386),
		cmocka_unit_test(test_reject_class32_machine_x86_64),
		cmocka_unit_test(test_reject_e_version),
		cmocka_unit_test(test_reject_ehsize),
		cmocka_unit_test(test_reject_phentsize),
		cmocka_unit_test(test_reject_no_phdrs),
		cmocka_unit_test(test_reject_pn_xnum),
		cmocka_unit_test(test_reject_phdrs_past_file_end),
		cmocka_unit_test(test_reject_phoff_near_uint64_max),
		cmocka_unit_test(test_reject_filesz_gt_memsz),
		cmocka_unit_test(test_reject_segment_past_file_end),
		cmocka_unit_test(test_reject_offset_overflow),
		cmocka_unit_test(test_reject_paddr_wraps),
		cmocka_unit_test(test_reject_vaddr_wraps),
		cmocka_unit_test(test_reject_32bit_past_4g),
		cmocka_unit_test(test_reject_overlapping_segments),
		cmocka_unit_test(test_adjacent_segments_accepted),
		cmocka_unit_test(test_reject_entry_outside),
		cmocka_unit_test(test_reject_entry_in_data),
		cmocka_unit_test(test_reject_no_pt_load),
		cmocka_unit_test(test_reject_pt_interp),
		cmocka_unit_test(test_reject_too_many_segments),
		cmocka_unit_test(test_short_why_buffer_marks_cut),
		cmocka_unit_test(test_fits_below_1m),
		cmocka_unit_test(test_fits_past_ram_end),
		cmocka_unit_test(test_fits_segment_larger_than_ram),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
