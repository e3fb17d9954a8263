/* SPDX-License-Identifier: MIT */
/*
 * Linux boot protocol: synthetic bzImages assembled byte by byte here at
 * the offsets boot.rst gives (not with the loader's own structs), booted
 * into a fake RAM; the zero page and its E820 map read back field by field.
 * Then one test per malformed image or impossible request, each checking the
 * reason. Last, Debian's own kernel if this machine has one.
 */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <le_bytes.h>

#include <septum/linux_boot.h>

#define MiB      (1ull << 20)
#define RAM_SIZE (64 * MiB)
#define IMG_MAX  0x4000

#define ZP_GPA      0x7000ull
#define CMDLINE_GPA 0x8000ull
#define CMDLINE_MAX 0x800ull
#define RSDP_GPA    0xe0000ull

/* What a synthetic bzImage is made of; tests start valid and break a field. */
struct bz {
	uint8_t setup_sects, jump_len, loadflags, relocatable;
	uint16_t boot_flag, version, xloadflags;
	uint32_t magic, syssize, initrd_addr_max, kernel_alignment, cmdline_size, init_size;
	uint32_t payload_offset, payload_length;
	uint64_t pref_address;
	size_t size;                    /* file size; 0 = setup + syssize * 16 */
};

static uint8_t img[IMG_MAX];
static size_t img_size;
static uint8_t *ram;
static char why[LINUX_WHY_MAX];

static uint8_t file_byte(uint64_t off)
{
	return (uint8_t)(off * 13 + 5);
}

static struct bz valid_bz(void)
{
	return (struct bz){
		.setup_sects = 4, .jump_len = 0x6a, .loadflags = 1, .relocatable = 1,
		.boot_flag = 0xaa55, .version = 0x020f, .xloadflags = 0x1,
		.magic = 0x53726448, .syssize = 0x100, .initrd_addr_max = 0x7fffffff,
		.kernel_alignment = 0x200000, .cmdline_size = 0x7ff, .init_size = 0x800000,
		.payload_offset = 0x10, .payload_length = 0x100, .pref_address = 0x1000000,
	};
}

/* Offsets: boot.rst "The Real-Mode Kernel Header". */
static void make_bz(const struct bz *b)
{
	const unsigned sects = b->setup_sects ? b->setup_sects : 4;

	img_size = b->size ? b->size : (sects + 1) * 512u + b->syssize * 16u;
	assert_true(img_size <= IMG_MAX);
	for (size_t i = 0; i < img_size; i++)
		img[i] = file_byte(i);
	put(img + 0x1f1, b->setup_sects, 1);
	put(img + 0x1f4, b->syssize, 4);
	put(img + 0x1fe, b->boot_flag, 2);
	put(img + 0x200, 0xeb, 1);
	put(img + 0x201, b->jump_len, 1);
	put(img + 0x202, b->magic, 4);
	put(img + 0x206, b->version, 2);
	put(img + 0x210, 0, 1);
	put(img + 0x211, b->loadflags, 1);
	put(img + 0x218, 0xdeadbeef, 4);          /* stale loader fields the image might carry */
	put(img + 0x22c, b->initrd_addr_max, 4);
	put(img + 0x230, b->kernel_alignment, 4);
	put(img + 0x234, b->relocatable, 1);
	put(img + 0x235, 21, 1);
	put(img + 0x236, b->xloadflags, 2);
	put(img + 0x238, b->cmdline_size, 4);
	put(img + 0x23c, 0x77, 4);
	put(img + 0x248, b->payload_offset, 4);
	put(img + 0x24c, b->payload_length, 4);
	put(img + 0x250, 0x1234, 8);
	put(img + 0x258, b->pref_address, 8);
	put(img + 0x260, b->init_size, 4);
	put(img + 0x264, 0, 4);
	put(img + 0x268, 0x55, 4);
}

static const struct mem_range reserved[] = {
	{ 0, 0x10000, MEM_RESERVED },             /* boot structures: zero page, cmdline, ... */
	{ 0xe0000, 0x20000, MEM_ACPI },           /* ACPI tables */
	{ 0xa0000, 0x40000, MEM_HOLE },           /* legacy VGA/ROM window: no RAM shown */
};

