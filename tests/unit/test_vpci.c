/* SPDX-License-Identifier: MIT */
/*
 * Virtual PCI configuration space (kernel/dev/vpci.c) over a fake host
 * (tests/unit/fakes/pci_fake.c): configuration mechanism #1 as the guest
 * drives it (PCI Local Bus Specification 3.0 §3.2.2.3.2), what a partition
 * sees, the write rules for an assigned function, the EPT mappings and
 * every refusal of vpci_init().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fakes.h>
#include <pci_fake.h>
#include <septum/partition.h>
#include <septum/vpci.h>
#include <septum/xapic.h>
#include <vmx/ept.h>
#include <vmx/vmx.h>
#include <septum/arch.h>

#define RAM_SIZE   0x10000000ull          /* 256 MiB at GPA 0 ... */
#define RAM_HPA    0x40000000ull          /* ... backed here */

/* The fake machine (an i440FX-like bus 0 plus a few devices). */
#define HOSTBR     PCI_BDF(0, 0, 0)
#define ISA        PCI_BDF(0, 1, 0)       /* no BARs, no capabilities */
#define IDE        PCI_BDF(0, 1, 1)       /* an I/O BAR */
#define NIC        PCI_BDF(0, 2, 0)       /* 32- and 64-bit BARs, ROM, PM, MSI-X, MSI, vendor caps */
#define GPU        PCI_BDF(0, 3, 0)       /* one 16 KiB BAR */
#define BRIDGE     PCI_BDF(0, 4, 0)       /* PCI-to-PCI bridge */
#define NIC_BAR0   0xfebc0000u
#define NIC_BAR0_SZ 0x20000u
#define NIC_BAR2   0x800000000ull
#define NIC_BAR2_SZ 0x100000ull
#define NIC_ROM    0xfeb80000u
#define GPU_BAR0   0xfe000000u
#define CAP_PM     0x40
#define CAP_MSIX   0x50
#define CAP_MSI    0x60                   /* 64-bit, per-vector masking: 24 bytes */
#define CAP_VNDR   0x80

#define MSI_OK(apic) (0xfee00000u | ((uint32_t)(apic) << 12))

/* ------------------------------------------------------------ EPT pool */

static void *pool_alloc(struct page_pool *pool)
{
	void *page = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	(void)pool;
	if (page)
		memset(page, 0, PAGE_SIZE);
	return page;
}

static void pool_free(struct page_pool *pool, void *page)
{
	(void)pool;
	free(page);
}

static struct page_pool pool = { pool_alloc, pool_free };

/* ------------------------------------------------------------ fixture */

static struct partition part;
static struct vmx_s2 s2;       /* part's EPT */
static struct cfg_partition pcfg;
static char why[200];

