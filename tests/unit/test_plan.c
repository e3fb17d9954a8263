/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the partition planner (kernel/plan.c): CPU checks,
 * first-fit placement, fixed addresses, fragmentation, determinism and the
 * plan text. Configs are parsed with the real parser, as in the core.
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
#include <septum/plan.h>

#define MB (1ull << 20)

static struct cfg cfg;
static struct plan plan;
static struct plan_machine machine;
static struct cfg_error err;

static void load(const char *text)
{
	if (cfg_parse("p.cfg", text, strlen(text), &cfg, &err) != 0)
		fail_msg("config: %u: %s", err.line, err.reason);
}

/* ncpus CPUs and the free ranges given as (base, size) pairs, 0-terminated. */
static void set_machine(unsigned ncpus, ...)
{
	va_list ap;
	uint64_t base;

	memset(&machine, 0, sizeof(machine));
	machine.ncpus = ncpus;
	va_start(ap, ncpus);
	while ((base = va_arg(ap, uint64_t)) != 0) {
		machine.free[machine.nfree].base = base;
		machine.free[machine.nfree].size = va_arg(ap, uint64_t);
		machine.nfree++;
	}
	va_end(ap);
}

static int build(void)
{
	memset(&err, 0xa5, sizeof(err));
	memset(&plan, 0xa5, sizeof(plan));
	return plan_build(&cfg, &machine, &plan, &err);
}

static void expect_built(void)
{
	if (build() != 0)
		fail_msg("plan: %u: %s", err.line, err.reason);
}

static void expect_error(unsigned line, const char *what)
{
	assert_int_equal(build(), -1);
	assert_string_equal(err.file, "p.cfg");
	if (err.line != line || !strstr(err.reason, what))
		fail_msg("got %u: '%s', want %u: '...%s...'", err.line, err.reason, line, what);
}

#define PART(name, cpus, mem) "[partition " name "]\ncpus = " cpus "\nmemory = " mem "\nkernel = k\n"

/* Partition i got exactly [base, base + size) and cpus. */
static void expect_part(unsigned i, uint64_t cpus, uint64_t base, uint64_t size)
{
	assert_int_equal(plan.part[i].cpus, cpus);
	assert_int_equal(plan.part[i].base.v, base);
	assert_int_equal(plan.part[i].size, size);
}

static void first_fit_in_config_order(void **state)
{
	(void)state;
	load(PART("hello", "1", "16M") PART("heartbeat", "2", "16M") PART("big", "0,3", "512M"));
	set_machine(4, 16 * MB, 1024 * MB, 0ull);
	expect_built();
	assert_int_equal(plan.npartitions, 3);
	expect_part(0, 0x2, 16 * MB, 16 * MB);
	expect_part(1, 0x4, 32 * MB, 16 * MB);
	expect_part(2, 0x9, 48 * MB, 512 * MB);
}

static void never_below_1m_and_2m_aligned(void **state)
{
	(void)state;
	load(PART("a", "0", "2M") PART("b", "1", "2M"));
	/* Free RAM from 0: the first MiB is skipped, then aligned up to 2 MiB. */
	set_machine(2, 0x1000ull, 64 * MB, 0ull);
	expect_built();
	expect_part(0, 0x1, 2 * MB, 2 * MB);
	expect_part(1, 0x2, 4 * MB, 2 * MB);

	/* An unaligned block: base rounded up, end rounded down. */
	set_machine(2, 0x1234000ull, 0x600000ull, 0ull); /* 0x1234000-0x1833fff */
	expect_built();
	expect_part(0, 0x1, 0x1400000, 2 * MB);
	expect_part(1, 0x2, 0x1600000, 2 * MB);
}

static void skips_blocks_too_small(void **state)
{
	(void)state;
	load(PART("a", "1", "8M") PART("b", "2", "2M"));
	set_machine(4, 16 * MB, 4 * MB, 64 * MB, 64 * MB, 0ull);
	expect_built();
	expect_part(0, 0x2, 64 * MB, 8 * MB);
	expect_part(1, 0x4, 16 * MB, 2 * MB); /* first fit: the lower block still has room */
}

