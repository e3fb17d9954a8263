/* SPDX-License-Identifier: MIT */
/*
 * vACPI builder: every build is parsed back with the firmware ACPI reader
 * (arch/x86_64/acpi.c) through a map callback that turns a guest-physical
 * address into an offset in the buffer, then the fields the reader does not
 * look at (FADT flags and registers, MADT flags, AML bytes) are checked
 * directly. One test per kind of refused input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/acpi.h>
#include <septum/vacpi.h>

#define BASE 0x0009f000ull      /* a GPA below 1 MiB, like the EBDA */

/* The guest's view: buf[0..len) is guest-physical [base, base + len). */
struct guest {
	uint8_t buf[VACPI_BUF_MAX + 64];
	size_t len;
	uint64_t base;
	struct vacpi_layout l;
	struct acpi acpi;
	char why[VACPI_WHY_MAX];
};

static const void *guest_map(void *ctx, uint64_t phys, size_t len)
{
	const struct guest *g = ctx;

	if (phys < g->base || phys - g->base > g->len || len > g->len - (phys - g->base))
		return NULL;
	return g->buf + (phys - g->base);
}

static const uint32_t ids1[] = { 0 };
static const uint32_t ids2[] = { 2, 3 };

static struct vacpi_desc desc(const uint32_t *ids, unsigned n, uint32_t flags)
{
	return (struct vacpi_desc){ .oem_id = "SEPTUM", .name = "linux0", .ncpus = n,
				    .apic_ids = ids, .flags = flags };
}

/* Builds d at base into g (buffer of buflen bytes) and expects success. */
static void build_at(struct guest *g, const struct vacpi_desc *d, uint64_t base)
{
	memset(g, 0, sizeof(*g));
	g->base = base;
	g->len = VACPI_BUF_MAX;
	assert_int_equal(vacpi_build(g->buf, g->len, base, d, &g->l, g->why, sizeof(g->why)), 0);
}

static void build(struct guest *g, const struct vacpi_desc *d)
{
	build_at(g, d, BASE);
}

/* The bytes of guest-physical [pa, pa + len). */
static const uint8_t *at(const struct guest *g, gpa_t pa, size_t len)
{
	const uint8_t *p = guest_map((void *)g, pa.v, len);

	assert_non_null(p);
	return p;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static void init(struct guest *g)
{
	if (acpi_init(&g->acpi, g->l.rsdp.v, guest_map, g, g->why, sizeof(g->why)) != 0)
		fail_msg("acpi_init: %s", g->why);
}

static struct acpi_fadt fadt_of(const struct guest *g)
{
	struct acpi_fadt f;

	assert_int_equal(g->l.fadt.len, sizeof(f));
	memcpy(&f, at(g, g->l.fadt.gpa, sizeof(f)), sizeof(f));
	return f;
}

/* Parses the MADT back and checks the CPUs are exactly ids, in order. */
static void check_cpus(struct guest *g, const uint32_t *ids, unsigned n)
{
	struct acpi_cpu cpus[VACPI_MAX_CPUS + 1];
	unsigned found = 0;

	init(g);
	if (acpi_find_cpus(&g->acpi, cpus, ARRAY_SIZE(cpus), &found, g->why, sizeof(g->why)))
		fail_msg("acpi_find_cpus: %s", g->why);
	assert_int_equal(found, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(cpus[i].apic_id, ids[i]);
		assert_int_equal(cpus[i].uid, i);
		assert_true(cpus[i].enabled);
	}
}

/* ------------------------------------------------------------ parse back */

static void test_one_cpu(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_RESET_REG);
	struct guest g;

	(void)state;
	build(&g, &d);
	check_cpus(&g, ids1, 1);
	assert_true(g.acpi.xsdt);
	assert_int_equal(g.acpi.rsdp_revision, 2);
	assert_int_equal(g.acpi.root, g.l.xsdt.gpa.v);
	assert_int_equal(g.l.rsdp.v, BASE);
}

static void test_two_cpus(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, VACPI_F_RESET_REG);
	struct guest g;

	(void)state;
	build(&g, &d);
	check_cpus(&g, ids2, 2);
	assert_int_equal(g.l.madt.len, 44 + 2 * 16);
}

/* 64 vCPUs with ids an OS must not assume: sparse, above 255, descending. */
static void test_64_cpus_odd_ids(void **state)
{
	uint32_t ids[VACPI_MAX_CPUS];
	struct vacpi_desc d;
	struct guest g;

	(void)state;
	for (unsigned i = 0; i < VACPI_MAX_CPUS; i++)
		ids[i] = 0xfffffffeu - 17u * i;
	ids[1] = 255;
	ids[2] = 256;
	ids[3] = 7;
	ids[4] = 0;
	d = desc(ids, VACPI_MAX_CPUS, VACPI_F_RESET_REG);
	build(&g, &d);
	check_cpus(&g, ids, VACPI_MAX_CPUS);
	assert_int_equal(g.l.madt.len, 44 + 64 * 16);
	assert_true(g.l.size <= VACPI_BUF_MAX);
}

