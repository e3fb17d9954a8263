// SPDX-License-Identifier: MIT
/*
 * Virtual PCI configuration space: configuration mechanism #1 (PCI Local
 * Bus Specification 3.0 §3.2.2.3.2) emulated per partition, in front of the
 * host's real configuration space (septum/pci_hw.h).
 *
 * A partition sees a read-only virtual host bridge at 00:00.0, the
 * functions assigned to it at their real bus/device/function, and nothing
 * else. An assigned function's configuration space is deny by default:
 * every byte has a rule from the tables under "the rules" (pass,
 * read-only, emulated, hidden, device-specific), docs/pci.md shows them.
 * The emulated registers:
 *
 *   BARs          sizing emulated from what vpci_init() measured; any other
 *                 value than the firmware's is refused (no relocation: the
 *                 EPT maps the BARs where they are, GPA == HPA);
 *   command, PMCSR, PCIe device control, AF control
 *                 the guest's bits only; the BARs leave the EPT whenever
 *                 the function stops decoding memory (command, D-state,
 *                 FLR) and come back when it decodes again;
 *   MSI           a message must go to one of the partition's own CPUs;
 *   capabilities  MSI-X hidden (its table is in a BAR the guest writes
 *                 without exits, so its destinations could not be checked)
 *                 and every capability Septum does not know.
 *
 * Functions that control the platform (bridges, SMBus, IOMMUs, ...) and
 * BARs over platform ranges are refused at start-up; every end of the
 * partition quiesces its functions (vpci_end, vpci_reset).
 *
 * Guest values are untrusted: every port, size and offset is checked here,
 * whatever the exit handler already did. A refused write is dropped and
 * logged (up to VPCI_LOG_REFUSALS per function), never fatal.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/console.h>
#include <septum/log.h>
#include <septum/partition.h>
#include <septum/pci_hw.h>
#include <septum/abi.h>
#include <septum/vacpi.h>
#include <septum/vpci.h>
#include <septum/vuart.h>
#include <septum/xapic.h>

_Static_assert(VPCI_MAX_DEVS == CFG_MAX_PCI, "one vpci_dev per pci = entry");

/* CONFIG_ADDRESS at 0xcf8 (PCI 3.0 §3.2.2.3.2, Figure 3-1): bit 31 enable,
 * 30:24 reserved (read as 0), 23:16 bus, 15:11 device, 10:8 function,
 * 7:2 register, 1:0 read-only 0. */
#define CF8_ENABLE      BIT(31)
#define CF8_BDF_SHIFT   8
#define CF8_BDF_MASK    0xffffu
#define CF8_REG_MASK    0xfcu
#define CF8_WRITABLE    ((uint32_t)CF8_ENABLE | (CF8_BDF_MASK << CF8_BDF_SHIFT) | CF8_REG_MASK)

#define ONES(size)      ((size) == 4 ? 0xffffffffu : (1u << ((size) * 8)) - 1)
#define BAR_REG(i)      (PCI_BAR0 + 4u * (i))
#define HOST_BRIDGE_BDF PCI_BDF(0, 0, 0)
#define PCI_RESERVED_38 0x38     /* reserved dword of the type 0 header */

/* MSI message format (Intel SDM Vol. 3A §11.11.1 "Message Address Register
 * Format", §11.11.2 "Message Data Register Format"; §10.11 in editions
 * before 2023). */
#define MSI_ADDR_RANGE_MASK  0xfff00000u
#define MSI_ADDR_RANGE       0xfee00000u
#define MSI_ADDR_DEST_SHIFT  12
#define MSI_ADDR_DEST_MASK   0xffu
#define MSI_ADDR_DM_LOGICAL  BIT(2)
#define MSI_DEST_BROADCAST   0xffu
#define MSI_DATA_DM_SHIFT    8
#define MSI_DATA_DM_MASK     0x7u
#define MSI_DM_FIXED         0u
#define MSI_DM_LOWEST        1u

/* The serial function (vpci.h). Its BAR 0 is the vUART's 8 ports, fixed:
 * sizing reads the size mask, every other value but 0x3f8 is refused. */
#define UART_BAR_ADDR_MASK   (~(uint32_t)(VUART_PORTS - 1))      /* 0xfffffff8 */
#define UART_BAR_VALUE       ((uint32_t)VUART_BASE | PCI_BAR_IO)
#define UART_BAR_SIZING      (UART_BAR_ADDR_MASK | PCI_BAR_IO)   /* 0xfffffff9: 8 ports */
#define UART_REVISION        0x01u
#define UART_CMD_WRITABLE    (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE)
#define UART_MSI_CTRL        (VPCI_UART_MSI_CAP + 0)   /* id, next, message control */
#define UART_MSI_ADDR        (VPCI_UART_MSI_CAP + PCI_MSI_ADDR_LO)
#define UART_MSI_DATA        (VPCI_UART_MSI_CAP + PCI_MSI_DATA_32)
#define MSI_ADDR_RESERVED    0x3u       /* bits 1:0 of the address read as 0 */
#define MSI_DATA_VECTOR_MASK 0xffu
#define FIRST_VALID_VECTOR   16u        /* SDM Vol. 3A §11.5.2: 0-15 are illegal vectors */


/* ------------------------------------------------------------ helpers */

#define BDF_FMT      "%02x:%02x.%x"
#define BDF_ARGS(b)  PCI_BDF_BUS(b), PCI_BDF_DEV(b), PCI_BDF_FN(b)

