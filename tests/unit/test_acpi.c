/* SPDX-License-Identifier: MIT */
/*
 * ACPI reader: QEMU-like tables assembled byte by byte here, this build
 * machine's real MADT/FADT/DSDT (a Firecracker VM: hardware-reduced ACPI, no
 * \_S5; C arrays from test_acpi_gen.py), and one test per kind of broken
 * table or entry; also the I/O APIC redirection entries built from the
 * MADT's answer (arch/ioapic.h's pure encoders). Physical memory is a list
 * of buffers behind the map callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/acpi.h>
#include <arch/ioapic.h>

#include "test_acpi_tables.h"

#define TBL_MAX   4096   /* == the spacing of the fake tables below */

/* Where the fake firmware put each table. */
#define RSDP_PA   0x000f5a40ull
#define XSDT_PA   0x07fe1000ull
#define RSDT_PA   0x07fe2000ull
#define MADT_PA   0x07fe3000ull
#define FADT_PA   0x07fe4000ull
#define DSDT_PA   0x07fe5000ull
#define MADT2_PA  0x07fe6000ull
#define HPET_PA   0x07fe7000ull
#define REAL_DSDT_PA 0x0009fd44ull   /* the real FADT's X_DSDT */

struct tbl {
	uint8_t b[TBL_MAX];
	size_t len;
};

struct machine {
	struct tbl rsdp, xsdt, rsdt, madt, madt2, fadt, dsdt, hpet;
	struct { uint64_t pa; const uint8_t *data; size_t len; } region[12];
	unsigned nregion;
	struct acpi acpi;
	char why[ACPI_WHY_MAX];
};

static const void *fake_map(void *ctx, uint64_t phys, size_t len)
{
	struct machine *m = ctx;

	for (unsigned i = 0; i < m->nregion; i++) {
		uint64_t pa = m->region[i].pa;

		if (phys >= pa && phys - pa <= m->region[i].len && len <= m->region[i].len - (phys - pa))
			return m->region[i].data + (phys - pa);
	}
	return NULL;
}

static void add_region(struct machine *m, uint64_t pa, const void *data, size_t len)
{
	assert_true(m->nregion < ARRAY_SIZE(m->region));
	m->region[m->nregion].pa = pa;
	m->region[m->nregion].data = data;
	m->region[m->nregion].len = len;
	m->nregion++;
}

/* ------------------------------------------------------------ assembling */

static void put(struct tbl *t, size_t off, uint64_t v, unsigned n)
{
	assert_true(off + n <= TBL_MAX);
	for (unsigned i = 0; i < n; i++)
		t->b[off + i] = (uint8_t)(v >> (8 * i));
	if (off + n > t->len)
		t->len = off + n;
}

static void emit(struct tbl *t, const void *p, size_t n)
{
	assert_true(t->len + n <= TBL_MAX);
	memcpy(t->b + t->len, p, n);
	t->len += n;
}

