/* SPDX-License-Identifier: MIT */
/*
 * Configuration mechanism #1 as a guest drives it (kernel/dev/vpci.c, ports
 * 0xcf8-0xcff) in front of a fake host bus (tests/unit/fakes/pci_fake.c)
 * with the functions the unit tests use: a NIC (32- and 64-bit BARs, a
 * ROM, PM, MSI-X, 64-bit MSI with masking, a vendor capability), a PIIX3
 * IDE (an I/O BAR, the timing quirk), a plain display function, a PCI
 * Express function (PM, MSI, FLR) and one with the AF capability's FLR.
 * The first input byte assigns a subset and decides whether the partition
 * has the vUART's serial function; the next two are its xAPIC-mode vCPUs'
 * logical ids. Then 5-byte records: an operation (port 0xcf8 + 0..7, size
 * 1/2/4, in or out; or select a function and register, as a driver does;
 * or restart or end the partition), a 32-bit value.
 *
 * Oracles, after every record, from the rules docs/pci.md states: nothing
 * is written to a function the partition was not given; the BARs, the ROM
 * BAR and the device-specific registers keep firmware's values whenever
 * the function decodes; the command register never gains SERR# or parity
 * (nor PCIe error reporting); MSI-X stays off; an enabled MSI names one of
 * the partition's CPUs with fixed or lowest-priority delivery; the EPT
 * maps nothing but the RAM and the BARs of functions that decode memory;
 * the vUART's interrupt target is one of the partition's CPUs with a valid
 * vector; after the partition's end no guest write reaches a function.
 */
#include <stdlib.h>
#include <string.h>
#include <fakes.h>
#include <pci_fake.h>
#include <septum/partition.h>
#include <septum/vpci.h>
#include <septum/arch.h>
#include <vmx/ept.h>
#include <vmx/vmx.h>
#include "fuzz.h"

#define RAM_SIZE   0x10000000ull          /* 256 MiB at GPA 0 ... */
#define RAM_HPA    0x40000000ull          /* ... backed here */
#define REC_SIZE   5

#define HOSTBR     PCI_BDF(0, 0, 0)
#define NIC        PCI_BDF(0, 2, 0)
#define IDE        PCI_BDF(0, 1, 1)
#define GPU        PCI_BDF(0, 3, 0)
#define PCIE       PCI_BDF(0, 4, 0)
#define AFDEV      PCI_BDF(0, 8, 0)
#define NDEVS      5
#define NIC_ROM    0xfeb80000u
#define NIC_DEVSPEC 0xc0
#define PCIE_EXP   0x70
#define PCIE_DEVCTL0 0x2c1fu
#define PCIE_DEVSPEC 0xd0
#define CMD_GUEST  (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INVALIDATE | \
		    PCI_COMMAND_INTX_DISABLE)
#define DEVCTL_GUEST (PCI_EXP_DEVCTL_RELAX | PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_AUX_PM | \
		      PCI_EXP_DEVCTL_NOSNOOP | PCI_EXP_DEVCTL_READRQ | PCI_EXP_DEVCTL_FLR)

static const pci_bdf_t devs[NDEVS] = { NIC, IDE, GPU, PCIE, AFDEV };
static const uint16_t msi_at[NDEVS] = { 0x60, 0, 0, 0x50, 0 };
static const uint16_t pm_at[NDEVS] = { 0x40, 0, 0, 0x40, 0 };
static uint32_t bar0[NDEVS][PCI_NUM_BARS];   /* firmware's BAR values */
static uint16_t cmd0[NDEVS];

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

/* ------------------------------------------------------------ the machine */

