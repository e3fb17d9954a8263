/* SPDX-License-Identifier: MIT */
/*
 * Virtual PCI configuration space (configuration mechanism #1, ports
 * 0xcf8-0xcff, PCI Local Bus Specification 3.0 §3.2.2.3.2). A partition
 * sees only what is assigned to it; everything else reads as absent.
 *
 * What the partition sees (docs/pci.md has the whole story):
 *   00:00.0  a virtual host bridge, read-only (vendor 8086, class 06/00);
 *   each function of its `pci =` list, at its real bus/device/function,
 *            its configuration space deny by default: a rule per byte
 *            (pass, read-only, emulated, hidden, device-specific), the
 *            BARs in the EPT only while the function decodes them;
 *   00:dd.0  a guest OS's vUART as a PCI serial function with MSI (below),
 *            dd the highest device number its `pci =` list leaves free;
 *   nothing else: reads all ones, writes are dropped.
 *
 * The serial function. The partition has no interrupt controller but its
 * local APIC, so the only way its UART can interrupt is by message. The
 * function shows the vUART (I/O BAR 0 fixed at 0x3f8, the same 8 ports as
 * the legacy COM1) with an MSI capability, under the ids of a MosChip
 * (NetMos) 9900 single-port serial function, subsystem a000:1000, class
 * 07/00/02: Linux's 8250_pci binds that id with MSI (its pci_use_msi
 * list), so ttyS0 becomes interrupt-driven and the guest stops polling.
 * Septum sends the MSI itself (septum/vuart.h): only while MSI and bus
 * mastering are enabled and the message names one of the partition's own
 * CPUs (physical destination, or a logical one naming exactly one vCPU in
 * xAPIC mode; fixed or lowest-priority delivery; vector 16-255); any other message is kept but never sent, and logged (address
 * 0, a cleared message, silently). The
 * function exists only in partitions that run a guest OS, and only when
 * console input can reach it by interrupt (arch_console_irq_available()):
 * otherwise an interrupt-driven guest would never look at its receiver.
 */
#ifndef SEPTUM_VPCI_H
#define SEPTUM_VPCI_H

#include <septum/config.h>
#include <septum/pci_hw.h>
#include <septum/spinlock.h>
#include <septum/types.h>

#define VPCI_ADDR_PORT 0xcf8u
#define VPCI_DATA_PORT 0xcfcu     /* 0xcfc-0xcff */

/* The virtual host bridge at 00:00.0. 8086:1237 is the i440FX host bridge
 * every PC emulator shows; guests need no driver for it. */
#define VPCI_HOST_VENDOR 0x8086u
#define VPCI_HOST_DEVICE 0x1237u
#define VPCI_HOST_REV    0x02u

#define VPCI_MAX_DEVS    CFG_MAX_PCI
#define VPCI_MAX_CAPS    48       /* (256 - 64) / 4: the most a list can hold */
#define VPCI_LOG_REFUSALS 8       /* refusals logged per device; the rest only counted */
#define VPCI_FLR_WAIT_US  100000u /* after an FLR, no request for 100 ms (PCIe Base 4.0 §6.6.2) */
#define VPCI_D3_WAIT_US   10000u  /* D3hot -> D0 recovery, 10 ms (PCI PM 1.2 §5.6.1, Table 5-6) */

struct partition;

/* BAR register kinds (one per 32-bit BAR register). */
enum vpci_bar_kind {
	VPCI_BAR_NONE = 0,            /* not implemented: reads 0 */
	VPCI_BAR_MEM32,
	VPCI_BAR_MEM64_LO,            /* low half of a 64-bit BAR ... */
	VPCI_BAR_MEM64_HI,            /* ... and the register after it */
	VPCI_BAR_IO,                  /* I/O ports, passed through by the I/O bitmaps */
};

struct vpci_bar {
	enum vpci_bar_kind kind;
	uint32_t orig;                /* the register as firmware left it */
	uint32_t mask;                /* what it reads after all ones were written */
	bool sizing;                  /* the guest wrote all ones: reads return mask */
};

/* One capability of the real list. */
struct vpci_cap {
	uint8_t off, len, id;
	uint8_t next;                 /* virtual next pointer (visible caps only) */
	bool hidden;
};

/* Device-specific configuration registers a driver must write, allowed
 * per vendor:device (kernel/dev/vpci.c, docs/pci.md): [off, off + len). */
struct vpci_quirk {
	uint16_t vendor, device;
	uint8_t off, len;
	const char *what;
};

/* An assigned function. */
struct vpci_dev {
	pci_bdf_t bdf;
	uint16_t vendor, device;
	struct vpci_bar bar[PCI_NUM_BARS];
	uint64_t bar_base[PCI_NUM_BARS];  /* decoded base/size, at the low register (I/O: ports) */
	uint64_t bar_size[PCI_NUM_BARS];
	unsigned ncaps;
	struct vpci_cap cap[VPCI_MAX_CAPS];
	uint8_t cap_ptr;              /* first visible capability, 0 if none */
	uint8_t msi;                  /* offset of the MSI capability, 0 if none */
	bool msi64;                   /* it has the upper address register */
	uint8_t pm;                   /* power management capability, 0 if none */
	uint8_t exp;                  /* PCI Express capability, 0 if none */
	uint8_t af;                   /* advanced features capability, 0 if none */
	bool flr;                     /* function level reset (PCIe DevCap bit 28 or AF) */
	bool mapped;                  /* memory BARs are in the partition's EPT now */
	bool mem_on;                  /* memory space enable as last written (guest, reset) */
	bool devspec_logged;          /* a device-specific write was refused and logged */
	uint16_t cmd0;                /* command register as firmware left it */
	unsigned refusals;            /* guest writes refused so far */
};

