// SPDX-License-Identifier: MIT
/*
 * Platform discovery and power: which CPUs exist (the loader's MP-services
 * list, cross-checked with the ACPI MADT), the I/O APICs and the physical
 * console's receive interrupt, and how to power off (ACPI S5, then the
 * emulators' shutdown ports).
 */
#include <stdio.h>
#include <string.h>
#include <arch/acpi.h>
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/ioapic.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <drivers/uart16550.h>
#include <septum/conout.h>
#include <septum/arch.h>
#include <septum/boot_info.h>
#include <septum/log.h>
#include <septum/why.h>

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

/* ------------------------------------------------- console interrupt */

/* The physical console is COM1, ISA IRQ 4 on PCs. */
#define CONSOLE_ISA_IRQ 4
/* MP Specification 1.4, chapter 5 ("Default Configurations"): the PC's I/O
 * APIC is at 0xFEC00000, ISA IRQ n on its pin n (IRQ 0 aside). */
#define PC_IOAPIC_BASE 0xfec00000u

/* Set once on the boot CPU before any partition runs; read-only afterwards. */
struct console_irq {
	bool ready;
	unsigned ioapic, pin;
	bool active_low, level;
};
static struct console_irq con_irq;

/*
 * The I/O APICs and ISA overrides: from the MADT; without any ACPI tables
 * (OVMF under Bochs has none) the PC default, which ioapic_init() then checks
 * is really there. ACPI tables that are present but unusable are not guessed
 * around. *guessed says which.
 */
static int find_ioapics(struct acpi_ioapic *io, unsigned *nio, struct acpi_irq_override *ovr,
			unsigned *novr, bool *guessed, char *why, size_t whylen)
{
	const struct acpi_sdt_header *madt = NULL;

	*nio = *novr = 0;
	*guessed = !boot->rsdp;
	if (!boot->rsdp) {
		io[0] = (struct acpi_ioapic){ IOAPIC_ID_UNKNOWN, PC_IOAPIC_BASE, 0 };
		*nio = 1;
		return 0;
	}
	if (!have_acpi)
		return why_fail(why, whylen, "ACPI tables unusable");
	if (acpi_find_table(&acpi, "APIC", &madt, why, whylen))
		return -1;
	return acpi_madt_ioapics(madt, io, IOAPIC_MAX, nio, ovr, ACPI_ISA_IRQS, novr, why, whylen);
}

/*
 * Septum owns the I/O APICs: all their entries masked, then COM1's prepared
 * (polarity and trigger from the MADT, still masked) and its receive
 * interrupt armed. Never fatal: without it consoles are polled as before.
 */
static void console_irq_setup(void)
{
	struct acpi_ioapic io[IOAPIC_MAX];
	struct acpi_irq_override ovr[ACPI_ISA_IRQS];
	unsigned nio, novr, idx, pin;
	uint32_t gsi;
	bool low, level, guessed;
	char why[160];

	if (find_ioapics(io, &nio, ovr, &novr, &guessed, why, sizeof(why)) ||
	    ioapic_init(io, nio, why, sizeof(why)))
		goto fail;
	acpi_isa_irq(ovr, novr, CONSOLE_ISA_IRQ, &gsi, &low, &level);
	if (ioapic_find_gsi(gsi, &idx, &pin)) {
		why_fail(why, sizeof(why), "no I/O APIC has GSI %u", gsi);
		goto fail;
	}
	con_irq = (struct console_irq){ .ioapic = idx, .pin = pin, .active_low = low, .level = level };
	ioapic_set_rte(idx, pin, ioapic_rte_masked(low, level));
	uart16550_rx_irq_enable(COM1_PORT);
	con_irq.ready = true;
	pr_info("console: COM1 IRQ %u -> IO-APIC %u pin %u (GSI %u, %s, %s)%s", CONSOLE_ISA_IRQ,
		ioapic_id(idx), pin, gsi, level ? "level" : "edge", low ? "active low" : "active high",
		guessed ? "; no ACPI: the PC's I/O APIC at 0xfec00000" : "");
	return;
fail:
	pr_warn("console input: no IO-APIC route for COM1 (%s); partitions' consoles stay polled", why);
}

bool arch_console_irq_available(void)
{
	return con_irq.ready;
}

int arch_console_irq_route(uint32_t apic_id, uint8_t vector)
{
	if (!con_irq.ready)
		return -1;
	if (!ioapic_route_ok(apic_id, vector)) {
		arch_console_irq_mask();
		return -1;
	}
	ioapic_set_rte(con_irq.ioapic, con_irq.pin,
		       ioapic_rte_fixed(vector, (uint8_t)apic_id, con_irq.active_low, con_irq.level));
	/* A byte that came while the entry was masked left INTR high, and an
	 * edge-triggered input saw its edge go nowhere: re-raise it. */
	uart16550_rx_irq_enable(COM1_PORT);
	return 0;
}

void arch_console_irq_mask(void)
{
	if (con_irq.ready)
		ioapic_set_rte(con_irq.ioapic, con_irq.pin,
			       ioapic_rte_masked(con_irq.active_low, con_irq.level));
}

