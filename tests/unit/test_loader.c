// SPDX-License-Identifier: MIT
/*
 * kernel/loader.c: partition_load_elf() on a malloc'd guest RAM. The ELF
 * images are assembled byte by byte here (ELF gABI layouts), and the guest
 * page tables are checked by walking them as the CPU would (SDM Vol. 3A
 * §4.5, 4-level paging), not by re-running the builder's own loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/loader.h>

#define RAM_SIZE  (2ull << 20)
#define SEG_PADDR 0x100000ull
#define SEG_OFF   0x1000u
#define SEG_FILE  0x100u
#define SEG_MEM   0x300u
#define ENTRY     0x100010ull
#define IMG_SIZE  (SEG_OFF + SEG_FILE)

#define PTE_P  0x1ull
#define PTE_W  0x2ull
#define PTE_US 0x4ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

static struct partition *p;
static uint8_t img[IMG_SIZE];
static char why[128];

static void put(uint8_t *b, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static uint8_t seg_byte(size_t i) { return (uint8_t)(0x5a ^ (i * 13)); }

/* ET_EXEC with one PT_LOAD (R+X) at 1 MiB: 0x100 file bytes, 0x200 of .bss. */
static void build_elf(unsigned bits)
{
	memset(img, 0, sizeof(img));
	memcpy(img, "\177ELF", 4);
	img[4] = bits == 64 ? 2 : 1;        /* EI_CLASS */
	img[5] = 1;                         /* little endian */
	img[6] = 1;                         /* EV_CURRENT */
	put(img + 16, 2, 2);                /* ET_EXEC */
	put(img + 18, bits == 64 ? 62 : 3, 2);  /* EM_X86_64 / EM_386 */
	put(img + 20, 1, 4);
	if (bits == 64) {
		uint8_t *ph = img + 64;

		put(img + 24, ENTRY, 8);
		put(img + 32, 64, 8);           /* e_phoff */
		put(img + 52, 64, 2);           /* e_ehsize */
		put(img + 54, 56, 2);           /* e_phentsize */
		put(img + 56, 1, 2);            /* e_phnum */
		put(ph + 0, 1, 4);              /* PT_LOAD */
		put(ph + 4, 5, 4);              /* R+X */
		put(ph + 8, SEG_OFF, 8);
		put(ph + 16, SEG_PADDR, 8);
		put(ph + 24, SEG_PADDR, 8);
		put(ph + 32, SEG_FILE, 8);
		put(ph + 40, SEG_MEM, 8);
		put(ph + 48, 0x1000, 8);
	} else {
		uint8_t *ph = img + 52;

		put(img + 24, ENTRY, 4);
		put(img + 28, 52, 4);
		put(img + 40, 52, 2);
		put(img + 42, 32, 2);
		put(img + 44, 1, 2);
		put(ph + 0, 1, 4);
		put(ph + 4, SEG_OFF, 4);
		put(ph + 8, SEG_PADDR, 4);
		put(ph + 12, SEG_PADDR, 4);
		put(ph + 16, SEG_FILE, 4);
		put(ph + 20, SEG_MEM, 4);
		put(ph + 24, 5, 4);
		put(ph + 28, 0x1000, 4);
	}
	for (size_t i = 0; i < SEG_FILE; i++)
		img[SEG_OFF + i] = seg_byte(i);
}

static int setup(void **state)
{
	(void)state;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	p->ram_hva = malloc(RAM_SIZE);
	if (!p->ram_hva)
		return -1;
	memset(p->ram_hva, 0xcc, RAM_SIZE);     /* stale contents the loader must clear */
	p->ram_size = RAM_SIZE;
	p->name = "l";
	p->entry_cr3 = 0xdead000;
	memset(why, 0, sizeof(why));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(p->ram_hva);
	free(p);
	return 0;
}

static uint64_t rd64(uint64_t gpa)
{
	uint64_t v;

	assert_true(gpa + 8 <= RAM_SIZE);
	memcpy(&v, p->ram_hva + gpa, 8);
	return v;
}

static bool in_range(uint64_t a, uint64_t base, uint64_t len) { return a >= base && a < base + len; }