static void machine(void)
{
	fake_pci_reset();
	fake_pci_add(HOSTBR, 0x8086, 0x29c0, 0x0600, 0x00);
	fake_pci_add(ISA, 0x8086, 0x7000, 0x0601, 0x80);
	fake_pci_add(IDE, 0x8086, 0x7010, 0x0101, 0x00);
	fake_pci_bar(IDE, 4, 0xc000, 16, PCI_BAR_IO);
	fake_pci_add(NIC, 0x8086, 0x100e, 0x0200, 0x00);
	fake_pci_bar(NIC, 0, NIC_BAR0, NIC_BAR0_SZ, PCI_BAR_MEM_32);
	fake_pci_bar(NIC, 2, NIC_BAR2, NIC_BAR2_SZ, PCI_BAR_MEM_64 | PCI_BAR_PREFETCH);
	fake_pci_rom(NIC, NIC_ROM, 0x40000);
	fake_pci_set(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	fake_pci_cap(NIC, CAP_PM, PCI_CAP_ID_PM);
	fake_pci_set(NIC, CAP_PM + 2, 2, 0x0003);
	fake_pci_cap(NIC, CAP_MSIX, PCI_CAP_ID_MSIX);
	fake_pci_set(NIC, CAP_MSIX + 2, 2, 0x8003);        /* MSI-X enabled by "firmware" */
	fake_pci_set(NIC, CAP_MSIX + 4, 4, 0x00000000);    /* table in BAR 0 */
	fake_pci_cap(NIC, CAP_MSI, PCI_CAP_ID_MSI);
	fake_pci_set(NIC, CAP_MSI + 2, 2, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
	fake_pci_cap(NIC, CAP_VNDR, PCI_CAP_ID_VNDR);
	fake_pci_set(NIC, CAP_VNDR + 2, 2, 0xbe0c);              /* length 12 */
	fake_pci_set(NIC, 0xc0, 4, 0x11223344);             /* a device-specific register */
	fake_pci_add(GPU, 0x1234, 0x1111, 0x0300, 0x00);
	fake_pci_bar(GPU, 0, GPU_BAR0, 0x4000, PCI_BAR_MEM_32);
	fake_pci_set(GPU, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	fake_pci_add(BRIDGE, 0x8086, 0x244e, 0x0604, 0x01);
}

static void assign(unsigned n, ...)
{
	va_list ap;

	pcfg.npci = n;
	va_start(ap, n);
	for (unsigned i = 0; i < n; i++) {
		unsigned bdf = va_arg(ap, unsigned);

		pcfg.pci[i] = (struct cfg_pci){ (uint8_t)PCI_BDF_BUS(bdf), (uint8_t)PCI_BDF_DEV(bdf),
						(uint8_t)PCI_BDF_FN(bdf) };
	}
	va_end(ap);
}

static int setup(void **state)
{
	(void)state;
	fake_arch_reset();
	machine();
	memset(&part, 0, sizeof(part));
	memset(&pcfg, 0, sizeof(pcfg));
	memset(why, 0, sizeof(why));
	strcpy(pcfg.name, "p1");
	pcfg.dma_unconfined = true;
	part.cfg = &pcfg;
	part.name = pcfg.name;
	part.ram_size = RAM_SIZE;
	part.cpus = BIT(1) | BIT(2);
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++)
		part.cpu_apic_id[c] = 0xffffffffu;
	part.cpu_apic_id[1] = 2;
	part.cpu_apic_id[2] = 4;
	assert_int_equal(ept_init(&s2.ept, &pool, EPT_LARGE_2M | EPT_LARGE_1G), 0);
	assert_int_equal(ept_map(&s2.ept, gpa(0), hpa(RAM_HPA), RAM_SIZE, EPT_RWX, EPT_MT_WB), 0);
	part.s2 = &s2;
	fake_backend.s2_map_mmio = vmx_s2_map_mmio;      /* the EPT as VT-x keeps it */
	fake_backend.s2_unmap = vmx_s2_unmap;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ept_destroy(&s2.ept);
	return 0;
}

/* Boots the partition's view; the fake's access log and the console start
 * empty after it. */
static void init_ok(void)
{
	int rc = vpci_init(&part, why, sizeof(why));

	if (rc)
		fail_msg("vpci_init refused: %s", why);
	fake_pci_clear_log();
	fake_console_clear();
}

static void init_refused(const char *reason)
{
	assert_int_equal(vpci_init(&part, why, sizeof(why)), -1);
	assert_string_equal(why, reason);
	assert_int_equal(part.vpci.ndevs, 0);
}

static uint32_t cf8(pci_bdf_t bdf, unsigned reg)
{
	return 0x80000000u | ((uint32_t)bdf << 8) | (reg & 0xfc);
}

/* A configuration read the way a guest does it: select, then data. */
static uint32_t rd(pci_bdf_t bdf, unsigned reg, unsigned size)
{
	vpci_out(&part, VPCI_ADDR_PORT, 4, cf8(bdf, reg));
	return vpci_in(&part, (uint16_t)(VPCI_DATA_PORT + (reg & 3)), size);
}

static void wr(pci_bdf_t bdf, unsigned reg, unsigned size, uint32_t val)
{
	vpci_out(&part, VPCI_ADDR_PORT, 4, cf8(bdf, reg));
	vpci_out(&part, (uint16_t)(VPCI_DATA_PORT + (reg & 3)), size, val);
}

/* g is mapped to h_want (GPA == HPA for BARs) with these attributes. */
static void expect_mapped_to(uint64_t g, uint64_t h_want, unsigned memtype, unsigned perms)
{
	hpa_t h;
	unsigned pm, mt;

	assert_int_equal(ept_lookup(&s2.ept, gpa(g), &h, &pm, &mt, NULL), 0);
	assert_int_equal(h.v, h_want);
	assert_int_equal(mt, memtype);
	assert_int_equal(pm, perms);
}

static void expect_mapped(uint64_t g, unsigned memtype, unsigned perms)
{
	expect_mapped_to(g, g, memtype, perms);
}

static void expect_unmapped(uint64_t g)
{
	assert_int_equal(ept_lookup(&s2.ept, gpa(g), NULL, NULL, NULL, NULL), -ENOENT);
}

/* ------------------------------------------------------------ mechanism #1 */

static void test_addr_latch_dword(void **state)
{
	(void)state;
	init_ok();
	assert_int_equal(vpci_in(&part, 0xcf8, 4), 0);
	vpci_out(&part, 0xcf8, 4, 0x80001234u);
	assert_int_equal(vpci_in(&part, 0xcf8, 4), 0x80001234u);
	/* Reserved bits 30:24 and the read-only bits 1:0 read back as 0. */
	vpci_out(&part, 0xcf8, 4, 0xffffffffu);
	assert_int_equal(vpci_in(&part, 0xcf8, 4), 0x80fffffcu);
}

static void test_addr_byte_word_not_config(void **state)
{
	(void)state;
	init_ok();
	vpci_out(&part, 0xcf8, 4, cf8(HOSTBR, 0));
	vpci_out(&part, 0xcf8, 1, 0x00);
	vpci_out(&part, 0xcf9, 1, 0x06);
	vpci_out(&part, 0xcfa, 2, 0x0000);
	vpci_out(&part, 0xcf8, 2, 0x0000);
	assert_int_equal(vpci_in(&part, 0xcf8, 4), cf8(HOSTBR, 0));
	assert_int_equal(vpci_in(&part, 0xcf8, 1), 0xff);
	assert_int_equal(vpci_in(&part, 0xcfa, 2), 0xffff);
	assert_int_equal(vpci_in(&part, 0xcfb, 1), 0xff);
	/* A dword at 0xcf9 is not CONFIG_ADDRESS either. */
	assert_int_equal(vpci_in(&part, 0xcf9, 4), 0xffffffffu);
}

static void test_data_disabled_latch(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	vpci_out(&part, 0xcf8, 4, cf8(HOSTBR, 0) & ~0x80000000u);
	assert_int_equal(vpci_in(&part, 0xcfc, 4), 0xffffffffu);
	vpci_out(&part, 0xcf8, 4, cf8(NIC, PCI_COMMAND) & ~0x80000000u);
	vpci_out(&part, 0xcfc, 2, 0);
	assert_int_equal(vpci_in(&part, 0xcfc, 2), 0xffff);
	assert_int_equal(fake_pci_nwrites, 0);
	assert_int_equal(fake_pci_reads, 0);
}

static void test_data_port_offsets(void **state)
{
	(void)state;
	init_ok();
	assert_int_equal(rd(HOSTBR, 0, 4), 0x12378086u);
	assert_int_equal(rd(HOSTBR, 0, 2), 0x8086);
	assert_int_equal(rd(HOSTBR, 1, 1), 0x80);
	assert_int_equal(rd(HOSTBR, 2, 2), 0x1237);
	assert_int_equal(rd(HOSTBR, 3, 1), 0x12);
	/* Word at 0xcfd: bytes 1-2 of the dword. */
	assert_int_equal(rd(HOSTBR, 1, 2), 0x3780);
	/* Class: 0xb base, 0xa sub, 0x9 prog-if. */
	assert_int_equal(rd(HOSTBR, PCI_CLASS_BASE, 1), 0x06);
	assert_int_equal(rd(HOSTBR, PCI_CLASS_SUB, 1), 0x00);
	assert_int_equal(rd(HOSTBR, PCI_REVISION_ID, 1), VPCI_HOST_REV);
}

static void test_data_crossing_dword(void **state)
{
	(void)state;
	init_ok();
	vpci_out(&part, 0xcf8, 4, cf8(HOSTBR, 0));
	assert_int_equal(vpci_in(&part, 0xcff, 2), 0xffff);
	assert_int_equal(vpci_in(&part, 0xcfe, 4), 0xffffffffu);
	assert_int_equal(vpci_in(&part, 0xcfd, 4), 0xffffffffu);
}

static void test_bad_size(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	vpci_out(&part, 0xcf8, 3, 0x80000000u);
	assert_int_equal(vpci_in(&part, 0xcf8, 4), 0);
	vpci_out(&part, 0xcf8, 4, cf8(NIC, PCI_COMMAND));
	vpci_out(&part, 0xcfc, 3, 0);
	assert_int_equal(fake_pci_nwrites, 0);
	assert_int_equal(vpci_in(&part, 0xcfc, 3), 0xffffffffu);
}

/* ------------------------------------------------------------ what the partition sees */

static void test_host_bridge_virtual(void **state)
{
	(void)state;
	init_ok();
	assert_int_equal(rd(HOSTBR, PCI_VENDOR_ID, 4), 0x12378086u);       /* not the host's 29c0 */
	assert_int_equal(rd(HOSTBR, PCI_REVISION_ID, 4), 0x06000002u);
	assert_int_equal(rd(HOSTBR, PCI_HEADER_TYPE, 1), 0x00);
	for (unsigned reg = PCI_BAR0; reg < PCI_HEADER_END + 0x40; reg += 4)
		assert_int_equal(rd(HOSTBR, reg, 4), 0);
	assert_int_equal(fake_pci_reads, 0);
}

static void test_host_bridge_read_only(void **state)
{
	(void)state;
	init_ok();
	wr(HOSTBR, PCI_COMMAND, 2, 0x0007);
	wr(HOSTBR, PCI_BAR0, 4, 0xffffffffu);
	wr(HOSTBR, PCI_VENDOR_ID, 4, 0);
	assert_int_equal(rd(HOSTBR, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(HOSTBR, PCI_BAR0, 4), 0);
	assert_int_equal(rd(HOSTBR, PCI_VENDOR_ID, 4), 0x12378086u);
	assert_int_equal(fake_pci_nwrites, 0);
}

static void test_host_bridge_multifunction(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 0, 1), 0x8086, 0x0001, 0x0880, 0x00);
	assign(1, PCI_BDF(0, 0, 1));
	init_ok();
	assert_int_equal(rd(HOSTBR, PCI_HEADER_TYPE, 1), PCI_HEADER_MULTI_FN);
	assert_int_equal(rd(PCI_BDF(0, 0, 1), PCI_VENDOR_ID, 4), 0x00018086u);
}

static void test_unassigned_absent(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(rd(ISA, PCI_VENDOR_ID, 4), 0xffffffffu);
	assert_int_equal(rd(IDE, PCI_VENDOR_ID, 2), 0xffff);
	assert_int_equal(rd(GPU, PCI_VENDOR_ID, 1), 0xff);
	wr(GPU, PCI_COMMAND, 2, 0x0007);
	wr(GPU, PCI_BAR0, 4, 0x12345000u);
	assert_int_equal(fake_pci_reads, 0);
	assert_int_equal(fake_pci_nwrites, 0);
	assert_int_equal(fake_pci_get(GPU, PCI_BAR0, 4), GPU_BAR0);
}

/* A full scan of every bus/device/function finds exactly the host bridge
 * and the assigned functions. */
static void test_scan_sees_only_assigned(void **state)
{
	unsigned found = 0;

	(void)state;
	assign(2, NIC, GPU);
	init_ok();
	for (unsigned bus = 0; bus < 256; bus++)
		for (unsigned dev = 0; dev < 32; dev++)
			for (unsigned fn = 0; fn < 8; fn++) {
				pci_bdf_t bdf = PCI_BDF(bus, dev, fn);

				if (rd(bdf, PCI_VENDOR_ID, 2) == 0xffff)
					continue;
				assert_true(bdf == HOSTBR || bdf == NIC || bdf == GPU);
				found++;
			}
	assert_int_equal(found, 3);
}

static void test_no_pci_only_host_bridge(void **state)
{
	(void)state;
	assert_int_equal(vpci_init(&part, why, sizeof(why)), 0);
	assert_int_equal(part.vpci.ndevs, 0);
	assert_int_equal(rd(NIC, PCI_VENDOR_ID, 4), 0xffffffffu);
	assert_int_equal(fake_console_len(), 0);
	assert_int_equal(fake_pci_nwrites, 0);
}

/* ------------------------------------------------------------ assigned function */

static void test_assigned_reads_real(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(rd(NIC, PCI_VENDOR_ID, 4), 0x100e8086u);
	assert_int_equal(rd(NIC, PCI_CLASS_SUB, 2), 0x0200);
	assert_int_equal(rd(NIC, 0xc0, 4), 0x11223344u);
	assert_int_equal(rd(NIC, 0xc2, 1), 0x22);
	assert_int_equal(rd(NIC, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
}

static void test_command_write_forwarded(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(fake_pci_writes_to(NIC, PCI_COMMAND, 2), 1);
	assert_int_equal(fake_pci_get(NIC, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
	assert_int_equal(rd(NIC, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
}

/* A dword write at 0x04 hits command (composed, one word) and status
 * (RW1C, passed byte by byte as the guest wrote it): never a
 * read-modify-write that would clear status bits the guest did not name. */
static void test_command_status_dword(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	fake_pci_set(NIC, PCI_STATUS, 2, 0x8010);
	wr(NIC, PCI_COMMAND, 4, 0x80000006u);
	assert_int_equal(fake_pci_get(NIC, PCI_COMMAND, 2), 0x0006);
	assert_int_equal(fake_pci_writes_to(NIC, PCI_COMMAND, 2), 1);
	assert_int_equal(fake_pci_writes_to(NIC, PCI_STATUS, 1), 1);
	assert_int_equal(fake_pci_writes_to(NIC, PCI_STATUS + 1, 1), 1);
	for (unsigned i = 0; i < fake_pci_nwrites; i++)
		if (fake_pci_writes[i].reg == PCI_STATUS + 1)
			assert_int_equal(fake_pci_writes[i].val, 0x80);
}

static void test_readonly_header_dropped(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, PCI_VENDOR_ID, 4, 0);
	wr(NIC, PCI_REVISION_ID, 4, 0);
	wr(NIC, PCI_HEADER_TYPE, 1, 0x81);
	wr(NIC, PCI_BIST, 1, 0x40);
	wr(NIC, PCI_SUBSYSTEM_VENDOR, 4, 0);
	wr(NIC, PCI_CAP_PTR, 1, 0x80);
	wr(NIC, PCI_INTERRUPT_PIN, 1, 2);
	assert_int_equal(fake_pci_nwrites, 0);
	assert_int_equal(rd(NIC, PCI_VENDOR_ID, 4), 0x100e8086u);
}

static void test_passthrough_bytes(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, PCI_CACHE_LINE_SIZE, 4, 0xffff4010u);   /* cache line, latency pass; header, BIST dropped */
	assert_int_equal(fake_pci_get(NIC, PCI_CACHE_LINE_SIZE, 2), 0x4010);
	assert_int_equal(fake_pci_get(NIC, PCI_HEADER_TYPE, 2), 0x0000);
	wr(NIC, PCI_INTERRUPT_LINE, 1, 11);
	assert_int_equal(fake_pci_get(NIC, PCI_INTERRUPT_LINE, 1), 11);
	wr(NIC, PCI_STATUS, 2, 0x8000);                 /* RW1C: one word access, as written */
	assert_int_equal(fake_pci_writes[fake_pci_nwrites - 1].size, 2);
	assert_int_equal(fake_pci_writes[fake_pci_nwrites - 1].val, 0x8000);
}

/* ------------------------------------------------------------ BARs */

static void test_bar_sizing_32(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(rd(NIC, PCI_BAR0, 4), NIC_BAR0);
	wr(NIC, PCI_BAR0, 4, 0xffffffffu);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), (uint32_t)~(NIC_BAR0_SZ - 1));
	wr(NIC, PCI_BAR0, 4, NIC_BAR0);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), NIC_BAR0);
	/* The device only ever saw its own value. */
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0, 4), NIC_BAR0);
	assert_int_equal(fake_pci_writes_to(NIC, PCI_BAR0, 4), 1);
	assert_int_equal(fake_pci_writes[0].val, NIC_BAR0);
	/* An unimplemented BAR reads 0, sized or not. */
	wr(NIC, PCI_BAR0 + 4, 4, 0xffffffffu);
	assert_int_equal(rd(NIC, PCI_BAR0 + 4, 4), 0);
}

static void test_bar_sizing_64(void **state)
{
	uint32_t flags = PCI_BAR_MEM_64 | PCI_BAR_PREFETCH;

	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(rd(NIC, PCI_BAR0 + 8, 4), (uint32_t)NIC_BAR2 | flags);
	assert_int_equal(rd(NIC, PCI_BAR0 + 12, 4), (uint32_t)(NIC_BAR2 >> 32));
	wr(NIC, PCI_BAR0 + 8, 4, 0xffffffffu);
	wr(NIC, PCI_BAR0 + 12, 4, 0xffffffffu);
	assert_int_equal(rd(NIC, PCI_BAR0 + 8, 4), (uint32_t)~(NIC_BAR2_SZ - 1) | flags);
	assert_int_equal(rd(NIC, PCI_BAR0 + 12, 4), 0xffffffffu);
	wr(NIC, PCI_BAR0 + 8, 4, (uint32_t)NIC_BAR2 | flags);
	wr(NIC, PCI_BAR0 + 12, 4, (uint32_t)(NIC_BAR2 >> 32));
	assert_int_equal(rd(NIC, PCI_BAR0 + 8, 4), (uint32_t)NIC_BAR2 | flags);
	assert_int_equal(rd(NIC, PCI_BAR0 + 12, 4), (uint32_t)(NIC_BAR2 >> 32));
}

