// SPDX-License-Identifier: MIT
/*
 * svm_caps_check() and svm_caps_describe() (svm/caps.c) against fake CPUs:
 * QEMU TCG's -cpu max (SVM and nested paging, nothing optional), Zen-like
 * parts, firmware-disabled SVM, no nested paging, Intel, and odd leaves.
 * svm/caps.c is linked whole; its real-CPU ops compile on the host and are
 * never called (svm_cpu points at the fake).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <svm/svm.h>

/* One fake CPU: the leaves it answers and its VM_CR. */
struct fake_cpu {
	const char *vendor;
	uint32_t max_ext;           /* CPUID 80000000H EAX */
	uint32_t ext1_ecx;          /* CPUID 80000001H ECX */
	struct cpuid_regs svm;      /* CPUID 8000000AH */
	int vm_cr_faults;
	uint64_t vm_cr;
};

static const struct fake_cpu *cpu;
static unsigned msr_reads;

static struct cpuid_regs fake_cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r = { 0, 0, 0, 0 };

	(void)subleaf;
	if (leaf == 0) {
		r.eax = 0x10;
		memcpy(&r.ebx, cpu->vendor, 4);
		memcpy(&r.edx, cpu->vendor + 4, 4);
		memcpy(&r.ecx, cpu->vendor + 8, 4);
	} else if (leaf == 0x80000000u) {
		r.eax = cpu->max_ext;
	} else if (leaf == 0x80000001u && leaf <= cpu->max_ext) {
		r.ecx = cpu->ext1_ecx;
	} else if (leaf == 0x8000000au && leaf <= cpu->max_ext) {
		r = cpu->svm;
	}
	return r;
}

static int fake_rdmsr(uint32_t msr, uint64_t *val)
{
	msr_reads++;
	/* VM_CR is the one MSR these checks may read, and only on a CPU with SVM. */
	assert_int_equal(msr, 0xc0010114u);
	assert_true(cpu->ext1_ecx & BIT(2));
	if (cpu->vm_cr_faults)
		return -1;
	*val = cpu->vm_cr;
	return 0;
}

static const struct svm_cpu_ops fake_ops = { fake_cpuid, fake_rdmsr };

/* QEMU 7.2 TCG -cpu max: NPT, VGIF and the VMRUN address check, 16 ASIDs. */
static const struct fake_cpu qemu_tcg = {
	"AuthenticAMD", 0x80000021u, BIT(2) | BIT(0), { 1, 16, 0, 0x10010001u }, 0, 0,
};
/* A Zen 2-like EPYC: every optional feature but V_NMI, 32768 ASIDs, VM_CR.LOCK. */
static const struct fake_cpu zen2 = {
	"AuthenticAMD", 0x8000001fu, BIT(2), { 1, 0x8000, 0, 0x0001bcffu }, 0, VM_CR_LOCK,
};
/* Zen 4-like: V_NMI (EDX[25]) as well. */
static const struct fake_cpu zen4 = {
	"AuthenticAMD", 0x80000028u, BIT(2), { 1, 0x8000, 0, 0x1ebfbcffu }, 0, 0,
};
static const struct fake_cpu hygon = {
	"HygonGenuine", 0x8000001fu, BIT(2), { 1, 0x8000, 0, 0x0000000fu }, 0, 0,
};
static const struct fake_cpu svmdis = {
	"AuthenticAMD", 0x8000001fu, BIT(2), { 1, 0x8000, 0, 0x0001bcfbu }, 0, VM_CR_LOCK | VM_CR_SVMDIS,
};
static const struct fake_cpu svmdis_svml = {
	"AuthenticAMD", 0x8000001fu, BIT(2), { 1, 0x8000, 0, 0x0001bcffu }, 0, VM_CR_LOCK | VM_CR_SVMDIS,
};
static const struct fake_cpu no_npt = {
	"AuthenticAMD", 0x8000001fu, BIT(2), { 1, 64, 0, 0x0000000eu }, 0, 0,
};
/* Intel: leaf 80000001H ECX[2] is reserved (0). */
static const struct fake_cpu intel = {
	"GenuineIntel", 0x80000008u, BIT(0) | BIT(5) | BIT(8), { 0, 0, 0, 0 }, 0, 0,
};
/* AMD without SVM (a VM that hides it). */
static const struct fake_cpu amd_no_svm = {
	"AuthenticAMD", 0x8000001fu, BIT(0), { 1, 16, 0, 0x1u }, 0, 0,
};
/* A CPU that is not AMD but offers SVM (a nested hypervisor's made-up vendor). */
static const struct fake_cpu other_with_svm = {
	"SeptumSeptum", 0x8000000au, BIT(2), { 1, 8, 0, 0x9u }, 0, 0,
};
static const struct fake_cpu short_ext = {
	"AuthenticAMD", 0x80000008u, BIT(2), { 1, 16, 0, 0x1u }, 0, 0,
};
static const struct fake_cpu no_ext = {
	"AuthenticAMD", 0x80000000u, BIT(2), { 1, 16, 0, 0x1u }, 0, 0,
};
static const struct fake_cpu vm_cr_faults = {
	"AuthenticAMD", 0x8000001fu, BIT(2), { 1, 16, 0, 0x1u }, 1, 0,
};
static const struct fake_cpu one_asid = {
	"AuthenticAMD", 0x8000001fu, BIT(2), { 1, 1, 0, 0x1u }, 0, 0,
};