static struct linux_boot_args valid_args(void)
{
	static uint8_t initrd[MiB + 123];

	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 7 + 1);
	return (struct linux_boot_args){
		.cmdline = "console=ttyS0 quiet", .initrd = initrd, .initrd_size = sizeof(initrd),
		.acpi_rsdp = RSDP_GPA, .zero_page = ZP_GPA, .cmdline_gpa = CMDLINE_GPA,
		.cmdline_max = CMDLINE_MAX, .reserved = reserved, .nreserved = 3,
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

static int parse(void)
{
	struct linux_image li;

	why[0] = 0;
	return linux_parse_bzimage(img, img_size, &li, why, sizeof(why));
}

static void expect_parse_fail(const struct bz *b, const char *reason)
{
	make_bz(b);
	assert_int_equal(parse(), -1);
	assert_string_equal(why, reason);
}

/* Parses the current image and builds it; returns the build's result. */
static int build(const struct linux_boot_args *a, uint64_t ram_size, struct linux_boot *out)
{
	struct linux_image li;

	assert_int_equal(linux_parse_bzimage(img, img_size, &li, why, sizeof(why)), 0);
	memset(ram, 0, RAM_SIZE);
	why[0] = 0;
	return linux_build_boot_params(&li, img, img_size, ram, ram_size, a, out, why, sizeof(why));
}

/* ------------------------------------------------------------ valid images */

static void test_parse_fields(void **state)
{
	struct bz b = valid_bz();
	struct linux_image li;

	(void)state;
	make_bz(&b);
	assert_int_equal(linux_parse_bzimage(img, img_size, &li, why, sizeof(why)), 0);
	assert_int_equal(li.version, 0x020f);
	assert_int_equal(li.setup_sects, 4);
	assert_int_equal(li.hdr_end, 0x26c);
	assert_int_equal(li.kernel_offset, 5 * 512);
	assert_int_equal(li.kernel_size, 0x1000);
	assert_int_equal(li.loadflags, 1);
	assert_int_equal(li.xloadflags, 1);
	assert_int_equal(li.kernel_alignment, 0x200000);
	assert_true(li.relocatable);
	assert_int_equal(li.pref_address, 0x1000000);
	assert_int_equal(li.init_size, 0x800000);
	assert_int_equal(li.initrd_addr_max, 0x7fffffff);
	assert_int_equal(li.cmdline_size, 0x7ff);
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct bz b = valid_bz();
	struct linux_image li;

	(void)state;
	b.setup_sects = 0;
	make_bz(&b);
	assert_int_equal(linux_parse_bzimage(img, img_size, &li, why, sizeof(why)), 0);
	assert_int_equal(li.setup_sects, 4);
	assert_int_equal(li.kernel_offset, 0xa00);
}

static void test_trailing_signature_allowed(void **state)
{
	struct bz b = valid_bz();
	struct linux_image li;

	(void)state;
	b.size = 5 * 512 + 0x1000 + 0x5c0;        /* a signed kernel: bytes after syssize */
	make_bz(&b);
	assert_int_equal(linux_parse_bzimage(img, img_size, &li, why, sizeof(why)), 0);
	assert_int_equal(li.kernel_size, 0x1000);
}

static void check_e820(const uint8_t *zp, unsigned i, uint64_t addr, uint64_t size, uint32_t type)
{
	const uint8_t *e = zp + 0x2d0 + 20 * i;

	assert_int_equal(get(e, 8), addr);
	assert_int_equal(get(e + 8, 8), size);
	assert_int_equal(get(e + 16, 4), type);
}

static void test_build_zero_page(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;
	const uint8_t *zp = ram + ZP_GPA;
	const uint64_t initrd_at = RAM_SIZE - ALIGN_UP(a.initrd_size, 4096);

	(void)state;
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);

	/* Where things went. */
	assert_int_equal(out.kernel_gpa, 0x1000000);
	assert_int_equal(out.kernel_end, 0x1800000);
	assert_int_equal(out.entry, 0x1000200);
	assert_int_equal(out.boot_params, ZP_GPA);
	assert_int_equal(out.initrd_gpa, initrd_at);
	assert_int_equal(out.initrd_size, MiB + 123);
	assert_int_equal(out.e820_entries, 4);

	/* Kernel, initrd and command line bytes. */
	for (uint64_t i = 0; i < 0x1000; i++)
		assert_int_equal(ram[0x1000000 + i], file_byte(0xa00 + i));
	assert_int_equal(ram[0x1001000], 0);
	assert_memory_equal(ram + initrd_at, a.initrd, a.initrd_size);
	assert_string_equal((const char *)ram + CMDLINE_GPA, "console=ttyS0 quiet");

	/* The header copied from the image ... */
	assert_memory_equal(zp + 0x1f1, img + 0x1f1, 0x210 - 0x1f1);
	assert_int_equal(get(zp + 0x1fe, 2), 0xaa55);
	assert_int_equal(get(zp + 0x202, 4), 0x53726448);
	assert_int_equal(get(zp + 0x206, 2), 0x020f);
	assert_int_equal(get(zp + 0x211, 1), 1);
	assert_int_equal(get(zp + 0x236, 2), 1);
	assert_int_equal(get(zp + 0x258, 8), 0x1000000);
	assert_int_equal(get(zp + 0x260, 4), 0x800000);
	assert_int_equal(get(zp + 0x268, 4), 0x55);
	/* ... and the loader's fields over it. */
	assert_int_equal(get(zp + 0x210, 1), 0xff);                /* type_of_loader */
	assert_int_equal(get(zp + 0x214, 4), 0x1000000);           /* code32_start */
	assert_int_equal(get(zp + 0x228, 4), CMDLINE_GPA);         /* cmd_line_ptr */
	assert_int_equal(get(zp + 0x0c8, 4), 0);                   /* ext_cmd_line_ptr */
	assert_int_equal(get(zp + 0x218, 4), initrd_at);           /* ramdisk_image */
	assert_int_equal(get(zp + 0x0c0, 4), 0);                   /* ext_ramdisk_image */
	assert_int_equal(get(zp + 0x21c, 4), MiB + 123);           /* ramdisk_size */
	assert_int_equal(get(zp + 0x0c4, 4), 0);                   /* ext_ramdisk_size */
	assert_int_equal(get(zp + 0x250, 8), 0);                   /* setup_data */
	assert_int_equal(get(zp + 0x23c, 4), 0);                   /* hardware_subarch */
	assert_int_equal(get(zp + 0x070, 8), RSDP_GPA);            /* acpi_rsdp_addr */
	assert_int_equal(zp[0x1ef], 0);                            /* sentinel */
	/* Nothing outside the header, the E820 map and the fields above. */
	for (unsigned i = 0; i < 0x1e8; i++)
		if (i < 0x070 || (i >= 0x078 && i < 0x0c0) || i >= 0x0cc)
			assert_int_equal(zp[i], 0);
	for (unsigned i = 0x26c; i < 0x2d0; i++)
		assert_int_equal(zp[i], 0);
	for (unsigned i = 0x2d0 + 4 * 20; i < 0x1000; i++)
		assert_int_equal(zp[i], 0);

	/* E820: exactly the partition's RAM with its holes. */
	assert_int_equal(zp[0x1e8], 4);
	check_e820(zp, 0, 0, 0x10000, 2);
	check_e820(zp, 1, 0x10000, 0x90000, 1);
	check_e820(zp, 2, 0xe0000, 0x20000, 3);
	check_e820(zp, 3, 0x100000, RAM_SIZE - 0x100000, 1);
}

