// SPDX-License-Identifier: MIT
/*
 * The AMD-V exit decoder (svm/exit.c) over a VMCB in memory, with the real
 * vendor-neutral layer (kernel/exit/) behind it: each test writes the exit
 * code and exit information the CPU would, runs svm_exit_dispatch() and
 * checks the guest state the backend leaves for the next VMRUN (RIP, RAX,
 * EVENTINJ, EFER, G_PAT) and the partition's fate. Facts: AMD APM Vol. 2
 * §15.7 (EXITINTINFO), §15.10.2 (IOIO), §15.20 (EVENTINJ), §15.25.6 (NPF).
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
#include <svm/backend.h>
#include <fakes.h>

#define RAM_SIZE   (2ull << 20)
#define START_RIP  0x100000ull
#define CPU        1u

/* svm/vcpu.c's hooks, which the host tests replace. */
struct svm_caps svm_boot_caps;
enum mce_action svm_hw_machine_check(const char *who) { (void)who; return MCE_CONTINUE; }
bool svm_hw_x2apic(void) { return false; }

static struct partition *p;
static struct vcpu *v;
static struct svm_vcpu sv;
static struct vmcb *vmcb;
static struct guest_regs r;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	fake_hw_reset();
	fake_backend.exit = &svm_exit_ops;
	p = calloc(1, sizeof(*p));
	v = calloc(1, sizeof(*v));
	vmcb = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	sv.msrpm = calloc(1, SVM_MSRPM_SIZE);
	if (!p || !v || !vmcb || !sv.msrpm || !(p->ram_hva = calloc(1, RAM_SIZE)))
		return -1;
	memset(vmcb, 0, PAGE_SIZE);
	sv.vmcb = vmcb;
	svm_msrpm_build(sv.msrpm, false);
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
	v->arch = &sv;
	v->apic_base = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_BSP;     /* xAPIC mode, as under QEMU */
	xapic_reset(&v->xapic);
	v->xcr0 = 1;
	fake_cpu = CPU;
	vuart_init(&p->uart, p->name);
	atomic_store(&p->state, PART_RUNNING);
	memset(&r, 0, sizeof(r));
	/* A 64-bit guest at CPL 0, interrupts on, paging on; SVME set as
	 * VMRUN requires. */
	vmcb->save.rip = START_RIP;
	vmcb->save.rsp = 0x80000;
	vmcb->save.rflags = RFLAGS_RESERVED1 | RFLAGS_IF;
	vmcb->save.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	vmcb->save.cr4 = CR4_PAE;
	vmcb->save.efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE;
	vmcb->save.cs.attrib = 0xa9b;     /* 64-bit code */
	vmcb->save.g_pat = 0x0007040600070406ull;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(p->ram_hva);
	free(p);
	free(v);
	free(vmcb);
	free(sv.msrpm);
	return 0;
}

static bool dispatch(uint64_t code, uint64_t info1, uint64_t info2)
{
	vmcb->control.exit_code = code;
	vmcb->control.exit_info1 = info1;
	vmcb->control.exit_info2 = info2;
	return svm_exit_dispatch(v, &r);
}

static void assert_event(uint64_t type, unsigned vector, bool has_code)
{
	uint64_t ev = vmcb->control.event_inj;

	assert_true(ev & SVM_EVENT_VALID);
	assert_int_equal(ev & SVM_EVENT_TYPE_MASK, type);
	assert_int_equal(ev & SVM_EVENT_VECTOR_MASK, vector);
	assert_int_equal(!!(ev & SVM_EVENT_ERROR_VALID), has_code);
	assert_int_equal(ev & SVM_EVENT_RESERVED, 0);
}

static void assert_stopped_with(const char *part_of_reason)
{
	assert_int_equal(atomic_load(&p->state), PART_STOPPED);
	if (!strstr(p->reason, part_of_reason))
		fail_msg("reason \"%s\" lacks \"%s\"", p->reason, part_of_reason);
}

