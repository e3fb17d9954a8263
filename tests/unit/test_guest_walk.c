/* SPDX-License-Identifier: MIT */
/*
 * Guest page walker: page tables for each paging mode are written byte by
 * byte into a 2 MiB fake guest RAM (entry layouts from SDM Vol. 3A §4.3-4.5,
 * spelled out here with literal bit values, not with the walker's macros),
 * then linear addresses are translated and read. One test per mode and page
 * size, one per level at which an entry is missing, and the reads that
 * cross into unmapped and differently mapped pages.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <septum/guest_walk.h>

#define RAM_SIZE (2ull << 20)

#define P    0x001ull
#define RW   0x002ull
#define PS   0x080ull
#define PAT_LARGE 0x1000ull   /* bit 12 of a 2 MiB / 1 GiB / 4 MiB entry */
#define NX   (1ull << 63)

#define CR0_PG   (1ull << 31)
#define CR0_PE   1ull
#define CR4_PSE  (1ull << 4)
#define CR4_PAE  (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

static uint8_t ram[RAM_SIZE];
static char why[160];
static unsigned reads;   /* calls to rd(), to prove the walk goes through it */

static const void *rd(void *ctx, uint64_t gpa, uint64_t len)
{
	assert_ptr_equal(ctx, ram);
	reads++;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return NULL;
	return ram + gpa;
}

static int setup(void **state)
{
	(void)state;
	memset(ram, 0, sizeof(ram));
	why[0] = '\0';
	reads = 0;
	return 0;
}

static void put64(uint64_t gpa, uint64_t v)
{
	assert_true(gpa + 8 <= RAM_SIZE);
	memcpy(ram + gpa, &v, 8);
}

static void put32(uint64_t gpa, uint32_t v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(ram + gpa, &v, 4);
}

static uint64_t xlate_ok(const struct guest_paging *pg, uint64_t linear)
{
	uint64_t gpa = 0xdead;
	int rc = guest_linear_to_phys(pg, linear, rd, ram, &gpa, why, sizeof(why));

	if (rc)
		print_error("unexpected failure: %s\n", why);
	assert_int_equal(rc, 0);
	return gpa;
}

static void xlate_bad(const struct guest_paging *pg, uint64_t linear, const char *reason)
{
	uint64_t gpa = 0xdead;

	assert_int_equal(guest_linear_to_phys(pg, linear, rd, ram, &gpa, why, sizeof(why)), -1);
	if (!strstr(why, reason))
		print_error("reason \"%s\" lacks \"%s\"\n", why, reason);
	assert_non_null(strstr(why, reason));
	assert_int_equal(gpa, 0xdead);   /* untouched on failure */
}

/* ---- paging off --------------------------------------------------------- */

static void test_paging_off_identity(void **state)
{
	(void)state;
	struct guest_paging pg = { .cr0 = CR0_PE };

	assert_int_equal(xlate_ok(&pg, 0xfee000b0), 0xfee000b0);
	assert_int_equal(reads, 0);
}

static void test_paging_off_truncates_to_32_bits(void **state)
{
	(void)state;
	struct guest_paging pg = { 0 };   /* real mode */

	assert_int_equal(xlate_ok(&pg, 0x123456789ull), 0x23456789);
}

/* ---- 32-bit paging ------------------------------------------------------ */

/* PD at 0x1000; linear 0x00403abc: PD index 1, PT index 3 -> PT 0x2000 -> page 0x5000. */
static struct guest_paging build32(void)
{
	put32(0x1000 + 1 * 4, 0x2000 | P | RW);
	put32(0x2000 + 3 * 4, 0x5000 | P | RW);
	return (struct guest_paging){ .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000 };
}

static void test_32bit_4k(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	assert_int_equal(xlate_ok(&pg, 0x00403abc), 0x5abc);
	assert_int_equal(reads, 2);
}

static void test_32bit_ignores_high_linear_bits(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	assert_int_equal(xlate_ok(&pg, 0xffffffff00403abcull), 0x5abc);
}

static void test_32bit_cr3_low_bits_ignored(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	pg.cr3 |= 0x18;   /* PWT, PCD */
	assert_int_equal(xlate_ok(&pg, 0x00403abc), 0x5abc);
}

