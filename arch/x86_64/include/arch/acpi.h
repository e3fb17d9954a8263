/* SPDX-License-Identifier: MIT */
/*
 * ACPI table reader: RSDP, RSDT/XSDT, MADT (CPUs, I/O APICs, interrupt
 * source overrides) and FADT + DSDT (\_S5 for power-off). ACPI
 * Specification 6.x, chapter 5.2 "ACPI System Description Tables"; section
 * numbers are those of ACPI 6.0-6.5 (table numbers change between editions
 * and are not cited).
 *
 * Firmware tables are input, not truth: every length, checksum and entry is
 * checked before use, and a bad table is refused with a one-line reason.
 * Physical memory is reached only through a map callback, so the core passes
 * an identity function and host tests serve tables from buffers.
 *
 * Pure logic: no allocation, no output, no global state.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <septum/types.h>
#include <hw/acpi.h>

#define ACPI_WHY_MAX   128       /* every reason fits in this many bytes with its NUL */
#define ACPI_NOT_FOUND (-2)      /* acpi_find_table(): no table with that signature */

/*
 * Returns a pointer through which len bytes at physical address phys can be
 * read, or NULL if they cannot be mapped.
 */
typedef const void *(*acpi_map_fn)(void *ctx, uint64_t phys, size_t len);

struct acpi {
	acpi_map_fn map;
	void *ctx;
	uint64_t root;                  /* physical address of the XSDT or the RSDT */
	bool xsdt;                      /* root is the XSDT (64-bit entries) */
	uint8_t rsdp_revision;
};

/* One CPU from the MADT. enabled false: online capable, not running yet. */
struct acpi_cpu { uint32_t apic_id; uint32_t uid; bool enabled; };

/* One I/O APIC from the MADT: pins gsi_base.. of the GSI space (how many,
 * only the chip's version register says). */
struct acpi_ioapic { uint8_t id; uint32_t address; uint32_t gsi_base; };

/* One Interrupt Source Override: ISA IRQ source (bus 0) arrives at GSI gsi
 * with ACPI_MPS_INTI_* flags. */
struct acpi_irq_override { uint8_t bus, source; uint32_t gsi; uint16_t flags; };

/* What ACPI power-off (S5) needs: §7.4.2 \_Sx objects, chapter 16 "Waking and
 * Sleeping". */
struct acpi_s5 {
	uint16_t pm1a_cnt;              /* I/O port of PM1a_CNT */
	uint16_t pm1b_cnt;              /* I/O port of PM1b_CNT, 0 if none */
	uint8_t  slp_typa;              /* \_S5 package element 0 */
	uint8_t  slp_typb;              /* \_S5 package element 1 */
};

/* Value to write to PM1x_CNT to enter the sleep state of type slp_typ. */
static inline uint16_t acpi_pm1_cnt_sleep(uint8_t slp_typ)
{
	unsigned typ = ((unsigned)slp_typ << ACPI_PM1_CNT_SLP_TYP_SHIFT) & ACPI_PM1_CNT_SLP_TYP_MASK;

	return (uint16_t)(typ | ACPI_PM1_CNT_SLP_EN);
}

/*
 * Validates the RSDP at physical address rsdp (signature, ACPI 1.0 checksum;
 * for revision >= 2 also length and extended checksum) and the root table
 * it points to: the XSDT when revision >= 2 and XsdtAddress is non-zero,
 * else the RSDT (signature, length, checksum, whole number of entries).
 * Returns 0 with *acpi ready, or -1 with a reason in why.
 */
int acpi_init(struct acpi *acpi, uint64_t rsdp, acpi_map_fn map, void *ctx, char *why,
	      size_t whylen);

/*
 * Finds the first table with signature sig (4 characters, e.g. "APIC") in
 * the root table and validates its header and checksum. *out then covers
 * out->length bytes. Returns 0, ACPI_NOT_FOUND (with a reason) or -1.
 */
int acpi_find_table(const struct acpi *acpi, const char *sig,
		    const struct acpi_sdt_header **out, char *why, size_t whylen);

