/* SPDX-License-Identifier: MIT */
/*
 * vACPI table builder. See septum/vacpi.h for the contract and
 * docs/vacpi.md for why a partition sees these tables and no others.
 *
 * Layouts are arch/acpi.h's packed structs (the ones the reader checks
 * firmware against), filled on the stack and copied into the buffer, which
 * need not be aligned. All arguments are checked and the whole layout is
 * planned before the first byte is written, so a refusal leaves buf alone.
 */
#include <stddef.h>
#include <string.h>

#include <hw/acpi.h>
#include <septum/vacpi.h>
#include <septum/vuart.h>
#include <septum/why.h>

/* ACPI 6.0 Errata A revisions of each structure. */
#define RSDP_REVISION   2    /* §5.2.5.3: ACPI 2.0+ RSDP with XsdtAddress */
#define XSDT_REVISION   1    /* §5.2.8 */
#define FADT_REVISION   6    /* §5.2.9: FADT Major Version */
#define FADT_MINOR      0    /* §5.2.9: FADT Minor Version: ACPI 6.0 */
#define MADT_REVISION   4    /* §5.2.12: ACPI 6.0 Errata A */
#define DSDT_REVISION   2    /* §5.2.11.1: >= 2 means 64-bit AML integers */

/* §5.2.6: who made the tables. Creator ID is a vendor's 4 characters. */
#define CREATOR_ID      "SPTM"
#define CREATOR_REV     1
#define OEM_REVISION    1

#define OEM_ID_LEN      6    /* §5.2.6 OEM ID */
#define OEM_TABLE_ID_LEN 8   /* §5.2.6 OEM Table ID */

/* §5.2.12 MADT: where a guest in xAPIC mode finds its local APIC. */
#define LAPIC_DEFAULT_BASE 0xfee00000u

/* §5.2.9 FADT Feature Flags. */
#define FADT_WBINVD                 BIT(0)   /* WBINVD flushes caches, as on every x86 */
#define FADT_PWR_BUTTON             BIT(4)   /* no fixed-feature power button */
#define FADT_SLP_BUTTON             BIT(5)   /* no fixed-feature sleep button */
#define FADT_RESET_REG_SUP          BIT(10)  /* RESET_REG is valid */
#define FADT_FORCE_APIC_PHYS_DEST   BIT(19)  /* OSPM uses physical destination mode */

/* §5.2.9.3 IA-PC Boot Architecture Flags (IAPC_BOOT_ARCH). Bit 0
 * LEGACY_DEVICES and bit 1 8042 stay clear: the partition has neither. */
#define IAPC_VGA_NOT_PRESENT        BIT(2)
#define IAPC_PCIE_ASPM_CONTROLS     BIT(4)   /* OSPM must not enable ASPM */
#define IAPC_CMOS_RTC_NOT_PRESENT   BIT(5)

/* §5.2.3.2 Generic Address Structure: Access Size encodings. */
#define GAS_ACCESS_BYTE  1
#define GAS_ACCESS_DWORD 3

#define PM_TMR_LEN       4   /* §4.8.3.3 Power Management Timer: a 4-byte block */

/* The DSDT's AML (chapter 20, ACPI Machine Language Specification): the
 * \_S5 object, then COM1, then the PCI root bridge (built at run time,
 * further down). */

/* Equivalent ASL:
 *   Name (\_S5, Package (0x04) { SLP_TYP, SLP_TYP, Zero, Zero })
 * §7.4.2 \_Sx: element 0 is SLP_TYPa, element 1 SLP_TYPb, then reserved. */
static const uint8_t s5_aml[] = {
	0x08,                        /* NameOp: DefName := NameOp NameString DataRefObject (§20.2.5.1) */
	0x5c, '_', 'S', '5', '_',    /* NameString: RootChar '\' + NameSeg "_S5_" (§20.2.2) */
	0x12,                        /* PackageOp: DefPackage := PackageOp PkgLength NumElements PackageElementList (§20.2.5.4) */
	0x08,                        /* PkgLength, one byte: the 8 bytes from here to the end (§20.2.4) */
	0x04,                        /* NumElements: 4 */
	0x0a, VACPI_S5_SLP_TYP,      /* BytePrefix + ByteData: SLP_TYPa (§20.2.3) */
	0x0a, VACPI_S5_SLP_TYP,      /* BytePrefix + ByteData: SLP_TYPb */
	0x00,                        /* ZeroOp: reserved (§20.2.3 ConstObj) */
	0x00,                        /* ZeroOp: reserved */
};
/* The PkgLength byte counts itself and everything after it. */
_Static_assert(sizeof(s5_aml) - 7 == 0x08, "AML \\_S5 PkgLength");
_Static_assert(VACPI_S5_SLP_TYP <= 7, "SLP_TYP is a 3-bit field (4.8.3.7)");