static void test_32bit_4m_page(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	put32(0x1000 + 2 * 4, 0x00c00000 | PS | P | PAT_LARGE);
	pg.cr4 = CR4_PSE;
	assert_int_equal(xlate_ok(&pg, 0x00812345), 0xc12345);
}

static void test_32bit_4m_pse36_high_bits(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	/* bits 20:13 = 0x03 give address bits 39:32 (Table 4-5) */
	put32(0x1000 + 2 * 4, 0x00c00000 | (0x03u << 13) | PS | P);
	pg.cr4 = CR4_PSE;
	assert_int_equal(xlate_ok(&pg, 0x00812345), 0x300c12345ull);
}

static void test_32bit_ps_ignored_without_pse(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	/* Without CR4.PSE, bit 7 of a PDE is ignored: 0x2000 is a page table. */
	put32(0x1000 + 2 * 4, 0x2000 | PS | P);
	assert_int_equal(xlate_ok(&pg, 0x00803abc), 0x5abc);
}

static void test_32bit_not_present_level2(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	xlate_bad(&pg, 0x00c03abc, "not present at level 2");
}

static void test_32bit_not_present_level1(void **state)
{
	(void)state;
	struct guest_paging pg = build32();

	xlate_bad(&pg, 0x00404abc, "not present at level 1");
}

/* ---- PAE paging --------------------------------------------------------- */

/* PDPT at 0x1020 (32-byte aligned only); linear 0xc0201abc: PDPT index 3,
 * PD index 1, PT index 1 -> PD 0x3000 -> PT 0x4000 -> page 0x7000. */
static struct guest_paging build_pae(void)
{
	put64(0x1020 + 3 * 8, 0x3000 | P);
	put64(0x3000 + 1 * 8, 0x4000 | P | RW);
	put64(0x4000 + 1 * 8, 0x7000 | P | RW | NX);
	return (struct guest_paging){ .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1020, .cr4 = CR4_PAE };
}

static void test_pae_4k(void **state)
{
	(void)state;
	struct guest_paging pg = build_pae();

	assert_int_equal(xlate_ok(&pg, 0xc0201abc), 0x7abc);
	assert_int_equal(reads, 3);
}

static void test_pae_2m_page(void **state)
{
	(void)state;
	struct guest_paging pg = build_pae();

	put64(0x3000 + 2 * 8, 0x00600000 | PS | P | PAT_LARGE);
	assert_int_equal(xlate_ok(&pg, 0xc0412345), 0x612345);
}

static void test_pae_high_physical(void **state)
{
	(void)state;
	struct guest_paging pg = build_pae();

	/* PAE reaches beyond 4 GiB: entries carry bits 51:12. */
	put64(0x4000 + 2 * 8, 0xabcdef00000ull | P);
	assert_int_equal(xlate_ok(&pg, 0xc0202123), 0xabcdef00123ull);
}

static void test_pae_not_present_level3(void **state)
{
	(void)state;
	struct guest_paging pg = build_pae();

	xlate_bad(&pg, 0x80201abc, "not present at level 3");
}

static void test_pae_not_present_level2(void **state)
{
	(void)state;
	struct guest_paging pg = build_pae();

	xlate_bad(&pg, 0xc0601abc, "not present at level 2");
}

static void test_pae_not_present_level1(void **state)
{
	(void)state;
	struct guest_paging pg = build_pae();

	xlate_bad(&pg, 0xc0205abc, "not present at level 1");
}

/* ---- 4-level paging ----------------------------------------------------- */

#define HIGH_HALF 0xffff800000000000ull   /* PML4 index 0x100 */

/* PML4 at 0x1000; HIGH_HALF + 0x201abc: PML4 0x100 -> PDPT 0x2000 [0] ->
 * PD 0x3000 [1] -> PT 0x4000 [1] -> page 0x9000. */
static struct guest_paging build_4level(void)
{
	put64(0x1000 + 0x100 * 8, 0x2000 | P | RW);
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(0x3000 + 1 * 8, 0x4000 | P | RW);
	put64(0x4000 + 1 * 8, 0x9000 | P | NX);
	return (struct guest_paging){ .cr0 = CR0_PG | CR0_PE, .cr3 = 0x1000 | 0x005 /* PCID */,
				      .cr4 = CR4_PAE, .efer = EFER_LME | EFER_LMA };
}