/*
 * Maps the table at physical address phys (found outside the root table,
 * e.g. the DSDT through the FADT) and validates signature sig (NULL: any),
 * length and checksum. Returns 0 with *out covering out->length bytes, or -1.
 */
int acpi_map_table(const struct acpi *acpi, uint64_t phys, const char *sig,
		   const struct acpi_sdt_header **out, char *why, size_t whylen);

/*
 * Lists the usable CPUs of a validated MADT (Processor Local APIC and
 * Processor Local x2APIC entries; entries with neither Enabled nor Online
 * Capable are ignored, as §5.2.12.2 requires) into cpus[0..*ncpus), in table
 * order. More than cap CPUs, a duplicate APIC id, or any entry that is too
 * short, of length < 2 or running past the table is an error: nothing is
 * ever dropped to fit. Returns 0 or -1 with a reason in why.
 */
int acpi_madt_cpus(const struct acpi_sdt_header *madt, struct acpi_cpu *cpus, unsigned cap,
		   unsigned *ncpus, char *why, size_t whylen);

/*
 * Lists the I/O APICs (io[0..*nio)) and the Interrupt Source Overrides
 * (ovr[0..*novr)) of a validated MADT, in table order. Besides the entry
 * checks of acpi_madt_cpus(), it refuses: more than cap I/O APICs or ovr_cap
 * overrides, an I/O APIC entry shorter than 12 bytes, a duplicate I/O APIC
 * id, an I/O APIC at address 0 or not 16-byte aligned (its registers are at
 * +0x00 and +0x10), an override entry shorter than 10 bytes, one whose bus
 * is not ISA (0) or whose source is not an ISA IRQ (0-15), a second override
 * of the same IRQ, and reserved polarity or trigger flags (10b). Returns 0
 * or -1 with a reason in why; nothing is dropped to fit.
 */
int acpi_madt_ioapics(const struct acpi_sdt_header *madt, struct acpi_ioapic *io, unsigned cap,
		      unsigned *nio, struct acpi_irq_override *ovr, unsigned ovr_cap,
		      unsigned *novr, char *why, size_t whylen);

/*
 * Where ISA IRQ isa_irq arrives, from overrides checked by
 * acpi_madt_ioapics(): its GSI, and whether the input is active low and level
 * triggered. Without an override the IRQ is GSI isa_irq, edge, active high
 * (§5.2.12.5: ISA IRQs are identity-mapped unless overridden); an override
 * field of 00 ("conforms to the bus") also means the ISA default.
 */
void acpi_isa_irq(const struct acpi_irq_override *ovr, unsigned novr, uint8_t isa_irq,
		  uint32_t *gsi, bool *active_low, bool *level);

/* acpi_find_table("APIC") + acpi_madt_cpus(). A missing MADT is an error. */
int acpi_find_cpus(const struct acpi *acpi, struct acpi_cpu *cpus, unsigned cap,
		   unsigned *ncpus, char *why, size_t whylen);

/*
 * Reads the PM1a/PM1b control block I/O ports of a validated FADT (the
 * X_PM1x_CNT_BLK GAS when present, else PM1x_CNT_BLK) into out->pm1a_cnt and
 * out->pm1b_cnt. Hardware-reduced ACPI, a missing PM1a block, or a block not
 * in system I/O space is an error.
 */
int acpi_fadt_pm1(const struct acpi_sdt_header *fadt, struct acpi_s5 *out, char *why,
		  size_t whylen);

/*
 * Finds Name(\_S5, Package(){SLP_TYPa, SLP_TYPb, ...}) in the AML of a
 * validated DSDT and stores the two values in out->slp_typa/slp_typb. Only a
 * Name with a literal package is understood (no Method). Returns 0 or -1.
 */
int acpi_dsdt_s5(const struct acpi_sdt_header *dsdt, struct acpi_s5 *out, char *why,
		 size_t whylen);

/* FADT -> PM1 ports, FADT -> DSDT (X_DSDT preferred) -> \_S5: all of acpi_s5. */
int acpi_find_s5(const struct acpi *acpi, struct acpi_s5 *out, char *why, size_t whylen);

#endif /* ARCH_ACPI_H */
