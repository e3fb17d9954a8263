// SPDX-License-Identifier: MIT
/*
 * I/O APIC driver: discovery from the MADT's list, masking, and writing
 * redirection entries. Contract in arch/ioapic.h; registers from the Intel
 * 82093AA datasheet §3.0.
 *
 * Every register is reached through the IOREGSEL/IOWIN pair, so a select and
 * the access that follows must not interleave with another CPU's: one lock
 * for all I/O APICs (the accesses are rare, a lock per chip buys nothing).
 */
#include <arch/acpi.h>
#include <arch/ioapic.h>
#include <arch/paging.h>
#include <septum/log.h>
#include <septum/spinlock.h>
#include <septum/why.h>

struct ioapic {
	uint8_t id;                     /* from the MADT, or its ID register */
	uint64_t base;                  /* physical = virtual: Septum's identity map */
	uint32_t gsi_base;
	unsigned pins;                  /* max redirection entry + 1 */
};

static struct ioapic ioapics[IOAPIC_MAX];
static unsigned nioapics;
static spinlock_t ioapic_lock = SPINLOCK_INIT;

/* The registers are 32 bits wide and must be accessed as such (82093AA
 * §3.0): volatile dword accesses, never merged or split by the compiler. */
static volatile uint32_t *reg(const struct ioapic *a, unsigned off)
{
	return (volatile uint32_t *)(uintptr_t)(a->base + off);
}

static uint32_t read_locked(const struct ioapic *a, uint8_t index)
{
	*reg(a, IOAPIC_IOREGSEL) = index;
	return *reg(a, IOAPIC_IOWIN);
}

static void write_locked(const struct ioapic *a, uint8_t index, uint32_t v)
{
	*reg(a, IOAPIC_IOREGSEL) = index;
	*reg(a, IOAPIC_IOWIN) = v;
}

/*
 * Masked first, then the destination (high dword), then the low dword as
 * wanted: the entry is never unmasked with a stale destination. Writes to
 * the read-only bits (delivery status, remote IRR) are ignored by the chip.
 */
static void set_rte_locked(const struct ioapic *a, unsigned pin, uint64_t rte)
{
	uint8_t lo = (uint8_t)IOAPIC_REG_RTE(pin);

	write_locked(a, lo, (uint32_t)(rte | IOAPIC_RTE_MASKED));
	write_locked(a, (uint8_t)(lo + 1), (uint32_t)(rte >> 32));
	write_locked(a, lo, (uint32_t)rte);
}

/* Reads the version register; a missing chip floats the bus to all ones. */
static int probe(struct ioapic *a, char *why, size_t whylen)
{
	uint32_t ver;

	if (paging_map_mmio(a->base, IOAPIC_MMIO_SIZE))
		return why_fail(why, whylen, "I/O APIC at 0x%lx: that address is mapped as memory",
				(unsigned long)a->base);
	spin_lock(&ioapic_lock);
	ver = read_locked(a, IOAPIC_REG_VER);
	spin_unlock(&ioapic_lock);
	/* The 82093AA reports version 0x11, chipset IOxAPICs 0x20; all ones is
	 * a bus with no device on it, and below 0x10 no I/O APIC Septum knows. */
	if (ver == 0xffffffffu || IOAPIC_VER_VERSION(ver) < 0x10)
		return why_fail(why, whylen, "no I/O APIC answers at 0x%lx (version register 0x%x)",
				(unsigned long)a->base, ver);
	a->pins = IOAPIC_VER_MAX_RTE(ver) + 1;
	/* Register indexes are 8 bits: entries 0-119 are all there can be. */
	if (a->pins > IOAPIC_MAX_PINS)
		return why_fail(why, whylen, "I/O APIC at 0x%lx reports %u inputs, more than %u",
				(unsigned long)a->base, a->pins, IOAPIC_MAX_PINS);
	if (a->id == IOAPIC_ID_UNKNOWN) {
		spin_lock(&ioapic_lock);
		a->id = (uint8_t)IOAPIC_ID_ID(read_locked(a, IOAPIC_REG_ID));
		spin_unlock(&ioapic_lock);
	}
	return 0;
}

static bool covers(const struct ioapic *a, uint32_t gsi)
{
	return gsi >= a->gsi_base && gsi - a->gsi_base < a->pins;
}

/* Two I/O APICs claiming one GSI would make the route ambiguous. */
static int check_overlap(char *why, size_t whylen)
{
	for (unsigned i = 0; i < nioapics; i++)
		for (unsigned j = i + 1; j < nioapics; j++)
			if (covers(&ioapics[i], ioapics[j].gsi_base) ||
			    covers(&ioapics[j], ioapics[i].gsi_base))
				return why_fail(why, whylen, "I/O APICs %u and %u share GSIs",
						ioapics[i].id, ioapics[j].id);
	return 0;
}

/* Only the mask bit changes: flipping the polarity of a live input, even a
 * masked one, is a transition the chip might take for an edge. */
static void mask_all(const struct ioapic *a)
{
	spin_lock(&ioapic_lock);
	for (unsigned pin = 0; pin < a->pins; pin++) {
		uint8_t lo = (uint8_t)IOAPIC_REG_RTE(pin);

		write_locked(a, lo, (uint32_t)(read_locked(a, lo) | IOAPIC_RTE_MASKED));
	}
	spin_unlock(&ioapic_lock);
}

int ioapic_init(const struct acpi_ioapic *io, unsigned n, char *why, size_t whylen)
{
	int rc = 0;

	nioapics = 0;
	if (n == 0)
		return why_fail(why, whylen, "no I/O APIC");
	if (n > IOAPIC_MAX)
		return why_fail(why, whylen, "%u I/O APICs, Septum handles %u", n, IOAPIC_MAX);
	/* Septum owns the I/O APICs: nothing the firmware left armed may
	 * reach a partition's CPU, so every chip that answers is masked even
	 * when another one makes the whole list unusable. The first reason
	 * is the one reported. */
	for (unsigned i = 0; i < n; i++) {
		struct ioapic *a = &ioapics[i];

		*a = (struct ioapic){ .id = io[i].id, .base = io[i].address, .gsi_base = io[i].gsi_base };
		if (probe(a, rc ? NULL : why, whylen))
			rc = -1;
		else
			mask_all(a);
	}
	nioapics = n;
	if (!rc)
		rc = check_overlap(why, whylen);
	if (rc)
		nioapics = 0;
	return rc;
}

int ioapic_find_gsi(uint32_t gsi, unsigned *ioapic, unsigned *pin)
{
	for (unsigned i = 0; i < nioapics; i++) {
		if (covers(&ioapics[i], gsi)) {
			*ioapic = i;
			*pin = gsi - ioapics[i].gsi_base;
			return 0;
		}
	}
	return -1;
}

uint8_t ioapic_id(unsigned i) { return i < nioapics ? ioapics[i].id : 0xff; }
unsigned ioapic_pins(unsigned i) { return i < nioapics ? ioapics[i].pins : 0; }

void ioapic_set_rte(unsigned i, unsigned pin, uint64_t rte)
{
	if (i >= nioapics || pin >= ioapics[i].pins)
		hv_panic("I/O APIC index %u pin %u does not exist", i, pin);
	spin_lock(&ioapic_lock);
	set_rte_locked(&ioapics[i], pin, rte);
	spin_unlock(&ioapic_lock);
}
