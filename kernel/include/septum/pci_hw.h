/* SPDX-License-Identifier: MIT */
/*
 * Host PCI configuration space: the seam between kernel/dev/vpci.c and the
 * hardware. The core implements it in arch/x86_64/pci.c with configuration
 * mechanism #1 (ports 0xcf8/0xcfc, PCI Local Bus Specification 3.0
 * §3.2.2.3.2); host unit tests link tests/unit/fakes/pci_fake.c instead.
 *
 * Also the layout of a type 0 configuration header and of the capabilities
 * Septum interprets (PCI Local Bus Specification 3.0 §6.1, Figure 6-1;
 * §6.7 capabilities list; §6.8 MSI/MSI-X), shared by the emulation, the
 * fake and the tests.
 */
#ifndef SEPTUM_PCI_HW_H
#define SEPTUM_PCI_HW_H

#include <septum/types.h>

/* Bus/device/function packed as in the 0xcf8 address (bits 23:8 >> 8):
 * bus 15:8, device 7:3, function 2:0. */
typedef uint16_t pci_bdf_t;
#define PCI_BDF(bus, dev, fn) ((pci_bdf_t)(((unsigned)(bus) << 8) | ((unsigned)(dev) << 3) | (unsigned)(fn)))
#define PCI_BDF_BUS(b)        ((unsigned)(b) >> 8)
#define PCI_BDF_DEV(b)        (((unsigned)(b) >> 3) & 0x1f)
#define PCI_BDF_FN(b)         ((unsigned)(b) & 7)

#define PCI_CFG_SIZE          256u   /* what mechanism #1 reaches (no extended space) */

/* Type 0 header (PCI 3.0 §6.1, Figure 6-1); offsets in bytes. */
#define PCI_VENDOR_ID         0x00   /* 16 bits; 0xffff: no function */
#define PCI_DEVICE_ID         0x02
#define PCI_COMMAND           0x04   /* 16 bits, §6.2.2 */
#define  PCI_COMMAND_IO       BIT(0)
#define  PCI_COMMAND_MEMORY   BIT(1)
#define  PCI_COMMAND_MASTER   BIT(2)
#define  PCI_COMMAND_INVALIDATE BIT(4) /* memory write and invalidate */
#define  PCI_COMMAND_PARITY   BIT(6)
#define  PCI_COMMAND_SERR     BIT(8)
#define  PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_STATUS            0x06   /* 16 bits, §6.2.3 */
#define  PCI_STATUS_CAP_LIST  BIT(4)
#define PCI_REVISION_ID       0x08
#define PCI_CLASS_PROG        0x09
#define PCI_CLASS_SUB         0x0a
#define PCI_CLASS_BASE        0x0b
#define PCI_CACHE_LINE_SIZE   0x0c
#define PCI_LATENCY_TIMER     0x0d
#define PCI_HEADER_TYPE       0x0e
#define  PCI_HEADER_LAYOUT    0x7fu  /* 0 device, 1 PCI-to-PCI bridge, 2 CardBus bridge */
#define  PCI_HEADER_MULTI_FN  0x80u
#define PCI_BIST              0x0f
#define PCI_BAR0              0x10   /* six 32-bit BARs, 0x10-0x27, §6.2.5.1 */
#define PCI_NUM_BARS          6
#define  PCI_BAR_IO           BIT(0)
#define  PCI_BAR_MEM_TYPE     0x6u   /* bits 2:1: 00 32-bit, 10 64-bit */
#define  PCI_BAR_MEM_32       0x0u
#define  PCI_BAR_MEM_1M       0x2u   /* "below 1 MiB", PCI 2.x only; reserved since 3.0 */
#define  PCI_BAR_MEM_64       0x4u
#define  PCI_BAR_PREFETCH     BIT(3)
#define  PCI_BAR_MEM_MASK     0xfffffff0u
#define  PCI_BAR_IO_MASK      0xfffffffcu
#define PCI_CARDBUS_CIS       0x28
#define PCI_SUBSYSTEM_VENDOR  0x2c
#define PCI_SUBSYSTEM_ID      0x2e
#define PCI_ROM_ADDRESS       0x30   /* expansion ROM BAR, §6.2.5.2 */
#define PCI_CAP_PTR           0x34
#define PCI_INTERRUPT_LINE    0x3c
#define PCI_INTERRUPT_PIN     0x3d
#define PCI_MIN_GNT           0x3e
#define PCI_MAX_LAT           0x3f
#define PCI_MAX_DEV           31     /* device numbers 0-31 on a bus (§3.2.2.3.2) */
#define PCI_HEADER_END        0x40   /* device-specific space and capabilities follow */

