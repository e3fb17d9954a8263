// SPDX-License-Identifier: MIT
/*
 * kernel/exit/policy.c: what a partition sees through CPUID, the hypercall ABI
 * (include/septum/abi.h) and the x2APIC ICR filter. Expected values are
 * spelled out from the ABI text and the SDM, not recomputed with the code's
 * own macros where that would make a wrong macro pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/abi.h>
#include <septum/policy.h>
#include <fakes.h>

#define RAM_SIZE (2ull << 20)

static struct partition *p;
static struct vcpu *v;
static struct cfg_partition cfg;

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	p = calloc(1, sizeof(*p));
	v = calloc(1, sizeof(*v));
	if (!p || !v)
		return -1;
	p->ram_hva = calloc(1, RAM_SIZE);
	if (!p->ram_hva)
		return -1;
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.name, "alpha");
	strcpy(cfg.cmdline, "count=3 verbose");
	p->cfg = &cfg;
	p->id = 3;
	p->name = cfg.name;
	p->cpus = BIT(1) | BIT(2);
	p->ram = hpa(0x40000000);
	p->ram_size = RAM_SIZE;
	p->nvcpus = 2;
	p->vcpu[1] = v;
	v->part = p;
	v->index = 1;
	v->cpu = 2;
	v->apic_base = 0xfee00000ull | APIC_BASE_EN | APIC_BASE_EXTD;
	vuart_init(&p->uart, p->name);
	atomic_store(&p->state, PART_RUNNING);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(p->ram_hva);
	free(p);
	free(v);
	return 0;
}

/* ------------------------------------------------------------------ CPUID */

static struct cpuid_result cpuid(uint32_t leaf, struct cpuid_result host)
{
	cpuid_policy(v, leaf, 0, &host);
	return host;
}

/* Leaf 1 ECX bits Septum withholds: MONITOR (3), VMX (5), SMX (6), EST (7),
 * TM2 (8), PDCM (15) and OSXSAVE (27; the exit handler sets it from the
 * guest's CR4). XSAVE (26) is offered. */
#define HIDDEN_LEAF1_ECX 0x080081e8u
/* EDX: MCE (7), MCA (14), DS (21), ACPI (22), TM (29), PBE (31) */
#define HIDDEN_LEAF1_EDX 0xa0604080u

static void cpuid1_hides_vmx_smx_sets_hypervisor(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = cpuid(1, (struct cpuid_result){ 0x000906ea, 0x01020800, 0x7ffafbff, 0xbfebfbff });
	assert_int_equal(r.ecx & (1u << 5), 0);           /* VMX */
	assert_int_equal(r.ecx & (1u << 6), 0);           /* SMX */
	assert_int_equal(r.ecx & (1u << 31), 1u << 31);   /* hypervisor present */
	assert_int_equal(r.ecx & (1u << 26), 1u << 26);   /* XSAVE: XSETBV is checked and carried out */
	assert_int_equal(r.ecx & (1u << 27), 0);          /* OSXSAVE: from the guest's CR4, in kernel/exit/exit.c */
	assert_int_equal(r.ecx, (0x7ffafbffu & ~HIDDEN_LEAF1_ECX) | 0x80000000u);  /* nothing else changed */
	assert_int_equal(r.eax, 0x000906ea);
	assert_int_equal(r.ebx, 0x01020800);
	assert_int_equal(r.edx, 0xbfebfbffu & ~HIDDEN_LEAF1_EDX);
}

static void cpuid1_from_host_without_vmx(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = cpuid(1, (struct cpuid_result){ 1, 2, 0, 4 });
	assert_int_equal(r.ecx, 0x80000000u);
}

static void cpuid_base_signature_and_max(void **state)
{
	struct cpuid_result r;
	char sig[13];

	(void)state;
	r = cpuid(0x40000000, (struct cpuid_result){ 9, 9, 9, 9 });
	assert_int_equal(r.eax, 0x40000004);
	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = 0;
	assert_string_equal(sig, "SeptumSeptum");
}

static void cpuid_info_leaf(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = cpuid(0x40000001, (struct cpuid_result){ 9, 9, 9, 9 });
	assert_int_equal(r.eax, 0x00010001);   /* ABI 1.1 */
	assert_int_equal(r.ebx, 3);            /* partition id */
	assert_int_equal(r.ecx, 1);            /* vCPU index */
	assert_int_equal(r.edx, 2);            /* vCPU count */
}

