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

#include <arch/acpi.h>
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
 * \_S5 object, then COM1. */

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

#define SDT_HDR   sizeof(struct acpi_sdt_header)
#define XSDT_N    2                          /* FADT, MADT (the DSDT hangs off the FADT) */
#define XSDT_LEN  (SDT_HDR + XSDT_N * sizeof(uint64_t))
#define DSDT_LEN  (SDT_HDR + sizeof(s5_aml) + sizeof(com1_aml))
#define MADT_LEN(n) (sizeof(struct acpi_madt) + (n) * sizeof(struct acpi_madt_x2apic))
#define SLOT(len) ALIGN_UP((len), VACPI_ALIGN)

_Static_assert(SLOT(sizeof(struct acpi_rsdp)) + SLOT(XSDT_LEN) + SLOT(sizeof(struct acpi_fadt)) +
	       SLOT(DSDT_LEN) + SLOT(MADT_LEN(VACPI_MAX_CPUS)) <= VACPI_BUF_MAX,
	       "VACPI_BUF_MAX holds the tables of VACPI_MAX_CPUS vCPUs");

/* 64-bit values are printed as unsigned long, 64 bits on x86_64. */
static unsigned long ul(uint64_t v)
{
	return (unsigned long)v;
}

/* Offsets of each table in buf, in the order they are laid out. */
struct plan {
	size_t rsdp, xsdt, fadt, dsdt, madt, end;
	uint32_t madt_len;
};

static void plan_layout(unsigned ncpus, struct plan *p)
{
	p->rsdp = 0;
	p->xsdt = p->rsdp + SLOT(sizeof(struct acpi_rsdp));
	p->fadt = p->xsdt + SLOT(XSDT_LEN);
	p->dsdt = p->fadt + SLOT(sizeof(struct acpi_fadt));
	p->madt = p->dsdt + SLOT(DSDT_LEN);
	p->madt_len = (uint32_t)MADT_LEN(ncpus);
	/* The MADT is last: it is the only table whose size varies. */
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

	sdt_header(&h, "DSDT", (uint32_t)DSDT_LEN, DSDT_REVISION, d);
	memcpy(buf + p->dsdt, &h, sizeof(h));
	memcpy(buf + p->dsdt + sizeof(h), s5_aml, sizeof(s5_aml));
	memcpy(buf + p->dsdt + sizeof(h) + sizeof(s5_aml), com1_aml, sizeof(com1_aml));
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
	out->dsdt = (struct vacpi_table){ gpa(gpa_base + p->dsdt), (uint32_t)DSDT_LEN };
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
	plan_layout(d->ncpus, &p);
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
