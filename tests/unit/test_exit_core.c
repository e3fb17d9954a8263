// SPDX-License-Identifier: MIT
/*
 * The vendor-neutral exit layer (kernel/exit/) over a fake vendor backend
 * (tests/unit/fakes/vendor_fake.c): no VMCS, no VMCB. Each test builds the
 * struct exit_info a backend would decode, calls exit_handle() and checks
 * what the core asked of the backend (RIP, faults, CR/EFER loads, TSC
 * offset, APIC mode) and the partition's fate. test_exit.c runs the same
 * rules through VT-x's decoder over a fake VMCS.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <hw/x86.h>
#include <septum/abi.h>
#include <septum/exit.h>
#include <septum/msr_policy.h>
#include <septum/vacpi.h>
#include <septum/xapic.h>
#include <fakes.h>
#include <vendor_fake.h>

#define RAM_SIZE   (2ull << 20)
#define START_RIP  0x100000ull
#define CPU        1u

static struct partition *p;
static struct vcpu *v;
static struct guest_regs r;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	fake_hw_reset();
	fake_vendor_reset();
	fake_backend.exit = &fake_vendor_ops;
	p = calloc(1, sizeof(*p));
	v = calloc(1, sizeof(*v));
	if (!p || !v || !(p->ram_hva = calloc(1, RAM_SIZE)))
		return -1;
	p->name = "guest";
	p->cpus = BIT(CPU);
	p->ram = hpa(0x20000000);
	p->ram_size = RAM_SIZE;
	p->nvcpus = 1;
	p->vcpu[0] = v;
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++)
		p->cpu_apic_id[c] = (p->cpus & BIT(c)) && c < FAKE_MAX_CPUS ? fake_apic_id[c] : 0xffffffffu;
	v->part = p;
	v->cpu = CPU;
	v->apic_base = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;
	xapic_reset(&v->xapic);
	v->xcr0 = 1;
	fake_cpu = CPU;
	vuart_init(&p->uart, p->name);
	atomic_store(&p->state, PART_RUNNING);
	memset(&r, 0, sizeof(r));
	/* A 64-bit guest at CPL 0, interrupts on, paging on. */
	fake_guest.rip = START_RIP;
	fake_guest.rsp = 0x80000;
	fake_guest.rflags = RFLAGS_RESERVED1 | RFLAGS_IF;
	fake_guest.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	fake_guest.cr4 = CR4_PAE;
	fake_guest.efer = EFER_LME | EFER_LMA | EFER_NXE;
	fake_guest.code_bits = 64;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(fake_guest.bad_set_reg, 0);
	free(p->ram_hva);
	free(p);
	free(v);
	return 0;
}

static enum exit_result run(enum exit_kind kind, unsigned len)
{
	struct exit_info e = { .kind = kind, .insn_len = len };

	return exit_handle(v, &r, &e);
}

static enum exit_result run_io(uint16_t port, unsigned size, bool in, bool string)
{
	struct exit_info e = { .kind = EXIT_KIND_IO, .insn_len = 1,
			       .io = { .port = port, .size = (uint8_t)size, .in = in, .string = string } };

	return exit_handle(v, &r, &e);
}

static enum exit_result run_cr(unsigned cr, unsigned gpr)
{
	struct exit_info e = { .kind = EXIT_KIND_CR_WRITE, .insn_len = 3, .cr = { (uint8_t)cr, (uint8_t)gpr } };

	return exit_handle(v, &r, &e);
}

static enum exit_result run_npf(uint64_t gpa, bool write, bool fetch)
{
	struct exit_info e = { .kind = EXIT_KIND_NPF, .npf = { .gpa = gpa, .write = write, .fetch = fetch } };

	return exit_handle(v, &r, &e);
}

static void assert_fault(unsigned vector)
{
	assert_int_equal(fake_guest.faults, 1);
	assert_int_equal(fake_guest.fault_vector, vector);
	assert_int_equal(fake_guest.rip, START_RIP);      /* a fault leaves RIP on the instruction */
}

static void assert_stopped_with(const char *part_of_reason)
{
	assert_int_equal(atomic_load(&p->state), PART_STOPPED);
	if (!strstr(p->reason, part_of_reason))
		fail_msg("reason \"%s\" lacks \"%s\"", p->reason, part_of_reason);
}

/* ------------------------------------------------------------ dispatch */

