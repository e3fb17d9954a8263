// SPDX-License-Identifier: MIT
/*
 * A flooding partition through the real exit handlers (vmx/exit.c over the
 * fake VMCS): refused IPIs, INIT signals and mark-port writes by the
 * thousand make Septum log at most the rate limit (septum/log.h), and
 * CONSOLE_WRITE hypercalls of 4096 newlines never make another partition's
 * exit wait, for a lock or for the wire (docs/security.md, "Shared
 * services: the console and the log").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <septum/abi.h>
#include <septum/conout.h>
#include <septum/log.h>
#include <septum/msr_policy.h>
#include <septum/policy.h>
#include <septum/xapic.h>
#include <vmx/exit.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>
#include <fakes.h>

#define RAM_SIZE  (1ull << 20)
#define CPU       1u                 /* the flooder's CPU */
#define BEAT_CPU  2u                 /* the neighbour's */
#define AR_SS_DPL0 0xc093u
#define AR_CS_64   0xa09bu

static struct partition *p, *beat;
static struct vcpu *v;
static struct guest_regs r;

static int setup(void **state)
{
	(void)state;
	vmcs_fake_reset();
	fake_arch_reset();
	fake_backend.exit = &vmx_exit_ops;
	fake_backend.exit_name = vmx_exit_name;
	fake_hw_reset();
	p = calloc(1, sizeof(*p));
	beat = calloc(1, sizeof(*beat));
	v = calloc(1, sizeof(*v));
	if (!p || !beat || !v)
		return -1;
	p->ram_hva = calloc(1, RAM_SIZE);
	v->arch = calloc(1, sizeof(struct vmx_vcpu));
	if (!v->arch)
		return -1;
	vmx_of(v)->msr_bitmap = calloc(1, MSR_BITMAP_SIZE);
	if (!p->ram_hva || !vmx_of(v)->msr_bitmap)
		return -1;
	p->name = "flood";
	p->cpus = BIT(CPU);
	p->ram_size = RAM_SIZE;
	p->nvcpus = 1;
	p->vcpu[0] = v;
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++)
		p->cpu_apic_id[c] = c == CPU ? fake_apic_id[c] : 0xffffffffu;
	v->part = p;
	v->cpu = CPU;
	v->apic_base = 0xfee00000ull | BIT(11) | BIT(10) | BIT(8);
	msr_bitmap_build(vmx_of(v)->msr_bitmap, true);
	xapic_reset(&v->xapic);
	v->xcr0 = 1;
	fake_cpu = CPU;
	vuart_init(&p->uart, p->name);
	beat->name = "beat";
	vuart_init(&beat->uart, beat->name);
	atomic_store(&p->state, PART_RUNNING);
	memset(&r, 0, sizeof(r));
	vmcs_fake_set(GUEST_RIP, 0x100000);
	vmcs_fake_set(GUEST_CS_AR, AR_CS_64);
	vmcs_fake_set(GUEST_SS_AR, AR_SS_DPL0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(p->ram_hva);
	free(vmx_of(v)->msr_bitmap);
	free(v->arch);
	free(p);
	free(beat);
	free(v);
	return 0;
}

static bool do_exit(uint32_t reason, uint64_t qual, unsigned len)
{
	vmcs_fake_set(VM_EXIT_REASON, reason);
	vmcs_fake_set(EXIT_QUALIFICATION, qual);
	vmcs_fake_set(VM_EXIT_INSTRUCTION_LEN, len);
	return vmx_exit_dispatch(v, &r);
}

/* SDM Vol. 3C Table 28-5: size - 1, direction, string, port. */
static uint64_t io_out_qual(uint16_t port)
{
	return (uint64_t)port << 16;
}

static void refused_ipi(void)
{
	r.rcx = 0x830;
	r.rdx = fake_apic_id[BEAT_CPU];
	r.rax = 0x4040;                          /* fixed, vector 0x40 */
	assert_true(do_exit(EXIT_WRMSR, 0, 2));
}