static void test_4level_4k(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	assert_int_equal(xlate_ok(&pg, HIGH_HALF + 0x201abc), 0x9abc);
	assert_int_equal(reads, 4);
}

static void test_4level_2m_page(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	put64(0x3000 + 2 * 8, 0x00600000 | PS | P | PAT_LARGE);
	assert_int_equal(xlate_ok(&pg, HIGH_HALF + 0x412345), 0x612345);
}

static void test_4level_1g_page(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	put64(0x2000 + 1 * 8, 0x80000000ull | PS | P | PAT_LARGE | NX);
	assert_int_equal(xlate_ok(&pg, HIGH_HALF + 0x40012345), 0x80012345);
	assert_int_equal(reads, 2);
}

static void test_4level_low_half(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	put64(0x1000, 0x2000 | P);   /* PML4[0] shares the PDPT */
	assert_int_equal(xlate_ok(&pg, 0x201abc), 0x9abc);
}

static void test_4level_not_present_level4(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	xlate_bad(&pg, 0x201abc, "not present at level 4");
}

static void test_4level_not_present_level3(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	xlate_bad(&pg, HIGH_HALF + 0xc0201abc, "not present at level 3");
}

static void test_4level_not_present_level2(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	xlate_bad(&pg, HIGH_HALF + 0x601abc, "not present at level 2");
}

static void test_4level_not_present_level1(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	xlate_bad(&pg, HIGH_HALF + 0x205abc, "not present at level 1");
}

static void test_4level_table_outside_ram(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	put64(0x3000 + 3 * 8, 0x10000000ull | P);   /* PD[3] -> PT at 256 MiB */
	xlate_bad(&pg, HIGH_HALF + 0x600000 + 0x1abc, "page-table entry at GPA 0x10000008 is not RAM");
}

static void test_4level_cr3_outside_ram(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();

	pg.cr3 = 0x40000000;
	xlate_bad(&pg, 0x1000, "page-table entry at GPA 0x40000000 is not RAM");
}

/* ---- 5-level paging ----------------------------------------------------- */

/* PML5 at 0x6000, index 1 (linear bit 48) -> the 4-level tables above. */
static struct guest_paging build_5level(void)
{
	struct guest_paging pg = build_4level();

	put64(0x6000 + 1 * 8, 0x1000 | P);
	put64(0x1000 + 0, 0x2000 | P);
	pg.cr3 = 0x6000;
	pg.cr4 |= CR4_LA57;
	return pg;
}

static void test_5level_4k(void **state)
{
	(void)state;
	struct guest_paging pg = build_5level();

	assert_int_equal(xlate_ok(&pg, (1ull << 48) + 0x201abc), 0x9abc);
	assert_int_equal(reads, 5);
}

static void test_5level_1g_page(void **state)
{
	(void)state;
	struct guest_paging pg = build_5level();

	put64(0x2000 + 1 * 8, 0x80000000ull | PS | P);
	assert_int_equal(xlate_ok(&pg, (1ull << 48) + 0x40012345), 0x80012345);
}

static void test_5level_not_present_level5(void **state)
{
	(void)state;
	struct guest_paging pg = build_5level();

	xlate_bad(&pg, (2ull << 48) + 0x201abc, "not present at level 5");
}

/* ---- guest_read_linear -------------------------------------------------- */

static void fill(uint64_t gpa, size_t n, uint8_t first)
{
	for (size_t i = 0; i < n; i++)
		ram[gpa + i] = (uint8_t)(first + i);
}

static void test_read_within_page(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();
	uint8_t buf[8] = { 0 };

	fill(0x9abc, 8, 0x10);
	assert_int_equal(guest_read_linear(&pg, HIGH_HALF + 0x201abc, buf, 8, rd, ram, why, sizeof(why)), 8);
	assert_memory_equal(buf, ram + 0x9abc, 8);
}

