/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1/v2: kernels (ELF and raw with address fields) assembled byte
 * by byte at the offsets the specifications give, loaded into a fake RAM;
 * the boot information is then walked the way a kernel would (v1 info,
 * mmap by its size fields, module list; v2 tags by size rounded to 8) and
 * every field checked. Then one test per malformed header or impossible
 * request, each checking the reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <le_bytes.h>

#include <septum/multiboot.h>

#define MiB      (1ull << 20)
#define RAM_SIZE (16 * MiB)
#define IMG_MAX  0x10000
#define INFO_GPA 0x9000ull
#define INFO_MAX 0x3000ull
#define RSDP_GPA 0xe0000ull

static uint8_t img[IMG_MAX];
static size_t img_size;
static uint8_t *ram;
static char why[MB_WHY_MAX];

static uint8_t file_byte(uint64_t off)
{
	return (uint8_t)(off * 11 + 7);
}

static void fill(size_t size)
{
	img_size = size;
	for (size_t i = 0; i < size; i++)
		img[i] = file_byte(i);
}

/* ELF32 executable (gABI Elf32_Ehdr/Phdr): one R+X PT_LOAD of the whole file at 1 MiB. */
static void make_elf32(size_t size, uint32_t memsz, uint32_t entry)
{
	fill(size);
	memset(img, 0, 0x54);
	memcpy(img, "\177ELF\1\1\1", 7);
	put(img + 16, 2, 2);            /* ET_EXEC */
	put(img + 18, 3, 2);            /* EM_386 */
	put(img + 20, 1, 4);
	put(img + 24, entry, 4);
	put(img + 28, 52, 4);           /* e_phoff */
	put(img + 40, 52, 2);
	put(img + 42, 32, 2);
	put(img + 44, 1, 2);
	put(img + 52, 1, 4);            /* PT_LOAD */
	put(img + 56, 0, 4);            /* p_offset */
	put(img + 60, 0x100000, 4);     /* p_vaddr */
	put(img + 64, 0x100000, 4);     /* p_paddr */
	put(img + 68, size, 4);
	put(img + 72, memsz, 4);
	put(img + 76, 5, 4);            /* PF_R | PF_X */
	put(img + 80, 0x1000, 4);
}

/* v1 §3.1: magic, flags, checksum (+ address fields). */
static void mb1_header(size_t off, uint32_t flags, const uint32_t *addr)
{
	put(img + off, MB1_HEADER_MAGIC, 4);
	put(img + off + 4, flags, 4);
	put(img + off + 8, (uint32_t)-(MB1_HEADER_MAGIC + flags), 4);
	for (unsigned i = 0; addr && i < 5; i++)
		put(img + off + 12 + 4 * i, addr[i], 4);
}

/* v2 header writer: tags appended 8-byte aligned, then closed with length and checksum. */
struct mb2w {
	size_t off, cur;
};

static struct mb2w mb2_begin(size_t off)
{
	put(img + off, MB2_HEADER_MAGIC, 4);
	put(img + off + 4, 0, 4);
	return (struct mb2w){ off, off + 16 };
}

static void mb2_tag(struct mb2w *w, uint16_t type, uint16_t flags, const uint32_t *body, unsigned n)
{
	put(img + w->cur, type, 2);
	put(img + w->cur + 2, flags, 2);
	put(img + w->cur + 4, 8 + 4 * n, 4);
	for (unsigned i = 0; i < n; i++)
		put(img + w->cur + 8 + 4 * i, body[i], 4);
	w->cur += ALIGN_UP(8 + 4 * n, 8);
}

static void mb2_end(struct mb2w *w, uint32_t arch)
{
	const uint32_t len = (uint32_t)(w->cur + 8 - w->off);

	mb2_tag(w, 0, 0, NULL, 0);
	put(img + w->off + 4, arch, 4);
	put(img + w->off + 8, len, 4);
	put(img + w->off + 12, (uint32_t)-(MB2_HEADER_MAGIC + arch + len), 4);
}

static const struct mem_range reserved[] = {
	{ 0, 0x10000, MEM_RESERVED },
	{ 0xa0000, 0x40000, MEM_HOLE },
	{ 0xe0000, 0x20000, MEM_ACPI },
};

