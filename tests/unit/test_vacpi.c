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
	check_sdt(&g, &g.l.dsdt, "DSDT", 36 + 15 + 49 + 184, 2);
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
	assert_int_equal(g.l.madt.gpa.v - BASE, 688);
	assert_int_equal(g.l.size, 752);
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
 * Name values DWordPrefix, BytePrefix, Zero/One or a Buffer. Anything else
 * (a _PRT Package, say), or a PkgLength that does not end where its object
 * ends, fails the test: what Linux's AML interpreter would choke on must
 * not pass here.
 */
struct aml_device {
	char scope[5], name[5];
	bool has_hid, has_uid, has_crs, has_seg, has_bbn;
	uint32_t hid;
	uint64_t uid, seg, bbn;
	unsigned names;           /* Name objects in the device */
	const uint8_t *crs;       /* the Buffer's bytes */
	size_t crs_len;
};

#define MAX_DEVICES 4

/* §20.2.4 PkgLength: bits 7:6 of the lead byte = following bytes. */
static size_t pkglen(const uint8_t *p, size_t avail, size_t *len)
{
	size_t follow = p[0] >> 6, v;

	assert_true(avail >= follow + 1);
	if (follow)
		assert_int_equal(p[0] & 0x30, 0);           /* bits 5:4 reserved */
	if (!follow) {
		*len = p[0] & 0x3f;
		return 1;
	}
	v = p[0] & 0x0f;
	for (size_t i = 0; i < follow; i++)
		v |= (size_t)p[1 + i] << (4 + 8 * i);
	/* The shortest encoding, as iasl writes it: more bytes only when the
	 * fewer could not hold the value. */
	assert_true(v > (follow == 1 ? 0x3fu : 0xfffu));
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
	dev->names++;
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
		} else if (!strcmp(seg, "_SEG")) {
			dev->has_seg = true;
			dev->seg = p[at];
		} else if (!strcmp(seg, "_BBN")) {
			dev->has_bbn = true;
			dev->bbn = p[at];
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

/* Walks the DSDT's AML into devs[MAX_DEVICES]; fails on anything
 * unexpected. Returns the number of devices. */
static unsigned walk_dsdt(const struct acpi_sdt_header *dsdt, struct aml_device *devs)
{
	const uint8_t *aml = (const uint8_t *)dsdt + 36;
	const size_t total = dsdt->length - 36;
	unsigned devices = 0;
	size_t at = 0;

	memset(devs, 0, MAX_DEVICES * sizeof(*devs));
	while (at < total) {
		size_t n, len, end, dend;
		char scope[5] = { 0 };

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
		memcpy(scope, aml + at + 1, 4);
		at += 5;
		while (at < end) {
			struct aml_device *dev;

			assert_true(devices < MAX_DEVICES);
			dev = &devs[devices];
			memcpy(dev->scope, scope, sizeof(dev->scope));
			assert_int_equal(aml[at], 0x5b);     /* ExtOpPrefix */
			assert_int_equal(aml[at + 1], 0x82); /* DeviceOp */
			n = pkglen(aml + at + 2, end - at - 2, &len);
			dend = at + 2 + len;
			assert_true(dend <= end);
			at += 2 + n;
			memcpy(dev->name, aml + at, 4);
			at += 4;
			while (at < dend)
				at += parse_name(aml + at, dend - at, dev);
			assert_int_equal(at, dend);          /* the PkgLength was exact */
			devices++;
		}
		assert_int_equal(at, end);
	}
	assert_int_equal(at, total);
	return devices;
}

/* The DSDT has exactly COM1 and PCI0; returns the one called name. */
static struct aml_device find_device(const struct acpi_sdt_header *dsdt, const char *name)
{
	struct aml_device devs[MAX_DEVICES];
	unsigned n = walk_dsdt(dsdt, devs);

	assert_int_equal(n, 2);
	assert_string_equal(devs[0].name, "COM1");
	assert_string_equal(devs[1].name, "PCI0");
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(devs[i].name, name))
			return devs[i];
	fail_msg("no device %s", name);
	return devs[0];
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
	struct aml_device dev = find_device(built_dsdt(&g, ids1, 1), "COM1");
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
	struct aml_device dev = find_device(built_dsdt(&g, ids2, 2), "COM1");
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
	assert_int_equal(dsdt->length, 36 + 15 + sizeof(com1) + 184);
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

/* ------------------------------------------------ the DSDT's PCI root bridge */

/* The DSDT of a one-vCPU partition whose RAM is [0, ram_size). */
static const struct acpi_sdt_header *dsdt_for_ram(struct guest *g, uint64_t ram_size)
{
	struct vacpi_desc d = desc(ids1, 1, VACPI_F_RESET_REG);
	const struct acpi_sdt_header *dsdt = NULL;

	d.ram_size = ram_size;
	build(g, &d);
	init(g);
	assert_int_equal(acpi_map_table(&g->acpi, fadt_of(g).x_dsdt, "DSDT", &dsdt, g->why,
					sizeof(g->why)), 0);
	/* The reader checked length and checksum; check them once more here. */
	assert_int_equal(dsdt->length, g->l.dsdt.len);
	assert_int_equal(sum((const uint8_t *)dsdt, dsdt->length), 0);
	return dsdt;
}

static uint64_t le(const uint8_t *p, unsigned len)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* What a _CRS of PCI0 holds, decoded (§6.4.2 small, §6.4.3 large items). */
struct pci_crs {
	unsigned bus, io, iowin, mem32, mem64, ends;
	uint64_t bus_min, bus_max, io_min, io_len, iow_min, iow_max;
	uint64_t uw_min, uw_max;        /* the first I/O window: the vUART's ports */
	uint64_t m32_min, m32_max, m64_min, m64_max;
};

/*
 * An Address Space Descriptor of width-byte fields (§6.4.3.5.1-3): checks
 * the item length, that it is a producer with fixed minimum and maximum,
 * positive decode, granularity and translation 0 and length max - min + 1,
 * and the type and type-specific flags. Stores min and max.
 */
static void check_addr(const uint8_t *r, unsigned width, uint8_t type, uint8_t tflags, uint64_t *min,
		       uint64_t *max)
{
	assert_int_equal(le(r + 1, 2), 3 + 5 * width);
	assert_int_equal(r[3], type);
	assert_int_equal(r[4], 0x0c);           /* _MAF | _MIF, producer, positive decode */
	assert_int_equal(r[5], tflags);
	assert_int_equal(le(r + 6, width), 0);                  /* _GRA */
	*min = le(r + 6 + width, width);
	*max = le(r + 6 + 2 * width, width);
	assert_int_equal(le(r + 6 + 3 * width, width), 0);      /* _TRA */
	assert_int_equal(le(r + 6 + 4 * width, width), *max - *min + 1);
	assert_true(*min <= *max);
}

static struct pci_crs decode_pci_crs(const struct aml_device *dev)
{
	struct pci_crs c;
	size_t at = 0;

	memset(&c, 0, sizeof(c));
	assert_true(dev->has_crs);
	while (at < dev->crs_len) {
		const uint8_t *r = dev->crs + at;
		size_t len;

		assert_int_equal(c.ends, 0);                    /* nothing after the End Tag */
		if (r[0] & 0x80) {                              /* large item, §6.4.3 */
			assert_true(at + 3 <= dev->crs_len);
			len = 3 + le(r + 1, 2);
			assert_true(at + len <= dev->crs_len);
			switch (r[0]) {
			case 0x88:                              /* Word Address Space */
				if (r[3] == 1 && c.iowin++ == 0) {  /* I/O: the vUART's, then the window */
					check_addr(r, 2, 1, 0x03, &c.uw_min, &c.uw_max);
				} else if (r[3] == 1) {
					check_addr(r, 2, 1, 0x03, &c.iow_min, &c.iow_max);
				} else {
					c.bus++;
					check_addr(r, 2, 2, 0, &c.bus_min, &c.bus_max);
				}
				break;
			case 0x87:                              /* DWord Address Space */
				c.mem32++;
				check_addr(r, 4, 0, 0x01, &c.m32_min, &c.m32_max);
				break;
			case 0x8a:                              /* QWord Address Space */
				c.mem64++;
				check_addr(r, 8, 0, 0x01, &c.m64_min, &c.m64_max);
				break;
			default:
				fail_msg("unexpected large resource 0x%02x", r[0]);
			}
		} else {                                        /* small item, §6.4.2 */
			const unsigned type = (r[0] >> 3) & 0x0f;

			len = 1 + (r[0] & 7);
			assert_true(at + len <= dev->crs_len);
			if (type == 0x08) {                     /* I/O Port Descriptor */
				c.io++;
				assert_int_equal(len, 8);
				assert_int_equal(r[1], 0x01);   /* 16-bit decode */
				c.io_min = le(r + 2, 2);
				assert_int_equal(le(r + 4, 2), c.io_min);   /* fixed */
				assert_int_equal(r[6], 1);
				c.io_len = r[7];
			} else if (type == 0x0f) {              /* End Tag */
				c.ends++;
				assert_int_equal(len, 2);
				assert_int_equal(r[1], 0);
			} else {
				fail_msg("unexpected small resource type 0x%x (IRQ is 0x4)", type);
			}
		}
		at += len;
	}
	assert_int_equal(at, dev->crs_len);
	assert_int_equal(c.ends, 1);
	return c;
}

static void test_dsdt_pci0_names(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(dsdt_for_ram(&g, 192ull << 20), "PCI0");
	char hid[8];

	(void)state;
	assert_string_equal(dev.scope, "_SB_");
	assert_true(dev.has_hid);
	eisaid_string(dev.hid, hid);
	assert_string_equal(hid, "PNP0A03");
	assert_int_equal(dev.hid, 0x030ad041);
	assert_true(dev.has_seg);
	assert_int_equal(dev.seg, 0);
	assert_true(dev.has_bbn);
	assert_int_equal(dev.bbn, 0);
	assert_true(dev.has_uid);
	assert_int_equal(dev.uid, 0);
	/* _HID, _SEG, _BBN, _UID, _CRS and nothing else: no _PRT, no _CID. */
	assert_int_equal(dev.names, 5);
}

/* Small partition: buses 0-255, 0xcf8-0xcff, [2 GiB, 0xfebfffff] and
 * [4 GiB, 2^48). */
static void test_dsdt_pci0_resources(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(dsdt_for_ram(&g, 192ull << 20), "PCI0");
	struct pci_crs c = decode_pci_crs(&dev);

	(void)state;
	assert_int_equal(c.bus, 1);
	assert_int_equal(c.bus_min, 0);
	assert_int_equal(c.bus_max, 0xff);
	assert_int_equal(c.io, 1);
	assert_int_equal(c.io_min, 0xcf8);
	assert_int_equal(c.io_len, 8);
	/* The vUART's ports (vPCI's serial function has its BAR 0 there),
	 * then the I/O window for assigned I/O BARs, above every emulated port. */
	assert_int_equal(c.iowin, 2);
	assert_int_equal(c.uw_min, 0x3f8);
	assert_int_equal(c.uw_max, 0x3ff);
	assert_int_equal(c.iow_min, 0x1000);
	assert_int_equal(c.iow_max, 0xffff);
	assert_int_equal(c.mem32, 1);
	assert_int_equal(c.m32_min, 0x80000000);
	assert_int_equal(c.m32_max, 0xfebfffff);
	assert_int_equal(c.mem64, 1);
	assert_int_equal(c.m64_min, 0x100000000ull);
	assert_int_equal(c.m64_max, 0xffffffffffffull);
	/* The layout reports the same windows. */
	assert_int_equal(g.l.pci_mem32.base.v, 0x80000000);
	assert_int_equal(g.l.pci_mem32.len, 0x7ec00000);
	assert_int_equal(g.l.pci_mem64.base.v, 0x100000000ull);
	assert_int_equal(g.l.pci_mem64.len, 0xffff00000000ull);
}

/* The whole PCI0 AML byte for byte (the ASL in kernel/dev/vacpi.c): two-byte
 * PkgLengths for the Scope, the Device and the Buffer. */
static void test_dsdt_pci0_exact_bytes(void **state)
{
	static const uint8_t pci0[] = {
		0x10, 0x47, 0x0b, 0x5c, '_', 'S', 'B', '_',     /* Scope, PkgLength 183 */
		0x5b, 0x82, 0x4e, 0x0a, 'P', 'C', 'I', '0',     /* Device, PkgLength 174 */
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0a, 0x03,
		0x08, '_', 'S', 'E', 'G', 0x00,
		0x08, '_', 'B', 'B', 'N', 0x00,
		0x08, '_', 'U', 'I', 'D', 0x00,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x46, 0x08, 0x0a, 0x82,  /* Buffer, PkgLength 134, 130 bytes */
		/* WordBusNumber 0-0xff */
		0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
		/* IO (Decode16, 0xcf8, 0xcf8, 1, 8) */
		0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
		/* WordIO 0x3f8-0x3ff (EntireRange): the vUART */
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		0x00, 0x00, 0xf8, 0x03, 0xff, 0x03, 0x00, 0x00, 0x08, 0x00,
		/* WordIO 0x1000-0xffff (EntireRange) */
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		0x00, 0x00, 0x00, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf0,
		/* DWordMemory 0x80000000-0xfebfffff */
		0x87, 0x17, 0x00, 0x00, 0x0c, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0xff, 0xff, 0xbf, 0xfe,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc0, 0x7e,
		/* QWordMemory 0x100000000-0xffffffffffff */
		0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00,
		0x79, 0x00,                                     /* End Tag */
	};
	struct guest g;
	const struct acpi_sdt_header *dsdt = dsdt_for_ram(&g, 0);

	(void)state;
	assert_int_equal(sizeof(pci0), 184);
	assert_int_equal(dsdt->length, 36 + 15 + 49 + sizeof(pci0));
	assert_memory_equal((const uint8_t *)dsdt + 36 + 15 + 49, pci0, sizeof(pci0));
}

/* RAM reaching past 2 GiB: the 32-bit window starts where RAM ends. */
static void test_dsdt_pci0_ram_3g(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(dsdt_for_ram(&g, 0xc0000000ull), "PCI0");
	struct pci_crs c = decode_pci_crs(&dev);

	(void)state;
	assert_int_equal(c.mem32, 1);
	assert_int_equal(c.m32_min, 0xc0000000);
	assert_int_equal(c.m32_max, 0xfebfffff);
	assert_int_equal(c.mem64, 1);
	assert_int_equal(c.m64_min, 0x100000000ull);
	assert_int_equal(g.l.pci_mem32.base.v, 0xc0000000);
	assert_int_equal(g.l.pci_mem32.len, 0x3ec00000);
	assert_int_equal(g.l.dsdt.len, 284);
}

/* RAM ending 2 MiB below the I/O APIC page: a 2 MiB 32-bit window. */
static void test_dsdt_pci0_ram_just_below_ioapic(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(dsdt_for_ram(&g, 0xfea00000ull), "PCI0");
	struct pci_crs c = decode_pci_crs(&dev);

	(void)state;
	assert_int_equal(c.mem32, 1);
	assert_int_equal(c.m32_min, 0xfea00000);
	assert_int_equal(c.m32_max, 0xfebfffff);
	assert_int_equal(g.l.pci_mem32.len, 0x200000);
}

/* RAM up to 0xfec00000 or beyond: no 32-bit window at all, the DSDT 26
 * bytes shorter, every PkgLength still exact (the walker checks). */
static void test_dsdt_pci0_ram_fills_32bit_hole(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(dsdt_for_ram(&g, 0xfec00000ull), "PCI0");
	struct pci_crs c = decode_pci_crs(&dev);

	(void)state;
	assert_int_equal(c.mem32, 0);
	assert_int_equal(c.mem64, 1);
	assert_int_equal(c.m64_min, 0x100000000ull);
	assert_int_equal(g.l.pci_mem32.len, 0);
	assert_int_equal(g.l.pci_mem32.base.v, 0);
	assert_int_equal(g.l.dsdt.len, 284 - 26);
}

/* 5 GiB of RAM: the 64-bit window starts above it; the MADT moves up. */
static void test_dsdt_pci0_ram_5g(void **state)
{
	struct guest g;
	struct aml_device dev = find_device(dsdt_for_ram(&g, 5ull << 30), "PCI0");
	struct pci_crs c = decode_pci_crs(&dev);

	(void)state;
	assert_int_equal(c.mem32, 0);
	assert_int_equal(c.mem64, 1);
	assert_int_equal(c.m64_min, 5ull << 30);
	assert_int_equal(c.m64_max, 0xffffffffffffull);
	assert_int_equal(g.l.pci_mem64.base.v, 5ull << 30);
	assert_int_equal(g.l.pci_mem64.len, (1ull << 48) - (5ull << 30));
	assert_int_equal(g.l.madt.gpa.v - BASE, 400 + 272);
	assert_int_equal(g.l.size, 400 + 272 + 64);
	check_cpus(&g, ids1, 1);
}

/* RAM to the 48-bit limit: buses and ports (and the I/O window) only. The Buffer is then short
 * enough for one-byte PkgLengths inside. */
static void test_dsdt_pci0_no_windows(void **state)
{
	static const uint8_t crs_obj[] = {
		0x08, '_', 'C', 'R', 'S', 0x11, 0x3d, 0x0a, 0x3a,
		0x88, 0x0d, 0x00, 0x02, 0x0c, 0x00,
		0x00, 0x00, 0x00, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08,
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		0x00, 0x00, 0xf8, 0x03, 0xff, 0x03, 0x00, 0x00, 0x08, 0x00,
		0x88, 0x0d, 0x00, 0x01, 0x0c, 0x03,
		0x00, 0x00, 0x00, 0x10, 0xff, 0xff, 0x00, 0x00, 0x00, 0xf0,
		0x79, 0x00,
	};
	struct guest g;
	const struct acpi_sdt_header *dsdt = dsdt_for_ram(&g, 1ull << 48);
	struct aml_device dev = find_device(dsdt, "PCI0");
	struct pci_crs c = decode_pci_crs(&dev);

	(void)state;
	assert_int_equal(c.bus, 1);
	assert_int_equal(c.io, 1);
	assert_int_equal(c.mem32, 0);
	assert_int_equal(c.mem64, 0);
	assert_int_equal(g.l.pci_mem64.len, 0);
	/* 26 bytes of DWordMemory, 46 of QWordMemory, 1 of PkgLength. */
	assert_int_equal(dsdt->length, 284 - 26 - 46 - 1);
	/* _CRS is the last object of the DSDT. */
	assert_memory_equal((const uint8_t *)dsdt + dsdt->length - sizeof(crs_obj), crs_obj,
			    sizeof(crs_obj));
}

/* Below 2 GiB the RAM size changes nothing: 0 and 2 GiB give the same DSDT. */
static void test_dsdt_pci0_small_ram_same(void **state)
{
	struct guest *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	const struct acpi_sdt_header *da, *db;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	da = dsdt_for_ram(a, 0);
	db = dsdt_for_ram(b, 2ull << 30);
	assert_int_equal(da->length, db->length);
	assert_memory_equal(da, db, da->length);
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
	/* 48 RSDP + 64 XSDT + 288 FADT + 256 DSDT + 1072 MADT */
	refused(&d, BASE, 1024, "64 vCPUs need 1760");
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
		cmocka_unit_test(test_dsdt_pci0_names),
		cmocka_unit_test(test_dsdt_pci0_resources),
		cmocka_unit_test(test_dsdt_pci0_exact_bytes),
		cmocka_unit_test(test_dsdt_pci0_ram_3g),
		cmocka_unit_test(test_dsdt_pci0_ram_just_below_ioapic),
		cmocka_unit_test(test_dsdt_pci0_ram_fills_32bit_hole),
		cmocka_unit_test(test_dsdt_pci0_ram_5g),
		cmocka_unit_test(test_dsdt_pci0_no_windows),
		cmocka_unit_test(test_dsdt_pci0_small_ram_same),
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