static void load_ok(unsigned bits, bool gbpages)
{
	build_elf(bits);
	if (partition_load_elf(p, img, sizeof(img), gbpages, why, sizeof(why)) != 0)
		fail_msg("load refused: %s", why);
}

/* ------------------------------------------------------------- 64-bit ELF */

static void elf64_entry_and_bits(void **state)
{
	(void)state;
	load_ok(64, false);
	assert_int_equal(p->entry_bits, 64);
	assert_int_equal(p->entry_rip, ENTRY);
	assert_int_equal(p->entry_cr3, 0x1000);
}

static void elf64_segment_loaded_bss_zeroed(void **state)
{
	(void)state;
	load_ok(64, false);
	for (size_t i = 0; i < SEG_FILE; i++)
		assert_int_equal(p->ram_hva[SEG_PADDR + i], seg_byte(i));
	for (size_t i = SEG_FILE; i < SEG_MEM; i++)
		assert_int_equal(p->ram_hva[SEG_PADDR + i], 0);
}

/* Descriptor fields per SDM Vol. 3A §3.4.5 Figure 3-8. */
static void check_descriptor(uint64_t d, unsigned type, bool l, bool db)
{
	assert_int_equal(d & 0xffff, 0xffff);                     /* limit 15:0 */
	assert_int_equal((d >> 48) & 0xf, 0xf);                   /* limit 19:16 */
	assert_int_equal(((d >> 16) & 0xffffff) | ((d >> 56) << 24), 0);  /* base 0 */
	assert_int_equal((d >> 40) & 0xf, type);
	assert_int_equal((d >> 44) & 1, 1);                       /* S: code/data */
	assert_int_equal((d >> 45) & 3, 0);                       /* DPL 0 */
	assert_int_equal((d >> 47) & 1, 1);                       /* P */
	assert_int_equal((d >> 53) & 1, l);                       /* L */
	assert_int_equal((d >> 54) & 1, db);                      /* D/B */
	assert_int_equal((d >> 55) & 1, 1);                       /* G: 4 KiB units */
}

static void elf64_gdt(void **state)
{
	(void)state;
	load_ok(64, false);
	assert_int_equal(GUEST_GDT_GPA, 0x800);
	assert_int_equal(rd64(0x800), 0);
	check_descriptor(rd64(0x808), 0xa, true, false);          /* 64-bit code: L=1, D=0 */
	check_descriptor(rd64(0x810), 0x2, false, true);          /* data RW */
}

/* Walk the guest's 4-level tables for linear address la; returns the
 * physical address or ~0 if not present. *leaf_size: 2 MiB or 1 GiB. */
static uint64_t walk(uint64_t cr3, uint64_t la, uint64_t *leaf_size)
{
	uint64_t e = rd64((cr3 & PTE_ADDR) + ((la >> 39) & 511) * 8);

	if (!(e & PTE_P))
		return ~0ull;
	assert_int_equal(e & (PTE_W | PTE_PS), PTE_W);
	e = rd64((e & PTE_ADDR) + ((la >> 30) & 511) * 8);
	if (!(e & PTE_P))
		return ~0ull;
	assert_int_equal(e & PTE_W, PTE_W);
	if (e & PTE_PS) {
		*leaf_size = 1ull << 30;
		assert_int_equal(e & 0x3fffe000ull, 0);           /* reserved bits of a 1 GiB PDPTE */
		return (e & PTE_ADDR & ~((1ull << 30) - 1)) | (la & ((1ull << 30) - 1));
	}
	e = rd64((e & PTE_ADDR) + ((la >> 21) & 511) * 8);
	if (!(e & PTE_P))
		return ~0ull;
	assert_int_equal(e & (PTE_W | PTE_PS), PTE_W | PTE_PS);   /* 2 MiB pages, no 4 KiB tables */
	*leaf_size = 1ull << 21;
	assert_int_equal(e & 0x1fe000ull, 0);                     /* reserved bits of a 2 MiB PDE */
	return (e & PTE_ADDR & ~((1ull << 21) - 1)) | (la & ((1ull << 21) - 1));
}