/* --------------------------------------------------------------- CPUs */

/* x2APIC id layout from CPUID leaf 0x1F where the CPU has it (it adds die
 * and module levels), else leaf 0xB (SDM Vol. 2A, CPUID; Intel recommends
 * 0x1F first), else leaves 1 and 4. Every CPU of a platform reports the same shifts, so the
 * boot CPU's answer decomposes all APIC ids. */
static bool cpuid_topology(struct topo_shifts *s)
{
	static const uint32_t leaves[] = { 0x1f, 0xb };
	uint32_t max = cpuid(0, 0).eax;

	for (unsigned l = 0; l < ARRAY_SIZE(leaves); l++) {
		uint32_t sub[TOPO_MAX_LEVELS][4];
		unsigned n = 0;

		if (max < leaves[l])
			continue;
		while (n < TOPO_MAX_LEVELS) {
			struct cpuid_regs r = cpuid(leaves[l], n);

			sub[n][0] = r.eax; sub[n][1] = r.ebx; sub[n][2] = r.ecx; sub[n][3] = r.edx;
			n++;
			if (((r.ecx >> 8) & 0xff) == TOPO_LEVEL_INVALID)
				break;
		}
		if (topo_shifts_parse(sub, n, s))
			return true;
	}
	/* No usable extended leaf (Bochs' skylake_x answers leaf 0xB with
	 * level type 0): the legacy leaves 1 and 4. */
	if (max < 1)
		return false;
	topo_shifts_legacy(cpuid(1, 0).ebx, cpuid(1, 0).edx, max >= 4 ? cpuid(4, 0).eax : 0, s);
	return true;
}

/*
 * Sets pc's package/core/thread. The CPU's own CPUID decomposition wins; the
 * firmware's (MP services Location) is the fallback, and a disagreement is
 * logged: it would mean one of them misplaces SMT siblings, which the
 * planner relies on to keep a core inside one partition.
 */
static void set_topology(struct percpu *pc, const struct boot_cpu *c, const struct topo_shifts *s)
{
	struct topo_id fw = { c->package, c->core, c->thread };
	bool has_fw = c->flags & BOOT_CPU_LOCATION;

	if (s) {
		pc->topo = topo_decompose(pc->apic_id, s);
		pc->has_topo = true;
		if (has_fw && !topo_equal(fw, pc->topo))
			pr_warn("topology mismatch: CPU %u (APIC id %u): MP services say package %u core %u thread %u, "
				"CPUID says package %u core %u thread %u; using CPUID",
				(unsigned)pc->id, pc->apic_id, fw.package, fw.core, fw.thread,
				pc->topo.package, pc->topo.core, pc->topo.thread);
	} else if (has_fw) {
		pc->topo = fw;
		pc->has_topo = true;
	}
}

bool arch_cpu_topology(cpuid_t cpu, struct topo_id *out)
{
	if (cpu >= ncpus || !percpus[cpu]->has_topo)
		return false;
	*out = percpus[cpu]->topo;
	return true;
}

int cpus_discover(const struct boot_info *bi)
{
	struct acpi_cpu madt[BOOT_MAX_CPUS];
	unsigned nmadt = 0, enabled = 0;
	char why[160], madt_text[32] = "none";
	struct topo_shifts shifts;
	const struct topo_shifts *s = cpuid_topology(&shifts) ? &shifts : NULL;

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
		/* Septum could neither start nor signal it (xAPIC: 8-bit ids). */
		if (lapic_check_id(c->apic_id, why, sizeof(why))) {
			pr_warn("CPU not used: %s", why);
			continue;
		}
		percpus[ncpus] = percpu_alloc(ncpus, c->apic_id);
		set_topology(percpus[ncpus], c, s);
		ncpus++;
	}
	set_topology(percpus[0], &bi->cpus[0], s);
	if (lapic_check_id(percpus[0]->apic_id, why, sizeof(why))) {
		pr_err("CPU 0 (boot CPU): %s: other CPUs could not signal it", why);
		pr_err("halted");
		cpu_halt_forever();
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
	pr_info("CPUs: %u (MP services %u, MADT %s); topology from %s", ncpus, bi->ncpus, madt_text,
		s ? "CPUID" : (bi->cpus[0].flags & BOOT_CPU_LOCATION) ? "MP services" : "nowhere (SMT siblings unknown)");
	for (unsigned i = 0; i < ncpus; i++) {
		const struct topo_id *t = &percpus[i]->topo;

		if (percpus[i]->has_topo)
			pr_info("  CPU %u: APIC id %u%s, package %u core %u thread %u", i, percpus[i]->apic_id,
				i == 0 ? " (boot CPU)" : "", t->package, t->core, t->thread);
		else
			pr_info("  CPU %u: APIC id %u%s", i, percpus[i]->apic_id, i == 0 ? " (boot CPU)" : "");
	}
	/* The MADT is at hand and no partition runs yet. */
	console_irq_setup();
	return 0;
}

void arch_poweroff(void)
{
	struct acpi_s5 s5;
	char why[160];

	conout_flush_sync();            /* the last log lines must leave the machine */
	uart16550_drain(COM1_PORT);
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