static uint8_t mod_a[5000], mod_b[100];
static const struct mb_module mods[2] = {
	{ mod_a, sizeof(mod_a), "mod-a first" },
	{ mod_b, sizeof(mod_b), NULL },
};

static struct mb_boot_args valid_args(void)
{
	for (size_t i = 0; i < sizeof(mod_a); i++)
		mod_a[i] = (uint8_t)(i + 1);
	memset(mod_b, 0xb5, sizeof(mod_b));
	return (struct mb_boot_args){
		.cmdline = "kernel -v args", .mods = mods, .nmods = 2, .reserved = reserved,
		.nreserved = 3, .info_gpa = INFO_GPA, .info_size = INFO_MAX,
	};
}

static int setup(void **state)
{
	(void)state;
	ram = calloc(1, RAM_SIZE);
	return ram ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	free(ram);
	return 0;
}

static void parse_ok(unsigned want, struct mb_image *mi)
{
	why[0] = 0;
	assert_int_equal(mb_parse(img, img_size, want, mi, why, sizeof(why)), 0);
}

static void expect_parse_fail(unsigned want, const char *reason)
{
	struct mb_image mi;

	why[0] = 0;
	assert_int_equal(mb_parse(img, img_size, want, &mi, why, sizeof(why)), -1);
	assert_string_equal(why, reason);
}

static int build(const struct mb_image *mi, const struct mb_boot_args *a, struct mb_boot *out)
{
	memset(ram, 0, RAM_SIZE);
	why[0] = 0;
	return mb_build(mi, img, img_size, ram, RAM_SIZE, a, out, why, sizeof(why));
}

static const char *str_at(uint64_t gpa)
{
	assert_true(gpa > 0 && gpa < RAM_SIZE);
	return (const char *)ram + gpa;
}

/* The expected map: reserved boot area, low RAM, (VGA hole), ACPI, RAM from 1 MiB. */
static const struct { uint64_t base, len; uint32_t type; } want_map[4] = {
	{ 0, 0x10000, 2 }, { 0x10000, 0x90000, 1 }, { 0xe0000, 0x20000, 3 }, { 0x100000, RAM_SIZE - 0x100000, 1 },
};

/* ------------------------------------------------------------ v1 */

/* ELF kernel: 4 KiB file, 8 KiB in memory, header at 0x60. */
static void make_v1_elf(void)
{
	make_elf32(0x1000, 0x2000, 0x100010);
	mb1_header(0x60, 0x3, NULL);           /* page-align modules, memory info */
}

static void check_v1_info(const struct mb_boot *out)
{
	const uint8_t *mi = ram + out->ebx;
	uint64_t mmap, mods_addr;
	unsigned n = 0;

	assert_int_equal(out->eax, 0x2badb002);
	assert_int_equal(out->ebx, INFO_GPA);
	assert_int_equal(get(mi, 4), (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9));
	assert_int_equal(get(mi + 4, 4), 640);                     /* mem_lower, KiB */
	assert_int_equal(get(mi + 8, 4), (RAM_SIZE - MiB) >> 10);  /* mem_upper, KiB */
	assert_string_equal(str_at(get(mi + 16, 4)), "kernel -v args");
	assert_string_equal(str_at(get(mi + 64, 4)), "Septum");
	/* mmap: walk by each entry's size field, which sits before base_addr. */
	mmap = get(mi + 48, 4);
	assert_int_equal(get(mi + 44, 4), 4 * 24);
	for (uint64_t e = mmap; e < mmap + get(mi + 44, 4); e += get(ram + e, 4) + 4, n++) {
		assert_int_equal(get(ram + e, 4), 20);
		assert_int_equal(get(ram + e + 4, 8), want_map[n].base);
		assert_int_equal(get(ram + e + 12, 8), want_map[n].len);
		assert_int_equal(get(ram + e + 20, 4), want_map[n].type);
	}
	assert_int_equal(n, 4);
	assert_int_equal(out->mmap_entries, 4);
	/* modules */
	assert_int_equal(get(mi + 20, 4), 2);
	mods_addr = get(mi + 24, 4);
	for (unsigned i = 0; i < 2; i++) {
		const uint8_t *m = ram + mods_addr + 16 * i;
		const uint64_t start = get(m, 4), end = get(m + 4, 4);

		assert_int_equal(start, out->mod_start[i]);
		assert_true(IS_ALIGNED(start, 4096));
		assert_int_equal(end - start, mods[i].size);
		assert_memory_equal(ram + start, mods[i].data, mods[i].size);
		assert_string_equal(str_at(get(m + 8, 4)), mods[i].cmdline ? mods[i].cmdline : "");
		assert_int_equal(get(m + 12, 4), 0);
	}
	/* Everything it pointed at lies inside the info area. */
	assert_true(out->info_size > 88 && out->info_size <= INFO_MAX);
	assert_true(mmap >= INFO_GPA && mods_addr + 32 <= INFO_GPA + out->info_size);
}