/*
 * The partition's vUART as an ACPI device, so that Linux's 8250_pnp driver
 * registers ttyS0 from it. It has an I/O resource and deliberately no IRQ
 * resource: the partition has no interrupt controller to route IRQ 4, and
 * with irq 0 Linux's 8250 core polls the UART from a timer (docs/vacpi.md).
 * Where vPCI also shows the same ports as a PCI serial function with MSI,
 * Linux's 8250_pci takes ttyS0 over from this entry with its interrupt.
 * Equivalent ASL:
 *   Scope (\_SB) {
 *     Device (COM1) {
 *       Name (_HID, EisaId ("PNP0501"))      // 16550A-compatible COM port
 *       Name (_UID, One)
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 0x01, 0x08) })
 *     }
 *   }
 */
#define COM1_LO  (VACPI_COM1_PORT & 0xff)
#define COM1_HI  (VACPI_COM1_PORT >> 8)
static const uint8_t com1_aml[] = {
	0x10,                        /* ScopeOp: DefScope := ScopeOp PkgLength NameString TermList (§20.2.5.1) */
	0x30,                        /* PkgLength: 48 bytes, this one to the end */
	0x5c, '_', 'S', 'B', '_',    /* NameString: \_SB_ (§5.3.1 System Bus) */
	0x5b, 0x82,                  /* DeviceOp: ExtOpPrefix 0x82 (§20.2.5.2 DefDevice) */
	0x28,                        /* PkgLength: 40 bytes, this one to the end */
	'C', 'O', 'M', '1',          /* NameSeg */
	0x08, '_', 'H', 'I', 'D',    /* NameOp "_HID" (§6.1.5) */
	0x0c, 0x41, 0xd0, 0x05, 0x01,/* DWordPrefix: EISAID "PNP0501", compressed (§6.1.5) */
	0x08, '_', 'U', 'I', 'D',    /* NameOp "_UID" (§6.1.12) */
	0x01,                        /* OneOp */
	0x08, '_', 'C', 'R', 'S',    /* NameOp "_CRS" (§6.2.2) */
	0x11,                        /* BufferOp: DefBuffer := BufferOp PkgLength BufferSize ByteList (§20.2.5.4) */
	0x0d,                        /* PkgLength: 13 bytes, this one to the end */
	0x0a, 0x0a,                  /* BufferSize: BytePrefix 10 */
	0x47,                        /* §6.4.2.5 I/O Port Descriptor: small item 0x08, length 7 */
	0x01,                        /*   Information: bit 0 = decodes 16 address lines */
	COM1_LO, COM1_HI,            /*   Range minimum base address */
	COM1_LO, COM1_HI,            /*   Range maximum base address: fixed at 0x3f8 */
	0x01,                        /*   Base alignment */
	VACPI_COM1_PORTS,            /*   Range length: 8 ports */
	0x79, 0x00,                  /* §6.4.2.9 End Tag; checksum 0 means "treat as valid" */
};
/* Each PkgLength counts itself and everything after it up to its end,
 * which for all three is the end of com1_aml. */
_Static_assert(sizeof(com1_aml) - 1 == 0x30, "AML Scope (\\_SB) PkgLength");
_Static_assert(sizeof(com1_aml) - 9 == 0x28, "AML Device (COM1) PkgLength");
_Static_assert(sizeof(com1_aml) - 36 == 0x0d, "AML _CRS Buffer PkgLength");
_Static_assert(VACPI_COM1_PORT == VUART_BASE && VACPI_COM1_PORTS == VUART_PORTS,
	       "the DSDT's COM1 is the partition's vUART");

/*
 * The PCI root bridge, built at run time because its memory windows depend
 * on the partition's RAM size (and one may be left out). Equivalent ASL:
 *   Scope (\_SB) {
 *     Device (PCI0) {
 *       Name (_HID, EisaId ("PNP0A03"))      // PCI host bridge (§6.1.5)
 *       Name (_SEG, Zero)                    // segment group 0 (§6.5.6)
 *       Name (_BBN, Zero)                    // base bus 0 (§6.5.5)
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () {
 *         WordBusNumber (ResourceProducer, MinFixed, MaxFixed, PosDecode,
 *                        0, 0x00, 0xFF, 0, 0x100)
 *         IO (Decode16, 0x0CF8, 0x0CF8, 0x01, 0x08)
 *         DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
 *                      NonCacheable, ReadWrite, 0, MIN32, MAX32, 0, LEN32)
 *         QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed,
 *                      NonCacheable, ReadWrite, 0, MIN64, MAX64, 0, LEN64)
 *       })
 *     }
 *   }
 * A separate Scope (\_SB) from COM1's keeps COM1's bytes as they were. No
 * _PRT: the partition has no interrupt controller to route INTx to. No
 * _OSC: Linux then keeps native PCIe services off, which suits a partition
 * that owns no root port.
 */
