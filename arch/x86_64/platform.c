// SPDX-License-Identifier: MIT
/*
 * Platform discovery and power: which CPUs exist (the loader's MP-services
 * list, cross-checked with the ACPI MADT) and how to power off (ACPI S5,
 * then the emulators' shutdown ports).
 */
#include <stdio.h>
#include <string.h>
#include <arch/acpi.h>
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <drivers/uart16550.h>
#include <septum/arch.h>
#include <septum/boot_info.h>
#include <septum/log.h>

struct percpu *percpu_alloc(cpuid_t id, uint32_t apic_id);

static const struct boot_info *boot;
static struct acpi acpi;
static bool have_acpi;

/* ACPI tables are reached through Septum's identity map; refuse anything
 * the map does not cover rather than fault. */
static const void *acpi_map(void *ctx, uint64_t phys, size_t len)
{
	(void)ctx;
	if (phys + len < phys)
		return NULL;
	if (phys + len <= 0x100000)
		return (const void *)(uintptr_t)phys;
	for (uint32_t i = 0; i < boot->nmem; i++) {
		const struct boot_mem_region *r = &boot->mem[i];

		if (phys >= r->base && phys + len <= r->base + r->size)
			return (const void *)(uintptr_t)phys;
	}
	return NULL;
}

int cpus_discover(const struct boot_info *bi)
{
	struct acpi_cpu madt[BOOT_MAX_CPUS];
	unsigned nmadt = 0, enabled = 0;
	char why[160], madt_text[32] = "none";

	boot = bi;
	if (bi->rsdp && acpi_init(&acpi, bi->rsdp, acpi_map, NULL, why, sizeof(why)) == 0) {
		have_acpi = true;
		if (acpi_find_cpus(&acpi, madt, BOOT_MAX_CPUS, &nmadt, why, sizeof(why)) == 0) {
			for (unsigned i = 0; i < nmadt; i++)
				enabled += madt[i].enabled;
			snprintf(madt_text, sizeof(madt_text), "%u", enabled);
		} else {
			pr_warn("ACPI MADT unusable: %s", why);
		}
	} else if (bi->rsdp) {
		pr_warn("ACPI RSDP at 0x%llx unusable: %s", (unsigned long long)bi->rsdp, why);
	}

	for (uint32_t i = 1; i < bi->ncpus; i++) {
		const struct boot_cpu *c = &bi->cpus[i];

		if (!(c->flags & BOOT_CPU_ENABLED)) {
			pr_warn("CPU with APIC id %u is disabled or unhealthy (MP services): not used", c->apic_id);
			continue;
		}
		percpus[ncpus] = percpu_alloc(ncpus, c->apic_id);
		ncpus++;
	}
	/* Cross-check: every CPU we will start must be an enabled MADT CPU. */
	if (enabled) {
		for (unsigned i = 0; i < ncpus; i++) {
			bool found = false;

			for (unsigned m = 0; m < nmadt; m++)
				found |= madt[m].enabled && madt[m].apic_id == percpus[i]->apic_id;
			if (!found)
				pr_warn("CPU %u (APIC id %u) is not an enabled CPU in the MADT", i, percpus[i]->apic_id);
		}
		if (enabled != ncpus)
			pr_warn("MP services report %u usable CPUs, the MADT %u", ncpus, enabled);
	}
	pr_info("CPUs: %u (MP services %u, MADT %s)", ncpus, bi->ncpus, madt_text);
	for (unsigned i = 0; i < ncpus; i++)
		pr_info("  CPU %u: APIC id %u%s", i, percpus[i]->apic_id, i == 0 ? " (boot CPU)" : "");
	return 0;
}

void arch_poweroff(void)
{
	struct acpi_s5 s5;
	char why[160];

	uart16550_drain(COM1_PORT);     /* the last log line must leave the machine */
	if (have_acpi && acpi_find_s5(&acpi, &s5, why, sizeof(why)) == 0) {
		outw(s5.pm1a_cnt, acpi_pm1_cnt_sleep(s5.slp_typa));
		if (s5.pm1b_cnt)
			outw(s5.pm1b_cnt, acpi_pm1_cnt_sleep(s5.slp_typb));
		arch_udelay(100000);
	} else if (have_acpi) {
		pr_warn("ACPI power-off unavailable: %s", why);
	}
	/* Emulators: Bochs' shutdown port, then QEMU's isa-debug-exit (status 0
	 * -> exit code 1). Harmless on real hardware, where these ports are free. */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	outl(0xf4, 0);
	pr_err("power-off did not happen: halting");
	cpu_halt_forever();
}