static void test_v1_elf(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;
	struct mb_boot out;

	(void)state;
	make_v1_elf();
	parse_ok(0, &mi);
	assert_int_equal(mi.version, 1);
	assert_int_equal(mi.header_offset, 0x60);
	assert_int_equal(mi.flags, 0x3);
	assert_true(mi.page_align_modules);
	assert_true(mi.elf);
	assert_int_equal(mi.entry, 0x100010);
	assert_int_equal(mi.image_end, 0x102000);

	assert_int_equal(build(&mi, &a, &out), 0);
	assert_int_equal(out.eip, 0x100010);
	assert_int_equal(out.mod_start[0], 0x102000);              /* first page above the image */
	assert_int_equal(out.mod_start[1], 0x104000);              /* 5000 bytes take two pages */
	for (unsigned i = 0; i < 0x1000; i++)
		assert_int_equal(ram[0x100000 + i], img[i]);
	for (unsigned i = 0x1000; i < 0x2000; i++)
		assert_int_equal(ram[0x100000 + i], 0);            /* .bss */
	check_v1_info(&out);
}

/* Raw kernel with address fields (flags bit 16): header at 0x40 of a 0x1000-byte file. */
static void make_v1_raw(uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	const uint32_t addr[5] = { 0x100040, 0x100000, load_end, bss_end, entry };

	fill(0x1000);
	mb1_header(0x40, 0x10003, addr);
}

static void test_v1_address_fields(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;
	struct mb_boot out;

	(void)state;
	make_v1_raw(0, 0x103000, 0x100100);
	parse_ok(1, &mi);
	assert_false(mi.elf);
	assert_int_equal(mi.load_addr, 0x100000);
	assert_int_equal(mi.load_offset, 0);
	assert_int_equal(mi.load_size, 0x1000);
	assert_int_equal(mi.bss_end, 0x103000);
	assert_int_equal(mi.entry, 0x100100);
	assert_int_equal(build(&mi, &a, &out), 0);
	assert_int_equal(out.eip, 0x100100);
	assert_memory_equal(ram + 0x100000, img, 0x1000);
	assert_int_equal(out.mod_start[0], 0x103000);
	check_v1_info(&out);
}

static void test_v1_load_end_and_offset(void **state)
{
	const uint32_t addr[5] = { 0x200040, 0x200020, 0x200800, 0, 0x200100 };
	struct mb_image mi;

	(void)state;
	fill(0x1000);
	mb1_header(0x40, 0x10000, addr);        /* loading starts 0x20 bytes before the header */
	parse_ok(1, &mi);
	assert_int_equal(mi.load_offset, 0x20);
	assert_int_equal(mi.load_size, 0x7e0);
	assert_int_equal(mi.bss_end, 0x200800);
}

static void test_v1_no_header(void **state)
{
	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	expect_parse_fail(0, "no multiboot header (magic 0x1badb002) in the first 8192 bytes");
}

static void test_v1_header_past_8k(void **state)
{
	(void)state;
	make_elf32(0x3000, 0x3000, 0x100010);
	mb1_header(0x2000, 0x3, NULL);
	expect_parse_fail(1, "no multiboot header (magic 0x1badb002) in the first 8192 bytes");
}

static void test_v1_checksum_wrong(void **state)
{
	(void)state;
	make_v1_elf();
	put(img + 0x68, get(img + 0x68, 4) + 1, 4);
	expect_parse_fail(0, "multiboot header at 0x60: checksum wrong");
}