/* The 32 bytes of leaves 0x40000002/3 in register order. */
static void name_bytes(char out[32])
{
	struct cpuid_result a = cpuid(0x40000002, (struct cpuid_result){ 0x41414141, 0x41414141, 0x41414141, 0x41414141 });
	struct cpuid_result b = cpuid(0x40000003, (struct cpuid_result){ 0x42424242, 0x42424242, 0x42424242, 0x42424242 });
	uint32_t w[8] = { a.eax, a.ebx, a.ecx, a.edx, b.eax, b.ebx, b.ecx, b.edx };

	memcpy(out, w, 32);
}

static void check_name(const char *name)
{
	char got[32], want[32];

	memset(want, 0, sizeof(want));
	memcpy(want, name, strlen(name));
	p->name = name;
	name_bytes(got);
	assert_memory_equal(got, want, 32);
}

static void cpuid_name_1_char(void **state)
{
	(void)state;
	check_name("x");
}

static void cpuid_name_16_chars(void **state)
{
	(void)state;
	check_name("0123456789abcdef");
}

static void cpuid_name_31_chars(void **state)
{
	(void)state;
	check_name("0123456789abcdef0123456789ABCDE");
}

static void cpuid_unknown_hypervisor_leaves_zeroed(void **state)
{
	static const uint32_t leaves[] = { 0x40000004, 0x40000010, 0x40000100, 0x4fffffff };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct cpuid_result r = cpuid(leaves[i], (struct cpuid_result){ 1, 2, 3, 4 });

		assert_int_equal(r.eax, 0);
		assert_int_equal(r.ebx, 0);
		assert_int_equal(r.ecx, 0);
		assert_int_equal(r.edx, 0);
	}
}

static void cpuid_other_leaves_pass_through(void **state)
{
	static const uint32_t leaves[] = { 0, 2, 0xb, 0x3fffffff, 0x50000000, 0x80000000, 0x80000001 };
	/* (6 and 0xa are zeroed: cpuid_power_and_pmu_leaves_empty) */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(leaves); i++) {
		struct cpuid_result r = cpuid(leaves[i], (struct cpuid_result){ 0x11, 0x22, 0x33, 0x44 });

		assert_int_equal(r.eax, 0x11);
		assert_int_equal(r.ebx, 0x22);
		assert_int_equal(r.ecx, 0x33);
		assert_int_equal(r.edx, 0x44);
	}
}

static void cpuid_svm_hidden(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = cpuid(0x80000001u, (struct cpuid_result){ 0x11, 0x22, 0xffffffffu, 0x44 });
	assert_int_equal(r.ecx, 0xfffffffbu);            /* SVM (bit 2) clear, the rest as the host has it */
	assert_int_equal(r.edx, 0x44);
	r = cpuid(0x8000000au, (struct cpuid_result){ 1, 16, 0, 0x1ff });
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void cpuid_7_shows_tsc_adjust_and_arch_capabilities(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = cpuid(7, (struct cpuid_result){ 0, 0xfffffffdu, 0x33, 0 });
	assert_int_equal(r.ebx, 0xffffffffu);            /* TSC_ADJUST (bit 1) emulated, even if the host lacks it */
	assert_int_equal(r.edx, 1u << 29);               /* ARCH_CAPABILITIES */
	assert_int_equal(r.ecx, 0x33);
}

static void cpuid_power_and_pmu_leaves_empty(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = cpuid(6, (struct cpuid_result){ 0x77, 2, 9, 0 });
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
	r = cpuid(0xa, (struct cpuid_result){ 0x07300404, 0, 0, 0x603 });
	assert_int_equal(r.eax | r.ebx | r.ecx | r.edx, 0);
}

static void cpuid_15_states_measured_tsc(void **state)
{
	struct cpuid_result r;

	(void)state;
	fake_tsc_hz = 100000000ull;              /* Bochs: 100 MHz */
	r = cpuid(0x15, (struct cpuid_result){ 0, 0, 0, 0 });
	assert_int_equal((uint64_t)r.ecx * r.ebx / r.eax, 100000000ull);
	fake_tsc_hz = 5093000000ull;             /* more than 32 bits of Hz */
	r = cpuid(0x15, (struct cpuid_result){ 0, 0, 0, 0 });
	assert_true(r.eax != 0);
	assert_int_equal((uint64_t)r.ecx * r.ebx / r.eax, 5093000000ull);
	fake_tsc_hz = 0;                         /* unknown: the host's answer stands */
	r = cpuid(0x15, (struct cpuid_result){ 2, 3, 0, 5 });
	assert_int_equal(r.eax, 2);
	assert_int_equal(r.ecx, 0);
	fake_tsc_hz = 2000000000ull;
}

/* A CPU that enumerates ratio and crystal states the exact frequency: it
 * passes through; one with ECX = 0 (no crystal) gets the measured one. */
static void cpuid_15_exact_host_values_pass_through(void **state)
{
	struct cpuid_result r;

	(void)state;
	fake_tsc_hz = 1991000000ull;             /* measured, slightly off */
	r = cpuid(0x15, (struct cpuid_result){ 2, 166, 24000000, 0 });
	assert_int_equal(r.eax, 2);
	assert_int_equal(r.ebx, 166);
	assert_int_equal(r.ecx, 24000000);       /* 1.992 GHz exactly */
	r = cpuid(0x15, (struct cpuid_result){ 2, 166, 0, 0 });
	assert_int_equal((uint64_t)r.ecx * r.ebx / r.eax, 1991000000ull);
	fake_tsc_hz = 2000000000ull;
}

/* -------------------------------------------------------------- hypercalls */

static void hc_version(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 0, 0, 0, 0), 0x10001);
}

