// SPDX-License-Identifier: MIT
/*
 * kernel/guest/loader.c: partition_load_elf() on a malloc'd guest RAM. The ELF
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

#include <septum/image.h>
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

/* ------------------------------------------------------------- multiboot */

/* Multiboot images are laid out in their own buffer: the v2 header may sit
 * anywhere in the first 32 KiB, and the image here is raw (address fields). */
#define MB_IMG   0x2000u
#define MB_LOAD  0x100000u
#define MB_ENTRY 0x100080u
static uint8_t mbimg[MB_IMG];
static struct cfg_partition mbcfg = { .cmdline = "mb beat=0" };
static const char mod0[] = "first line\nsecond\n", mod1[] = "x";
static const struct mb_module mbmods[2] = {
	{ mod0, sizeof(mod0) - 1, "alpha one" },
	{ mod1, 1, NULL },
};
static const uint32_t apic_ids[1] = { 0 };

/* v1 §3.1.2/3.1.3: magic, flags (bit 16: address fields valid), checksum, address fields. */
static void build_mb1(uint32_t checksum_delta)
{
	const uint32_t flags = 0x10003;

	memset(mbimg, 0x90, sizeof(mbimg));
	put(mbimg + 0, 0x1badb002, 4);
	put(mbimg + 4, flags, 4);
	put(mbimg + 8, (uint32_t)-(0x1badb002u + flags) + checksum_delta, 4);
	put(mbimg + 12, MB_LOAD, 4);               /* header_addr: the header is the first byte */
	put(mbimg + 16, MB_LOAD, 4);               /* load_addr */
	put(mbimg + 20, 0, 4);                     /* load_end_addr: the whole file */
	put(mbimg + 24, MB_LOAD + 0x4000, 4);      /* bss_end_addr */
	put(mbimg + 28, MB_ENTRY, 4);              /* entry_addr */
}

/* v2: header with an address tag and an entry tag, then the end tag. */
static void build_mb2(void)
{
	const uint32_t len = 16 + 24 + 16 + 8;

	memset(mbimg, 0x90, sizeof(mbimg));
	put(mbimg + 0, 0xe85250d6, 4);
	put(mbimg + 4, 0, 4);
	put(mbimg + 8, len, 4);
	put(mbimg + 12, (uint32_t)-(0xe85250d6u + len), 4);
	put(mbimg + 16, 2, 2);                     /* address tag */
	put(mbimg + 18, 0, 2);
	put(mbimg + 20, 24, 4);
	put(mbimg + 24, MB_LOAD, 4);               /* header_addr */
	put(mbimg + 28, MB_LOAD, 4);               /* load_addr */
	put(mbimg + 32, 0, 4);                     /* load_end_addr */
	put(mbimg + 36, MB_LOAD + 0x4000, 4);      /* bss_end_addr */
	put(mbimg + 40, 3, 2);                     /* entry address tag */
	put(mbimg + 42, 0, 2);
	put(mbimg + 44, 12, 4);
	put(mbimg + 48, MB_ENTRY, 4);
	put(mbimg + 56, 0, 4);                     /* end tag at 56 (8-byte aligned) */
	put(mbimg + 60, 8, 4);
}

static uint32_t rd32(uint64_t gpa)
{
	uint32_t v;

	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(&v, p->ram_hva + gpa, 4);
	return v;
}

static void mb_load_ok(void)
{
	p->cfg = &mbcfg;
	p->entry_rsi = 0x7000;
	p->entry_cr3 = 0x1000;
	if (partition_load_multiboot(p, mbimg, sizeof(mbimg), mbmods, 2, apic_ids, 1, why, sizeof(why)) != 0)
		fail_msg("multiboot load refused: %s", why);
}

/* F000:FFF0 holds the reset stub (mov dx,0xcf9; mov al,6; out dx,al):
 * an OS that reboots through the "BIOS" reset vector gets a reset. */
static void mb_reset_vector_stub(void **state)
{
	static const uint8_t want[] = { 0xba, 0xf9, 0x0c, 0xb0, 0x06, 0xee };

	(void)state;
	build_mb1(0);
	mb_load_ok();
	assert_memory_equal(p->ram_hva + GUEST_RESET_VECTOR, want, sizeof(want));
}