/* 1000 refused IPIs: the burst goes out, the rest is counted; a second
 * later one more line, after the count. */
static void refused_ipi_flood_rate_limited(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++)
		refused_ipi();
	assert_int_equal(fake_ipi_count, 0);
	assert_int_equal(fake_console_count("partition flood: refused IPI (fixed)"), LOG_GUEST_BURST);
	fake_timestamp += fake_tsc_hz / LOG_GUEST_PER_S;
	refused_ipi();
	assert_int_equal(fake_console_count("partition flood: refused IPI (fixed)"), LOG_GUEST_BURST + 1);
	assert_int_equal(fake_console_count("partition flood: suppressed 990 log lines"), 1);
}

static void mark_port_and_init_flood_share_the_limit(void **state)
{
	(void)state;
	for (int i = 0; i < 500; i++) {
		r.rax = (uint64_t)i;
		assert_true(do_exit(EXIT_IO, io_out_qual(SEPTUM_MARK_PORT), 1));
		assert_true(do_exit(EXIT_INIT, 0, 0));
	}
	assert_int_equal(fake_console_count("partition flood: mark ") +
			 fake_console_count("partition flood: INIT signal"), LOG_GUEST_BURST);
	assert_int_equal(p->uart.limit.suppressed, 1000 - LOG_GUEST_BURST);
}

/* The neighbour's exit, run in the middle of the flooder's console write:
 * its own UART line and a Septum log line, neither waiting. */
static unsigned beat_runs;

static void beat_exit_meanwhile(void)
{
	uint64_t waited = fake_uart_waited;

	if (fake_cpu != CPU || beat_runs == 20)
		return;
	fake_cpu = BEAT_CPU;
	beat_runs++;
	for (const char *s = "beat\n"; *s; s++)
		vuart_write(&beat->uart, 0, (uint8_t)*s);
	pr_info("septum meanwhile %u", beat_runs);
	assert_int_equal(fake_uart_waited, waited);
	fake_cpu = CPU;
}

static void newline_hypercall_flood_never_stalls_neighbour(void **state)
{
	(void)state;
	memset(p->ram_hva + 0x1000, '\n', SEPTUM_CONSOLE_MAX);
	fake_uart_slow = true;
	fake_console_hook = beat_exit_meanwhile;
	for (int i = 0; i < 10; i++) {
		r.rax = SEPTUM_HC_CONSOLE_WRITE;
		r.rdi = 0x1000;
		r.rsi = SEPTUM_CONSOLE_MAX;
		assert_true(do_exit(EXIT_VMCALL, 0, 3));
		assert_int_equal(r.rax, SEPTUM_CONSOLE_MAX);
		fake_uart_tick(FAKE_UART_FIFO);
	}
	while (beat_runs < 20) {
		fake_uart_tick(FAKE_UART_FIFO);
		conout_drain();
	}
	fake_console_hook = NULL;
	assert_int_equal(fake_uart_waited, 0);
	for (int i = 0; i < 100000 && (conout_pending(&p->uart.out) || conout_pending(&beat->uart.out) ||
				      conout_pending(conout_septum())); i++) {
		fake_uart_tick(FAKE_UART_FIFO);
		conout_drain();
	}
	assert_int_equal(fake_uart_waited, 0);
	assert_int_equal(fake_console_count("[beat] beat\n"), 20);
	assert_int_equal(fake_console_count("septum meanwhile"), 20);
	assert_true(fake_console_count("[flood] ... ") >= 1);
	assert_true(p->uart.out.dropped_total >= 10ull * SEPTUM_CONSOLE_MAX * 8 - 2 * CONOUT_PART_SIZE);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(refused_ipi_flood_rate_limited),
		T(mark_port_and_init_flood_share_the_limit),
		T(newline_hypercall_flood_never_stalls_neighbour),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