#define EISAID_PNP0A03  0x030ad041u  /* "PNP" compressed (0x41d0), then 0x0a, 0x03 */

/* §6.4.3.5 Address Space Descriptors: Resource Type, General Flags. */
#define ADDR_TYPE_MEM   0
#define ADDR_TYPE_IO    1
#define ADDR_TYPE_BUS   2
/* General Flags: bit 0 clear = producer (a window handed to the children),
 * bit 1 clear = positive decode, bit 2 _MIF, bit 3 _MAF: fixed range. */
#define ADDR_FIXED_PRODUCER  0x0c
/* Memory Type Specific Flags: bit 0 _RW read/write, bits 2:1 _MEM 0 =
 * non-cacheable (a prefetchable BAR may sit in such a window, not the
 * reverse), bits 4:3 _MTP 0 = AddressRangeMemory. */
#define MEM_FLAGS_RW_UC      0x01
/* I/O Type Specific Flags: bits 1:0 _RNG 3 = both ISA and non-ISA ranges. */
#define IO_FLAGS_ENTIRE      0x03

#define WORD_ADDR_LEN   16   /* §6.4.3.5.3: 3-byte large item header + 13 */
#define DWORD_ADDR_LEN  26   /* §6.4.3.5.2: 3 + 23 */
#define QWORD_ADDR_LEN  46   /* §6.4.3.5.1: 3 + 43 */
#define IO_DESC_LEN     8    /* §6.4.2.5 */
#define END_TAG_LEN     2    /* §6.4.2.9 */
#define PCI0_CRS_MAX    (3 * WORD_ADDR_LEN + IO_DESC_LEN + DWORD_ADDR_LEN + QWORD_ADDR_LEN + END_TAG_LEN)
/* Scope (1 + 2 + 5) + Device (2 + 2 + 4) + _HID (10) + _SEG, _BBN, _UID
 * (6 each) + _CRS (5 + 1 + 2 + 2 + resources). */
#define PCI0_AML_MAX    (8 + 8 + 10 + 18 + 10 + PCI0_CRS_MAX)
_Static_assert(PCI0_CRS_MAX <= 0xff, "_CRS BufferSize fits a BytePrefix");
_Static_assert(PCI0_AML_MAX <= 0xfff, "every PkgLength fits two bytes");

#define SDT_HDR   sizeof(struct acpi_sdt_header)
#define XSDT_N    2                          /* FADT, MADT (the DSDT hangs off the FADT) */
#define XSDT_LEN  (SDT_HDR + XSDT_N * sizeof(uint64_t))
#define DSDT_FIXED_LEN (SDT_HDR + sizeof(s5_aml) + sizeof(com1_aml))
#define DSDT_MAX_LEN   (DSDT_FIXED_LEN + PCI0_AML_MAX)
#define MADT_LEN(n) (sizeof(struct acpi_madt) + (n) * sizeof(struct acpi_madt_x2apic))
#define SLOT(len) ALIGN_UP((len), VACPI_ALIGN)

_Static_assert(SLOT(sizeof(struct acpi_rsdp)) + SLOT(XSDT_LEN) + SLOT(sizeof(struct acpi_fadt)) +
	       SLOT(DSDT_MAX_LEN) + SLOT(MADT_LEN(VACPI_MAX_CPUS)) <= VACPI_BUF_MAX,
	       "VACPI_BUF_MAX holds the tables of VACPI_MAX_CPUS vCPUs");

/* 64-bit values are printed as unsigned long, 64 bits on x86_64. */
static unsigned long ul(uint64_t v)
{
	return (unsigned long)v;
}

/* ------------------------------------------------ the PCI root bridge */

/* A cursor over one of the fixed-size arrays below; bounds are static. */
struct aml {
	uint8_t *p;
	size_t n;
};

static void emit8(struct aml *a, uint8_t v)
{
	a->p[a->n++] = v;
}

static void emit(struct aml *a, const void *bytes, size_t len)
{
	memcpy(a->p + a->n, bytes, len);
	a->n += len;
}

/* v as len little-endian bytes: AML and resource data are little-endian. */
static void emit_le(struct aml *a, uint64_t v, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		emit8(a, (uint8_t)(v >> (8 * i)));
}

/*
 * §20.2.4 PkgLength for body bytes following it. The value counts the
 * PkgLength's own bytes too. One byte holds up to 63; with one more byte
 * the lead byte has the count in bits 7:6, the low nibble in bits 3:0 and
 * the next byte bits 11:4 (bits 5:4 of the lead byte must be zero).
 */
static size_t pkglen_size(size_t body)
{
	return body + 1 <= 0x3f ? 1 : 2;
}