static void test_no_initrd_no_cmdline(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;

	(void)state;
	a.initrd = NULL;
	a.initrd_size = 0;
	a.cmdline = NULL;
	a.acpi_rsdp = 0;
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.initrd_gpa, 0);
	assert_int_equal(get(ram + ZP_GPA + 0x218, 4), 0);
	assert_int_equal(get(ram + ZP_GPA + 0x21c, 4), 0);
	assert_int_equal(get(ram + ZP_GPA + 0x070, 8), 0);
	assert_int_equal(ram[CMDLINE_GPA], 0);
}

static void test_kernel_skips_reserved(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct mem_range r[4] = { reserved[0], reserved[1], reserved[2], { 0x1100000, 0x1000, MEM_RESERVED } };
	struct linux_boot out;

	(void)state;
	a.reserved = r;
	a.nreserved = 4;
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.kernel_gpa, 0x1200000);               /* next 2 MiB boundary */
	assert_int_equal(out.entry, 0x1200200);
	assert_int_equal(out.e820_entries, 6);
	check_e820(ram + ZP_GPA, 3, 0x100000, 0x1000000, 1);
	check_e820(ram + ZP_GPA, 4, 0x1100000, 0x1000, 2);
	check_e820(ram + ZP_GPA, 5, 0x1101000, RAM_SIZE - 0x1101000, 1);
}

