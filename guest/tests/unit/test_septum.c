/* SPDX-License-Identifier: MIT */
/* cmocka tests of partition detection (lib/septum.c) against a fake CPUID
 * that implements the leaves of include/septum/abi.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <septum/abi.h>

#include "internal.h"

static uint32_t leaf1_ecx, base[4], info_leaf[4], boot_leaf[4];
static char name[32];

static void fake_cpuid(uint32_t leaf, uint32_t r[4])
{
	memset(r, 0, 4 * sizeof(uint32_t));
	if (leaf == 1)
		r[2] = leaf1_ecx;
	else if (leaf == SEPTUM_CPUID_BASE)
		memcpy(r, base, sizeof(base));
	else if (leaf == SEPTUM_CPUID_INFO)
		memcpy(r, info_leaf, sizeof(info_leaf));
	else if (leaf == SEPTUM_CPUID_NAME0)
		memcpy(r, name, 16);
	else if (leaf == SEPTUM_CPUID_NAME1)
		memcpy(r, name + 16, 16);
	else if (leaf == SEPTUM_CPUID_BOOT && base[0] >= SEPTUM_CPUID_BOOT)
		memcpy(r, boot_leaf, sizeof(boot_leaf));
}

static int septum_setup(void **state)
{
	(void)state;
	leaf1_ecx = 1u << 31;
	base[0] = SEPTUM_CPUID_MAX;
	base[1] = SEPTUM_CPUID_SIG_EBX;
	base[2] = SEPTUM_CPUID_SIG_ECX;
	base[3] = SEPTUM_CPUID_SIG_EDX;
	info_leaf[0] = SEPTUM_ABI_VERSION;
	info_leaf[1] = 2;  /* partition id */
	info_leaf[2] = 1;  /* this vCPU */
	info_leaf[3] = 3;  /* vCPUs */
	memset(name, 0, sizeof(name));
	strcpy(name, "container-host-partition-x");
	memset(boot_leaf, 0, sizeof(boot_leaf));
	boot_leaf[0] = 4;  /* restarts */
	return 0;
}

static void detects_septum_partition(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	cpt_hv_probe(fake_cpuid, &i);
	assert_true(i.hypervisor);
	assert_true(i.septum);
	assert_string_equal(i.signature, "SeptumSeptum");
	assert_int_equal(i.abi_version, SEPTUM_ABI_VERSION);
	assert_int_equal(i.partition_id, 2);
	assert_int_equal(i.vcpu_index, 1);
	assert_int_equal(i.vcpu_count, 3);
	/* the name spans both name leaves */
	assert_string_equal(i.partition, "container-host-partition-x");
	assert_string_equal(i.default_cpuset, "0-2");
}

static void restart_count_from_abi_1_1_leaf(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	cpt_hv_probe(fake_cpuid, &i);
	assert_int_equal(i.restarts, 4);
}

/* An ABI 1.0 Septum stops at leaf 0x40000003: no restart count, not 0. */
static void no_restart_count_before_abi_1_1(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	base[0] = SEPTUM_CPUID_NAME1;
	cpt_hv_probe(fake_cpuid, &i);
	assert_true(i.septum);
	assert_int_equal(i.restarts, -1);
}

static void single_vcpu_cpuset(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	info_leaf[3] = 1;
	cpt_hv_probe(fake_cpuid, &i);
	assert_string_equal(i.default_cpuset, "0");
}

static void full_length_name_is_terminated(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	memset(name, 'n', sizeof(name));
	cpt_hv_probe(fake_cpuid, &i);
	assert_int_equal(strlen(i.partition), 32);
}

static void no_hypervisor_bit(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	leaf1_ecx = 0;
	cpt_hv_probe(fake_cpuid, &i);
	assert_false(i.hypervisor);
	assert_false(i.septum);
	assert_string_equal(i.default_cpuset, "");
}

static void other_hypervisor(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	memcpy(&base[1], "KVMKVMKVM\0\0\0", 12);
	cpt_hv_probe(fake_cpuid, &i);
	assert_true(i.hypervisor);
	assert_false(i.septum);
	assert_string_equal(i.signature, "KVMKVMKVM");
	assert_string_equal(i.default_cpuset, "");
}

static void septum_without_name_leaves(void **state)
{
	struct compart_hv_info i = { 0 };

	(void)state;
	base[0] = SEPTUM_CPUID_INFO; /* max leaf too low for the name leaves */
	cpt_hv_probe(fake_cpuid, &i);
	assert_false(i.septum);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(detects_septum_partition, septum_setup),
		cmocka_unit_test_setup(restart_count_from_abi_1_1_leaf, septum_setup),
		cmocka_unit_test_setup(no_restart_count_before_abi_1_1, septum_setup),
		cmocka_unit_test_setup(single_vcpu_cpuset, septum_setup),
		cmocka_unit_test_setup(full_length_name_is_terminated, septum_setup),
		cmocka_unit_test_setup(no_hypervisor_bit, septum_setup),
		cmocka_unit_test_setup(other_hypervisor, septum_setup),
		cmocka_unit_test_setup(septum_without_name_leaves, septum_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