static void machine(void)
{
	fake_pci_reset();
	fake_pci_add(HOSTBR, 0x8086, 0x29c0, 0x0600, 0x00);
	fake_pci_add(IDE, 0x8086, 0x7010, 0x0101, 0x00);
	fake_pci_bar(IDE, 4, 0xc000, 16, PCI_BAR_IO);
	fake_pci_set(IDE, PCI_COMMAND, 2, PCI_COMMAND_IO);
	fake_pci_add(NIC, 0x8086, 0x100e, 0x0200, 0x00);
	fake_pci_bar(NIC, 0, 0xfebc0000u, 0x20000, PCI_BAR_MEM_32);
	fake_pci_bar(NIC, 2, 0x800000000ull, 0x100000, PCI_BAR_MEM_64 | PCI_BAR_PREFETCH);
	fake_pci_rom(NIC, NIC_ROM, 0x40000);
	fake_pci_set(NIC, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR);
	fake_pci_cap(NIC, 0x40, PCI_CAP_ID_PM);
	fake_pci_set(NIC, 0x40 + PCI_PM_PMC, 2, 0x0603);             /* D1 and D2 */
	fake_pci_cap(NIC, 0x50, PCI_CAP_ID_MSIX);
	fake_pci_set(NIC, 0x50 + 2, 2, 0x8003);                      /* enabled by "firmware" */
	fake_pci_cap(NIC, 0x60, PCI_CAP_ID_MSI);
	fake_pci_set(NIC, 0x60 + 2, 2, PCI_MSI_FLAGS_64BIT | PCI_MSI_FLAGS_MASKBIT);
	fake_pci_cap(NIC, 0x80, PCI_CAP_ID_VNDR);
	fake_pci_set(NIC, 0x80 + 2, 2, 0xbe0c);
	fake_pci_set(NIC, NIC_DEVSPEC, 4, 0x11223344);
	fake_pci_add(GPU, 0x1234, 0x1111, 0x0300, 0x00);
	fake_pci_bar(GPU, 0, 0xfe000000u, 0x4000, PCI_BAR_MEM_32);
	fake_pci_add(PCIE, 0x15b3, 0x1017, 0x0200, 0x00);
	fake_pci_bar(PCIE, 0, 0xfd000000u, 0x10000, PCI_BAR_MEM_32);
	fake_pci_set(PCIE, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY);
	fake_pci_cap(PCIE, 0x40, PCI_CAP_ID_PM);
	fake_pci_set(PCIE, 0x40 + PCI_PM_PMC, 2, 0x0003);
	fake_pci_set(PCIE, 0x40 + PCI_PM_CTRL, 2, PCI_PM_NO_SOFT_RESET);
	fake_pci_cap(PCIE, 0x50, PCI_CAP_ID_MSI);
	fake_pci_cap(PCIE, PCIE_EXP, PCI_CAP_ID_EXP);
	fake_pci_set(PCIE, PCIE_EXP + PCI_EXP_DEVCAP, 4, PCI_EXP_DEVCAP_FLR);
	fake_pci_set(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2, PCIE_DEVCTL0);
	fake_pci_set(PCIE, PCIE_DEVSPEC, 4, 0x5a5a5a5a);
	fake_pci_add(AFDEV, 0x8086, 0x24cd, 0x0c03, 0x00);
	fake_pci_bar(AFDEV, 0, 0xfd100000u, 0x1000, PCI_BAR_MEM_32);
	fake_pci_set(AFDEV, PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
	fake_pci_cap(AFDEV, 0x50, PCI_CAP_ID_AF);
	fake_pci_set(AFDEV, 0x50 + 2, 2, (PCI_AF_CAP_FLR << 8) | 6);
	for (unsigned i = 0; i < NDEVS; i++) {
		for (unsigned b = 0; b < PCI_NUM_BARS; b++)
			bar0[i][b] = fake_pci_get(devs[i], PCI_BAR0 + 4 * b, 4);
		cmd0[i] = (uint16_t)fake_pci_get(devs[i], PCI_COMMAND, 2);
	}
}

static struct partition part;
static struct vmx_s2 s2;             /* part's EPT */
static struct cfg_partition pcfg;
static struct vcpu vcpus[2];
static uint64_t assigned;       /* bit i: devs[i] is the partition's */

static bool setup(struct fuzz_in *in)
{
	unsigned sel = (unsigned)fuzz_take(in, 1);
	char why[200];

	fake_arch_reset();
	machine();
	memset(&part, 0, sizeof(part));
	memset(&pcfg, 0, sizeof(pcfg));
	memset(vcpus, 0, sizeof(vcpus));
	strcpy(pcfg.name, "fuzz");
	pcfg.dma_unconfined = true;
	assigned = 0;
	for (unsigned i = 0; i < NDEVS; i++) {
		if (!(sel & BIT(i)))
			continue;
		pcfg.pci[pcfg.npci++] = (struct cfg_pci){ (uint8_t)PCI_BDF_BUS(devs[i]), (uint8_t)PCI_BDF_DEV(devs[i]),
							  (uint8_t)PCI_BDF_FN(devs[i]) };
		assigned |= BIT(i);
	}
	part.cfg = &pcfg;
	part.name = pcfg.name;
	part.ram_size = RAM_SIZE;
	part.os_guest = sel & 0x20;
	fake_console_irq_available = !(sel & 0x40);
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++)
		part.cpu_apic_id[c] = 0xffffffffu;
	/* CPUs 1 and 2 (APIC ids 2 and 4), both vCPUs in xAPIC mode so that
	 * the serial function's logical destinations resolve. */
	for (unsigned i = 0; i < 2; i++) {
		struct vcpu *v = &vcpus[i];

		v->part = &part;
		v->index = i;
		v->cpu = 1 + i;
		v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN;
		xapic_reset(&v->xapic);
		v->xapic.ldr = (uint32_t)fuzz_take(in, 1) << 24;
		if (sel & 0x80)
			v->xapic.dfr = 0x0fffffffu;          /* cluster model */
		part.cpu_apic_id[v->cpu] = 2 + 2 * i;
		part.cpus |= BIT(v->cpu);
		part.vcpu[i] = v;
	}
	part.nvcpus = 2;
	vuart_init(&part.uart, part.name);
	FUZZ_ASSERT(ept_init(&s2.ept, &pool, EPT_LARGE_2M | EPT_LARGE_1G) == 0);
	FUZZ_ASSERT(ept_map(&s2.ept, gpa(0), hpa(RAM_HPA), RAM_SIZE, EPT_RWX, EPT_MT_WB) == 0);
	part.s2 = &s2;
	fake_backend.s2_map_mmio = vmx_s2_map_mmio;     /* the EPT as VT-x keeps it */
	fake_backend.s2_unmap = vmx_s2_unmap;
	why[0] = 0;
	if (vpci_init(&part, why, sizeof(why)) != 0) {
		fprintf(stderr, "vpci_init refused the fixed machine: %s\n", why);
		abort();
	}
	return true;
}