static void hc_console_write_valid(void **state)
{
	(void)state;
	memcpy(p->ram_hva + 0x1234, "hello\nworld", 11);
	assert_int_equal(hypercall(v, 1, 0x1234, 11, 0), 11);
	assert_string_equal(fake_console(), "[alpha] hello\n");
	vuart_flush(&p->uart);
	assert_string_equal(fake_console(), "[alpha] hello\n[alpha] world\n");
}

static void hc_console_write_len0(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 1, 0x1000, 0, 0), 0);
	vuart_flush(&p->uart);
	assert_int_equal(fake_console_len(), 0);
}

static void hc_console_write_max_len_accepted(void **state)
{
	(void)state;
	memset(p->ram_hva + 0x10000, 'z', 4096);
	assert_int_equal(hypercall(v, 1, 0x10000, 4096, 0), 4096);
	assert_int_equal(p->uart.ring_written, 4096);
}

static void hc_console_write_too_long(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 1, 0x1000, 4097, 0), -22);
	assert_int_equal(p->uart.ring_written, 0);
}

static void hc_console_write_past_ram_end(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 1, RAM_SIZE - 3, 4, 0), -14);
	assert_int_equal(p->uart.ring_written, 0);
}

static void hc_console_write_at_ram_end_exactly(void **state)
{
	(void)state;
	memcpy(p->ram_hva + RAM_SIZE - 4, "end\n", 4);
	assert_int_equal(hypercall(v, 1, RAM_SIZE - 4, 4, 0), 4);
	assert_string_equal(fake_console(), "[alpha] end\n");
}

static void hc_console_write_gpa_len_overflow(void **state)
{
	(void)state;
	/* gpa + len wraps to a small number: must not pass as "inside". */
	assert_int_equal(hypercall(v, 1, UINT64_MAX - 1, 4, 0), -14);
	assert_int_equal(hypercall(v, 1, UINT64_MAX - 4095, 4096, 0), -14);
	assert_int_equal(p->uart.ring_written, 0);
}

/* guest_ptr() directly: lengths the hypercalls cannot produce (they cap len). */
static void guest_ptr_len_wraps(void **state)
{
	(void)state;
	assert_null(guest_ptr(p, 0x1000, UINT64_MAX - 0x800));   /* 0x1000 + len wraps to 0x7ff */
	assert_null(guest_ptr(p, 1, RAM_SIZE));
	assert_null(guest_ptr(p, RAM_SIZE, 0));
	assert_ptr_equal(guest_ptr(p, 0, RAM_SIZE), p->ram_hva);
	assert_ptr_equal(guest_ptr(p, RAM_SIZE - 1, 1), p->ram_hva + RAM_SIZE - 1);
}

static void hc_partition_info_contents(void **state)
{
	struct septum_partition_info info;
	uint8_t *dst = p->ram_hva + 0x3000;

	(void)state;
	memset(dst, 0xee, 400);
	assert_int_equal(hypercall(v, 3, 0x3000, 400, 0), 312);
	memcpy(&info, dst, sizeof(info));
	assert_int_equal(info.abi_version, 0x10001);
	assert_int_equal(info.partition_id, 3);
	assert_int_equal(info.vcpu_index, 1);
	assert_int_equal(info.vcpu_count, 2);
	assert_int_equal(info.ram_size, RAM_SIZE);
	assert_string_equal(info.name, "alpha");
	assert_string_equal(info.cmdline, "count=3 verbose");
	/* padding after the strings is zero, not stale host bytes */
	for (size_t i = strlen("alpha"); i < sizeof(info.name); i++)
		assert_int_equal(info.name[i], 0);
	/* nothing past the 312 bytes is touched */
	for (size_t i = 312; i < 400; i++)
		assert_int_equal(dst[i], 0xee);
}