static void emit_u(struct tbl *t, uint64_t v, unsigned n)
{
	put(t, t->len, v, n);
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	for (size_t i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* §5.2.6 header as QEMU writes it: OEM "BOCHS ", table id "BXPC" + sig. */
static void sdt_begin(struct tbl *t, const char *sig, uint8_t rev)
{
	memset(t, 0, sizeof(*t));
	emit(t, sig, 4);
	emit_u(t, 0, 4);                /* length, set by sdt_finish */
	emit_u(t, rev, 1);
	emit_u(t, 0, 1);                /* checksum */
	emit(t, "BOCHS ", 6);
	emit(t, "BXPC", 4);
	emit(t, sig, 4);
	emit_u(t, 1, 4);
	emit(t, "BXPC", 4);
	emit_u(t, 1, 4);
	assert_int_equal(t->len, 36);
}

/* Sets the length to what was emitted and makes the bytes sum to 0. */
static void sdt_finish(struct tbl *t)
{
	put(t, 4, t->len, 4);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum(t->b, t->len);
}

static void madt_begin(struct tbl *t)
{
	sdt_begin(t, "APIC", 1);
	emit_u(t, 0xfee00000, 4);       /* local APIC address */
	emit_u(t, 1, 4);                /* PCAT_COMPAT */
}

static void madt_lapic(struct tbl *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	emit_u(t, ACPI_MADT_LAPIC, 1);
	emit_u(t, 8, 1);
	emit_u(t, uid, 1);
	emit_u(t, id, 1);
	emit_u(t, flags, 4);
}

static void madt_x2apic(struct tbl *t, uint32_t id, uint32_t uid, uint32_t flags)
{
	emit_u(t, ACPI_MADT_X2APIC, 1);
	emit_u(t, 16, 1);
	emit_u(t, 0, 2);
	emit_u(t, id, 4);
	emit_u(t, flags, 4);
	emit_u(t, uid, 4);
}

static void madt_ioapic(struct tbl *t, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	emit_u(t, ACPI_MADT_IOAPIC, 1);
	emit_u(t, 12, 1);
	emit_u(t, id, 1);
	emit_u(t, 0, 1);
	emit_u(t, addr, 4);
	emit_u(t, gsi_base, 4);
}

static void madt_iso(struct tbl *t, uint8_t bus, uint8_t source, uint32_t gsi, uint16_t flags)
{
	emit_u(t, ACPI_MADT_ISO, 1);
	emit_u(t, 10, 1);
	emit_u(t, bus, 1);
	emit_u(t, source, 1);
	emit_u(t, gsi, 4);
	emit_u(t, flags, 2);
}

/* The non-CPU entries QEMU puts in its MADT: I/O APIC, overrides, NMI. */
static void madt_qemu_extras(struct tbl *t)
{
	static const uint8_t ioapic[] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };
	static const uint8_t iso[] = { 2, 10, 0, 0, 2, 0, 0, 0, 0, 0 };
	static const uint8_t nmi[] = { 4, 6, 0xff, 0, 0, 1 };

	emit(t, ioapic, sizeof(ioapic));
	emit(t, iso, sizeof(iso));
	emit(t, nmi, sizeof(nmi));
}

/* A q35-like FADT (revision 3, 244 bytes) with PM1a_CNT at 0x604. */
static void build_fadt(struct tbl *t, uint8_t rev, size_t len)
{
	sdt_begin(t, "FACP", rev);
	put(t, 40, DSDT_PA, 4);         /* DSDT */
	put(t, 56, 0x600, 4);           /* PM1a_EVT_BLK */
	put(t, 64, 0x604, 4);           /* PM1a_CNT_BLK */
	put(t, 76, 0x608, 4);           /* PM_TMR_BLK */
	put(t, 88, 4, 1);               /* PM1_EVT_LEN */
	put(t, 89, 2, 1);               /* PM1_CNT_LEN */
	put(t, 91, 4, 1);               /* PM_TMR_LEN */
	put(t, 112, 0x84a5, 4);         /* flags: WBINVD, PROC_C1, SLP_BUTTON, RTC_S4, ... */
	if (len > ACPI_FADT_V1_SIZE) {
		put(t, 140, DSDT_PA, 8);        /* X_DSDT */
		put(t, 172, ACPI_GAS_IO, 1);    /* X_PM1a_CNT_BLK */
		put(t, 173, 16, 1);
		put(t, 176, 0x604, 8);
	}
	put(t, len - 1, 0, 1);
	t->len = len;
	sdt_finish(t);
}

/* Some AML that is not \_S5, then QEMU's Name(_S5, Package(4){0, 0, 0, 0}). */
static const uint8_t aml_prefix[] = {
	0x10, 0x0d, 0x5c, 0x5f, 0x53, 0x42, 0x5f,            /* Scope(\_SB) { */
	0x08, 0x58, 0x58, 0x58, 0x58, 0x0a, 0x2a,            /*   Name(XXXX, 0x2a) } */
};
static const uint8_t aml_qemu_s5[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04, 0, 0, 0, 0 };

static void build_dsdt(struct tbl *t, const uint8_t *s5, size_t s5len)
{
	sdt_begin(t, "DSDT", 1);
	emit(t, aml_prefix, sizeof(aml_prefix));
	emit(t, s5, s5len);
	sdt_finish(t);
}

static void build_root(struct tbl *t, const char *sig, unsigned esize, const uint64_t *pa,
		       unsigned n)
{
	sdt_begin(t, sig, 1);
	for (unsigned i = 0; i < n; i++)
		emit_u(t, pa[i], esize);
	sdt_finish(t);
}

static void build_rsdp(struct tbl *t, uint8_t rev, uint64_t rsdt, uint64_t xsdt)
{
	memset(t, 0, sizeof(*t));
	emit(t, "RSD PTR ", 8);
	emit_u(t, 0, 1);
	emit(t, "BOCHS ", 6);
	emit_u(t, rev, 1);
	emit_u(t, rsdt, 4);
	if (rev >= 2) {
		emit_u(t, 36, 4);
		emit_u(t, xsdt, 8);
		emit_u(t, 0, 4);
	}
	t->b[8] = (uint8_t)-sum(t->b, 20);     /* bytes 0..19 first: they are */
	if (rev >= 2)                           /* part of the extended sum too */
		t->b[32] = (uint8_t)-sum(t->b, 36);
}

static void map_all(struct machine *m)
{
	m->nregion = 0;
	add_region(m, RSDP_PA, m->rsdp.b, TBL_MAX);
	add_region(m, XSDT_PA, m->xsdt.b, TBL_MAX);
	add_region(m, RSDT_PA, m->rsdt.b, TBL_MAX);
	add_region(m, MADT_PA, m->madt.b, TBL_MAX);
	add_region(m, MADT2_PA, m->madt2.b, TBL_MAX);
	add_region(m, FADT_PA, m->fadt.b, TBL_MAX);
	add_region(m, DSDT_PA, m->dsdt.b, TBL_MAX);
	add_region(m, HPET_PA, m->hpet.b, TBL_MAX);
}

/*
 * QEMU-like machine with 4 CPUs. The XSDT lists HPET, FADT, MADT (4 CPUs);
 * the RSDT lists FADT and MADT2 (2 CPUs), so a test can tell which root
 * table was read.
 */
static struct machine *qemu_machine(uint8_t rsdp_rev)
{
	struct machine *m = calloc(1, sizeof(*m));
	const uint64_t xsdt[] = { HPET_PA, FADT_PA, MADT_PA };
	const uint64_t rsdt[] = { FADT_PA, MADT2_PA };

	assert_non_null(m);
	build_rsdp(&m->rsdp, rsdp_rev, RSDT_PA, XSDT_PA);
	build_root(&m->xsdt, "XSDT", 8, xsdt, ARRAY_SIZE(xsdt));
	build_root(&m->rsdt, "RSDT", 4, rsdt, ARRAY_SIZE(rsdt));
	madt_begin(&m->madt);
	for (uint8_t i = 0; i < 4; i++)
		madt_lapic(&m->madt, i, i, ACPI_MADT_CPU_ENABLED);
	madt_qemu_extras(&m->madt);
	sdt_finish(&m->madt);
	madt_begin(&m->madt2);
	madt_lapic(&m->madt2, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&m->madt2, 1, 2, ACPI_MADT_CPU_ENABLED);
	sdt_finish(&m->madt2);
	build_fadt(&m->fadt, 3, 244);
	build_dsdt(&m->dsdt, aml_qemu_s5, sizeof(aml_qemu_s5));
	sdt_begin(&m->hpet, "HPET", 1);
	for (unsigned i = 0; i < 20; i++)
		emit_u(&m->hpet, 0, 1);
	sdt_finish(&m->hpet);
	map_all(m);
	return m;
}

static void init_ok(struct machine *m)
{
	if (acpi_init(&m->acpi, RSDP_PA, fake_map, m, m->why, sizeof(m->why)))
		fail_msg("acpi_init: %s", m->why);
}

static void expect_init_fails(struct machine *m, const char *reason)
{
	assert_int_equal(acpi_init(&m->acpi, RSDP_PA, fake_map, m, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, reason);
}

static void expect_cpus(struct machine *m, const struct acpi_cpu *want, unsigned n)
{
	struct acpi_cpu cpus[8];
	unsigned got = 99;

	assert_int_equal(acpi_find_cpus(&m->acpi, cpus, ARRAY_SIZE(cpus), &got, m->why,
					sizeof(m->why)), 0);
	assert_int_equal(got, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(cpus[i].apic_id, want[i].apic_id);
		assert_int_equal(cpus[i].uid, want[i].uid);
		assert_int_equal(cpus[i].enabled, want[i].enabled);
	}
}

static void expect_cpus_fail(struct machine *m, unsigned cap, const char *reason)
{
	struct acpi_cpu cpus[8];
	unsigned got = 99;

	assert_true(cap <= ARRAY_SIZE(cpus));
	assert_int_equal(acpi_find_cpus(&m->acpi, cpus, cap, &got, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, reason);
}

/* Rebuilds the MADT from raw entries after the fixed part. */
static void madt_with(struct machine *m, const uint8_t *entries, size_t n)
{
	madt_begin(&m->madt);
	emit(&m->madt, entries, n);
	sdt_finish(&m->madt);
}

static const struct acpi_cpu four[] = {
	{ 0, 0, true }, { 1, 1, true }, { 2, 2, true }, { 3, 3, true },
};

/* ------------------------------------------------------------- QEMU-like */

static void test_qemu_xsdt_preferred(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	init_ok(m);
	assert_true(m->acpi.xsdt);
	assert_int_equal(m->acpi.root, XSDT_PA);
	assert_int_equal(m->acpi.rsdp_revision, 2);
	expect_cpus(m, four, 4);
	free(m);
}

static void test_rsdp_v1_uses_rsdt(void **state)
{
	struct machine *m = qemu_machine(0);
	const struct acpi_cpu two[] = { { 0, 0, true }, { 2, 1, true } };

	(void)state;
	init_ok(m);
	assert_false(m->acpi.xsdt);
	assert_int_equal(m->acpi.root, RSDT_PA);
	expect_cpus(m, two, 2);
	free(m);
}

static void test_rsdp_v2_without_xsdt_uses_rsdt(void **state)
{
	struct machine *m = qemu_machine(2);
	const struct acpi_cpu two[] = { { 0, 0, true }, { 2, 1, true } };

	(void)state;
	build_rsdp(&m->rsdp, 2, RSDT_PA, 0);
	init_ok(m);
	assert_false(m->acpi.xsdt);
	expect_cpus(m, two, 2);
	free(m);
}

static void test_qemu_s5(void **state)
{
	struct machine *m = qemu_machine(2);
	struct acpi_s5 s5;

	(void)state;
	memset(&s5, 0xee, sizeof(s5));
	init_ok(m);
	assert_int_equal(acpi_find_s5(&m->acpi, &s5, m->why, sizeof(m->why)), 0);
	assert_int_equal(s5.pm1a_cnt, 0x604);
	assert_int_equal(s5.pm1b_cnt, 0);
	assert_int_equal(s5.slp_typa, 0);
	assert_int_equal(s5.slp_typb, 0);
	assert_int_equal(acpi_pm1_cnt_sleep(s5.slp_typa), 0x2000);
	free(m);
}

/* \_S5 with a root prefix and BytePrefix values (SLP_TYP 7, as on Intel
 * chipsets), after a decoy "_S5_" that is a reference, not a Name. */
static void test_s5_root_name_byte_values(void **state)
{
	static const uint8_t aml[] = {
		0x70, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x60,     /* Store(\_S5_, Local0) */
		0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f,           /* Name(\_S5_, */
		0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x06, 0x00, 0x00, /* Package(4){7, 6, 0, 0}) */
	};
	struct machine *m = qemu_machine(2);
	struct acpi_s5 s5;

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	init_ok(m);
	assert_int_equal(acpi_find_s5(&m->acpi, &s5, m->why, sizeof(m->why)), 0);
	assert_int_equal(s5.slp_typa, 7);
	assert_int_equal(s5.slp_typb, 6);
	assert_int_equal(acpi_pm1_cnt_sleep(7), 0x3c00);
	free(m);
}

/* A two-byte PkgLength, Word and DWord values, and a PM1b block. */
static void test_s5_long_pkglen_and_pm1b(void **state)
{
	static const uint8_t aml[] = {
		0x08, 0x5f, 0x53, 0x35, 0x5f,
		0x12, 0x45, 0x01, 0x04,         /* Package, PkgLength 0x15 in 2 bytes, 4 elements */
		0x0b, 0x05, 0x00, 0x0c, 0x03, 0x00, 0x00, 0x00,
		0x0c, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00,
	};
	struct machine *m = qemu_machine(2);
	struct acpi_s5 s5;

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	put(&m->fadt, 68, 0x404, 4);    /* PM1b_CNT_BLK, no X_PM1b_CNT_BLK */
	sdt_finish(&m->fadt);
	init_ok(m);
	assert_int_equal(acpi_find_s5(&m->acpi, &s5, m->why, sizeof(m->why)), 0);
	assert_int_equal(s5.pm1a_cnt, 0x604);
	assert_int_equal(s5.pm1b_cnt, 0x404);
	assert_int_equal(s5.slp_typa, 5);
	assert_int_equal(s5.slp_typb, 3);
	free(m);
}

/* ACPI 1.0 FADT (116 bytes, i440fx-like): only the 32-bit fields exist. */
static void test_fadt_v1(void **state)
{
	struct machine *m = qemu_machine(0);
	struct acpi_s5 s5;

	(void)state;
	build_fadt(&m->fadt, 1, ACPI_FADT_V1_SIZE);
	put(&m->fadt, 64, 0xb004, 4);
	sdt_finish(&m->fadt);
	init_ok(m);
	assert_int_equal(acpi_find_s5(&m->acpi, &s5, m->why, sizeof(m->why)), 0);
	assert_int_equal(s5.pm1a_cnt, 0xb004);
	free(m);
}

static void test_madt_flags_and_x2apic(void **state)
{
	struct machine *m = qemu_machine(2);
	const struct acpi_cpu want[] = {
		{ 0, 0, true }, { 1, 1, false }, { 0x100, 7, true }, { 0x101, 8, false },
	};

	(void)state;
	madt_begin(&m->madt);
	madt_lapic(&m->madt, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&m->madt, 1, 1, ACPI_MADT_CPU_ONLINE_CAPABLE);
	madt_lapic(&m->madt, 2, 2, 0);                       /* unusable: ignored */
	madt_qemu_extras(&m->madt);
	madt_x2apic(&m->madt, 0x100, 7, ACPI_MADT_CPU_ENABLED);
	madt_x2apic(&m->madt, 0x101, 8, ACPI_MADT_CPU_ONLINE_CAPABLE);
	madt_x2apic(&m->madt, 0x102, 9, 0);                  /* unusable: ignored */
	sdt_finish(&m->madt);
	init_ok(m);
	expect_cpus(m, want, 4);
	free(m);
}

static void test_cpus_exactly_capacity(void **state)
{
	struct machine *m = qemu_machine(2);
	struct acpi_cpu cpus[4];
	unsigned n;

	(void)state;
	init_ok(m);
	assert_int_equal(acpi_find_cpus(&m->acpi, cpus, 4, &n, m->why, sizeof(m->why)), 0);
	assert_int_equal(n, 4);
	assert_int_equal(cpus[3].apic_id, 3);
	free(m);
}

static void test_table_not_found(void **state)
{
	struct machine *m = qemu_machine(2);
	const struct acpi_sdt_header *h = NULL;

	(void)state;
	init_ok(m);
	assert_int_equal(acpi_find_table(&m->acpi, "SRAT", &h, m->why, sizeof(m->why)),
			 ACPI_NOT_FOUND);
	assert_string_equal(m->why, "no SRAT table");
	assert_int_equal(acpi_find_table(&m->acpi, "HPET", &h, m->why, sizeof(m->why)), 0);
	assert_ptr_equal(h, m->hpet.b);
	free(m);
}

/* ----------------------------------------------- this machine's own tables */

static struct machine *real_machine(void)
{
	struct machine *m = calloc(1, sizeof(*m));
	const uint64_t xsdt[] = { FADT_PA, MADT_PA };

	assert_non_null(m);
	build_rsdp(&m->rsdp, 2, 0, XSDT_PA);
	build_root(&m->xsdt, "XSDT", 8, xsdt, ARRAY_SIZE(xsdt));
	add_region(m, RSDP_PA, m->rsdp.b, TBL_MAX);
	add_region(m, XSDT_PA, m->xsdt.b, TBL_MAX);
	add_region(m, MADT_PA, real_madt, sizeof(real_madt));
	add_region(m, FADT_PA, real_fadt, sizeof(real_fadt));
	add_region(m, REAL_DSDT_PA, real_dsdt, sizeof(real_dsdt));
	init_ok(m);
	return m;
}

/* Firecracker, 2 vCPUs: local APIC entries for APIC ids 0 and 1. */
static void test_real_madt(void **state)
{
	struct machine *m = real_machine();
	const struct acpi_cpu want[] = { { 0, 0, true }, { 1, 1, true } };
	struct acpi_cpu one[1];
	unsigned n;

	(void)state;
	expect_cpus(m, want, 2);
	assert_int_equal(acpi_madt_cpus((const void *)real_madt, one, 1, &n, m->why,
					sizeof(m->why)), -1);
	assert_string_equal(m->why, "MADT: more than 1 CPUs");
	free(m);
}

/* Its FADT is hardware-reduced (flags bit 20): no PM1 block to power off with. */
static void test_real_fadt_hw_reduced(void **state)
{
	struct machine *m = real_machine();
	struct acpi_s5 s5;

	(void)state;
	assert_int_equal(acpi_find_s5(&m->acpi, &s5, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, "FADT: hardware-reduced ACPI has no PM1 control block");
	free(m);
}

/* Its DSDT, found through X_DSDT, is valid and has no \_S5. */
static void test_real_dsdt(void **state)
{
	struct machine *m = real_machine();
	const struct acpi_sdt_header *dsdt;
	const struct acpi_fadt *f = (const void *)real_fadt;
	struct acpi_s5 s5;

	(void)state;
	assert_int_equal(f->x_dsdt, REAL_DSDT_PA);
	assert_int_equal(acpi_map_table(&m->acpi, f->x_dsdt, "DSDT", &dsdt, m->why,
					sizeof(m->why)), 0);
	assert_int_equal(dsdt->length, sizeof(real_dsdt));
	assert_int_equal(acpi_dsdt_s5(dsdt, &s5, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, "DSDT: no \\_S5 package");
	free(m);
}

/* ------------------------------------------------------------ RSDP, root */

static void test_rsdp_bad_signature(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->rsdp.b[0] = 'X';
	expect_init_fails(m, "RSDP at 0xf5a40: bad signature");
	free(m);
}

static void test_rsdp_bad_checksum(void **state)
{
	struct machine *m = qemu_machine(0);

	(void)state;
	m->rsdp.b[8]++;
	expect_init_fails(m, "RSDP at 0xf5a40: bad checksum");
	free(m);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->rsdp.b[32]++;
	expect_init_fails(m, "RSDP at 0xf5a40: bad extended checksum");
	free(m);
}

static void test_rsdp_short_length(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->rsdp.b[20] = 20;
	m->rsdp.b[8] = 0;
	m->rsdp.b[8] = (uint8_t)-sum(m->rsdp.b, 20);
	expect_init_fails(m, "RSDP at 0xf5a40: length 20 not in 36..4096");
	free(m);
}

static void test_rsdp_huge_length(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	put(&m->rsdp, 20, 0x7fffffff, 4);
	m->rsdp.b[8] = 0;
	m->rsdp.b[8] = (uint8_t)-sum(m->rsdp.b, 20);
	expect_init_fails(m, "RSDP at 0xf5a40: length 2147483647 not in 36..4096");
	free(m);
}

static void test_table_huge_length(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	put(&m->madt, 4, 0xfffffff0, 4);
	init_ok(m);
	expect_cpus_fail(m, 8, "APIC at 0x7fe3000: length 4294967280 is implausible");
	free(m);
}

static void test_rsdp_unmappable(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	assert_int_equal(acpi_init(&m->acpi, 0xdead0000, fake_map, m, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, "cannot map 0xdead0000 (20 bytes)");
	free(m);
}

static void test_xsdt_bad_checksum(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->xsdt.b[40] ^= 1;
	expect_init_fails(m, "XSDT at 0x7fe1000: bad checksum");
	free(m);
}

static void test_xsdt_wrong_signature(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	build_rsdp(&m->rsdp, 2, RSDT_PA, RSDT_PA);
	expect_init_fails(m, "table at 0x7fe2000: signature is not XSDT");
	free(m);
}

static void test_xsdt_partial_entry(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->xsdt.len -= 4;
	sdt_finish(&m->xsdt);
	expect_init_fails(m, "XSDT: length 56 is not a whole number of entries");
	free(m);
}

static void test_root_shorter_than_header(void **state)
{
	struct machine *m = qemu_machine(0);

	(void)state;
	put(&m->rsdt, 4, 20, 4);
	expect_init_fails(m, "RSDT at 0x7fe2000: length 20 shorter than its header");
	free(m);
}

/* ------------------------------------------------------------ broken MADT */

static void test_madt_bad_checksum(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->madt.b[47] ^= 0x10;
	init_ok(m);
	expect_cpus_fail(m, 8, "APIC at 0x7fe3000: bad checksum");
	free(m);
}

static void test_madt_shorter_than_header(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	put(&m->madt, 4, 20, 4);
	init_ok(m);
	expect_cpus_fail(m, 8, "APIC at 0x7fe3000: length 20 shorter than its header");
	free(m);
}

static void test_madt_shorter_than_fixed_part(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->madt.len = 40;
	sdt_finish(&m->madt);
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: length 40 shorter than its fixed part (44)");
	free(m);
}

static void test_madt_entry_length_zero(void **state)
{
	static const uint8_t e[] = { 0, 8, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	struct machine *m = qemu_machine(2);
	uint8_t bad[sizeof(e)];

	(void)state;
	memcpy(bad, e, sizeof(e));
	bad[9] = 0;                     /* second entry: type 0, length 0 */
	madt_with(m, bad, sizeof(bad));
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: entry at offset 52 has length 0");
	free(m);
}

static void test_madt_entry_length_one(void **state)
{
	static const uint8_t e[] = { 2, 1, 0, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: entry at offset 44 has length 1");
	free(m);
}

static void test_madt_entry_past_end(void **state)
{
	static const uint8_t e[] = { 0, 8, 0, 0, 1, 0, 0, 0, 1, 12, 0, 0, 0, 0, 0xc0, 0xfe };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));     /* the I/O APIC entry says 12, has 8 */
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: entry at offset 52 (length 12) runs past the end (60)");
	free(m);
}

static void test_madt_truncated_entry_header(void **state)
{
	static const uint8_t e[] = { 0, 8, 0, 0, 1, 0, 0, 0, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: truncated entry at offset 52");
	free(m);
}

static void test_madt_short_lapic_entry(void **state)
{
	static const uint8_t e[] = { 0, 6, 0, 0, 1, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: local APIC entry at offset 44 has length 6");
	free(m);
}

static void test_madt_short_x2apic_entry(void **state)
{
	static const uint8_t e[] = { 9, 12, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: local x2APIC entry at offset 44 has length 12");
	free(m);
}

static void test_madt_too_many_cpus(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	init_ok(m);
	expect_cpus_fail(m, 3, "MADT: more than 3 CPUs");
	free(m);
}

static void test_madt_duplicate_apic_id(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_lapic(&m->madt, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_lapic(&m->madt, 1, 5, ACPI_MADT_CPU_ENABLED);
	madt_x2apic(&m->madt, 5, 2, ACPI_MADT_CPU_ENABLED);
	sdt_finish(&m->madt);
	init_ok(m);
	expect_cpus_fail(m, 8, "MADT: APIC id 5 listed twice");
	free(m);
}

static void test_madt_missing(void **state)
{
	struct machine *m = qemu_machine(2);
	const uint64_t xsdt[] = { FADT_PA };

	(void)state;
	build_root(&m->xsdt, "XSDT", 8, xsdt, 1);
	init_ok(m);
	expect_cpus_fail(m, 8, "no APIC table");
	free(m);
}

/* ------------------------------------------- I/O APICs and ISA overrides */

struct ioapics {
	struct acpi_ioapic io[4];
	struct acpi_irq_override ovr[4];
	unsigned nio, novr;
};

static void expect_ioapics(struct machine *m, struct ioapics *r)
{
	const struct acpi_sdt_header *madt = NULL;

	init_ok(m);
	assert_int_equal(acpi_find_table(&m->acpi, "APIC", &madt, m->why, sizeof(m->why)), 0);
	r->nio = r->novr = 99;
	if (acpi_madt_ioapics(madt, r->io, ARRAY_SIZE(r->io), &r->nio, r->ovr, ARRAY_SIZE(r->ovr),
			      &r->novr, m->why, sizeof(m->why)))
		fail_msg("acpi_madt_ioapics: %s", m->why);
}

/* The MADT is m->madt, checksummed; cap/ovr_cap as given. */
static void expect_ioapics_fail(struct machine *m, unsigned cap, unsigned ovr_cap,
				const char *reason)
{
	struct ioapics r;

	assert_true(cap <= ARRAY_SIZE(r.io) && ovr_cap <= ARRAY_SIZE(r.ovr));
	assert_int_equal(acpi_madt_ioapics((const void *)m->madt.b, r.io, cap, &r.nio, r.ovr, ovr_cap,
					   &r.novr, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, reason);
}

static void expect_io(const struct acpi_ioapic *io, uint8_t id, uint32_t addr, uint32_t gsi_base)
{
	assert_int_equal(io->id, id);
	assert_int_equal(io->address, addr);
	assert_int_equal(io->gsi_base, gsi_base);
}

static void expect_ovr(const struct acpi_irq_override *o, uint8_t source, uint32_t gsi,
		       uint16_t flags)
{
	assert_int_equal(o->bus, 0);
	assert_int_equal(o->source, source);
	assert_int_equal(o->gsi, gsi);
	assert_int_equal(o->flags, flags);
}

struct isa_route { uint32_t gsi; bool low, level; };

static struct isa_route isa(const struct ioapics *r, uint8_t irq)
{
	struct isa_route w = { 0xdead, true, true };

	acpi_isa_irq(r->ovr, r->novr, irq, &w.gsi, &w.low, &w.level);
	return w;
}

static void expect_isa(const struct ioapics *r, uint8_t irq, uint32_t gsi, bool low, bool level)
{
	struct isa_route w = isa(r, irq);

	assert_int_equal(w.gsi, gsi);
	assert_int_equal(w.low, low);
	assert_int_equal(w.level, level);
}

/* QEMU's: one I/O APIC at 0xfec00000, the timer (IRQ 0) on GSI 2. */
static void test_ioapics_qemu(void **state)
{
	struct machine *m = qemu_machine(2);
	struct ioapics r;

	(void)state;
	expect_ioapics(m, &r);
	assert_int_equal(r.nio, 1);
	expect_io(&r.io[0], 0, 0xfec00000, 0);
	assert_int_equal(r.novr, 1);
	expect_ovr(&r.ovr[0], 0, 2, 0);
	expect_isa(&r, 0, 2, false, false);
	expect_isa(&r, 4, 4, false, false);     /* COM1: not overridden */
	free(m);
}

/* Two I/O APICs and overrides in table order, between CPU entries that
 * acpi_madt_cpus() still finds. */
static void test_ioapics_two_and_overrides(void **state)
{
	struct machine *m = qemu_machine(2);
	const struct acpi_cpu two[] = { { 0, 0, true }, { 1, 1, true } };
	struct ioapics r;

	(void)state;
	madt_begin(&m->madt);
	madt_lapic(&m->madt, 0, 0, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&m->madt, 8, 0xfec00000, 0);
	madt_iso(&m->madt, 0, 0, 2, 0);
	madt_lapic(&m->madt, 1, 1, ACPI_MADT_CPU_ENABLED);
	madt_ioapic(&m->madt, 9, 0xfec01000, 24);
	madt_iso(&m->madt, 0, 9, 9, ACPI_MPS_INTI_ACTIVE_HIGH | ACPI_MPS_INTI_LEVEL);
	madt_iso(&m->madt, 0, 4, 30, ACPI_MPS_INTI_ACTIVE_LOW | ACPI_MPS_INTI_LEVEL);
	sdt_finish(&m->madt);
	expect_ioapics(m, &r);
	assert_int_equal(r.nio, 2);
	expect_io(&r.io[0], 8, 0xfec00000, 0);
	expect_io(&r.io[1], 9, 0xfec01000, 24);
	assert_int_equal(r.novr, 3);
	expect_ovr(&r.ovr[0], 0, 2, 0);
	expect_ovr(&r.ovr[1], 9, 9, 0xd);
	expect_ovr(&r.ovr[2], 4, 30, 0xf);
	expect_isa(&r, 4, 30, true, true);
	expect_cpus(m, two, 2);
	free(m);
}

/* Exactly as many I/O APICs and overrides as the caller has room for. */
static void test_ioapics_exactly_capacity(void **state)
{
	struct machine *m = qemu_machine(2);
	struct acpi_ioapic io[1];
	struct acpi_irq_override ovr[1];
	unsigned nio = 99, novr = 99;

	(void)state;
	assert_int_equal(acpi_madt_ioapics((const void *)m->madt.b, io, 1, &nio, ovr, 1, &novr,
					   m->why, sizeof(m->why)), 0);
	assert_int_equal(nio, 1);
	assert_int_equal(novr, 1);
	free(m);
}

/* Firecracker: one I/O APIC at 0xfec00000, no overrides at all. */
static void test_ioapics_real_madt(void **state)
{
	struct machine *m = real_machine();
	struct ioapics r;

	(void)state;
	expect_ioapics(m, &r);
	assert_int_equal(r.nio, 1);
	expect_io(&r.io[0], 0, 0xfec00000, 0);
	assert_int_equal(r.novr, 0);
	expect_isa(&r, 0, 0, false, false);
	expect_isa(&r, 4, 4, false, false);
	free(m);
}

/* acpi_isa_irq(): each field of the MPS INTI flags on its own. */
static const struct ioapics isa_variants = {
	.ovr = {
		{ 0, 3, 3, ACPI_MPS_INTI_ACTIVE_HIGH | ACPI_MPS_INTI_EDGE },  /* explicit ISA */
		{ 0, 5, 21, ACPI_MPS_INTI_ACTIVE_LOW },                     /* trigger conforms */
		{ 0, 7, 7, ACPI_MPS_INTI_LEVEL },                           /* polarity conforms */
		{ 0, 10, 10, ACPI_MPS_INTI_ACTIVE_LOW | ACPI_MPS_INTI_LEVEL },
	},
	.novr = 4,
};

static void test_isa_irq_no_override_is_identity(void **state)
{
	(void)state;
	expect_isa(&isa_variants, 4, 4, false, false);
	expect_isa(&isa_variants, 15, 15, false, false);
	/* No overrides at all. */
	{
		struct isa_route w = { 0, true, true };

		acpi_isa_irq(NULL, 0, 1, &w.gsi, &w.low, &w.level);
		assert_int_equal(w.gsi, 1);
		assert_false(w.low);
		assert_false(w.level);
	}
}

static void test_isa_irq_explicit_high_edge(void **state)
{
	(void)state;
	expect_isa(&isa_variants, 3, 3, false, false);
}

static void test_isa_irq_active_low_edge_conforms(void **state)
{
	(void)state;
	expect_isa(&isa_variants, 5, 21, true, false);
}

static void test_isa_irq_level_polarity_conforms(void **state)
{
	(void)state;
	expect_isa(&isa_variants, 7, 7, false, true);
}

static void test_isa_irq_active_low_level(void **state)
{
	(void)state;
	expect_isa(&isa_variants, 10, 10, true, true);
}

/* Only ISA (bus 0) overrides apply; the parser refuses others anyway. */
static void test_isa_irq_ignores_other_bus(void **state)
{
	const struct acpi_irq_override o[] = { { 1, 4, 40, ACPI_MPS_INTI_ACTIVE_LOW } };
	struct isa_route w = { 0, true, true };

	(void)state;
	acpi_isa_irq(o, 1, 4, &w.gsi, &w.low, &w.level);
	assert_int_equal(w.gsi, 4);
	assert_false(w.low);
	assert_false(w.level);
}

/* The redirection entries built from that answer (82093AA §3.2.4). */
static void test_ioapic_rte_encoding(void **state)
{
	(void)state;
	assert_int_equal(ioapic_rte_fixed(0x41, 3, false, false), 0x0300000000000041ull);
	assert_int_equal(ioapic_rte_fixed(0xfe, 0xff, true, true), 0xff0000000000a0feull);
	assert_int_equal(ioapic_rte_masked(false, false), 0x10000ull);
	assert_int_equal(ioapic_rte_masked(true, true), 0x1a000ull);
	assert_true(ioapic_route_ok(255, 32));
	assert_false(ioapic_route_ok(256, 32));
	assert_false(ioapic_route_ok(0, 31));
	assert_true(ioapic_route_ok(0, 255));
}

/* --------------------------------------- broken I/O APIC and override entries */

static void test_ioapic_entry_short(void **state)
{
	static const uint8_t e[] = { 1, 10, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	expect_ioapics_fail(m, 4, 4, "MADT: I/O APIC entry at offset 44 has length 10");
	free(m);
}

static void test_ioapic_duplicate_id(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_ioapic(&m->madt, 2, 0xfec00000, 0);
	madt_ioapic(&m->madt, 2, 0xfec01000, 24);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: I/O APIC id 2 listed twice");
	free(m);
}

static void test_ioapic_address_zero(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_ioapic(&m->madt, 1, 0, 0);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: I/O APIC 1 at address 0x0");
	free(m);
}

static void test_ioapic_address_misaligned(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_ioapic(&m->madt, 1, 0xfec00008, 0);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: I/O APIC 1 at address 0xfec00008");
	free(m);
}

static void test_ioapic_too_many(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_ioapic(&m->madt, 0, 0xfec00000, 0);
	madt_ioapic(&m->madt, 1, 0xfec01000, 24);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 1, 4, "MADT: more than 1 I/O APICs");
	free(m);
}

static void test_override_entry_short(void **state)
{
	static const uint8_t e[] = { 2, 8, 0, 0, 2, 0, 0, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	expect_ioapics_fail(m, 4, 4, "MADT: interrupt source override at offset 44 has length 8");
	free(m);
}

static void test_override_bus_not_isa(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_ioapic(&m->madt, 0, 0xfec00000, 0);
	madt_iso(&m->madt, 1, 4, 4, 0);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: interrupt source override at offset 56: bus 1 is not ISA (0)");
	free(m);
}

static void test_override_source_not_isa_irq(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_iso(&m->madt, 0, 16, 16, 0);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: interrupt source override at offset 44: IRQ 16 is not an ISA IRQ");
	free(m);
}

static void test_override_reserved_polarity(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_iso(&m->madt, 0, 9, 9, ACPI_MPS_INTI_RESERVED_POLARITY | ACPI_MPS_INTI_LEVEL);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: override of IRQ 9: reserved polarity (flags 0xe)");
	free(m);
}

static void test_override_reserved_trigger(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_iso(&m->madt, 0, 9, 9, ACPI_MPS_INTI_ACTIVE_LOW | ACPI_MPS_INTI_RESERVED_TRIGGER);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: override of IRQ 9: reserved trigger mode (flags 0xb)");
	free(m);
}

static void test_override_irq_twice(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_iso(&m->madt, 0, 0, 2, 0);
	madt_iso(&m->madt, 0, 0, 0, 0);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: IRQ 0 overridden twice");
	free(m);
}

static void test_override_too_many(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_begin(&m->madt);
	madt_iso(&m->madt, 0, 0, 2, 0);
	madt_iso(&m->madt, 0, 9, 9, ACPI_MPS_INTI_LEVEL);
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 1, "MADT: more than 1 interrupt source overrides");
	free(m);
}

/* The entry walk shared with acpi_madt_cpus() refuses for this reader too. */
static void test_ioapics_entry_length_zero(void **state)
{
	static const uint8_t e[] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0, 2, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	expect_ioapics_fail(m, 4, 4, "MADT: entry at offset 56 has length 0");
	free(m);
}

static void test_ioapics_entry_past_end(void **state)
{
	static const uint8_t e[] = { 1, 12, 0, 0, 0x00, 0x00, 0xc0, 0xfe };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	expect_ioapics_fail(m, 4, 4, "MADT: entry at offset 44 (length 12) runs past the end (52)");
	free(m);
}

static void test_ioapics_truncated_entry_header(void **state)
{
	static const uint8_t e[] = { 1 };
	struct machine *m = qemu_machine(2);

	(void)state;
	madt_with(m, e, sizeof(e));
	expect_ioapics_fail(m, 4, 4, "MADT: truncated entry at offset 44");
	free(m);
}

static void test_ioapics_not_a_madt(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	memcpy(m->madt.b, "APIX", 4);
	expect_ioapics_fail(m, 4, 4, "not a MADT (APIX)");
	free(m);
}

static void test_ioapics_madt_shorter_than_fixed_part(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->madt.len = 40;
	sdt_finish(&m->madt);
	expect_ioapics_fail(m, 4, 4, "MADT: length 40 shorter than its fixed part (44)");
	free(m);
}

/* ------------------------------------------------------- broken FADT/DSDT */

static void expect_s5_fail(struct machine *m, const char *reason)
{
	struct acpi_s5 s5;

	init_ok(m);
	assert_int_equal(acpi_find_s5(&m->acpi, &s5, m->why, sizeof(m->why)), -1);
	assert_string_equal(m->why, reason);
}

static void test_fadt_too_short(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->fadt.len = 100;
	sdt_finish(&m->fadt);
	expect_s5_fail(m, "FADT: length 100 shorter than ACPI 1.0's 116");
	free(m);
}

static void test_fadt_no_pm1a(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	put(&m->fadt, 64, 0, 4);
	put(&m->fadt, 176, 0, 8);
	sdt_finish(&m->fadt);
	expect_s5_fail(m, "FADT: no PM1a control block");
	free(m);
}

static void test_fadt_pm1a_in_memory_space(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	put(&m->fadt, 172, ACPI_GAS_MEMORY, 1);
	sdt_finish(&m->fadt);
	expect_s5_fail(m, "FADT: X_PM1a_CNT_BLK in address space 0, not system I/O");
	free(m);
}

static void test_dsdt_bad_checksum(void **state)
{
	struct machine *m = qemu_machine(2);

	(void)state;
	m->dsdt.b[m->dsdt.len - 1] = 9;
	expect_s5_fail(m, "DSDT at 0x7fe5000: bad checksum");
	free(m);
}

static void test_dsdt_no_s5(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x34, 0x5f, 0x0a, 0x00 }; /* _S4_ */
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: no \\_S5 package");
	free(m);
}

static void test_s5_not_a_package(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x0a, 0x05 };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 is not a package");
	free(m);
}

static void test_s5_package_past_end(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x3f, 0x04, 0, 0 };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 package runs past the table");
	free(m);
}

static void test_s5_name_at_table_end(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 is not a package");
	free(m);
}

static void test_s5_one_element(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x03, 0x01, 0x00 };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 package has 1 elements, need 2");
	free(m);
}

static void test_s5_element_not_integer(void **state)
{
	/* Package(2){ Zero, FOO_ }: a name where a value must be. */
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x07, 0x02, 0x00,
				       0x46, 0x4f, 0x4f, 0x5f };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 element 1 is not an integer");
	free(m);
}

/* A DWordPrefix value cut by the end of the package. */
static void test_s5_element_truncated(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x05, 0x02, 0x0c,
				       0x01, 0x00, 0x00, 0x00, 0x00 };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 element 0 is not an integer");
	free(m);
}

static void test_s5_slp_typ_too_wide(void **state)
{
	static const uint8_t aml[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x05, 0x02, 0x0a,
				       0x08, 0x00 };
	struct machine *m = qemu_machine(2);

	(void)state;
	build_dsdt(&m->dsdt, aml, sizeof(aml));
	expect_s5_fail(m, "DSDT: \\_S5 SLP_TYP 0x8 does not fit in 3 bits");
	free(m);
}

/* A reason longer than the caller's buffer is cut visibly. */
static void test_short_why_buffer(void **state)
{
	struct machine *m = qemu_machine(2);
	char why[10];

	(void)state;
	m->rsdp.b[0] = 'X';
	assert_int_equal(acpi_init(&m->acpi, RSDP_PA, fake_map, m, why, sizeof(why)), -1);
	assert_string_equal(why, "RSDP a...");
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qemu_xsdt_preferred),
		cmocka_unit_test(test_rsdp_v1_uses_rsdt),
		cmocka_unit_test(test_rsdp_v2_without_xsdt_uses_rsdt),
		cmocka_unit_test(test_qemu_s5),
		cmocka_unit_test(test_s5_root_name_byte_values),
		cmocka_unit_test(test_s5_long_pkglen_and_pm1b),
		cmocka_unit_test(test_fadt_v1),
		cmocka_unit_test(test_madt_flags_and_x2apic),
		cmocka_unit_test(test_cpus_exactly_capacity),
		cmocka_unit_test(test_table_not_found),
		cmocka_unit_test(test_real_madt),
		cmocka_unit_test(test_real_fadt_hw_reduced),
		cmocka_unit_test(test_real_dsdt),
		cmocka_unit_test(test_rsdp_bad_signature),
		cmocka_unit_test(test_rsdp_bad_checksum),
		cmocka_unit_test(test_rsdp_bad_extended_checksum),
		cmocka_unit_test(test_rsdp_short_length),
		cmocka_unit_test(test_rsdp_huge_length),
		cmocka_unit_test(test_table_huge_length),
		cmocka_unit_test(test_rsdp_unmappable),
		cmocka_unit_test(test_xsdt_bad_checksum),
		cmocka_unit_test(test_xsdt_wrong_signature),
		cmocka_unit_test(test_xsdt_partial_entry),
		cmocka_unit_test(test_root_shorter_than_header),
		cmocka_unit_test(test_madt_bad_checksum),
		cmocka_unit_test(test_madt_shorter_than_header),
		cmocka_unit_test(test_madt_shorter_than_fixed_part),
		cmocka_unit_test(test_madt_entry_length_zero),
		cmocka_unit_test(test_madt_entry_length_one),
		cmocka_unit_test(test_madt_entry_past_end),
		cmocka_unit_test(test_madt_truncated_entry_header),
		cmocka_unit_test(test_madt_short_lapic_entry),
		cmocka_unit_test(test_madt_short_x2apic_entry),
		cmocka_unit_test(test_madt_too_many_cpus),
		cmocka_unit_test(test_madt_duplicate_apic_id),
		cmocka_unit_test(test_madt_missing),
		cmocka_unit_test(test_ioapics_qemu),
		cmocka_unit_test(test_ioapics_two_and_overrides),
		cmocka_unit_test(test_ioapics_exactly_capacity),
		cmocka_unit_test(test_ioapics_real_madt),
		cmocka_unit_test(test_isa_irq_no_override_is_identity),
		cmocka_unit_test(test_isa_irq_explicit_high_edge),
		cmocka_unit_test(test_isa_irq_active_low_edge_conforms),
		cmocka_unit_test(test_isa_irq_level_polarity_conforms),
		cmocka_unit_test(test_isa_irq_active_low_level),
		cmocka_unit_test(test_isa_irq_ignores_other_bus),
		cmocka_unit_test(test_ioapic_rte_encoding),
		cmocka_unit_test(test_ioapic_entry_short),
		cmocka_unit_test(test_ioapic_duplicate_id),
		cmocka_unit_test(test_ioapic_address_zero),
		cmocka_unit_test(test_ioapic_address_misaligned),
		cmocka_unit_test(test_ioapic_too_many),
		cmocka_unit_test(test_override_entry_short),
		cmocka_unit_test(test_override_bus_not_isa),
		cmocka_unit_test(test_override_source_not_isa_irq),
		cmocka_unit_test(test_override_reserved_polarity),
		cmocka_unit_test(test_override_reserved_trigger),
		cmocka_unit_test(test_override_irq_twice),
		cmocka_unit_test(test_override_too_many),
		cmocka_unit_test(test_ioapics_entry_length_zero),
		cmocka_unit_test(test_ioapics_entry_past_end),
		cmocka_unit_test(test_ioapics_truncated_entry_header),
		cmocka_unit_test(test_ioapics_not_a_madt),
		cmocka_unit_test(test_ioapics_madt_shorter_than_fixed_part),
		cmocka_unit_test(test_fadt_too_short),
		cmocka_unit_test(test_fadt_no_pm1a),
		cmocka_unit_test(test_fadt_pm1a_in_memory_space),
		cmocka_unit_test(test_dsdt_bad_checksum),
		cmocka_unit_test(test_dsdt_no_s5),
		cmocka_unit_test(test_s5_not_a_package),
		cmocka_unit_test(test_s5_package_past_end),
		cmocka_unit_test(test_s5_name_at_table_end),
		cmocka_unit_test(test_s5_one_element),
		cmocka_unit_test(test_s5_element_not_integer),
		cmocka_unit_test(test_s5_element_truncated),
		cmocka_unit_test(test_s5_slp_typ_too_wide),
		cmocka_unit_test(test_short_why_buffer),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
