/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of Septum's reservation model (kernel/lib/reserve.c): the
 * figures for real configs (the demo, one small partition, sixteen), each
 * term against the code it stands for (the EPT builder and its splits), the
 * identity map's page tables over memory maps, and the loader's scan of
 * septum.cfg (boot/cfg_scan.c) against the core's parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/config.h>
#include <septum/page_pool.h>
#include <septum/reserve.h>
#include <vmx/ept.h>
#include "../../boot/cfg_scan.h"

#define KB (1ull << 10)
#define MB (1ull << 20)
#define GB (1ull << 30)
#define IMAGE_SIZE (320 * KB)   /* about the core image's span today */

/* A memory map like OVMF's in Bochs with 512 MB (regions the loader merged):
 * a few firmware pieces below 1 MiB and under 16 MiB, one large free run,
 * the flash at the top. */
static const struct boot_mem_region bochs_map[] = {
	{ 0x0, 0xa0000, BOOT_MEM_FREE, 0 },
	{ 0x100000, 0x700000, BOOT_MEM_FREE, 0 },
	{ 0x800000, 0x8000, BOOT_MEM_ACPI_NVS, 0 },
	{ 0x808000, 0x8000, BOOT_MEM_FREE, 0 },
	{ 0x810000, 0xf0000, BOOT_MEM_ACPI_NVS, 0 },
	{ 0x900000, 0x1c800000, BOOT_MEM_FREE, 0 },
	{ 0x1d100000, 0x1000000, BOOT_MEM_SEPTUM, 0 },
	{ 0x1e100000, 0x1c00000, BOOT_MEM_FREE, 0 },
	{ 0x1fd00000, 0x100000, BOOT_MEM_RESERVED, 0 },
	{ 0x1fe00000, 0x200000, BOOT_MEM_ACPI_NVS, 0 },
	{ 0xffc00000, 0x400000, BOOT_MEM_RESERVED, 0 },
};
#define BOCHS_NMEM (sizeof(bochs_map) / sizeof(bochs_map[0]))

static struct cfg cfg;
static struct cfg_error err;

static void *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	assert_non_null(f);
	buf = calloc(1, 1 << 16);
	assert_non_null(buf);
	*len = fread(buf, 1, (1 << 16) - 1, f);
	fclose(f);
	return buf;
}

/* The core's input for text: the real parser, the machine's CPUs. */
static void core_input(const char *text, size_t len, unsigned ncpus, struct reserve_in *in)
{
	if (cfg_parse("r.cfg", text, len, &cfg, &err))
		fail_msg("config: %u: %s", err.line, err.reason);
	memset(in, 0, sizeof(*in));
	cfg_reserve_parts(&cfg, in);
	in->ncpus = ncpus;
	in->ept_split = true;
	in->mem = bochs_map;
	in->nmem = BOCHS_NMEM;
	in->image_size = IMAGE_SIZE;
}

static void compute_text(const char *text, unsigned ncpus, struct reserve_out *out)
{
	struct reserve_in in;

	core_input(text, strlen(text), ncpus, &in);
	reserve_compute(&in, out);
}

/* ------------------------------------------------------------ the figures */

/* The target: the demo config (4 CPUs, 3 partitions, 336 MiB of
 * guest RAM) in under 2 MiB, core image included. */
static void demo_fits_two_mib(void **state)
{
	struct reserve_in in;
	struct reserve_out out;
	size_t len;
	char *text = read_file("configs/default.cfg", &len);
	uint64_t bytes;

	(void)state;
	core_input(text, len, 4, &in);
	assert_int_equal(in.nparts, 3);
	assert_int_equal(in.part[0].ram, 192 * MB);
	assert_int_equal(in.part[0].ncpus, 2);
	reserve_compute(&in, &out);
	/* The split reserve of each: one page per 2 MiB, per 1 GiB, one spare. */
	assert_int_equal(out.split[0], 96 + 0 + 1);
	assert_int_equal(out.split[1], 64 + 1);
	assert_int_equal(out.split[2], 8 + 1);
	bytes = out.total * PAGE_SIZE + IMAGE_SIZE;
	print_message("demo: heap %zu KiB (need %zu + margin %zu), with the image %llu KiB\n",
		      out.total * 4, out.need * 4, out.margin * 4, (unsigned long long)(bytes >> 10));
	assert_true(bytes < 2 * MB);
	/* and it is what it is made of */
	assert_int_equal(out.need, out.paging + out.cpus + out.state + out.part[0] + out.part[1] + out.part[2]);
	assert_int_equal(out.total, out.need + out.margin);
	free(text);
}

