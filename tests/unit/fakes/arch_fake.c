// SPDX-License-Identifier: MIT
/*
 * Fake of the septum/arch.h seam for host tests: the console is a buffer the
 * test reads back, the CPU id and timestamp are whatever the test says, and
 * the functions that never return either longjmp to the test or abort. IPIs
 * and the console interrupt's route are recorded for the test to check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/partition.h>
#include <septum/spinlock.h>
#include <fakes.h>

uint64_t fake_timestamp;
cpuid_t fake_cpu;
unsigned fake_udelay_calls;
uint64_t fake_udelay_total_us;
unsigned fake_halt_calls, fake_poweroff_calls;
jmp_buf *fake_stop_jmp;
unsigned fake_kick_count;
unsigned fake_ept_invalidations;
cpuid_t fake_kicked[FAKE_KICKS_MAX];

unsigned fake_send_ipi_count;
uint32_t fake_send_ipi_apic_id;
uint8_t fake_send_ipi_vector;
unsigned fake_console_irq_route_calls, fake_console_irq_mask_calls;
uint32_t fake_console_irq_apic_id;
uint8_t fake_console_irq_vector;
bool fake_console_irq_masked;
int fake_console_irq_route_rc;
bool fake_console_irq_available;

static char console[FAKE_CONSOLE_MAX + 1];
static size_t console_len;

bool fake_uart_slow;
unsigned fake_uart_fifo;
uint64_t fake_uart_ticks, fake_uart_waited;
void (*fake_console_hook)(void);
unsigned fake_spin_contended;

/* kernel/lib/conout.c's registry, when the program links it. */
extern void conout_reset_all(void) __attribute__((weak));

static void fake_backend_reset(void);

void fake_arch_reset(void)
{
	fake_backend_reset();
	fake_timestamp = 1234;
	fake_cpu = 0;
	fake_udelay_calls = 0;
	fake_udelay_total_us = 0;
	fake_halt_calls = fake_poweroff_calls = 0;
	fake_stop_jmp = NULL;
	fake_kick_count = 0;
	fake_ept_invalidations = 0;
	memset(fake_kicked, 0, sizeof(fake_kicked));
	fake_send_ipi_count = 0;
	fake_send_ipi_apic_id = 0;
	fake_send_ipi_vector = 0;
	fake_console_irq_route_calls = fake_console_irq_mask_calls = 0;
	fake_console_irq_apic_id = 0;
	fake_console_irq_vector = 0;
	fake_console_irq_masked = true;
	fake_console_irq_route_rc = 0;
	fake_console_irq_available = true;
	fake_uart_slow = false;
	fake_uart_fifo = 0;
	fake_uart_ticks = fake_uart_waited = 0;
	fake_console_hook = NULL;
	fake_spin_contended = 0;
	fake_console_clear();
	if (conout_reset_all)
		conout_reset_all();
}

void fake_uart_tick(unsigned n)
{
	fake_uart_ticks += n;
	fake_uart_fifo = n >= fake_uart_fifo ? 0 : fake_uart_fifo - n;
}

/* A single-threaded test that reaches here would spin for ever. */
void spin_contended(spinlock_t *l)
{
	(void)l;
	fake_spin_contended++;
	fprintf(stderr, "spin_contended: this CPU would wait for a lock another holds\n");
	abort();
}

void fake_console_clear(void)
{
	console_len = 0;
	console[0] = 0;
}

const char *fake_console(void) { return console; }
size_t fake_console_len(void) { return console_len; }

unsigned fake_console_count(const char *needle)
{
	size_t n = strlen(needle);
	unsigned count = 0;

	if (!n)
		return 0;
	for (const char *s = strstr(console, needle); s; s = strstr(s + n, needle))
		count++;
	return count;
}

uint64_t arch_timestamp(void) { return fake_timestamp; }
cpuid_t arch_cpu_id(void) { return fake_cpu; }

/* Overflowing the capture is a test bug, not something to truncate quietly. */
static void capture(const char *s, size_t n)
{
	if (n > FAKE_CONSOLE_MAX - console_len)
		abort();
	memcpy(console + console_len, s, n);
	console_len += n;
	console[console_len] = 0;
}