static void adjacent_ranges_are_one_block(void **state)
{
	(void)state;
	load(PART("a", "1", "16M"));
	/* Two descriptors of 8 MiB back to back (and an empty one between). */
	set_machine(4, 16 * MB, 8 * MB, 24 * MB, 0ull, 24 * MB, 8 * MB, 0ull);
	expect_built();
	expect_part(0, 0x2, 16 * MB, 16 * MB);
}

static void fixed_address_is_honoured_first(void **state)
{
	(void)state;
	/* b asks for 16M at 16M; a, though earlier in the file, must go around it. */
	load(PART("a", "1", "16M") PART("b", "2", "16M") "address = 0x1000000\n");
	set_machine(4, 16 * MB, 1024 * MB, 0ull);
	expect_built();
	expect_part(0, 0x2, 32 * MB, 16 * MB);
	expect_part(1, 0x4, 16 * MB, 16 * MB);
}

static void first_fit_around_fixed_range(void **state)
{
	(void)state;
	/* Free 16M-80M; b fixed at 24M-28M. a (16M) does not fit below b and
	 * goes at 28M; c (8M) then fills the hole 16M-24M. */
	load(PART("a", "1", "16M") PART("b", "2", "4M") "address = 0x1800000\n" PART("c", "3", "8M"));
	set_machine(4, 16 * MB, 64 * MB, 0ull);
	expect_built();
	expect_part(0, 0x2, 28 * MB, 16 * MB);
	expect_part(1, 0x4, 24 * MB, 4 * MB);
	expect_part(2, 0x8, 16 * MB, 8 * MB);
	/* Nothing overlaps. */
	for (unsigned i = 0; i < 3; i++)
		for (unsigned j = i + 1; j < 3; j++)
			assert_true(plan.part[i].base.v + plan.part[i].size <= plan.part[j].base.v ||
				    plan.part[j].base.v + plan.part[j].size <= plan.part[i].base.v);
}

static void fixed_spanning_adjacent_ranges(void **state)
{
	(void)state;
	load(PART("a", "1", "16M") "address = 0x1000000\n");
	set_machine(4, 16 * MB, 8 * MB, 24 * MB, 8 * MB, 0ull);
	expect_built();
	expect_part(0, 0x2, 16 * MB, 16 * MB);
}

static void err_fixed_outside_free_ram(void **state)
{
	(void)state;
	load(PART("a", "1", "16M") PART("b", "2", "16M") "address = 0x80000000\n");
	set_machine(4, 16 * MB, 1024 * MB, 0ull);
	expect_error(9, "address: 0x80000000-0x80ffffff (16 MiB) is not inside free RAM");
}

static void err_fixed_across_a_hole(void **state)
{
	(void)state;
	load(PART("a", "1", "16M") "address = 0x1000000\n");
	set_machine(4, 16 * MB, 8 * MB, 26 * MB, 8 * MB, 0ull);
	expect_error(5, "address: 0x1000000-0x1ffffff (16 MiB) is not inside free RAM");
}

static void err_fixed_partly_outside(void **state)
{
	(void)state;
	load(PART("a", "1", "16M") "address = 0x3f000000\n");
	set_machine(4, 16 * MB, 1000 * MB, 0ull); /* ends at 0x3f800000 */
	expect_error(5, "is not inside free RAM");
}

static void err_cpu_does_not_exist(void **state)
{
	(void)state;
	load(PART("a", "1", "16M") "\n" PART("b", "2-3,7", "16M"));
	set_machine(4, 16 * MB, 1024 * MB, 0ull);
	expect_error(7, "cpus: CPU 7 does not exist (this machine has 4 CPUs)");
	assert_string_equal(err.reason, "cpus: CPU 7 does not exist (this machine has 4 CPUs)");
}