static void test_kernel_low_pref_goes_above_1m(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;

	(void)state;
	b.pref_address = 0x100000;
	b.kernel_alignment = 0x1000;              /* Septum still aligns to 2 MiB */
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.kernel_gpa, 0x200000);
}

static void test_non_relocatable_at_pref(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;

	(void)state;
	b.relocatable = 0;
	b.pref_address = 0x1100000;               /* not 2 MiB aligned: taken as is */
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.kernel_gpa, 0x1100000);
	assert_int_equal(out.entry, 0x1100200);
}

static void test_non_relocatable_pref_taken(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct mem_range r[4] = { reserved[0], reserved[1], reserved[2], { 0x1700000, 0x1000, MEM_ACPI } };
	struct linux_boot out;

	(void)state;
	b.relocatable = 0;
	a.reserved = r;
	a.nreserved = 4;
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), -1);
	assert_string_equal(why, "non-relocatable kernel: 0x1000000+0x800000 (init_size) is not free RAM below 0x4000000");
}

static void test_initrd_below_initrd_addr_max(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;

	(void)state;
	b.initrd_addr_max = 0x2000000 - 1;        /* last byte at most 32 MiB - 1 */
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.initrd_gpa, 0x2000000 - ALIGN_UP(MiB + 123, 4096));
}

static void test_initrd_above_4g_flag_ignores_max(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;

	(void)state;
	b.initrd_addr_max = 0x2000000 - 1;
	b.xloadflags = 0x3;                       /* XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G */
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.initrd_gpa, RAM_SIZE - ALIGN_UP(MiB + 123, 4096));
}

static void test_initrd_skips_kernel(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();
	struct linux_boot out;

	(void)state;
	b.initrd_addr_max = 0x1880000 - 1;        /* the highest fit would overlap the kernel */
	make_bz(&b);
	assert_int_equal(build(&a, RAM_SIZE, &out), 0);
	assert_int_equal(out.initrd_gpa, 0x1000000 - 0x101000);  /* just below it */
}

/* ------------------------------------------------------------ memory map helpers */

static void test_memmap_unsorted_input(void **state)
{
	struct mem_range map[GUEST_MAP_MAX];
	const struct mem_range r[] = { { 0x3000, 0x1000, MEM_NVS }, { 0x1000, 0x1000, MEM_UNUSABLE } };

	(void)state;
	assert_int_equal(guest_memmap(0x4000, r, 2, map, why, sizeof(why)), 4);
	assert_int_equal(map[0].start, 0);      assert_int_equal(map[0].type, MEM_RAM);
	assert_int_equal(map[1].start, 0x1000); assert_int_equal(map[1].type, MEM_UNUSABLE);
	assert_int_equal(map[2].start, 0x2000); assert_int_equal(map[2].size, 0x1000);
	assert_int_equal(map[3].start, 0x3000); assert_int_equal(map[3].type, MEM_NVS);
	assert_int_equal(map[3].size, 0x1000);
}

static void test_memmap_overlap(void **state)
{
	struct mem_range map[GUEST_MAP_MAX];
	const struct mem_range r[] = { { 0x3000, 0x2000, MEM_RESERVED }, { 0x4000, 0x1000, MEM_ACPI } };

	(void)state;
	assert_int_equal(guest_memmap(0x10000, r, 2, map, why, sizeof(why)), -1);
	assert_string_equal(why, "reserved ranges at 0x3000 and 0x4000 overlap");
}