/* A 64-bit BAR whose upper half is hardwired to 0 (it must live below
 * 4 GiB): the size comes from the low half, the upper half sizes to 0. */
static void test_bar_64_upper_hardwired(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, GPU_BAR0, 0x4000, PCI_BAR_MEM_64);
	fake_pci_bar_mask(GPU, 1, 0);
	assign(1, GPU);
	init_ok();
	expect_mapped(GPU_BAR0 + 0x3000, EPT_MT_UC, EPT_R | EPT_W);
	expect_unmapped(GPU_BAR0 + 0x4000);
	wr(GPU, PCI_BAR0 + 4, 4, 0xffffffffu);
	assert_int_equal(rd(GPU, PCI_BAR0 + 4, 4), 0);
	wr(GPU, PCI_BAR0 + 4, 4, 0);
	assert_int_equal(part.vpci.dev[0].refusals, 0);
}

/* Written in two words the BAR behaves like hardware: the bits it does
 * not implement are dropped before Septum judges the value. */
static void test_bar_sizing_word_writes(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, PCI_BAR0, 2, 0xffff);
	wr(NIC, PCI_BAR0 + 2, 2, 0xffff);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), (uint32_t)~(NIC_BAR0_SZ - 1));
	assert_int_equal(rd(NIC, PCI_BAR0 + 2, 2), 0xfffe);
	assert_int_equal(part.vpci.dev[0].refusals, 0);
}

static void test_bar_relocation_refused(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, PCI_BAR0, 4, 0xd0000000u);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), NIC_BAR0);
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0, 4), NIC_BAR0);
	assert_int_equal(fake_pci_writes_to(NIC, PCI_BAR0, 4), 0);
	assert_non_null(strstr(fake_console(),
			       "partition p1: PCI 00:02.0: refused moving BAR 0 from 0xfebc0000 to 0xd0000000"));
	/* The upper half of a 64-bit BAR cannot move either. */
	wr(NIC, PCI_BAR0 + 12, 4, 0x9);
	assert_int_equal(rd(NIC, PCI_BAR0 + 12, 4), (uint32_t)(NIC_BAR2 >> 32));
	assert_int_equal(fake_console_count("refused moving BAR"), 2);
}

static void test_refusals_rate_limited(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	for (unsigned i = 0; i < 3 * VPCI_LOG_REFUSALS; i++)
		wr(NIC, PCI_BAR0, 4, 0x1000u * (i + 1));
	assert_int_equal(fake_console_count("refused moving BAR"), VPCI_LOG_REFUSALS);
	assert_int_equal(fake_console_count("further refusals not logged"), 1);
	assert_int_equal(part.vpci.dev[0].refusals, 3 * VPCI_LOG_REFUSALS);
}

static void test_bars_mapped_uc(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	expect_mapped(NIC_BAR0, EPT_MT_UC, EPT_R | EPT_W);
	expect_mapped(NIC_BAR0 + NIC_BAR0_SZ - PAGE_SIZE, EPT_MT_UC, EPT_R | EPT_W);
	expect_unmapped(NIC_BAR0 + NIC_BAR0_SZ);
	expect_unmapped(NIC_BAR0 - PAGE_SIZE);
	expect_mapped(NIC_BAR2, EPT_MT_UC, EPT_R | EPT_W);
	expect_mapped(NIC_BAR2 + NIC_BAR2_SZ - PAGE_SIZE, EPT_MT_UC, EPT_R | EPT_W);
	expect_unmapped(NIC_BAR2 + NIC_BAR2_SZ);
	/* Nothing else: not the ROM, not the unassigned GPU. */
	expect_unmapped(NIC_ROM);
	expect_unmapped(GPU_BAR0);
	/* RAM untouched. */
	expect_mapped_to(0, RAM_HPA, EPT_MT_WB, EPT_RWX);
}

/* The boundary: a BAR starting right where RAM ends is fine. */
static void test_bar_right_after_ram(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, RAM_SIZE, 0x4000, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_ok();
	expect_mapped(RAM_SIZE, EPT_MT_UC, EPT_R | EPT_W);
	expect_mapped_to(RAM_SIZE - PAGE_SIZE, RAM_HPA + RAM_SIZE - PAGE_SIZE, EPT_MT_WB, EPT_RWX);
}

static void test_bar_restored_on_decode(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	/* A function reset cleared the device's BAR behind our back ... */
	fake_pci_set(NIC, PCI_BAR0, 4, 0);
	/* ... decoding must not start at 0. */
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0, 4), NIC_BAR0);
	assert_int_equal(fake_pci_get(NIC, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);
}

static void test_rom_hidden(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(fake_pci_get(NIC, PCI_ROM_ADDRESS, 4), NIC_ROM);
	assert_int_equal(rd(NIC, PCI_ROM_ADDRESS, 4), 0);
	wr(NIC, PCI_ROM_ADDRESS, 4, 0xfffff801u);
	assert_int_equal(rd(NIC, PCI_ROM_ADDRESS, 4), 0);
	assert_int_equal(fake_pci_nwrites, 0);
}

/* ------------------------------------------------------------ capabilities */

static void test_caps_msix_hidden(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(rd(NIC, PCI_CAP_PTR, 1), CAP_PM);
	assert_int_equal(rd(NIC, CAP_PM, 2), (CAP_MSI << 8) | PCI_CAP_ID_PM);   /* skips 0x50 */
	assert_int_equal(rd(NIC, CAP_PM + 2, 2), 0x0003);
	assert_int_equal(rd(NIC, CAP_MSI, 1), PCI_CAP_ID_MSI);
	assert_int_equal(rd(NIC, CAP_MSI + 1, 1), CAP_VNDR);
	assert_int_equal(rd(NIC, CAP_VNDR, 4), 0xbe0c0000u | PCI_CAP_ID_VNDR);
	for (unsigned r = CAP_MSIX; r < CAP_MSIX + PCI_MSIX_CAP_LEN; r += 4)
		assert_int_equal(rd(NIC, r, 4), 0);
	wr(NIC, CAP_MSIX + 2, 2, 0x8000);
	assert_int_equal(fake_pci_nwrites, 0);
	/* Capabilities' id and next bytes are read-only. */
	wr(NIC, CAP_PM, 2, 0x0000);
	assert_int_equal(fake_pci_nwrites, 0);
	wr(NIC, CAP_PM + 4, 2, 0x0003);   /* PMCSR: power state D3hot, passed */
	assert_int_equal(fake_pci_get(NIC, CAP_PM + 4, 2), 0x0003);
}

static void test_init_disables_msix_and_msi(void **state)
{
	(void)state;
	fake_pci_set(NIC, CAP_MSI + 2, 2, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT | PCI_MSI_FLAGS_ENABLE);
	assign(1, NIC);
	init_ok();
	assert_int_equal(fake_pci_get(NIC, CAP_MSIX + 2, 2), 0x0003);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, 0);
}

static void test_caps_all_hidden(void **state)
{
	pci_bdf_t b = PCI_BDF(0, 5, 0);

	(void)state;
	fake_pci_add(b, 0x1af4, 0x1000, 0x0200, 0x00);
	fake_pci_cap(b, 0x40, PCI_CAP_ID_MSIX);
	fake_pci_cap(b, 0x50, 0x15);             /* unknown to Septum */
	fake_pci_set(b, PCI_STATUS, 2, PCI_STATUS_CAP_LIST | 0x0200);
	assign(1, b);
	init_ok();
	assert_int_equal(rd(b, PCI_CAP_PTR, 1), 0);
	assert_int_equal(rd(b, PCI_STATUS, 2), 0x0200);
	assert_int_equal(rd(b, 0x50, 4), 0);
	assert_int_equal(rd(b, 0xfc, 4), 0);      /* the unknown one hides up to the end */
}

static void test_msi_own_destination(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(4));
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_HI, 4, 0);
	wr(NIC, CAP_MSI + PCI_MSI_DATA_64, 2, 0x0041);
	wr(NIC, CAP_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), MSI_OK(4));
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_DATA_64, 2), 0x0041);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(rd(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(part.vpci.dev[0].refusals, 0);
	/* The mask bits after the data pass through. */
	wr(NIC, CAP_MSI + 0x10, 4, 1);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 0x10, 4), 1);
}

static void test_msi_foreign_destination(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(4));
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(6));         /* APIC id 6: another partition's */
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), MSI_OK(4));
	assert_non_null(strstr(fake_console(),
			       "partition p1: PCI 00:02.0: refused MSI address 0xfee06000: APIC id 6 is not in the partition"));
}

static void test_msi_broadcast(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(0xff));
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), 0);
	assert_int_equal(fake_console_count("broadcast destination"), 1);
}

static void test_msi_logical_mode(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(2) | BIT(2));
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), 0);
	assert_int_equal(fake_console_count("logical destination mode"), 1);
}

static void test_msi_not_interrupt_address(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, 0x00100000u);   /* DMA into RAM, dressed as MSI */
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_HI, 4, 1);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), 0);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_HI, 4), 0);
	assert_int_equal(fake_console_count("not an interrupt message"), 2);
}

/* Address written in two words: judged whole each time, with the other
 * half as the device holds it. */
static void test_msi_address_word_writes(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	fake_pci_set(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(2));
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 2, 0x4000);           /* 0xfee04000: APIC id 4 */
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), MSI_OK(4));
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO + 2, 2, 0x0010);       /* 0x00104000 */
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4), MSI_OK(4));
	assert_int_equal(part.vpci.dev[0].refusals, 1);
}

static void test_msi_data_delivery_mode(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_DATA_64, 2, 0x0141);    /* lowest priority: fine */
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_DATA_64, 2), 0x0141);
	wr(NIC, CAP_MSI + PCI_MSI_DATA_64, 2, 0x0500);    /* INIT */
	wr(NIC, CAP_MSI + PCI_MSI_DATA_64, 2, 0x0200);    /* SMI */
	wr(NIC, CAP_MSI + PCI_MSI_DATA_64, 2, 0x0400);    /* NMI */
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + PCI_MSI_DATA_64, 2), 0x0141);
	assert_int_equal(fake_console_count("delivery mode"), 3);
}

/* Firmware left a message for another CPU: enabling MSI without setting
 * it first is refused; the rest of the control word still goes through. */
