/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the mitigation selection (kernel/spec.c): each CPU class,
 * described by its IA32_ARCH_CAPABILITIES and CPUID bits, gets the set
 * Intel's (or AMD's) guidance asks for, and the boot log says why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <septum/spec.h>

#define UNUSED __attribute__((unused))

/* CPUID.7.EDX of an Intel part with the 2018-2019 microcode interfaces. */
#define EDX_FULL (CPUID7_EDX_MD_CLEAR | CPUID7_EDX_SPEC_CTRL | CPUID7_EDX_STIBP | CPUID7_EDX_L1D_FLUSH | \
		  CPUID7_EDX_SSBD)
#define MMIO_NO  (ARCH_CAP_SBDR_SSDP_NO | ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO)

static struct spec_set set;

static const char *line(const struct spec_cpu *c, unsigned i)
{
	static char buf[200];

	assert_true(spec_format_line(c, &set, i, buf, sizeof(buf)) > 0);
	return buf;
}

static void expect_line(const struct spec_cpu *c, unsigned i, const char *want)
{
	const char *got = line(c, i);

	if (strcmp(got, want))
		fail_msg("line %u: got '%s', want '%s'", i, got, want);
}

/* Haswell/Broadwell with updated microcode: no ARCH_CAPABILITIES, every bug. */
static void pre_skylake_vulnerable(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, CPUID7_EBX_RTM, EDX_FULL, 0, 0, 0, false };

	spec_select(&c, &set);
	assert_true(set.clear_gprs);
	assert_int_equal(set.vulns & (SPEC_V_L1TF | SPEC_V_MDS | SPEC_V_MMIO), SPEC_V_L1TF | SPEC_V_MDS | SPEC_V_MMIO);
	assert_true(set.l1d_flush);
	assert_false(set.verw);              /* the L1D flush clears the buffers */
	assert_int_equal(set.rsb, SPEC_RSB_FULL);
	assert_true(set.ibpb);
	assert_true(set.spec_ctrl);
	assert_int_equal(set.bti, SPEC_BTI_LEGACY_IBRS);
	assert_int_equal(set.host_spec_ctrl, SPEC_CTRL_IBRS);
	assert_int_equal(set.entry_flags, SPEC_F_RSB_FULL | SPEC_F_L1D_FLUSH | SPEC_F_SPEC_CTRL);
	expect_line(&c, 0, "guest GPRs cleared on VM exit: on (always)");
	expect_line(&c, 1, "RSB fill on VM exit: full (no eIBRS)");
	expect_line(&c, 2, "L1D flush on VM entry: on (L1TF, no SKIP_L1DFL_VMENTRY)");
	expect_line(&c, 3, "VERW before VM entry: off (MDS, MMIO stale data: the L1D flush clears the buffers)");
	expect_line(&c, 4, "IBPB on partition start: on");
	expect_line(&c, 5, "SPEC_CTRL switched on exit/entry: on (Septum's value 0x1, the guest's kept per vCPU)");
	expect_line(&c, 6, "Septum's indirect branches: IBRS set on every VM exit (no eIBRS)");
	assert_int_equal(spec_format_line(&c, &set, 7, NULL, 0), -1);
}

/* The same CPU before the microcode update: nothing to mitigate with. */
static void pre_skylake_old_microcode(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, 0, 0, 0, 0, false };

	spec_select(&c, &set);
	assert_false(set.l1d_flush);
	assert_true(set.l1d_flush_missing);
	assert_true(set.verw_missing);
	assert_false(set.ibpb);
	assert_false(set.spec_ctrl);
	assert_int_equal(set.entry_flags, SPEC_F_RSB_FULL);
	expect_line(&c, 2, "L1D flush on VM entry: NOT MITIGATED (L1TF, no IA32_FLUSH_CMD: update the microcode)");
	expect_line(&c, 3, "VERW before VM entry: NOT MITIGATED (MDS, MMIO stale data, no MD_CLEAR/FB_CLEAR: update the microcode)");
	expect_line(&c, 6, "Septum's indirect branches: NOT MITIGATED (no IBRS; Septum built without retpolines)");
}