static void resume_advances_rip_by_the_decoded_length(void **state)
{
	(void)state;
	r.rax = 0;
	assert_int_equal(run(EXIT_KIND_CPUID, 2), EXIT_RESUME);
	assert_int_equal(fake_guest.rip, START_RIP + 2);
	assert_int_equal(run(EXIT_KIND_CACHE_FLUSH, 3), EXIT_RESUME);
	assert_int_equal(fake_guest.rip, START_RIP + 5);
	assert_int_equal(fake_guest.faults, 0);
}

static void none_is_retry_and_leaving_wins_over_everything(void **state)
{
	(void)state;
	assert_int_equal(run(EXIT_KIND_NONE, 0), EXIT_RETRY);
	partition_stop(p, "test stop");
	for (enum exit_kind k = EXIT_KIND_NONE; k < EXIT_KINDS; k++)
		assert_int_equal(run(k, 2), EXIT_LEAVE);
	assert_int_equal(fake_guest.rip, START_RIP);
}

static void init_pending_leaves_guest_mode(void **state)
{
	(void)state;
	atomic_store(&v->run, VCPU_INIT);
	assert_int_equal(run(EXIT_KIND_CPUID, 2), EXIT_LEAVE);
	assert_int_equal(atomic_load(&p->state), PART_RUNNING);
}

static void unknown_kind_crashes_the_partition(void **state)
{
	(void)state;
	assert_int_equal(run(EXIT_KINDS, 2), EXIT_LEAVE);
	assert_stopped_with("exit of unknown kind");
}

static void undefined_instruction_is_ud(void **state)
{
	(void)state;
	assert_int_equal(run(EXIT_KIND_UNDEFINED, 3), EXIT_RESUME);
	assert_fault(VECTOR_UD);
	assert_false(fake_guest.fault_has_code);
}

static void shutdown_crashes_with_rip(void **state)
{
	(void)state;
	assert_int_equal(run(EXIT_KIND_SHUTDOWN, 0), EXIT_LEAVE);
	assert_stopped_with("triple fault at RIP 0x100000");
}

/* ------------------------------------------------------------ CPUID */

static void cpuid_osxsave_follows_the_guests_cr4(void **state)
{
	(void)state;
	fake_cpuid_set(1, 0, 0, 0, 0, 0);
	r.rax = 1;
	run(EXIT_KIND_CPUID, 2);
	assert_int_equal(r.rcx & BIT(27), 0);
	fake_guest.cr4 |= CR4_OSXSAVE;
	r.rax = 1;
	run(EXIT_KIND_CPUID, 2);
	assert_int_not_equal(r.rcx & BIT(27), 0);
}

/* ------------------------------------------------------------ I/O */

static void in_from_nothing_is_all_ones_and_merges(void **state)
{
	(void)state;
	r.rax = 0x1122334455667788ull;
	assert_int_equal(run_io(0x80, 1, true, false), EXIT_RESUME);
	assert_int_equal(r.rax, 0x11223344556677ffull);
	r.rax = 0x1122334455667788ull;
	run_io(0x80, 4, true, false);
	assert_int_equal(r.rax, 0xffffffffull);      /* 32-bit results zero-extend */
	assert_int_equal(fake_guest.rip, START_RIP + 2);
}

static void string_io_crashes(void **state)
{
	(void)state;
	assert_int_equal(run_io(0x3f8, 1, false, true), EXIT_LEAVE);
	assert_stopped_with("string I/O (out to port 0x3f8)");
}

static void test_exit_port_ends_with_status(void **state)
{
	(void)state;
	r.rax = 0x1234;
	assert_int_equal(run_io(SEPTUM_TEST_EXIT_PORT, 1, false, false), EXIT_LEAVE);
	assert_int_equal(atomic_load(&p->state), PART_EXITED);
	assert_int_equal(p->status, 0x34);      /* one byte written, one byte seen */
}

static void kbc_pulse_reset_restarts(void **state)
{
	(void)state;
	r.rax = KBC_PULSE_RESET;
	assert_int_equal(run_io(KBC_COMMAND_PORT, 1, false, false), EXIT_LEAVE);
	assert_true(atomic_load(&p->restarting) || atomic_load(&p->state) != PART_RUNNING);
}

static void cf9_without_reset_bit_is_vpcis(void **state)
{
	(void)state;
	r.rax = 0x02;                                   /* bit 1 only: no reset */
	assert_int_equal(run_io(RESET_CONTROL_PORT, 1, false, false), EXIT_RESUME);
	assert_int_equal(atomic_load(&p->state), PART_RUNNING);
	assert_false(atomic_load(&p->restarting));
	assert_int_equal(v->io_exits[IO_PCI], 1);
	r.rax = RESET_CONTROL_RST_CPU;
	assert_int_equal(run_io(RESET_CONTROL_PORT, 1, false, false), EXIT_LEAVE);
	assert_int_equal(v->io_exits[IO_OTHER], 1);
}