static int failf(char *why, size_t whylen, pci_bdf_t bdf, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Fills why with "PCI BB:DD.F: <reason>"; returns -1. */
static int failf(char *why, size_t whylen, pci_bdf_t bdf, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(why, whylen, "PCI " BDF_FMT ": ", BDF_ARGS(bdf));

	if (n >= 0 && (size_t)n < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + n, whylen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static void refuse(const struct partition *p, struct vpci_dev *d, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A guest write Septum does not let through. Logged, rate-limited per
 * function so a looping guest cannot flood the console. */
static void refuse(const struct partition *p, struct vpci_dev *d, const char *fmt, ...)
{
	char msg[160];
	va_list ap;

	if (d->refusals++ >= VPCI_LOG_REFUSALS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_guest(p, LOG_WARN, "partition %s: PCI " BDF_FMT ": refused %s%s", p->name, BDF_ARGS(d->bdf), msg,
		d->refusals == VPCI_LOG_REFUSALS ? " (further refusals not logged)" : "");
}

static struct vpci_dev *find_dev(struct vpci_state *s, pci_bdf_t bdf)
{
	for (unsigned i = 0; i < s->ndevs; i++)
		if (s->dev[i].bdf == bdf)
			return &s->dev[i];
	return NULL;
}

static const struct vpci_cap *cap_at(const struct vpci_dev *d, unsigned off)
{
	for (unsigned i = 0; i < d->ncaps; i++)
		if (off >= d->cap[i].off && off < (unsigned)d->cap[i].off + d->cap[i].len)
			return &d->cap[i];
	return NULL;
}

/* ------------------------------------------------------------ MSI rules */

static bool own_apic_id(const struct partition *p, uint32_t id)
{
	for (unsigned cpu = 0; cpu < CFG_MAX_CPUS; cpu++)
		if ((p->cpus & BIT(cpu)) && p->cpu_apic_id[cpu] == id)
			return true;
	return false;
}

/* An MSI address the partition may use: the interrupt range, physical
 * destination mode, one of its own APIC ids. Logical mode is refused: a
 * logical destination can name CPUs of other partitions. */
static bool msi_addr_ok(const struct partition *p, uint32_t lo, char *why, size_t len)
{
	uint32_t dest = (lo >> MSI_ADDR_DEST_SHIFT) & MSI_ADDR_DEST_MASK;

	if ((lo & MSI_ADDR_RANGE_MASK) != MSI_ADDR_RANGE)
		snprintf(why, len, "MSI address 0x%x: not an interrupt message (0xfeexxxxx)", lo);
	else if (lo & MSI_ADDR_DM_LOGICAL)
		snprintf(why, len, "MSI address 0x%x: logical destination mode", lo);
	else if (dest == MSI_DEST_BROADCAST)
		snprintf(why, len, "MSI address 0x%x: broadcast destination", lo);
	else if (!own_apic_id(p, dest))
		snprintf(why, len, "MSI address 0x%x: APIC id %u is not in the partition", lo, dest);
	else
		return true;
	return false;
}

/* Fixed and lowest-priority delivery only: SMI, NMI, INIT and ExtINT
 * would reach firmware or Septum's own use of the CPU (NMI kicks). */
static bool msi_data_ok(uint32_t data, char *why, size_t len)
{
	unsigned dm = (data >> MSI_DATA_DM_SHIFT) & MSI_DATA_DM_MASK;

	if (dm == MSI_DM_FIXED || dm == MSI_DM_LOWEST)
		return true;
	snprintf(why, len, "MSI data 0x%x: delivery mode %u (only fixed and lowest priority)", data, dm);
	return false;
}

static unsigned msi_data_reg(const struct vpci_dev *d)
{
	return d->msi + (d->msi64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32);
}

/* The message the device holds now, checked whole (before MSI is enabled). */
static bool msi_msg_ok(const struct partition *p, const struct vpci_dev *d, char *why, size_t len)
{
	uint32_t hi = d->msi64 ? pci_hw_read(d->bdf, d->msi + PCI_MSI_ADDR_HI, 4) : 0;

	if (hi) {
		snprintf(why, len, "MSI upper address 0x%x: not an interrupt message", hi);
		return false;
	}
	return msi_addr_ok(p, pci_hw_read(d->bdf, d->msi + PCI_MSI_ADDR_LO, 4), why, len) &&
	       msi_data_ok(pci_hw_read(d->bdf, msi_data_reg(d), 2), why, len);
}

/* ------------------------------------------------------------ the rules */

/*
 * What each byte of an assigned function's configuration space does: deny
 * by default. The header and every capability whose meaning Septum knows
 * have a table of byte ranges and a rule (docs/pci.md shows them all);
 * bytes of a known capability beyond its table are read-only; the bytes
 * outside every capability (0x40-0xff) are the device's own registers:
 * read as the device has them, written only where a quirk (below) says a
 * driver needs it. Mechanism #1 reaches no further than 0xff: the extended
 * space of a PCI Express function is not reachable by the partition.
 */
enum rule {
	R_PASS,                       /* reads and writes reach the device */
	R_RO,                         /* reads the device; writes are dropped */
	R_EMUL,                       /* Septum composes the register and decides (a field) */
	R_HIDDEN,                     /* reads 0; writes are dropped */
	R_DEVSPEC,                    /* device-specific: reads the device; writes refused unless a quirk allows */
};

/* A register Septum composes whole before deciding (the guest may write
 * it in pieces): [off, off + width). */
enum field_kind {
	F_NONE, F_BAR, F_COMMAND, F_MSI_CTRL, F_MSI_ADDR_LO, F_MSI_ADDR_HI, F_MSI_DATA,
	F_PMCSR, F_DEVCTL, F_DEVCTL2, F_AF_CTRL,
};
struct field {
	enum field_kind kind;
	unsigned off, width;
};

struct cfg_rule {
	uint8_t first, last;          /* bytes, inclusive; from the capability's start in capability tables */
	enum rule rule;
	enum field_kind field;        /* R_EMUL: the register(s), each width bytes from first */
	uint8_t width;
};

/* Type 0 header (PCI 3.0 §6.1, §6.2). */
static const struct cfg_rule header_rules[] = {
	{ 0x00, 0x03, R_RO, F_NONE, 0 },          /* vendor, device */
	{ 0x04, 0x05, R_EMUL, F_COMMAND, 2 },     /* guest-writable bits only (CMD_GUEST) */
	{ 0x06, 0x07, R_PASS, F_NONE, 0 },        /* status: RW1C error bits, the guest clears its own */
	{ 0x08, 0x0b, R_RO, F_NONE, 0 },          /* revision, class */
	{ 0x0c, 0x0d, R_PASS, F_NONE, 0 },        /* cache line size, latency timer */
	{ 0x0e, 0x0f, R_RO, F_NONE, 0 },          /* header type, BIST (a self-test resets the function) */
	{ 0x10, 0x27, R_EMUL, F_BAR, 4 },         /* BARs: sizing emulated, never moved */
	{ 0x28, 0x2f, R_RO, F_NONE, 0 },          /* CardBus CIS pointer, subsystem ids */
	{ 0x30, 0x33, R_HIDDEN, F_NONE, 0 },      /* expansion ROM: not mapped */
	{ 0x34, 0x34, R_RO, F_NONE, 0 },          /* capabilities pointer (virtual: skips hidden ones) */
	{ 0x35, 0x3b, R_HIDDEN, F_NONE, 0 },      /* reserved */
	{ 0x3c, 0x3c, R_PASS, F_NONE, 0 },        /* interrupt line: a scratch byte for software (§6.2.4) */
	{ 0x3d, 0x3f, R_RO, F_NONE, 0 },          /* interrupt pin, min grant, max latency */
};

/* Power management (PCI PM 1.2 §3.2): the power state is tracked, so the
 * BARs leave the EPT when the function stops decoding. */
static const struct cfg_rule pm_rules[] = {
	{ 0x00, 0x03, R_RO, F_NONE, 0 },          /* id, next, PMC */
	{ 0x04, 0x05, R_EMUL, F_PMCSR, 2 },       /* power state, PME enable/status, data select */
	{ 0x06, 0x07, R_RO, F_NONE, 0 },          /* bridge extensions, data */
};

/* PCI Express (PCIe Base 4.0 §7.5.3): what an endpoint's driver sets. The
 * link registers stay as firmware left them: ASPM, speed and retraining
 * involve the link partner, a port of the platform's. */
static const struct cfg_rule exp_rules[] = {
	{ 0x00, 0x07, R_RO, F_NONE, 0 },          /* id, next, capabilities, device capabilities */
	{ 0x08, 0x09, R_EMUL, F_DEVCTL, 2 },      /* device control: DEVCTL_GUEST bits, FLR emulated */
	{ 0x0a, 0x0b, R_PASS, F_NONE, 0 },        /* device status: RW1C error bits */
	{ 0x0c, 0x27, R_RO, F_NONE, 0 },          /* link, slot, root registers; device capabilities 2 */
	{ 0x28, 0x29, R_EMUL, F_DEVCTL2, 2 },     /* device control 2: DEVCTL2_GUEST bits */
	{ 0x2a, 0x3b, R_RO, F_NONE, 0 },          /* device status 2, link registers 2 */
};

/* Advanced features (PCI Advanced Capabilities ECN): FLR emulated. */
static const struct cfg_rule af_rules[] = {
	{ 0x00, 0x03, R_RO, F_NONE, 0 },          /* id, next, length, capabilities */
	{ 0x04, 0x04, R_EMUL, F_AF_CTRL, 1 },     /* control: initiate FLR */
	{ 0x05, 0x05, R_RO, F_NONE, 0 },          /* status */
};

/* Guest-writable bits of the command register (PCI 3.0 §6.2.2):
 * decoding, bus mastering, memory write and invalidate, INTx disable.
 * Parity error response and SERR# enable stay as firmware set them: they
 * turn the device's errors into the platform's (an NMI on PCs). */
#define CMD_GUEST     (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INVALIDATE | \
		       PCI_COMMAND_INTX_DISABLE)
/* PCIe device control: relaxed ordering, extended tags, aux power, no
 * snoop, max read request size. Error reporting enables (they escalate
 * to the platform) and max payload size (it must match the fabric) stay. */
#define DEVCTL_GUEST  (PCI_EXP_DEVCTL_RELAX | PCI_EXP_DEVCTL_EXT_TAG | PCI_EXP_DEVCTL_AUX_PM | \
		       PCI_EXP_DEVCTL_NOSNOOP | PCI_EXP_DEVCTL_READRQ)
/* PCIe device control 2: completion timeout value and disable (3:0, 4),
 * AtomicOp requester (6), ID-based ordering (8, 9). LTR and OBFF (platform
 * power management) stay. */
#define DEVCTL2_GUEST 0x035fu
/* PMCSR: power state, PME enable, data select (PME status is RW1C). */
#define PMCSR_GUEST   (PCI_PM_STATE_MASK | PCI_PM_PME_ENABLE | PCI_PM_DATA_SEL)

/*
 * Device-specific registers a driver must write, per vendor:device. Each
 * entry is a range Septum lets through unchanged; it must not hold a
 * register that reaches beyond the function (address windows, SMI or
 * power controls).
 */
static const struct vpci_quirk quirks[] = {
	/* Intel 82371SB PIIX3 IDE (Bochs, QEMU i440FX): IDETIM 0x40-0x43 and
	 * SIDETIM 0x44, the drive timings ata_piix sets per transfer mode. */
	{ 0x8086, 0x7010, 0x40, 5, "PIIX3 IDE timing" },
};

static bool quirk_allows(const struct vpci_dev *d, unsigned b)
{
	for (size_t i = 0; i < ARRAY_SIZE(quirks); i++)
		if (quirks[i].vendor == d->vendor && quirks[i].device == d->device && b >= quirks[i].off &&
		    b < (unsigned)quirks[i].off + quirks[i].len)
			return true;
	return false;
}

/* The rule of byte rel of a table whose offsets start at base. */
static enum rule table_rule(const struct cfg_rule *t, size_t n, unsigned base, unsigned rel, struct field *f)
{
	for (size_t i = 0; i < n; i++) {
		if (rel < t[i].first || rel > t[i].last)
			continue;
		if (t[i].rule == R_EMUL) {
			unsigned first = t[i].first + (rel - t[i].first) / t[i].width * t[i].width;

			*f = (struct field){ t[i].field, base + first, t[i].width };
		}
		return t[i].rule;
	}
	return R_RO;
}

#define TABLE(t) (t), ARRAY_SIZE(t)

static enum rule msi_rule(const struct vpci_dev *d, unsigned rel, struct field *f)
{
	unsigned base = d->msi;

	if (rel < PCI_MSI_FLAGS)
		return R_RO;
	if (rel < PCI_MSI_ADDR_LO)
		*f = (struct field){ F_MSI_CTRL, base + PCI_MSI_FLAGS, 2 };
	else if (rel < PCI_MSI_ADDR_LO + 4)
		*f = (struct field){ F_MSI_ADDR_LO, base + PCI_MSI_ADDR_LO, 4 };
	else if (d->msi64 && rel < PCI_MSI_ADDR_HI + 4)
		*f = (struct field){ F_MSI_ADDR_HI, base + PCI_MSI_ADDR_HI, 4 };
	else if (base + rel >= msi_data_reg(d) && base + rel < msi_data_reg(d) + 2u)
		*f = (struct field){ F_MSI_DATA, msi_data_reg(d), 2 };
	else
		return R_PASS;            /* mask and pending bits */
	return R_EMUL;
}

/* The rule for byte b (f set for R_EMUL). */
static enum rule rule_of(const struct vpci_dev *d, unsigned b, struct field *f)
{
	const struct vpci_cap *c;
	unsigned rel;

	if (b < PCI_HEADER_END)
		return table_rule(TABLE(header_rules), 0, b, f);
	c = cap_at(d, b);
	if (!c)
		return quirk_allows(d, b) ? R_PASS : R_DEVSPEC;
	if (c->hidden)
		return R_HIDDEN;
	rel = b - c->off;
	if (rel < PCI_CAP_NEXT + 1)
		return R_RO;              /* id and next (the next pointer reads virtual) */
	if (c->off == d->msi)
		return msi_rule(d, rel, f);
	if (c->off == d->pm)
		return table_rule(TABLE(pm_rules), c->off, rel, f);
	if (c->off == d->exp)
		return table_rule(TABLE(exp_rules), c->off, rel, f);
	if (c->off == d->af)
		return table_rule(TABLE(af_rules), c->off, rel, f);
	return R_RO;                  /* vendor-specific, PCI-X, SATA: read-only bodies */
}

/* ------------------------------------------------------------ reads */

static uint32_t host_bridge_read(const struct vpci_state *s, unsigned reg)
{
	uint32_t header = 0;

	switch (reg) {
	case PCI_VENDOR_ID:
		return VPCI_HOST_VENDOR | (VPCI_HOST_DEVICE << 16);
	case PCI_REVISION_ID:
		return VPCI_HOST_REV | ((uint32_t)PCI_SUBCLASS_HOST << 16) | ((uint32_t)PCI_CLASS_BRIDGE << 24);
	case PCI_CACHE_LINE_SIZE:
		/* Multi-function only if the partition has another function of
		 * device 00:00, so that a scan looks at functions 1-7. */
		for (unsigned i = 0; i < s->ndevs; i++)
			if (PCI_BDF_BUS(s->dev[i].bdf) == 0 && PCI_BDF_DEV(s->dev[i].bdf) == 0)
				header = PCI_HEADER_MULTI_FN;
		return header << 16;
	default:
		return 0;       /* command/status 0, no BARs, no capabilities, no interrupt */
	}
}

static uint32_t bar_read(const struct vpci_dev *d, unsigned i)
{
	const struct vpci_bar *b = &d->bar[i];

	if (b->kind == VPCI_BAR_NONE)
		return 0;
	return b->sizing ? b->mask : b->orig;
}

/* A dword as the partition sees it: the device's, with hidden bytes
 * reading 0, the capabilities pointer and the next pointers of visible
 * capabilities rewritten to skip the hidden ones. */
static uint32_t dev_read(const struct vpci_dev *d, unsigned reg)
{
	uint32_t v, hidden = 0;
	struct field f;

	if (reg >= PCI_BAR0 && reg < BAR_REG(PCI_NUM_BARS))
		return bar_read(d, (reg - PCI_BAR0) / 4);
	for (unsigned b = 0; b < 4; b++)
		if (rule_of(d, reg + b, &f) == R_HIDDEN)
			hidden |= 0xffu << (8 * b);
	if (hidden == 0xffffffffu)
		return 0;                 /* not even read: no side effect */
	v = pci_hw_read(d->bdf, reg, 4) & ~hidden;
	if (reg == PCI_COMMAND && !d->cap_ptr)
		v &= ~((uint32_t)PCI_STATUS_CAP_LIST << 16);   /* every capability hidden: no list */
	if (reg == PCI_CAP_PTR)
		v = (v & ~0xffu) | d->cap_ptr;
	for (unsigned b = 0; b < 4; b++) {
		const struct vpci_cap *c = reg >= PCI_HEADER_END ? cap_at(d, reg + b) : NULL;

		if (c && !c->hidden && reg + b == (unsigned)c->off + PCI_CAP_NEXT)
			v = (v & ~(0xffu << (8 * b))) | ((uint32_t)c->next << (8 * b));
	}
	return v;
}

/* ------------------------------------------------------------ decoding and FLR */

static int map_bars(struct partition *p, const struct vpci_dev *d, bool verbose, char *why, size_t whylen);

/* Takes d's memory BARs out of p's EPT; true if it had any. */
static bool unmap_bars(struct partition *p, const struct vpci_dev *d)
{
	bool any = false;

	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bar_size[i] && d->bar[i].kind != VPCI_BAR_IO) {
			backend->s2_unmap(p, d->bar_base[i], d->bar_size[i]);
			any = true;
		}
	return any;
}

/* Memory BARs into the EPT or out of it. Out: the partition's cached
 * translations go too (on every CPU it runs on) before the caller lets
 * the device stop decoding, so no access reaches a function that would
 * answer it with an Unsupported Request (the class of CVE-2020-12888).
 * The EPT tables stay, so mapping again cannot run out of memory. */
static void set_mapped(struct partition *p, struct vpci_dev *d, bool on)
{
	char why[160];

	if (on == d->mapped)
		return;
	if (on) {
		if (map_bars(p, d, false, why, sizeof(why))) {
			refuse(p, d, "mapping its BARs again: %s", why);
			return;
		}
	} else if (unmap_bars(p, d)) {
		vcpu_ept_invalidate(p);
	}
	d->mapped = on;
}

/* Does the function decode memory now: memory space enabled, as last
 * written and as the device says (a reset clears it; a device that ignores
 * the bit is still told not to decode), and, if it has power management,
 * in D0 (PCI PM 1.2 §5.3: D1-D3hot answer configuration requests only). */
static bool decodes_memory(const struct vpci_dev *d)
{
	uint16_t cmd = (uint16_t)pci_hw_read(d->bdf, PCI_COMMAND, 2);

	if (!d->mem_on || !(cmd & PCI_COMMAND_MEMORY))
		return false;
	return !d->pm || (pci_hw_read(d->bdf, d->pm + PCI_PM_CTRL, 2) & PCI_PM_STATE_MASK) == PCI_PM_STATE_D0;
}

/* After anything that may have started decoding: the EPT follows. */
static void sync_mapping(struct partition *p, struct vpci_dev *d)
{
	set_mapped(p, d, decodes_memory(d));
}

/* Initiates a function level reset (PCIe Base 4.0 §6.6.2, or the AF
 * capability's): the BARs leave the EPT first, as the function stops
 * decoding. The caller keeps away from the function for VPCI_FLR_WAIT_US. */
static void flr_start(struct partition *p, struct vpci_dev *d)
{
	d->mem_on = false;            /* the reset clears the command register */
	set_mapped(p, d, false);
	if (d->exp && (pci_hw_read(d->bdf, d->exp + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR))
		pci_hw_write(d->bdf, d->exp + PCI_EXP_DEVCTL, 2,
			     pci_hw_read(d->bdf, d->exp + PCI_EXP_DEVCTL, 2) | PCI_EXP_DEVCTL_FLR);
	else
		pci_hw_write(d->bdf, d->af + PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR);
	p->vpci.flrs++;
}

static void restore_bars(const struct vpci_dev *d)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++)
		if (d->bar[i].kind != VPCI_BAR_NONE && pci_hw_read(d->bdf, BAR_REG(i), 4) != d->bar[i].orig)
			pci_hw_write(d->bdf, BAR_REG(i), 4, d->bar[i].orig);
}

/* The guest's own FLR: done whole, on its own vCPU (the 100 ms are its
 * time). The function comes back with decoding off and its BARs as
 * firmware put them. */
static void guest_flr(struct partition *p, struct vpci_dev *d)
{
	flr_start(p, d);
	arch_udelay(VPCI_FLR_WAIT_US);
	restore_bars(d);
	sync_mapping(p, d);
}

/* ------------------------------------------------------------ writes */

/* Sizing (§6.2.5.1): all ones written, the size mask read back. The value
 * is first cut to the address bits the BAR implements, as the hardware
 * would, so a BAR written in pieces behaves like the real one. Writing
 * back the firmware's value is accepted (and rewritten, in case a reset
 * cleared it); anything else would move the BAR away from its EPT mapping. */
static void bar_write(const struct partition *p, struct vpci_dev *d, unsigned i, uint32_t v)
{
	struct vpci_bar *b = &d->bar[i];
	uint32_t amask = b->mask & (b->kind == VPCI_BAR_MEM64_HI ? 0xffffffffu :
				    b->kind == VPCI_BAR_IO ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK);

	if (b->kind == VPCI_BAR_NONE)
		return;
	if ((v & amask) == amask) {
		b->sizing = true;
		return;
	}
	b->sizing = false;
	if ((v & amask) == (b->orig & amask)) {
		pci_hw_write(d->bdf, BAR_REG(i), 4, b->orig);
		return;
	}
	refuse(p, d, "moving BAR %u from 0x%x to 0x%x: BARs stay where firmware put them", i,
	       b->orig & amask, v & amask);
}

static void command_write(struct partition *p, struct vpci_dev *d, uint32_t v)
{
	uint32_t cur = pci_hw_read(d->bdf, PCI_COMMAND, 2);

	v = (cur & ~(uint32_t)CMD_GUEST) | (v & CMD_GUEST);
	/* A function-level or power-state reset may have cleared the BARs;
	 * decoding must never start at anything but the mapped addresses (a
	 * BAR at 0 would claim host RAM). */
	if (v & (PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER))
		restore_bars(d);
	d->mem_on = v & PCI_COMMAND_MEMORY;
	if (!d->mem_on)
		set_mapped(p, d, false);  /* out of the EPT before the device stops decoding */
	pci_hw_write(d->bdf, PCI_COMMAND, 2, v);
	sync_mapping(p, d);
}

/* Power state changes (PCI PM 1.2 §5.4): D1/D2 only where PMC offers
 * them (otherwise the write keeps the state, as hardware would); the BARs
 * leave the EPT before the function leaves D0, and come back only when it
 * decodes again, after the recovery time (10 ms from D3hot, §5.6.1; a
 * function without No_Soft_Reset comes back reset, decoding off). */
static void pmcsr_write(struct partition *p, struct vpci_dev *d, uint32_t v, unsigned wbytes)
{
	uint32_t cur = pci_hw_read(d->bdf, d->pm + PCI_PM_CTRL, 2);
	uint32_t pmc = pci_hw_read(d->bdf, d->pm + PCI_PM_PMC, 2);
	unsigned from = cur & PCI_PM_STATE_MASK, to = v & PCI_PM_STATE_MASK;

	if ((to == 1 && !(pmc & PCI_PM_PMC_D1)) || (to == 2 && !(pmc & PCI_PM_PMC_D2)))
		to = from;
	v = (cur & ~(uint32_t)(PMCSR_GUEST | PCI_PM_PME_STATUS)) | (v & PMCSR_GUEST & ~PCI_PM_STATE_MASK) | to |
	    ((wbytes & 2) ? v & PCI_PM_PME_STATUS : 0);  /* RW1C only where the guest wrote it */
	if (to != PCI_PM_STATE_D0)
		set_mapped(p, d, false);
	pci_hw_write(d->bdf, d->pm + PCI_PM_CTRL, 2, v);
	if (to == PCI_PM_STATE_D0 && from == PCI_PM_STATE_D3HOT)
		arch_udelay(VPCI_D3_WAIT_US);
	else if (to == PCI_PM_STATE_D0 && from == 2)
		arch_udelay(200);         /* D2 -> D0: 200 us (§5.6.1, Table 5-6) */
	sync_mapping(p, d);
}

static void field_write(struct partition *p, struct vpci_dev *d, const struct field *f, uint32_t v, unsigned wbytes)
{
	char why[120];
	uint32_t cur;

	switch (f->kind) {
	case F_NONE:
		return;
	case F_BAR:
		bar_write(p, d, (f->off - PCI_BAR0) / 4, v);
		return;
	case F_COMMAND:
		command_write(p, d, v);
		return;
	case F_PMCSR:
		pmcsr_write(p, d, v, wbytes);
		return;
	case F_DEVCTL:
		cur = pci_hw_read(d->bdf, f->off, 2);
		pci_hw_write(d->bdf, f->off, 2, (cur & ~(uint32_t)(DEVCTL_GUEST | PCI_EXP_DEVCTL_FLR)) | (v & DEVCTL_GUEST));
		if ((v & PCI_EXP_DEVCTL_FLR) && d->flr)
			guest_flr(p, d);
		return;
	case F_DEVCTL2:
		cur = pci_hw_read(d->bdf, f->off, 2);
		pci_hw_write(d->bdf, f->off, 2, (cur & ~DEVCTL2_GUEST) | (v & DEVCTL2_GUEST));
		return;
	case F_AF_CTRL:
		if ((v & PCI_AF_CTRL_FLR) && d->flr)
			guest_flr(p, d);
		return;
	case F_MSI_CTRL:
		if ((v & PCI_MSI_FLAGS_ENABLE) && !msi_msg_ok(p, d, why, sizeof(why))) {
			refuse(p, d, "enabling MSI: %s", why);
			v &= ~(uint32_t)PCI_MSI_FLAGS_ENABLE;
		}
		break;
	case F_MSI_ADDR_LO:
		if (!msi_addr_ok(p, v, why, sizeof(why))) {
			refuse(p, d, "%s", why);
			return;
		}
		break;
	case F_MSI_ADDR_HI:
		if (v != 0) {
			refuse(p, d, "MSI upper address 0x%x: not an interrupt message", v);
			return;
		}
		break;
	case F_MSI_DATA:
		if (!msi_data_ok(v, why, sizeof(why))) {
			refuse(p, d, "%s", why);
			return;
		}
		break;
	}
	pci_hw_write(d->bdf, f->off, f->width, v);
}

static uint32_t field_value(const struct vpci_dev *d, const struct field *f)
{
	if (f->kind == F_BAR)
		return bar_read(d, (f->off - PCI_BAR0) / 4);
	return pci_hw_read(d->bdf, f->off, f->width);
}

/* A write to a device-specific register no quirk allows: counted, and
 * logged once per function (a driver that keeps trying would flood the
 * console otherwise). */
static void devspec_refused(const struct partition *p, struct vpci_dev *d, unsigned b)
{
	d->refusals++;
	if (d->devspec_logged)
		return;
	d->devspec_logged = true;
	pr_warn("partition %s: PCI " BDF_FMT ": refused a write to device-specific register 0x%x (no quirk allows it; further ones not logged)",
		p->name, BDF_ARGS(d->bdf), b);
}

/* size bytes of val at reg (within one dword). If every byte passes, one
 * access of the guest's own size reaches the device (RW1C and
 * side-effecting registers see what the guest did); otherwise the passing
 * bytes go one by one and each emulated register is composed and judged. */
static void dev_write(struct partition *p, struct vpci_dev *d, unsigned reg, unsigned size, uint32_t val)
{
	struct field fields[4], f = { F_NONE, 0, 0 };
	enum rule rule[4];
	unsigned nfields = 0;
	bool all_pass = true, devspec = false;

	for (unsigned i = 0; i < size; i++) {
		rule[i] = rule_of(d, reg + i, &f);
		all_pass = all_pass && rule[i] == R_PASS;
		if (rule[i] == R_EMUL && (nfields == 0 || fields[nfields - 1].off != f.off))
			fields[nfields++] = f;
	}
	if (all_pass) {
		pci_hw_write(d->bdf, reg, size, val);
		return;
	}
	for (unsigned i = 0; i < size; i++) {
		if (rule[i] == R_PASS)
			pci_hw_write(d->bdf, reg + i, 1, (val >> (8 * i)) & 0xff);
		else if (rule[i] == R_DEVSPEC && !devspec) {
			devspec = true;
			devspec_refused(p, d, reg + i);
		}
	}
	for (unsigned n = 0; n < nfields; n++) {
		uint32_t v = field_value(d, &fields[n]);
		unsigned wbytes = 0;

		for (unsigned i = 0; i < size; i++) {
			unsigned at = reg + i;

			if (at < fields[n].off || at >= fields[n].off + fields[n].width)
				continue;
			at -= fields[n].off;
			wbytes |= 1u << at;
			v = (v & ~(0xffu << (8 * at))) | (((val >> (8 * i)) & 0xff) << (8 * at));
		}
		field_write(p, d, &fields[n], v, wbytes);
	}
}

/* ------------------------------------------------------------ the serial function */

static uint32_t uart_read(const struct vpci_uart *u, unsigned reg)
{
	switch (reg) {
	case PCI_VENDOR_ID:
		return VPCI_UART_VENDOR | (VPCI_UART_DEVICE << 16);
	case PCI_COMMAND:
		return u->command | ((uint32_t)PCI_STATUS_CAP_LIST << 16);
	case PCI_REVISION_ID:
		return UART_REVISION | (VPCI_UART_CLASS << 8);
	case PCI_CACHE_LINE_SIZE:       /* header type 0, one function, no BIST */
		return u->cache_line | ((uint32_t)u->latency << 8);
	case PCI_BAR0:
		return u->bar_sizing ? UART_BAR_SIZING : UART_BAR_VALUE;
	case PCI_SUBSYSTEM_VENDOR:
		return VPCI_UART_SUBVENDOR | (VPCI_UART_SUBDEVICE << 16);
	case PCI_CAP_PTR:
		return VPCI_UART_MSI_CAP;
	case PCI_INTERRUPT_LINE:        /* interrupt pin 0: no INTx */
		return u->int_line;
	case UART_MSI_CTRL:             /* last capability; 32-bit, one vector, no masking */
		return PCI_CAP_ID_MSI | ((uint32_t)u->msi_ctrl << 16);
	case UART_MSI_ADDR:
		return u->msi_addr;
	case UART_MSI_DATA:
		return u->msi_data;
	default:
		return 0;                 /* other BARs, ROM, reserved, the rest of the space */
	}
}

static void uart_refuse(const struct partition *p, struct vpci_uart *u, const char *why)
{
	if (u->refusals++ >= VPCI_LOG_REFUSALS)
		return;
	log_guest(p, LOG_WARN, "partition %s: PCI " BDF_FMT " (console): %s%s", p->name, BDF_ARGS(u->bdf), why,
		u->refusals == VPCI_LOG_REFUSALS ? " (further refusals not logged)" : "");
}

/*
 * The CPU a logical destination names (SDM Vol. 3A §11.11.1 with §11.6.2.2:
 * matched against the LDR and DFR of the partition's vCPUs in xAPIC mode,
 * which are virtual, so it can only name the partition's own). Linux in
 * xAPIC mode programs its MSIs so, for one CPU at a time. The console's
 * interrupt goes to one CPU: a destination naming several, or none, is
 * refused. Resolved when the message is written; Linux sets the LDRs
 * before it sets up any device.
 */
static bool msi_logical_cpu(const struct partition *p, uint32_t addr, uint32_t *apic_id, char *why, size_t len)
{
	uint8_t dest = (uint8_t)((addr >> MSI_ADDR_DEST_SHIFT) & MSI_ADDR_DEST_MASK);
	unsigned n = 0;

	for (unsigned i = 0; i < p->nvcpus; i++) {
		const struct vcpu *v = p->vcpu[i];

		if (v && apic_mode_of(v->apic_base) == APIC_MODE_XAPIC &&
		    xapic_logical_match(v->xapic.ldr, v->xapic.dfr, dest) && n++ == 0)
			*apic_id = p->cpu_apic_id[v->cpu];
	}
	if (n == 1)
		return true;
	if (n)
		snprintf(why, len, "MSI address 0x%x: logical destination 0x%x names %u CPUs (one is supported)",
			 addr, dest, n);
	else
		snprintf(why, len, "MSI address 0x%x: logical destination 0x%x names no CPU", addr, dest);
	return false;
}

/* The CPU the message goes to: physical (the rules for assigned devices)
 * or logical (above). */
static bool uart_msi_cpu(const struct partition *p, uint32_t addr, uint32_t *apic_id, char *why, size_t len)
{
	if ((addr & MSI_ADDR_RANGE_MASK) == MSI_ADDR_RANGE && (addr & MSI_ADDR_DM_LOGICAL))
		return msi_logical_cpu(p, addr, apic_id, why, len);
	if (!msi_addr_ok(p, addr, why, len))
		return false;
	*apic_id = (addr >> MSI_ADDR_DEST_SHIFT) & MSI_ADDR_DEST_MASK;
	return true;
}

/* Where the vUART's interrupts go now: nowhere unless MSI and bus
 * mastering (an MSI is a memory write, PCI 3.0 §6.8) are on and the
 * message passes the same rules as an assigned device's, logical
 * destinations aside. */
static struct vuart_irq uart_target(const struct partition *p, struct vpci_uart *u)
{
	char why[120];
	unsigned vector = u->msi_data & MSI_DATA_VECTOR_MASK;
	uint32_t apic_id = 0;

	if (!(u->msi_ctrl & PCI_MSI_FLAGS_ENABLE) || !(u->command & PCI_COMMAND_MASTER))
		return (struct vuart_irq){ 0 };
	/* A cleared message (address 0): Linux writes one, address first,
	 * while freeing the interrupt, before it turns MSI off. Nothing to
	 * send, nothing to report. */
	if (u->msi_addr == 0)
		return (struct vuart_irq){ 0 };
	if (!uart_msi_cpu(p, u->msi_addr, &apic_id, why, sizeof(why)) || !msi_data_ok(u->msi_data, why, sizeof(why))) {
		uart_refuse(p, u, why);
		return (struct vuart_irq){ 0 };
	}
	if (vector < FIRST_VALID_VECTOR) {
		snprintf(why, sizeof(why), "MSI data 0x%x: vector %u is not a valid interrupt vector",
			 u->msi_data, vector);
		uart_refuse(p, u, why);
		return (struct vuart_irq){ 0 };
	}
	return (struct vuart_irq){ .on = true, .apic_id = apic_id, .vector = (uint8_t)vector };
}

/* After any change of the registers uart_target() reads. Only a changed
 * target reaches the vUART: setting one there sends a pending interrupt. */
static void uart_update(struct partition *p)
{
	struct vuart_irq now = uart_target(p, &p->vpci.uart), was = vuart_get_irq(&p->uart);

	if (vuart_irq_equal(now, was))
		return;
	vuart_set_irq(&p->uart, now);
	if (console_hooks)      /* the console's IO-APIC route follows the focus's target */
		console_hooks->irq_update();
}

static void uart_bar_write(const struct partition *p, struct vpci_uart *u, uint32_t v)
{
	char why[120];

	u->bar_sizing = (v & UART_BAR_ADDR_MASK) == UART_BAR_ADDR_MASK;
	if (u->bar_sizing || (v & UART_BAR_ADDR_MASK) == VUART_BASE)
		return;
	snprintf(why, sizeof(why), "refused moving BAR 0 to 0x%x: it is the vUART's ports at 0x%x",
		 v & UART_BAR_ADDR_MASK, VUART_BASE);
	uart_refuse(p, u, why);
}

/* size bytes of val at byte off of dword reg: merged into what the
 * register reads, then each register keeps only its writable bits. */
static void uart_write(struct partition *p, unsigned reg, unsigned off, unsigned size, uint32_t val)
{
	struct vpci_uart *u = &p->vpci.uart;
	const uint32_t bytes = ONES(size) << (8 * off);
	const uint32_t v = (uart_read(u, reg) & ~bytes) | ((val << (8 * off)) & bytes);

	switch (reg) {
	case PCI_COMMAND:               /* status: no RW1C bit is ever set */
		u->command = (uint16_t)(v & UART_CMD_WRITABLE);
		break;
	case PCI_CACHE_LINE_SIZE:
		u->cache_line = (uint8_t)v;
		u->latency = (uint8_t)(v >> 8);
		return;
	case PCI_BAR0:
		uart_bar_write(p, u, v);
		return;
	case PCI_INTERRUPT_LINE:
		u->int_line = (uint8_t)v;
		return;
	case UART_MSI_CTRL:             /* MME stays 0: one vector */
		u->msi_ctrl = (uint16_t)((v >> 16) & PCI_MSI_FLAGS_ENABLE);
		break;
	case UART_MSI_ADDR:
		u->msi_addr = v & ~MSI_ADDR_RESERVED;
		break;
	case UART_MSI_DATA:             /* the upper half is reserved */
		u->msi_data = (uint16_t)v;
		break;
	default:
		return;                   /* read-only or unimplemented */
	}
	uart_update(p);
}

/* Power-on state: decoding and MSI off. */
static void uart_reset(struct partition *p)
{
	struct vpci_uart *u = &p->vpci.uart;

	*u = (struct vpci_uart){ .present = u->present, .bdf = u->bdf, .refusals = u->refusals };
	uart_update(p);
}

/* The highest device number on bus 0 that no assigned function uses
 * (device 0 is the host bridge's), or false when all are taken. */
static bool uart_place(const struct vpci_state *s, pci_bdf_t *bdf)
{
	for (unsigned dev = PCI_MAX_DEV; dev > 0; dev--) {
		bool used = false;

		for (unsigned i = 0; i < s->ndevs; i++)
			used |= PCI_BDF_BUS(s->dev[i].bdf) == 0 && PCI_BDF_DEV(s->dev[i].bdf) == dev;
		if (!used) {
			*bdf = PCI_BDF(0, dev, 0);
			return true;
		}
	}
	return false;
}

static bool is_uart(const struct vpci_state *s, pci_bdf_t bdf)
{
	return s->uart.present && s->uart.bdf == bdf;
}

/* ------------------------------------------------------------ ports */

/* The function the latch selects, its dword register; false if the latch
 * is disabled or the access does not fit in the dword at 0xcfc. */
static bool selected(const struct vpci_state *s, unsigned off, unsigned size, pci_bdf_t *bdf, unsigned *reg)
{
	if (!(s->addr & CF8_ENABLE) || off + size > 4)
		return false;
	*bdf = (pci_bdf_t)((s->addr >> CF8_BDF_SHIFT) & CF8_BDF_MASK);
	*reg = s->addr & CF8_REG_MASK;
	return true;
}

static bool size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4;
}