/* ------------------------------------------------------------ oracles */

static bool own_apic_id(uint32_t id)
{
	return id == 2 || id == 4;
}

static bool decodes_memory(unsigned i)
{
	uint32_t cmd = fake_pci_get(devs[i], PCI_COMMAND, 2);

	if (!(cmd & PCI_COMMAND_MEMORY))
		return false;
	return !pm_at[i] || (fake_pci_get(devs[i], pm_at[i] + PCI_PM_CTRL, 2) & PCI_PM_STATE_MASK) == 0;
}

static void check_msi(unsigned i)
{
	unsigned m = msi_at[i];
	uint32_t flags, lo, data;
	bool is64;

	if (!m)
		return;
	flags = fake_pci_get(devs[i], m + PCI_MSI_FLAGS, 2);
	if (!(flags & PCI_MSI_FLAGS_ENABLE))
		return;
	is64 = flags & PCI_MSI_FLAGS_64BIT;
	lo = fake_pci_get(devs[i], m + PCI_MSI_ADDR_LO, 4);
	data = fake_pci_get(devs[i], m + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2);
	if (is64)
		FUZZ_ASSERT(fake_pci_get(devs[i], m + PCI_MSI_ADDR_HI, 4) == 0);
	FUZZ_ASSERT((lo & 0xfff00000u) == 0xfee00000u);     /* the interrupt range */
	FUZZ_ASSERT(!(lo & BIT(2)));                        /* physical destination */
	FUZZ_ASSERT(own_apic_id((lo >> 12) & 0xff));
	FUZZ_ASSERT(((data >> 8) & 7) <= 1);                /* fixed or lowest priority */
}

/* The memory BARs (GPA == HPA), two at most per function. */
static const uint64_t bar_base[NDEVS][2] = {
	{ 0xfebc0000u, 0x800000000ull }, { 0, 0 }, { 0xfe000000u, 0 }, { 0xfd000000u, 0 }, { 0xfd100000u, 0 } };
