// SPDX-License-Identifier: MIT
/*
 * Fake of the septum/arch.h seam for host tests: the console is a buffer the
 * test reads back, the CPU id and timestamp are whatever the test says, and
 * the functions that never return either longjmp to the test or abort. IPIs
 * and the console interrupt's route are recorded for the test to check.
 */
#include <stdlib.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/partition.h>
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

void fake_arch_reset(void)
{
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
	fake_console_clear();
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
void arch_console_write(const char *s, size_t n)
{
	if (n > FAKE_CONSOLE_MAX - console_len)
		abort();
	memcpy(console + console_len, s, n);
	console_len += n;
	console[console_len] = 0;
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

void vcpu_kick(cpuid_t cpu)
{
	if (fake_kick_count < FAKE_KICKS_MAX)
		fake_kicked[fake_kick_count] = cpu;
	fake_kick_count++;
}

void vcpu_ept_invalidate(struct partition *p)
{
	(void)p;
	fake_ept_invalidations++;
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