/* RSDP: both checksums, length, revision, XSDT address; no RSDT. */
static void test_rsdp(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, 0);
	struct acpi_rsdp r;
	struct guest g;

	(void)state;
	build(&g, &d);
	assert_int_equal(g.l.rsdp_len, 36);
	memcpy(&r, at(&g, g.l.rsdp, sizeof(r)), sizeof(r));
	assert_memory_equal(r.signature, "RSD PTR ", 8);
	assert_int_equal(sum((const uint8_t *)&r, ACPI_RSDP_V1_SIZE), 0);
	assert_int_equal(sum((const uint8_t *)&r, sizeof(r)), 0);
	assert_int_equal(r.revision, 2);
	assert_int_equal(r.length, 36);
	assert_int_equal(r.rsdt_address, 0);
	assert_int_equal(r.xsdt_address, g.l.xsdt.gpa.v);
	assert_memory_equal(r.oem_id, "SEPTUM", 6);
	assert_memory_equal(r.reserved, "\0\0\0", 3);
}

/* Every table: signature, length, revision, checksum, header ids. */
static void check_sdt(const struct guest *g, const struct vacpi_table *t, const char *sig,
		      uint32_t len, uint8_t rev)
{
	struct acpi_sdt_header h;
	const uint8_t *p = at(g, t->gpa, len);

	assert_int_equal(t->len, len);
	memcpy(&h, p, sizeof(h));
	assert_memory_equal(h.signature, sig, 4);
	assert_int_equal(h.length, len);
	assert_int_equal(h.revision, rev);
	assert_int_equal(sum(p, len), 0);
	assert_memory_equal(h.oem_id, "SEPTUM", 6);
	assert_memory_equal(h.oem_table_id, "linux0  ", 8);
	assert_int_equal(h.oem_revision, 1);
	assert_memory_equal(&h.creator_id, "SPTM", 4);
	assert_int_equal(h.creator_revision, 1);
}

static void test_tables_lengths_revisions_checksums(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, VACPI_F_RESET_REG);
	const struct acpi_sdt_header *h = NULL;
	struct guest g;

	(void)state;
	build(&g, &d);
	check_sdt(&g, &g.l.xsdt, "XSDT", 36 + 2 * 8, 1);
	check_sdt(&g, &g.l.fadt, "FACP", 276, 6);
	check_sdt(&g, &g.l.madt, "APIC", 44 + 2 * 16, 4);
	check_sdt(&g, &g.l.dsdt, "DSDT", 36 + 15 + 49, 2);
	/* The reader agrees: it validates length and checksum too. */
	init(&g);
	assert_int_equal(acpi_map_table(&g.acpi, g.l.dsdt.gpa.v, "DSDT", &h, g.why, sizeof(g.why)), 0);
	assert_int_equal(acpi_map_table(&g.acpi, g.l.xsdt.gpa.v, "XSDT", &h, g.why, sizeof(g.why)), 0);
}

/* The XSDT lists the FADT and the MADT, nothing else; the DSDT hangs off
 * the FADT (§5.2.8: the DSDT is never in the XSDT). */
static void test_xsdt_entries(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, 0);
	const struct acpi_sdt_header *h = NULL;
	uint64_t e[2];
	struct guest g;

	(void)state;
	build(&g, &d);
	memcpy(e, at(&g, g.l.xsdt.gpa, g.l.xsdt.len) + 36, sizeof(e));
	assert_int_equal(e[0], g.l.fadt.gpa.v);
	assert_int_equal(e[1], g.l.madt.gpa.v);
	init(&g);
	assert_int_equal(acpi_find_table(&g.acpi, "FACP", &h, g.why, sizeof(g.why)), 0);
	assert_ptr_equal(h, at(&g, g.l.fadt.gpa, 1));
	assert_int_equal(acpi_find_table(&g.acpi, "APIC", &h, g.why, sizeof(g.why)), 0);
	assert_ptr_equal(h, at(&g, g.l.madt.gpa, 1));
	assert_int_equal(acpi_find_table(&g.acpi, "DSDT", &h, g.why, sizeof(g.why)), ACPI_NOT_FOUND);
	assert_int_equal(acpi_find_table(&g.acpi, "HPET", &h, g.why, sizeof(g.why)), ACPI_NOT_FOUND);
}

/* The offsets and sizes docs/vacpi.md documents. */
static void test_documented_layout(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);
	struct guest g;

	(void)state;
	build(&g, &d);
	assert_int_equal(g.l.rsdp.v - BASE, 0);
	assert_int_equal(g.l.xsdt.gpa.v - BASE, 48);
	assert_int_equal(g.l.fadt.gpa.v - BASE, 112);
	assert_int_equal(g.l.dsdt.gpa.v - BASE, 400);
	assert_int_equal(g.l.madt.gpa.v - BASE, 512);
	assert_int_equal(g.l.size, 576);
}