static void test_v1_not_aligned(void **state)
{
	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	mb1_header(0x62, 0x3, NULL);
	expect_parse_fail(0, "multiboot magic at 0x62 is not 4-byte aligned");
}

static void test_v1_video_mode(void **state)
{
	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	mb1_header(0x60, 0x7, NULL);
	expect_parse_fail(0, "multiboot header requires a video mode (flags bit 2): Septum has no display");
}

static void test_v1_unknown_required_flag(void **state)
{
	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	mb1_header(0x60, 0x8003, NULL);
	expect_parse_fail(0, "multiboot header requires unknown features (flags 0x8000)");
}

static void test_v1_unknown_optional_flag_ok(void **state)
{
	struct mb_image mi;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	mb1_header(0x60, 0x80000003, NULL);
	parse_ok(0, &mi);
	assert_int_equal(mi.flags, 0x80000003);
}

static void test_v1_load_end_past_file(void **state)
{
	(void)state;
	make_v1_raw(0x101800, 0, 0x100100);
	expect_parse_fail(1, "load_end_addr 0x101800 reaches past the end of the file (0x1000 bytes loadable)");
}

static void test_v1_load_before_file(void **state)
{
	const uint32_t addr[5] = { 0x100040, 0xf0000, 0, 0, 0x100100 };

	(void)state;
	fill(0x1000);
	mb1_header(0x40, 0x10000, addr);
	expect_parse_fail(1, "load_addr 0xf0000 starts 0x10000 bytes before the file does");
}

static void test_v1_entry_outside(void **state)
{
	(void)state;
	make_v1_raw(0, 0x103000, 0x103000);
	expect_parse_fail(1, "entry_addr 0x103000 is outside the image 0x100000..0x103000");
}

static void test_v1_bss_below_load_end(void **state)
{
	(void)state;
	make_v1_raw(0x100800, 0x100400, 0x100100);
	expect_parse_fail(1, "bss_end_addr 0x100400 is below load_end_addr 0x100800");
}

static void test_v1_bad_elf(void **state)
{
	(void)state;
	make_v1_elf();
	put(img + 18, 40, 2);                   /* EM_ARM */
	expect_parse_fail(1, "ELFCLASS32 image for machine 40 (want EM_386)");
}

/* ------------------------------------------------------------ v2 */

/* Raw v2 kernel: 0x3000-byte file, header at 0x1000, loaded at 1 MiB. */
static void make_v2_raw(uint16_t extra_type, uint16_t extra_flags)
{
	const uint32_t req[5] = { 1, 2, 3, 4, 6 };
	const uint32_t addr[4] = { 0x101000, 0x100000, 0x103000, 0x105000 };
	const uint32_t entry = 0x100200, fb[3] = { 1024, 768, 32 };
	struct mb2w w;

	fill(0x3000);
	w = mb2_begin(0x1000);
	mb2_tag(&w, 1, 0, req, 5);              /* information request, required */
	mb2_tag(&w, 2, 0, addr, 4);
	mb2_tag(&w, 3, 0, &entry, 1);
	mb2_tag(&w, 6, 0, NULL, 0);             /* module alignment */
	mb2_tag(&w, 5, 1, fb, 3);               /* framebuffer, optional: ignored */
	if (extra_type)
		mb2_tag(&w, extra_type, extra_flags, fb, 1);
	mb2_end(&w, 0);
}