static void hc_partition_info_too_small(void **state)
{
	(void)state;
	memset(p->ram_hva + 0x3000, 0xee, 312);
	assert_int_equal(hypercall(v, 3, 0x3000, 311, 0), -22);
	assert_int_equal(p->ram_hva[0x3000], 0xee);
}

static void hc_partition_info_outside(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 3, RAM_SIZE - 100, 312, 0), -14);
}

static void hc_partition_info_overflow(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 3, UINT64_MAX - 8, 312, 0), -14);
}

static void hc_exit_with_status(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 2, 42, 0, 0), 0);
	assert_int_equal(atomic_load(&p->state), PART_EXITED);
	assert_int_equal(p->status, 42);
}

static void hc_exit_status_255(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 2, 255, 0, 0), 0);
	assert_int_equal(atomic_load(&p->state), PART_EXITED);
	assert_int_equal(p->status, 255);
}

static void hc_exit_status_256_einval(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 2, 256, 0, 0), -22);
	assert_int_equal(atomic_load(&p->state), PART_RUNNING);
}

static void hc_exit_flushes_console_and_kicks_others(void **state)
{
	struct vcpu other = { .part = p, .index = 0, .cpu = 1 };

	(void)state;
	p->vcpu[0] = &other;
	fake_cpu = 2;
	vuart_put(&p->uart, "bye", 3);
	assert_int_equal(hypercall(v, 2, 0, 0, 0), 0);
	assert_non_null(strstr(fake_console(), "[alpha] bye\n"));
	assert_non_null(strstr(fake_console(), "partition alpha exited with status 0"));
	assert_int_equal(fake_kick_count, 1);
	assert_int_equal(fake_kicked[0], 1);
	p->vcpu[0] = NULL;
}

static void hc_exit_after_stop_keeps_stop(void **state)
{
	(void)state;
	partition_stop(p, "test stop %d", 7);
	assert_int_equal(hypercall(v, 2, 5, 0, 0), 0);
	assert_int_equal(atomic_load(&p->state), PART_STOPPED);
	assert_string_equal(p->reason, "test stop 7");
	assert_int_equal(p->status, 0);
}

static void hc_unknown_enosys(void **state)
{
	(void)state;
	assert_int_equal(hypercall(v, 4, 0, 0, 0), -38);
	assert_int_equal(hypercall(v, UINT64_MAX, 0, 0, 0), -38);
	assert_int_equal(atomic_load(&p->state), PART_RUNNING);
}

/* -------------------------------------------------------------- ICR filter */

/* The partition has CPUs 1 and 2 (APIC ids 0x21, 0x22); CPUs 0 and 3
 * (0x20, 0x23) belong to someone else. The sender is CPU 1. */
static struct ipi_action act;
static char why[160];

static int icr_setup(void **state)
{
	int rc = setup(state);

	for (unsigned c = 0; c < CFG_MAX_CPUS; c++)
		p->cpu_apic_id[c] = (p->cpus & BIT(c)) ? 0x20 + c : 0xffffffffu;
	memset(&act, 0xa5, sizeof(act));
	memset(why, 0, sizeof(why));
	return rc;
}

static enum ipi_verdict icr(uint64_t value)
{
	return icr_filter(p, 1, value, &act, why, sizeof(why));
}

#define ICR(dest_id, bits) (((uint64_t)(dest_id) << 32) | (bits))
#define DM_FIXED 0x000
#define DM_LOWPRI 0x100
#define DM_SMI   0x200
#define DM_NMI   0x400
#define DM_INIT  0x500
#define DM_SIPI  0x600
#define LOGICAL  0x800
#define LEVEL_ASSERT  0x4000
#define TRIGGER_LEVEL 0x8000
#define SH_SELF  (1u << 18)
#define SH_ALL   (2u << 18)
#define SH_OTHERS (3u << 18)
/* x2APIC logical id (SDM Vol. 3A §11.12.10.2): cluster in 31:16, one bit in 15:0. */
#define LDR(apic) ((((apic) >> 4) << 16) | (1u << ((apic) & 15)))

