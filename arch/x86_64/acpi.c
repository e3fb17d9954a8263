/* SPDX-License-Identifier: MIT */
/*
 * ACPI table reader. See arch/acpi.h for the contract; section numbers are
 * those of ACPI 6.0-6.5.
 *
 * Tables are read through packed structs (alignment 1), or memcpy where an
 * array of 64-bit values starts at an unaligned offset (XSDT entries at 36).
 * A table is used only after its length has been checked against what was
 * mapped and its checksum verified.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <arch/acpi.h>
#include <septum/why.h>

#define SDT_HDR sizeof(struct acpi_sdt_header)

/* Sanity bounds on lengths firmware declares (real DSDTs stay below 1 MiB). */
#define ACPI_TABLE_MAX (16u << 20)
#define ACPI_RSDP_MAX  4096u

/* A reason that does not fit is cut visibly ("..."), never silently. */

/* 64-bit values are printed as unsigned long, 64 bits on x86_64. */
static unsigned long ul(uint64_t v)
{
	return (unsigned long)v;
}

/* §5.2.5.3, §5.2.6: the bytes of a structure sum to 0 modulo 256. */
static bool sum_ok(const void *p, size_t len)
{
	return acpi_sum8(p, len) == 0;
}

static const void *map(const struct acpi *acpi, uint64_t phys, size_t len, char *why,
		       size_t whylen)
{
	const void *p = acpi->map(acpi->ctx, phys, len);

	if (!p)
		why_fail(why, whylen, "cannot map 0x%lx (%lu bytes)", ul(phys), ul(len));
	return p;
}

/*
 * Maps the table at phys: header first, then its full length, then checks
 * signature (if sig), length and checksum.
 */
static int map_sdt(const struct acpi *acpi, uint64_t phys, const char *sig,
		   const struct acpi_sdt_header **out, char *why, size_t whylen)
{
	const struct acpi_sdt_header *h = map(acpi, phys, SDT_HDR, why, whylen);
	uint32_t len;

	if (!h)
		return -1;
	if (sig && memcmp(h->signature, sig, 4) != 0)
		return why_fail(why, whylen, "table at 0x%lx: signature is not %.4s", ul(phys), sig);
	len = h->length;
	if (len < SDT_HDR)
		return why_fail(why, whylen, "%.4s at 0x%lx: length %lu shorter than its header",
			    h->signature, ul(phys), ul(len));
	/* The core's map is the identity: a corrupt length must not send the
	 * checksum loop through gigabytes of address space. */
	if (len > ACPI_TABLE_MAX)
		return why_fail(why, whylen, "%.4s at 0x%lx: length %lu is implausible",
			    h->signature, ul(phys), ul(len));
	h = map(acpi, phys, len, why, whylen);
	if (!h)
		return -1;
	if (!sum_ok(h, len))
		return why_fail(why, whylen, "%.4s at 0x%lx: bad checksum", h->signature, ul(phys));
	*out = h;
	return 0;
}

int acpi_map_table(const struct acpi *acpi, uint64_t phys, const char *sig,
		   const struct acpi_sdt_header **out, char *why, size_t whylen)
{
	return map_sdt(acpi, phys, sig, out, why, whylen);
}

static int check_rsdp(const struct acpi *acpi, uint64_t phys, const struct acpi_rsdp **out,
		      char *why, size_t whylen)
{
	const struct acpi_rsdp *r = map(acpi, phys, ACPI_RSDP_V1_SIZE, why, whylen);

	if (!r)
		return -1;
	if (memcmp(r->signature, "RSD PTR ", 8) != 0)
		return why_fail(why, whylen, "RSDP at 0x%lx: bad signature", ul(phys));
	if (!sum_ok(r, ACPI_RSDP_V1_SIZE))
		return why_fail(why, whylen, "RSDP at 0x%lx: bad checksum", ul(phys));
	if (r->revision >= 2) {
		/* ACPI 2.0+: the Length field and the extended checksum are valid. */
		r = map(acpi, phys, sizeof(*r), why, whylen);
		if (!r)
			return -1;
		if (r->length < sizeof(*r) || r->length > ACPI_RSDP_MAX)
			return why_fail(why, whylen, "RSDP at 0x%lx: length %lu not in %lu..%u", ul(phys),
				    ul(r->length), ul(sizeof(*r)), ACPI_RSDP_MAX);
		r = map(acpi, phys, r->length, why, whylen);
		if (!r)
			return -1;
		if (!sum_ok(r, r->length))
			return why_fail(why, whylen, "RSDP at 0x%lx: bad extended checksum", ul(phys));
	}
	*out = r;
	return 0;
}

