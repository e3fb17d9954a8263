// SPDX-License-Identifier: MIT
/*
 * Host PCI configuration access through configuration mechanism #1 (PCI
 * Local Bus Specification 3.0 §3.2.2.3.2): a dword write to 0xcf8 selects
 * enable | bus | device | function | register, then 1-4 bytes at
 * 0xcfc + (register & 3) are the data. The address latch is one register
 * for the whole machine, so every select+access pair runs under one lock:
 * two CPUs (serving two partitions) must not interleave them.
 *
 * Mechanism #1 reaches the first 256 bytes only; PCIe extended space
 * (ECAM, PCI Express Base Specification §7.2.2) is neither used here nor
 * given to guests.
 */
#include <arch/cpu.h>
#include <septum/pci_hw.h>
#include <septum/spinlock.h>

#define CF8_ADDR   0xcf8u
#define CFC_DATA   0xcfcu
#define CF8_ENABLE BIT(31)

static spinlock_t cf8_lock = SPINLOCK_INIT;

/* arch/cpu.h has the OUT forms and the byte IN; the wider INs live here, the only user. */
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void cf8_select(pci_bdf_t bdf, unsigned reg)
{
	outl(CF8_ADDR, CF8_ENABLE | ((uint32_t)bdf << 8) | (reg & 0xfc));
}

uint32_t pci_hw_read(pci_bdf_t bdf, unsigned reg, unsigned size)
{
	uint16_t port = (uint16_t)(CFC_DATA + (reg & 3));
	uint32_t v;

	if (reg >= PCI_CFG_SIZE || (reg & 3) + size > 4)
		return 0xffffffffu;     /* a caller bug; behave like nothing there */
	spin_lock(&cf8_lock);
	cf8_select(bdf, reg);
	if (size == 1)
		v = inb(port);
	else if (size == 2)
		v = inw(port);
	else
		v = inl(port);
	spin_unlock(&cf8_lock);
	return v;
}

void pci_hw_write(pci_bdf_t bdf, unsigned reg, unsigned size, uint32_t val)
{
	uint16_t port = (uint16_t)(CFC_DATA + (reg & 3));

	if (reg >= PCI_CFG_SIZE || (reg & 3) + size > 4)
		return;
	spin_lock(&cf8_lock);
	cf8_select(bdf, reg);
	if (size == 1)
		outb(port, (uint8_t)val);
	else if (size == 2)
		outw(port, (uint16_t)val);
	else
		outl(port, val);
	spin_unlock(&cf8_lock);
}