static void test_msi_enable_checks_stale_message(void **state)
{
	(void)state;
	fake_pci_set(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(6));
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE | (1u << 4));
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, 0);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & 0x70, 1u << 4);
	assert_non_null(strstr(fake_console(), "refused enabling MSI: MSI address 0xfee06000: APIC id 6"));
}

static void test_msi_32bit_layout(void **state)
{
	pci_bdf_t b = PCI_BDF(0, 6, 0);

	(void)state;
	fake_pci_add(b, 0x8086, 0x2668, 0x0403, 0x00);
	fake_pci_cap(b, 0x50, PCI_CAP_ID_MSI);             /* 32-bit, no masking: data at +8 */
	fake_pci_cap(b, 0x60, PCI_CAP_ID_EXP);
	assign(1, b);
	init_ok();
	wr(b, 0x50 + PCI_MSI_DATA_32, 2, 0x0500);           /* INIT: refused */
	assert_int_equal(fake_pci_get(b, 0x58, 2), 0);
	wr(b, 0x50 + PCI_MSI_DATA_32, 2, 0x0031);
	assert_int_equal(fake_pci_get(b, 0x58, 2), 0x0031);
	assert_int_equal(rd(b, 0x51, 1), 0x60);
}

/* ------------------------------------------------------------ init side effects */

static void test_init_sizing_restores(void **state)
{
	(void)state;
	assign(1, NIC);
	assert_int_equal(vpci_init(&part, why, sizeof(why)), 0);
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0, 4), NIC_BAR0);
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0 + 8, 4), (uint32_t)NIC_BAR2 | PCI_BAR_MEM_64 | PCI_BAR_PREFETCH);
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0 + 12, 4), (uint32_t)(NIC_BAR2 >> 32));
	assert_int_equal(fake_pci_get(NIC, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	/* Decoding was off while the BARs held all ones. */
	assert_int_equal(fake_pci_writes[0].reg, PCI_COMMAND);
	assert_int_equal(fake_pci_writes[0].val & (PCI_COMMAND_MEMORY | PCI_COMMAND_IO), 0);
}

static void test_dma_warning_once_per_device(void **state)
{
	(void)state;
	assign(2, NIC, GPU);
	assert_int_equal(vpci_init(&part, why, sizeof(why)), 0);
	assert_int_equal(fake_console_count("without an IOMMU"), 2);
	assert_int_equal(fake_console_count("PCI 00:02.0 assigned without an IOMMU: its DMA is not confined"), 1);
	assert_int_equal(fake_console_count("PCI 00:03.0 assigned without an IOMMU"), 1);
	fake_console_clear();
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	assert_int_equal(fake_console_count("IOMMU"), 0);
}

/* A restart: the guest left MSI on, bus mastering on, a BAR mid-sizing and
 * the latch set; vpci_reset() quiets the device and forgets the rest. */
static void test_reset_quiets_device(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_MSI + PCI_MSI_ADDR_LO, 4, MSI_OK(2));
	wr(NIC, CAP_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | BIT(10));
	wr(NIC, PCI_BAR0, 4, 0xffffffffu);
	fake_pci_set(NIC, PCI_BAR0 + 8, 4, 0);       /* a reset the guest caused */
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_ENABLE);
	fake_pci_clear_log();
	vpci_reset(&part);
	assert_int_equal(vpci_in(&part, 0xcf8, 4), 0);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, 0);
	assert_int_equal(fake_pci_get(NIC, PCI_COMMAND, 2), PCI_COMMAND_MEMORY);   /* firmware's, minus master */
	assert_int_equal(fake_pci_get(NIC, PCI_BAR0 + 8, 4), (uint32_t)NIC_BAR2 | PCI_BAR_MEM_64 | PCI_BAR_PREFETCH);
	assert_int_equal(rd(NIC, PCI_BAR0, 4), NIC_BAR0);
	/* Bus mastering went off before anything else was touched. */
	assert_int_equal(fake_pci_writes[0].reg, PCI_COMMAND);
	assert_int_equal(fake_pci_writes[0].val & (PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY), 0);
}

/* ------------------------------------------------------------ refusals */

static void test_refuse_missing(void **state)
{
	(void)state;
	assign(1, PCI_BDF(0, 9, 0));
	init_refused("PCI 00:09.0: no such function on this machine");
}

static void test_refuse_host_bridge_bdf(void **state)
{
	(void)state;
	assign(1, HOSTBR);
	init_refused("PCI 00:00.0: is the host bridge; the partition has a virtual one there");
}

static void test_refuse_host_bridge_class(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0x80, 0, 0), 0x1022, 0x1450, 0x0600, 0x00);
	assign(1, PCI_BDF(0x80, 0, 0));
	init_refused("PCI 80:00.0: refused: class 06/00 (host bridge): bridges control the platform");
}

static void test_refuse_pci_bridge(void **state)
{
	(void)state;
	assign(1, BRIDGE);
	init_refused("PCI 00:04.0: refused: class 06/04 (PCI-to-PCI bridge): bridges control the platform");
}

static void test_refuse_cardbus_bridge(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(2, 0, 0), 0x104c, 0xac56, 0x0607, 0x82);
	assign(1, PCI_BDF(2, 0, 0));
	init_refused("PCI 02:00.0: refused: class 06/07 (CardBus bridge): bridges control the platform");
}

static void test_refuse_unknown_header(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(2, 1, 0), 0x104c, 0x0001, 0x0880, 0x05);
	assign(1, PCI_BDF(2, 1, 0));
	init_refused("PCI 02:01.0: has the unknown header type 5");
}

/* I/O BARs: ports straight to the device through the I/O bitmaps. */
static bool port_exits(const uint8_t *a, const uint8_t *b, unsigned port)
{
	const uint8_t *bm = port < 0x8000 ? a : b;

	return (bm[(port & 0x7fff) / 8] >> (port % 8)) & 1;
}

static void test_io_bar_passed_through(void **state)
{
	static uint8_t a[4096], b[4096];

	(void)state;
	assign(1, IDE);
	init_ok();
	assert_int_equal(part.vpci.ndevs, 1);
	memset(a, 0xff, sizeof(a));
	memset(b, 0xff, sizeof(b));
	vpci_io_bitmap_open(&part, a, b);
	for (unsigned port = 0xbff0; port < 0xc020; port++)
		assert_int_equal(port_exits(a, b, port), !(port >= 0xc000 && port < 0xc010));
	for (unsigned i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0xff);              /* nothing below 0x8000 opened */
	assert_int_equal(part.vpci.dev[0].bar[4].kind, VPCI_BAR_IO);
}

static void test_io_bar_sizing_and_no_move(void **state)
{
	(void)state;
	assign(1, IDE);
	init_ok();
	assert_int_equal(rd(IDE, PCI_BAR0 + 16, 4), 0xc001);
	wr(IDE, PCI_BAR0 + 16, 4, 0xffffffff);
	assert_int_equal(rd(IDE, PCI_BAR0 + 16, 4), 0xfffffff1u);
	wr(IDE, PCI_BAR0 + 16, 4, 0xc001);
	assert_int_equal(rd(IDE, PCI_BAR0 + 16, 4), 0xc001);
	wr(IDE, PCI_BAR0 + 16, 4, 0xd001);
	assert_int_equal(rd(IDE, PCI_BAR0 + 16, 4), 0xc001);
	assert_int_equal(fake_pci_get(IDE, PCI_BAR0 + 16, 4), 0xc001);
	assert_int_equal(fake_console_count("refused moving BAR 4 from 0xc000 to 0xd000"), 1);
}

static void test_no_io_bar_opens_nothing(void **state)
{
	static uint8_t a[4096], b[4096];

	(void)state;
	assign(1, NIC);
	init_ok();
	memset(a, 0xff, sizeof(a));
	memset(b, 0xff, sizeof(b));
	vpci_io_bitmap_open(&part, a, b);
	for (unsigned i = 0; i < sizeof(a); i++)
		assert_true(a[i] == 0xff && b[i] == 0xff);
}

static void test_refuse_io_bar_over_vuart(void **state)
{
	(void)state;
	fake_pci_bar(IDE, 4, 0x3f0, 16, PCI_BAR_IO);
	assign(1, IDE);
	init_refused("PCI 00:01.1: I/O BAR 4 (ports 0x3f0-0x3ff) overlaps the virtual UART (0x3f8-0x3ff)");
}

static void test_refuse_io_bar_over_pci_ports(void **state)
{
	(void)state;
	fake_pci_bar(IDE, 4, 0xcf0, 16, PCI_BAR_IO);
	assign(1, IDE);
	init_refused("PCI 00:01.1: I/O BAR 4 (ports 0xcf0-0xcff) overlaps PCI configuration space (0xcf8-0xcff)");
}

static void test_refuse_io_bar_unassigned(void **state)
{
	(void)state;
	fake_pci_bar(IDE, 4, 0, 16, PCI_BAR_IO);
	assign(1, IDE);
	init_refused("PCI 00:01.1: I/O BAR 4 (16 ports) has no address: firmware did not assign it");
}

static void test_refuse_io_bars_overlapping(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 5, 0), 0x8086, 0x7020, 0x0c03, 0x00);
	fake_pci_bar(PCI_BDF(0, 5, 0), 0, 0xc008, 8, PCI_BAR_IO);
	assign(2, IDE, PCI_BDF(0, 5, 0));
	init_refused("PCI 00:05.0: BAR 0 overlaps BAR 4 of 00:01.1");
}

static void test_refuse_bar_in_ram(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, 0x08000000, 0x4000, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 0 (0x8000000-0x8003fff) overlaps the partition's RAM (0-0xfffffff)");
	assert_int_equal(fake_pci_get(GPU, PCI_BAR0, 4), 0x08000000);
}

static void test_refuse_subpage_bar(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 1, 0xfe004000u, 0x100, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 1 (0xfe004000, 256 bytes) is smaller than a 4 KiB page: mapping its page could expose another device");
}

static void test_refuse_unassigned_bar(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, 0, 0x4000, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 0 (16384 bytes) has no address: firmware did not assign it");
}

static void test_refuse_bar_beyond_gpa_space(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, 1ull << 48, 0x4000, PCI_BAR_MEM_64);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 0 (0x1000000000000) is beyond the 48-bit guest-physical space");
}

static void test_refuse_64bit_last_bar(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 5, 0xfd000000u, 0x4000, PCI_BAR_MEM_32);
	fake_pci_set(GPU, PCI_BAR0 + 20, 4, 0xfd000000u | PCI_BAR_MEM_64);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 5 is 64-bit but is the last BAR");
}

static void test_refuse_reserved_bar_type(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, GPU_BAR0, 0x4000, 0x6);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 0 has the reserved memory type 3");
}

