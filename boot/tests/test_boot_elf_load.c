/* SPDX-License-Identifier: MIT */
/* Host tests for boot/elf_load.c (placing the core, a static PIE). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <cmocka.h>

#include "elf_load.h"

/*
 * A synthetic core: ELF header, 3 program headers, then at file offset
 * 0x1000 a text segment (vaddr 0x1000, R+X, 0x100 bytes) and at 0x2000 a
 * data segment (vaddr 0x2000, R+W, filesz 0x100, memsz 0x1800 = bss) that
 * holds the dynamic section at +0 and the RELA table at +0x80, and the
 * relocated slots at vaddr 0x2040 and 0x2048.
 */
#define FILE_SIZE 0x2100
static unsigned char file[FILE_SIZE];
static Elf64_Ehdr *eh;
static Elf64_Phdr *ph;
static Elf64_Dyn *dyn;
static Elf64_Rela *rela;
static struct elf_info info;
static struct elf_error err;

static void put_dyn(int i, int64_t tag, uint64_t val)
{
	dyn[i].d_tag = tag;
	dyn[i].d_un.d_val = val;
}

static int setup(void **state)
{
	(void)state;
	memset(file, 0, sizeof(file));
	memset(&err, 0, sizeof(err));
	eh = (Elf64_Ehdr *)file;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = 0x1010;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 3;
	ph = (Elf64_Phdr *)(file + sizeof(*eh));
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0x1000,
			      .p_vaddr = 0x1000, .p_filesz = 0x100, .p_memsz = 0x100 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
			      .p_vaddr = 0x2000, .p_filesz = 0x100, .p_memsz = 0x1800 };
	ph[2] = (Elf64_Phdr){ .p_type = PT_DYNAMIC, .p_flags = PF_R | PF_W, .p_offset = 0x2000,
			      .p_vaddr = 0x2000, .p_filesz = 0x40, .p_memsz = 0x40 };
	memset(file + 0x1000, 0x90, 0x100);
	dyn = (Elf64_Dyn *)(file + 0x2000);
	put_dyn(0, DT_RELA, 0x2080);
	put_dyn(1, DT_RELASZ, 2 * sizeof(Elf64_Rela));
	put_dyn(2, DT_RELAENT, sizeof(Elf64_Rela));
	put_dyn(3, DT_NULL, 0);
	rela = (Elf64_Rela *)(file + 0x2080);
	rela[0] = (Elf64_Rela){ .r_offset = 0x2040, .r_info = ELF64_R_INFO(0, R_X86_64_RELATIVE),
				.r_addend = 0x1234 };
	rela[1] = (Elf64_Rela){ .r_offset = 0x2048, .r_info = ELF64_R_INFO(0, R_X86_64_NONE) };
	memcpy(file + 0x2048, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	return 0;
}

static int check(void)
{
	return elf_check(file, FILE_SIZE, &info, &err);
}

/* Places at a page-aligned heap block pre-filled with junk; returns it. */
static unsigned char *place(int expect)
{
	unsigned char *mem = aligned_alloc(4096, 0x4000);

	assert_non_null(mem);
	memset(mem, 0xcc, 0x4000);
	assert_int_equal(elf_place(file, FILE_SIZE, &info, (uint64_t)(uintptr_t)mem, &err), expect);
	return mem;
}

static void valid_image_is_placed_and_relocated(void **state)
{
	unsigned char *mem;
	uint64_t v;
	size_t i;

	(void)state;
	assert_int_equal(check(), 0);
	assert_int_equal(info.span, 0x4000); /* 0x2000 + 0x1800, page-rounded */
	assert_int_equal(info.entry, 0x1010);
	mem = place(0);
	for (i = 0; i < 0x1000; i++)
		assert_int_equal(mem[i], 0); /* gap before the first segment */
	assert_int_equal(mem[0x1000], 0x90);
	assert_int_equal(mem[0x10ff], 0x90);
	assert_int_equal(mem[0x1100], 0);
	memcpy(&v, mem + 0x2040, 8);
	assert_int_equal(v, (uint64_t)(uintptr_t)mem + 0x1234);
	memcpy(&v, mem + 0x2048, 8);
	assert_int_equal(v, 0x8877665544332211ull); /* R_X86_64_NONE: untouched */
	for (i = 0x2100; i < 0x3800; i++)
		assert_int_equal(mem[i], 0); /* bss */
	free(mem);
}

static void no_relocations_is_fine(void **state)
{
	(void)state;
	put_dyn(0, DT_NULL, 0);
	assert_int_equal(check(), 0);
	free(place(0));
}

static void bad_magic(void **state)
{
	(void)state;
	file[1] = 'X';
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "magic"));
}

static void short_file(void **state)
{
	(void)state;
	assert_int_equal(elf_check(file, 10, &info, &err), -1);
	assert_non_null(strstr(err.reason, "shorter"));
}

static void class32(void **state)
{
	(void)state;
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "ELFCLASS64"));
}