static void err_cpu_does_not_exist_uniprocessor(void **state)
{
	(void)state;
	load(PART("a", "1", "16M"));
	set_machine(1, 16 * MB, 1024 * MB, 0ull);
	expect_error(2, "cpus: CPU 1 does not exist (this machine has 1 CPU)");
}

static void boot_cpu_and_all_64_cpus(void **state)
{
	(void)state;
	load(PART("a", "0", "2M") PART("b", "1-63", "2M"));
	set_machine(64, 16 * MB, 1024 * MB, 0ull);
	expect_built();
	expect_part(0, 0x1, 16 * MB, 2 * MB);
	expect_part(1, ~1ull, 18 * MB, 2 * MB);
}

static void err_memory_too_big(void **state)
{
	(void)state;
	load(PART("a", "1", "2G"));
	set_machine(4, 16 * MB, 1024 * MB, 0ull);
	expect_error(3, "memory: 2 GiB does not fit (largest free block left: 1 GiB)");
}

static void err_memory_after_others(void **state)
{
	(void)state;
	load(PART("a", "1", "1000M") PART("b", "2", "32M"));
	set_machine(4, 16 * MB, 1024 * MB, 0ull);
	expect_error(7, "memory: 32 MiB does not fit (largest free block left: 24 MiB)");
}

static void err_fragmented(void **state)
{
	(void)state;
	/* 3 x 8 MiB of free RAM, never 16 MiB in one piece. */
	load(PART("a", "1", "16M"));
	set_machine(4, 16 * MB, 8 * MB, 32 * MB, 8 * MB, 48 * MB, 8 * MB, 0ull);
	expect_error(3, "memory: 16 MiB does not fit (largest free block left: 8 MiB)");

	/* Unaligned pieces offer less than their size. */
	set_machine(4, 0x1100000ull, 8 * MB, 0ull); /* 0x1100000-0x18fffff: 6 MiB usable */
	expect_error(3, "memory: 16 MiB does not fit (largest free block left: 6 MiB)");
}

static void err_nothing_left(void **state)
{
	(void)state;
	load(PART("a", "1", "16M") PART("b", "2", "2M"));
	set_machine(4, 16 * MB, 16 * MB, 0ull);
	expect_error(7, "memory: 2 MiB does not fit (largest free block left: none)");
}

static void err_only_low_memory(void **state)
{
	(void)state;
	load(PART("a", "1", "2M"));
	set_machine(4, 0x1000ull, 0x9f000ull, 0ull); /* below 1 MiB only */
	expect_error(3, "largest free block left: none");
}

static void err_bad_machine(void **state)
{
	(void)state;
	load(PART("a", "1", "2M"));
	set_machine(4, 64 * MB, 8 * MB, 16 * MB, 8 * MB, 0ull); /* unsorted */
	expect_error(0, "machine: free range 1");
	set_machine(4, 16 * MB, 8 * MB, 20 * MB, 8 * MB, 0ull); /* overlapping */
	expect_error(0, "machine: free range 1");
	set_machine(0, 16 * MB, 8 * MB, 0ull);
	expect_error(0, "machine: 0 CPUs");
	set_machine(65, 16 * MB, 8 * MB, 0ull);
	expect_error(0, "machine: 65 CPUs");
}

static void deterministic(void **state)
{
	static struct plan first;

	(void)state;
	load(PART("a", "1", "6M") PART("b", "2", "4M") "address = 0x1200000\n" PART("c", "3", "2M")
	     PART("d", "0", "30M"));
	set_machine(4, 0x100000ull, 15 * MB, 18 * MB, 6 * MB, 40 * MB, 100 * MB, 0ull);
	expect_built();
	first = plan;
	for (int i = 0; i < 5; i++) {
		expect_built();
		assert_memory_equal(&first, &plan, sizeof(plan));
	}
	expect_part(0, 0x2, 2 * MB, 6 * MB);
	expect_part(1, 0x4, 18 * MB, 4 * MB);
	expect_part(2, 0x8, 8 * MB, 2 * MB);
	expect_part(3, 0x1, 40 * MB, 30 * MB);
}