static void test_memmap_outside_ram(void **state)
{
	struct mem_range map[GUEST_MAP_MAX];
	const struct mem_range r[] = { { UINT64_MAX - 0xfff, 0x2000, MEM_RESERVED } };

	(void)state;
	assert_int_equal(guest_memmap(0x10000, r, 1, map, why, sizeof(why)), -1);
	assert_string_equal(why, "reserved range 0 (0xfffffffffffff000+0x2000) is outside the 0x10000 bytes of RAM");
}

static void test_memmap_ram_type(void **state)
{
	struct mem_range map[GUEST_MAP_MAX];
	const struct mem_range r[] = { { 0, 0x1000, MEM_RAM } };

	(void)state;
	assert_int_equal(guest_memmap(0x10000, r, 1, map, why, sizeof(why)), -1);
	assert_string_equal(why, "reserved range 0 at 0x0 has type 1 (want 0 or 2..5)");
}

static void test_find_free_edges(void **state)
{
	const struct mem_range busy[] = { { 0x2000, 0x1000, MEM_RESERVED }, { 0x5000, 0x1000, MEM_HOLE } };
	uint64_t at = 0;

	(void)state;
	assert_true(guest_find_free(busy, 2, 0x2000, 0x1000, 0, 0x8000, false, &at));
	assert_int_equal(at, 0);
	assert_true(guest_find_free(busy, 2, 0x2000, 0x1000, 0x1000, 0x8000, false, &at));
	assert_int_equal(at, 0x3000);
	assert_true(guest_find_free(busy, 2, 0x2000, 0x1000, 0, 0x8000, true, &at));
	assert_int_equal(at, 0x6000);
	assert_true(guest_find_free(busy, 2, 0x2000, 0x1000, 0, 0x7000, true, &at));
	assert_int_equal(at, 0x3000);
	assert_false(guest_find_free(busy, 2, 0x3000, 0x1000, 0x1000, 0x8000, false, &at));
	assert_true(guest_find_free(busy, 2, 0x1000, 0x1000, 0, UINT64_MAX, true, &at));
	assert_int_equal(at, 0xffffffffffffe000ull);
	assert_false(guest_find_free(busy, 2, 0x1000, 0x3000, 0, 0x8000, false, &at));  /* not a power of 2 */
	assert_false(guest_find_free(busy, 2, UINT64_MAX, 1, 0, UINT64_MAX, true, &at));
}

/* ------------------------------------------------------------ malformed images */

static void test_short_file(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.size = 0x200;
	expect_parse_fail(&b, "file too short for a setup header (512 bytes)");
}

static void test_bad_boot_flag(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.boot_flag = 0x55aa;
	expect_parse_fail(&b, "boot_flag at 0x1fe is 0x55aa, want 0xaa55: not a Linux kernel image");
}

static void test_bad_hdrs_magic(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.magic = 0x53726447;
	expect_parse_fail(&b, "no \"HdrS\" at 0x202: boot protocol older than 2.00 or not a bzImage");
}

static void test_old_protocol(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.version = 0x020b;
	expect_parse_fail(&b, "boot protocol 2.11 is too old: the 64-bit entry needs 2.12 or later");
}

static void test_no_64bit_entry(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.xloadflags = 0x2;
	expect_parse_fail(&b, "no 64-bit entry point (xloadflags 0x2 lacks XLF_KERNEL_64)");
}

static void test_not_loaded_high(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.loadflags = 0;
	expect_parse_fail(&b, "loadflags.LOADED_HIGH clear: a zImage, which loads below 1 MiB");
}

static void test_header_too_short(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.jump_len = 0x50;                        /* header ends at 0x252, before init_size */
	expect_parse_fail(&b, "setup header ends at 0x252, before init_size (needs 0x264)");
}

static void test_setup_sects_past_end(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.setup_sects = 200;
	b.size = 0x2000;
	expect_parse_fail(&b, "setup_sects 200 puts the kernel at 0x19200, past the end of the file (8192 bytes)");
}

static void test_kernel_truncated(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.size = 5 * 512 + 0xff0;
	expect_parse_fail(&b, "kernel truncated: syssize says 0x1000 bytes, the file has 0xff0 after the setup code");
}

static void test_syssize_zero(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.syssize = 0;
	b.size = 0x1000;
	expect_parse_fail(&b, "syssize is 0: no protected-mode kernel");
}