static void mb1_entry_state(void **state)
{
	(void)state;
	build_mb1(0);
	mb_load_ok();
	assert_int_equal(p->entry_bits, 32);
	assert_int_equal(p->entry_rip, MB_ENTRY);
	assert_int_equal(p->entry_rax, 0x2badb002);      /* v1 §3.2 */
	assert_int_equal(p->entry_rbx, GUEST_MB_INFO_GPA);
	assert_int_equal(p->entry_rsi, 0);
	assert_int_equal(p->entry_cr3, 0);               /* paging off */
	assert_int_equal(p->entry_cs, 0x08);
	assert_int_equal(p->entry_ds, 0x10);
	assert_int_equal(p->gdt_limit, 23);
	assert_true(p->os_guest);                       /* an OS: interrupts, HLT, S5 */
	check_descriptor(rd64(GUEST_GDT_GPA + 8), 0xa, false, true);
	check_descriptor(rd64(GUEST_GDT_GPA + 16), 0x2, false, true);
	/* The image was loaded at 1 MiB and its bss cleared. */
	assert_memory_equal(p->ram_hva + MB_LOAD, mbimg, sizeof(mbimg));
	assert_int_equal(p->ram_hva[MB_LOAD + 0x3fff], 0);
}

static void mb1_info_cmdline_and_modules(void **state)
{
	uint64_t info = GUEST_MB_INFO_GPA, mods, m0, m1;

	(void)state;
	build_mb1(0);
	mb_load_ok();
	/* v1 §3.3: flags 0 (mem), 2 (cmdline), 3 (mods), 6 (mmap) set. */
	assert_int_equal(rd32(info) & 0x4d, 0x4d);
	assert_string_equal((const char *)p->ram_hva + rd32(info + 16), "mb beat=0");
	assert_int_equal(rd32(info + 20), 2);
	mods = rd32(info + 24);
	m0 = rd32(mods);
	m1 = rd32(mods + 16);
	assert_true(m0 >= MB_LOAD + 0x4000 && m0 % 4096 == 0);   /* above the image's bss */
	assert_int_equal(rd32(mods + 4), m0 + sizeof(mod0) - 1);
	assert_memory_equal(p->ram_hva + m0, mod0, sizeof(mod0) - 1);
	assert_string_equal((const char *)p->ram_hva + rd32(mods + 8), "alpha one");
	assert_true(m1 > m0 && m1 % 4096 == 0);
	assert_int_equal(p->ram_hva[m1], 'x');
	assert_string_equal((const char *)p->ram_hva + rd32(mods + 16 + 8), "");
	/* Everything lands in reserved boot memory below the ACPI tables. */
	assert_true(mods > info && mods < GUEST_ACPI_GPA);
}

static void mb1_memory_map(void **state)
{
	uint64_t info = GUEST_MB_INFO_GPA, mmap, len;
	struct { uint64_t base, len; uint32_t type; } want[] = {
		{ 0, GUEST_ACPI_GPA, 2 }, { GUEST_ACPI_GPA, 0x1000, 3 }, { GUEST_LOW_FREE, 0xa0000 - GUEST_LOW_FREE, 1 },
		{ 0xa0000, 0x60000, 2 }, { 0x100000, RAM_SIZE - 0x100000, 1 },
	};

	(void)state;
	build_mb1(0);
	mb_load_ok();
	mmap = rd32(info + 48);
	len = rd32(info + 44);
	assert_int_equal(len, ARRAY_SIZE(want) * 24);
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		uint64_t e = mmap + i * 24;

		assert_int_equal(rd32(e), 20);
		assert_int_equal(rd64(e + 4), want[i].base);
		assert_int_equal(rd64(e + 12), want[i].len);
		assert_int_equal(rd32(e + 20), want[i].type);
	}
	assert_int_equal(rd32(info + 4), 640);                   /* mem_lower, KiB */
	assert_int_equal(rd32(info + 8), (RAM_SIZE - 0x100000) >> 10);
}

static void mb2_entry_state_and_tags(void **state)
{
	uint64_t info = GUEST_MB_INFO_GPA, at, end;
	bool cmdline = false, acpi = false;
	unsigned mods = 0;

	(void)state;
	build_mb2();
	mb_load_ok();
	assert_int_equal(p->entry_bits, 32);
	assert_int_equal(p->entry_rip, MB_ENTRY);
	assert_int_equal(p->entry_rax, 0x36d76289);      /* Multiboot2 "I386 machine state" */
	assert_int_equal(p->entry_rbx, info);
	end = info + rd32(info);
	for (at = info + 8; at < end; at += (rd32(at + 4) + 7) & ~7u) {
		uint32_t type = rd32(at);

		if (type == 0)
			break;
		if (type == 1)
			cmdline = !strcmp((const char *)p->ram_hva + at + 8, "mb beat=0");
		if (type == 3 && mods++ == 0)
			assert_string_equal((const char *)p->ram_hva + at + 16, "alpha one");
		if (type == 14 || type == 15)
			acpi = !memcmp(p->ram_hva + at + 8, "RSD PTR ", 8);
	}
	assert_int_equal(rd32(at), 0);
	assert_true(cmdline);
	assert_int_equal(mods, 2);
	assert_true(acpi);                               /* the partition's own ACPI tables */
	assert_memory_equal(p->ram_hva + GUEST_ACPI_GPA, "RSD PTR ", 8);
}