static void elf64_table_structure(void **state)
{
	(void)state;
	load_ok(64, false);
	/* PML4[0] -> PDPT at 0x2000; PML4[1..511] absent */
	assert_int_equal(rd64(0x1000) & (PTE_ADDR | PTE_P | PTE_W | PTE_PS), 0x2000 | PTE_P | PTE_W);
	for (unsigned i = 1; i < 512; i++)
		assert_int_equal(rd64(0x1000 + i * 8), 0);
	/* PDPT[0..3] -> PDs at 0x3000..0x6000 */
	for (unsigned i = 0; i < 4; i++)
		assert_int_equal(rd64(0x2000 + i * 8) & (PTE_ADDR | PTE_P | PTE_W | PTE_PS),
				 (0x3000 + i * 0x1000) | PTE_P | PTE_W);
	/* PD entries: 2 MiB identity, 0..4 GiB */
	for (unsigned i = 0; i < 4 * 512; i++)
		assert_int_equal(rd64(0x3000 + i * 8) & (PTE_ADDR | PTE_P | PTE_W | PTE_PS),
				 ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS);
}

static void elf64_identity_below_4g(void **state)
{
	static const uint64_t probes[] = { 0, 0x1234, 0x100010, 0x1fffff, 0x200000, 0x40000000,
					   0xbfffffff, 0xfee00000, 0xffffffff };
	uint64_t size;

	(void)state;
	load_ok(64, false);
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		assert_int_equal(walk(p->entry_cr3, probes[i], &size), probes[i]);
		assert_int_equal(size, 1ull << 21);
	}
}

static void elf64_no_gbpages_nothing_above_4g(void **state)
{
	uint64_t size;

	(void)state;
	load_ok(64, false);
	for (unsigned i = 4; i < 512; i++)
		assert_int_equal(rd64(0x2000 + i * 8), 0);
	assert_int_equal(walk(p->entry_cr3, 0x100000000ull, &size), ~0ull);
	assert_int_equal(walk(p->entry_cr3, 0x7fffffffffull, &size), ~0ull);
}

static void elf64_gbpages_map_to_512g(void **state)
{
	uint64_t size;

	(void)state;
	load_ok(64, true);
	for (uint64_t i = 4; i < 512; i++)
		assert_int_equal(rd64(0x2000 + i * 8) & (PTE_ADDR | PTE_P | PTE_W | PTE_PS),
				 (i << 30) | PTE_P | PTE_W | PTE_PS);
	assert_int_equal(walk(p->entry_cr3, 0x100000000ull, &size), 0x100000000ull);
	assert_int_equal(size, 1ull << 30);
	assert_int_equal(walk(p->entry_cr3, 0x7fffffffffull, &size), 0x7fffffffffull);
	assert_int_equal(walk(p->entry_cr3, 0x123456789aull, &size), 0x123456789aull);
	/* below 4 GiB still 2 MiB pages */
	assert_int_equal(walk(p->entry_cr3, 0xfffff000ull, &size), 0xfffff000ull);
	assert_int_equal(size, 1ull << 21);
	/* 512 GiB is the next PML4 slot: absent */
	assert_int_equal(walk(p->entry_cr3, 0x8000000000ull, &size), ~0ull);
}

static void elf64_tables_not_user_accessible(void **state)
{
	(void)state;
	load_ok(64, true);
	assert_int_equal(rd64(0x1000) & PTE_US, 0);
	assert_int_equal(rd64(0x2000) & PTE_US, 0);
	assert_int_equal(rd64(0x3000) & PTE_US, 0);
}

/* Every byte that is not GDT, page tables or image is zero. */
static void check_rest_zero(bool tables)
{
	for (uint64_t a = 0; a < RAM_SIZE; a++) {
		if (in_range(a, GUEST_GDT_GPA, 24) || (tables && in_range(a, GUEST_PML4_GPA, GUEST_BOOT_END - GUEST_PML4_GPA)) ||
		    in_range(a, SEG_PADDR, SEG_MEM))
			continue;
		if (p->ram_hva[a] != 0)
			fail_msg("RAM byte at GPA 0x%llx is 0x%02x, want 0", (unsigned long long)a, p->ram_hva[a]);
	}
}

static void elf64_ram_outside_image_zeroed(void **state)
{
	(void)state;
	load_ok(64, false);
	check_rest_zero(true);
}