static void big_endian(void **state)
{
	(void)state;
	eh->e_ident[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(check(), -1);
}

static void not_pie(void **state)
{
	(void)state;
	eh->e_type = ET_EXEC;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "ET_DYN"));
	assert_true(err.has_value);
	assert_int_equal(err.value, ET_EXEC);
}

static void wrong_machine(void **state)
{
	(void)state;
	eh->e_machine = EM_AARCH64;
	assert_int_equal(check(), -1);
	assert_int_equal(err.value, EM_AARCH64);
}

static void phdrs_outside_file(void **state)
{
	(void)state;
	eh->e_phoff = FILE_SIZE - 8;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "program header table"));
}

static void phoff_wraps(void **state)
{
	(void)state;
	eh->e_phoff = 0xfffffffffffffff8ull;
	assert_int_equal(check(), -1);
}

static void load_outside_file(void **state)
{
	(void)state;
	ph[1].p_filesz = 0x200;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "outside the file"));
}

static void load_offset_wraps(void **state)
{
	(void)state;
	ph[0].p_offset = 0xffffffffffffff00ull;
	assert_int_equal(check(), -1);
}

static void filesz_above_memsz(void **state)
{
	(void)state;
	ph[1].p_memsz = 0x80;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "p_filesz > p_memsz"));
}

static void vaddr_wraps(void **state)
{
	(void)state;
	ph[1].p_vaddr = 0xfffffffffffff000ull;
	assert_int_equal(check(), -1);
}

static void span_too_big(void **state)
{
	(void)state;
	ph[1].p_memsz = ELF_MAX_SPAN;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "maximum image span"));
}

static void overlapping_loads(void **state)
{
	(void)state;
	ph[1].p_vaddr = 0x1080;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "overlap"));
}

static void no_load_segment(void **state)
{
	(void)state;
	ph[0].p_type = PT_NOTE;
	ph[1].p_type = PT_NOTE;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "no PT_LOAD"));
}

static void entry_outside_text(void **state)
{
	(void)state;
	eh->e_entry = 0x2010; /* in the data segment, not executable */
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "entry point"));
	assert_int_equal(err.value, 0x2010);
}

static void dynamic_outside_file(void **state)
{
	(void)state;
	ph[2].p_offset = FILE_SIZE;
	assert_int_equal(check(), -1);
	assert_non_null(strstr(err.reason, "PT_DYNAMIC"));
}

static void unsupported_relocation_type_is_named(void **state)
{
	(void)state;
	rela[1].r_info = ELF64_R_INFO(1, R_X86_64_64);
	assert_int_equal(check(), 0);
	free(place(-1));
	assert_non_null(strstr(err.reason, "unsupported relocation"));
	assert_true(err.has_value);
	assert_int_equal(err.value, R_X86_64_64);
}

static void relocation_outside_image(void **state)
{
	(void)state;
	rela[0].r_offset = 0x3ffc; /* 8 bytes would cross the span's end */
	assert_int_equal(check(), 0);
	free(place(-1));
	assert_non_null(strstr(err.reason, "relocation outside the image"));
}

static void rela_table_outside_image(void **state)
{
	(void)state;
	put_dyn(0, DT_RELA, 0x3ff0);
	assert_int_equal(check(), 0);
	free(place(-1));
	assert_non_null(strstr(err.reason, "DT_RELA table"));
}

static void wrong_relaent(void **state)
{
	(void)state;
	put_dyn(2, DT_RELAENT, 16);
	assert_int_equal(check(), 0);
	free(place(-1));
	assert_non_null(strstr(err.reason, "DT_RELAENT"));
}

static void dt_rel_is_refused(void **state)
{
	(void)state;
	put_dyn(3, DT_REL, 0x2080);
	put_dyn(4, DT_NULL, 0);
	assert_int_equal(check(), 0);
	free(place(-1));
	assert_non_null(strstr(err.reason, "DT_REL"));
}

static void plt_relocations_are_refused(void **state)
{
	(void)state;
	put_dyn(3, DT_PLTRELSZ, 24);
	put_dyn(4, DT_NULL, 0);
	assert_int_equal(check(), 0);
	free(place(-1));
	assert_non_null(strstr(err.reason, "PLT"));
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(valid_image_is_placed_and_relocated), T(no_relocations_is_fine), T(bad_magic),
		T(short_file), T(class32), T(big_endian), T(not_pie), T(wrong_machine),
		T(phdrs_outside_file), T(phoff_wraps), T(load_outside_file), T(load_offset_wraps),
		T(filesz_above_memsz), T(vaddr_wraps), T(span_too_big), T(overlapping_loads),
		T(no_load_segment), T(entry_outside_text), T(dynamic_outside_file),
		T(unsupported_relocation_type_is_named), T(relocation_outside_image),
		T(rela_table_outside_image), T(wrong_relaent), T(dt_rel_is_refused),
		T(plt_relocations_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
