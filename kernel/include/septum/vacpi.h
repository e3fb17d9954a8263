/* SPDX-License-Identifier: MIT */
/*
 * vACPI: the ACPI tables one partition sees, synthesised into a buffer that
 * will be that partition's RAM. ACPI Specification 6.0 (Errata A) layouts,
 * section numbers as in arch/acpi.h (whose structs this builder fills).
 *
 * What is built (docs/vacpi.md says why):
 *   RSDP (revision 2) -> XSDT -> { FADT, MADT }, FADT -> DSDT.
 *   - FADT revision 6: HW_REDUCED_ACPI (no 8259, PIT, PM1 event/control
 *     blocks, GPEs, SCI or FACS), reset through RESET_REG and S5 power-off
 *     through SLEEP_CONTROL_REG/SLEEP_STATUS_REG, all in system I/O space
 *     at the fixed ports below, which the hypervisor traps.
 *   - MADT: PCAT_COMPAT clear, one Processor Local x2APIC structure per
 *     vCPU, Enabled, in the order given (the first is the BSP).
 *   - DSDT: Name(\_S5, Package(4){SLP_TYP, SLP_TYP, 0, 0}), the
 *     partition's vUART as \_SB.COM1: _HID PNP0501, _UID 1, _CRS with the
 *     I/O ports VACPI_COM1_PORT..+7 and no IRQ (Linux then polls it), and
 *     a PCI root bridge \_SB.PCI0: _HID PNP0A03, _SEG 0, _BBN 0, _UID 0,
 *     _CRS with buses 0-255, the configuration ports 0xcf8-0xcff, an I/O
 *     window over the vUART's ports (vPCI's serial function decodes them
 *     with its BAR 0), the I/O window and the memory windows below (no
 *     _PRT: no INTx routes). Every partition gets it: every partition has
 *     vPCI's host bridge at 00:00.0.
 *
 * Pure logic: no allocation, no output, no global state; the buffer is
 * written, never read back.
 */
#ifndef SEPTUM_VACPI_H
#define SEPTUM_VACPI_H

#include <septum/types.h>

#define VACPI_MAX_CPUS   64        /* more vCPUs are refused */
#define VACPI_BUF_MAX    4096      /* the tables never need more than this */
#define VACPI_ALIGN      16        /* gpa_base and every table are aligned to this */
#define VACPI_WHY_MAX    128       /* every reason fits in this many bytes with its NUL */

/*
 * Guest-visible I/O ports the hypervisor must trap (and values it must
 * recognise). Chosen here, reported again in struct vacpi_layout.
 *
 * Reset: a byte write of VACPI_RESET_VALUE to 0xcf9, the chipset reset
 * control register (bit 1 SYS_RST, bit 2 RST_CPU: a hard reset). The
 * hypervisor traps 0xcf8-0xcff for PCI config filtering and must honour
 * 0xcf9 resets anyway, so the ACPI reset needs no port of its own.
 */
#define VACPI_RESET_PORT      0x0cf9
#define VACPI_RESET_VALUE     0x06

/* §4.8.3.7 Sleep Control and Status Registers, one byte each. */
#define VACPI_SLEEP_CTL_PORT  0x0600
#define VACPI_SLEEP_STS_PORT  0x0601
#define VACPI_SLEEP_CTL_SLP_TYP_SHIFT 2
#define VACPI_SLEEP_CTL_SLP_TYP_MASK  (0x7u << VACPI_SLEEP_CTL_SLP_TYP_SHIFT)
#define VACPI_SLEEP_CTL_SLP_EN        (1u << 5)
#define VACPI_SLEEP_STS_WAK_STS       (1u << 7)

/* SLP_TYP the DSDT's \_S5 package announces for S5 (soft off). Any 3-bit
 * value would do: the hypervisor is the only "hardware" that decodes it. */
#define VACPI_S5_SLP_TYP      5

/* The 16550 the DSDT describes: every partition's vUART (septum/vuart.h). */
#define VACPI_COM1_PORT       0x03f8
#define VACPI_COM1_PORTS      8

/*
 * The PCI root bridge's resources (docs/vacpi.md, docs/pci.md). Mechanism #1
 * configuration ports, which Linux recognises and drops from the bridge's
 * windows. Memory windows where assigned BARs (GPA == HPA) may lie: the
 * 32-bit window is [max(ram_size, 2 GiB), 0xfebfffff], below the I/O APIC
 * and local APIC pages; the 64-bit one [max(ram_size, 4 GiB), 2^48 - 1],
 * the 48-bit guest-physical limit vPCI enforces. A window with no room is
 * left out.
 */
#define VACPI_PCI_CFG_PORT    0x0cf8
#define VACPI_PCI_CFG_PORTS   8
/* The I/O window: where assigned I/O BARs may lie. Every port Septum
 * emulates is below it (docs/platform.md), as are the legacy ISA ports. */