/* A kernel's walk of the v2 boot information. */
static void check_v2_info(const struct mb_boot *out, bool acpi)
{
	const uint64_t base = out->ebx, total = get(ram + base, 4);
	unsigned seen = 0, nmod = 0;
	uint64_t t;

	assert_int_equal(out->eax, 0x36d76289);
	assert_int_equal(base, INFO_GPA);
	assert_int_equal(total, out->info_size);
	assert_int_equal(get(ram + base + 4, 4), 0);
	for (t = base + 8;; t += ALIGN_UP(get(ram + t + 4, 4), 8)) {
		const uint32_t type = (uint32_t)get(ram + t, 4), size = (uint32_t)get(ram + t + 4, 4);
		const uint8_t *b = ram + t + 8;

		assert_true(IS_ALIGNED(t, 8));
		assert_true(t + size <= base + total);
		seen |= 1u << (type % 32);
		if (type == 0) {
			assert_int_equal(size, 8);
			break;
		}
		switch (type) {
		case 1:
			assert_string_equal((const char *)b, "kernel -v args");
			assert_int_equal(size, 8 + sizeof("kernel -v args"));
			break;
		case 2:
			assert_string_equal((const char *)b, "Septum");
			break;
		case 3:
			assert_true(nmod < 2);
			assert_int_equal(get(b, 4), out->mod_start[nmod]);
			assert_int_equal(get(b + 4, 4) - get(b, 4), mods[nmod].size);
			assert_true(IS_ALIGNED(get(b, 4), 4096));
			assert_memory_equal(ram + get(b, 4), mods[nmod].data, mods[nmod].size);
			assert_string_equal((const char *)b + 8, mods[nmod].cmdline ? mods[nmod].cmdline : "");
			nmod++;
			break;
		case 4:
			assert_int_equal(size, 16);
			assert_int_equal(get(b, 4), 640);
			assert_int_equal(get(b + 4, 4), (RAM_SIZE - MiB) >> 10);
			break;
		case 6:
			assert_int_equal(get(b, 4), 24);        /* entry_size */
			assert_int_equal(get(b + 4, 4), 0);     /* entry_version */
			assert_int_equal(size, 16 + 4 * 24);
			for (unsigned i = 0; i < 4; i++) {
				const uint8_t *e = b + 8 + 24 * i;

				assert_int_equal(get(e, 8), want_map[i].base);
				assert_int_equal(get(e + 8, 8), want_map[i].len);
				assert_int_equal(get(e + 16, 4), want_map[i].type);
				assert_int_equal(get(e + 20, 4), 0);
			}
			break;
		case 15:
			assert_int_equal(size, 8 + 36);
			assert_memory_equal(b, ram + RSDP_GPA, 36);
			break;
		default:
			fail_msg("unexpected tag %u", type);
		}
	}
	assert_int_equal(t + 8, base + total);
	assert_int_equal(nmod, 2);
	assert_int_equal(seen, (1u << 0) | (1u << 1) | (1u << 2) | (1u << 3) | (1u << 4) | (1u << 6) |
				       (acpi ? 1u << 15 : 0));
}

static void test_v2_raw(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;
	struct mb_boot out;

	(void)state;
	make_v2_raw(0, 0);
	parse_ok(0, &mi);
	assert_int_equal(mi.version, 2);
	assert_int_equal(mi.header_offset, 0x1000);
	assert_false(mi.elf);
	assert_true(mi.page_align_modules);
	assert_int_equal(mi.load_addr, 0x100000);
	assert_int_equal(mi.load_size, 0x3000);
	assert_int_equal(mi.bss_end, 0x105000);
	assert_int_equal(mi.entry, 0x100200);

	assert_int_equal(build(&mi, &a, &out), 0);
	assert_int_equal(out.eip, 0x100200);
	assert_memory_equal(ram + 0x100000, img, 0x3000);
	assert_int_equal(out.mod_start[0], 0x105000);
	check_v2_info(&out, false);
}

static void test_v2_acpi_tag(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;
	struct mb_boot out;

	(void)state;
	make_v2_raw(0, 0);
	parse_ok(2, &mi);
	a.acpi_rsdp = RSDP_GPA;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram + RSDP_GPA, "RSD PTR ", 8);
	ram[RSDP_GPA + 15] = 2;                 /* revision: ACPI 2.0+ */
	put(ram + RSDP_GPA + 20, 36, 4);        /* length */
	put(ram + RSDP_GPA + 24, 0xe0040, 8);   /* XSDT address */
	why[0] = 0;
	assert_int_equal(mb_build(&mi, img, img_size, ram, RAM_SIZE, &a, &out, why, sizeof(why)), 0);
	check_v2_info(&out, true);
}

static void test_v2_elf_entry_override(void **state)
{
	const uint32_t entry = 0x100400;
	struct mb_image mi;
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_tag(&w, 3, 0, &entry, 1);
	mb2_tag(&w, 10, 0, (const uint32_t[4]){ 0x100000, 0x1000000, 0x1000, 0 }, 4);
	mb2_end(&w, 0);
	parse_ok(0, &mi);
	assert_true(mi.elf);
	assert_int_equal(mi.entry, 0x100400);
}