static size_t root_entry_size(const struct acpi *acpi)
{
	return acpi->xsdt ? 8 : 4;
}

int acpi_init(struct acpi *acpi, uint64_t rsdp, acpi_map_fn map_fn, void *ctx, char *why,
	      size_t whylen)
{
	const struct acpi_rsdp *r = NULL;
	const struct acpi_sdt_header *root = NULL;

	*acpi = (struct acpi){ .map = map_fn, .ctx = ctx };
	if (check_rsdp(acpi, rsdp, &r, why, whylen))
		return -1;
	acpi->rsdp_revision = r->revision;
	/* §5.2.5.3: an ACPI 2.0+ OS uses the XSDT when there is one. */
	if (r->revision >= 2 && r->xsdt_address) {
		acpi->xsdt = true;
		acpi->root = r->xsdt_address;
	} else {
		acpi->root = r->rsdt_address;
	}
	if (!acpi->root)
		return why_fail(why, whylen, "RSDP at 0x%lx: no RSDT or XSDT address", ul(rsdp));
	if (map_sdt(acpi, acpi->root, acpi->xsdt ? "XSDT" : "RSDT", &root, why, whylen))
		return -1;
	if ((root->length - SDT_HDR) % root_entry_size(acpi) != 0)
		return why_fail(why, whylen, "%.4s: length %lu is not a whole number of entries",
			    root->signature, ul(root->length));
	return 0;
}

int acpi_find_table(const struct acpi *acpi, const char *sig,
		    const struct acpi_sdt_header **out, char *why, size_t whylen)
{
	const struct acpi_sdt_header *root = NULL;
	const size_t esize = root_entry_size(acpi);
	size_t n;

	/* Mapped again, not cached: the tables are read-only firmware memory. */
	if (map_sdt(acpi, acpi->root, NULL, &root, why, whylen))
		return -1;
	n = (root->length - SDT_HDR) / esize;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = (const uint8_t *)root + SDT_HDR + i * esize;
		const struct acpi_sdt_header *h;
		uint64_t phys = 0;

		memcpy(&phys, e, esize); /* little endian: low bytes first */
		if (!phys)
			continue;
		h = map(acpi, phys, SDT_HDR, why, whylen);
		if (!h)
			return -1;
		if (memcmp(h->signature, sig, 4) == 0)
			return map_sdt(acpi, phys, sig, out, why, whylen);
	}
	why_fail(why, whylen, "no %.4s table", sig);
	return ACPI_NOT_FOUND;
}

/* ------------------------------------------------------------------ MADT */

static int add_cpu(struct acpi_cpu *cpus, unsigned cap, unsigned *n, uint32_t apic_id,
		   uint32_t uid, uint32_t flags, char *why, size_t whylen)
{
	/* §5.2.12.2: neither Enabled nor Online Capable means the
	 * entry must be ignored. */
	if (!(flags & (ACPI_MADT_CPU_ENABLED | ACPI_MADT_CPU_ONLINE_CAPABLE)))
		return 0;
	for (unsigned i = 0; i < *n; i++)
		if (cpus[i].apic_id == apic_id)
			return why_fail(why, whylen, "MADT: APIC id %lu listed twice", ul(apic_id));
	if (*n == cap)
		return why_fail(why, whylen, "MADT: more than %u CPUs", cap);
	cpus[(*n)++] = (struct acpi_cpu){ apic_id, uid, (flags & ACPI_MADT_CPU_ENABLED) != 0 };
	return 0;
}