#define VACPI_PCI_IO_MIN      0x1000
#define VACPI_PCI_IO_MAX      0xffff
#define VACPI_PCI_MEM32_MIN   0x80000000ull
#define VACPI_PCI_MEM32_MAX   0xfebfffffull
#define VACPI_PCI_MEM64_MIN   0x100000000ull
#define VACPI_PCI_MEM64_MAX   ((1ull << 48) - 1)

/* struct vacpi_desc.flags */
#define VACPI_F_RESET_REG  BIT(0)  /* RESET_REG + RESET_REG_SUP: the guest may reset via ACPI */
#define VACPI_F_PM_TIMER   BIT(1)  /* PM_TMR_BLK at pm_timer_port (see docs/vacpi.md) */
#define VACPI_F_CMOS_RTC   BIT(2)  /* the partition has a CMOS RTC at 0x70/0x71 */

/* What the partition looks like. */
struct vacpi_desc {
	const char *oem_id;        /* OEM ID of every table, 1-6 characters: "SEPTUM" */
	const char *name;          /* partition name; its first 8 characters are the OEM Table ID */
	unsigned ncpus;            /* 1..VACPI_MAX_CPUS */
	const uint32_t *apic_ids;  /* ncpus x2APIC ids, distinct, not 0xffffffff; [0] is the BSP */
	uint32_t flags;            /* VACPI_F_* */
	uint16_t pm_timer_port;    /* VACPI_F_PM_TIMER: the 4-byte PM timer block's first port */
	uint64_t ram_size;         /* RAM is GPA [0, ram_size): the PCI windows start above it
				    * (0 or anything below 2 GiB: the windows start at their minimum) */
};

/* A memory range of the PCI root bridge; len 0: not emitted. */
struct vacpi_window {
	gpa_t    base;
	uint64_t len;
};

/* Where one table went. */
struct vacpi_table {
	gpa_t    gpa;
	uint32_t len;
};

/* What was built, and what the hypervisor must emulate for it. */
struct vacpi_layout {
	gpa_t    rsdp;             /* for boot_params.acpi_rsdp_addr, multiboot2 tags, ... */
	uint32_t rsdp_len;         /* 36 */
	struct vacpi_table xsdt, fadt, madt, dsdt;
	size_t   size;             /* bytes of buf used, from offset 0 (on "too small": needed) */

	uint16_t reset_port;       /* 0 unless VACPI_F_RESET_REG */
	uint8_t  reset_value;
	uint16_t sleep_ctl_port;   /* VACPI_SLEEP_CTL_PORT */
	uint16_t sleep_sts_port;   /* VACPI_SLEEP_STS_PORT */
	uint8_t  s5_slp_typ;       /* VACPI_S5_SLP_TYP */
	uint16_t pm_timer_port;    /* 0 unless VACPI_F_PM_TIMER */
	struct vacpi_window pci_mem32, pci_mem64; /* \_SB.PCI0's memory windows */
};

/*
 * Builds the tables of partition d into buf[0..buflen), which the partition
 * will see at guest-physical address gpa_base (VACPI_ALIGN aligned). The RSDP
 * is at offset 0; every table is VACPI_ALIGN aligned; all pointers between
 * tables are 64-bit GPAs inside [gpa_base, gpa_base + out->size). The DSDT's
 * size depends on d->ram_size (which PCI windows exist), the MADT's on
 * d->ncpus.
 *
 * Returns 0 with *out filled, or -1 with *out zeroed and a one-line reason
 * in why: bad arguments, more than VACPI_MAX_CPUS vCPUs, a duplicate or
 * invalid APIC id, an OEM ID too long, a PM timer port that overlaps the
 * ports above, or a buffer too small — then the reason names the size needed
 * and out->size holds it. Nothing is ever truncated to fit; on failure buf
 * is left as it was.
 */
int vacpi_build(uint8_t *buf, size_t buflen, uint64_t gpa_base, const struct vacpi_desc *d,
		struct vacpi_layout *out, char *why, size_t whylen);

/*
 * For the hypervisor's trap of sleep_ctl_port: does writing byte v ask for
 * S5 (SLP_EN set, SLP_TYP = the \_S5 value)? §4.8.3.7.
 */
static inline bool vacpi_sleep_ctl_is_s5(const struct vacpi_layout *l, uint8_t v)
{
	unsigned typ = (v & VACPI_SLEEP_CTL_SLP_TYP_MASK) >> VACPI_SLEEP_CTL_SLP_TYP_SHIFT;

	return (v & VACPI_SLEEP_CTL_SLP_EN) && typ == l->s5_slp_typ;
}

#endif /* SEPTUM_VACPI_H */