/* Aligned, disjoint, inside [base, base + size), RSDP first. */
static void test_alignment_and_bounds(void **state)
{
	uint32_t ids[VACPI_MAX_CPUS];
	struct vacpi_desc d;
	struct guest g;

	(void)state;
	for (unsigned n = 1; n <= VACPI_MAX_CPUS; n++) {
		struct vacpi_table all[5];

		for (unsigned i = 0; i < n; i++)
			ids[i] = i * 3 + 1;
		d = desc(ids, n, VACPI_F_RESET_REG);
		build(&g, &d);
		all[0] = (struct vacpi_table){ g.l.rsdp, g.l.rsdp_len };
		all[1] = g.l.xsdt;
		all[2] = g.l.fadt;
		all[3] = g.l.dsdt;
		all[4] = g.l.madt;
		assert_int_equal(g.l.rsdp.v, BASE);
		for (unsigned i = 0; i < 5; i++) {
			assert_true(IS_ALIGNED(all[i].gpa.v, 16));
			assert_true(all[i].gpa.v >= BASE);
			assert_true(all[i].gpa.v + all[i].len <= BASE + g.l.size);
			for (unsigned j = 0; j < i; j++)
				assert_true(all[j].gpa.v + all[j].len <= all[i].gpa.v ||
					    all[i].gpa.v + all[i].len <= all[j].gpa.v);
		}
		assert_true(IS_ALIGNED(g.l.size, 16));
		assert_true(g.l.size <= VACPI_BUF_MAX);
	}
}

/* What the FADT says, field by field (the reader's acpi_fadt_pm1 refuses a
 * hardware-reduced FADT, so the fields are read directly). */
static void test_fadt_fields(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, VACPI_F_RESET_REG);
	struct acpi_fadt f;
	struct guest g;

	(void)state;
	build(&g, &d);
	f = fadt_of(&g);
	assert_int_equal(f.fadt_minor_version, 0);
	assert_int_equal(f.flags, ACPI_FADT_HW_REDUCED | BIT(0) | BIT(4) | BIT(5) | BIT(10) | BIT(19));
	assert_int_equal(f.x_dsdt, g.l.dsdt.gpa.v);
	assert_int_equal(f.dsdt, g.l.dsdt.gpa.v);
	assert_int_equal(f.firmware_ctrl, 0);
	assert_int_equal(f.x_firmware_ctrl, 0);
	/* Fixed hardware: absent. */
	assert_int_equal(f.sci_int, 0);
	assert_int_equal(f.smi_cmd, 0);
	assert_int_equal(f.pm1a_evt_blk, 0);
	assert_int_equal(f.pm1a_cnt_blk, 0);
	assert_int_equal(f.pm_tmr_blk, 0);
	assert_int_equal(f.gpe0_blk, 0);
	assert_int_equal(f.x_pm1a_cnt_blk.address, 0);
	assert_int_equal(f.x_pm_tmr_blk.address, 0);
	/* VGA not present, ASPM controls, CMOS RTC not present. */
	assert_int_equal(f.iapc_boot_arch, BIT(2) | BIT(4) | BIT(5));
	/* Reset: one byte to I/O port 0xcf9. */
	assert_int_equal(f.reset_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(f.reset_reg.bit_width, 8);
	assert_int_equal(f.reset_reg.bit_offset, 0);
	assert_int_equal(f.reset_reg.access_size, 1);
	assert_int_equal(f.reset_reg.address, 0xcf9);
	assert_int_equal(f.reset_value, 0x06);
	assert_int_equal(g.l.reset_port, f.reset_reg.address);
	assert_int_equal(g.l.reset_value, f.reset_value);
	/* Sleep control and status: one byte each in I/O space. */
	assert_int_equal(f.sleep_control_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(f.sleep_control_reg.bit_width, 8);
	assert_int_equal(f.sleep_control_reg.access_size, 1);
	assert_int_equal(f.sleep_control_reg.address, 0x600);
	assert_int_equal(f.sleep_status_reg.space_id, ACPI_GAS_IO);
	assert_int_equal(f.sleep_status_reg.bit_width, 8);
	assert_int_equal(f.sleep_status_reg.access_size, 1);
	assert_int_equal(f.sleep_status_reg.address, 0x601);
	assert_int_equal(g.l.sleep_ctl_port, 0x600);
	assert_int_equal(g.l.sleep_sts_port, 0x601);
	assert_memory_equal(&f.hypervisor_vendor_id, "SEPTUMHV", 8);
	assert_int_equal(g.l.pm_timer_port, 0);
}

static void test_fadt_without_reset_reg(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);
	struct acpi_fadt f;
	struct guest g;

	(void)state;
	build(&g, &d);
	f = fadt_of(&g);
	assert_int_equal(f.flags & BIT(10), 0);
	assert_int_equal(f.reset_reg.address, 0);
	assert_int_equal(f.reset_reg.space_id, 0);
	assert_int_equal(f.reset_value, 0);
	assert_int_equal(g.l.reset_port, 0);
	assert_int_equal(g.l.reset_value, 0);
	/* Power-off does not depend on the flag. */
	assert_int_equal(f.sleep_control_reg.address, 0x600);
}

static void test_fadt_pm_timer(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_PM_TIMER);
	struct acpi_fadt f;
	struct guest g;

	(void)state;
	d.pm_timer_port = 0xb008;
	build(&g, &d);
	f = fadt_of(&g);
	assert_int_equal(f.pm_tmr_blk, 0xb008);
	assert_int_equal(f.pm_tmr_len, 4);
	assert_int_equal(f.x_pm_tmr_blk.space_id, ACPI_GAS_IO);
	assert_int_equal(f.x_pm_tmr_blk.bit_width, 32);
	assert_int_equal(f.x_pm_tmr_blk.access_size, 3);
	assert_int_equal(f.x_pm_tmr_blk.address, 0xb008);
	assert_int_equal(f.flags & BIT(8), 0);        /* TMR_VAL_EXT: 24-bit */
	assert_int_equal(g.l.pm_timer_port, 0xb008);
	assert_int_equal(sum(at(&g, g.l.fadt.gpa, g.l.fadt.len), g.l.fadt.len), 0);
}