/* ------------------------------------------------------------- 32-bit ELF */

static void elf32_entry_and_bits(void **state)
{
	(void)state;
	load_ok(32, true);
	assert_int_equal(p->entry_bits, 32);
	assert_int_equal(p->entry_rip, ENTRY);
}

static void elf32_code_descriptor(void **state)
{
	(void)state;
	load_ok(32, false);
	assert_int_equal(rd64(0x800), 0);
	check_descriptor(rd64(0x808), 0xa, false, true);          /* 32-bit code: L=0, D=1 */
	check_descriptor(rd64(0x810), 0x2, false, true);
}

static void elf32_no_page_tables(void **state)
{
	(void)state;
	load_ok(32, true);
	for (uint64_t a = GUEST_PML4_GPA; a < GUEST_BOOT_END; a += 8)
		assert_int_equal(rd64(a), 0);
	check_rest_zero(false);
}

/* ----------------------------------------------------------- bad images */

static void check_refused(size_t size, const char *reason)
{
	uint8_t before[64];

	memcpy(before, p->ram_hva + SEG_PADDR, sizeof(before));
	assert_int_equal(partition_load_elf(p, img, size, false, why, sizeof(why)), -1);
	if (!strstr(why, reason))
		fail_msg("reason \"%s\" lacks \"%s\"", why, reason);
	/* refused before touching the partition */
	assert_memory_equal(p->ram_hva + SEG_PADDR, before, sizeof(before));
	assert_int_equal(p->ram_hva[0], 0xcc);
	assert_int_equal(p->entry_bits, 0);
	assert_int_equal(p->entry_cr3, 0xdead000);
}

static void bad_magic_refused(void **state)
{
	(void)state;
	build_elf(64);
	img[1] = 'X';
	check_refused(sizeof(img), "bad magic");
}

static void truncated_refused(void **state)
{
	(void)state;
	build_elf(64);
	check_refused(20, "truncated ELF header (20 of 64 bytes)");
}

static void shorter_than_ident_refused(void **state)
{
	(void)state;
	build_elf(64);
	check_refused(10, "file too short");
}

static void wrong_machine_refused(void **state)
{
	(void)state;
	build_elf(64);
	put(img + 18, 3, 2);                    /* ELFCLASS64 for EM_386 */
	check_refused(sizeof(img), "ELFCLASS64 image for machine 3");
}

static void segment_past_file_refused(void **state)
{
	(void)state;
	build_elf(64);
	check_refused(IMG_SIZE - 1, "outside the file");
}

static void segment_below_1m_refused(void **state)
{
	(void)state;
	build_elf(64);
	put(img + 64 + 16, 0x7000, 8);
	put(img + 64 + 24, 0x7000, 8);
	put(img + 24, 0x7010, 8);
	check_refused(sizeof(img), "reserved for boot data");
}

static void segment_beyond_ram_refused(void **state)
{
	(void)state;
	build_elf(64);
	put(img + 64 + 40, RAM_SIZE, 8);        /* memsz: 1 MiB + 2 MiB > RAM */
	check_refused(sizeof(img), "does not fit");
}

static void entry_outside_code_refused(void **state)
{
	(void)state;
	build_elf(32);
	put(img + 24, 0x200000, 4);
	check_refused(sizeof(img), "entry point 0x200000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(elf64_entry_and_bits),
		T(elf64_segment_loaded_bss_zeroed),
		T(elf64_gdt),
		T(elf64_table_structure),
		T(elf64_identity_below_4g),
		T(elf64_no_gbpages_nothing_above_4g),
		T(elf64_gbpages_map_to_512g),
		T(elf64_tables_not_user_accessible),
		T(elf64_ram_outside_image_zeroed),
		T(elf32_entry_and_bits),
		T(elf32_code_descriptor),
		T(elf32_no_page_tables),
		T(bad_magic_refused),
		T(truncated_refused),
		T(shorter_than_ident_refused),
		T(wrong_machine_refused),
		T(segment_past_file_refused),
		T(segment_below_1m_refused),
		T(segment_beyond_ram_refused),
		T(entry_outside_code_refused),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