static void test_refuse_cap_loop(void **state)
{
	(void)state;
	fake_pci_cap(GPU, 0x40, PCI_CAP_ID_PM);
	fake_pci_cap(GPU, 0x48, PCI_CAP_ID_VNDR);
	fake_pci_set(GPU, 0x49, 1, 0x40);        /* next of 0x48 back to 0x40 */
	assign(1, GPU);
	init_refused("PCI 00:03.0: malformed capability list (loop at 0x40)");
}

static void test_refuse_cap_into_header(void **state)
{
	(void)state;
	fake_pci_cap(GPU, 0x40, PCI_CAP_ID_PM);
	fake_pci_set(GPU, 0x41, 1, 0x10);
	assign(1, GPU);
	init_refused("PCI 00:03.0: malformed capability list (pointer 0x10)");
}

static void test_refuse_msi_overlapping(void **state)
{
	(void)state;
	fake_pci_cap(GPU, 0x40, PCI_CAP_ID_MSI);
	fake_pci_set(GPU, 0x42, 2, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);   /* 24 bytes ... */
	fake_pci_cap(GPU, 0x50, PCI_CAP_ID_PM);                                     /* ... but 16 here */
	assign(1, GPU);
	init_refused("PCI 00:03.0: MSI capability at 0x40 overlaps the next one");
}

static void test_refuse_bars_overlap_each_other(void **state)
{
	pci_bdf_t b = PCI_BDF(0, 7, 0);

	(void)state;
	fake_pci_add(b, 0x1234, 0x2222, 0x0300, 0x00);
	fake_pci_bar(b, 0, GPU_BAR0, 0x1000, PCI_BAR_MEM_32);
	assign(2, GPU, b);
	init_refused("PCI 00:07.0: BAR 0 overlaps BAR 0 of 00:03.0");
	expect_unmapped(GPU_BAR0);
}

static void test_refuse_bar_already_mapped(void **state)
{
	(void)state;
	assert_int_equal(ept_map(&s2.ept, gpa(GPU_BAR0), hpa(0x50000000), PAGE_SIZE, EPT_R | EPT_W, EPT_MT_WB), 0);
	assign(1, GPU);
	init_refused("PCI 00:03.0: BAR 0 (0xfe000000) overlaps memory already mapped");
}

static void test_refuse_listed_twice(void **state)
{
	(void)state;
	assign(2, GPU, GPU);
	init_refused("PCI 00:03.0: listed twice");
}

static void test_refuse_too_many(void **state)
{
	(void)state;
	assign(1, GPU);
	pcfg.npci = VPCI_MAX_DEVS + 1;
	init_refused("PCI: 9 functions listed, at most 8");
}

/* A refused second function leaves the first unmapped and unchanged. */
static void test_refusal_changes_nothing(void **state)
{
	(void)state;
	fake_pci_bar(IDE, 4, 0x3f0, 16, PCI_BAR_IO);
	assign(2, NIC, IDE);
	init_refused("PCI 00:01.1: I/O BAR 4 (ports 0x3f0-0x3ff) overlaps the virtual UART (0x3f8-0x3ff)");
	expect_unmapped(NIC_BAR0);
	assert_int_equal(fake_pci_get(NIC, CAP_MSIX + 2, 2), 0x8003);   /* not quiesced */
	assert_int_equal(fake_console_count("IOMMU"), 0);
	assert_int_equal(rd(NIC, PCI_VENDOR_ID, 4), 0xffffffffu);
}

/* ------------------------------------------------ the serial function */

#define UART       PCI_BDF(0, 31, 0)      /* the highest free device number */
#define UART_MSI   0x40

/* A guest OS partition, none of its functions on device 31. */
static void uart_init_ok(void)
{
	part.os_guest = true;
	init_ok();
	assert_true(part.vpci.uart.present);
}

/* Bus mastering, then the message, then MSI on: Linux's order. */
static void msi_program(uint32_t addr, uint16_t data)
{
	wr(UART, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr(UART, UART_MSI + 4, 4, addr);
	wr(UART, UART_MSI + 8, 2, data);
	wr(UART, UART_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
}

static void test_uart_absent_for_test_guests(void **state)
{
	(void)state;
	init_ok();
	assert_false(part.vpci.uart.present);
	assert_int_equal(rd(UART, PCI_VENDOR_ID, 4), 0xffffffffu);
}

/* Without a console interrupt route, an interrupt-driven guest would never
 * read its input: the function is not offered, the guest polls COM1. */
static void test_uart_absent_without_console_irq(void **state)
{
	(void)state;
	fake_console_irq_available = false;
	part.os_guest = true;
	init_ok();
	assert_false(part.vpci.uart.present);
	assert_int_equal(rd(UART, PCI_VENDOR_ID, 4), 0xffffffffu);
}

/* The header Linux's 8250_pci matches: MosChip 9900, subsystem a000:1000,
 * class 07/00/02, I/O BAR 0 at 0x3f8, MSI capability, no INTx. */
static void test_uart_header(void **state)
{
	(void)state;
	uart_init_ok();
	assert_int_equal(rd(UART, PCI_VENDOR_ID, 4), 0x99009710u);
	assert_int_equal(rd(UART, PCI_REVISION_ID, 4), 0x07000201u);
	assert_int_equal(rd(UART, PCI_STATUS, 2), PCI_STATUS_CAP_LIST);
	assert_int_equal(rd(UART, PCI_HEADER_TYPE, 1), 0);
	assert_int_equal(rd(UART, PCI_BAR0, 4), 0x3f9);
	for (unsigned bar = 1; bar < PCI_NUM_BARS; bar++)
		assert_int_equal(rd(UART, PCI_BAR0 + 4 * bar, 4), 0);
	assert_int_equal(rd(UART, PCI_SUBSYSTEM_VENDOR, 4), 0x1000a000u);
	assert_int_equal(rd(UART, PCI_ROM_ADDRESS, 4), 0);
	assert_int_equal(rd(UART, PCI_CAP_PTR, 1), UART_MSI);
	assert_int_equal(rd(UART, PCI_INTERRUPT_PIN, 1), 0);
	/* MSI: id 5, last in the list, 32-bit, one vector, no masking, off. */
	assert_int_equal(rd(UART, UART_MSI, 4), 0x00000005u);
	assert_int_equal(rd(UART, 0x4c, 4), 0);
	/* Other functions of device 31 are absent. */
	assert_int_equal(rd(PCI_BDF(0, 31, 1), PCI_VENDOR_ID, 4), 0xffffffffu);
	assert_int_equal(rd(PCI_BDF(1, 31, 0), PCI_VENDOR_ID, 4), 0xffffffffu);
}

/* A function assigned at device 31 pushes it down to 30. */
static void test_uart_placed_below_assigned(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 31, 3), 0x8086, 0x2930, 0x0403, 0x00);
	assign(1, PCI_BDF(0, 31, 3));
	part.os_guest = true;
	init_ok();
	assert_int_equal(part.vpci.uart.bdf, PCI_BDF(0, 30, 0));
	assert_int_equal(rd(PCI_BDF(0, 30, 0), PCI_VENDOR_ID, 4), 0x99009710u);
	assert_int_equal(rd(PCI_BDF(0, 31, 3), PCI_VENDOR_ID, 2), 0x8086);
}

static void test_uart_bar_sizing_and_fixed(void **state)
{
	(void)state;
	uart_init_ok();
	wr(UART, PCI_BAR0, 4, 0xffffffffu);
	assert_int_equal(rd(UART, PCI_BAR0, 4), 0xfffffff9u);   /* 8 ports, I/O */
	wr(UART, PCI_BAR0, 4, 0x3f8);
	assert_int_equal(rd(UART, PCI_BAR0, 4), 0x3f9);
	wr(UART, PCI_BAR0, 4, 0x2f8);
	assert_int_equal(rd(UART, PCI_BAR0, 4), 0x3f9);
	assert_non_null(strstr(fake_console(), "refused moving BAR 0 to 0x2f8"));
	/* Read-only fields stay: ids, class, the capability. */
	wr(UART, PCI_VENDOR_ID, 4, 0);
	wr(UART, PCI_REVISION_ID, 4, 0);
	wr(UART, UART_MSI, 2, 0x1234);
	assert_int_equal(rd(UART, PCI_VENDOR_ID, 4), 0x99009710u);
	assert_int_equal(rd(UART, PCI_REVISION_ID, 4), 0x07000201u);
	assert_int_equal(rd(UART, UART_MSI, 2), 0x0005);
	/* Scratch registers keep what is written. */
	wr(UART, PCI_INTERRUPT_LINE, 1, 0x0b);
	wr(UART, PCI_CACHE_LINE_SIZE, 1, 0x10);
	assert_int_equal(rd(UART, PCI_INTERRUPT_LINE, 1), 0x0b);
	assert_int_equal(rd(UART, PCI_CACHE_LINE_SIZE, 1), 0x10);
}

/* Linux's order: address, data, enable; then bus mastering. Only with all
 * of them does the vUART get a target; edges then become IPIs. */