static void emit_pkglen(struct aml *a, size_t body)
{
	if (pkglen_size(body) == 1) {
		emit8(a, (uint8_t)(body + 1));
		return;
	}
	emit8(a, (uint8_t)(0x40 | ((body + 2) & 0x0f)));
	emit8(a, (uint8_t)((body + 2) >> 4));
}

/* NameOp NameSeg: DefName (§20.2.5.1), value to follow. */
static void emit_name(struct aml *a, const char seg[4])
{
	emit8(a, 0x08);
	emit(a, seg, 4);
}

/* §6.4.3.5.1-3 Address Space Descriptors share one layout: tag, length,
 * resource type, general flags, type specific flags, then granularity,
 * minimum, maximum, translation offset and length, each width bytes.
 * Fixed minimum and maximum (§6.4.3.5 table "Valid Combination"): length =
 * max - min + 1, granularity 0. */
static void emit_addr(struct aml *a, uint8_t tag, unsigned width, uint8_t type, uint8_t type_flags,
		      uint64_t min, uint64_t max)
{
	emit8(a, tag);
	emit_le(a, 3 + 5 * width, 2);           /* bytes after the 3-byte large item header */
	emit8(a, type);
	emit8(a, ADDR_FIXED_PRODUCER);
	emit8(a, type_flags);
	emit_le(a, 0, width);                   /* _GRA: 0 for a fixed range */
	emit_le(a, min, width);                 /* _MIN */
	emit_le(a, max, width);                 /* _MAX */
	emit_le(a, 0, width);                   /* _TRA: CPU and PCI addresses are the same */
	emit_le(a, max - min + 1, width);       /* _LEN */
}

/* The windows for a partition whose RAM is [0, ram_size) (see vacpi.h). */
static void pci_windows(uint64_t ram_size, struct vacpi_window *w32, struct vacpi_window *w64)
{
	const uint64_t lo32 = ram_size > VACPI_PCI_MEM32_MIN ? ram_size : VACPI_PCI_MEM32_MIN;
	const uint64_t lo64 = ram_size > VACPI_PCI_MEM64_MIN ? ram_size : VACPI_PCI_MEM64_MIN;

	*w32 = (struct vacpi_window){ gpa(0), 0 };
	*w64 = (struct vacpi_window){ gpa(0), 0 };
	if (lo32 <= VACPI_PCI_MEM32_MAX)
		*w32 = (struct vacpi_window){ gpa(lo32), VACPI_PCI_MEM32_MAX - lo32 + 1 };
	if (lo64 <= VACPI_PCI_MEM64_MAX)
		*w64 = (struct vacpi_window){ gpa(lo64), VACPI_PCI_MEM64_MAX - lo64 + 1 };
}

/* The _CRS ResourceTemplate's bytes (§6.4: small items §6.4.2, large
 * items §6.4.3). Returns their number, at most PCI0_CRS_MAX. */
static size_t pci0_crs(const struct vacpi_window *w32, const struct vacpi_window *w64, uint8_t *out)
{
	struct aml a = { out, 0 };

	/* §6.4.3.5.3 Word Address Space Descriptor: buses 0-255. */
	emit_addr(&a, 0x88, 2, ADDR_TYPE_BUS, 0, 0, 0xff);
	/* §6.4.2.5 I/O Port Descriptor: the configuration mechanism #1 ports,
	 * 16-bit decode, fixed at 0xcf8, 8 ports. Not a window: Linux drops
	 * exactly this range from the bridge's resources. */
	emit8(&a, 0x47);
	emit8(&a, 0x01);
	emit_le(&a, VACPI_PCI_CFG_PORT, 2);
	emit_le(&a, VACPI_PCI_CFG_PORT, 2);
	emit8(&a, 0x01);
	emit8(&a, VACPI_PCI_CFG_PORTS);
	/* §6.4.3.5.3 Word Address Space Descriptor: the vUART's 8 ports, a
	 * window of their own so that the BAR 0 of vPCI's serial function,
	 * fixed there, lies inside the bridge's resources (a BAR outside
	 * every window is moved by Linux, and this one cannot move). */
	emit_addr(&a, 0x88, 2, ADDR_TYPE_IO, IO_FLAGS_ENTIRE, VACPI_COM1_PORT,
		  VACPI_COM1_PORT + VACPI_COM1_PORTS - 1);
	/* §6.4.3.5.3 Word Address Space Descriptor: the I/O window, where
	 * firmware put the I/O BARs of assigned functions (vPCI refuses one
	 * over a port Septum emulates; those are all below the window). */
	emit_addr(&a, 0x88, 2, ADDR_TYPE_IO, IO_FLAGS_ENTIRE, VACPI_PCI_IO_MIN, VACPI_PCI_IO_MAX);
	/* §6.4.3.5.2 DWord and §6.4.3.5.1 QWord Address Space Descriptors. */
	if (w32->len)
		emit_addr(&a, 0x87, 4, ADDR_TYPE_MEM, MEM_FLAGS_RW_UC, w32->base.v,
			  w32->base.v + w32->len - 1);
	if (w64->len)
		emit_addr(&a, 0x8a, 8, ADDR_TYPE_MEM, MEM_FLAGS_RW_UC, w64->base.v,
			  w64->base.v + w64->len - 1);
	/* §6.4.2.9 End Tag; checksum 0 means "treat as valid". */
	emit8(&a, 0x79);
	emit8(&a, 0x00);
	return a.n;
}