/* The serial function's identity (Linux: PCI_VENDOR_ID_NETMOS,
 * PCI_DEVICE_ID_NETMOS_9900; subsystem a000:1000 = one serial port). */
#define VPCI_UART_VENDOR     0x9710u
#define VPCI_UART_DEVICE     0x9900u
#define VPCI_UART_SUBVENDOR  0xa000u
#define VPCI_UART_SUBDEVICE  0x1000u
#define VPCI_UART_CLASS      0x070002u  /* serial controller, 16550-compatible (PCI Code and ID §D.8) */
#define VPCI_UART_MSI_CAP    0x40u      /* MSI capability, 32-bit message, one vector */

/* The serial function's registers that the guest can change. */
struct vpci_uart {
	bool present;
	pci_bdf_t bdf;
	uint16_t command;             /* I/O, memory, bus master, INTx disable */
	uint8_t cache_line, latency, int_line;
	bool bar_sizing;
	uint16_t msi_ctrl;            /* only the enable bit */
	uint32_t msi_addr;
	uint16_t msi_data;
	unsigned refusals;            /* messages not sent, logged up to VPCI_LOG_REFUSALS */
};

/* Per-partition state, embedded in struct partition. */
struct vpci_state {
	spinlock_t lock;              /* the partition's vCPUs and its end (vpci_end) */
	bool ended;                   /* vpci_end() ran: the devices take no more guest writes */
	unsigned flrs;                /* function level resets issued (for tests and the log) */
	uint32_t addr;                /* last value written to 0xcf8 */
	unsigned ndevs;
	struct vpci_dev dev[VPCI_MAX_DEVS];
	struct vpci_uart uart;
};

/*
 * Opens the ports of p's assigned I/O BARs in a VMX I/O bitmap pair (A:
 * ports 0-0x7fff, B: 0x8000-0xffff, SDM Vol. 3C §25.6.4; a clear bit lets
 * the access through without an exit). Every other bit is left as it is.
 */
void vpci_io_bitmap_open(const struct partition *p, uint8_t *bitmap_a, uint8_t *bitmap_b);

static inline bool vpci_port(uint16_t port)
{
	return port >= VPCI_ADDR_PORT && port < VPCI_DATA_PORT + 4;
}

/*
 * Sets up p's view from p->cfg's pci = list (at start-up, after its EPT
 * exists): checks every listed function on the host, then maps its memory
 * BARs into the partition's second-level tables (backend->s2_map_mmio) at GPA == HPA (uncached, read/write) while the function
 * decodes memory, turns MSI and MSI-X off on it, and logs the DMA warning.
 * Refuses, naming the function and the rule (docs/pci.md, "Refusals"):
 * any assignment without p->cfg->dma_unconfined (no IOMMU confines DMA);
 * one that does not exist; 00:00.0 (the virtual host bridge's place); a
 * bridge of any kind (class 06, header type 1 or 2), an interrupt, DMA,
 * timer or RTC controller (08/00-03), an IOMMU (08/06), an SMBus
 * controller (0c/05); a BAR that is unassigned, smaller than a page, over
 * the partition's RAM, over the I/O APIC, HPET or local APIC/MSI windows,
 * over Septum's memory, RAM or another partition's BAR (host_range_used()),
 * over another mapping, beyond the guest-physical space; an I/O BAR over
 * the ports Septum emulates; a malformed capability list. Nothing is
 * written to a device or mapped unless every function passes. Returns 0,
 * or -1 with a reason.
 */
int vpci_init(struct partition *p, char *why, size_t whylen);
/*
 * Quiets p's assigned functions for a restart (before its RAM is reloaded:
 * a device still doing DMA would write into the new images): BARs out of
 * the EPT, bus mastering, decoding and MSI/MSI-X off, an FLR where the
 * function has one and 100 ms of waiting on the calling CPU (one of p's),
 * then BARs and decoding as firmware left them (minus bus mastering); the
 * 0xcf8 latch and BAR sizing state cleared. Call with none of p's vCPUs in
 * guest mode. Refusal counts are kept.
 */
void vpci_reset(struct partition *p);
/*
 * p ended (stopped, crashed, exited): its functions stop as in
 * vpci_reset() (FLR started, not waited for: nothing touches them again)
 * and take no more guest writes. Any CPU, once; p's vCPUs may still be in
 * guest mode.
 */
void vpci_end(struct partition *p);
/* A guest IN of size bytes (1, 2, 4) from port (vpci_port() true). */
uint32_t vpci_in(struct partition *p, uint16_t port, unsigned size);
/* A guest OUT. */
void vpci_out(struct partition *p, uint16_t port, unsigned size, uint32_t val);

#endif