static void test_fadt_cmos_rtc(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_CMOS_RTC);
	struct guest g;

	(void)state;
	build(&g, &d);
	assert_int_equal(fadt_of(&g).iapc_boot_arch, BIT(2) | BIT(4));
}

/* The reader's PM1 path refuses hardware-reduced ACPI, as it should. */
static void test_reader_refuses_pm1(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_RESET_REG);
	const struct acpi_sdt_header *fadt = NULL;
	struct acpi_s5 s5;
	struct guest g;

	(void)state;
	build(&g, &d);
	init(&g);
	assert_int_equal(acpi_find_table(&g.acpi, "FACP", &fadt, g.why, sizeof(g.why)), 0);
	assert_int_equal(acpi_fadt_pm1(fadt, &s5, g.why, sizeof(g.why)), -1);
	assert_non_null(strstr(g.why, "hardware-reduced"));
	assert_int_equal(acpi_find_s5(&g.acpi, &s5, g.why, sizeof(g.why)), -1);
	assert_non_null(strstr(g.why, "hardware-reduced"));
}

/* The DSDT through the FADT's X_DSDT, \_S5 through the reader, then the
 * AML byte for byte. */
static void test_dsdt_s5(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5c, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				       0x0a, 5, 0x0a, 5, 0x00, 0x00 };
	struct vacpi_desc d = desc(ids1, 1, 0);
	const struct acpi_sdt_header *dsdt = NULL;
	struct acpi_s5 s5 = { 0 };
	struct guest g;

	(void)state;
	build(&g, &d);
	init(&g);
	assert_int_equal(acpi_map_table(&g.acpi, fadt_of(&g).x_dsdt, "DSDT", &dsdt, g.why,
					sizeof(g.why)), 0);
	if (acpi_dsdt_s5(dsdt, &s5, g.why, sizeof(g.why)))
		fail_msg("acpi_dsdt_s5: %s", g.why);
	assert_int_equal(s5.slp_typa, VACPI_S5_SLP_TYP);
	assert_int_equal(s5.slp_typb, VACPI_S5_SLP_TYP);
	assert_int_equal(g.l.s5_slp_typ, VACPI_S5_SLP_TYP);
	/* \_S5 comes first; COM1 follows (test_dsdt_com1_*). */
	assert_true(dsdt->length >= 36 + sizeof(aml));
	assert_memory_equal((const uint8_t *)dsdt + 36, aml, sizeof(aml));
}

/* ---------------------------------------------------- the DSDT's COM1 */

/*
 * A small AML walker for exactly the shapes the DSDT may hold: top-level
 * Name(\_S5, Package) and Scope(\_SB) { Device(XXXX) { Name(...) } }, with
 * Name values DWordPrefix, BytePrefix, Zero/One or a Buffer. Anything else,
 * or a PkgLength that does not end where its object ends, fails the test:
 * what Linux's AML interpreter would choke on must not pass here.
 */
struct aml_device {
	char scope[5], name[5];
	bool has_hid, has_uid, has_crs;
	uint32_t hid;
	uint64_t uid;
	const uint8_t *crs;       /* the Buffer's bytes */
	size_t crs_len;
};