/* Cascade Lake: RDCL_NO, eIBRS, MDS_NO, TSX without TAA_NO, MMIO affected. */
static void cascade_lake_like(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, CPUID7_EBX_RTM, EDX_FULL | CPUID7_EDX_ARCH_CAP, 0, 0,
				    ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_SKIP_L1DFL_VMENTRY |
				    ARCH_CAP_MDS_NO | ARCH_CAP_TSX_CTRL, false };

	spec_select(&c, &set);
	assert_int_equal(set.vulns, SPEC_V_TAA | SPEC_V_MMIO | SPEC_V_BHI);
	assert_false(set.l1d_flush);
	assert_true(set.verw);
	assert_int_equal(set.rsb, SPEC_RSB_LITE);
	assert_int_equal(set.bti, SPEC_BTI_EIBRS);
	assert_int_equal(set.entry_flags, SPEC_F_RSB_LITE | SPEC_F_VERW | SPEC_F_SPEC_CTRL);
	expect_line(&c, 1, "RSB fill on VM exit: one entry (eIBRS; post-barrier RSB predictions, no PBRSB_NO)");
	expect_line(&c, 2, "L1D flush on VM entry: off (RDCL_NO: no L1TF)");
	expect_line(&c, 3, "VERW before VM entry: on (TAA, MMIO stale data)");
	expect_line(&c, 6, "Septum's indirect branches: eIBRS (BHI: no BHI_CTRL, NOT MITIGATED)");
}

/* Ice Lake server: TAA_NO, MMIO stale data affected, FB_CLEAR from microcode, no MD_CLEAR needed. */
static void ice_lake_like(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, CPUID7_EDX_SPEC_CTRL | CPUID7_EDX_ARCH_CAP | CPUID7_EDX_L1D_FLUSH,
				    0, 0,
				    ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_SKIP_L1DFL_VMENTRY |
				    ARCH_CAP_MDS_NO | ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | ARCH_CAP_FB_CLEAR, false };

	spec_select(&c, &set);
	assert_int_equal(set.vulns & ~SPEC_V_BHI, SPEC_V_MMIO);
	assert_true(set.verw);
	assert_false(set.l1d_flush);
	expect_line(&c, 3, "VERW before VM entry: on (MMIO stale data)");
}

/* Alder/Raptor Lake: immune to the sampling bugs, RRSBA, BHI_CTRL. */
static void raptor_lake_like(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, CPUID7_EDX_SPEC_CTRL | CPUID7_EDX_ARCH_CAP | CPUID7_EDX_MD_CLEAR,
				    CPUID7_2_EDX_BHI_CTRL, 0,
				    ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO |
				    MMIO_NO | ARCH_CAP_RRSBA | ARCH_CAP_PBRSB_NO | ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO, false };

	spec_select(&c, &set);
	assert_int_equal(set.vulns, SPEC_V_BHI);
	assert_false(set.verw);
	assert_false(set.verw_missing);
	assert_int_equal(set.rsb, SPEC_RSB_FULL);
	assert_int_equal(set.host_spec_ctrl, SPEC_CTRL_IBRS | SPEC_CTRL_BHI_DIS_S);
	expect_line(&c, 1, "RSB fill on VM exit: full (eIBRS with RRSBA)");
	expect_line(&c, 3, "VERW before VM entry: off (MDS_NO, no TAA, no MMIO stale data, no RFDS)");
	expect_line(&c, 5, "SPEC_CTRL switched on exit/entry: on (Septum's value 0x401, the guest's kept per vCPU)");
	expect_line(&c, 6, "Septum's indirect branches: eIBRS + BHI_DIS_S");
}

/* A part that needs nothing but GPR clearing, IBPB and the SPEC_CTRL switch. */
static void fully_fixed(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, CPUID7_EDX_SPEC_CTRL | CPUID7_EDX_ARCH_CAP, 0, 0,
				    ARCH_CAP_RDCL_NO | ARCH_CAP_IBRS_ALL | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO |
				    MMIO_NO | ARCH_CAP_PBRSB_NO | ARCH_CAP_BHI_NO | ARCH_CAP_RFDS_NO, false };

	spec_select(&c, &set);
	assert_int_equal(set.vulns, 0);
	assert_int_equal(set.rsb, SPEC_RSB_NONE);
	assert_int_equal(set.entry_flags, SPEC_F_SPEC_CTRL);
	expect_line(&c, 1, "RSB fill on VM exit: off (eIBRS, PBRSB_NO, no RRSBA)");
	expect_line(&c, 6, "Septum's indirect branches: eIBRS");
}