/* The fixed part of a MADT: signature and a length that covers it. */
static int madt_check(const struct acpi_sdt_header *madt, char *why, size_t whylen)
{
	if (memcmp(madt->signature, "APIC", 4) != 0)
		return why_fail(why, whylen, "not a MADT (%.4s)", madt->signature);
	if (madt->length < sizeof(struct acpi_madt))
		return why_fail(why, whylen, "MADT: length %lu shorter than its fixed part (44)",
			    ul(madt->length));
	return 0;
}

/*
 * The MADT's interrupt controller structures one by one. *off is the offset
 * of the next one (start at 44). Returns 1 with *e set and *off advanced
 * past it, 0 at the end of the table, -1 for an entry that is malformed.
 */
static int madt_next(const struct acpi_sdt_header *madt, uint32_t *off,
		     const struct acpi_madt_entry **e, char *why, size_t whylen)
{
	const uint32_t len = madt->length, at = *off;
	const struct acpi_madt_entry *h;

	if (at >= len)
		return 0;
	/* Each entry must hold its own header, advance, and end inside the
	 * table; length 0 would otherwise loop forever. */
	if (len - at < sizeof(*h))
		return why_fail(why, whylen, "MADT: truncated entry at offset %lu", ul(at));
	h = (const void *)((const uint8_t *)madt + at);
	if (h->length < sizeof(*h))
		return why_fail(why, whylen, "MADT: entry at offset %lu has length %u", ul(at),
			    h->length);
	if (h->length > len - at)
		return why_fail(why, whylen, "MADT: entry at offset %lu (length %u) runs past the end (%lu)",
			    ul(at), h->length, ul(len));
	*e = h;
	*off = at + h->length;
	return 1;
}

/* The offset of entry e, for reasons. */
static unsigned long madt_off(const struct acpi_sdt_header *madt, const struct acpi_madt_entry *e)
{
	return (unsigned long)((const uint8_t *)e - (const uint8_t *)madt);
}

int acpi_madt_cpus(const struct acpi_sdt_header *madt, struct acpi_cpu *cpus, unsigned cap,
		   unsigned *ncpus, char *why, size_t whylen)
{
	uint32_t off = sizeof(struct acpi_madt);
	const struct acpi_madt_entry *e = NULL;
	int more;

	*ncpus = 0;
	if (madt_check(madt, why, whylen))
		return -1;
	while ((more = madt_next(madt, &off, &e, why, whylen)) == 1) {
		int rc = 0;

		if (e->type == ACPI_MADT_LAPIC) {
			const struct acpi_madt_lapic *l = (const void *)e;

			if (e->length < sizeof(*l))
				return why_fail(why, whylen, "MADT: local APIC entry at offset %lu has length %u",
					    madt_off(madt, e), e->length);
			rc = add_cpu(cpus, cap, ncpus, l->apic_id, l->uid, l->flags, why, whylen);
		} else if (e->type == ACPI_MADT_X2APIC) {
			const struct acpi_madt_x2apic *x = (const void *)e;

			if (e->length < sizeof(*x))
				return why_fail(why, whylen, "MADT: local x2APIC entry at offset %lu has length %u",
					    madt_off(madt, e), e->length);
			rc = add_cpu(cpus, cap, ncpus, x->x2apic_id, x->uid, x->flags, why, whylen);
		}
		if (rc)
			return rc;
	}
	return more;
}

static int add_ioapic(const struct acpi_sdt_header *madt, const struct acpi_madt_entry *e,
		      struct acpi_ioapic *io, unsigned cap, unsigned *n, char *why, size_t whylen)
{
	const struct acpi_madt_ioapic *a = (const void *)e;

	if (e->length < sizeof(*a))
		return why_fail(why, whylen, "MADT: I/O APIC entry at offset %lu has length %u",
			    madt_off(madt, e), e->length);
	for (unsigned i = 0; i < *n; i++)
		if (io[i].id == a->id)
			return why_fail(why, whylen, "MADT: I/O APIC id %u listed twice", a->id);
	/* IOREGSEL at +0x00 and IOWIN at +0x10 are 32-bit registers (82093AA
	 * datasheet §3.0): a base that is not 16-byte aligned is not one. */
	if (a->address == 0 || (a->address & 0xf))
		return why_fail(why, whylen, "MADT: I/O APIC %u at address 0x%lx", a->id,
			    ul(a->address));
	if (*n == cap)
		return why_fail(why, whylen, "MADT: more than %u I/O APICs", cap);
	io[(*n)++] = (struct acpi_ioapic){ a->id, a->address, a->gsi_base };
	return 0;
}