/* Scope (\_SB) { Device (PCI0) {...} } as above, into out[PCI0_AML_MAX].
 * Built inside out, since each PkgLength needs the size of what follows. */
static size_t pci0_aml(const struct vacpi_window *w32, const struct vacpi_window *w64, uint8_t *out)
{
	uint8_t crs[PCI0_CRS_MAX], dev[PCI0_AML_MAX];
	const size_t ncrs = pci0_crs(w32, w64, crs);
	struct aml d = { dev, 0 }, a = { out, 0 };

	/* The Device's TermList, after its NameSeg. */
	emit(&d, "PCI0", 4);
	emit_name(&d, "_HID");
	emit8(&d, 0x0c);                        /* DWordPrefix: EISAID (§6.1.5) */
	emit_le(&d, EISAID_PNP0A03, 4);
	emit_name(&d, "_SEG");
	emit8(&d, 0x00);                        /* ZeroOp */
	emit_name(&d, "_BBN");
	emit8(&d, 0x00);
	emit_name(&d, "_UID");
	emit8(&d, 0x00);
	emit_name(&d, "_CRS");
	emit8(&d, 0x11);                        /* BufferOp (§20.2.5.4) */
	emit_pkglen(&d, 2 + ncrs);              /* BufferSize (2 bytes) + ByteList */
	emit8(&d, 0x0a);                        /* BufferSize: BytePrefix ncrs */
	emit8(&d, (uint8_t)ncrs);
	emit(&d, crs, ncrs);

	emit8(&a, 0x10);                        /* ScopeOp */
	emit_pkglen(&a, 5 + 2 + pkglen_size(d.n) + d.n);
	emit(&a, "\\_SB_", 5);
	emit8(&a, 0x5b);                        /* DeviceOp: ExtOpPrefix 0x82 */
	emit8(&a, 0x82);
	emit_pkglen(&a, d.n);
	emit(&a, dev, d.n);
	return a.n;
}

/* Offsets of each table in buf, in the order they are laid out, and the
 * DSDT's run-time part. */
struct plan {
	size_t rsdp, xsdt, fadt, dsdt, madt, end;
	uint32_t madt_len, dsdt_len;
	struct vacpi_window w32, w64;
	uint8_t pci0[PCI0_AML_MAX];
	size_t pci0_len;
};

static void plan_layout(const struct vacpi_desc *d, struct plan *p)
{
	pci_windows(d->ram_size, &p->w32, &p->w64);
	p->pci0_len = pci0_aml(&p->w32, &p->w64, p->pci0);
	p->dsdt_len = (uint32_t)(DSDT_FIXED_LEN + p->pci0_len);
	p->rsdp = 0;
	p->xsdt = p->rsdp + SLOT(sizeof(struct acpi_rsdp));
	p->fadt = p->xsdt + SLOT(XSDT_LEN);
	p->dsdt = p->fadt + SLOT(sizeof(struct acpi_fadt));
	p->madt = p->dsdt + SLOT(p->dsdt_len);
	p->madt_len = (uint32_t)MADT_LEN(d->ncpus);
	/* The MADT is last: its size varies the most. */
	p->end = p->madt + SLOT(p->madt_len);
}

/* ------------------------------------------------------------ checking */

static int check_cpus(const struct vacpi_desc *d, char *why, size_t whylen)
{
	if (d->ncpus == 0)
		return why_fail(why, whylen, "vACPI: a partition needs at least one vCPU");
	if (d->ncpus > VACPI_MAX_CPUS)
		return why_fail(why, whylen, "vACPI: %u vCPUs, at most %u", d->ncpus, VACPI_MAX_CPUS);
	if (!d->apic_ids)
		return why_fail(why, whylen, "vACPI: no APIC ids");
	for (unsigned i = 0; i < d->ncpus; i++) {
		/* 0xffffffff is the x2APIC broadcast destination (Intel SDM
		 * Vol. 3A §10.12.9); OSes skip an entry carrying it. */
		if (d->apic_ids[i] == UINT32_MAX)
			return why_fail(why, whylen, "vACPI: vCPU %u: APIC id 0xffffffff is the broadcast id", i);
		/* The reader refuses a MADT listing one id twice; so would an OS. */
		for (unsigned j = 0; j < i; j++)
			if (d->apic_ids[j] == d->apic_ids[i])
				return why_fail(why, whylen, "vACPI: APIC id %lu given to vCPUs %u and %u",
						ul(d->apic_ids[i]), j, i);
	}
	return 0;
}