/* CPUID is 2 bytes (0F A2) without NRIP-save; Septum's leaf answers. */
static void cpuid_answers_and_skips_two_bytes(void **state)
{
	(void)state;
	r.rax = SEPTUM_CPUID_BASE;
	assert_true(dispatch(VMEXIT_CPUID, 0, 0));
	assert_int_equal(r.rbx, SEPTUM_CPUID_SIG_EBX);
	assert_int_equal(vmcb->save.rip, START_RIP + 2);
	assert_int_equal(vmcb->control.event_inj, 0);
}

/* With NRIP-save the VMCB's next RIP decides (a prefixed CPUID). */
static void nrip_save_gives_the_length(void **state)
{
	(void)state;
	svm_boot_caps.nrip_save = true;
	vmcb->control.next_rip = START_RIP + 3;
	r.rax = SEPTUM_CPUID_BASE;
	assert_true(dispatch(VMEXIT_CPUID, 0, 0));
	assert_int_equal(vmcb->save.rip, START_RIP + 3);
	svm_boot_caps.nrip_save = false;
}

/* IOIO: port, size and direction from EXITINFO1, the next RIP from
 * EXITINFO2; an unclaimed IN reads all ones. */
static void ioio_in_uses_exitinfo(void **state)
{
	uint64_t info1 = SVM_IOIO_TYPE_IN | SVM_IOIO_SZ16 | SVM_IOIO_A64 | (0x1234ull << SVM_IOIO_PORT_SHIFT);

	(void)state;
	r.rax = 0xaaaa0000;
	assert_true(dispatch(VMEXIT_IOIO, info1, START_RIP + 2));
	assert_int_equal(r.rax, 0xaaaaffff);
	assert_int_equal(vmcb->save.rip, START_RIP + 2);
}

static void ioio_test_exit_port_ends_the_partition(void **state)
{
	uint64_t info1 = SVM_IOIO_SZ8 | SVM_IOIO_A64 | (0xf4ull << SVM_IOIO_PORT_SHIFT);

	(void)state;
	r.rax = 7;
	assert_false(dispatch(VMEXIT_IOIO, info1, START_RIP + 1));
	assert_int_equal(atomic_load(&p->state), PART_EXITED);
	assert_int_equal(p->status, 7);
}

static void string_io_crashes(void **state)
{
	uint64_t info1 = SVM_IOIO_STR | SVM_IOIO_SZ8 | SVM_IOIO_A64 | (0x3f8ull << SVM_IOIO_PORT_SHIFT);

	(void)state;
	assert_false(dispatch(VMEXIT_IOIO, info1, START_RIP + 1));
	assert_stopped_with("string I/O");
}

/* EFER: the guest never sees SVME, cannot set it as a bit of its own
 * (reserved: #GP), and a good write keeps it in the VMCB. */