uint32_t vpci_in(struct partition *p, uint16_t port, unsigned size)
{
	struct vpci_state *s = &p->vpci;
	struct vpci_dev *d;
	pci_bdf_t bdf;
	unsigned reg, off;
	uint32_t v;

	if (!size_ok(size))
		return 0xffffffffu;
	/* Only a dword access to 0xcf8 is CONFIG_ADDRESS; byte and word
	 * accesses there are ordinary I/O that nothing claims (§3.2.2.3.2). */
	if (port < VPCI_DATA_PORT)
		return port == VPCI_ADDR_PORT && size == 4 ? s->addr : ONES(size);
	off = port - VPCI_DATA_PORT;
	if (!selected(s, off, size, &bdf, &reg))
		return ONES(size);
	if (bdf == HOST_BRIDGE_BDF)
		return (host_bridge_read(s, reg) >> (8 * off)) & ONES(size);
	if (is_uart(s, bdf))
		return (uart_read(&s->uart, reg) >> (8 * off)) & ONES(size);
	if (!(d = find_dev(s, bdf)))
		return ONES(size);        /* master abort: no such function */
	spin_lock(&s->lock);
	v = dev_read(d, reg);
	spin_unlock(&s->lock);
	return (v >> (8 * off)) & ONES(size);
}