static void s5_needs_slp_en_and_the_s5_type(void **state)
{
	(void)state;
	p->os_guest = true;
	p->sleep_port = 0x404;
	r.rax = VACPI_S5_SLP_TYP << VACPI_SLEEP_CTL_SLP_TYP_SHIFT;       /* no SLP_EN */
	assert_int_equal(run_io(0x404, 1, false, false), EXIT_RESUME);
	r.rax = VACPI_SLEEP_CTL_SLP_EN | (1u << VACPI_SLEEP_CTL_SLP_TYP_SHIFT);   /* S1: not offered, absorbed */
	assert_int_equal(run_io(0x404, 1, false, false), EXIT_RESUME);
	assert_int_equal(atomic_load(&p->state), PART_RUNNING);
	r.rax = 0;
	assert_int_equal(run_io(0x404, 1, true, false), EXIT_RESUME);
	assert_int_equal(r.rax, 0xff);                                    /* reads: nothing there */
	r.rax = VACPI_SLEEP_CTL_SLP_EN | (VACPI_S5_SLP_TYP << VACPI_SLEEP_CTL_SLP_TYP_SHIFT);
	assert_int_equal(run_io(0x404, 1, false, false), EXIT_LEAVE);
	assert_int_equal(atomic_load(&p->state), PART_EXITED);
}

/* ------------------------------------------------------------ MSRs */

static void efer_reserved_bit_is_gp_and_not_loaded(void **state)
{
	(void)state;
	fake_cpuid_set(0x80000001u, 0, 0, 0, 0, (uint32_t)CPUID_EXT1_EDX_NX);
	r.rcx = MSR_EFER;
	r.rax = (uint32_t)(EFER_LME | EFER_LMA | EFER_NXE | BIT(3));
	assert_int_equal(run(EXIT_KIND_MSR_WRITE, 2), EXIT_RESUME);
	assert_fault(VECTOR_GP);
	assert_true(fake_guest.fault_has_code);
	assert_int_equal(fake_guest.efer_writes, 0);
}

static void efer_write_keeps_the_cpus_lma(void **state)
{
	(void)state;
	fake_cpuid_set(0x80000001u, 0, 0, 0, 0, (uint32_t)CPUID_EXT1_EDX_NX);
	r.rcx = MSR_EFER;
	r.rax = (uint32_t)(EFER_LME | EFER_SCE);          /* LMA and NXE clear in the value */
	assert_int_equal(run(EXIT_KIND_MSR_WRITE, 2), EXIT_RESUME);
	assert_int_equal(fake_guest.faults, 0);
	assert_int_equal(fake_guest.efer, EFER_LME | EFER_SCE | EFER_LMA);
	assert_int_equal(fake_guest.rip, START_RIP + 2);
}

static void tsc_write_moves_the_offset_and_tsc_adjust(void **state)
{
	(void)state;
	fake_timestamp = 400;
	fake_guest.tsc_offset = 100;
	r.rcx = MSR_IA32_TSC;
	r.rax = 1000;
	assert_int_equal(run(EXIT_KIND_MSR_WRITE, 2), EXIT_RESUME);
	assert_int_equal(fake_guest.tsc_offset, 600);    /* 400 + 600 reads as 1000 */
	assert_int_equal(v->tsc_adjust, 500);
	r.rcx = MSR_IA32_TSC_ADJUST;
	r.rax = 0;
	r.rdx = 0;
	run(EXIT_KIND_MSR_WRITE, 2);
	assert_int_equal(fake_guest.tsc_offset, 100);
	assert_int_equal(v->tsc_adjust, 0);
}

static void rdmsr_refused_is_gp(void **state)
{
	(void)state;
	r.rcx = 0xc0010114u;       /* AMD VM_CR: hidden from every guest */
	assert_int_equal(run(EXIT_KIND_MSR_READ, 2), EXIT_RESUME);
	assert_fault(VECTOR_GP);
}