static void efer_hides_and_keeps_svme(void **state)
{
	(void)state;
	r.rcx = MSR_EFER;
	assert_true(dispatch(VMEXIT_MSR, 0, 0));
	assert_int_equal(r.rax, EFER_LME | EFER_LMA | EFER_NXE);
	assert_int_equal(vmcb->save.rip, START_RIP + 2);

	r.rax = EFER_SVME | EFER_LME | EFER_NXE;
	r.rdx = 0;
	assert_true(dispatch(VMEXIT_MSR, 1, 0));
	assert_event(SVM_EVENT_TYPE_EXCEPTION, VECTOR_GP, true);
	assert_int_equal(vmcb->save.rip, START_RIP + 2);
	assert_int_equal(vmcb->save.efer, EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE);

	vmcb->control.event_inj = 0;
	fake_cpuid_set(0x80000001u, 0, 0, 0, 0, 1u << 20);    /* NX: NXE writable */
	r.rax = EFER_SCE | EFER_LME | EFER_NXE;
	assert_true(dispatch(VMEXIT_MSR, 1, 0));
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(vmcb->save.efer, EFER_SVME | EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	assert_int_equal(vmcb->save.rip, START_RIP + 4);
}

/* IA32_PAT lives in G_PAT; a reserved memory type is #GP. */
static void pat_is_g_pat(void **state)
{
	(void)state;
	r.rcx = 0x277;
	r.rax = 0x00070406;
	r.rdx = 0x00060406;
	assert_true(dispatch(VMEXIT_MSR, 1, 0));
	assert_int_equal(vmcb->save.g_pat, 0x0006040600070406ull);
	assert_int_equal(vmcb->save.rip, START_RIP + 2);
	r.rax = r.rdx = 0;
	assert_true(dispatch(VMEXIT_MSR, 0, 0));
	assert_int_equal(r.rax, 0x00070406);
	assert_int_equal(r.rdx, 0x00060406);
	r.rax = 0x02;
	r.rdx = 0;
	assert_true(dispatch(VMEXIT_MSR, 1, 0));
	assert_event(SVM_EVENT_TYPE_EXCEPTION, VECTOR_GP, true);
	assert_int_equal(vmcb->save.g_pat, 0x0006040600070406ull);
	assert_int_equal(vmcb->save.rip, START_RIP + 4);
}

/* VMMCALL is 3 bytes (0F 01 D9). */
static void vmmcall_is_a_hypercall(void **state)
{
	(void)state;
	r.rax = SEPTUM_HC_VERSION;
	assert_true(dispatch(VMEXIT_VMMCALL, 0, 0));
	assert_int_equal(r.rax, SEPTUM_ABI_VERSION);
	assert_int_equal(vmcb->save.rip, START_RIP + 3);
}

/* Every SVM instruction is #UD, RIP on the instruction, RF set. */
static void svm_instructions_are_ud(void **state)
{
	static const uint64_t codes[] = { VMEXIT_VMRUN, VMEXIT_VMLOAD, VMEXIT_VMSAVE, VMEXIT_STGI, VMEXIT_CLGI,
					  VMEXIT_SKINIT, VMEXIT_INVLPGA, VMEXIT_MONITOR, VMEXIT_MWAIT };

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		vmcb->control.event_inj = 0;
		assert_true(dispatch(codes[i], 0, 0));
		assert_event(SVM_EVENT_TYPE_EXCEPTION, VECTOR_UD, false);
		assert_int_equal(vmcb->save.rip, START_RIP);
		assert_true(vmcb->save.rflags & RFLAGS_RF);
	}
}

/* A nested page fault outside RAM and the APIC page stops the partition,
 * named as an NPT fault with the access from EXITINFO1. */
static void npf_outside_ram_stops(void **state)
{
	(void)state;
	assert_false(dispatch(VMEXIT_NPF, SVM_NPF_USER | SVM_NPF_WRITE | SVM_NPF_FINAL_GPA, 0x10100000));
	assert_stopped_with("NPT fault (write) at GPA 0x10100000");
}

static void shutdown_crashes(void **state)
{
	(void)state;
	assert_false(dispatch(VMEXIT_SHUTDOWN, 0, 0));
	assert_stopped_with("triple fault");
}

/* A refused VMRUN: -1, or QEMU 7.2's 32-bit -1. */
static void invalid_stops_in_both_encodings(void **state)
{
	(void)state;
	assert_false(dispatch(VMEXIT_INVALID, 0, 0));
	assert_stopped_with("VMRUN refused the guest state");
	atomic_store(&p->state, PART_RUNNING);
	assert_false(dispatch(0xffffffffull, 0, 0));
	assert_stopped_with("VMRUN refused the guest state");
}

/* A kick (NMI) that interrupted the delivery of an interrupt: the event is
 * injected again; a software interrupt is not (the INTn runs again). */
static void kick_reinjects_the_interrupted_event(void **state)
{
	uint64_t ext = SVM_EVENT_VALID | SVM_EVENT_TYPE_INTR | 0x30;

	(void)state;
	vmcb->control.exit_int_info = ext;
	assert_true(dispatch(VMEXIT_NMI, 0, 0));
	assert_int_equal(vmcb->control.event_inj, ext);
	assert_int_equal(vmcb->save.rip, START_RIP);

	vmcb->control.exit_int_info = SVM_EVENT_VALID | SVM_EVENT_TYPE_SOFT_INT | 0x80;
	assert_true(dispatch(VMEXIT_NMI, 0, 0));
	assert_int_equal(vmcb->control.event_inj, 0);
}