/* Do the I/O port ranges [a, a+alen) and [b, b+blen) overlap? */
static bool ports_overlap(uint32_t a, uint32_t alen, uint32_t b, uint32_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_pm_timer(const struct vacpi_desc *d, char *why, size_t whylen)
{
	const uint32_t port = d->pm_timer_port;

	if (!(d->flags & VACPI_F_PM_TIMER))
		return 0;
	if (port == 0 || port + PM_TMR_LEN - 1 > 0xffff)
		return why_fail(why, whylen, "vACPI: PM timer port 0x%x cannot hold a %u-byte block",
				d->pm_timer_port, PM_TMR_LEN);
	if (ports_overlap(port, PM_TMR_LEN, VACPI_SLEEP_CTL_PORT, 1) ||
	    ports_overlap(port, PM_TMR_LEN, VACPI_SLEEP_STS_PORT, 1) ||
	    ((d->flags & VACPI_F_RESET_REG) && ports_overlap(port, PM_TMR_LEN, VACPI_RESET_PORT, 1)))
		return why_fail(why, whylen, "vACPI: PM timer ports 0x%x-0x%x overlap the sleep or reset register",
				port, port + PM_TMR_LEN - 1);
	return 0;
}

static int check_desc(const struct vacpi_desc *d, char *why, size_t whylen)
{
	size_t oemlen;

	if (!d->oem_id || (oemlen = strlen(d->oem_id)) == 0 || oemlen > OEM_ID_LEN)
		return why_fail(why, whylen, "vACPI: OEM ID must have 1 to %u characters", OEM_ID_LEN);
	if (!d->name || !d->name[0])
		return why_fail(why, whylen, "vACPI: no partition name");
	if (d->flags & ~(VACPI_F_RESET_REG | VACPI_F_PM_TIMER | VACPI_F_CMOS_RTC))
		return why_fail(why, whylen, "vACPI: unknown flags 0x%lx", ul(d->flags));
	if (check_cpus(d, why, whylen))
		return -1;
	return check_pm_timer(d, why, whylen);
}

/* ------------------------------------------------------------- writing */

/* The value that makes the bytes p[0..len) sum to 0 when stored in one of
 * them that is currently 0 (§5.2.5.3, §5.2.6). */
static uint8_t checksum(const uint8_t *p, size_t len)
{
	return (uint8_t)-acpi_sum8(p, len);
}

/* Copies s into a fixed-width ACPI string field, padded with spaces as
 * firmware does. Callers have checked or chosen to cut the length. */
static void put_padded(char *field, size_t width, const char *s)
{
	memset(field, ' ', width);
	for (size_t i = 0; i < width && s[i]; i++)
		field[i] = s[i];
}

/* §5.2.6 header with checksum 0; seal() sets it once the body is in buf. */
static void sdt_header(struct acpi_sdt_header *h, const char *sig, uint32_t len, uint8_t rev,
		       const struct vacpi_desc *d)
{
	memcpy(h->signature, sig, sizeof(h->signature));
	h->length = len;
	h->revision = rev;
	h->checksum = 0;
	put_padded(h->oem_id, OEM_ID_LEN, d->oem_id);
	/* An 8-character label; the whole name is in the Septum CPUID leaves. */
	put_padded(h->oem_table_id, OEM_TABLE_ID_LEN, d->name);
	h->oem_revision = OEM_REVISION;
	memcpy(&h->creator_id, CREATOR_ID, sizeof(h->creator_id));
	h->creator_revision = CREATOR_REV;
}

/* Sets the checksum of the table at t, whose header and body are in place. */
static void seal(uint8_t *t)
{
	uint32_t len;

	memcpy(&len, t + offsetof(struct acpi_sdt_header, length), sizeof(len));
	t[offsetof(struct acpi_sdt_header, checksum)] = checksum(t, len);
}

static void put_rsdp(uint8_t *buf, const struct plan *p, uint64_t gpa_base,
		     const struct vacpi_desc *d)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", sizeof(r.signature));
	put_padded(r.oem_id, OEM_ID_LEN, d->oem_id);
	r.revision = RSDP_REVISION;
	r.rsdt_address = 0;             /* no RSDT: ACPI 2.0+ OSes use the XSDT */
	r.length = sizeof(r);
	r.xsdt_address = gpa_base + p->xsdt;
	/* Checksum over the ACPI 1.0 part first, then the extended one over
	 * everything (which includes the first checksum). */
	r.checksum = checksum((const uint8_t *)&r, ACPI_RSDP_V1_SIZE);
	r.extended_checksum = checksum((const uint8_t *)&r, sizeof(r));
	memcpy(buf + p->rsdp, &r, sizeof(r));
}