/* Synchronous: on the slow UART the caller waits for the FIFO, one tick per
 * byte, counted in fake_uart_waited. */
void arch_console_write(const char *s, size_t n)
{
	for (size_t i = 0; fake_uart_slow && i < n; i++) {
		while (fake_uart_fifo >= FAKE_UART_FIFO) {
			fake_uart_tick(1);
			fake_uart_waited++;
		}
		fake_uart_fifo++;
	}
	capture(s, n);
	if (fake_console_hook)
		fake_console_hook();
}

/* THRE semantics of a 16550A in FIFO mode: a whole FIFO once it is empty. */
size_t arch_console_room(void)
{
	if (!fake_uart_slow)
		return FAKE_CONSOLE_MAX;
	return fake_uart_fifo ? 0 : FAKE_UART_FIFO;
}

/* What does not fit would be a wait: a bug the test must see. The CR the
 * drain puts before each LF is not captured (the capture is the text). */
void arch_console_put(const char *s, size_t n)
{
	if (fake_uart_slow) {
		if (n > FAKE_UART_FIFO - fake_uart_fifo)
			abort();
		fake_uart_fifo += (unsigned)n;
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r')
			capture(s + i, 1);
	if (fake_console_hook)
		fake_console_hook();
}

void arch_udelay(uint64_t us)
{
	fake_udelay_calls++;
	fake_udelay_total_us += us;
}

static __attribute__((noreturn)) void stop_here(void)
{
	if (fake_stop_jmp)
		longjmp(*fake_stop_jmp, 1);
	abort();
}

void arch_poweroff(void)
{
	fake_poweroff_calls++;
	stop_here();
}

void arch_halt_cpu(void)
{
	fake_halt_calls++;
	stop_here();
}

void arch_cpu_sleep(void) {}

static void fake_vcpu_kick(cpuid_t cpu)
{
	if (fake_kick_count < FAKE_KICKS_MAX)
		fake_kicked[fake_kick_count] = cpu;
	fake_kick_count++;
}

static void fake_s2_invalidate(struct partition *p)
{
	(void)p;
	fake_ept_invalidations++;
}

static const char *fake_exit_name(unsigned slot)
{
	static char name[16];

	snprintf(name, sizeof(name), "slot%u", slot);
	return name;
}

/* The backend the tests run over: kicks and invalidations recorded; exit
 * accessors set by the test (vmx_exit_ops over the fake VMCS, or
 * fake_vendor_ops). */
struct backend fake_backend;
const struct backend *backend = &fake_backend;

static void fake_backend_reset(void)
{
	const struct vendor_ops *exit = fake_backend.exit;

	fake_backend = (struct backend){
		.name = "fake", .vcpu_kick = fake_vcpu_kick, .s2_invalidate = fake_s2_invalidate,
		.exit_name = fake_exit_name, .io_slot = 30, .exit = exit,
	};
	backend = &fake_backend;
}

uint64_t fake_tsc_hz = 2000000000ull;
uint32_t arch_cpu_apic_id(cpuid_t cpu) { return 0x10 + (uint32_t)cpu; }
/* The tests' partitions keep their RAM in a malloc'd buffer at ram_hva. */
void *arch_ram_window(const struct partition *p) { return p->ram_hva; }
uint64_t arch_tsc_hz(void) { return fake_tsc_hz; }

void arch_send_ipi(uint32_t apic_id, uint8_t vector)
{
	fake_send_ipi_count++;
	fake_send_ipi_apic_id = apic_id;
	fake_send_ipi_vector = vector;
}

/* Records the request; a failing route leaves the entry masked, as on hardware. */
int arch_console_irq_route(uint32_t apic_id, uint8_t vector)
{
	fake_console_irq_route_calls++;
	fake_console_irq_apic_id = apic_id;
	fake_console_irq_vector = vector;
	fake_console_irq_masked = fake_console_irq_route_rc != 0;
	return fake_console_irq_route_rc;
}

void arch_console_irq_mask(void)
{
	fake_console_irq_mask_calls++;
	fake_console_irq_masked = true;
}

bool arch_console_irq_available(void) { return fake_console_irq_available; }

/* arch/cpu.h's fault-safe RDMSR: on the host every MSR "faults". */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	(void)msr;
	*val = 0;
	return -1;
}