void vpci_out(struct partition *p, uint16_t port, unsigned size, uint32_t val)
{
	struct vpci_state *s = &p->vpci;
	struct vpci_dev *d;
	pci_bdf_t bdf;
	unsigned reg, off;

	if (!size_ok(size))
		return;
	if (port < VPCI_DATA_PORT) {
		if (port == VPCI_ADDR_PORT && size == 4)
			s->addr = val & CF8_WRITABLE;
		return;
	}
	off = port - VPCI_DATA_PORT;
	if (!selected(s, off, size, &bdf, &reg))
		return;
	if (is_uart(s, bdf)) {
		uart_write(p, reg, off, size, val & ONES(size));
		return;
	}
	if (!(d = find_dev(s, bdf)))
		return;                   /* the host bridge is read-only; absent functions ignore writes */
	/* Serialised with the partition's other vCPUs and with its end: a
	 * device quiesced by vpci_end() stays so. */
	spin_lock(&s->lock);
	if (!s->ended)
		dev_write(p, d, reg + off, size, val & ONES(size));
	spin_unlock(&s->lock);
}

/* ------------------------------------------------------------ vpci_init */

/* Measures every BAR the only way PCI allows: all ones written, the mask
 * read back, the value restored. Decoding is off meanwhile, or the
 * half-written BAR would claim addresses it does not own (§6.2.5.1). */
