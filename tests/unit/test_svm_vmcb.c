// SPDX-License-Identifier: MIT
/*
 * svm/include/svm/vmcb.h and svm/exit_names.c: the VMCB layout (its field
 * offsets are static asserts in the header; here the whole struct is checked
 * once more against a byte image, as the processor reads it), the exit-code
 * names of AMD APM Vol. 2 Appendix C, and the IOIO/NPF/EVENTINJ field macros.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <svm/vmcb.h>

static void names_of_single_codes(void **state)
{
	(void)state;
	assert_string_equal(svm_exit_name(VMEXIT_INTR), "INTR");
	assert_string_equal(svm_exit_name(0x061), "NMI");
	assert_string_equal(svm_exit_name(0x065), "CR0_SEL_WRITE");
	assert_string_equal(svm_exit_name(0x072), "CPUID");
	assert_string_equal(svm_exit_name(0x078), "HLT");
	assert_string_equal(svm_exit_name(0x07b), "IOIO");
	assert_string_equal(svm_exit_name(0x07c), "MSR");
	assert_string_equal(svm_exit_name(0x07f), "SHUTDOWN");
	assert_string_equal(svm_exit_name(0x080), "VMRUN");
	assert_string_equal(svm_exit_name(0x081), "VMMCALL");
	assert_string_equal(svm_exit_name(0x08d), "XSETBV");
	assert_string_equal(svm_exit_name(0x08f), "EFER_WRITE_TRAP");
	assert_string_equal(svm_exit_name(0x0a4), "TLBSYNC");
	assert_string_equal(svm_exit_name(0x400), "NPF");
	assert_string_equal(svm_exit_name(0x403), "VMGEXIT");
	assert_string_equal(svm_exit_name(VMEXIT_INVALID), "INVALID");
	assert_string_equal(svm_exit_name(0xffffffffffffffffull), "INVALID");
	assert_string_equal(svm_exit_name(VMEXIT_BUSY), "BUSY");
}

static void names_of_ranged_codes(void **state)
{
	(void)state;
	assert_string_equal(svm_exit_name(0x000), "CR0_READ");
	assert_string_equal(svm_exit_name(0x003), "CR3_READ");
	assert_string_equal(svm_exit_name(0x00f), "CR15_READ");
	assert_string_equal(svm_exit_name(0x010), "CR0_WRITE");
	assert_string_equal(svm_exit_name(0x018), "CR8_WRITE");
	assert_string_equal(svm_exit_name(0x027), "DR7_READ");
	assert_string_equal(svm_exit_name(0x037), "DR7_WRITE");
	assert_string_equal(svm_exit_name(0x040), "EXCP0");
	assert_string_equal(svm_exit_name(0x04e), "EXCP14");
	assert_string_equal(svm_exit_name(0x05f), "EXCP31");
	assert_string_equal(svm_exit_name(0x090), "CR0_WRITE_TRAP");
	assert_string_equal(svm_exit_name(0x094), "CR4_WRITE_TRAP");
	assert_string_equal(svm_exit_name(0x09f), "CR15_WRITE_TRAP");
}

static void unknown_codes(void **state)
{
	(void)state;
	assert_string_equal(svm_exit_name(0x0a5), "unknown");
	assert_string_equal(svm_exit_name(0x0ff), "unknown");
	assert_string_equal(svm_exit_name(0x3ff), "unknown");
	assert_string_equal(svm_exit_name(0x404), "unknown");
	assert_string_equal(svm_exit_name(0x100000000ull), "unknown");
	assert_string_equal(svm_exit_name((uint64_t)-5), "unknown");
}

/* Every code Appendix C defines from 0 to TLBSYNC has a name of its own:
 * none is NULL, "unknown" or a copy of another's. */
static void defined_codes_named_once(void **state)
{
	static const char *seen[VMEXIT_TLBSYNC + 1];

	(void)state;
	for (uint64_t c = 0; c <= VMEXIT_TLBSYNC; c++) {
		const char *n = svm_exit_name(c);

		assert_non_null(n);
		assert_string_not_equal(n, "unknown");
		for (uint64_t d = 0; d < c; d++)
			if (strcmp(seen[d], n) == 0)
				fail_msg("0x%llx and 0x%llx are both %s", (unsigned long long)d,
					 (unsigned long long)c, n);
		seen[c] = n;
	}
}

/* The layout as bytes: fields written through the struct land where Table
 * B-1/B-2 put them. */