static void test_read_crosses_into_unmapped(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();
	uint8_t buf[8];

	/* page HIGH_HALF+0x201000 is mapped, +0x202000 is not: 3 bytes fit */
	memset(buf, 0xee, sizeof(buf));
	fill(0x9ffd, 3, 0x40);
	assert_int_equal(guest_read_linear(&pg, HIGH_HALF + 0x201ffd, buf, 8, rd, ram, why, sizeof(why)), 3);
	assert_int_equal(buf[0], 0x40);
	assert_int_equal(buf[2], 0x42);
	assert_int_equal(buf[3], 0xee);   /* nothing written past the copy */
	assert_non_null(strstr(why, "not present at level 1"));
}

static void test_read_crosses_into_other_mapping(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();
	uint8_t buf[8];
	const uint8_t want[8] = { 0x40, 0x41, 0x42, 0x60, 0x61, 0x62, 0x63, 0x64 };

	/* next linear page maps GPA 0x6000: below, not after, the first */
	put64(0x4000 + 2 * 8, 0x6000 | P);
	fill(0x9ffd, 3, 0x40);
	fill(0x6000, 5, 0x60);
	fill(0xa000, 5, 0xaa);   /* what a wrong, contiguous read would get */
	assert_int_equal(guest_read_linear(&pg, HIGH_HALF + 0x201ffd, buf, 8, rd, ram, why, sizeof(why)), 8);
	assert_memory_equal(buf, want, 8);
}

static void test_read_first_byte_unmapped(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();
	uint8_t buf[8];

	assert_int_equal(guest_read_linear(&pg, HIGH_HALF + 0x202000, buf, 8, rd, ram, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "not present at level 1"));
}

static void test_read_page_outside_ram(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();
	uint8_t buf[8];

	put64(0x4000 + 2 * 8, 0xfee00000ull | P);   /* the xAPIC page: not RAM */
	assert_int_equal(guest_read_linear(&pg, HIGH_HALF + 0x202000, buf, 8, rd, ram, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "GPA 0xfee00000, which is not RAM"));
}

static void test_read_paging_off(void **state)
{
	(void)state;
	struct guest_paging pg = { 0 };
	uint8_t buf[6];

	fill(0x7ffd, 6, 1);
	assert_int_equal(guest_read_linear(&pg, 0x7ffd, buf, 6, rd, ram, why, sizeof(why)), 6);
	assert_memory_equal(buf, ram + 0x7ffd, 6);
}

static void test_read_zero_length(void **state)
{
	(void)state;
	struct guest_paging pg = build_4level();
	uint8_t buf[1];

	assert_int_equal(guest_read_linear(&pg, 0, buf, 0, rd, ram, why, sizeof(why)), 0);
	assert_int_equal(reads, 0);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_paging_off_identity),
		T(test_paging_off_truncates_to_32_bits),
		T(test_32bit_4k),
		T(test_32bit_ignores_high_linear_bits),
		T(test_32bit_cr3_low_bits_ignored),
		T(test_32bit_4m_page),
		T(test_32bit_4m_pse36_high_bits),
		T(test_32bit_ps_ignored_without_pse),
		T(test_32bit_not_present_level2),
		T(test_32bit_not_present_level1),
		T(test_pae_4k),
		T(test_pae_2m_page),
		T(test_pae_high_physical),
		T(test_pae_not_present_level3),
		T(test_pae_not_present_level2),
		T(test_pae_not_present_level1),
		T(test_4level_4k),
		T(test_4level_2m_page),
		T(test_4level_1g_page),
		T(test_4level_low_half),
		T(test_4level_not_present_level4),
		T(test_4level_not_present_level3),
		T(test_4level_not_present_level2),
		T(test_4level_not_present_level1),
		T(test_4level_table_outside_ram),
		T(test_4level_cr3_outside_ram),
		T(test_5level_4k),
		T(test_5level_1g_page),
		T(test_5level_not_present_level5),
		T(test_read_within_page),
		T(test_read_crosses_into_unmapped),
		T(test_read_crosses_into_other_mapping),
		T(test_read_first_byte_unmapped),
		T(test_read_page_outside_ram),
		T(test_read_paging_off),
		T(test_read_zero_length),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