/* §20.2.4 PkgLength: bits 7:6 of the lead byte = following bytes. */
static size_t pkglen(const uint8_t *p, size_t avail, size_t *len)
{
	size_t follow = p[0] >> 6, v;

	assert_true(avail >= follow + 1);
	if (!follow) {
		*len = p[0] & 0x3f;
		return 1;
	}
	v = p[0] & 0x0f;
	for (size_t i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	*len = v;
	return follow + 1;
}

/* One NameOp NameSeg DataObject inside a device; returns bytes used. */
static size_t parse_name(const uint8_t *p, size_t avail, struct aml_device *dev)
{
	char seg[5] = { 0 };
	size_t at = 5, n, len;

	assert_true(avail >= 6);
	assert_int_equal(p[0], 0x08);                       /* NameOp */
	memcpy(seg, p + 1, 4);
	switch (p[at]) {
	case 0x0c:                                          /* DWordPrefix */
		assert_true(avail >= at + 5);
		if (!strcmp(seg, "_HID")) {
			dev->has_hid = true;
			memcpy(&dev->hid, p + at + 1, 4);
		}
		return at + 5;
	case 0x00: case 0x01:                               /* ZeroOp, OneOp */
		if (!strcmp(seg, "_UID")) {
			dev->has_uid = true;
			dev->uid = p[at];
		}
		return at + 1;
	case 0x0a:                                          /* BytePrefix */
		if (!strcmp(seg, "_UID")) {
			dev->has_uid = true;
			dev->uid = p[at + 1];
		}
		return at + 2;
	case 0x11:                                          /* BufferOp */
		n = pkglen(p + at + 1, avail - at - 1, &len);
		assert_true(len <= avail - at - 1);
		/* BufferSize is a BytePrefix constant equal to the bytes left. */
		assert_int_equal(p[at + 1 + n], 0x0a);
		assert_int_equal(p[at + 2 + n], len - n - 2);
		if (!strcmp(seg, "_CRS")) {
			dev->has_crs = true;
			dev->crs = p + at + 3 + n;
			dev->crs_len = len - n - 2;
		}
		return at + 1 + len;
	default:
		fail_msg("unexpected AML data object 0x%02x for %s", p[at], seg);
	}
	return 0;
}

/* Finds the one Device in the DSDT's AML; fails on anything unexpected. */
static struct aml_device find_device(const struct acpi_sdt_header *dsdt)
{
	const uint8_t *aml = (const uint8_t *)dsdt + 36;
	const size_t total = dsdt->length - 36;
	struct aml_device dev;
	unsigned devices = 0;
	size_t at = 0;

	memset(&dev, 0, sizeof(dev));
	while (at < total) {
		size_t n, len, end, dend;

		if (aml[at] == 0x08) {                      /* Name(\_S5, Package) */
			assert_int_equal(aml[at + 1], 0x5c);
			assert_int_equal(aml[at + 6], 0x12);
			n = pkglen(aml + at + 7, total - at - 7, &len);
			(void)n;
			at += 7 + len;
			continue;
		}
		assert_int_equal(aml[at], 0x10);             /* ScopeOp */
		n = pkglen(aml + at + 1, total - at - 1, &len);
		end = at + 1 + len;
		assert_true(end <= total);
		at += 1 + n;
		assert_int_equal(aml[at], 0x5c);             /* a root path: \XXXX */
		memcpy(dev.scope, aml + at + 1, 4);
		at += 5;
		while (at < end) {
			assert_int_equal(aml[at], 0x5b);     /* ExtOpPrefix */
			assert_int_equal(aml[at + 1], 0x82); /* DeviceOp */
			n = pkglen(aml + at + 2, end - at - 2, &len);
			dend = at + 2 + len;
			assert_true(dend <= end);
			at += 2 + n;
			memcpy(dev.name, aml + at, 4);
			at += 4;
			while (at < dend)
				at += parse_name(aml + at, dend - at, &dev);
			assert_int_equal(at, dend);          /* the PkgLength was exact */
			devices++;
		}
		assert_int_equal(at, end);
	}
	assert_int_equal(at, total);
	assert_int_equal(devices, 1);
	return dev;
}

/* §6.1.5: a compressed EISA id as its 7 characters. */
static void eisaid_string(uint32_t v, char out[8])
{
	const uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
	const unsigned id = (unsigned)b[0] << 8 | b[1];

	snprintf(out, 8, "%c%c%c%02X%02X", 0x40 + ((id >> 10) & 0x1f), 0x40 + ((id >> 5) & 0x1f),
		 0x40 + (id & 0x1f), b[2], b[3]);
}

static const struct acpi_sdt_header *built_dsdt(struct guest *g, const uint32_t *ids, unsigned n)
{
	struct vacpi_desc d = desc(ids, n, VACPI_F_RESET_REG);
	const struct acpi_sdt_header *dsdt = NULL;

	build(g, &d);
	init(g);
	assert_int_equal(acpi_map_table(&g->acpi, fadt_of(g).x_dsdt, "DSDT", &dsdt, g->why,
					sizeof(g->why)), 0);
	return dsdt;
}

static void test_dsdt_com1_pnp0501(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(built_dsdt(&g, ids1, 1));
	char hid[8];

	(void)state;
	assert_string_equal(dev.scope, "_SB_");
	assert_string_equal(dev.name, "COM1");
	assert_true(dev.has_hid);
	eisaid_string(dev.hid, hid);
	assert_string_equal(hid, "PNP0501");
	assert_int_equal(dev.hid, 0x0105d041);
	assert_true(dev.has_uid);
	assert_int_equal(dev.uid, 1);
}

/* _CRS: one I/O port descriptor for 0x3f8-0x3ff, no IRQ of either kind,
 * an End Tag as the last two bytes. ACPI 6.0 §6.4.2 / §6.4.3 items. */
static void test_dsdt_com1_resources(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(built_dsdt(&g, ids2, 2));
	unsigned io = 0, ends = 0;
	size_t at = 0;

	(void)state;
	assert_true(dev.has_crs);
	while (at < dev.crs_len) {
		const uint8_t *r = dev.crs + at;
		unsigned type, len;

		if (r[0] & 0x80) {                          /* large item, §6.4.3 */
			type = r[0];
			len = (unsigned)(r[1] | r[2] << 8);
			fail_msg("unexpected large resource 0x%02x (0x89 would be an IRQ)", type);
			at += 3 + len;
			continue;
		}
		type = (r[0] >> 3) & 0x0f;                  /* small item, §6.4.2 */
		len = r[0] & 7;
		assert_true(at + 1 + len <= dev.crs_len);
		assert_int_not_equal(type, 0x04);           /* IRQ descriptor */
		assert_int_not_equal(type, 0x09);           /* Fixed I/O */
		if (type == 0x08) {                         /* I/O Port Descriptor */
			io++;
			assert_int_equal(len, 7);
			assert_int_equal(r[1], 0x01);               /* 16-bit decode */
			assert_int_equal(r[2] | r[3] << 8, 0x3f8);  /* minimum */
			assert_int_equal(r[4] | r[5] << 8, 0x3f8);  /* maximum */
			assert_int_equal(r[6], 1);                  /* alignment */
			assert_int_equal(r[7], 8);                  /* length */
		} else if (type == 0x0f) {                  /* End Tag */
			ends++;
			assert_int_equal(len, 1);
			assert_int_equal(at + 2, dev.crs_len);      /* it is last */
		} else {
			fail_msg("unexpected small resource type 0x%x", type);
		}
		at += 1 + len;
	}
	assert_int_equal(io, 1);
	assert_int_equal(ends, 1);
	assert_int_equal(VACPI_COM1_PORT, 0x3f8);
}

/* The COM1 AML byte for byte, as docs/vacpi.md shows it in ASL. */
static void test_dsdt_com1_exact_bytes(void **state)
{
	static const uint8_t com1[] = {
		0x10, 0x30, 0x5c, '_', 'S', 'B', '_',
		0x5b, 0x82, 0x28, 'C', 'O', 'M', '1',
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
		0x08, '_', 'U', 'I', 'D', 0x01,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x0d, 0x0a, 0x0a,
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x79, 0x00,
	};
	struct guest g;
	const struct acpi_sdt_header *dsdt = built_dsdt(&g, ids1, 1);

	(void)state;
	assert_int_equal(dsdt->length, 36 + 15 + sizeof(com1));
	assert_memory_equal((const uint8_t *)dsdt + 36 + 15, com1, sizeof(com1));
	assert_int_equal(sum((const uint8_t *)dsdt, dsdt->length), 0);
}

/* COM1 does not depend on the vCPUs or the name: only the header differs. */
static void test_dsdt_com1_same_for_every_partition(void **state)
{
	static const uint32_t many[] = { 7, 9, 11, 13, 15 };
	struct guest *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	const struct acpi_sdt_header *da, *db;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	da = built_dsdt(a, ids1, 1);
	db = built_dsdt(b, many, 5);
	assert_int_equal(da->length, db->length);
	assert_memory_equal((const uint8_t *)da + 36, (const uint8_t *)db + 36, da->length - 36);
	free(a);
	free(b);
}

static void test_madt_fields(void **state)
{
	static const uint32_t ids[] = { 0x10, 0x11, 0x100000 };
	struct vacpi_desc d = desc(ids, 3, 0);
	struct acpi_madt m;
	const uint8_t *p;
	struct guest g;

	(void)state;
	build(&g, &d);
	p = at(&g, g.l.madt.gpa, g.l.madt.len);
	memcpy(&m, p, sizeof(m));
	assert_int_equal(m.lapic_address, 0xfee00000);
	assert_int_equal(m.flags, 0);           /* PCAT_COMPAT clear: no 8259s */
	for (unsigned i = 0; i < 3; i++) {
		struct acpi_madt_x2apic x;

		memcpy(&x, p + 44 + 16 * i, sizeof(x));
		assert_int_equal(x.type, ACPI_MADT_X2APIC);
		assert_int_equal(x.length, 16);
		assert_int_equal(x.reserved, 0);
		assert_int_equal(x.x2apic_id, ids[i]);
		assert_int_equal(x.flags, ACPI_MADT_CPU_ENABLED);
		assert_int_equal(x.uid, i);
	}
	check_cpus(&g, ids, 3);
}

/* A name longer than 8 characters is the OEM Table ID's first 8. */
static void test_long_name(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);
	struct acpi_sdt_header h;
	struct guest g;

	(void)state;
	d.name = "container-host";
	d.oem_id = "SEPT";
	build(&g, &d);
	memcpy(&h, at(&g, g.l.madt.gpa, sizeof(h)), sizeof(h));
	assert_memory_equal(h.oem_table_id, "containe", 8);
	assert_memory_equal(h.oem_id, "SEPT  ", 6);
}