static void layout_as_bytes(void **state)
{
	static struct vmcb v;
	const uint8_t *b = (const uint8_t *)&v;
	uint64_t x;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.control.intercept_misc1 = SVM_MISC1_CPUID | SVM_MISC1_SHUTDOWN;
	v.control.intercept_misc2 = SVM_MISC2_VMRUN | SVM_MISC2_XSETBV;
	v.control.guest_asid = 7;
	v.control.tlb_control = SVM_TLB_CONTROL_FLUSH_ASID;
	v.control.n_cr3 = 0x123456000ull;
	v.save.cpl = 3;
	v.save.efer = 0x1d01;
	v.save.rip = 0xfff0;
	v.save.rax = 0xaa;
	v.save.g_pat = 0x0007040600070406ull;
	v.save.cs.selector = 0xf000;
	v.save.cs.base = 0xffff0000;

	assert_int_equal(b[0x00f], 0x80);              /* SHUTDOWN is bit 31 of 0x00c */
	assert_int_equal(b[0x00e], 0x04);              /* CPUID is bit 18 */
	assert_int_equal(b[0x010], 0x01);              /* VMRUN bit 0 of 0x010 */
	assert_int_equal(b[0x011], 0x20);              /* XSETBV bit 13 */
	assert_int_equal(b[0x058], 7);
	assert_int_equal(b[0x05c], 3);
	memcpy(&x, b + 0x0b0, 8);
	assert_int_equal(x, 0x123456000ull);
	assert_int_equal(b[0x4cb], 3);
	memcpy(&x, b + 0x4d0, 8);
	assert_int_equal(x, 0x1d01);
	memcpy(&x, b + 0x578, 8);
	assert_int_equal(x, 0xfff0);
	memcpy(&x, b + 0x5f8, 8);
	assert_int_equal(x, 0xaa);
	memcpy(&x, b + 0x668, 8);
	assert_int_equal(x, 0x0007040600070406ull);
	assert_int_equal(b[0x410], 0x00);
	assert_int_equal(b[0x411], 0xf0);
	memcpy(&x, b + 0x418, 8);
	assert_int_equal(x, 0xffff0000);
}

static void ioio_fields(void **state)
{
	/* "rep insw" from port 0x1f0 with 32-bit addresses, ES. */
	uint64_t info = SVM_IOIO_TYPE_IN | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_SZ16 |
			SVM_IOIO_A32 | (0x1f0ull << SVM_IOIO_PORT_SHIFT);

	(void)state;
	assert_int_equal(info, 0x01f0012d);
	assert_int_equal(svm_ioio_port(info), 0x1f0);
	assert_int_equal(svm_ioio_size(info), 2);
	assert_int_equal(svm_ioio_size(SVM_IOIO_SZ8), 1);
	assert_int_equal(svm_ioio_size(SVM_IOIO_SZ32 | (0xcfcull << 16)), 4);
	assert_int_equal(svm_ioio_size(0), 0);
	assert_int_equal(svm_ioio_port(0xffff0000ull), 0xffff);
	assert_int_equal((0x5ull << SVM_IOIO_SEG_SHIFT) & SVM_IOIO_SEG_MASK, 0x1400);
}

static void npf_and_event_fields(void **state)
{
	uint64_t ev = 13 | SVM_EVENT_TYPE_EXCEPTION | SVM_EVENT_ERROR_VALID | SVM_EVENT_VALID |
		      (0x18ull << SVM_EVENT_ERROR_SHIFT);

	(void)state;
	/* A user-mode write to a present page, at the final GPA. */
	assert_int_equal(SVM_NPF_PRESENT | SVM_NPF_WRITE | SVM_NPF_USER | SVM_NPF_FINAL_GPA,
			 0x100000007ull);
	assert_int_equal(SVM_NPF_FETCH | SVM_NPF_RESERVED, 0x18);
	/* #GP(0x18) as EVENTINJ. */
	assert_int_equal(ev, 0x0000001880000b0dull);
	assert_int_equal(ev & SVM_EVENT_RESERVED, 0);
	assert_int_equal(SVM_EVENT_TYPE_NMI | 2 | SVM_EVENT_VALID, 0x80000202ull);
	assert_int_equal(SVM_CR_WRITE(8) | SVM_CR_READ(0), 0x01000001ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_of_single_codes),
		cmocka_unit_test(names_of_ranged_codes),
		cmocka_unit_test(unknown_codes),
		cmocka_unit_test(defined_codes_named_once),
		cmocka_unit_test(layout_as_bytes),
		cmocka_unit_test(ioio_fields),
		cmocka_unit_test(npf_and_event_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