static void test_payload_outside_kernel(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.payload_offset = 0xfffffff0;
	expect_parse_fail(&b, "payload 0xfffffff0+0x100 is outside the 0x1000-byte kernel");
}

static void test_alignment_not_power_of_two(void **state)
{
	struct bz b = valid_bz();

	(void)state;
	b.kernel_alignment = 0x300000;
	expect_parse_fail(&b, "kernel_alignment 0x300000 is not a power of two");
}

/* ------------------------------------------------------------ impossible boots */

static void expect_build_fail(struct linux_boot_args *a, uint64_t ram_size, const char *reason)
{
	struct linux_boot out;

	assert_int_equal(build(a, ram_size, &out), -1);
	assert_string_equal(why, reason);
}

static void test_initrd_too_big(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();

	(void)state;
	a.initrd_size = RAM_SIZE;                 /* only the size is looked at before it fails */
	make_bz(&b);
	expect_build_fail(&a, RAM_SIZE, "initrd (0x4000000 bytes) does not fit in free RAM below 0x4000000 beside the kernel");
}

static void test_cmdline_too_long_for_kernel(void **state)
{
	static char line[0x1000];
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();

	(void)state;
	b.cmdline_size = 0xff;
	memset(line, 'x', 0x100);
	line[0x100] = 0;
	a.cmdline = line;
	make_bz(&b);
	expect_build_fail(&a, RAM_SIZE, "command line is 256 bytes, the kernel takes at most 255");
	assert_int_equal(ram[CMDLINE_GPA], 0);    /* never written, never cut */
	line[0xff] = 0;
	{
		struct linux_boot out;

		assert_int_equal(build(&a, RAM_SIZE, &out), 0);
		assert_int_equal(strlen((const char *)ram + CMDLINE_GPA), 0xff);
	}
}

static void test_cmdline_too_long_for_area(void **state)
{
	static char line[CMDLINE_MAX + 1];
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();

	(void)state;
	memset(line, 'y', CMDLINE_MAX);
	line[CMDLINE_MAX - 1] = 0;                /* 0x7ff bytes: fits the kernel, not the area with its NUL */
	a.cmdline = line;
	a.cmdline_max = CMDLINE_MAX - 1;
	make_bz(&b);
	expect_build_fail(&a, RAM_SIZE, "command line is 2047 bytes, its area holds 2047 with the NUL");
}

static void test_no_room_for_kernel(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();

	(void)state;
	a.initrd = NULL;
	make_bz(&b);
	expect_build_fail(&a, 20 * MiB,
			  "no room for the kernel: 0x800000 bytes (init_size) at a 0x200000-aligned address >= 0x1000000 below 0x1400000");
}

static void test_zero_page_not_reserved(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();

	(void)state;
	a.zero_page = 0x20000;
	make_bz(&b);
	expect_build_fail(&a, RAM_SIZE, "zero page at 0x20000 is not inside a reserved range below 4 GiB");
}

static void test_cmdline_overlaps_zero_page(void **state)
{
	struct bz b = valid_bz();
	struct linux_boot_args a = valid_args();

	(void)state;
	a.cmdline_gpa = ZP_GPA + 0x800;
	make_bz(&b);
	expect_build_fail(&a, RAM_SIZE, "command line area 0x7800 overlaps the zero page at 0x7000");
}

/* ------------------------------------------------------------ a real kernel */