static int add_override(const struct acpi_sdt_header *madt, const struct acpi_madt_entry *e,
			struct acpi_irq_override *ovr, unsigned cap, unsigned *n, char *why,
			size_t whylen)
{
	const struct acpi_madt_iso *o = (const void *)e;
	const unsigned long off = madt_off(madt, e);

	if (e->length < sizeof(*o))
		return why_fail(why, whylen, "MADT: interrupt source override at offset %lu has length %u",
			    off, e->length);
	/* §5.2.12.5: Bus is 0 (ISA), Source an ISA IRQ. */
	if (o->bus != 0)
		return why_fail(why, whylen, "MADT: interrupt source override at offset %lu: bus %u is not ISA (0)",
			    off, o->bus);
	if (o->source >= ACPI_ISA_IRQS)
		return why_fail(why, whylen, "MADT: interrupt source override at offset %lu: IRQ %u is not an ISA IRQ",
			    off, o->source);
	if ((o->flags & ACPI_MPS_INTI_POLARITY_MASK) == ACPI_MPS_INTI_RESERVED_POLARITY)
		return why_fail(why, whylen, "MADT: override of IRQ %u: reserved polarity (flags 0x%x)",
			    o->source, o->flags);
	if ((o->flags & ACPI_MPS_INTI_TRIGGER_MASK) == ACPI_MPS_INTI_RESERVED_TRIGGER)
		return why_fail(why, whylen, "MADT: override of IRQ %u: reserved trigger mode (flags 0x%x)",
			    o->source, o->flags);
	for (unsigned i = 0; i < *n; i++)
		if (ovr[i].source == o->source)
			return why_fail(why, whylen, "MADT: IRQ %u overridden twice", o->source);
	if (*n == cap)
		return why_fail(why, whylen, "MADT: more than %u interrupt source overrides", cap);
	ovr[(*n)++] = (struct acpi_irq_override){ o->bus, o->source, o->gsi, o->flags };
	return 0;
}

int acpi_madt_ioapics(const struct acpi_sdt_header *madt, struct acpi_ioapic *io, unsigned cap,
		      unsigned *nio, struct acpi_irq_override *ovr, unsigned ovr_cap,
		      unsigned *novr, char *why, size_t whylen)
{
	uint32_t off = sizeof(struct acpi_madt);
	const struct acpi_madt_entry *e = NULL;
	int more;

	*nio = 0;
	*novr = 0;
	if (madt_check(madt, why, whylen))
		return -1;
	while ((more = madt_next(madt, &off, &e, why, whylen)) == 1) {
		int rc = 0;

		if (e->type == ACPI_MADT_IOAPIC)
			rc = add_ioapic(madt, e, io, cap, nio, why, whylen);
		else if (e->type == ACPI_MADT_ISO)
			rc = add_override(madt, e, ovr, ovr_cap, novr, why, whylen);
		if (rc)
			return rc;
	}
	return more;
}

void acpi_isa_irq(const struct acpi_irq_override *ovr, unsigned novr, uint8_t isa_irq,
		  uint32_t *gsi, bool *active_low, bool *level)
{
	uint16_t flags = 0;     /* both fields "conform to the bus": ISA */

	*gsi = isa_irq;
	for (unsigned i = 0; i < novr; i++) {
		if (ovr[i].bus == 0 && ovr[i].source == isa_irq) {
			*gsi = ovr[i].gsi;
			flags = ovr[i].flags;
			break;
		}
	}
	/* ISA interrupts are active high and edge triggered (§5.2.12.5). */
	*active_low = (flags & ACPI_MPS_INTI_POLARITY_MASK) == ACPI_MPS_INTI_ACTIVE_LOW;
	*level = (flags & ACPI_MPS_INTI_TRIGGER_MASK) == ACPI_MPS_INTI_LEVEL;
}