static void format_plan(void **state)
{
	char buf[1024];
	int n;

	(void)state;
	load(PART("hello", "1", "16M") PART("linux0", "2-3", "1G") "initrd = rd.img\nrole = container-host\n");
	set_machine(4, 16 * MB, 2048 * MB, 0ull);
	expect_built();
	n = plan_format(&cfg, &plan, buf, sizeof(buf));
	assert_string_equal(buf,
		"partition        cpus       host-physical RAM                     size      kernel\n"
		"hello            1          0x0000000001000000-0x0000000001ffffff 16 MiB    k\n"
		"linux0           2-3        0x0000000002000000-0x0000000041ffffff 1 GiB     k + rd.img (container-host)\n");
	assert_int_equal(n, (int)strlen(buf));

	/* Truncation: still terminated, the full length still reported. */
	assert_int_equal(plan_format(&cfg, &plan, buf, 20), n);
	assert_int_equal(strlen(buf), 19);
	assert_int_equal(plan_format(&cfg, &plan, NULL, 0), n);

	plan_format_partition(&cfg, &plan, 0, buf, sizeof(buf));
	assert_string_equal(buf, "hello            1          0x0000000001000000-0x0000000001ffffff 16 MiB    k");
}

/* ------------------------------------------------------------ SMT */

/* ncpus logical CPUs, threads_per_core hardware threads per core, one
 * package, 1 GiB of RAM at 16 MiB (a fake topology). */
static void set_smt_machine(unsigned ncpus, unsigned threads_per_core)
{
	set_machine(ncpus, 16 * MB, 1024 * MB, 0ull);
	machine.topology = true;
	for (unsigned c = 0; c < ncpus; c++)
		machine.cpu[c] = (struct topo_id){ 0, c / threads_per_core, c % threads_per_core };
}

static void smt_siblings_split_refused(void **state)
{
	(void)state;
	set_smt_machine(4, 2);
	load(PART("a", "1", "16M") PART("b", "2-3", "16M") PART("c", "0", "16M"));
	/* CPU 0 and 1 are core 0's threads: 'c' (line 9) comes after 'a'. */
	expect_error(10, "cpus: package 0 core 0 split: CPU 0 to 'c', CPU 1 to 'a' (SMT siblings;");
}

static void smt_siblings_split_names_later_partition_line(void **state)
{
	(void)state;
	set_smt_machine(4, 2);
	load(PART("a", "0,2", "16M") PART("b", "3", "16M"));
	expect_error(6, "package 0 core 1 split: CPU 2 to 'a', CPU 3 to 'b'");
}

static void smt_same_partition_fine(void **state)
{
	(void)state;
	set_smt_machine(8, 2);
	load(PART("a", "2-3", "16M") PART("b", "4-5,7", "16M"));
	expect_built();
	assert_int_equal(plan.ncores, 4);
	assert_int_equal(plan.core[1].cpus, 0xc);
	assert_int_equal(plan.nshared, 0);
}

static void smt_idle_sibling_fine(void **state)
{
	(void)state;
	set_smt_machine(4, 2);
	load(PART("a", "1", "16M") PART("b", "3", "16M"));
	expect_built();
	assert_int_equal(plan.nshared, 0);
}

static void smt_one_side_opt_in_refused(void **state)
{
	(void)state;
	set_smt_machine(2, 2);
	load(PART("a", "0", "16M") "smt = shared-core-ok\n" PART("b", "1", "16M"));
	expect_error(7, "package 0 core 0 split: CPU 0 to 'a', CPU 1 to 'b'");
}