static void test_both_headers(void **state)
{
	struct mb_image mi;
	struct mb2w w;

	(void)state;
	make_v1_elf();
	w = mb2_begin(0x100);
	mb2_end(&w, 0);
	parse_ok(0, &mi);
	assert_int_equal(mi.version, 2);
	assert_int_equal(mi.entry, 0x100010);
	parse_ok(1, &mi);
	assert_int_equal(mi.version, 1);
}

/* mb_detect(): the kind of the image, from headers whose checksum holds. */
static void test_detect(void **state)
{
	struct mb2w w;

	(void)state;
	make_v1_elf();
	assert_int_equal(mb_detect(img, img_size), 1);
	make_v2_raw(0, 0);
	assert_int_equal(mb_detect(img, img_size), 2);
	make_v1_elf();
	w = mb2_begin(0x100);
	mb2_end(&w, 0);
	assert_int_equal(mb_detect(img, img_size), 2);         /* v2 preferred */
	make_elf32(0x1000, 0x1000, 0x100010);
	assert_int_equal(mb_detect(img, img_size), 0);         /* a plain ELF */
	assert_int_equal(mb_detect(img, 0), 0);
}

static void test_detect_bad_checksum(void **state)
{
	(void)state;
	make_v1_elf();
	put(img + 0x68, get(img + 0x68, 4) + 1, 4);
	assert_int_equal(mb_detect(img, img_size), 0);
	make_v2_raw(0, 0);
	put(img + 0x100c, get(img + 0x100c, 4) ^ 1, 4);
	assert_int_equal(mb_detect(img, img_size), 0);
}

static void test_detect_header_cut_off(void **state)
{
	(void)state;
	make_v1_elf();
	/* The header's fixed part ends at 0x6c: one byte short is no header. */
	assert_int_equal(mb_detect(img, 0x6b), 0);
	assert_int_equal(mb_detect(img, 0x6c), 1);
}

static void test_v2_checksum_wrong(void **state)
{
	(void)state;
	make_v2_raw(0, 0);
	put(img + 0x100c, get(img + 0x100c, 4) ^ 1, 4);
	expect_parse_fail(0, "multiboot2 header at 0x1000: checksum wrong");
}

static void test_v2_not_aligned(void **state)
{
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x104);
	mb2_end(&w, 0);
	expect_parse_fail(0, "multiboot2 magic at 0x104 is not 8-byte aligned");
}

static void test_v2_architecture(void **state)
{
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_end(&w, 4);                         /* MIPS */
	expect_parse_fail(0, "multiboot2 header for architecture 4 (want 0, i386)");
}

static void test_v2_header_length(void **state)
{
	(void)state;
	make_v2_raw(0, 0);
	/* header_length past the file, checksum kept right */
	put(img + 0x1008, 0x2100, 4);
	put(img + 0x100c, (uint32_t)-(MB2_HEADER_MAGIC + 0x2100), 4);
	expect_parse_fail(0, "multiboot2 header_length 8448 at 0x1000 is outside 24..0x2000");
}

static void test_v2_unknown_required_tag(void **state)
{
	(void)state;
	make_v2_raw(42, 0);
	expect_parse_fail(0, "multiboot2 header: unknown required tag 42 at 0x1078");
}

static void test_v2_unknown_optional_tag_ok(void **state)
{
	struct mb_image mi;

	(void)state;
	make_v2_raw(42, 1);
	parse_ok(0, &mi);
	assert_int_equal(mi.entry, 0x100200);
}

static void test_v2_framebuffer_required(void **state)
{
	(void)state;
	make_v2_raw(5, 0);
	expect_parse_fail(0, "multiboot2 header requires tag 5 (framebuffer), which Septum does not provide");
}

static void test_v2_efi_required(void **state)
{
	(void)state;
	make_v2_raw(7, 0);
	expect_parse_fail(0, "multiboot2 header requires tag 7 (EFI), which Septum does not provide");
}