/* Above 4 GiB only the 64-bit fields can hold addresses. */
static void test_above_4g(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, VACPI_F_RESET_REG);
	struct acpi_fadt f;
	struct guest g;

	(void)state;
	build_at(&g, &d, 0x100000000ull + 0x10);
	assert_int_equal(g.l.rsdp.v, 0x100000010ull);
	f = fadt_of(&g);
	assert_int_equal(f.dsdt, 0);
	assert_int_equal(f.x_dsdt, g.l.dsdt.gpa.v);
	assert_true(g.l.dsdt.gpa.v > UINT32_MAX);
	check_cpus(&g, ids2, 2);
}

/* The buffer need not be aligned; padding is zeroed; builds repeat. */
static void test_unaligned_buffer_and_padding(void **state)
{
	static uint8_t a[VACPI_BUF_MAX + 1], b[VACPI_BUF_MAX + 1];
	struct vacpi_desc d = desc(ids2, 2, VACPI_F_RESET_REG);
	struct vacpi_layout la, lb;
	char why[VACPI_WHY_MAX];

	(void)state;
	memset(a, 0xff, sizeof(a));
	memset(b, 0x00, sizeof(b));
	assert_int_equal(vacpi_build(a + 1, VACPI_BUF_MAX, BASE, &d, &la, why, sizeof(why)), 0);
	assert_int_equal(vacpi_build(b + 1, VACPI_BUF_MAX, BASE, &d, &lb, why, sizeof(why)), 0);
	assert_memory_equal(&la, &lb, sizeof(la));
	assert_memory_equal(a + 1, b + 1, la.size);
	assert_int_equal(a[1 + la.size], 0xff);  /* nothing written past size */
	assert_int_equal(a[0], 0xff);
	/* 36..47: the padding after the RSDP. */
	for (unsigned i = 36; i < 48; i++)
		assert_int_equal(a[1 + i], 0);
}