static uint16_t size_bars(pci_bdf_t bdf, uint32_t orig[PCI_NUM_BARS], uint32_t mask[PCI_NUM_BARS])
{
	uint16_t cmd = (uint16_t)pci_hw_read(bdf, PCI_COMMAND, 2);

	pci_hw_write(bdf, PCI_COMMAND, 2, cmd & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		orig[i] = pci_hw_read(bdf, BAR_REG(i), 4);
		pci_hw_write(bdf, BAR_REG(i), 4, 0xffffffffu);
		mask[i] = pci_hw_read(bdf, BAR_REG(i), 4);
		pci_hw_write(bdf, BAR_REG(i), 4, orig[i]);
	}
	pci_hw_write(bdf, PCI_COMMAND, 2, cmd);
	return cmd;
}

/* A BAR's size is the lowest address bit it implements (§6.2.5.1). Taking
 * the lowest set bit rather than ~mask + 1 also copes with decoders that
 * hardwire high bits to 0 (16-bit I/O decoders, 64-bit BARs whose upper
 * half reads back 0). */
static uint64_t lowest_bit(uint64_t m)
{
	return m & (~m + 1);
}

/*
 * Host-physical windows of the x86 platform that no BAR may share: the I/O
 * APICs' default range (ICH/PCH I/O xAPIC, 0xfec00000-0xfecfffff), the HPET
 * (IA-PC HPET 1.0a §3.2.4: 0xfed00000, 1 KiB, a page mapped), and the
 * local APICs' and MSI range (Intel SDM Vol. 3A §11.4.1, §11.11.1:
 * 0xfee00000-0xfeefffff). A BAR there would let a partition's mapping
 * cover the interrupt controllers every partition and Septum depend on.
 */