static void test_uart_msi_target(void **state)
{
	(void)state;
	uart_init_ok();
	wr(UART, UART_MSI + 4, 4, MSI_OK(4));
	wr(UART, UART_MSI + 8, 2, 0x0041);
	wr(UART, UART_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(rd(UART, UART_MSI, 4), 0x00010005u);
	assert_int_equal(rd(UART, UART_MSI + 4, 4), MSI_OK(4));
	assert_int_equal(rd(UART, UART_MSI + 8, 4), 0x41);
	assert_false(vuart_get_irq(&part.uart).on);          /* no bus mastering yet */
	wr(UART, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	assert_int_equal(rd(UART, PCI_COMMAND, 2), PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	assert_true(vuart_get_irq(&part.uart).on);
	assert_int_equal(vuart_get_irq(&part.uart).apic_id, 4);
	assert_int_equal(vuart_get_irq(&part.uart).vector, 0x41);
	assert_int_equal(fake_send_ipi_count, 0);
	vuart_write(&part.uart, 1, 0x02);                      /* IER.THRI: THRE pending */
	assert_int_equal(fake_send_ipi_count, 1);
	assert_int_equal(fake_send_ipi_apic_id, 4);
	assert_int_equal(fake_send_ipi_vector, 0x41);
	/* Moving the interrupt (Linux's affinity change) retargets it. */
	wr(UART, UART_MSI + 4, 4, MSI_OK(2));
	wr(UART, UART_MSI + 8, 2, 0x0052);
	assert_int_equal(vuart_get_irq(&part.uart).apic_id, 2);
	assert_int_equal(vuart_get_irq(&part.uart).vector, 0x52);
	/* MSI off: no target. */
	wr(UART, UART_MSI + 2, 2, 0);
	assert_false(vuart_get_irq(&part.uart).on);
}

/* The data register written a byte at a time composes one value. */
static void test_uart_msi_byte_writes(void **state)
{
	(void)state;
	uart_init_ok();
	wr(UART, PCI_COMMAND, 1, PCI_COMMAND_MASTER);
	wr(UART, UART_MSI + 4, 4, MSI_OK(2));
	wr(UART, UART_MSI + 8, 1, 0x33);
	wr(UART, UART_MSI + 9, 1, 0x00);
	wr(UART, UART_MSI + 3, 1, 0x00);                       /* control high byte: nothing */
	wr(UART, UART_MSI + 2, 1, PCI_MSI_FLAGS_ENABLE);
	assert_true(vuart_get_irq(&part.uart).on);
	assert_int_equal(vuart_get_irq(&part.uart).vector, 0x33);
}

static void msi_not_sent(uint32_t addr, uint16_t data, const char *reason)
{
	uart_init_ok();
	msi_program(addr, data);
	assert_false(vuart_get_irq(&part.uart).on);
	vuart_write(&part.uart, 1, 0x02);
	assert_int_equal(fake_send_ipi_count, 0);
	if (!strstr(fake_console(), reason))
		fail_msg("no \"%s\" in: %s", reason, fake_console());
}

static void test_uart_msi_foreign_cpu_not_sent(void **state)
{
	(void)state;
	msi_not_sent(MSI_OK(6), 0x41, "APIC id 6 is not in the partition");
}

/* Logical destinations: no vCPU in xAPIC mode, so none is named. */
static void test_uart_msi_logical_no_cpu_not_sent(void **state)
{
	(void)state;
	msi_not_sent(MSI_OK(2) | 0x4, 0x41, "logical destination 0x2 names no CPU");
}

/* Two vCPUs in xAPIC mode, flat model, logical ids 1 and 2 (what Linux sets
 * up): a logical MSI to one of them goes to its physical APIC id. */
static struct vcpu *xapic_vcpus[2];

static void xapic_flat_vcpus(void)
{
	for (unsigned i = 0; i < 2; i++) {
		struct vcpu *v = calloc(1, sizeof(*v));

		assert_non_null(v);
		v->part = &part;
		v->index = i;
		v->cpu = (cpuid_t)(i + 1);                  /* CPUs 1 and 2: APIC ids 2 and 4 */
		v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | (i == 0 ? APIC_BASE_BSP : 0);
		v->xapic.ldr = (1u << i) << 24;
		v->xapic.dfr = 0xffffffffu;                 /* flat model */
		part.vcpu[i] = xapic_vcpus[i] = v;
	}
	part.nvcpus = 2;
}

static void free_xapic_vcpus(void)
{
	for (unsigned i = 0; i < 2; i++) {
		free(xapic_vcpus[i]);
		part.vcpu[i] = xapic_vcpus[i] = NULL;
	}
	part.nvcpus = 0;
}

static void test_uart_msi_logical_flat(void **state)
{
	(void)state;
	xapic_flat_vcpus();
	uart_init_ok();
	msi_program(MSI_OK(2) | 0x4, 0x0041);              /* logical 0x02: vCPU 1 */
	assert_true(vuart_get_irq(&part.uart).on);
	assert_int_equal(vuart_get_irq(&part.uart).apic_id, 4);
	vuart_write(&part.uart, 1, 0x02);
	assert_int_equal(fake_send_ipi_count, 1);
	assert_int_equal(fake_send_ipi_apic_id, 4);
	wr(UART, UART_MSI + 4, 4, MSI_OK(1) | 0x4);        /* logical 0x01: vCPU 0 */
	assert_int_equal(vuart_get_irq(&part.uart).apic_id, 2);
	free_xapic_vcpus();
}

/* One CPU per console interrupt: a logical destination naming both is
 * refused, as is one naming a vCPU in x2APIC mode (no LDR to match). */
static void test_uart_msi_logical_several_not_sent(void **state)
{
	(void)state;
	xapic_flat_vcpus();
	msi_not_sent(MSI_OK(3) | 0x4, 0x41, "logical destination 0x3 names 2 CPUs");
	free_xapic_vcpus();
}

static void test_uart_msi_logical_x2apic_vcpu_not_sent(void **state)
{
	(void)state;
	xapic_flat_vcpus();
	xapic_vcpus[1]->apic_base |= APIC_BASE_EXTD;
	msi_not_sent(MSI_OK(2) | 0x4, 0x41, "logical destination 0x2 names no CPU");
	free_xapic_vcpus();
}

static void test_uart_msi_not_interrupt_range_not_sent(void **state)
{
	(void)state;
	msi_not_sent(0x12345000u, 0x41, "not an interrupt message");
}

static void test_uart_msi_nmi_not_sent(void **state)
{
	(void)state;
	msi_not_sent(MSI_OK(2), 0x0441, "delivery mode 4");
}

static void test_uart_msi_bad_vector_not_sent(void **state)
{
	(void)state;
	msi_not_sent(MSI_OK(2), 0x000f, "vector 15 is not a valid interrupt vector");
}

/* Freeing the interrupt, Linux clears the message before it disables MSI:
 * no target, and no refusal logged for it. */
static void test_uart_msi_cleared_message_silent(void **state)
{
	(void)state;
	uart_init_ok();
	msi_program(MSI_OK(4), 0x0041);
	assert_true(vuart_get_irq(&part.uart).on);
	wr(UART, UART_MSI + 4, 4, 0);
	wr(UART, UART_MSI + 8, 2, 0);
	assert_false(vuart_get_irq(&part.uart).on);
	wr(UART, UART_MSI + 2, 2, 0);
	assert_null(strstr(fake_console(), "(console)"));
	assert_int_equal(part.vpci.uart.refusals, 0);
}

/* A pending condition when MSI comes on is sent at once, once. */
static void test_uart_msi_enable_with_pending(void **state)
{
	(void)state;
	uart_init_ok();
	vuart_write(&part.uart, 1, 0x02);
	wr(UART, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr(UART, UART_MSI + 4, 4, MSI_OK(4));
	wr(UART, UART_MSI + 8, 2, 0x0041);
	assert_int_equal(fake_send_ipi_count, 0);
	wr(UART, UART_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(fake_send_ipi_count, 1);
	/* Writes that do not change the target send nothing more. */
	wr(UART, PCI_CACHE_LINE_SIZE, 1, 0x10);
	wr(UART, UART_MSI + 8, 2, 0x0041);
	assert_int_equal(fake_send_ipi_count, 1);
}

/* A restart puts the function back to power-on: MSI, decoding off. */
static void test_uart_reset(void **state)
{
	(void)state;
	uart_init_ok();
	wr(UART, PCI_COMMAND, 2, PCI_COMMAND_IO | PCI_COMMAND_MASTER);
	wr(UART, UART_MSI + 4, 4, MSI_OK(4));
	wr(UART, UART_MSI + 8, 2, 0x0041);
	wr(UART, UART_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
	wr(UART, PCI_BAR0, 4, 0xffffffffu);
	assert_true(vuart_get_irq(&part.uart).on);
	vpci_reset(&part);
	assert_false(vuart_get_irq(&part.uart).on);
	assert_true(part.vpci.uart.present);
	assert_int_equal(rd(UART, PCI_COMMAND, 2), 0);
	assert_int_equal(rd(UART, UART_MSI, 4), 0x00000005u);
	assert_int_equal(rd(UART, UART_MSI + 4, 4), 0);
	assert_int_equal(rd(UART, PCI_BAR0, 4), 0x3f9);
}

/* ------------------------------------------------------------ config-space rules (docs/pci.md) */

/* A PCI Express endpoint with PM, MSI and the PCIe capability; flr: its
 * DevCap advertises function level reset. */
#define PCIE       PCI_BDF(0, 7, 0)
#define PCIE_BAR0  0xfd000000u
#define PCIE_PM    0x40
#define PCIE_MSI   0x50
#define PCIE_EXP   0x70
#define PCIE_DEVCTL0 0x2c1fu                  /* MRRS 512, MPS 128, ext tag... error reporting on */

static void pcie_dev(bool flr)
{
	fake_pci_add(PCIE, 0x15b3, 0x1017, 0x0200, 0x00);
	fake_pci_bar(PCIE, 0, PCIE_BAR0, 0x10000, PCI_BAR_MEM_32);
	fake_pci_set(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR);
	fake_pci_cap(PCIE, PCIE_PM, PCI_CAP_ID_PM);
	fake_pci_set(PCIE, PCIE_PM + PCI_PM_PMC, 2, 0x0003);        /* no D1, no D2 */
	fake_pci_set(PCIE, PCIE_PM + PCI_PM_CTRL, 2, PCI_PM_NO_SOFT_RESET);
	fake_pci_cap(PCIE, PCIE_MSI, PCI_CAP_ID_MSI);
	fake_pci_set(PCIE, PCIE_MSI + 2, 2, PCI_MSI_FLAGS_64BIT);
	fake_pci_cap(PCIE, PCIE_EXP, PCI_CAP_ID_EXP);
	fake_pci_set(PCIE, PCIE_EXP + PCI_EXP_DEVCAP, 4, flr ? PCI_EXP_DEVCAP_FLR : 0);
	fake_pci_set(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2, PCIE_DEVCTL0);
	fake_pci_set(PCIE, 0xd0, 4, 0x5a5a5a5a);                   /* a device-specific register */
	assign(1, PCIE);
}

static void test_devspec_write_refused(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	assert_int_equal(rd(NIC, 0xc0, 4), 0x11223344u);           /* read as the device has it */
	wr(NIC, 0xc0, 4, 0xcafef00du);
	wr(NIC, 0xc2, 1, 0x00);
	assert_int_equal(fake_pci_get(NIC, 0xc0, 4), 0x11223344u);
	assert_int_equal(fake_pci_nwrites, 0);
	assert_int_equal(fake_console_count("partition p1: PCI 00:02.0: refused a write to device-specific register 0xc0"), 1);
	assert_int_equal(fake_console_count("device-specific"), 1); /* once per function */
	assert_int_equal(part.vpci.dev[0].refusals, 2);
}

/* The PIIX3 IDE's timing registers are in the quirk table; its other
 * device-specific bytes are not. */
static void test_devspec_quirk_allows(void **state)
{
	(void)state;
	assign(1, IDE);
	init_ok();
	wr(IDE, 0x40, 4, 0xa307a307u);
	wr(IDE, 0x44, 1, 0x0b);
	assert_int_equal(fake_pci_get(IDE, 0x40, 4), 0xa307a307u);
	assert_int_equal(fake_pci_get(IDE, 0x44, 1), 0x0b);
	wr(IDE, 0x45, 1, 0x01);
	wr(IDE, 0x48, 1, 0x01);
	assert_int_equal(fake_pci_get(IDE, 0x45, 1), 0);
	assert_int_equal(fake_pci_get(IDE, 0x48, 1), 0);
	assert_int_equal(fake_console_count("refused a write to device-specific register 0x45"), 1);
}

/* Vendor-specific capability bodies are read-only; so is the rest of the
 * header that is not in the pass list. */
static void test_vendor_cap_read_only(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	wr(NIC, CAP_VNDR + 2, 2, 0x1234);
	wr(NIC, CAP_VNDR + 4, 4, 0xffffffffu);
	wr(NIC, CAP_PM + 2, 2, 0xffff);                             /* PMC */
	wr(NIC, 0x35, 1, 0xff);                                     /* reserved */
	assert_int_equal(fake_pci_nwrites, 0);
	assert_int_equal(rd(NIC, CAP_VNDR, 4), 0xbe0c0000u | PCI_CAP_ID_VNDR);
}

/* Command: parity error response and SERR# stay as firmware left them. */
static void test_command_guest_bits(void **state)
{
	(void)state;
	pcie_dev(false);
	init_ok();
	wr(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_PARITY);
	assert_int_equal(fake_pci_get(PCIE, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_SERR);
	wr(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	assert_int_equal(fake_pci_get(PCIE, PCI_COMMAND, 2),
			 PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE | PCI_COMMAND_SERR);
}

/* PCIe device control: relaxed ordering, no snoop, MRRS, extended tags
 * pass; MPS and the error reporting enables stay. Device status passes
 * (RW1C); link control and capabilities are read-only; device control 2
 * keeps LTR. */
static void test_pcie_cap_rules(void **state)
{
	(void)state;
	pcie_dev(false);
	init_ok();
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2, 0x50e0u);   /* MRRS 4096, MPS 4096, all error enables off */
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2), 0x500fu);
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2, 0x0910u);   /* no snoop, ext tag, relaxed ordering */
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2) & 0x0f1fu, 0x091fu);
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVSTA, 2, 0x000f);    /* clear error bits */
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVSTA, 2), 0x000f);
	wr(PCIE, PCIE_EXP + 0x10, 2, 0x0003);              /* link control: ASPM */
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVCAP, 4, 0xffffffffu);
	wr(PCIE, PCIE_EXP + 0x30, 2, 0x0001);              /* link control 2: target speed */
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + 0x10, 2), 0);
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVCAP, 4), 0);
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + 0x30, 2), 0);
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVCTL2, 2, 0xffff);   /* LTR (bit 10), OBFF stay 0 */
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVCTL2, 2), 0x035f);
}

