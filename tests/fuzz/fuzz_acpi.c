/* SPDX-License-Identifier: MIT */
/*
 * The host's firmware tables as Septum's core reads them at boot
 * (arch/x86_64/acpi.c): RSDP -> XSDT/RSDT -> MADT (CPUs, I/O APICs,
 * overrides) and FADT -> DSDT -> \_S5. The input is physical memory from
 * FUZZ_BASE on, with the RSDP at its start. Checksums are repaired before
 * the parse (RSDP, root table, every table the root lists), or the fuzzer
 * would spend its time on them: what is tested is everything behind them.
 * Oracles: results within their caps, no duplicate APIC ids, every map
 * request inside the memory given.
 */
#include <string.h>
#include <arch/acpi.h>
#include "fuzz.h"

#define FUZZ_BASE 0xe0000ull
#define CAP       64

struct mem {
	uint8_t *p;
	uint64_t size;
};

static const void *map(void *ctx, uint64_t phys, size_t len)
{
	const struct mem *m = ctx;

	if (phys < FUZZ_BASE || phys - FUZZ_BASE > m->size || len > m->size - (phys - FUZZ_BASE))
		return NULL;
	return m->p + (phys - FUZZ_BASE);
}

static uint8_t *at(const struct mem *m, uint64_t phys, uint64_t len)
{
	return (uint8_t *)map((void *)m, phys, len);
}

/* Sets the checksum byte at p[off] so that p[0..len) sums to 0. */
static void fix_sum(uint8_t *p, size_t len, size_t off)
{
	p[off] = 0;
	p[off] = (uint8_t)-acpi_sum8(p, len);
}

static void fix_table(const struct mem *m, uint64_t phys)
{
	struct acpi_sdt_header *h = (struct acpi_sdt_header *)at(m, phys, sizeof(*h));

	if (h && h->length >= sizeof(*h) && at(m, phys, h->length))
		fix_sum((uint8_t *)h, h->length, offsetof(struct acpi_sdt_header, checksum));
}

static void fix_checksums(const struct mem *m)
{
	struct acpi_rsdp *r = (struct acpi_rsdp *)at(m, FUZZ_BASE, sizeof(*r));
	struct acpi_sdt_header *root;
	uint64_t root_phys;
	unsigned esize;
	uint32_t root_len;

	if (!r)
		return;
	fix_sum((uint8_t *)r, 20, offsetof(struct acpi_rsdp, checksum));
	if (r->revision >= 2 && r->length >= sizeof(*r) && at(m, FUZZ_BASE, r->length))
		fix_sum((uint8_t *)r, r->length, offsetof(struct acpi_rsdp, extended_checksum));
	root_phys = r->revision >= 2 && r->xsdt_address ? r->xsdt_address : r->rsdt_address;
	esize = r->revision >= 2 && r->xsdt_address ? 8 : 4;
	root = (struct acpi_sdt_header *)at(m, root_phys, sizeof(*root));
	if (!root || root->length < sizeof(*root) || !at(m, root_phys, root->length))
		return;
	/* Tables may overlap the root (the input decides): repairing one can
	 * change the root's bytes, so its length is read once. */
	root_len = root->length;
	for (uint64_t off = sizeof(*root); off + esize <= root_len; off += esize) {
		uint64_t t = 0;

		memcpy(&t, (uint8_t *)root + off, esize);
		fix_table(m, t);
		/* The FADT's DSDT (offset 40, X_DSDT at 140) is reached through it. */
		if (at(m, t, 4) && !memcmp(at(m, t, 4), "FACP", 4)) {
			uint32_t dsdt = 0;
			uint64_t xdsdt = 0;

			if (at(m, t + 40, 4))
				memcpy(&dsdt, at(m, t + 40, 4), 4);
			if (at(m, t + 140, 8))
				memcpy(&xdsdt, at(m, t + 140, 8), 8);
			if (dsdt)
				fix_table(m, dsdt);
			if (xdsdt)
				fix_table(m, xdsdt);
			fix_table(m, t);
		}
	}
	fix_table(m, root_phys);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { malloc(size ? size : 1), size };
	struct acpi acpi;
	struct acpi_cpu cpus[CAP];
	struct acpi_ioapic io[8];
	struct acpi_irq_override ovr[16];
	const struct acpi_sdt_header *madt;
	struct acpi_s5 s5;
	unsigned n, nio, novr;
	char why[160];

	if (!m.p)
		return 0;
	memcpy(m.p, data, size);
	fix_checksums(&m);
	why[0] = 0;
	if (acpi_init(&acpi, FUZZ_BASE, map, &m, why, sizeof(why)) != 0) {
		FUZZ_ASSERT(why[0]);
		goto out;
	}
	if (acpi_find_cpus(&acpi, cpus, CAP, &n, why, sizeof(why)) == 0) {
		FUZZ_ASSERT(n <= CAP);
		for (unsigned i = 0; i < n; i++)
			for (unsigned j = 0; j < i; j++)
				FUZZ_ASSERT(cpus[i].apic_id != cpus[j].apic_id);
	}
	if (acpi_find_table(&acpi, "APIC", &madt, why, sizeof(why)) == 0 &&
	    acpi_madt_ioapics(madt, io, 8, &nio, ovr, 16, &novr, why, sizeof(why)) == 0) {
		FUZZ_ASSERT(nio <= 8 && novr <= 16);
		for (unsigned i = 0; i < nio; i++)
			FUZZ_ASSERT(io[i].address != 0 && io[i].address % 16 == 0);
		for (uint8_t irq = 0; irq < 16; irq++) {
			uint32_t gsi;
			bool low, level;

			acpi_isa_irq(ovr, novr, irq, &gsi, &low, &level);
		}
	}
	(void)acpi_find_s5(&acpi, &s5, why, sizeof(why));
out:
	free(m.p);
	return 0;
}
