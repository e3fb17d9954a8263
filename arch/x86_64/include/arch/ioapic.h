/* SPDX-License-Identifier: MIT */
/*
 * The machine's I/O APICs, owned by Septum: partitions never see them.
 * Register layout from the Intel 82093AA I/O APIC datasheet (§3.0, "Register
 * Description"); later chipsets' IOxAPICs keep it. At boot every one is
 * mapped uncached and every redirection entry masked; afterwards Septum
 * programs exactly one entry, the physical console's receive interrupt, to
 * the vector the focused partition chose for its vUART (the policy is in
 * platform.c: arch_console_irq_route() of septum/arch.h).
 *
 * The encoders below are pure, so the host tests check them.
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <septum/types.h>

struct acpi_ioapic;

#define IOAPIC_MAX 16            /* I/O APICs Septum keeps track of */
#define IOAPIC_ID_UNKNOWN 0xff   /* ioapic_init(): take the id from the chip */

/* Memory-mapped registers: an index/data pair (82093AA §3.0). */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN    0x10
#define IOAPIC_MMIO_SIZE 0x20

/* Indirect registers, selected through IOREGSEL. */
#define IOAPIC_REG_ID   0x00     /* bits 27:24 the I/O APIC id */
#define IOAPIC_REG_VER  0x01     /* bits 7:0 version, 23:16 max redirection entry */
#define IOAPIC_REG_RTE(n) (0x10 + 2 * (n))   /* low dword; high dword at +1 */
#define IOAPIC_MAX_PINS 120      /* entries 0-119 fill the 8-bit index space */

#define IOAPIC_VER_VERSION(v)  ((v) & 0xff)
#define IOAPIC_VER_MAX_RTE(v)  (((v) >> 16) & 0xff)
#define IOAPIC_ID_ID(v)        (((v) >> 24) & 0xf)

/* Redirection table entry (82093AA §3.2.4). */
#define IOAPIC_RTE_VECTOR_MASK   0xffull
#define IOAPIC_RTE_DELMODE_MASK  (0x7ull << 8)   /* 000: fixed */
#define IOAPIC_RTE_DESTMODE_LOG  BIT(11)         /* 0: physical */
#define IOAPIC_RTE_DELIVS        BIT(12)         /* read-only */
#define IOAPIC_RTE_ACTIVE_LOW    BIT(13)
#define IOAPIC_RTE_REMOTE_IRR    BIT(14)         /* read-only */
#define IOAPIC_RTE_LEVEL         BIT(15)
#define IOAPIC_RTE_MASKED        BIT(16)
#define IOAPIC_RTE_DEST_SHIFT    56              /* physical mode: APIC id 63:56 */

/* Physical destinations are 8 bits wide: APIC ids above need interrupt
 * remapping, which Septum does not do. */
#define IOAPIC_MAX_DEST 255u
/* Vectors 0-31 are the CPU's exceptions (SDM Vol. 3A §6.2). */
#define IOAPIC_MIN_VECTOR 32u

/*
 * The entry for a fixed, physical-destination interrupt: vector to the CPU
 * with APIC id dest, the input's polarity and trigger mode as ACPI said.
 */
static inline uint64_t ioapic_rte_fixed(uint8_t vector, uint8_t dest, bool active_low, bool level)
{
	return (uint64_t)vector | ((uint64_t)dest << IOAPIC_RTE_DEST_SHIFT) |
	       (active_low ? IOAPIC_RTE_ACTIVE_LOW : 0) | (level ? IOAPIC_RTE_LEVEL : 0);
}

/* A masked entry that keeps the input's polarity and trigger mode (vector 0
 * is never delivered while masked). */
static inline uint64_t ioapic_rte_masked(bool active_low, bool level)
{
	return ioapic_rte_fixed(0, 0, active_low, level) | IOAPIC_RTE_MASKED;
}

/* Can a fixed interrupt be routed to vector on the CPU with APIC id dest? */
static inline bool ioapic_route_ok(uint32_t dest, uint8_t vector)
{
	return dest <= IOAPIC_MAX_DEST && vector >= IOAPIC_MIN_VECTOR;
}

/*
 * Boot CPU, before the APs start: maps each I/O APIC's registers uncached
 * (an entry with id IOAPIC_ID_UNKNOWN gets the one its ID register holds),
 * reads how many inputs it has and masks all of them (firmware may leave
 * some unmasked); every chip that answers is masked, whatever else fails.
 * Returns 0, or -1 with a reason (none or too many, registers not mappable,
 * a chip not answering, overlapping GSI ranges) and no I/O APIC usable.
 */
int ioapic_init(const struct acpi_ioapic *io, unsigned n, char *why, size_t whylen);

/* Which I/O APIC (index in ioapic_init()'s list) and pin receive GSI gsi?
 * Returns 0, or -1 when none does. */
int ioapic_find_gsi(uint32_t gsi, unsigned *ioapic, unsigned *pin);

/* The id the MADT gave I/O APIC index i, and how many inputs it has. */
uint8_t ioapic_id(unsigned i);
unsigned ioapic_pins(unsigned i);

/*
 * Writes redirection entry pin of I/O APIC index i: masked first, then the
 * destination, then the low half as given, so the entry is never live with
 * a half-written destination. Any CPU; serialised on IOREGSEL/IOWIN.
 */
void ioapic_set_rte(unsigned i, unsigned pin, uint64_t rte);

#endif /* ARCH_IOAPIC_H */