/* §5.2.8 XSDT: a header and 64-bit table addresses (unaligned, at 36). */
static void put_xsdt(uint8_t *buf, const struct plan *p, uint64_t gpa_base,
		     const struct vacpi_desc *d)
{
	const uint64_t entry[XSDT_N] = { gpa_base + p->fadt, gpa_base + p->madt };
	struct acpi_sdt_header h;

	sdt_header(&h, "XSDT", (uint32_t)XSDT_LEN, XSDT_REVISION, d);
	memcpy(buf + p->xsdt, &h, sizeof(h));
	memcpy(buf + p->xsdt + sizeof(h), entry, sizeof(entry));
	seal(buf + p->xsdt);
}

/* A system I/O register of bits width at port (§5.2.3.2). */
static struct acpi_gas gas_io(uint16_t port, uint8_t bits, uint8_t access_size)
{
	return (struct acpi_gas){ .space_id = ACPI_GAS_IO, .bit_width = bits, .bit_offset = 0,
				  .access_size = access_size, .address = port };
}

/*
 * §5.2.9 FADT, hardware-reduced (§4.1): OSPM ignores the fixed hardware
 * fields (offsets 46-108 and 148-232), so they stay zero. What is left:
 * the DSDT, the flags, the reset register and the sleep registers.
 */
static void put_fadt(uint8_t *buf, const struct plan *p, uint64_t gpa_base,
		     const struct vacpi_desc *d)
{
	const uint64_t dsdt = gpa_base + p->dsdt;
	struct acpi_fadt f;

	memset(&f, 0, sizeof(f));
	sdt_header(&f.hdr, "FACP", sizeof(f), FADT_REVISION, d);
	/* No FACS: §5.2.9 allows FIRMWARE_CTRL = X_FIRMWARE_CTRL = 0 when
	 * HW_REDUCED_ACPI is set (no global lock, no waking vector). */
	/* X_DSDT is authoritative; the 32-bit copy helps OSes that read only
	 * it, and must then be equal (ACPICA warns about a mismatch). */
	f.x_dsdt = dsdt;
	f.dsdt = dsdt <= UINT32_MAX ? (uint32_t)dsdt : 0;
	f.preferred_pm_profile = 0;     /* §5.2.9.1: Unspecified */
	f.flags = (uint32_t)(ACPI_FADT_HW_REDUCED | FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON |
			     FADT_FORCE_APIC_PHYS_DEST);
	f.iapc_boot_arch = (uint16_t)(IAPC_VGA_NOT_PRESENT | IAPC_PCIE_ASPM_CONTROLS);
	if (!(d->flags & VACPI_F_CMOS_RTC))
		f.iapc_boot_arch |= (uint16_t)IAPC_CMOS_RTC_NOT_PRESENT;
	if (d->flags & VACPI_F_RESET_REG) {
		/* §4.8.3.6 Reset Register: one byte written in system I/O. */
		f.flags |= (uint32_t)FADT_RESET_REG_SUP;
		f.reset_reg = gas_io(VACPI_RESET_PORT, 8, GAS_ACCESS_BYTE);
		f.reset_value = VACPI_RESET_VALUE;
	}
	if (d->flags & VACPI_F_PM_TIMER) {
		/* In the range HW_REDUCED_ACPI tells OSPM to ignore, but x86
		 * Linux reads it regardless to find its PM timer; see
		 * docs/vacpi.md. 24-bit counter: TMR_VAL_EXT clear. */
		f.pm_tmr_blk = d->pm_timer_port;
		f.pm_tmr_len = PM_TMR_LEN;
		f.x_pm_tmr_blk = gas_io(d->pm_timer_port, 8 * PM_TMR_LEN, GAS_ACCESS_DWORD);
	}
	f.fadt_minor_version = FADT_MINOR;
	/* §4.8.3.7: byte-wide sleep control and status registers. */
	f.sleep_control_reg = gas_io(VACPI_SLEEP_CTL_PORT, 8, GAS_ACCESS_BYTE);
	f.sleep_status_reg = gas_io(VACPI_SLEEP_STS_PORT, 8, GAS_ACCESS_BYTE);
	/* Hypervisor Vendor Identity: 8 bytes, all of them significant. */
	memcpy(&f.hypervisor_vendor_id, "SEPTUMHV", sizeof(f.hypervisor_vendor_id));

	memcpy(buf + p->fadt, &f, sizeof(f));
	seal(buf + p->fadt);
}

