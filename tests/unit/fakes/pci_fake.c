// SPDX-License-Identifier: MIT
/*
 * Fake host PCI configuration space (septum/pci_hw.h) for host unit tests.
 * See pci_fake.h for what behaves like hardware.
 */
#include <stdio.h>
#include <string.h>
#include <pci_fake.h>
#include <septum/partition.h>

struct fake_fn {
	bool present;
	pci_bdf_t bdf;
	uint8_t cfg[PCI_CFG_SIZE];
	uint32_t bar_mask[PCI_NUM_BARS + 1];    /* + the ROM BAR; 0: not implemented */
	uint32_t bar_ro[PCI_NUM_BARS + 1];      /* read-only low bits */
	unsigned last_cap;
};

unsigned fake_pci_reads;
unsigned fake_pci_flrs;
unsigned fake_pci_nwrites;
struct fake_pci_access fake_pci_writes[FAKE_PCI_LOG];

static struct fake_fn fns[FAKE_PCI_FNS];

struct fake_used { bool io; uint64_t base, size; const char *who; };
static struct fake_used used[FAKE_USED_MAX];
static unsigned nused;

void fake_pci_reset(void)
{
	memset(fns, 0, sizeof(fns));
	nused = 0;
	fake_pci_flrs = 0;
	fake_pci_clear_log();
}

void fake_pci_used(bool io, uint64_t base, uint64_t size, const char *who)
{
	if (nused < FAKE_USED_MAX)
		used[nused++] = (struct fake_used){ io, base, size, who };
}

bool host_range_used(const struct partition *p, bool io, uint64_t base, uint64_t size, char *buf, size_t len)
{
	(void)p;
	for (unsigned i = 0; i < nused; i++)
		if (used[i].io == io && base < used[i].base + used[i].size && used[i].base < base + size) {
			snprintf(buf, len, "%s", used[i].who);
			return true;
		}
	return false;
}

void fake_pci_clear_log(void)
{
	fake_pci_reads = 0;
	fake_pci_nwrites = 0;
	memset(fake_pci_writes, 0, sizeof(fake_pci_writes));
}

static struct fake_fn *fn(pci_bdf_t bdf)
{
	for (unsigned i = 0; i < FAKE_PCI_FNS; i++)
		if (fns[i].present && fns[i].bdf == bdf)
			return &fns[i];
	return NULL;
}

static uint32_t get(const struct fake_fn *f, unsigned reg, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v |= (uint32_t)f->cfg[reg + i] << (8 * i);
	return v;
}

static void set(struct fake_fn *f, unsigned reg, unsigned size, uint32_t v)
{
	for (unsigned i = 0; i < size; i++)
		f->cfg[reg + i] = (uint8_t)(v >> (8 * i));
}

uint8_t *fake_pci_add(pci_bdf_t bdf, uint16_t vendor, uint16_t device, uint16_t class, uint8_t header)
{
	for (unsigned i = 0; i < FAKE_PCI_FNS; i++) {
		struct fake_fn *f = &fns[i];

		if (f->present)
			continue;
		memset(f, 0, sizeof(*f));
		f->present = true;
		f->bdf = bdf;
		set(f, PCI_VENDOR_ID, 2, vendor);
		set(f, PCI_DEVICE_ID, 2, device);
		set(f, PCI_CLASS_SUB, 2, class);
		set(f, PCI_HEADER_TYPE, 1, header);
		return f->cfg;
	}
	return NULL;
}