static void icr_fixed_to_own_cpu_sent(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x22, DM_FIXED | 0x40)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(2));
	assert_int_equal(act.icr_low, 0x40);
	assert_int_equal(icr(ICR(0x21, DM_FIXED | 0xf0)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
	assert_int_equal(act.icr_low, 0xf0);
}

static void icr_nmi_to_own_cpu_sent(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x22, DM_NMI)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(2));
	assert_int_equal(act.icr_low, DM_NMI);
}

static void icr_fixed_to_foreign_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x20, DM_FIXED | 0x40)), IPI_REFUSE);
	assert_non_null(strstr(why, "not in partition"));
	assert_non_null(strstr(why, "fixed"));
	assert_non_null(strstr(why, "32"));     /* the APIC id, decimal */
	assert_int_equal(act.cpus, 0);
}

static void icr_init_to_foreign_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x23, DM_INIT | LEVEL_ASSERT)), IPI_REFUSE);
	assert_non_null(strstr(why, "not in partition"));
	assert_non_null(strstr(why, "INIT"));
}

static void icr_sipi_to_foreign_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x20, DM_SIPI | 0x08)), IPI_REFUSE);
	assert_non_null(strstr(why, "not in partition"));
	assert_non_null(strstr(why, "SIPI"));
}

static void icr_unknown_apic_id_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x7777, DM_FIXED | 0x40)), IPI_REFUSE);
	assert_non_null(strstr(why, "not in partition"));
}

/* Destination 0xffffffff is a broadcast in both modes (SDM Vol. 3A §11.12.9). */
static void icr_x2apic_broadcast_id_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0xffffffffu, DM_FIXED | 0x40)), IPI_REFUSE);
	assert_non_null(strstr(why, "broadcast"));
	assert_int_equal(icr(ICR(0xffffffffu, LOGICAL | DM_FIXED | 0x40)), IPI_REFUSE);
}

/* "All including self" means the partition's CPUs, each sent separately. */
static void icr_all_including_self_is_the_partition(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_ALL | DM_FIXED | 0x40)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1) | BIT(2));
	assert_int_equal(act.icr_low, 0x40);        /* shorthand gone: physical sends */
}

static void icr_all_excluding_self_is_the_siblings(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_OTHERS | DM_FIXED | 0xfd)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(2));
	assert_int_equal(act.icr_low, 0xfd);
}

static void icr_init_all_excluding_self_emulated(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_OTHERS | DM_INIT | LEVEL_ASSERT)), IPI_INIT);
	assert_int_equal(act.cpus, BIT(2));
}

static void icr_sipi_all_excluding_self_emulated(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_OTHERS | DM_SIPI | 0x9a)), IPI_SIPI);
	assert_int_equal(act.cpus, BIT(2));
	assert_int_equal(act.vector, 0x9a);
}

static void icr_init_all_including_self_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_ALL | DM_INIT | LEVEL_ASSERT)), IPI_REFUSE);
	assert_non_null(strstr(why, "INIT"));
	assert_non_null(strstr(why, "including self"));
}

static void icr_logical_own_cluster_sent(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(LDR(0x21) | LDR(0x22), LOGICAL | DM_FIXED | 0x40)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1) | BIT(2));
	assert_int_equal(act.icr_low, 0x40);        /* logical bit gone: sent per CPU */
}

static void icr_logical_naming_foreign_cpu_refused(void **state)
{
	(void)state;
	/* One foreign CPU in the bitmap refuses the whole IPI. */
	assert_int_equal(icr(ICR(LDR(0x22) | LDR(0x23), LOGICAL | DM_FIXED | 0x40)), IPI_REFUSE);
	assert_non_null(strstr(why, "logical"));
	assert_non_null(strstr(why, "35"));        /* APIC id 0x23 */
}

static void icr_logical_other_cluster_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x00030006u, LOGICAL | DM_FIXED | 0x40)), IPI_REFUSE);
	assert_non_null(strstr(why, "not in partition"));
}

static void icr_logical_empty_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x00020000u, LOGICAL | DM_FIXED | 0x40)), IPI_REFUSE);
	assert_non_null(strstr(why, "names no CPU"));
}

static void icr_self_sent(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_SELF | DM_FIXED | 0x41)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
	assert_int_equal(act.icr_low, 0x41);
}

static void icr_self_nmi_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0, SH_SELF | DM_NMI)), IPI_REFUSE);
	assert_non_null(strstr(why, "NMI"));
}

static void icr_init_to_own_sibling_emulated(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x22, DM_INIT | LEVEL_ASSERT)), IPI_INIT);
	assert_int_equal(act.cpus, BIT(2));
}