/* Nested under a VMM that flushes for us: SKIP_L1DFL_VMENTRY, still MDS. */
static void nested_skip_l1d_flush(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, EDX_FULL | CPUID7_EDX_ARCH_CAP, 0, 0,
				    ARCH_CAP_SKIP_L1DFL_VMENTRY, false };

	spec_select(&c, &set);
	assert_false(set.l1d_flush);
	assert_true(set.verw);
	expect_line(&c, 2, "L1D flush on VM entry: off (SKIP_L1DFL_VMENTRY)");
	expect_line(&c, 3, "VERW before VM entry: on (MDS, MMIO stale data)");
}

/* RFDS: an Atom-based part whose microcode makes VERW clear the register files. */
static void rfds_atom_like(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, CPUID7_EDX_SPEC_CTRL | CPUID7_EDX_ARCH_CAP | CPUID7_EDX_MD_CLEAR,
				    0, 0, ARCH_CAP_RDCL_NO | ARCH_CAP_MDS_NO | ARCH_CAP_TAA_NO | MMIO_NO |
				    ARCH_CAP_RFDS_CLEAR, false };

	spec_select(&c, &set);
	assert_int_equal(set.vulns, SPEC_V_RFDS);
	assert_true(set.verw);
	expect_line(&c, 3, "VERW before VM entry: on (RFDS)");
}

/* AMD Zen 2: no L1TF/MDS; IBPB and IBRS from CPUID 0x80000008. */
static void amd_zen2(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_AMD, 0, 0, 0,
				    AMD8_EBX_IBPB | AMD8_EBX_IBRS | AMD8_EBX_STIBP | AMD8_EBX_SSBD, 0, false };

	spec_select(&c, &set);
	assert_int_equal(set.vulns, 0);
	assert_false(set.l1d_flush || set.l1d_flush_missing || set.verw || set.verw_missing);
	assert_int_equal(set.rsb, SPEC_RSB_FULL);
	assert_true(set.ibpb);
	assert_int_equal(set.bti, SPEC_BTI_AMD_IBRS);
	expect_line(&c, 1, "RSB fill on VM exit: full (not an Intel CPU)");
	expect_line(&c, 2, "L1D flush on VM entry: off (not an Intel CPU: no L1TF)");
	expect_line(&c, 3, "VERW before VM entry: off (not an Intel CPU: no MDS)");
}

/* Bochs 2.7's corei7_skylake_x (measured: CPUID.7.0 EBX 0xd19f27eb, EDX 0):
 * a Skylake without any of the microcode interfaces; Septum as built. */
static void bochs_skylake_x(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0xd19f27eb, 0, 0, 0, 0, true };

	spec_select(&c, &set);
	assert_int_equal(set.entry_flags, SPEC_F_RSB_FULL);
	assert_false(set.ibpb);
	assert_false(set.spec_ctrl);
	assert_int_equal(set.host_spec_ctrl, 0);
	expect_line(&c, 1, "RSB fill on VM exit: full (no eIBRS)");
	expect_line(&c, 2, "L1D flush on VM entry: NOT MITIGATED (L1TF, no IA32_FLUSH_CMD: update the microcode)");
	expect_line(&c, 3, "VERW before VM entry: NOT MITIGATED (MDS, MMIO stale data, no MD_CLEAR/FB_CLEAR: update the microcode)");
	expect_line(&c, 4, "IBPB on partition start: NOT MITIGATED (no IBPB: update the microcode)");
	expect_line(&c, 5, "SPEC_CTRL switched on exit/entry: off (no IA32_SPEC_CTRL)");
	expect_line(&c, 6, "Septum's indirect branches: retpolines (no IBRS)");
	assert_int_equal(set.bti, SPEC_BTI_RETPOLINE);
}

/* IBRS, where the CPU has it, is used whether or not there are retpolines. */
static void retpolines_and_ibrs(void **state UNUSED)
{
	const struct spec_cpu c = { SPEC_VENDOR_INTEL, 0, EDX_FULL, 0, 0, 0, true };

	spec_select(&c, &set);
	assert_int_equal(set.bti, SPEC_BTI_LEGACY_IBRS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pre_skylake_vulnerable),
		cmocka_unit_test(pre_skylake_old_microcode),
		cmocka_unit_test(cascade_lake_like),
		cmocka_unit_test(ice_lake_like),
		cmocka_unit_test(raptor_lake_like),
		cmocka_unit_test(fully_fixed),
		cmocka_unit_test(nested_skip_l1d_flush),
		cmocka_unit_test(rfds_atom_like),
		cmocka_unit_test(amd_zen2),
		cmocka_unit_test(bochs_skylake_x),
		cmocka_unit_test(retpolines_and_ibrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