static const struct { uint64_t first, last; const char *what; } platform_windows[] = {
	{ 0xfec00000ull, 0xfecfffffull, "the I/O APIC window" },
	{ 0xfed00000ull, 0xfed00fffull, "the HPET" },
	{ 0xfee00000ull, 0xfeefffffull, "the local APIC and MSI window" },
};

/* A decoded memory BAR: is it mappable into p at GPA == HPA? */
static int check_mem_bar(const struct partition *p, pci_bdf_t bdf, unsigned i, uint64_t base, uint64_t size,
			 char *why, size_t whylen)
{
	char what[120];

	if (size == 0)
		return failf(why, whylen, bdf, "BAR %u implements no address bits", i);
	if (base == 0)
		return failf(why, whylen, bdf, "BAR %u (%llu bytes) has no address: firmware did not assign it", i,
			     (unsigned long long)size);
	if (size < PAGE_SIZE)
		return failf(why, whylen, bdf,
			     "BAR %u (0x%llx, %llu bytes) is smaller than a 4 KiB page: mapping its page could expose another device",
			     i, (unsigned long long)base, (unsigned long long)size);
	if (base + size < base || base + size > S2_GPA_LIMIT)
		return failf(why, whylen, bdf, "BAR %u (0x%llx) is beyond the 48-bit guest-physical space", i,
			     (unsigned long long)base);
	if (base < p->ram_size)
		return failf(why, whylen, bdf, "BAR %u (0x%llx-0x%llx) overlaps the partition's RAM (0-0x%llx)", i,
			     (unsigned long long)base, (unsigned long long)(base + size - 1),
			     (unsigned long long)(p->ram_size - 1));
	for (size_t k = 0; k < ARRAY_SIZE(platform_windows); k++)
		if (base <= platform_windows[k].last && base + size > platform_windows[k].first)
			return failf(why, whylen, bdf, "refused: BAR %u (0x%llx-0x%llx) overlaps %s (0x%llx-0x%llx)", i,
				     (unsigned long long)base, (unsigned long long)(base + size - 1),
				     platform_windows[k].what, (unsigned long long)platform_windows[k].first,
				     (unsigned long long)platform_windows[k].last);
	if (host_range_used(p, false, base, size, what, sizeof(what)))
		return failf(why, whylen, bdf, "refused: BAR %u (0x%llx-0x%llx) overlaps %s", i,
			     (unsigned long long)base, (unsigned long long)(base + size - 1), what);
	return 0;
}

/*
 * Ports Septum emulates for every partition: an I/O BAR passed through
 * may not hide them (they would stop exiting) — the vUART, the PCI
 * configuration ports with the reset register 0xcf9, the keyboard
 * controller's command port, the test-exit and mark ports, the vACPI
 * sleep registers.
 */
static const struct { uint16_t first, last; const char *what; } emulated_ports[] = {
	{ VUART_BASE, VUART_BASE + VUART_PORTS - 1, "the virtual UART" },
	{ VPCI_ADDR_PORT, VPCI_DATA_PORT + 3, "PCI configuration space" },
	{ 0x64, 0x64, "the keyboard controller's reset port" },
	{ SEPTUM_TEST_EXIT_PORT, SEPTUM_MARK_PORT, "Septum's test ports" },
	{ VACPI_SLEEP_CTL_PORT, VACPI_SLEEP_STS_PORT, "the ACPI sleep registers" },
};

/* A decoded I/O BAR: can its ports go straight to the device? */
static int check_io_bar(const struct partition *p, pci_bdf_t bdf, unsigned i, uint64_t base, uint64_t size,
			char *why, size_t whylen)
{
	char what[120];

	if (size == 0)
		return failf(why, whylen, bdf, "BAR %u implements no port bits", i);
	if (base == 0)
		return failf(why, whylen, bdf, "I/O BAR %u (%llu ports) has no address: firmware did not assign it", i,
			     (unsigned long long)size);
	if (base + size > 0x10000)
		return failf(why, whylen, bdf, "I/O BAR %u (ports 0x%llx, %llu) ends beyond port 0xffff", i,
			     (unsigned long long)base, (unsigned long long)size);
	for (size_t k = 0; k < ARRAY_SIZE(emulated_ports); k++)
		if (base <= emulated_ports[k].last && base + size > emulated_ports[k].first)
			return failf(why, whylen, bdf, "I/O BAR %u (ports 0x%llx-0x%llx) overlaps %s (0x%x-0x%x)", i,
				     (unsigned long long)base, (unsigned long long)(base + size - 1),
				     emulated_ports[k].what, emulated_ports[k].first, emulated_ports[k].last);
	if (host_range_used(p, true, base, size, what, sizeof(what)))
		return failf(why, whylen, bdf, "refused: I/O BAR %u (ports 0x%llx-0x%llx) overlaps %s", i,
			     (unsigned long long)base, (unsigned long long)(base + size - 1), what);
	return 0;
}

static int decode_bars(const struct partition *p, struct vpci_dev *d, char *why, size_t whylen)
{
	uint32_t orig[PCI_NUM_BARS], mask[PCI_NUM_BARS];

	d->cmd0 = size_bars(d->bdf, orig, mask);
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		struct vpci_bar *b = &d->bar[i];
		uint32_t type = orig[i] & PCI_BAR_MEM_TYPE;
		uint64_t base, size;

		if (mask[i] == 0)
			continue;             /* not implemented */
		if (orig[i] & PCI_BAR_IO) {
			/* §7.5.1.2.1: bits 31:2 are the port address; only the
			 * low 16 exist on x86, upper ones may read as 0 or 1. */
			base = orig[i] & PCI_BAR_IO_MASK & 0xffffu;
			size = lowest_bit(mask[i] & PCI_BAR_IO_MASK & 0xffffu);
			if (check_io_bar(p, d->bdf, i, base, size, why, whylen))
				return -1;
			*b = (struct vpci_bar){ VPCI_BAR_IO, orig[i], mask[i], false };
			d->bar_base[i] = base;
			d->bar_size[i] = size;
			continue;
		}
		if (type == PCI_BAR_MEM_64) {
			if (i == PCI_NUM_BARS - 1)
				return failf(why, whylen, d->bdf, "BAR %u is 64-bit but is the last BAR", i);
			base = ((uint64_t)orig[i + 1] << 32) | (orig[i] & PCI_BAR_MEM_MASK);
			size = lowest_bit(((uint64_t)mask[i + 1] << 32) | (mask[i] & PCI_BAR_MEM_MASK));
		} else if (type == PCI_BAR_MEM_32 || type == PCI_BAR_MEM_1M) {
			base = orig[i] & PCI_BAR_MEM_MASK;
			size = lowest_bit(mask[i] & PCI_BAR_MEM_MASK);
		} else {
			return failf(why, whylen, d->bdf, "BAR %u has the reserved memory type 3", i);
		}
		if (check_mem_bar(p, d->bdf, i, base, size, why, whylen))
			return -1;
		*b = (struct vpci_bar){ type == PCI_BAR_MEM_64 ? VPCI_BAR_MEM64_LO : VPCI_BAR_MEM32, orig[i], mask[i],
					false };
		d->bar_base[i] = base;
		d->bar_size[i] = size;
		if (type == PCI_BAR_MEM_64) {
			i++;
			d->bar[i] = (struct vpci_bar){ VPCI_BAR_MEM64_HI, orig[i], mask[i], false };
		}
	}
	return 0;
}

/* Capabilities a guest may see: power management, MSI (filtered),
 * PCI-X, vendor-specific, PCI Express, SATA, advanced features. Hidden:
 * MSI-X (see the top of the file), Enhanced Allocation (fixed BARs outside
 * the BAR registers) and whatever Septum does not know. */
static bool cap_visible(uint8_t id)
{
	switch (id) {
	case PCI_CAP_ID_PM:
	case PCI_CAP_ID_MSI:
	case PCI_CAP_ID_PCIX:
	case PCI_CAP_ID_VNDR:
	case PCI_CAP_ID_EXP:
	case PCI_CAP_ID_SATA:
	case PCI_CAP_ID_AF:
		return true;
	default:
		return false;
	}
}

static unsigned msi_cap_len(uint32_t flags)
{
	/* §6.8.1, Figure 6-9: 10 bytes, +4 for the upper address, +10 for
	 * the reserved word, mask and pending bits. */
	return 10u + ((flags & PCI_MSI_FLAGS_64BIT) ? 4u : 0u) + ((flags & PCI_MSI_FLAGS_MASKBIT) ? 10u : 0u);
}