static void icr_init_deassert_ignored(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x22, DM_INIT | TRIGGER_LEVEL)), IPI_IGNORE);
}

static void icr_init_to_self_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x21, DM_INIT | LEVEL_ASSERT)), IPI_REFUSE);
	assert_non_null(strstr(why, "itself"));
}

static void icr_sipi_to_own_sibling_emulated(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x22, DM_SIPI | 0x08)), IPI_SIPI);
	assert_int_equal(act.cpus, BIT(2));
	assert_int_equal(act.vector, 0x08);
}

static void icr_lowest_priority_to_one_target_as_fixed(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(LDR(0x21) | LDR(0x22), LOGICAL | DM_LOWPRI | 0x40)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
	assert_int_equal(act.icr_low, 0x40);
}

static void icr_smi_refused(void **state)
{
	(void)state;
	assert_int_equal(icr(ICR(0x22, DM_SMI)), IPI_REFUSE);
	assert_non_null(strstr(why, "SMI"));
}

/* ---------------------------------------------- xAPIC-format ICR */

#define XICR(dest8, bits) (((uint64_t)(dest8) << 56) | (bits))

/* vCPU 1 (CPU 2, v) and vCPU 0 (CPU 1) both in xAPIC flat mode. */
static struct vcpu xa_other;

static void xapic_pair(uint8_t ldr_self, uint8_t ldr_other, bool other_xapic)
{
	xa_other = (struct vcpu){ .part = p, .index = 0, .cpu = 1 };
	xa_other.apic_base = 0xfee00000ull | APIC_BASE_EN | (other_xapic ? 0 : APIC_BASE_EXTD);
	xapic_reset(&xa_other.xapic);
	xa_other.xapic.ldr = (uint32_t)ldr_other << 24;
	v->apic_base = 0xfee00000ull | APIC_BASE_EN;
	xapic_reset(&v->xapic);
	v->xapic.ldr = (uint32_t)ldr_self << 24;
	p->vcpu[0] = &xa_other;
}

static void xicr_logical_flat_reaches_matching_vcpus(void **state)
{
	(void)state;
	xapic_pair(0x01, 0x02, true);
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x03, LOGICAL | DM_FIXED | 0x40), &act, why, sizeof(why)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1) | BIT(2));
	assert_int_equal(act.icr_low, 0x40);                 /* sent physical, per CPU */
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x02, LOGICAL | DM_NMI), &act, why, sizeof(why)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
	p->vcpu[0] = NULL;
}

static void xicr_logical_ff_stays_in_partition(void **state)
{
	(void)state;
	xapic_pair(0x01, 0x02, true);
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0xff, LOGICAL | DM_FIXED | 0x40), &act, why, sizeof(why)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1) | BIT(2));         /* the partition's two CPUs only */
	p->vcpu[0] = NULL;
}

static void xicr_logical_skips_x2apic_mode_vcpu(void **state)
{
	(void)state;
	xapic_pair(0x01, 0x02, false);
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x02, LOGICAL | DM_FIXED | 0x40), &act, why, sizeof(why)),
			 IPI_IGNORE);
	assert_non_null(strstr(why, "names no CPU"));
	p->vcpu[0] = NULL;
}

static void xicr_logical_cluster_model(void **state)
{
	(void)state;
	xapic_pair(0x11, 0x21, true);
	v->xapic.dfr = xa_other.xapic.dfr = 0x0fffffffu;
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x21, LOGICAL | DM_FIXED | 0x40), &act, why, sizeof(why)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
	p->vcpu[0] = NULL;
}

static void xicr_logical_init_sipi_to_sibling(void **state)
{
	(void)state;
	xapic_pair(0x01, 0x02, true);
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x02, LOGICAL | DM_INIT | LEVEL_ASSERT), &act, why, sizeof(why)),
			 IPI_INIT);
	assert_int_equal(act.cpus, BIT(1));
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x02, LOGICAL | DM_SIPI | 0x9a), &act, why, sizeof(why)), IPI_SIPI);
	assert_int_equal(act.vector, 0x9a);
	p->vcpu[0] = NULL;
}

static void xicr_physical_own_sibling(void **state)
{
	(void)state;
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x21, DM_FIXED | 0x30), &act, why, sizeof(why)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
}

static void xicr_physical_foreign_refused(void **state)
{
	(void)state;
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x25, DM_INIT | LEVEL_ASSERT), &act, why, sizeof(why)), IPI_REFUSE);
	assert_non_null(strstr(why, "APIC id 37: not in partition"));
}