static void test_v2_info_request_unprovidable(void **state)
{
	const uint32_t req[2] = { 6, 5 };       /* mmap, BIOS boot device */
	struct mb_image mi;
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_tag(&w, 1, 0, req, 2);
	mb2_end(&w, 0);
	expect_parse_fail(0, "multiboot2 header requires boot information tag 5, which Septum does not provide");
	/* the same request marked optional is fine */
	w = mb2_begin(0x100);
	mb2_tag(&w, 1, 1, req, 2);
	mb2_end(&w, 0);
	parse_ok(0, &mi);
}

static void test_v2_tag_past_header(void **state)
{
	(void)state;
	make_v2_raw(0, 0);
	put(img + 0x1010 + 4, 0x200, 4);        /* the information request claims 512 bytes */
	expect_parse_fail(0, "multiboot2 tag 1 at 0x1010: size 512 runs outside header_length 128");
}

static void test_v2_no_end_tag(void **state)
{
	const uint32_t entry = 0x100010;
	struct mb2w w;
	uint32_t len;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_tag(&w, 3, 0, &entry, 1);
	len = (uint32_t)(w.cur - w.off);
	put(img + 0x108, len, 4);
	put(img + 0x10c, (uint32_t)-(MB2_HEADER_MAGIC + len), 4);
	expect_parse_fail(0, "multiboot2 header at 0x100: no end tag within header_length 32");
}

static void test_v2_address_without_entry(void **state)
{
	const uint32_t addr[4] = { 0x100100, 0x100000, 0, 0 };
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_tag(&w, 2, 0, addr, 4);
	mb2_end(&w, 0);
	expect_parse_fail(0, "multiboot2 address tag without an entry address tag");
}

static void test_v2_entry_tag_size(void **state)
{
	const uint32_t entry[2] = { 0x100010, 0 };
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_tag(&w, 3, 0, entry, 2);
	mb2_end(&w, 0);
	expect_parse_fail(0, "multiboot2 tag 3 at 0x110: size 16, want 12");
}

/* ------------------------------------------------------------ impossible builds */

static void expect_build_fail(const struct mb_image *mi, const struct mb_boot_args *a, const char *reason)
{
	struct mb_boot out;

	assert_int_equal(build(mi, a, &out), -1);
	assert_string_equal(why, reason);
}

static void test_module_list_overflow(void **state)
{
	struct mb_module many[MB_MAX_MODULES + 1];
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct mb_module){ mod_b, sizeof(mod_b), "m" };
	a.mods = many;
	a.nmods = MB_MAX_MODULES + 1;
	make_v1_elf();
	parse_ok(0, &mi);
	expect_build_fail(&mi, &a, "17 modules, at most 16");
	a.nmods = MB_MAX_MODULES;
	{
		struct mb_boot out;

		assert_int_equal(build(&mi, &a, &out), 0);
		assert_int_equal(get(ram + out.ebx + 20, 4), MB_MAX_MODULES);
	}
}

static void test_info_area_too_small(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	a.info_size = 0xf8;
	make_v1_elf();
	parse_ok(0, &mi);
	/* 88 info + 96 mmap + 32 mods + 15 + 7 + 12 + 1 bytes of strings */
	expect_build_fail(&mi, &a, "boot information needs 0xfb bytes, its area at 0x9000 holds 0xf8");
	a.info_size = 0xfb;
	{
		struct mb_boot out;

		assert_int_equal(build(&mi, &a, &out), 0);
		assert_int_equal(out.info_size, 0xfb);
	}
}

static void test_info_area_too_small_v2(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	a.info_size = 0x80;
	make_v2_raw(0, 0);
	parse_ok(0, &mi);
	expect_build_fail(&mi, &a, "boot information needs 0xf0 bytes, its area at 0x9000 holds 0x80");
	assert_int_equal(ram[INFO_GPA + 0x80], 0);   /* nothing written past the area */
}

static void test_module_does_not_fit(void **state)
{
	static const struct mb_module big = { mod_b, RAM_SIZE, "big" };
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	a.mods = &big;
	a.nmods = 1;
	make_v1_elf();
	parse_ok(0, &mi);
	expect_build_fail(&mi, &a, "module 0 (0x1000000 bytes) does not fit in free RAM between 0x102000 and 0x1000000");
}