static const uint64_t bar_size[NDEVS][2] = {
	{ 0x20000, 0x100000 }, { 0, 0 }, { 0x4000, 0 }, { 0x10000, 0 }, { 0x1000, 0 } };

struct leaf_check { unsigned bad; };

static void leaf(void *ctx, gpa_t g, hpa_t h, uint64_t size, unsigned perms, unsigned memtype)
{
	struct leaf_check *lc = ctx;
	(void)perms;
	(void)memtype;
	if (g.v + size <= RAM_SIZE && h.v == RAM_HPA + g.v)
		return;
	for (unsigned i = 0; i < NDEVS; i++)
		for (unsigned b = 0; b < 2; b++)
			if ((assigned & BIT(i)) && bar_size[i][b] && g.v >= bar_base[i][b] &&
			    g.v + size <= bar_base[i][b] + bar_size[i][b] && h.v == g.v && decodes_memory(i))
				return;
	fprintf(stderr, "EPT maps GPA 0x%llx (+0x%llx) -> HPA 0x%llx: not RAM, nor a decoding BAR\n",
		(unsigned long long)g.v, (unsigned long long)size, (unsigned long long)h.v);
	lc->bad++;
}

/* Every leaf of the EPT: the partition's RAM, or a decoding BAR. */
static void check_ept(void)
{
	struct leaf_check lc = { 0 };

	ept_for_each_leaf(&s2.ept, leaf, &lc);
	FUZZ_ASSERT(lc.bad == 0);
}