static void stop_request_leaves_at_the_kick(void **state)
{
	(void)state;
	partition_stop(p, "test stop");
	assert_false(dispatch(VMEXIT_NMI, 0, 0));
	atomic_store(&p->state, PART_RUNNING);
	atomic_store(&v->run, VCPU_INIT);
	assert_false(dispatch(VMEXIT_CPUID, 0, 0));
	assert_int_equal(vmcb->save.rip, START_RIP);
}

static void unknown_exit_crashes(void **state)
{
	(void)state;
	assert_false(dispatch(VMEXIT_RDTSC, 0, 0));
	assert_stopped_with("unhandled VM exit 0x6e (RDTSC)");
}

/* x2APIC mode on a host without it (QEMU TCG): EXTD is reserved, #GP;
 * where the CPU has it the switch is taken, but the x2APIC MSRs pass
 * through only to a host APIC in x2APIC mode (svm_hw_x2apic()). */
static void x2apic_mode_needs_the_host_x2apic(void **state)
{
	uint64_t base = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;
	unsigned bit = (0x808 & 0x1fff) * 2;      /* TPR read */

	(void)state;
	fake_cpuid_set(1, 0, 0, 0, 0, 0);          /* no x2APIC (ECX[21]) */
	r.rcx = 0x1b;
	r.rax = (uint32_t)base;
	r.rdx = 0;
	assert_true(dispatch(VMEXIT_MSR, 1, 0));
	assert_event(SVM_EVENT_TYPE_EXCEPTION, VECTOR_GP, true);
	assert_int_equal(v->apic_base & APIC_BASE_EXTD, 0);

	vmcb->control.event_inj = 0;
	fake_cpuid_set(1, 0, 0, 0, 1u << 21, 0);
	assert_true(dispatch(VMEXIT_MSR, 1, 0));
	assert_int_equal(vmcb->control.event_inj, 0);
	assert_int_equal(v->apic_base, base);
	assert_true(sv.msrpm[bit / 8] & (1u << (bit % 8)));   /* still intercepted: the host has none */
}

/* Exit counts: slots and their names. */
static void exit_slots_are_named(void **state)
{
	(void)state;
	assert_string_equal(svm_exit_slot_name(svm_exit_slot(VMEXIT_IOIO)), "IOIO");
	assert_int_equal(svm_exit_slot(VMEXIT_IOIO), SVM_SLOT_IOIO);
	assert_string_equal(svm_exit_slot_name(svm_exit_slot(VMEXIT_NPF)), "NPF");
	assert_string_equal(svm_exit_slot_name(svm_exit_slot(VMEXIT_CPUID)), "CPUID");
	assert_string_equal(svm_exit_slot_name(svm_exit_slot(VMEXIT_INVALID)), "INVALID");
	assert_string_equal(svm_exit_slot_name(svm_exit_slot(VMEXIT_EXCP0 + 18)), "exception");
	assert_string_equal(svm_exit_slot_name(svm_exit_slot(0x9999)), "other");
	r.rax = 0;
	dispatch(VMEXIT_CPUID, 0, 0);
	assert_int_equal(v->exits[svm_exit_slot(VMEXIT_CPUID)], 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(cpuid_answers_and_skips_two_bytes),
		T(nrip_save_gives_the_length),
		T(ioio_in_uses_exitinfo),
		T(ioio_test_exit_port_ends_the_partition),
		T(string_io_crashes),
		T(efer_hides_and_keeps_svme),
		T(pat_is_g_pat),
		T(vmmcall_is_a_hypercall),
		T(svm_instructions_are_ud),
		T(npf_outside_ram_stops),
		T(shutdown_crashes),
		T(invalid_stops_in_both_encodings),
		T(kick_reinjects_the_interrupted_event),
		T(stop_request_leaves_at_the_kick),
		T(unknown_exit_crashes),
		T(x2apic_mode_needs_the_host_x2apic),
		T(exit_slots_are_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