static void xicr_physical_broadcast_refused(void **state)
{
	(void)state;
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0xff, DM_FIXED | 0x30), &act, why, sizeof(why)), IPI_REFUSE);
	assert_non_null(strstr(why, "broadcast"));
}

static void xicr_shorthand_others(void **state)
{
	(void)state;
	assert_int_equal(xapic_icr_filter(p, 2, XICR(0x00, SH_OTHERS | DM_FIXED | 0x30), &act, why, sizeof(why)), IPI_SEND);
	assert_int_equal(act.cpus, BIT(1));
}

static void cpuid1_hides_apic_while_disabled(void **state)
{
	struct cpuid_result r;

	(void)state;
	v->apic_base = 0xfee00000ull;
	r = cpuid(1, (struct cpuid_result){ 0, 0, 0, 0xffffffffu });
	assert_int_equal(r.edx & (1u << 9), 0);
	v->apic_base = 0xfee00000ull | APIC_BASE_EN;
	r = cpuid(1, (struct cpuid_result){ 0, 0, 0, 0xffffffffu });
	assert_int_equal(r.edx & (1u << 9), 1u << 9);
}

/* ------------------------------------------------------------ XSAVE */

static void cpuid_d1_hides_xsavec_xsaves_xfd_and_supervisor_states(void **state)
{
	struct cpuid_result r;

	(void)state;
	r = (struct cpuid_result){ 0x1f, 0x3c0, 0x1900, 0x1 };
	cpuid_policy(v, 0xd, 1, &r);
	assert_int_equal(r.eax, 0x05);        /* XSAVEOPT, XGETBV1 kept; XSAVEC, XSAVES, XFD gone */
	assert_int_equal(r.ebx, 0x3c0);
	assert_int_equal(r.ecx, 0);
	assert_int_equal(r.edx, 0);
	r = (struct cpuid_result){ 0xe7, 0x340, 0xa88, 0 };
	cpuid_policy(v, 0xd, 0, &r);
	assert_int_equal(r.eax, 0xe7);        /* subleaf 0: the host's */
}

/* CPUID.(0DH,i): EAX size, ECX[1] 64-byte alignment when compacted. */
static void fake_xsave_leaves(uint32_t leaf, uint32_t sub, uint32_t out[4])
{
	static const uint32_t size[8] = { 0, 0, 256, 40, 16, 64, 512, 1024 };
	static const uint32_t align[8] = { 0, 0, 0, 0, 2, 2, 0, 0 };

	assert_int_equal(leaf, 0xd);
	assert_in_range(sub, 2, 7);
	out[0] = size[sub];
	out[1] = 0;
	out[2] = align[sub];
	out[3] = 0;
}

static void xsave_compacted_size_packs_and_aligns(void **state)
{
	(void)state;
	assert_int_equal(xsave_compacted_size(0x3, fake_xsave_leaves), 576);          /* x87, SSE */
	assert_int_equal(xsave_compacted_size(0x7, fake_xsave_leaves), 832);          /* + AVX */
	/* + 40 bytes (832..872), then a 64-byte aligned 16-byte component: 896..912 */
	assert_int_equal(xsave_compacted_size(0x1f, fake_xsave_leaves), 912);
	/* AVX-512 without MPX: disabled components take no room when compacted */
	assert_int_equal(xsave_compacted_size(0xe7, fake_xsave_leaves), 832 + 64 + 512 + 1024);
}

static int xcr0(uint64_t supported, uint64_t val, const char *reason)
{
	char got[128] = "";
	int rc = xcr0_check(supported, val, got, sizeof(got));

	if (reason)
		assert_non_null(strstr(got, reason));
	return rc;
}

static void xcr0_accepts_what_linux_writes(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0x2ff, 0x07, NULL), 0);       /* x87, SSE, AVX */
	assert_int_equal(xcr0(0x2ff, 0xe7, NULL), 0);       /* + AVX-512 */
	assert_int_equal(xcr0(0x2ff, 0x1f, NULL), 0);       /* + MPX */
	assert_int_equal(xcr0(0x60207, 0x60207, NULL), 0);  /* + AMX */
	assert_int_equal(xcr0(0x3, 0x1, NULL), 0);          /* x87 alone */
}

static void xcr0_refuses_unsupported_component(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0x07, 0xe7, "does not support"), -1);
}

static void xcr0_refuses_x87_clear(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0x07, 0x06, "x87 (bit 0) clear"), -1);
	assert_int_equal(xcr0(0x07, 0x00, "x87"), -1);
}