static void one_cpu_one_partition(void **state)
{
	struct reserve_out one, demo;

	(void)state;
	compute_text("[partition a]\ncpus = 0\nmemory = 16M\nkernel = hello.elf\n", 1, &one);
	compute_text("[partition a]\ncpus = 0-1\nmemory = 192M\nkernel = k\n"
		     "[partition b]\ncpus = 2\nmemory = 128M\nkernel = k\n"
		     "[partition c]\ncpus = 3\nmemory = 16M\nkernel = k\n", 4, &demo);
	/* EPT: PML4, PDPT, PD; split reserve 9; one vCPU: struct + VMCS and bitmaps */
	assert_int_equal(one.part[0], 3 + 9 + RESERVE_VCPU_PAGES + RESERVE_VCPU_HW_PAGES);
	assert_int_equal(one.cpus, one.cpu_each);
	assert_int_equal(one.cpu_each, RESERVE_PERCPU_PAGES + RESERVE_STACK_PAGES + RESERVE_ROOT_PAGES +
				       RESERVE_VMXON_PAGES + RESERVE_WINDOW_PDPT + 1);
	assert_int_equal(one.state, (RESERVE_PART_BYTES + PAGE_SIZE - 1) / PAGE_SIZE);
	assert_true(one.total < demo.total);
	assert_true(one.total * PAGE_SIZE < 512 * KB);
	print_message("1 CPU, 1 partition of 16 MiB: heap %zu KiB\n", one.total * 4);
}

static void many_partitions(void **state)
{
	char text[4096];
	size_t n = 0;
	struct reserve_out out;

	(void)state;
	for (unsigned i = 0; i < RESERVE_MAX_PARTS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[partition p%u]\ncpus = %u\nmemory = 16M\nkernel = hello.elf\n", i, i);
	compute_text(text, 16, &out);
	for (unsigned i = 0; i < RESERVE_MAX_PARTS; i++)
		assert_int_equal(out.part[i], out.part[0]);
	assert_int_equal(out.cpus, 16 * out.cpu_each);
	assert_int_equal(out.state, (16 * RESERVE_PART_BYTES + PAGE_SIZE - 1) / PAGE_SIZE);
	assert_int_equal(out.margin, RESERVE_MARGIN_FLOOR + (out.need >> RESERVE_MARGIN_SHIFT));
	print_message("16 CPUs, 16 partitions of 16 MiB: heap %zu KiB\n", out.total * 4);
}

/* No split reserve without EPT_LARGE_NX; PCI functions cost their BARs. */
static void split_and_pci_terms(void **state)
{
	struct reserve_in in;
	struct reserve_out with, without, pci;
	const char *text = "[partition a]\ncpus = 0\nmemory = 1G\nkernel = k\n";

	(void)state;
	core_input(text, strlen(text), 1, &in);
	reserve_compute(&in, &with);
	in.ept_split = false;
	reserve_compute(&in, &without);
	assert_int_equal(with.part[0] - without.part[0], 512 + 1 + 1);
	assert_int_equal(without.split[0], 0);
	in.part[0].npci = 2;
	reserve_compute(&in, &pci);
	assert_int_equal(pci.part[0] - without.part[0], 2 * RESERVE_BARS_PER_PCI * RESERVE_PAGES_PER_BAR);
}

/* ------------------------------------------------------------ each term against its code */

struct count_pool {
	struct page_pool pool;
	size_t live, most;
};

static void *cp_alloc(struct page_pool *p)
{
	struct count_pool *cp = (struct count_pool *)p;
	void *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	assert_non_null(page);
	memset(page, 0, PAGE_SIZE);
	if (++cp->live > cp->most)
		cp->most = cp->live;
	return page;
}

static void cp_free(struct page_pool *p, void *page)
{
	((struct count_pool *)p)->live--;
	free(page);
}

/* The EPT builder (vmx/ept.c) takes no more than reserve_ept_pages() to map
 * a partition's RAM, and its splits no more than reserve_split_pages(),
 * with every leaf size the CPU may offer. */
static void ept_terms_bound_the_builder(void **state)
{
	static const uint64_t sizes[] = { 2 * MB, 16 * MB, 192 * MB, 1 * GB, 1 * GB + 2 * MB, 3 * GB };
	static const unsigned large[] = { EPT_LARGE_2M | EPT_LARGE_NX,
					  EPT_LARGE_2M | EPT_LARGE_1G | EPT_LARGE_NX };

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t l = 0; l < 2; l++) {
			struct count_pool cp = { { cp_alloc, cp_free }, 0, 0 };
			struct ept ept;
			size_t built;

			assert_int_equal(ept_init(&ept, &cp.pool, large[l]), 0);
			assert_int_equal(ept_map(&ept, gpa(0), hpa(1ull << 40), sizes[s], EPT_RWX, EPT_MT_WB), 0);
			built = cp.live;
			assert_true(built <= reserve_ept_pages(sizes[s]));
			/* a guest that executes from every 4 KiB of its RAM */
			for (uint64_t a = 0; a < sizes[s]; a += SZ_2M)
				assert_int_equal(ept_split_exec(&ept, gpa(a)), 0);
			for (uint64_t a = 0; a < sizes[s]; a += SZ_2M)
				assert_int_not_equal(ept_split_exec(&ept, gpa(a)), -ENOMEM);
			assert_true(cp.live - built <= reserve_split_pages(sizes[s]));
			ept_destroy(&ept);
			assert_int_equal(cp.live, 0);
		}
	}
}