static void check_state(bool ended_before, unsigned writes_before)
{
	unsigned logged = fake_pci_nwrites < FAKE_PCI_LOG ? fake_pci_nwrites : FAKE_PCI_LOG;
	struct vuart_irq irq = vuart_get_irq(&part.uart);

	for (unsigned w = 0; w < logged; w++) {
		bool ok = false;

		for (unsigned i = 0; i < NDEVS; i++)
			ok |= (assigned & BIT(i)) && fake_pci_writes[w].bdf == devs[i];
		FUZZ_ASSERT(ok);
	}
	if (ended_before)
		FUZZ_ASSERT(fake_pci_nwrites == writes_before);
	for (unsigned i = 0; i < NDEVS; i++) {
		uint32_t cmd = fake_pci_get(devs[i], PCI_COMMAND, 2);

		if (!(assigned & BIT(i)))
			continue;
		if (cmd & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
			for (unsigned b = 0; b < PCI_NUM_BARS; b++)
				FUZZ_ASSERT(fake_pci_get(devs[i], PCI_BAR0 + 4 * b, 4) == bar0[i][b]);
		FUZZ_ASSERT((cmd & ~CMD_GUEST & ~(uint32_t)cmd0[i]) == 0);
		check_msi(i);
	}
	if (assigned & BIT(0)) {
		FUZZ_ASSERT(!(fake_pci_get(NIC, 0x50 + PCI_MSIX_FLAGS, 2) & PCI_MSIX_FLAGS_ENABLE));
		FUZZ_ASSERT(fake_pci_get(NIC, PCI_ROM_ADDRESS, 4) == NIC_ROM);
		FUZZ_ASSERT(fake_pci_get(NIC, NIC_DEVSPEC, 4) == 0x11223344);
	}
	if (assigned & BIT(3)) {
		FUZZ_ASSERT(fake_pci_get(PCIE, PCIE_DEVSPEC, 4) == 0x5a5a5a5a);
		FUZZ_ASSERT((fake_pci_get(PCIE, PCIE_EXP + PCI_EXP_DEVCTL, 2) & ~DEVCTL_GUEST) ==
			    (PCIE_DEVCTL0 & ~DEVCTL_GUEST));
	}
	/* A BAR in the EPT of a function that does not decode memory: the
	 * guest's access would reach a device answering Unsupported Request.
	 * (The whole EPT is walked once per input, in check_ept().) */
	for (unsigned i = 0; i < NDEVS; i++)
		for (unsigned b = 0; b < 2; b++)
			if (bar_size[i][b] && ept_lookup(&s2.ept, gpa(bar_base[i][b]), NULL, NULL, NULL, NULL) == 0)
				FUZZ_ASSERT((assigned & BIT(i)) && decodes_memory(i));
	if (irq.on)
		FUZZ_ASSERT(own_apic_id(irq.apic_id) && irq.vector >= 16);
}

static uint32_t ones(unsigned size)
{
	return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* What a read must return, where the answer is fixed by the selection. */
static void check_read(uint16_t port, unsigned size, uint32_t v, uint32_t latch)
{
	pci_bdf_t bdf = (pci_bdf_t)((latch >> 8) & 0xffff);
	unsigned reg = latch & 0xfc, off = port - VPCI_DATA_PORT;

	FUZZ_ASSERT(v <= ones(size));
	if (port < VPCI_DATA_PORT) {
		FUZZ_ASSERT(port == VPCI_ADDR_PORT && size == 4 ? v == latch : v == ones(size));
		return;
	}
	if (!(latch & BIT(31)) || off + size > 4) {
		FUZZ_ASSERT(v == ones(size));
		return;
	}
	if (bdf == HOSTBR && reg == 0)
		FUZZ_ASSERT(v == ((VPCI_HOST_VENDOR | (VPCI_HOST_DEVICE << 16)) >> (8 * off) & ones(size)));
	if (reg == PCI_ROM_ADDRESS && bdf != HOSTBR && !(part.vpci.uart.present && bdf == part.vpci.uart.bdf)) {
		bool ours = false;

		for (unsigned i = 0; i < NDEVS; i++)
			ours |= (assigned & BIT(i)) && devs[i] == bdf;
		FUZZ_ASSERT(v == (ours ? 0 : ones(size)));      /* hidden, or no such function */
	}
}

/* A driver's "select": bdf from a short list, so that records need not
 * guess bus/device/function numbers. */
static uint32_t select_value(uint32_t val)
{
	pci_bdf_t bdf;
	unsigned which = (val >> 8) & 7;

	if (which < NDEVS)
		bdf = devs[which];
	else if (which == NDEVS)
		bdf = HOSTBR;
	else if (which == NDEVS + 1)
		bdf = part.vpci.uart.bdf;
	else
		bdf = PCI_BDF(0, 9, 0);                     /* absent */
	return BIT(31) | ((uint32_t)bdf << 8) | (val & 0xfc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[4] = { 1, 2, 4, 4 };
	struct fuzz_in in = { data, size };
	bool remapped = false;

	setup(&in);
	check_state(false, 0);
	while (in.n >= REC_SIZE) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		uint32_t val = (uint32_t)fuzz_take(&in, 4);
		uint16_t port = (uint16_t)(VPCI_ADDR_PORT + (op & 7));
		unsigned sz = sizes[(op >> 3) & 3];
		bool ended = part.vpci.ended;
		unsigned writes, invalidations = fake_ept_invalidations;
		bool mapped[VPCI_MAX_DEVS];

		for (unsigned i = 0; i < VPCI_MAX_DEVS; i++)
			mapped[i] = part.vpci.dev[i].mapped;
		fake_pci_clear_log();
		writes = fake_pci_nwrites;
		switch (op >> 5) {
		case 0: case 1: case 2:
			check_read(port, sz, vpci_in(&part, port, sz), part.vpci.addr);
			break;
		case 3: case 4: case 5:
			vpci_out(&part, port, sz, val);
			break;
		case 6:
			vpci_out(&part, VPCI_ADDR_PORT, 4, select_value(val));
			break;
		default:
			/* Rarely: the partition restarts, or ends. */
			if ((val & 0xff) == 0x5a)
				vpci_reset(&part);
			else if ((val & 0xff) == 0xa5)
				vpci_end(&part);
			break;
		}
		check_state(ended && op >> 5 != 7, writes);
		fake_console_clear();
		remapped |= fake_ept_invalidations != invalidations;
		for (unsigned i = 0; i < VPCI_MAX_DEVS; i++)
			remapped |= mapped[i] != part.vpci.dev[i].mapped;
	}
	/* The walk is the dearest check: only when a BAR went in or out. */
	if (remapped)
		check_ept();
	ept_destroy(&s2.ept);
	return 0;
}