static void xcr0_refuses_avx_without_sse(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0x07, 0x05, "AVX without SSE"), -1);
}

static void xcr0_refuses_half_mpx(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0x1f, 0x0f, "MPX"), -1);
	assert_int_equal(xcr0(0x1f, 0x17, "MPX"), -1);
}

static void xcr0_refuses_partial_avx512(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0xff, 0x67, "AVX-512"), -1);
	assert_int_equal(xcr0(0xff, 0xe3, "AVX-512"), -1);   /* without AVX */
}

static void xcr0_refuses_half_amx(void **state)
{
	(void)state;
	assert_int_equal(xcr0(0x60007, 0x20007, "AMX"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define I(f) cmocka_unit_test_setup_teardown(f, icr_setup, teardown)
		T(cpuid1_hides_vmx_smx_sets_hypervisor),
		T(cpuid1_from_host_without_vmx),
		T(cpuid_base_signature_and_max),
		T(cpuid_info_leaf),
		T(cpuid_name_1_char),
		T(cpuid_name_16_chars),
		T(cpuid_name_31_chars),
		T(cpuid_unknown_hypervisor_leaves_zeroed),
		T(cpuid_other_leaves_pass_through),
		T(cpuid_15_states_measured_tsc),
		T(cpuid_15_exact_host_values_pass_through),
		T(cpuid_power_and_pmu_leaves_empty),
		T(cpuid_svm_hidden),
		T(cpuid_7_shows_tsc_adjust_and_arch_capabilities),
		T(hc_version),
		T(hc_console_write_valid),
		T(hc_console_write_len0),
		T(hc_console_write_max_len_accepted),
		T(hc_console_write_too_long),
		T(hc_console_write_past_ram_end),
		T(hc_console_write_at_ram_end_exactly),
		T(hc_console_write_gpa_len_overflow),
		T(guest_ptr_len_wraps),
		T(hc_partition_info_contents),
		T(hc_partition_info_too_small),
		T(hc_partition_info_outside),
		T(hc_partition_info_overflow),
		T(hc_exit_with_status),
		T(hc_exit_status_255),
		T(hc_exit_status_256_einval),
		T(hc_exit_flushes_console_and_kicks_others),
		T(hc_exit_after_stop_keeps_stop),
		T(hc_unknown_enosys),
		I(icr_fixed_to_own_cpu_sent),
		I(icr_nmi_to_own_cpu_sent),
		I(icr_fixed_to_foreign_refused),
		I(icr_init_to_foreign_refused),
		I(icr_sipi_to_foreign_refused),
		I(icr_unknown_apic_id_refused),
		I(icr_x2apic_broadcast_id_refused),
		I(icr_all_including_self_is_the_partition),
		I(icr_all_excluding_self_is_the_siblings),
		I(icr_init_all_excluding_self_emulated),
		I(icr_sipi_all_excluding_self_emulated),
		I(icr_init_all_including_self_refused),
		I(icr_logical_own_cluster_sent),
		I(icr_logical_naming_foreign_cpu_refused),
		I(icr_logical_other_cluster_refused),
		I(icr_logical_empty_refused),
		I(icr_self_sent),
		I(icr_self_nmi_refused),
		I(icr_init_to_own_sibling_emulated),
		I(icr_init_deassert_ignored),
		I(icr_init_to_self_refused),
		I(icr_sipi_to_own_sibling_emulated),
		I(icr_lowest_priority_to_one_target_as_fixed),
		I(icr_smi_refused),
		I(xicr_logical_flat_reaches_matching_vcpus),
		I(xicr_logical_ff_stays_in_partition),
		I(xicr_logical_skips_x2apic_mode_vcpu),
		I(xicr_logical_cluster_model),
		I(xicr_logical_init_sipi_to_sibling),
		I(xicr_physical_own_sibling),
		I(xicr_physical_foreign_refused),
		I(xicr_physical_broadcast_refused),
		I(xicr_shorthand_others),
		T(cpuid1_hides_apic_while_disabled),
		T(cpuid_d1_hides_xsavec_xsaves_xfd_and_supervisor_states),
		T(xsave_compacted_size_packs_and_aligns),
		T(xcr0_accepts_what_linux_writes),
		T(xcr0_refuses_unsupported_component),
		T(xcr0_refuses_x87_clear),
		T(xcr0_refuses_avx_without_sse),
		T(xcr0_refuses_half_mpx),
		T(xcr0_refuses_partial_avx512),
		T(xcr0_refuses_half_amx),
#undef T
#undef I
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