/* PMCSR: the state and PME enable pass; PME status is cleared only by a
 * write that names it; D1 without PMC's D1 bit keeps the state. */
static void test_pm_cap_rules(void **state)
{
	(void)state;
	pcie_dev(false);
	fake_pci_set(PCIE, PCIE_PM + PCI_PM_CTRL, 2, PCI_PM_NO_SOFT_RESET | PCI_PM_PME_STATUS);
	init_ok();
	wr(PCIE, PCIE_PM + PCI_PM_CTRL, 1, PCI_PM_NO_SOFT_RESET);      /* byte 0 only */
	assert_int_equal(fake_pci_writes_to(PCIE, PCIE_PM + PCI_PM_CTRL, 2), 1);
	for (unsigned i = 0; i < fake_pci_nwrites; i++)
		if (fake_pci_writes[i].reg == PCIE_PM + PCI_PM_CTRL)
			assert_int_equal(fake_pci_writes[i].val & PCI_PM_PME_STATUS, 0);
	wr(PCIE, PCIE_PM + PCI_PM_CTRL, 2, PCI_PM_PME_STATUS | PCI_PM_PME_ENABLE);
	assert_int_equal(fake_pci_writes[fake_pci_nwrites - 1].val & (PCI_PM_PME_STATUS | PCI_PM_PME_ENABLE),
			 PCI_PM_PME_STATUS | PCI_PM_PME_ENABLE);
	wr(PCIE, PCIE_PM + PCI_PM_CTRL, 2, 1);                          /* D1: not offered */
	assert_int_equal(fake_pci_get(PCIE, PCIE_PM + PCI_PM_CTRL, 2) & PCI_PM_STATE_MASK, 0);
	expect_mapped(PCIE_BAR0, EPT_MT_UC, EPT_R | EPT_W);
}

/* ------------------------------------------------------------ refusals by rule */

static void test_refuse_isa_bridge(void **state)
{
	(void)state;
	assign(1, ISA);
	init_refused("PCI 00:01.0: refused: class 06/01 (ISA bridge): bridges control the platform");
	assert_int_equal(fake_pci_nwrites, 0);
}

static void test_refuse_other_bridge(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 9, 0), 0x8086, 0x0001, 0x0680, 0x00);
	assign(1, PCI_BDF(0, 9, 0));
	init_refused("PCI 00:09.0: refused: class 06/80 (bridge): bridges control the platform");
}

/* A bridge header under a non-bridge class is still a bridge. */
static void test_refuse_bridge_header(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 9, 0), 0x8086, 0x0001, 0x0880, 0x01);
	assign(1, PCI_BDF(0, 9, 0));
	init_refused("PCI 00:09.0: refused: header type 1 (PCI-to-PCI bridge): bridges control the platform");
}

static void test_refuse_smbus(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 0x1f, 3), 0x8086, 0x2930, 0x0c05, 0x00);
	assign(1, PCI_BDF(0, 0x1f, 3));
	init_refused("PCI 00:1f.3: refused: class 0c/05 (SMBus controller): SMBus reaches the platform's memory SPDs, sensors and power control");
}

static void test_refuse_iommu(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 0, 2), 0x1022, 0x1451, 0x0806, 0x00);
	assign(1, PCI_BDF(0, 0, 2));
	init_refused("PCI 00:00.2: refused: class 08/06 (IOMMU): an IOMMU confines every device's DMA");
}

static void test_refuse_ioapic_function(void **state)
{
	(void)state;
	fake_pci_add(PCI_BDF(0, 9, 0), 0x8086, 0x0001, 0x0800, 0x00);
	assign(1, PCI_BDF(0, 9, 0));
	init_refused("PCI 00:09.0: refused: class 08/00 (interrupt controller): the platform's interrupt controllers stay Septum's");
}

static void test_refuse_bar_over_ioapic(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, 0xfec00000u, 0x4000, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_refused("PCI 00:03.0: refused: BAR 0 (0xfec00000-0xfec03fff) overlaps the I/O APIC window (0xfec00000-0xfecfffff)");
}

static void test_refuse_bar_over_hpet(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, 0xfed00000u, 0x4000, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_refused("PCI 00:03.0: refused: BAR 0 (0xfed00000-0xfed03fff) overlaps the HPET (0xfed00000-0xfed00fff)");
}

static void test_refuse_bar_over_lapic(void **state)
{
	(void)state;
	fake_pci_bar(GPU, 0, 0xfee00000u, 0x4000, PCI_BAR_MEM_32);
	assign(1, GPU);
	init_refused("PCI 00:03.0: refused: BAR 0 (0xfee00000-0xfee03fff) overlaps the local APIC and MSI window (0xfee00000-0xfeefffff)");
}

/* What host_range_used() names: Septum's memory, other partitions' BARs. */
static void test_refuse_bar_over_septum(void **state)
{
	(void)state;
	fake_pci_used(false, GPU_BAR0 + 0x2000, 0x1000, "Septum's own memory");
	assign(1, GPU);
	init_refused("PCI 00:03.0: refused: BAR 0 (0xfe000000-0xfe003fff) overlaps Septum's own memory");
}

static void test_refuse_bar_over_other_partition(void **state)
{
	(void)state;
	fake_pci_used(true, 0xc008, 8, "BAR 0 of 00:05.0, assigned to partition p2");
	assign(1, IDE);
	init_refused("PCI 00:01.1: refused: I/O BAR 4 (ports 0xc000-0xc00f) overlaps BAR 0 of 00:05.0, assigned to partition p2");
}

static void test_refuse_without_dma_key(void **state)
{
	(void)state;
	pcfg.dma_unconfined = false;
	assign(1, IDE);
	init_refused("PCI 00:01.1: refused: without an IOMMU its DMA can reach all memory; the partition needs dma = unconfined to accept that");
	assert_int_equal(fake_pci_nwrites, 0);
}

/* ------------------------------------------------------------ decoding follows the EPT */

static void test_decode_off_unmaps(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	expect_mapped(NIC_BAR0, EPT_MT_UC, EPT_R | EPT_W);
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MASTER);                  /* memory decoding off */
	expect_unmapped(NIC_BAR0);
	expect_unmapped(NIC_BAR0 + NIC_BAR0_SZ - PAGE_SIZE);
	expect_unmapped(NIC_BAR2);
	assert_int_equal(fake_ept_invalidations, 1);
	expect_mapped_to(0, RAM_HPA, EPT_MT_WB, EPT_RWX);               /* RAM stays */
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	expect_mapped(NIC_BAR0, EPT_MT_UC, EPT_R | EPT_W);
	expect_mapped(NIC_BAR2 + NIC_BAR2_SZ - PAGE_SIZE, EPT_MT_UC, EPT_R | EPT_W);
	/* The same command again changes nothing. */
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(fake_ept_invalidations, 1);
}

/* A device that keeps decoding although told not to (its memory enable
 * bit stuck at 1, as Bochs' PCI VGA): the guest said off, so off. */