static void test_kernel_over_reserved(void **state)
{
	const struct mem_range r[4] = { reserved[0], reserved[1], reserved[2], { 0x101000, 0x1000, MEM_NVS } };
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	a.reserved = r;
	a.nreserved = 4;
	make_v1_elf();
	parse_ok(0, &mi);
	expect_build_fail(&mi, &a, "kernel 0x100000+0x2000 overlaps a reserved range");
}

static void test_kernel_below_1m(void **state)
{
	const uint32_t addr[5] = { 0x80040, 0x80000, 0, 0, 0x80100 };
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	fill(0x1000);
	mb1_header(0x40, 0x10000, addr);
	parse_ok(1, &mi);
	expect_build_fail(&mi, &a, "image 0x80000..0x81000 is not inside RAM 0x100000..0x1000000");
}

static void test_info_area_not_reserved(void **state)
{
	struct mb_boot_args a = valid_args();
	struct mb_image mi;

	(void)state;
	a.info_gpa = 0x20000;
	make_v1_elf();
	parse_ok(0, &mi);
	expect_build_fail(&mi, &a, "boot information area 0x20000+0x3000 is not 8-byte aligned inside a reserved range below 4 GiB");
}

static void test_v2_acpi_required_without_rsdp(void **state)
{
	const uint32_t req[1] = { 15 };
	struct mb_boot_args a = valid_args();
	struct mb_image mi;
	struct mb2w w;

	(void)state;
	make_elf32(0x1000, 0x1000, 0x100010);
	w = mb2_begin(0x100);
	mb2_tag(&w, 1, 0, req, 1);
	mb2_end(&w, 0);
	parse_ok(0, &mi);
	assert_true(mi.needs_acpi);
	expect_build_fail(&mi, &a, "multiboot2 header requires an ACPI tag and the partition has no RSDP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_elf),
		cmocka_unit_test(test_v1_address_fields),
		cmocka_unit_test(test_v1_load_end_and_offset),
		cmocka_unit_test(test_v1_no_header),
		cmocka_unit_test(test_v1_header_past_8k),
		cmocka_unit_test(test_v1_checksum_wrong),
		cmocka_unit_test(test_v1_not_aligned),
		cmocka_unit_test(test_v1_video_mode),
		cmocka_unit_test(test_v1_unknown_required_flag),
		cmocka_unit_test(test_v1_unknown_optional_flag_ok),
		cmocka_unit_test(test_v1_load_end_past_file),
		cmocka_unit_test(test_v1_load_before_file),
		cmocka_unit_test(test_v1_entry_outside),
		cmocka_unit_test(test_v1_bss_below_load_end),
		cmocka_unit_test(test_v1_bad_elf),
		cmocka_unit_test(test_v2_raw),
		cmocka_unit_test(test_v2_acpi_tag),
		cmocka_unit_test(test_v2_elf_entry_override),
		cmocka_unit_test(test_both_headers),
		cmocka_unit_test(test_v2_checksum_wrong),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_detect_bad_checksum),
		cmocka_unit_test(test_detect_header_cut_off),
		cmocka_unit_test(test_v2_not_aligned),
		cmocka_unit_test(test_v2_architecture),
		cmocka_unit_test(test_v2_header_length),
		cmocka_unit_test(test_v2_unknown_required_tag),
		cmocka_unit_test(test_v2_unknown_optional_tag_ok),
		cmocka_unit_test(test_v2_framebuffer_required),
		cmocka_unit_test(test_v2_efi_required),
		cmocka_unit_test(test_v2_info_request_unprovidable),
		cmocka_unit_test(test_v2_tag_past_header),
		cmocka_unit_test(test_v2_no_end_tag),
		cmocka_unit_test(test_v2_address_without_entry),
		cmocka_unit_test(test_v2_entry_tag_size),
		cmocka_unit_test(test_module_list_overflow),
		cmocka_unit_test(test_info_area_too_small),
		cmocka_unit_test(test_info_area_too_small_v2),
		cmocka_unit_test(test_module_does_not_fit),
		cmocka_unit_test(test_kernel_over_reserved),
		cmocka_unit_test(test_kernel_below_1m),
		cmocka_unit_test(test_info_area_not_reserved),
		cmocka_unit_test(test_v2_acpi_required_without_rsdp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