static int run(const struct fake_cpu *c, struct svm_caps *caps, char *why, size_t len)
{
	cpu = c;
	msr_reads = 0;
	svm_cpu = &fake_ops;
	memset(caps, 0xa5, sizeof(*caps));
	why[0] = '\0';
	return svm_caps_check(caps, why, len);
}

static void qemu_tcg_accepted_without_options(void **state)
{
	struct svm_caps c;
	char why[160], line[256];

	(void)state;
	assert_int_equal(run(&qemu_tcg, &c, why, sizeof(why)), 0);
	assert_string_equal(c.vendor, "AuthenticAMD");
	assert_int_equal(c.revision, 1);
	assert_int_equal(c.nasids, 16);
	assert_int_equal(c.features, 0x10010001u);
	assert_false(c.nrip_save);
	assert_false(c.decode_assists);
	assert_false(c.vmcb_clean);
	assert_false(c.flush_by_asid);
	assert_false(c.vnmi);
	assert_int_equal(c.vm_cr, 0);
	assert_int_equal(msr_reads, 1);
	assert_string_equal(svm_caps_describe(&c, line, sizeof(line)),
			    "SVM present (AuthenticAMD, revision 1), nested paging present, NRIP-save absent, "
			    "decode assists absent, VMCB clean bits absent, flush-by-ASID absent, "
			    "virtual NMI absent, 16 ASIDs");
}

static void zen2_records_every_option_but_vnmi(void **state)
{
	struct svm_caps c;
	char why[160], line[256];

	(void)state;
	assert_int_equal(run(&zen2, &c, why, sizeof(why)), 0);
	assert_true(c.nrip_save);
	assert_true(c.decode_assists);
	assert_true(c.vmcb_clean);
	assert_true(c.flush_by_asid);
	assert_false(c.vnmi);
	assert_int_equal(c.nasids, 32768);
	assert_int_equal(c.vm_cr, VM_CR_LOCK);  /* locked with SVM allowed: fine */
	assert_string_equal(svm_caps_describe(&c, line, sizeof(line)),
			    "SVM present (AuthenticAMD, revision 1), nested paging present, NRIP-save present, "
			    "decode assists present, VMCB clean bits present, flush-by-ASID present, "
			    "virtual NMI absent, 32768 ASIDs");
}

static void zen4_has_vnmi(void **state)
{
	struct svm_caps c;
	char why[160];

	(void)state;
	assert_int_equal(run(&zen4, &c, why, sizeof(why)), 0);
	assert_true(c.vnmi);
	assert_true(c.nrip_save);
}

static void hygon_and_other_vendors_with_svm_accepted(void **state)
{
	struct svm_caps c;
	char why[160];

	(void)state;
	assert_int_equal(run(&hygon, &c, why, sizeof(why)), 0);
	assert_string_equal(c.vendor, "HygonGenuine");
	assert_true(c.nrip_save);
	assert_false(c.decode_assists);
	assert_int_equal(run(&other_with_svm, &c, why, sizeof(why)), 0);
	assert_string_equal(c.vendor, "SeptumSeptum");
	assert_true(c.nrip_save);
	assert_int_equal(c.nasids, 8);
}