static void apic_base_to_xapic_tells_the_backend(void **state)
{
	(void)state;
	r.rcx = MSR_IA32_APIC_BASE;
	r.rax = (uint32_t)(0xfee00000u | APIC_BASE_EN | APIC_BASE_BSP);   /* x2APIC -> disabled is legal ... */
	r.rax = (uint32_t)(0xfee00000u | APIC_BASE_BSP);
	assert_int_equal(run(EXIT_KIND_MSR_WRITE, 2), EXIT_RESUME);
	assert_int_equal(fake_guest.faults, 0);
	assert_int_equal(fake_guest.apic_mode_changes, 1);
	assert_false(fake_guest.last_x2apic);
	/* ... disabled -> xAPIC needs no change of the pass-through */
	r.rax = (uint32_t)(0xfee00000u | APIC_BASE_EN | APIC_BASE_BSP);
	run(EXIT_KIND_MSR_WRITE, 2);
	assert_int_equal(fake_guest.apic_mode_changes, 1);
	r.rax = (uint32_t)(0xfee00000u | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP);
	run(EXIT_KIND_MSR_WRITE, 2);
	assert_int_equal(fake_guest.apic_mode_changes, 2);
	assert_true(fake_guest.last_x2apic);
}

static void nmi_ipi_without_guest_nmis_is_refused(void **state)
{
	(void)state;
	r.rcx = MSR_X2APIC_ICR;
	r.rax = (4u << 8) | BIT(14);               /* NMI, assert */
	r.rdx = fake_apic_id[CPU];                 /* to itself */
	fake_guest.guest_nmis = false;
	run(EXIT_KIND_MSR_WRITE, 2);
	assert_false(atomic_load(&v->nmi_pending));
	fake_guest.guest_nmis = true;
	run(EXIT_KIND_MSR_WRITE, 2);
	assert_true(atomic_load(&v->nmi_pending));
	assert_int_equal(fake_ipi_count, 0);      /* never a physical NMI */
}

/* ------------------------------------------------------------ CRs */

static void cr0_ne_clear_is_loaded_as_written(void **state)
{
	(void)state;
	r.rbx = CR0_PE | CR0_PG | CR0_WP;           /* NE and ET clear: legal */
	assert_int_equal(run_cr(0, 3), EXIT_RESUME);
	assert_int_equal(fake_guest.faults, 0);
	assert_int_equal(fake_guest.cr0, CR0_PE | CR0_PG | CR0_WP);
	assert_int_equal(fake_guest.rip, START_RIP + 3);
}

static void cr0_faults(void **state)
{
	static const uint64_t bad[] = { CR0_PG, CR0_PE | CR0_NW, BIT(32) | CR0_PE };

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_guest.faults = 0;
		r.rax = bad[i];
		assert_int_equal(run_cr(0, 0), EXIT_RESUME);
		assert_fault(VECTOR_GP);
	}
	assert_int_equal(fake_guest.cr0_writes, 0);
}

static void paging_on_with_lme_needs_pae(void **state)
{
	(void)state;
	fake_guest.cr0 = CR0_PE;
	fake_guest.cr4 = 0;
	fake_guest.efer = EFER_LME;
	fake_guest.code_bits = 32;
	r.rax = CR0_PE | CR0_PG;
	run_cr(0, 0);
	assert_fault(VECTOR_GP);
	assert_int_equal(fake_guest.cr0_writes, 0);
}

static void cr_source_rsp_and_32_bit_truncation(void **state)
{
	(void)state;
	fake_guest.rsp = 0xdead0000ull | CR4_PAE;      /* the GPR image's RSP slot is not the guest's */
	r.pad_rsp = 0;
	fake_guest.efer = 0;                            /* outside long mode: 32 bits */
	fake_guest.rsp |= 0xffffffff00000000ull;
	run_cr(4, 4);
	assert_int_equal(fake_guest.faults, 0);
	assert_int_equal(fake_guest.cr4, 0xdead0000ull | CR4_PAE);
}

static void cr4_vmxe_and_reserved_bits_fault(void **state)
{
	(void)state;
	r.rax = CR4_PAE | CR4_VMXE;
	run_cr(4, 0);
	assert_fault(VECTOR_GP);
	fake_guest.faults = 0;
	fake_guest.cr4_reserved = BIT(22);
	r.rax = CR4_PAE | BIT(22);
	run_cr(4, 0);
	assert_fault(VECTOR_GP);
	assert_int_equal(fake_guest.cr4_writes, 0);
}

/* ------------------------------------------------------------ XSETBV, hypercalls, HLT */

static void xsetbv_faults_in_the_cpus_order(void **state)
{
	(void)state;
	r.rcx = 0;
	r.rax = 3;
	run(EXIT_KIND_XSETBV, 3);
	assert_fault(VECTOR_UD);                     /* no CR4.OSXSAVE */
	fake_guest.faults = 0;
	fake_guest.cr4 |= CR4_OSXSAVE;
	fake_guest.cpl = 3;
	run(EXIT_KIND_XSETBV, 3);
	assert_fault(VECTOR_GP);
	assert_int_equal(v->xcr0, 1);
}