static void test_decode_off_sticky_bit(void **state)
{
	(void)state;
	pcie_dev(false);
	init_ok();
	wr(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	fake_pci_set(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	expect_unmapped(PCIE_BAR0);
	wr(PCIE, PCIE_PM + PCI_PM_CTRL, 2, PCI_PM_STATE_D0);      /* a later re-check */
	expect_unmapped(PCIE_BAR0);
}

/* Firmware left decoding off: checked and mapped once at start (so a
 * clash is refused), but not left in the EPT until the guest enables it. */
static void test_decode_off_at_init(void **state)
{
	(void)state;
	fake_pci_set(GPU, PCI_COMMAND, 2, 0);
	assign(1, GPU);
	init_ok();
	expect_unmapped(GPU_BAR0);
	wr(GPU, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	expect_mapped(GPU_BAR0, EPT_MT_UC, EPT_R | EPT_W);
}

static void test_d3hot_unmaps(void **state)
{
	(void)state;
	pcie_dev(false);
	init_ok();
	expect_mapped(PCIE_BAR0, EPT_MT_UC, EPT_R | EPT_W);
	wr(PCIE, PCIE_PM + PCI_PM_CTRL, 2, PCI_PM_STATE_D3HOT);
	assert_int_equal(fake_pci_get(PCIE, PCIE_PM + PCI_PM_CTRL, 2) & PCI_PM_STATE_MASK, PCI_PM_STATE_D3HOT);
	expect_unmapped(PCIE_BAR0);
	assert_int_equal(fake_ept_invalidations, 1);
	wr(PCIE, PCIE_PM + PCI_PM_CTRL, 2, PCI_PM_STATE_D0);
	assert_true(fake_udelay_total_us >= 10000);                    /* D3hot recovery */
	expect_mapped(PCIE_BAR0, EPT_MT_UC, EPT_R | EPT_W);
}

/* The guest's FLR: unmapped, reset, 100 ms waited, BARs back as firmware
 * put them; decoding (and the mapping) only when the guest enables it. */
static void test_guest_flr(void **state)
{
	(void)state;
	pcie_dev(true);
	init_ok();
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2, PCIE_DEVCTL0 | PCI_EXP_DEVCTL_FLR);
	assert_int_equal(fake_pci_flrs, 1);
	assert_true(fake_udelay_total_us >= 100000);
	assert_int_equal(fake_pci_get(PCIE, PCI_BAR0, 4), PCIE_BAR0);
	assert_int_equal(fake_pci_get(PCIE, PCI_COMMAND, 2), 0);
	expect_unmapped(PCIE_BAR0);
	wr(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	expect_mapped(PCIE_BAR0, EPT_MT_UC, EPT_R | EPT_W);
}

/* Without DevCap's FLR bit the request is ignored, as the hardware would. */
static void test_guest_flr_not_capable(void **state)
{
	(void)state;
	pcie_dev(false);
	init_ok();
	wr(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2, PCIE_DEVCTL0 | PCI_EXP_DEVCTL_FLR);
	assert_int_equal(fake_pci_flrs, 0);
	assert_int_equal(fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_FLR, 0);
	expect_mapped(PCIE_BAR0, EPT_MT_UC, EPT_R | EPT_W);
}

/* ------------------------------------------------------------ quiesce at every end */

static void msi_on(pci_bdf_t b, unsigned cap)
{
	wr(b, cap + PCI_MSI_ADDR_LO, 4, MSI_OK(2));
	wr(b, cap + 2, 2, PCI_MSI_FLAGS_ENABLE);
	wr(b, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(fake_pci_get(b, cap + 2, 2) & PCI_MSI_FLAGS_ENABLE, PCI_MSI_FLAGS_ENABLE);
}

static void test_end_quiesces(void **state)
{
	(void)state;
	assign(1, NIC);
	init_ok();
	msi_on(NIC, CAP_MSI);
	fake_pci_clear_log();
	vpci_end(&part);
	assert_int_equal(fake_pci_get(NIC, PCI_COMMAND, 2) & (PCI_COMMAND_MASTER | PCI_COMMAND_MEMORY), 0);
	assert_int_equal(fake_pci_get(NIC, CAP_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, 0);
	assert_int_equal(fake_pci_writes[0].reg, PCI_COMMAND);            /* bus mastering off first */
	assert_int_equal(fake_pci_flrs, 0);                               /* no FLR capability */
	assert_int_equal(fake_udelay_calls, 0);
	expect_unmapped(NIC_BAR0);
	assert_non_null(strstr(fake_console(), "partition p1: 1 PCI function(s) quiesced (bus mastering and MSI off), 0 reset (FLR)"));
	/* An ended partition's vCPU still in flight cannot turn it back on. */
	fake_pci_clear_log();
	wr(NIC, PCI_COMMAND, 2, PCI_COMMAND_MASTER);
	wr(NIC, CAP_MSI + 2, 2, PCI_MSI_FLAGS_ENABLE);
	assert_int_equal(fake_pci_nwrites, 0);
	/* Once. */
	vpci_end(&part);
	assert_int_equal(fake_console_count("quiesced"), 1);
}

/* DevCap says FLR: the end resets the function, without waiting (nothing
 * touches it again). */
static void test_end_flr(void **state)
{
	(void)state;
	pcie_dev(true);
	init_ok();
	msi_on(PCIE, PCIE_MSI);
	vpci_end(&part);
	assert_int_equal(fake_pci_flrs, 1);
	assert_int_equal(part.vpci.flrs, 1);
	assert_int_equal(fake_udelay_calls, 0);
	assert_int_equal(fake_pci_get(PCIE, PCI_COMMAND, 2) & PCI_COMMAND_MASTER, 0);
	assert_int_equal(fake_pci_get(PCIE, PCIE_MSI + 2, 2) & PCI_MSI_FLAGS_ENABLE, 0);
	assert_non_null(strstr(fake_console(), "1 PCI function(s) quiesced (bus mastering and MSI off), 1 reset (FLR)"));
}

/* A restart resets the function and waits the 100 ms before putting it
 * back as firmware left it. */
static void test_restart_flr(void **state)
{
	(void)state;
	pcie_dev(true);
	init_ok();
	msi_on(PCIE, PCIE_MSI);
	vpci_reset(&part);
	assert_int_equal(fake_pci_flrs, 1);
	assert_true(fake_udelay_total_us >= 100000);
	assert_int_equal(fake_pci_get(PCIE, PCI_BAR0, 4), PCIE_BAR0);
	assert_int_equal(fake_pci_get(PCIE, PCI_COMMAND, 2), PCI_COMMAND_MEMORY | PCI_COMMAND_SERR);
	expect_mapped(PCIE_BAR0, EPT_MT_UC, EPT_R | EPT_W);
	/* The partition runs on: writes reach the device again. */
	wr(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER);
	assert_int_equal(fake_pci_get(PCIE, PCI_COMMAND, 2) & PCI_COMMAND_MASTER, PCI_COMMAND_MASTER);
}

/* The advanced features capability's FLR (conventional PCI functions). */
static void test_end_flr_af(void **state)
{
	pci_bdf_t b = PCI_BDF(0, 8, 0);

	(void)state;
	fake_pci_add(b, 0x8086, 0x24cd, 0x0c03, 0x00);
	fake_pci_cap(b, 0x50, PCI_CAP_ID_AF);
	fake_pci_set(b, 0x50 + 2, 2, (PCI_AF_CAP_FLR << 8) | 6);
	assign(1, b);
	init_ok();
	vpci_end(&part);
	assert_int_equal(fake_pci_flrs, 1);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_addr_latch_dword),
		T(test_addr_byte_word_not_config),
		T(test_data_disabled_latch),
		T(test_data_port_offsets),
		T(test_data_crossing_dword),
		T(test_bad_size),
		T(test_host_bridge_virtual),
		T(test_host_bridge_read_only),
		T(test_host_bridge_multifunction),
		T(test_unassigned_absent),
		T(test_scan_sees_only_assigned),
		T(test_no_pci_only_host_bridge),
		T(test_assigned_reads_real),
		T(test_command_write_forwarded),
		T(test_command_status_dword),
		T(test_readonly_header_dropped),
		T(test_passthrough_bytes),
		T(test_bar_sizing_32),
		T(test_bar_sizing_64),
		T(test_bar_64_upper_hardwired),
		T(test_bar_sizing_word_writes),
		T(test_bar_relocation_refused),
		T(test_refusals_rate_limited),
		T(test_bars_mapped_uc),
		T(test_bar_right_after_ram),
		T(test_bar_restored_on_decode),
		T(test_rom_hidden),
		T(test_caps_msix_hidden),
		T(test_init_disables_msix_and_msi),
		T(test_caps_all_hidden),
		T(test_msi_own_destination),
		T(test_msi_foreign_destination),
		T(test_msi_broadcast),
		T(test_msi_logical_mode),
		T(test_msi_not_interrupt_address),
		T(test_msi_address_word_writes),
		T(test_msi_data_delivery_mode),
		T(test_msi_enable_checks_stale_message),
		T(test_msi_32bit_layout),
		T(test_init_sizing_restores),
		T(test_dma_warning_once_per_device),
		T(test_reset_quiets_device),
		T(test_refuse_missing),
		T(test_refuse_host_bridge_bdf),
		T(test_refuse_host_bridge_class),
		T(test_refuse_pci_bridge),
		T(test_refuse_cardbus_bridge),
		T(test_refuse_unknown_header),
		T(test_io_bar_passed_through),
		T(test_io_bar_sizing_and_no_move),
		T(test_no_io_bar_opens_nothing),
		T(test_refuse_io_bar_over_vuart),
		T(test_refuse_io_bar_over_pci_ports),
		T(test_refuse_io_bar_unassigned),
		T(test_refuse_io_bars_overlapping),
		T(test_refuse_bar_in_ram),
		T(test_refuse_subpage_bar),
		T(test_refuse_unassigned_bar),
		T(test_refuse_bar_beyond_gpa_space),
		T(test_refuse_64bit_last_bar),
		T(test_refuse_reserved_bar_type),
		T(test_refuse_cap_loop),
		T(test_refuse_cap_into_header),
		T(test_refuse_msi_overlapping),
		T(test_refuse_bars_overlap_each_other),
		T(test_refuse_bar_already_mapped),
		T(test_refuse_listed_twice),
		T(test_refuse_too_many),
		T(test_refusal_changes_nothing),
		T(test_uart_absent_for_test_guests),
		T(test_uart_absent_without_console_irq),
		T(test_uart_header),
		T(test_uart_placed_below_assigned),
		T(test_uart_bar_sizing_and_fixed),
		T(test_uart_msi_target),
		T(test_uart_msi_byte_writes),
		T(test_uart_msi_foreign_cpu_not_sent),
		T(test_uart_msi_logical_no_cpu_not_sent),
		T(test_uart_msi_logical_flat),
		T(test_uart_msi_logical_several_not_sent),
		T(test_uart_msi_logical_x2apic_vcpu_not_sent),
		T(test_uart_msi_not_interrupt_range_not_sent),
		T(test_uart_msi_nmi_not_sent),
		T(test_uart_msi_bad_vector_not_sent),
		T(test_uart_msi_enable_with_pending),
		T(test_uart_msi_cleared_message_silent),
		T(test_uart_reset),
		T(test_devspec_write_refused),
		T(test_devspec_quirk_allows),
		T(test_vendor_cap_read_only),
		T(test_command_guest_bits),
		T(test_pcie_cap_rules),
		T(test_pm_cap_rules),
		T(test_refuse_isa_bridge),
		T(test_refuse_other_bridge),
		T(test_refuse_bridge_header),
		T(test_refuse_smbus),
		T(test_refuse_iommu),
		T(test_refuse_ioapic_function),
		T(test_refuse_bar_over_ioapic),
		T(test_refuse_bar_over_hpet),
		T(test_refuse_bar_over_lapic),
		T(test_refuse_bar_over_septum),
		T(test_refuse_bar_over_other_partition),
		T(test_refuse_without_dma_key),
		T(test_decode_off_unmaps),
		T(test_decode_off_sticky_bit),
		T(test_decode_off_at_init),
		T(test_d3hot_unmaps),
		T(test_guest_flr),
		T(test_guest_flr_not_capable),
		T(test_end_quiesces),
		T(test_end_flr),
		T(test_restart_flr),
		T(test_end_flr_af),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