static void test_sleep_ctl_is_s5(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);
	struct guest g;

	(void)state;
	build(&g, &d);
	/* What ACPICA writes for S5: SLP_TYP << 2 | SLP_EN (§4.8.3.7). */
	assert_true(vacpi_sleep_ctl_is_s5(&g.l, (uint8_t)(VACPI_S5_SLP_TYP << 2 | 0x20)));
	assert_false(vacpi_sleep_ctl_is_s5(&g.l, (uint8_t)(VACPI_S5_SLP_TYP << 2)));
	assert_false(vacpi_sleep_ctl_is_s5(&g.l, 0x20));
	assert_false(vacpi_sleep_ctl_is_s5(&g.l, (uint8_t)(3 << 2 | 0x20)));
}

/* --------------------------------------------------------------- refusals */

/* Expects vacpi_build(d) at base into buflen bytes to fail with a reason
 * containing text, leaving the buffer and the layout untouched/zeroed. */
static void refused(const struct vacpi_desc *d, uint64_t base, size_t buflen, const char *text)
{
	static uint8_t buf[VACPI_BUF_MAX];
	struct vacpi_layout l;
	char why[VACPI_WHY_MAX] = "";

	memset(buf, 0xa5, sizeof(buf));
	memset(&l, 0xa5, sizeof(l));
	assert_true(buflen <= sizeof(buf));
	assert_int_equal(vacpi_build(buf, buflen, base, d, &l, why, sizeof(why)), -1);
	if (!strstr(why, text))
		fail_msg("reason \"%s\" does not contain \"%s\"", why, text);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(l.rsdp.v, 0);
	assert_int_equal(l.madt.len, 0);
}

static void test_buffer_too_small(void **state)
{
	struct vacpi_desc d = desc(ids2, 2, 0);
	struct vacpi_layout l;
	struct guest g;
	char why[VACPI_WHY_MAX], want[64];

	(void)state;
	build(&g, &d);
	snprintf(want, sizeof(want), "need %zu", g.l.size);
	refused(&d, BASE, g.l.size - 1, want);
	refused(&d, BASE, 0, want);
	/* out->size says how much. */
	assert_int_equal(vacpi_build(g.buf, g.l.size - 1, BASE, &d, &l, why, sizeof(why)), -1);
	assert_int_equal(l.size, g.l.size);
	/* Exactly enough is enough. */
	assert_int_equal(vacpi_build(g.buf, g.l.size, BASE, &d, &l, why, sizeof(why)), 0);
}

static void test_buffer_too_small_64_cpus(void **state)
{
	uint32_t ids[VACPI_MAX_CPUS];
	struct vacpi_desc d;

	(void)state;
	for (unsigned i = 0; i < VACPI_MAX_CPUS; i++)
		ids[i] = i;
	d = desc(ids, VACPI_MAX_CPUS, 0);
	/* 48 RSDP + 64 XSDT + 288 FADT + 112 DSDT + 1072 MADT */
	refused(&d, BASE, 1024, "64 vCPUs need 1584");
}

static void test_null_buffer(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);
	struct vacpi_layout l;
	char why[VACPI_WHY_MAX];

	(void)state;
	assert_int_equal(vacpi_build(NULL, 4096, BASE, &d, &l, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "buffer of 0 bytes"));
	assert_true(l.size > 0);
}

static void test_65_cpus_refused(void **state)
{
	uint32_t ids[VACPI_MAX_CPUS + 1];
	struct vacpi_desc d;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(ids); i++)
		ids[i] = i;
	d = desc(ids, VACPI_MAX_CPUS + 1, 0);
	refused(&d, BASE, VACPI_BUF_MAX, "65 vCPUs, at most 64");
}

static void test_zero_cpus_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 0, 0);

	(void)state;
	refused(&d, BASE, VACPI_BUF_MAX, "at least one vCPU");
}

static void test_no_apic_ids_refused(void **state)
{
	struct vacpi_desc d = desc(NULL, 1, 0);

	(void)state;
	refused(&d, BASE, VACPI_BUF_MAX, "no APIC ids");
}

static void test_duplicate_apic_id_refused(void **state)
{
	static const uint32_t ids[] = { 4, 5, 6, 5 };
	struct vacpi_desc d = desc(ids, 4, 0);

	(void)state;
	refused(&d, BASE, VACPI_BUF_MAX, "APIC id 5 given to vCPUs 1 and 3");
}

static void test_broadcast_apic_id_refused(void **state)
{
	static const uint32_t ids[] = { 0, 0xffffffffu };
	struct vacpi_desc d = desc(ids, 2, 0);

	(void)state;
	refused(&d, BASE, VACPI_BUF_MAX, "vCPU 1: APIC id 0xffffffff");
}

static void test_oem_id_too_long_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);

	(void)state;
	d.oem_id = "SEPTUMX";
	refused(&d, BASE, VACPI_BUF_MAX, "OEM ID must have 1 to 6");
}