/* Class codes (PCI Code and ID Assignment Specification). */
#define PCI_CLASS_BRIDGE      0x06
#define PCI_SUBCLASS_HOST     0x00


/* Capabilities list (§6.7): byte 0 id, byte 1 next pointer (0 ends). */
#define PCI_CAP_ID            0
#define PCI_CAP_NEXT          1
#define PCI_CAP_ID_PM         0x01
#define PCI_CAP_ID_PCIX       0x07
#define PCI_CAP_ID_MSI        0x05
#define PCI_CAP_ID_VNDR       0x09
#define PCI_CAP_ID_EXP        0x10
#define PCI_CAP_ID_MSIX       0x11
#define PCI_CAP_ID_SATA       0x12
#define PCI_CAP_ID_AF         0x13
#define PCI_CAP_ID_EA         0x14

/* MSI capability (§6.8.1, Figures 6-9 .. 6-12). */
#define PCI_MSI_FLAGS         2      /* message control, 16 bits */
#define  PCI_MSI_FLAGS_ENABLE BIT(0)
#define  PCI_MSI_FLAGS_64BIT  BIT(7)
#define  PCI_MSI_FLAGS_MASKBIT BIT(8) /* per-vector masking capable */
#define PCI_MSI_ADDR_LO       4
#define PCI_MSI_ADDR_HI       8      /* 64-bit capable only */
#define PCI_MSI_DATA_32       8      /* 16 bits, without 64-bit addressing */
#define PCI_MSI_DATA_64       12     /* 16 bits, with 64-bit addressing */

/* MSI-X capability (§6.8.2): message control bit 15 enables it. */
#define PCI_MSIX_FLAGS        2
#define  PCI_MSIX_FLAGS_ENABLE BIT(15)
#define PCI_MSIX_CAP_LEN      12

/* Power management capability (PCI Bus Power Management Interface 1.2
 * §3.2): PMC at +2, PMCSR at +4. */
#define PCI_PM_PMC            2
#define  PCI_PM_PMC_D1        BIT(9)
#define  PCI_PM_PMC_D2        BIT(10)
#define PCI_PM_CTRL           4
#define  PCI_PM_STATE_MASK    0x3u   /* bits 1:0: D0, D1, D2, D3hot */
#define  PCI_PM_STATE_D0      0x0u
#define  PCI_PM_STATE_D3HOT   0x3u
#define  PCI_PM_NO_SOFT_RESET BIT(3) /* D3hot -> D0 keeps the function's state */
#define  PCI_PM_PME_ENABLE    BIT(8)
#define  PCI_PM_DATA_SEL      (0xfu << 9)
#define  PCI_PM_PME_STATUS    BIT(15) /* RW1C */

/* PCI Express capability (PCI Express Base Specification 4.0 §7.5.3);
 * offsets from the capability. */
#define PCI_EXP_DEVCAP        4
#define  PCI_EXP_DEVCAP_FLR   BIT(28) /* function level reset capability */
#define PCI_EXP_DEVCTL        8
#define  PCI_EXP_DEVCTL_RELAX BIT(4)
#define  PCI_EXP_DEVCTL_EXT_TAG BIT(8)
#define  PCI_EXP_DEVCTL_AUX_PM BIT(10)
#define  PCI_EXP_DEVCTL_NOSNOOP BIT(11)
#define  PCI_EXP_DEVCTL_READRQ (0x7u << 12) /* max read request size */
#define  PCI_EXP_DEVCTL_FLR   BIT(15) /* initiate function level reset */
#define PCI_EXP_DEVSTA        10
#define PCI_EXP_DEVCTL2       0x28
#define PCI_EXP_DEVSTA2       0x2a
#define PCI_EXP_CAP_LEN       0x3c   /* through Link Status 2 (§7.5.3, Figure 7-21) */

/* Advanced features capability (PCI Advanced Capabilities ECN, 2006):
 * +2 length, +3 capabilities, +4 control, +5 status. */
#define PCI_AF_CAP            3
#define  PCI_AF_CAP_FLR       BIT(1)
#define PCI_AF_CTRL           4
#define  PCI_AF_CTRL_FLR      BIT(0)
#define PCI_AF_CAP_LEN        6

/*
 * Reads size bytes (1, 2 or 4) at reg of the configuration space of bdf;
 * the bytes lie within one aligned dword (reg % 4 + size <= 4, reg < 256). A function that does not exist reads as
 * all ones (master abort, §6.1). Safe on any CPU at any time.
 */
uint32_t pci_hw_read(pci_bdf_t bdf, unsigned reg, unsigned size);
/* Writes size bytes the same way; only those bytes are enabled. */
void pci_hw_write(pci_bdf_t bdf, unsigned reg, unsigned size, uint32_t val);

#endif /* SEPTUM_PCI_HW_H */
