/* SPDX-License-Identifier: MIT */
/* Host tests for boot/memmap.c (UEFI memory map -> boot_info.mem[]). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "memmap.h"

#define MB (1ull << 20)

/* A descriptor stride bigger than the struct, as real firmware uses (48). */
#define STRIDE 48
static unsigned char map[64 * STRIDE];
static size_t nd;
static struct boot_mem_region out[16];
static const char *why;

static void add(uint32_t type, uint64_t base, uint64_t pages)
{
	struct uefi_mem_desc d = { .type = type, .phys_start = base, .npages = pages };

	memset(map + nd * STRIDE, 0xa5, STRIDE); /* garbage in the padding */
	memcpy(map + nd * STRIDE, &d, sizeof(d));
	nd++;
}

static int convert(uint32_t max)
{
	why = NULL;
	memset(out, 0, sizeof(out));
	return memmap_convert(map, nd * STRIDE, STRIDE, out, max, &why);
}

static int setup(void **state)
{
	(void)state;
	nd = 0;
	return 0;
}

static void types_are_mapped_as_the_contract_says(void **state)
{
	(void)state;
	assert_int_equal(memmap_type(UEFI_CONVENTIONAL_MEMORY), BOOT_MEM_FREE);
	assert_int_equal(memmap_type(UEFI_BOOT_SERVICES_CODE), BOOT_MEM_FREE);
	assert_int_equal(memmap_type(UEFI_BOOT_SERVICES_DATA), BOOT_MEM_FREE);
	assert_int_equal(memmap_type(UEFI_LOADER_CODE), BOOT_MEM_FREE);
	assert_int_equal(memmap_type(UEFI_LOADER_DATA), BOOT_MEM_SEPTUM);
	assert_int_equal(memmap_type(UEFI_ACPI_RECLAIM_MEMORY), BOOT_MEM_ACPI_RECLAIM);
	assert_int_equal(memmap_type(UEFI_ACPI_MEMORY_NVS), BOOT_MEM_ACPI_NVS);
	assert_int_equal(memmap_type(UEFI_MEMORY_MAPPED_IO), BOOT_MEM_MMIO);
	assert_int_equal(memmap_type(UEFI_MEMORY_MAPPED_IO_PORT_SPACE), BOOT_MEM_MMIO);
	assert_int_equal(memmap_type(UEFI_RESERVED_MEMORY), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(UEFI_RUNTIME_SERVICES_CODE), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(UEFI_RUNTIME_SERVICES_DATA), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(UEFI_UNUSABLE_MEMORY), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(UEFI_PAL_CODE), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(UEFI_PERSISTENT_MEMORY), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(UEFI_UNACCEPTED_MEMORY), BOOT_MEM_RESERVED);
	assert_int_equal(memmap_type(0x80000000u), BOOT_MEM_RESERVED);
}

static void unsorted_input_comes_out_sorted_and_merged(void **state)
{
	(void)state;
	add(UEFI_LOADER_DATA, 3 * MB, 256);          /* 3-4 MiB septum */
	add(UEFI_CONVENTIONAL_MEMORY, 1 * MB, 256);  /* 1-2 free */
	add(UEFI_BOOT_SERVICES_DATA, 2 * MB, 256);   /* 2-3 free: merges with 1-2 */
	add(UEFI_RESERVED_MEMORY, 0, 160);           /* 0-640K reserved */
	add(UEFI_LOADER_CODE, 4 * MB, 256);          /* 4-5 free */
	add(UEFI_CONVENTIONAL_MEMORY, 5 * MB, 256);  /* 5-6 free: merges */
	add(UEFI_CONVENTIONAL_MEMORY, 7 * MB, 256);  /* gap at 6-7: not merged */
	assert_int_equal(convert(16), 5);
	assert_int_equal(out[0].base, 0);          assert_int_equal(out[0].size, 640 << 10);
	assert_int_equal(out[0].type, BOOT_MEM_RESERVED);
	assert_int_equal(out[1].base, 1 * MB);     assert_int_equal(out[1].size, 2 * MB);
	assert_int_equal(out[1].type, BOOT_MEM_FREE);
	assert_int_equal(out[2].base, 3 * MB);     assert_int_equal(out[2].size, 1 * MB);
	assert_int_equal(out[2].type, BOOT_MEM_SEPTUM);
	assert_int_equal(out[3].base, 4 * MB);     assert_int_equal(out[3].size, 2 * MB);
	assert_int_equal(out[3].type, BOOT_MEM_FREE);
	assert_int_equal(out[4].base, 7 * MB);     assert_int_equal(out[4].type, BOOT_MEM_FREE);
}