/* §5.2.11.1 DSDT: header + the AML above. */
static void put_dsdt(uint8_t *buf, const struct plan *p, const struct vacpi_desc *d)
{
	struct acpi_sdt_header h;
	uint8_t *t = buf + p->dsdt + sizeof(h);

	sdt_header(&h, "DSDT", p->dsdt_len, DSDT_REVISION, d);
	memcpy(buf + p->dsdt, &h, sizeof(h));
	memcpy(t, s5_aml, sizeof(s5_aml));
	t += sizeof(s5_aml);
	memcpy(t, com1_aml, sizeof(com1_aml));
	t += sizeof(com1_aml);
	memcpy(t, p->pci0, p->pci0_len);
	seal(buf + p->dsdt);
}

/*
 * §5.2.12 MADT with PCAT_COMPAT clear (no dual 8259s to mask) and one
 * §5.2.12.12 Processor Local x2APIC structure per vCPU. The ACPI Processor
 * UID is the vCPU index: unique, as §5.2.12.12 requires, and stable.
 */
static void put_madt(uint8_t *buf, const struct plan *p, const struct vacpi_desc *d)
{
	struct acpi_madt m;
	uint8_t *e = buf + p->madt + sizeof(m);

	memset(&m, 0, sizeof(m));
	sdt_header(&m.hdr, "APIC", p->madt_len, MADT_REVISION, d);
	m.lapic_address = LAPIC_DEFAULT_BASE;
	m.flags = 0;
	memcpy(buf + p->madt, &m, sizeof(m));
	for (unsigned i = 0; i < d->ncpus; i++, e += sizeof(struct acpi_madt_x2apic)) {
		const struct acpi_madt_x2apic x = {
			.type = ACPI_MADT_X2APIC,
			.length = sizeof(x),
			.x2apic_id = d->apic_ids[i],
			.flags = (uint32_t)ACPI_MADT_CPU_ENABLED,
			.uid = i,
		};

		memcpy(e, &x, sizeof(x));
	}
	seal(buf + p->madt);
}

static void fill_layout(struct vacpi_layout *out, const struct plan *p, uint64_t gpa_base,
			const struct vacpi_desc *d)
{
	out->rsdp = gpa(gpa_base + p->rsdp);
	out->rsdp_len = sizeof(struct acpi_rsdp);
	out->xsdt = (struct vacpi_table){ gpa(gpa_base + p->xsdt), (uint32_t)XSDT_LEN };
	out->fadt = (struct vacpi_table){ gpa(gpa_base + p->fadt), sizeof(struct acpi_fadt) };
	out->madt = (struct vacpi_table){ gpa(gpa_base + p->madt), p->madt_len };
	out->dsdt = (struct vacpi_table){ gpa(gpa_base + p->dsdt), p->dsdt_len };
	out->pci_mem32 = p->w32;
	out->pci_mem64 = p->w64;
	out->size = p->end;
	if (d->flags & VACPI_F_RESET_REG) {
		out->reset_port = VACPI_RESET_PORT;
		out->reset_value = VACPI_RESET_VALUE;
	}
	out->sleep_ctl_port = VACPI_SLEEP_CTL_PORT;
	out->sleep_sts_port = VACPI_SLEEP_STS_PORT;
	out->s5_slp_typ = VACPI_S5_SLP_TYP;
	if (d->flags & VACPI_F_PM_TIMER)
		out->pm_timer_port = d->pm_timer_port;
}

int vacpi_build(uint8_t *buf, size_t buflen, uint64_t gpa_base, const struct vacpi_desc *d,
		struct vacpi_layout *out, char *why, size_t whylen)
{
	struct plan p;

	if (!out)
		return why_fail(why, whylen, "vACPI: no layout to fill");
	memset(out, 0, sizeof(*out));
	if (!d)
		return why_fail(why, whylen, "vACPI: no partition description");
	if (!IS_ALIGNED(gpa_base, VACPI_ALIGN))
		return why_fail(why, whylen, "vACPI: base 0x%lx is not %u-byte aligned", ul(gpa_base),
				VACPI_ALIGN);
	if (check_desc(d, why, whylen))
		return -1;
	plan_layout(d, &p);
	if (gpa_base > UINT64_MAX - p.end)
		return why_fail(why, whylen, "vACPI: base 0x%lx + %lu bytes wraps", ul(gpa_base), ul(p.end));
	if (!buf || buflen < p.end) {
		out->size = p.end;
		return why_fail(why, whylen, "vACPI: buffer of %lu bytes, %u vCPUs need %lu",
				ul(buf ? buflen : 0), d->ncpus, ul(p.end));
	}

	/* Padding between tables reads as zero, not as stale guest memory. */
	memset(buf, 0, p.end);
	put_rsdp(buf, &p, gpa_base, d);
	put_xsdt(buf, &p, gpa_base, d);
	put_fadt(buf, &p, gpa_base, d);
	put_dsdt(buf, &p, d);
	put_madt(buf, &p, d);
	fill_layout(out, &p, gpa_base, d);
	return 0;
}