int acpi_find_cpus(const struct acpi *acpi, struct acpi_cpu *cpus, unsigned cap,
		   unsigned *ncpus, char *why, size_t whylen)
{
	const struct acpi_sdt_header *madt = NULL;

	*ncpus = 0;
	if (acpi_find_table(acpi, "APIC", &madt, why, whylen) != 0)
		return -1;
	return acpi_madt_cpus(madt, cpus, cap, ncpus, why, whylen);
}

/* ------------------------------------------------------------ FADT, \_S5 */

/* Does the FADT, of its declared length, contain the field at [off, off+size)? */
static bool fadt_has(const struct acpi_sdt_header *fadt, size_t off, size_t size)
{
	return fadt->length >= off + size;
}

#define FADT_HAS(f, field) \
	fadt_has(&(f)->hdr, offsetof(struct acpi_fadt, field), sizeof((f)->field))

/* One PM1 control block: the 64-bit GAS wins when it is present (§5.2.9). */
static int pm1_port(const struct acpi_gas *x, bool x_present, uint32_t legacy, const char *name,
		    uint16_t *port, char *why, size_t whylen)
{
	uint64_t addr = legacy;

	if (x_present && x->address) {
		if (x->space_id != ACPI_GAS_IO)
			return why_fail(why, whylen, "FADT: X_%s_CNT_BLK in address space %u, not system I/O",
				    name, x->space_id);
		addr = x->address;
	}
	if (addr > 0xffff)
		return why_fail(why, whylen, "FADT: %s_CNT_BLK 0x%lx is not an I/O port", name, ul(addr));
	*port = (uint16_t)addr;
	return 0;
}

int acpi_fadt_pm1(const struct acpi_sdt_header *fadt, struct acpi_s5 *out, char *why,
		  size_t whylen)
{
	const struct acpi_fadt *f = (const void *)fadt;

	if (memcmp(fadt->signature, "FACP", 4) != 0)
		return why_fail(why, whylen, "not a FADT (%.4s)", fadt->signature);
	if (fadt->length < ACPI_FADT_V1_SIZE)
		return why_fail(why, whylen, "FADT: length %lu shorter than ACPI 1.0's %u",
			    ul(fadt->length), ACPI_FADT_V1_SIZE);
	/* §5.2.9 HW_REDUCED_ACPI: fixed hardware, PM1 included, is absent. */
	if (f->flags & ACPI_FADT_HW_REDUCED)
		return why_fail(why, whylen, "FADT: hardware-reduced ACPI has no PM1 control block");
	if (pm1_port(&f->x_pm1a_cnt_blk, FADT_HAS(f, x_pm1a_cnt_blk), f->pm1a_cnt_blk, "PM1a",
		     &out->pm1a_cnt, why, whylen))
		return -1;
	if (!out->pm1a_cnt)
		return why_fail(why, whylen, "FADT: no PM1a control block");
	return pm1_port(&f->x_pm1b_cnt_blk, FADT_HAS(f, x_pm1b_cnt_blk), f->pm1b_cnt_blk,
			"PM1b", &out->pm1b_cnt, why, whylen);
}

/* AML opcodes (§20.3 "AML Byte Stream Byte Values"). */
#define AML_ZERO      0x00
#define AML_ONE       0x01
#define AML_NAME      0x08
#define AML_BYTE      0x0a
#define AML_WORD      0x0b
#define AML_DWORD     0x0c
#define AML_QWORD     0x0e
#define AML_PACKAGE   0x12
#define AML_ROOT      0x5c   /* '\' */

/*
 * §20.2.4 PkgLength: bits 7:6 of the lead byte count the bytes that follow
 * (0-3). With none, bits 5:0 are the length; otherwise bits 3:0 are its low
 * nibble and each following byte adds 8 bits. The length counts from the
 * lead byte itself. Returns the number of encoding bytes, 0 if truncated.
 */
static size_t aml_pkglen(const uint8_t *p, size_t avail, uint32_t *len)
{
	size_t follow;

	if (avail == 0)
		return 0;
	follow = p[0] >> 6;
	if (avail < 1 + follow)
		return 0;
	if (follow == 0) {
		*len = p[0] & 0x3f;
	} else {
		*len = p[0] & 0x0f;
		for (size_t i = 1; i <= follow; i++)
			*len |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	}
	return 1 + follow;
}