/* The length of a visible capability whose layout says it (0 if not):
 * PM 8 bytes (PCI PM 1.2 §3.2), PCI Express 0x3c (PCIe Base 4.0 §7.5.3),
 * AF 6, vendor-specific its own length byte (PCI 3.0 §6.7: byte 2). */
static unsigned known_len(const struct vpci_dev *d, const struct vpci_cap *c)
{
	unsigned vlen;

	switch (c->id) {
	case PCI_CAP_ID_PM:
		return 8;
	case PCI_CAP_ID_EXP:
		return PCI_EXP_CAP_LEN;
	case PCI_CAP_ID_AF:
		return PCI_AF_CAP_LEN;
	case PCI_CAP_ID_VNDR:
		vlen = pci_hw_read(d->bdf, c->off + 2, 1);
		return vlen >= 3 ? vlen : 0;
	default:
		return 0;
	}
}

/* Lengths: a known layout for MSI and MSI-X; for the others, up to the
 * next capability in memory (or the end of the space), so a hidden one
 * hides its whole body. */
static int cap_lengths(struct vpci_dev *d, char *why, size_t whylen)
{
	for (unsigned i = 0; i < d->ncaps; i++) {
		struct vpci_cap *c = &d->cap[i];
		unsigned end = PCI_CFG_SIZE, len;

		for (unsigned j = 0; j < d->ncaps; j++)
			if (d->cap[j].off > c->off && d->cap[j].off < end)
				end = d->cap[j].off;
		len = end - c->off;
		if (c->id == PCI_CAP_ID_MSI && !c->hidden) {
			uint32_t flags = pci_hw_read(d->bdf, c->off + PCI_MSI_FLAGS, 2);

			len = msi_cap_len(flags);
			if (c->off + len > end)
				return failf(why, whylen, d->bdf, "MSI capability at 0x%x overlaps the next one",
					     c->off);
			d->msi = c->off;
			d->msi64 = flags & PCI_MSI_FLAGS_64BIT;
		} else if (!c->hidden && known_len(d, c) && known_len(d, c) < len) {
			len = known_len(d, c);  /* the bytes after it are device-specific */
		} else if (c->id == PCI_CAP_ID_MSIX && len > PCI_MSIX_CAP_LEN) {
			len = PCI_MSIX_CAP_LEN;
		}
		c->len = (uint8_t)len;
	}
	return 0;
}

/* The first power management, PCI Express and advanced features
 * capabilities: their tables apply (the rules above); and whether the
 * function can be reset on its own (PCIe DevCap bit 28, AF FLR bit). */
static void note_cap(struct vpci_dev *d, uint8_t id, uint8_t off)
{
	if (id == PCI_CAP_ID_PM && !d->pm) {
		d->pm = off;
	} else if (id == PCI_CAP_ID_EXP && !d->exp) {
		d->exp = off;
		d->flr = d->flr || (pci_hw_read(d->bdf, off + PCI_EXP_DEVCAP, 4) & PCI_EXP_DEVCAP_FLR);
	} else if (id == PCI_CAP_ID_AF && !d->af) {
		d->af = off;
		d->flr = d->flr || (pci_hw_read(d->bdf, off + PCI_AF_CAP, 1) & PCI_AF_CAP_FLR);
	}
}

/* Reads the capability list (§6.7), refusing a list that points into the
 * header, outside the space or in a loop, then links the visible entries
 * in the list's order. */