static void mb_kind_detected(void **state)
{
	(void)state;
	build_mb1(0);
	assert_int_equal(guest_kind_of(mbimg, sizeof(mbimg)), GUEST_MULTIBOOT);
	build_mb2();
	assert_int_equal(guest_kind_of(mbimg, sizeof(mbimg)), GUEST_MULTIBOOT);
	build_elf(32);
	assert_int_equal(guest_kind_of(img, sizeof(img)), GUEST_ELF);
	/* A v1 magic without its checksum is data, not a header. */
	build_mb1(1);
	assert_int_equal(guest_kind_of(mbimg, sizeof(mbimg)), GUEST_LINUX);
}

static void mb_stale_ram_cleared(void **state)
{
	(void)state;
	build_mb1(0);
	mb_load_ok();
	assert_int_equal(p->ram_hva[GUEST_LOW_FREE], 0);
	assert_int_equal(p->ram_hva[RAM_SIZE - 1], 0);
	assert_int_equal(p->ram_hva[0x7fff], 0);
}

static void mb_bad_checksum_refused(void **state)
{
	(void)state;
	build_mb1(1);
	p->cfg = &mbcfg;
	assert_int_equal(partition_load_multiboot(p, mbimg, sizeof(mbimg), mbmods, 2, apic_ids, 1, why,
						  sizeof(why)), -1);
	assert_string_equal(why, "multiboot header at 0x0: checksum wrong");
}

static void mb_too_many_modules_refused(void **state)
{
	struct mb_module many[MB_MAX_MODULES + 1];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct mb_module){ mod1, 1, NULL };
	build_mb1(0);
	p->cfg = &mbcfg;
	assert_int_equal(partition_load_multiboot(p, mbimg, sizeof(mbimg), many, ARRAY_SIZE(many), apic_ids, 1,
						  why, sizeof(why)), -1);
	assert_string_equal(why, "17 modules, at most 16");
}

static void mb_module_too_big_refused(void **state)
{
	static const struct mb_module big = { NULL, RAM_SIZE, "big" };

	(void)state;
	build_mb1(0);
	p->cfg = &mbcfg;
	assert_int_equal(partition_load_multiboot(p, mbimg, sizeof(mbimg), &big, 1, apic_ids, 1, why,
						  sizeof(why)), -1);
	assert_non_null(strstr(why, "module 0 (0x200000 bytes) does not fit in free RAM"));
}

/* guest_image_check(): the verdict septum-check and the core share. */
static void mb_image_check(void **state)
{
	(void)state;
	build_mb1(0);
	assert_int_equal(guest_image_check(mbimg, sizeof(mbimg), RAM_SIZE, why, sizeof(why)), 0);
	assert_true(guest_image_takes_modules(NULL, mbimg, sizeof(mbimg)));
	build_mb2();
	assert_int_equal(guest_image_check(mbimg, sizeof(mbimg), RAM_SIZE, why, sizeof(why)), 0);
	assert_true(guest_image_takes_modules(NULL, mbimg, sizeof(mbimg)));
	build_elf(32);
	assert_int_equal(guest_image_check(img, sizeof(img), RAM_SIZE, why, sizeof(why)), 0);
	assert_false(guest_image_takes_modules(NULL, img, sizeof(img)));
}

static void mb_image_check_ram_too_small(void **state)
{
	(void)state;
	build_mb1(0);
	/* bss_end is 1 MiB + 16 KiB: a 1 MiB partition cannot hold it. */
	assert_int_equal(guest_image_check(mbimg, sizeof(mbimg), 0x100000, why, sizeof(why)), -1);
	assert_string_equal(why, "multiboot image 0x100000..0x104000 is not inside RAM 0x100000..0x100000");
}

static void mb_image_check_bad_header(void **state)
{
	(void)state;
	build_mb2();
	put(mbimg + 8, 16, 4);           /* header_length shorter than its tags, checksum fixed up */
	put(mbimg + 12, (uint32_t)-(0xe85250d6u + 16), 4);
	assert_int_equal(guest_image_check(mbimg, sizeof(mbimg), RAM_SIZE, why, sizeof(why)), -1);
	/* The multiboot reason, not "not a bzImage". */
	assert_string_equal(why, "multiboot2 header_length 16 at 0x0 is outside 24..0x2000");
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
		T(mb1_entry_state),
		T(mb_reset_vector_stub),
		T(mb1_info_cmdline_and_modules),
		T(mb1_memory_map),
		T(mb2_entry_state_and_tags),
		T(mb_kind_detected),
		T(mb_stale_ram_cleared),
		T(mb_bad_checksum_refused),
		T(mb_too_many_modules_refused),
		T(mb_module_too_big_refused),
		T(mb_image_check),
		T(mb_image_check_ram_too_small),
		T(mb_image_check_bad_header),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