static void hypercall_from_user_mode_is_ud(void **state)
{
	(void)state;
	fake_guest.cpl = 3;
	r.rax = SEPTUM_HC_VERSION;
	assert_int_equal(run(EXIT_KIND_HYPERCALL, 3), EXIT_RESUME);
	assert_fault(VECTOR_UD);
}

static void hypercall_outside_long_mode_returns_32_bits(void **state)
{
	(void)state;
	fake_guest.efer = 0;
	r.rax = 0xffffffff00000000ull | 0xffffu;       /* no such call: an error */
	assert_int_equal(run(EXIT_KIND_HYPERCALL, 3), EXIT_RESUME);
	assert_int_equal(r.rax >> 32, 0);
	assert_int_not_equal(r.rax, 0);
	assert_int_equal(fake_guest.rip, START_RIP + 3);
}

static void hlt_with_interrupts_off_crashes(void **state)
{
	(void)state;
	assert_int_equal(run(EXIT_KIND_HLT, 1), EXIT_RESUME);
	assert_int_equal(fake_guest.rip, START_RIP + 1);
	fake_guest.rflags &= ~RFLAGS_IF;
	assert_int_equal(run(EXIT_KIND_HLT, 1), EXIT_LEAVE);
	assert_stopped_with("HLT with interrupts disabled");
}

/* ------------------------------------------------------------ nested-page faults */

static void fetch_from_split_large_page_retries(void **state)
{
	(void)state;
	fake_guest.split_rc = 0;
	assert_int_equal(run_npf(0x200000, false, true), EXIT_RETRY);
	assert_int_equal(fake_guest.split_calls, 1);
	assert_int_equal(fake_guest.split_gpa, 0x200000);
	assert_int_equal(atomic_load(&p->state), PART_RUNNING);
}

static void split_out_of_memory_stops(void **state)
{
	(void)state;
	fake_guest.split_rc = -ENOMEM;
	assert_int_equal(run_npf(0x200000, false, true), EXIT_LEAVE);
	assert_stopped_with("out of Septum's memory splitting");
}

static void other_faults_crash_naming_the_backends_term(void **state)
{
	(void)state;
	assert_int_equal(run_npf(0x40000000, true, false), EXIT_LEAVE);
	assert_int_equal(fake_guest.split_calls, 0);
	assert_stopped_with("nested-page fault (write) at GPA 0x40000000");
}

static void apic_page_in_x2apic_mode_crashes(void **state)
{
	(void)state;
	assert_int_equal(run_npf(0xfee00300, true, false), EXIT_LEAVE);
	assert_stopped_with("while the APIC is in x2APIC mode");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(resume_advances_rip_by_the_decoded_length),
		T(none_is_retry_and_leaving_wins_over_everything),
		T(init_pending_leaves_guest_mode),
		T(unknown_kind_crashes_the_partition),
		T(undefined_instruction_is_ud),
		T(shutdown_crashes_with_rip),
		T(cpuid_osxsave_follows_the_guests_cr4),
		T(in_from_nothing_is_all_ones_and_merges),
		T(string_io_crashes),
		T(test_exit_port_ends_with_status),
		T(kbc_pulse_reset_restarts),
		T(cf9_without_reset_bit_is_vpcis),
		T(s5_needs_slp_en_and_the_s5_type),
		T(efer_reserved_bit_is_gp_and_not_loaded),
		T(efer_write_keeps_the_cpus_lma),
		T(tsc_write_moves_the_offset_and_tsc_adjust),
		T(rdmsr_refused_is_gp),
		T(apic_base_to_xapic_tells_the_backend),
		T(nmi_ipi_without_guest_nmis_is_refused),
		T(cr0_ne_clear_is_loaded_as_written),
		T(cr0_faults),
		T(paging_on_with_lme_needs_pae),
		T(cr_source_rsp_and_32_bit_truncation),
		T(cr4_vmxe_and_reserved_bits_fault),
		T(xsetbv_faults_in_the_cpus_order),
		T(hypercall_from_user_mode_is_ud),
		T(hypercall_outside_long_mode_returns_32_bits),
		T(hlt_with_interrupts_off_crashes),
		T(fetch_from_split_large_page_retries),
		T(split_out_of_memory_stops),
		T(other_faults_crash_naming_the_backends_term),
		T(apic_page_in_x2apic_mode_crashes),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