/* One integer element of the \_S5 package: §20.2.3 Data Objects Encoding. */
static int aml_integer(const uint8_t *p, size_t avail, size_t *used, uint64_t *v)
{
	static const uint8_t width[] = { [AML_BYTE] = 1, [AML_WORD] = 2, [AML_DWORD] = 4,
					 [AML_QWORD] = 8 };
	size_t w;

	if (avail == 0)
		return -1;
	if (p[0] == AML_ZERO || p[0] == AML_ONE) {
		*v = p[0];
		*used = 1;
		return 0;
	}
	if (p[0] >= sizeof(width) || width[p[0]] == 0)
		return -1;
	w = width[p[0]];
	if (avail < 1 + w)
		return -1;
	*v = 0;
	memcpy(v, p + 1, w); /* AML integers are little endian, like x86 */
	*used = 1 + w;
	return 0;
}

/* Finds "NameOp [\]_S5_"; returns the offset just past the name, or 0. */
static size_t find_s5_name(const uint8_t *aml, size_t len)
{
	for (size_t i = SDT_HDR + 1; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		if (aml[i - 1] == AML_NAME)
			return i + 4;
		if (aml[i - 1] == AML_ROOT && i >= SDT_HDR + 2 && aml[i - 2] == AML_NAME)
			return i + 4;
	}
	return 0;
}

int acpi_dsdt_s5(const struct acpi_sdt_header *dsdt, struct acpi_s5 *out, char *why,
		 size_t whylen)
{
	const uint8_t *aml = (const uint8_t *)dsdt;
	const size_t len = dsdt->length;
	size_t at = find_s5_name(aml, len), n, end;
	uint32_t pkglen;
	uint8_t slp[2];

	if (!at)
		return why_fail(why, whylen, "%.4s: no \\_S5 package", dsdt->signature);
	if (at >= len || aml[at] != AML_PACKAGE)
		return why_fail(why, whylen, "%.4s: \\_S5 is not a package", dsdt->signature);
	at++;
	n = aml_pkglen(aml + at, len - at, &pkglen);
	if (!n || pkglen > len - at || pkglen < n + 1)
		return why_fail(why, whylen, "%.4s: \\_S5 package runs past the table", dsdt->signature);
	end = at + pkglen;
	at += n;
	if (aml[at] < 2)
		return why_fail(why, whylen, "%.4s: \\_S5 package has %u elements, need 2",
			    dsdt->signature, aml[at]);
	at++;
	for (unsigned i = 0; i < 2; i++) {
		uint64_t v;
		size_t used;

		if (aml_integer(aml + at, end - at, &used, &v))
			return why_fail(why, whylen, "%.4s: \\_S5 element %u is not an integer",
				    dsdt->signature, i);
		/* SLP_TYPx is the 3-bit field PM1_CNT[12:10] (§4.8.3.2.1). */
		if (v > 7)
			return why_fail(why, whylen, "%.4s: \\_S5 SLP_TYP 0x%lx does not fit in 3 bits",
				    dsdt->signature, ul(v));
		slp[i] = (uint8_t)v;
		at += used;
	}
	out->slp_typa = slp[0];
	out->slp_typb = slp[1];
	return 0;
}

int acpi_find_s5(const struct acpi *acpi, struct acpi_s5 *out, char *why, size_t whylen)
{
	const struct acpi_sdt_header *fadt = NULL, *dsdt = NULL;
	const struct acpi_fadt *f;
	uint64_t dsdt_phys;

	if (acpi_find_table(acpi, "FACP", &fadt, why, whylen) != 0)
		return -1;
	if (acpi_fadt_pm1(fadt, out, why, whylen))
		return -1;
	f = (const void *)fadt;
	/* §5.2.9: X_DSDT, when present and non-zero, replaces DSDT. */
	dsdt_phys = FADT_HAS(f, x_dsdt) && f->x_dsdt ? f->x_dsdt : f->dsdt;
	if (!dsdt_phys)
		return why_fail(why, whylen, "FADT: no DSDT address");
	if (map_sdt(acpi, dsdt_phys, "DSDT", &dsdt, why, whylen))
		return -1;
	return acpi_dsdt_s5(dsdt, out, why, whylen);
}