static int read_caps(struct vpci_dev *d, char *why, size_t whylen)
{
	unsigned off;
	int last = -1;
	bool have_msi = false;

	if (!(pci_hw_read(d->bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	for (off = pci_hw_read(d->bdf, PCI_CAP_PTR, 1) & 0xfc; off; ) {
		struct vpci_cap *c;
		uint32_t hdr;

		if (off < PCI_HEADER_END || d->ncaps == VPCI_MAX_CAPS)
			return failf(why, whylen, d->bdf, "malformed capability list (pointer 0x%x)", off);
		hdr = pci_hw_read(d->bdf, off, 2);
		for (unsigned i = 0; i < d->ncaps; i++)
			if (d->cap[i].off == off)
				return failf(why, whylen, d->bdf, "malformed capability list (loop at 0x%x)", off);
		c = &d->cap[d->ncaps++];
		*c = (struct vpci_cap){ .off = (uint8_t)off, .id = (uint8_t)hdr, .hidden = !cap_visible((uint8_t)hdr) };
		if (c->id == PCI_CAP_ID_MSI) {
			c->hidden = c->hidden || have_msi;     /* a second MSI capability is not used */
			have_msi = true;
		}
		note_cap(d, c->id, c->off);
		if (!c->hidden) {
			if (last < 0)
				d->cap_ptr = c->off;
			else
				d->cap[last].next = c->off;
			last = (int)(d->ncaps - 1);
		}
		off = (hdr >> 8) & 0xfc;
	}
	return cap_lengths(d, why, whylen);
}

/*
 * Classes that are never assigned, whatever the function's BARs (PCI Code
 * and ID Assignment Specification 1.11, §1.7 and §1.9; an unknown subclass
 * of a listed base with sub 0xff matches the whole base). Each of them
 * controls something every partition depends on: a bridge decodes address
 * windows for others (an LPC/ISA bridge also holds the RCBA, PMBASE, GPIO
 * and flash-write enables and the SMI controls), an SMBus controller
 * reaches the memory SPDs, sensors and power sequencing, an IOMMU confines
 * every device's DMA, and the interrupt controllers, DMA controllers,
 * timers and RTC are the platform's own.
 */
static const struct refused_class {
	uint8_t base, sub;            /* sub 0xff: any subclass */
	const char *name, *rule;
} refused_classes[] = {
	{ 0x06, 0x00, "host bridge", "bridges control the platform" },
	{ 0x06, 0x01, "ISA bridge", "bridges control the platform" },
	{ 0x06, 0x02, "EISA bridge", "bridges control the platform" },
	{ 0x06, 0x03, "MCA bridge", "bridges control the platform" },
	{ 0x06, 0x04, "PCI-to-PCI bridge", "bridges control the platform" },
	{ 0x06, 0x05, "PCMCIA bridge", "bridges control the platform" },
	{ 0x06, 0x07, "CardBus bridge", "bridges control the platform" },
	{ 0x06, 0x09, "semi-transparent PCI-to-PCI bridge", "bridges control the platform" },
	{ 0x06, 0xff, "bridge", "bridges control the platform" },
	{ 0x08, 0x00, "interrupt controller", "the platform's interrupt controllers stay Septum's" },
	{ 0x08, 0x01, "DMA controller", "the platform's DMA controller can reach all memory" },
	{ 0x08, 0x02, "system timer", "the platform's timers stay Septum's" },
	{ 0x08, 0x03, "RTC controller", "the platform's clock stays Septum's" },
	{ 0x08, 0x06, "IOMMU", "an IOMMU confines every device's DMA" },
	{ 0x0c, 0x05, "SMBus controller", "SMBus reaches the platform's memory SPDs, sensors and power control" },
};

static const struct refused_class *class_refused(uint8_t base, uint8_t sub)
{
	for (size_t i = 0; i < ARRAY_SIZE(refused_classes); i++)
		if (refused_classes[i].base == base && (refused_classes[i].sub == sub || refused_classes[i].sub == 0xff))
			return &refused_classes[i];
	return NULL;
}

/* Everything about one listed function that can be checked without
 * changing it (BAR sizing restores what it touches). */
static int check_function(const struct partition *p, struct vpci_dev *d, char *why, size_t whylen)
{
	const struct refused_class *rc;
	uint32_t id, class, layout;

	if (d->bdf == HOST_BRIDGE_BDF)
		return failf(why, whylen, d->bdf, "is the host bridge; the partition has a virtual one there");
	id = pci_hw_read(d->bdf, PCI_VENDOR_ID, 4);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return failf(why, whylen, d->bdf, "no such function on this machine");
	d->vendor = (uint16_t)id;
	d->device = (uint16_t)(id >> 16);
	class = pci_hw_read(d->bdf, PCI_CLASS_SUB, 2);
	rc = class_refused((uint8_t)(class >> 8), (uint8_t)class);
	if (rc)
		return failf(why, whylen, d->bdf, "refused: class %02x/%02x (%s): %s", class >> 8, class & 0xff,
			     rc->name, rc->rule);
	/* A bridge under another class code is still a bridge. */
	layout = pci_hw_read(d->bdf, PCI_HEADER_TYPE, 1) & PCI_HEADER_LAYOUT;
	if (layout == 1)
		return failf(why, whylen, d->bdf, "refused: header type 1 (PCI-to-PCI bridge): bridges control the platform");
	if (layout == 2)
		return failf(why, whylen, d->bdf, "refused: header type 2 (CardBus bridge): bridges control the platform");
	if (layout != 0)
		return failf(why, whylen, d->bdf, "has the unknown header type %u", layout);
	if (decode_bars(p, d, why, whylen) || read_caps(d, why, whylen))
		return -1;
	return 0;
}

/* No two assigned BARs may share a byte: each is mapped once. */
static int check_overlaps(const struct vpci_dev *devs, unsigned n, char *why, size_t whylen)
{
	for (unsigned a = 0; a < n; a++)
		for (unsigned i = 0; i < PCI_NUM_BARS; i++)
			for (unsigned b = a; b < n; b++)
				for (unsigned j = (b == a ? i + 1 : 0); j < PCI_NUM_BARS; j++) {
					uint64_t s1 = devs[a].bar_base[i], e1 = s1 + devs[a].bar_size[i];
					uint64_t s2 = devs[b].bar_base[j], e2 = s2 + devs[b].bar_size[j];

					bool io1 = devs[a].bar[i].kind == VPCI_BAR_IO, io2 = devs[b].bar[j].kind == VPCI_BAR_IO;

					if (devs[a].bar_size[i] && devs[b].bar_size[j] && io1 == io2 && s1 < e2 && s2 < e1)
						return failf(why, whylen, devs[b].bdf,
							     "BAR %u overlaps BAR %u of " BDF_FMT, j, i,
							     BDF_ARGS(devs[a].bdf));
				}
	return 0;
}

/* Interrupt messages off until the guest sets them up through the filter:
 * a message firmware left enabled could target any CPU. */
static void quiesce_interrupts(const struct vpci_dev *d)
{
	for (unsigned i = 0; i < d->ncaps; i++) {
		const struct vpci_cap *c = &d->cap[i];
		uint32_t flags;

		if (c->id == PCI_CAP_ID_MSI) {
			flags = pci_hw_read(d->bdf, c->off + PCI_MSI_FLAGS, 2);
			if (flags & PCI_MSI_FLAGS_ENABLE)
				pci_hw_write(d->bdf, c->off + PCI_MSI_FLAGS, 2, flags & ~(uint32_t)PCI_MSI_FLAGS_ENABLE);
		} else if (c->id == PCI_CAP_ID_MSIX) {
			flags = pci_hw_read(d->bdf, c->off + PCI_MSIX_FLAGS, 2);
			if (flags & PCI_MSIX_FLAGS_ENABLE)
				pci_hw_write(d->bdf, c->off + PCI_MSIX_FLAGS, 2, flags & ~(uint32_t)PCI_MSIX_FLAGS_ENABLE);
		}
	}
}

static int map_bars(struct partition *p, const struct vpci_dev *d, bool verbose, char *why, size_t whylen)
{
	for (unsigned i = 0; i < PCI_NUM_BARS; i++) {
		uint64_t base = d->bar_base[i], size = d->bar_size[i];
		int rc;

		if (!size)
			continue;
		if (d->bar[i].kind == VPCI_BAR_IO) {
			if (verbose)
				pr_info("partition %s: PCI " BDF_FMT " BAR %u: ports 0x%llx-0x%llx passed through",
					p->name, BDF_ARGS(d->bdf), i, (unsigned long long)base,
					(unsigned long long)(base + size - 1));
			continue;      /* vpci_io_bitmap_open(), at each vCPU's set-up */
		}
		/* Uncached, no execute: device registers, never code. */
		rc = backend->s2_map_mmio(p, base, size);
		if (rc == -ENOMEM)
			return failf(why, whylen, d->bdf, "out of hypervisor memory for the EPT mapping BAR %u", i);
		if (rc == -EEXIST)
			return failf(why, whylen, d->bdf, "BAR %u (0x%llx) overlaps memory already mapped", i,
				     (unsigned long long)base);
		if (rc)
			return failf(why, whylen, d->bdf, "BAR %u (0x%llx, %llu bytes) cannot be mapped (error %d)", i,
				     (unsigned long long)base, (unsigned long long)size, rc);
		if (verbose)
			pr_info("partition %s: PCI " BDF_FMT " BAR %u mapped at 0x%llx (%llu KiB, uncached)", p->name,
				BDF_ARGS(d->bdf), i, (unsigned long long)base, (unsigned long long)(size >> 10));
	}
	return 0;
}

void vpci_io_bitmap_open(const struct partition *p, uint8_t *bitmap_a, uint8_t *bitmap_b)
{
	for (unsigned i = 0; i < p->vpci.ndevs; i++) {
		const struct vpci_dev *d = &p->vpci.dev[i];

		for (unsigned b = 0; b < PCI_NUM_BARS; b++) {
			if (d->bar[b].kind != VPCI_BAR_IO)
				continue;
			for (uint64_t port = d->bar_base[b]; port < d->bar_base[b] + d->bar_size[b]; port++) {
				uint8_t *bm = port < 0x8000 ? bitmap_a : bitmap_b;
				unsigned bit = (unsigned)(port & 0x7fff);

				bm[bit / 8] &= (uint8_t)~(1u << (bit % 8));
			}
		}
	}
}

/* The function stops: out of the EPT, bus mastering (DMA, and MSIs,
 * which are memory writes), decoding and INTx off, MSI and MSI-X off;
 * then, where it has one, a function level reset. True if an FLR was
 * started (the caller keeps away from the function for VPCI_FLR_WAIT_US). */
static bool quiesce(struct partition *p, struct vpci_dev *d)
{
	uint32_t cmd = pci_hw_read(d->bdf, PCI_COMMAND, 2);

	d->mem_on = false;
	set_mapped(p, d, false);
	pci_hw_write(d->bdf, PCI_COMMAND, 2,
		     (cmd & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER)) |
			     PCI_COMMAND_INTX_DISABLE);
	quiesce_interrupts(d);
	if (!d->flr)
		return false;
	flr_start(p, d);
	return true;
}

void vpci_end(struct partition *p)
{
	struct vpci_state *s = &p->vpci;
	unsigned flrs = 0;

	spin_lock(&s->lock);
	if (s->ended) {
		spin_unlock(&s->lock);
		return;
	}
	s->ended = true;
	for (unsigned i = 0; i < s->ndevs; i++)
		flrs += quiesce(p, &s->dev[i]);
	spin_unlock(&s->lock);
	if (s->ndevs)
		log_guest(p, LOG_INFO, "partition %s: %u PCI function(s) quiesced (bus mastering and MSI off), %u reset (FLR)", p->name,
			s->ndevs, flrs);
}

void vpci_reset(struct partition *p)
{
	struct vpci_state *s = &p->vpci;
	bool flr = false;

	spin_lock(&s->lock);
	s->addr = 0;
	for (unsigned i = 0; i < s->ndevs; i++)
		flr |= quiesce(p, &s->dev[i]);
	/* One wait for all: the CPU waiting is the restarting partition's. */
	if (flr)
		arch_udelay(VPCI_FLR_WAIT_US);
	for (unsigned i = 0; i < s->ndevs; i++) {
		struct vpci_dev *d = &s->dev[i];

		/* Back as vpci_init() found it, minus bus mastering. */
		quiesce_interrupts(d);
		restore_bars(d);
		for (unsigned b = 0; b < PCI_NUM_BARS; b++)
			d->bar[b].sizing = false;
		pci_hw_write(d->bdf, PCI_COMMAND, 2, d->cmd0 & ~(uint32_t)PCI_COMMAND_MASTER);
		d->mem_on = d->cmd0 & PCI_COMMAND_MEMORY;
		sync_mapping(p, d);
	}
	spin_unlock(&s->lock);
	if (s->uart.present)
		uart_reset(p);
}

int vpci_init(struct partition *p, char *why, size_t whylen)
{
	struct vpci_state *s = &p->vpci;
	unsigned n = p->cfg ? p->cfg->npci : 0;

	memset(s, 0, sizeof(*s));
	if (n > VPCI_MAX_DEVS) {
		snprintf(why, whylen, "PCI: %u functions listed, at most %u", n, VPCI_MAX_DEVS);
		return -1;
	}
	/* No IOMMU yet (issue 14): an assigned function can bus-master
	 * anywhere. Any function may be able to (its class does not say), so
	 * every assignment needs the config's consent (config.c refuses it
	 * too, with the line). */
	if (n && !p->cfg->dma_unconfined)
		return failf(why, whylen, PCI_BDF(p->cfg->pci[0].bus, p->cfg->pci[0].dev, p->cfg->pci[0].fn),
			     "refused: without an IOMMU its DMA can reach all memory; the partition needs dma = unconfined to accept that");
	/* Check everything first: a refused function leaves no mapping and
	 * no changed device behind. */
	for (unsigned i = 0; i < n; i++) {
		const struct cfg_pci *c = &p->cfg->pci[i];

		s->dev[i].bdf = PCI_BDF(c->bus, c->dev, c->fn);
		for (unsigned j = 0; j < i; j++)
			if (s->dev[j].bdf == s->dev[i].bdf)
				return failf(why, whylen, s->dev[i].bdf, "listed twice");
		if (check_function(p, &s->dev[i], why, whylen))
			return -1;
	}
	if (check_overlaps(s->dev, n, why, whylen))
		return -1;
	for (unsigned i = 0; i < n; i++) {
		struct vpci_dev *d = &s->dev[i];

		quiesce_interrupts(d);
		/* Every BAR is mapped once, so a clash with another mapping
		 * refuses the function now; then only what decodes stays. */
		if (map_bars(p, d, true, why, whylen))
			return -1;        /* out of memory: the partition is not started */
		/* No vCPU has run: nothing cached to invalidate (and this CPU
		 * may not be in VMX operation yet). */
		d->mem_on = d->cmd0 & PCI_COMMAND_MEMORY;
		d->mapped = decodes_memory(d);
		if (!d->mapped)
			unmap_bars(p, d);
		pr_warn("partition %s: PCI " BDF_FMT " assigned without an IOMMU: its DMA is not confined and can reach all memory, Septum's and other partitions' included",
			p->name, BDF_ARGS(d->bdf));
	}
	s->ndevs = n;
	/* Last: its device number is the highest the list leaves free. */
	if (p->os_guest && arch_console_irq_available() && uart_place(s, &s->uart.bdf)) {
		s->uart.present = true;
		pr_info("partition %s: console vUART also at PCI " BDF_FMT " (MSI)", p->name,
			BDF_ARGS(s->uart.bdf));
	}
	return 0;
}