void fake_pci_bar(pci_bdf_t bdf, unsigned i, uint64_t base, uint64_t size, uint32_t flags)
{
	struct fake_fn *f = fn(bdf);
	bool io = flags & PCI_BAR_IO;
	uint32_t low = io ? 0x3u : 0xfu;
	uint64_t mask = ~(size - 1);

	if (!f)
		return;
	f->bar_mask[i] = ((uint32_t)mask & ~low) | (flags & low);
	f->bar_ro[i] = flags & low;
	set(f, PCI_BAR0 + 4 * i, 4, ((uint32_t)base & ~low) | (flags & low));
	if (!io && (flags & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64) {
		f->bar_mask[i + 1] = (uint32_t)(mask >> 32);
		f->bar_ro[i + 1] = 0;
		set(f, PCI_BAR0 + 4 * (i + 1), 4, (uint32_t)(base >> 32));
	}
}

void fake_pci_bar_mask(pci_bdf_t bdf, unsigned i, uint32_t mask)
{
	struct fake_fn *f = fn(bdf);

	if (f)
		f->bar_mask[i] = mask | f->bar_ro[i];
}

void fake_pci_rom(pci_bdf_t bdf, uint32_t base, uint32_t size)
{
	struct fake_fn *f = fn(bdf);

	if (!f)
		return;
	f->bar_mask[PCI_NUM_BARS] = (~(size - 1) & 0xfffff800u) | 1u;
	set(f, PCI_ROM_ADDRESS, 4, base);
}

unsigned fake_pci_cap(pci_bdf_t bdf, unsigned off, uint8_t id)
{
	struct fake_fn *f = fn(bdf);

	if (!f)
		return off;
	f->cfg[PCI_STATUS] |= PCI_STATUS_CAP_LIST;
	if (f->last_cap)
		f->cfg[f->last_cap + PCI_CAP_NEXT] = (uint8_t)off;
	else
		f->cfg[PCI_CAP_PTR] = (uint8_t)off;
	f->cfg[off + PCI_CAP_ID] = id;
	f->cfg[off + PCI_CAP_NEXT] = 0;
	f->last_cap = off;
	return off;
}

uint32_t fake_pci_get(pci_bdf_t bdf, unsigned reg, unsigned size)
{
	const struct fake_fn *f = fn(bdf);

	return f ? get(f, reg, size) : (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

void fake_pci_set(pci_bdf_t bdf, unsigned reg, unsigned size, uint32_t val)
{
	struct fake_fn *f = fn(bdf);

	if (f)
		set(f, reg, size, val);
}

unsigned fake_pci_writes_to(pci_bdf_t bdf, unsigned reg, unsigned size)
{
	unsigned n = 0, logged = fake_pci_nwrites < FAKE_PCI_LOG ? fake_pci_nwrites : FAKE_PCI_LOG;

	for (unsigned i = 0; i < logged; i++) {
		const struct fake_pci_access *w = &fake_pci_writes[i];

		if (w->bdf == bdf && w->reg < reg + size && reg < w->reg + w->size)
			n++;
	}
	return n;
}

/* Index of the BAR register (or PCI_NUM_BARS for the ROM) reg is in, -1 if none. */
static int bar_index(unsigned reg)
{
	if (reg >= PCI_BAR0 && reg < PCI_BAR0 + 4 * PCI_NUM_BARS)
		return (int)((reg - PCI_BAR0) / 4);
	if (reg >= PCI_ROM_ADDRESS && reg < PCI_ROM_ADDRESS + 4)
		return PCI_NUM_BARS;
	return -1;
}

/* The offset of capability id in f's list, 0 if none. */
static unsigned find_cap(const struct fake_fn *f, uint8_t id)
{
	unsigned off = f->cfg[PCI_CAP_PTR], n = 0;

	while (off && n++ < 48) {
		if (f->cfg[off] == id)
			return off;
		off = f->cfg[off + 1];
	}
	return 0;
}

/* Initiate FLR set in the PCIe device control or the AF control register. */
static bool flr_requested(struct fake_fn *f)
{
	unsigned exp = find_cap(f, PCI_CAP_ID_EXP), af = find_cap(f, PCI_CAP_ID_AF);

	if (exp && (get(f, exp + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_FLR)) {
		set(f, exp + PCI_EXP_DEVCTL, 2, get(f, exp + PCI_EXP_DEVCTL, 2) & ~(uint32_t)PCI_EXP_DEVCTL_FLR);
		return true;
	}
	if (af && (f->cfg[af + PCI_AF_CTRL] & PCI_AF_CTRL_FLR)) {
		f->cfg[af + PCI_AF_CTRL] = 0;
		return true;
	}
	return false;
}

/* What a function level reset does to the registers the tests look at. */
static void flr(struct fake_fn *f)
{
	unsigned msi = find_cap(f, PCI_CAP_ID_MSI);

	fake_pci_flrs++;
	set(f, PCI_COMMAND, 2, 0);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		set(f, PCI_BAR0 + 4 * i, 4, f->bar_ro[i]);
	if (msi)
		set(f, msi + PCI_MSI_FLAGS, 2, get(f, msi + PCI_MSI_FLAGS, 2) & ~(uint32_t)PCI_MSI_FLAGS_ENABLE);
}

uint32_t pci_hw_read(pci_bdf_t bdf, unsigned reg, unsigned size)
{
	const struct fake_fn *f = fn(bdf);

	fake_pci_reads++;
	if (reg >= PCI_CFG_SIZE || (reg & 3) + size > 4)
		return 0xffffffffu;
	return f ? get(f, reg, size) : (size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1);
}

void pci_hw_write(pci_bdf_t bdf, unsigned reg, unsigned size, uint32_t val)
{
	struct fake_fn *f = fn(bdf);
	int bar = bar_index(reg);

	if (fake_pci_nwrites < FAKE_PCI_LOG)
		fake_pci_writes[fake_pci_nwrites] = (struct fake_pci_access){ bdf, reg, size, val };
	fake_pci_nwrites++;
	if (!f || reg >= PCI_CFG_SIZE || (reg & 3) + size > 4)
		return;
	if (bar < 0) {
		set(f, reg, size, val);
		if (flr_requested(f))
			flr(f);
		return;
	}
	/* Compose the dword, then keep only what the BAR implements. */
	{
		unsigned dw = reg & ~3u, sh = 8 * (reg & 3);
		uint32_t m = size == 4 ? 0xffffffffu : ((1u << (size * 8)) - 1) << sh;
		uint32_t v = (get(f, dw, 4) & ~m) | ((val << sh) & m);

		set(f, dw, 4, (v & f->bar_mask[bar] & ~f->bar_ro[bar]) | f->bar_ro[bar]);
	}
}