static void smt_shared_core_ok_warns(void **state)
{
	char line[256];

	(void)state;
	set_smt_machine(4, 2);
	load(PART("a", "0", "16M") "smt = shared-core-ok\n" PART("b", "1", "16M") "smt = shared-core-ok\n");
	expect_built();
	assert_int_equal(plan.nshared, 1);
	assert_int_equal(plan.shared[0].cpu_a, 0);
	assert_int_equal(plan.shared[0].cpu_b, 1);
	plan_format_shared(&cfg, &plan, 0, line, sizeof(line));
	assert_non_null(strstr(line, "package 0 core 0 is shared: CPU 0 to 'a', CPU 1 to 'b' (smt = shared-core-ok)"));
}

static void smt_no_topology_no_check(void **state)
{
	(void)state;
	set_machine(2, 16 * MB, 1024 * MB, 0ull);
	load(PART("a", "0", "16M") PART("b", "1", "16M"));
	expect_built();
	assert_int_equal(plan.ncores, 2);
}

static void smt_two_packages(void **state)
{
	(void)state;
	/* Same core id in two packages: different cores. */
	set_machine(2, 16 * MB, 1024 * MB, 0ull);
	machine.topology = true;
	machine.cpu[0] = (struct topo_id){ 0, 0, 0 };
	machine.cpu[1] = (struct topo_id){ 1, 0, 0 };
	load(PART("a", "0", "16M") PART("b", "1", "16M"));
	expect_built();
	assert_int_equal(plan.ncores, 2);
}

static void smt_core_map_text(void **state)
{
	char line[256];

	(void)state;
	set_smt_machine(4, 2);
	load(PART("a", "2-3", "16M"));
	expect_built();
	plan_format_core(&cfg, &plan, 0, line, sizeof(line));
	assert_string_equal(line, "package 0 core 0: CPU 0 (idle), CPU 1 (idle)");
	plan_format_core(&cfg, &plan, 1, line, sizeof(line));
	assert_string_equal(line, "package 0 core 1: CPU 2 (a), CPU 3 (a)");
	assert_int_equal(plan_format_core(&cfg, &plan, 1, line, 8), 38);
	assert_string_equal(line, "package");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_fit_in_config_order),
		cmocka_unit_test(never_below_1m_and_2m_aligned),
		cmocka_unit_test(skips_blocks_too_small),
		cmocka_unit_test(adjacent_ranges_are_one_block),
		cmocka_unit_test(fixed_address_is_honoured_first),
		cmocka_unit_test(first_fit_around_fixed_range),
		cmocka_unit_test(fixed_spanning_adjacent_ranges),
		cmocka_unit_test(err_fixed_outside_free_ram),
		cmocka_unit_test(err_fixed_across_a_hole),
		cmocka_unit_test(err_fixed_partly_outside),
		cmocka_unit_test(err_cpu_does_not_exist),
		cmocka_unit_test(err_cpu_does_not_exist_uniprocessor),
		cmocka_unit_test(boot_cpu_and_all_64_cpus),
		cmocka_unit_test(err_memory_too_big),
		cmocka_unit_test(err_memory_after_others),
		cmocka_unit_test(err_fragmented),
		cmocka_unit_test(err_nothing_left),
		cmocka_unit_test(err_only_low_memory),
		cmocka_unit_test(err_bad_machine),
		cmocka_unit_test(deterministic),
		cmocka_unit_test(format_plan),
		cmocka_unit_test(smt_siblings_split_refused),
		cmocka_unit_test(smt_siblings_split_names_later_partition_line),
		cmocka_unit_test(smt_same_partition_fine),
		cmocka_unit_test(smt_idle_sibling_fine),
		cmocka_unit_test(smt_one_side_opt_in_refused),
		cmocka_unit_test(smt_shared_core_ok_warns),
		cmocka_unit_test(smt_no_topology_no_check),
		cmocka_unit_test(smt_two_packages),
		cmocka_unit_test(smt_core_map_text),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
