/* SPDX-License-Identifier: MIT */
/*
 * Fake host PCI configuration space for host unit tests: implements
 * septum/pci_hw.h over byte arrays and records every access, so tests can
 * build a machine's functions and assert what reached them.
 *
 * A function's bytes are plain memory (every byte writable) except the BAR
 * registers and the expansion ROM BAR, which behave like hardware: a write
 * stores (value & size mask) | the read-only type bits, so writing all ones
 * reads back the size mask (PCI Local Bus Specification 3.0 §6.2.5.1).
 * Functions that were not added read all ones and ignore writes.
 */
#ifndef SEPTUM_PCI_FAKE_H
#define SEPTUM_PCI_FAKE_H

#include <septum/pci_hw.h>

#define FAKE_PCI_FNS    16
#define FAKE_PCI_LOG    256

struct fake_pci_access {
	pci_bdf_t bdf;
	unsigned reg, size;
	uint32_t val;
};

extern unsigned fake_pci_reads;                    /* pci_hw_read() calls */
extern unsigned fake_pci_nwrites;                  /* pci_hw_write() calls */
extern struct fake_pci_access fake_pci_writes[FAKE_PCI_LOG]; /* the first FAKE_PCI_LOG */

void fake_pci_reset(void);
/* Adds a function with vendor:device, class (base << 8 | sub) and header
 * type; everything else zero. Returns its config bytes (NULL if full). */
uint8_t *fake_pci_add(pci_bdf_t bdf, uint16_t vendor, uint16_t device, uint16_t class, uint8_t header);
/* Gives BAR i a hardware size: flags are the low bits (I/O bit, memory
 * type, prefetchable). A 64-bit memory BAR also sets register i + 1. */
void fake_pci_bar(pci_bdf_t bdf, unsigned i, uint64_t base, uint64_t size, uint32_t flags);
/* Overrides what BAR register i implements (bits that read back after all
 * ones are written, the read-only type bits included). */
void fake_pci_bar_mask(pci_bdf_t bdf, unsigned i, uint32_t mask);
/* An expansion ROM of size bytes at base (enable bit clear). */
void fake_pci_rom(pci_bdf_t bdf, uint32_t base, uint32_t size);
/* Appends a capability with id at off to the end of the list (sets the
 * status bit, the capabilities pointer or the previous next pointer).
 * Returns off. */
unsigned fake_pci_cap(pci_bdf_t bdf, unsigned off, uint8_t id);
/* Raw access to the bytes, not counted, no BAR behaviour. */
uint32_t fake_pci_get(pci_bdf_t bdf, unsigned reg, unsigned size);
void fake_pci_set(pci_bdf_t bdf, unsigned reg, unsigned size, uint32_t val);
/* host_range_used() (septum/partition.h) answers from a short list the
 * test fills: a range of memory or ports and who uses it. Cleared by
 * fake_pci_reset(). */
#define FAKE_USED_MAX   4
void fake_pci_used(bool io, uint64_t base, uint64_t size, const char *who);
/* Function level resets the fake saw (PCIe DevCtl bit 15 or AF control
 * bit 0 written as 1): each clears the command register, the BARs and the
 * MSI enable, as the device's reset would. */
extern unsigned fake_pci_flrs;
/* Forget recorded accesses (keeps the functions). */
void fake_pci_clear_log(void);
/* Number of recorded writes to [reg, reg + size) of bdf. */
unsigned fake_pci_writes_to(pci_bdf_t bdf, unsigned reg, unsigned size);

#endif