static void empty_descriptors_are_dropped(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 0, 1);
	add(UEFI_RESERVED_MEMORY, 4096, 0);
	add(UEFI_CONVENTIONAL_MEMORY, 4096, 1);
	assert_int_equal(convert(16), 1);
	assert_int_equal(out[0].size, 8192);
}

static void empty_map_gives_no_regions(void **state)
{
	(void)state;
	assert_int_equal(convert(16), 0);
}

static void merged_count_decides_overflow(void **state)
{
	unsigned i;

	(void)state;
	/* 20 adjacent free descriptors merge into 1: fits in 1 entry. */
	for (i = 0; i < 20; i++)
		add(UEFI_CONVENTIONAL_MEMORY, (uint64_t)(19 - i) * 4096, 1);
	assert_int_equal(convert(1), 1);
	assert_int_equal(out[0].size, 20 * 4096);
}

static void too_many_regions_is_an_error(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 0, 1);
	add(UEFI_RESERVED_MEMORY, 4096, 1);
	add(UEFI_CONVENTIONAL_MEMORY, 8192, 1);
	assert_int_equal(convert(2), -1);
	assert_non_null(strstr(why, "BOOT_MAX_MEM"));
}

static void overlap_is_an_error(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 0, 4);
	add(UEFI_RESERVED_MEMORY, 8192, 1);
	assert_int_equal(convert(16), -1);
	assert_non_null(strstr(why, "overlap"));
}

static void same_start_twice_is_an_overlap(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 4096, 1);
	add(UEFI_CONVENTIONAL_MEMORY, 4096, 1);
	assert_int_equal(convert(16), -1);
	assert_non_null(strstr(why, "overlap"));
}

static void wrapping_entry_is_an_error(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 0xfffffffffffff000ull, 2);
	assert_int_equal(convert(16), -1);
	assert_non_null(strstr(why, "wraps"));
}

static void misaligned_entry_is_an_error(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 0x1234, 1);
	assert_int_equal(convert(16), -1);
}

static void descriptor_size_too_small_is_an_error(void **state)
{
	(void)state;
	add(UEFI_CONVENTIONAL_MEMORY, 0, 1);
	assert_int_equal(memmap_convert(map, 32, 32, out, 16, &why), -1);
	assert_non_null(strstr(why, "descriptor size"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(types_are_mapped_as_the_contract_says, setup),
		cmocka_unit_test_setup(unsorted_input_comes_out_sorted_and_merged, setup),
		cmocka_unit_test_setup(empty_descriptors_are_dropped, setup),
		cmocka_unit_test_setup(empty_map_gives_no_regions, setup),
		cmocka_unit_test_setup(merged_count_decides_overflow, setup),
		cmocka_unit_test_setup(too_many_regions_is_an_error, setup),
		cmocka_unit_test_setup(overlap_is_an_error, setup),
		cmocka_unit_test_setup(same_start_twice_is_an_overlap, setup),
		cmocka_unit_test_setup(wrapping_entry_is_an_error, setup),
		cmocka_unit_test_setup(misaligned_entry_is_an_error, setup),
		cmocka_unit_test_setup(descriptor_size_too_small_is_an_error, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