static void svmdis_refused(void **state)
{
	struct svm_caps c;
	char why[200];

	(void)state;
	assert_int_equal(run(&svmdis, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "SVM disabled by firmware (VM_CR.SVMDIS, MSR C001_0114 bit 4): "
			    "enable SVM in the firmware setup");
	assert_int_equal(c.vm_cr, VM_CR_LOCK | VM_CR_SVMDIS);
	assert_string_equal(c.vendor, "AuthenticAMD");
	assert_int_equal(run(&svmdis_svml, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "SVM disabled by firmware (VM_CR.SVMDIS, MSR C001_0114 bit 4)"));
	assert_non_null(strstr(why, "SVM-Lock"));
}

static void nested_paging_missing_refused(void **state)
{
	struct svm_caps c;
	char why[160];

	(void)state;
	assert_int_equal(run(&no_npt, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "nested paging (CPUID 8000000AH EDX[0]) missing");
	/* What was read is still recorded. */
	assert_true(c.nrip_save);
	assert_int_equal(c.nasids, 64);
}

static void intel_refused_without_reading_vm_cr(void **state)
{
	struct svm_caps c;
	char why[160];

	(void)state;
	assert_int_equal(run(&intel, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "SVM missing (CPUID 80000001H ECX[2] = 0; vendor GenuineIntel)");
	assert_string_equal(c.vendor, "GenuineIntel");
	assert_int_equal(msr_reads, 0);
	assert_int_equal(run(&amd_no_svm, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "SVM missing (CPUID 80000001H ECX[2] = 0; vendor AuthenticAMD)");
	assert_int_equal(msr_reads, 0);
	assert_int_equal(run(&no_ext, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "SVM missing (CPUID 80000001H ECX[2] = 0"));
}

static void odd_cpus_refused(void **state)
{
	struct svm_caps c;
	char why[160];

	(void)state;
	assert_int_equal(run(&short_ext, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "SVM missing (no CPUID leaf 8000000AH: the highest extended leaf is 80000008H)");
	assert_int_equal(msr_reads, 0);
	assert_int_equal(run(&vm_cr_faults, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "SVM unusable: VM_CR (MSR C001_0114) cannot be read");
	assert_int_equal(run(&one_asid, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "no ASID for a guest (CPUID 8000000AH EBX = 1)");
}

static void short_why_buffer_truncates(void **state)
{
	struct svm_caps c;
	char why[12];

	(void)state;
	assert_int_equal(run(&no_npt, &c, why, sizeof(why)), -1);
	assert_string_equal(why, "nested pagi");
}

/* The boot log's line when the AMD-V backend is used (svm/vcpu.c). */
static void backend_lines(void **state)
{
	struct svm_caps c;
	char why[160], line[400];

	(void)state;
	assert_int_equal(run(&qemu_tcg, &c, why, sizeof(why)), 0);
	assert_string_equal(svm_backend_line(&c, line, sizeof(line)),
			    "AMD-V: SVM present (AuthenticAMD, revision 1), nested paging present, NRIP-save absent, "
			    "decode assists absent, VMCB clean bits absent, flush-by-ASID absent, "
			    "virtual NMI absent, 16 ASIDs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qemu_tcg_accepted_without_options),
		cmocka_unit_test(zen2_records_every_option_but_vnmi),
		cmocka_unit_test(zen4_has_vnmi),
		cmocka_unit_test(hygon_and_other_vendors_with_svm_accepted),
		cmocka_unit_test(svmdis_refused),
		cmocka_unit_test(nested_paging_missing_refused),
		cmocka_unit_test(intel_refused_without_reading_vm_cr),
		cmocka_unit_test(odd_cpus_refused),
		cmocka_unit_test(short_why_buffer_truncates),
		cmocka_unit_test(backend_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* svm/caps.c's real-CPU ops name rdmsr_safe (arch/x86_64/traps.c in the core). */
int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	(void)msr;
	(void)val;
	fail_msg("the real rdmsr_safe was called");
	return -1;
}