static const char *find_real_kernel(void)
{
	static char path[512];
	const char *env = getenv("SEPTUM_TEST_BZIMAGE");
	glob_t g;

	if (env && *env)
		return env;
	if (glob("/boot/vmlinuz-*", 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		snprintf(path, sizeof(path), "%s", g.gl_pathv[0]);
		globfree(&g);
		return path;
	}
	return NULL;
}

static void test_debian_kernel(void **state)
{
	const char *path = find_real_kernel();
	struct linux_boot_args a = valid_args();
	struct linux_image li;
	struct linux_boot out;
	uint8_t *k;
	long n;
	FILE *f;

	(void)state;
	if (!path) {
		print_message("    no /boot/vmlinuz-* (or SEPTUM_TEST_BZIMAGE): real-kernel test skipped\n");
		skip();
	}
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	k = malloc((size_t)n);
	assert_non_null(k);
	assert_int_equal(fread(k, 1, (size_t)n, f), (size_t)n);
	fclose(f);

	why[0] = 0;
	assert_int_equal(linux_parse_bzimage(k, (size_t)n, &li, why, sizeof(why)), 0);
	print_message("    %s: protocol %u.%02u, kernel 0x%lx bytes at file 0x%lx, init_size 0x%x, pref 0x%lx\n",
		      path, li.version >> 8, li.version & 0xff, (unsigned long)li.kernel_size,
		      (unsigned long)li.kernel_offset, li.init_size, (unsigned long)li.pref_address);
	assert_true(li.version >= 0x020c);
	assert_true(li.xloadflags & LINUX_XLF_KERNEL_64);
	assert_true(li.relocatable);
	assert_true(li.kernel_offset + li.kernel_size <= (uint64_t)n);
	assert_true(li.init_size >= li.kernel_size);

	/* 64 MiB of RAM cannot hold a Debian kernel's init_size above 16 MiB ... */
	memset(ram, 0, RAM_SIZE);
	a.initrd = NULL;
	if (li.pref_address + li.init_size > RAM_SIZE)
		assert_int_equal(linux_build_boot_params(&li, k, (size_t)n, ram, RAM_SIZE, &a, &out, why,
							 sizeof(why)), -1);
	/* ... a 256 MiB partition does. */
	{
		const uint64_t big = 256 * MiB;
		uint8_t *r = calloc(1, big);

		assert_non_null(r);
		assert_int_equal(linux_build_boot_params(&li, k, (size_t)n, r, big, &a, &out, why, sizeof(why)), 0);
		assert_int_equal(out.kernel_gpa, li.pref_address);
		assert_memory_equal(r + out.kernel_gpa, k + li.kernel_offset, li.kernel_size);
		assert_int_equal(get(r + ZP_GPA + 0x202, 4), 0x53726448);
		assert_int_equal(r[ZP_GPA + 0x210], 0xff);
		free(r);
	}
	free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_setup_sects_zero_means_four),
		cmocka_unit_test(test_trailing_signature_allowed),
		cmocka_unit_test(test_build_zero_page),
		cmocka_unit_test(test_no_initrd_no_cmdline),
		cmocka_unit_test(test_kernel_skips_reserved),
		cmocka_unit_test(test_kernel_low_pref_goes_above_1m),
		cmocka_unit_test(test_non_relocatable_at_pref),
		cmocka_unit_test(test_non_relocatable_pref_taken),
		cmocka_unit_test(test_initrd_below_initrd_addr_max),
		cmocka_unit_test(test_initrd_above_4g_flag_ignores_max),
		cmocka_unit_test(test_initrd_skips_kernel),
		cmocka_unit_test(test_memmap_unsorted_input),
		cmocka_unit_test(test_memmap_overlap),
		cmocka_unit_test(test_memmap_outside_ram),
		cmocka_unit_test(test_memmap_ram_type),
		cmocka_unit_test(test_find_free_edges),
		cmocka_unit_test(test_short_file),
		cmocka_unit_test(test_bad_boot_flag),
		cmocka_unit_test(test_bad_hdrs_magic),
		cmocka_unit_test(test_old_protocol),
		cmocka_unit_test(test_no_64bit_entry),
		cmocka_unit_test(test_not_loaded_high),
		cmocka_unit_test(test_header_too_short),
		cmocka_unit_test(test_setup_sects_past_end),
		cmocka_unit_test(test_kernel_truncated),
		cmocka_unit_test(test_syssize_zero),
		cmocka_unit_test(test_payload_outside_kernel),
		cmocka_unit_test(test_alignment_not_power_of_two),
		cmocka_unit_test(test_initrd_too_big),
		cmocka_unit_test(test_cmdline_too_long_for_kernel),
		cmocka_unit_test(test_cmdline_too_long_for_area),
		cmocka_unit_test(test_no_room_for_kernel),
		cmocka_unit_test(test_zero_page_not_reserved),
		cmocka_unit_test(test_cmdline_overlaps_zero_page),
		cmocka_unit_test(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