static void test_oem_id_empty_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);

	(void)state;
	d.oem_id = "";
	refused(&d, BASE, VACPI_BUF_MAX, "OEM ID must have 1 to 6");
}

static void test_oem_id_null_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);

	(void)state;
	d.oem_id = NULL;
	refused(&d, BASE, VACPI_BUF_MAX, "OEM ID must have 1 to 6");
}

static void test_no_name_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);

	(void)state;
	d.name = "";
	refused(&d, BASE, VACPI_BUF_MAX, "no partition name");
	d.name = NULL;
	refused(&d, BASE, VACPI_BUF_MAX, "no partition name");
}

static void test_unknown_flags_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, BIT(7));

	(void)state;
	refused(&d, BASE, VACPI_BUF_MAX, "unknown flags 0x80");
}

static void test_unaligned_base_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);

	(void)state;
	refused(&d, BASE + 8, VACPI_BUF_MAX, "0x9f008 is not 16-byte aligned");
}

static void test_base_wraps_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);

	(void)state;
	refused(&d, 0xffffffffffffff00ull, VACPI_BUF_MAX, "wraps");
}

static void test_pm_timer_port_zero_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_PM_TIMER);

	(void)state;
	refused(&d, BASE, VACPI_BUF_MAX, "PM timer port 0x0");
}

static void test_pm_timer_port_past_64k_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_PM_TIMER);

	(void)state;
	d.pm_timer_port = 0xfffe;
	refused(&d, BASE, VACPI_BUF_MAX, "PM timer port 0xfffe cannot hold");
}

static void test_pm_timer_overlaps_sleep_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_PM_TIMER);

	(void)state;
	d.pm_timer_port = 0x5fe;                /* 0x5fe-0x601 */
	refused(&d, BASE, VACPI_BUF_MAX, "overlap the sleep or reset register");
}

static void test_pm_timer_overlaps_reset_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_PM_TIMER | VACPI_F_RESET_REG);
	struct guest g;

	(void)state;
	d.pm_timer_port = 0xcf8;                /* 0xcf8-0xcfb holds 0xcf9 */
	refused(&d, BASE, VACPI_BUF_MAX, "overlap the sleep or reset register");
	/* Without a reset register 0xcf9 is not the builder's to guard. */
	d.flags = VACPI_F_PM_TIMER;
	build(&g, &d);
}

static void test_null_desc_refused(void **state)
{
	(void)state;
	refused(NULL, BASE, VACPI_BUF_MAX, "no partition description");
}

static void test_null_layout_refused(void **state)
{
	struct vacpi_desc d = desc(ids1, 1, 0);
	uint8_t buf[VACPI_BUF_MAX];
	char why[VACPI_WHY_MAX];

	(void)state;
	assert_int_equal(vacpi_build(buf, sizeof(buf), BASE, &d, NULL, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "no layout"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_two_cpus),
		cmocka_unit_test(test_64_cpus_odd_ids),
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_tables_lengths_revisions_checksums),
		cmocka_unit_test(test_xsdt_entries),
		cmocka_unit_test(test_documented_layout),
		cmocka_unit_test(test_alignment_and_bounds),
		cmocka_unit_test(test_fadt_fields),
		cmocka_unit_test(test_fadt_without_reset_reg),
		cmocka_unit_test(test_fadt_pm_timer),
		cmocka_unit_test(test_fadt_cmos_rtc),
		cmocka_unit_test(test_reader_refuses_pm1),
		cmocka_unit_test(test_dsdt_s5),
		cmocka_unit_test(test_dsdt_com1_pnp0501),
		cmocka_unit_test(test_dsdt_com1_resources),
		cmocka_unit_test(test_dsdt_com1_exact_bytes),
		cmocka_unit_test(test_dsdt_com1_same_for_every_partition),
		cmocka_unit_test(test_madt_fields),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_above_4g),
		cmocka_unit_test(test_unaligned_buffer_and_padding),
		cmocka_unit_test(test_sleep_ctl_is_s5),
		cmocka_unit_test(test_buffer_too_small),
		cmocka_unit_test(test_buffer_too_small_64_cpus),
		cmocka_unit_test(test_null_buffer),
		cmocka_unit_test(test_65_cpus_refused),
		cmocka_unit_test(test_zero_cpus_refused),
		cmocka_unit_test(test_no_apic_ids_refused),
		cmocka_unit_test(test_duplicate_apic_id_refused),
		cmocka_unit_test(test_broadcast_apic_id_refused),
		cmocka_unit_test(test_oem_id_too_long_refused),
		cmocka_unit_test(test_oem_id_empty_refused),
		cmocka_unit_test(test_oem_id_null_refused),
		cmocka_unit_test(test_no_name_refused),
		cmocka_unit_test(test_unknown_flags_refused),
		cmocka_unit_test(test_unaligned_base_refused),
		cmocka_unit_test(test_base_wraps_refused),
		cmocka_unit_test(test_pm_timer_port_zero_refused),
		cmocka_unit_test(test_pm_timer_port_past_64k_refused),
		cmocka_unit_test(test_pm_timer_overlaps_sleep_refused),
		cmocka_unit_test(test_pm_timer_overlaps_reset_refused),
		cmocka_unit_test(test_null_desc_refused),
		cmocka_unit_test(test_null_layout_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