/* ------------------------------------------------------------ Septum's page tables */

static void paging_of_an_aligned_map(void **state)
{
	static const struct boot_mem_region map[] = {
		{ 0x0, 0xa0000, BOOT_MEM_FREE, 0 },
		{ 0x100000, 0x7ff00000, BOOT_MEM_FREE, 0 },          /* to 2 GiB */
	};
	(void)state;
	/* PML4, PDPT, a PD for each of 2 GiB, the first 2 MiB's PT; the
	 * image's PTs (1 + its end + the heap's end); the MMIO windows */
	assert_int_equal(reserve_paging_pages(map, 2, IMAGE_SIZE), 1 + 1 + 2 + 1 + (1 + 2) + RESERVE_MMIO_PAGES);
	/* an unaligned edge costs one PT; two in one 2 MiB slot still one */
	static const struct boot_mem_region edges[] = {
		{ 0x100000, 0x3ff000, BOOT_MEM_FREE, 0 },            /* ends at 0x4ff000 */
		{ 0x4ff000, 0x1000, BOOT_MEM_ACPI_NVS, 0 },          /* same slot */
		{ 0x500000, 0x1100000, BOOT_MEM_FREE, 0 },          /* to 22 MiB: aligned */
	};
	assert_int_equal(reserve_paging_pages(edges, 3, IMAGE_SIZE), 1 + 1 + 1 + 1 + 1 + (1 + 2) + RESERVE_MMIO_PAGES);
	/* far apart: a PDPT for each 512 GiB slot, a PD for each GiB */
	static const struct boot_mem_region far[] = {
		{ 0x100000, 0x100000, BOOT_MEM_FREE, 0 },
		{ 1ull << 40, 1ull << 30, BOOT_MEM_FREE, 0 },
	};
	assert_int_equal(reserve_paging_pages(far, 2, 0), 1 + 2 + 2 + 1 + 2 + RESERVE_MMIO_PAGES);
}

/* ------------------------------------------------------------ the loader's scan */

/* boot/cfg_scan.c reads the same sizes as the parser from every shipped
 * config (the loader reserves by them; the core checks by the parser's). */
static void loader_scan_agrees_with_parser(void **state)
{
	static const char *files[] = { "configs/default.cfg", "configs/examples/fixed-address.cfg",
				       "configs/examples/linux-container-host.cfg",
				       "configs/examples/many-small.cfg", "configs/examples/test-guests.cfg" };

	(void)state;
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		struct reserve_in core, loader;
		size_t len;
		char *text = read_file(files[f], &len);

		core_input(text, len, 8, &core);
		memset(&loader, 0, sizeof(loader));
		cfg_scan_sizes(text, len, &loader);
		assert_int_equal(loader.nparts, core.nparts);
		for (unsigned i = 0; i < core.nparts; i++) {
			assert_int_equal(loader.part[i].ram, core.part[i].ram);
			assert_int_equal(loader.part[i].ncpus, core.part[i].ncpus);
			assert_int_equal(loader.part[i].npci, core.part[i].npci);
		}
		free(text);
	}
	/* every size syntax the parser takes, and lists */
	{
		const char *t = "[partition a]\ncpus = 0, 2-4 ,7\nmemory = 0x400000\npci = 00:1f.2, 01:00.0\n"
				"[partition b]\r\ncpus = 1\r\nmemory = 2048k\r\n"
				"[partition c]\ncpus=5\nmemory=1G\n";
		struct reserve_in in = { 0 };

		cfg_scan_sizes(t, strlen(t), &in);
		assert_int_equal(in.nparts, 3);
		assert_int_equal(in.part[0].ncpus, 5);
		assert_int_equal(in.part[0].ram, 4 * MB);
		assert_int_equal(in.part[0].npci, 2);
		assert_int_equal(in.part[1].ram, 2 * MB);
		assert_int_equal(in.part[2].ram, 1 * GB);
		/* what it cannot read counts as nothing (the parser refuses it) */
		t = "[partition a]\nmemory = 16Q\n[partition b]\nmemory = -1\n";
		cfg_scan_sizes(t, strlen(t), &in);
		assert_int_equal(in.nparts, 2);
		assert_int_equal(in.part[0].ram, 0);
		assert_int_equal(in.part[1].ram, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(demo_fits_two_mib),
		cmocka_unit_test(one_cpu_one_partition),
		cmocka_unit_test(many_partitions),
		cmocka_unit_test(split_and_pci_terms),
		cmocka_unit_test(ept_terms_bound_the_builder),
		cmocka_unit_test(paging_of_an_aligned_map),
		cmocka_unit_test(loader_scan_agrees_with_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
