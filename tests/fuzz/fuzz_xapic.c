/* SPDX-License-Identifier: MIT */
/*
 * The xAPIC register page as a guest drives it (kernel/dev/xapic.c), over an
 * x2APIC that stays in x2APIC mode underneath, and what an ICR write then
 * becomes (kernel/exit/policy.c, xapic_icr_filter). The input picks the host
 * APIC (version register, CMCI, TSC deadline), the APIC ids of a partition
 * of up to four vCPUs, then is a sequence of 7-byte records: vCPU and
 * operation, page offset (16-byte aligned, as vmx/exit.c requires), value.
 *
 * The fake x2APIC is the oracle for everything that reaches the hardware:
 * in Septum a WRMSR/RDMSR of an x2APIC MSR the CPU lacks, of a read-only
 * or write-only one, or with a reserved bit set is a #GP in the hypervisor
 * (SDM Vol. 3A §11.12.1.2, Table 11-6, Figures 11-8, 11-10, 11-18, 11-23).
 * Besides: reserved page offsets read 0, the xAPIC-only registers keep
 * their fixed bits, and an IPI the filter lets through names only the
 * partition's CPUs with a command the hardware may be given.
 */
#include <string.h>
#include <septum/policy.h>
#include <septum/xapic.h>
#include "fuzz.h"

#define NVCPUS   4
#define REC_SIZE 7

/* ------------------------------------------------------- the fake x2APIC */

struct hw {
	uint64_t msr[0x100];      /* 0x800-0x8ff */
	uint32_t features;        /* XAPIC_HW_* */
};

static unsigned maxlvt(const struct hw *h)
{
	return (unsigned)(h->msr[0x03] >> 16) & 0xff;
}

/* Table 11-6: which x2APIC MSRs exist, given the version register and
 * MCG_CAP.CMCI_P. */
static bool msr_exists(const struct hw *h, uint32_t m)
{
	switch (m) {
	case 0x802: case 0x803: case 0x808: case 0x80a: case 0x80b: case 0x80d: case 0x80f:
	case 0x828: case 0x830: case 0x832: case 0x835: case 0x836: case 0x837: case 0x838:
	case 0x839: case 0x83e: case 0x83f:
		return true;
	case 0x82f: return maxlvt(h) >= 6 && (h->features & XAPIC_HW_CMCI);
	case 0x833: return maxlvt(h) >= 5;
	case 0x834: return maxlvt(h) >= 4;
	default:
		return m >= 0x810 && m <= 0x827;   /* ISR, TMR, IRR */
	}
}

static uint64_t hw_read(void *ctx, uint32_t m)
{
	const struct hw *h = ctx;

	FUZZ_ASSERT(m >= 0x800 && m <= 0x8ff);
	FUZZ_ASSERT(msr_exists(h, m));
	FUZZ_ASSERT(m != 0x80b && m != 0x83f);              /* EOI, SELF IPI: write-only */
	return h->msr[m - 0x800];
}

/* The bits a WRMSR may set without #GP; 0 for a read-only MSR. */
static uint64_t msr_writable(const struct hw *h, uint32_t m, uint64_t val)
{
	unsigned mode = (unsigned)(val >> 17) & 3;

	switch (m) {
	case 0x808: return 0xff;                                      /* TPR */
	case 0x80b: case 0x828: return 0;                             /* EOI, ESR: 0 only */
	case 0x80f: return 0x1ff | ((h->msr[0x03] & BIT(24)) ? BIT(12) : 0);   /* SVR */
	case 0x832:                                                   /* LVT timer */
		if (mode == 3 || (mode == 2 && !(h->features & XAPIC_HW_TSC_DEADLINE)))
			return 0;
		return 0xff | BIT(16) | (3u << 17);
	case 0x82f: case 0x833: case 0x834: return 0xff | 0x700 | BIT(16);
	case 0x835: case 0x836: return 0xff | 0x700 | BIT(13) | BIT(15) | BIT(16);
	case 0x837: return 0xff | BIT(16);
	case 0x838: return 0xffffffffu;
	case 0x83e: return 0xb;
	default: return 0;
	}
}

static void hw_write(void *ctx, uint32_t m, uint64_t val)
{
	struct hw *h = ctx;

	FUZZ_ASSERT(m >= 0x800 && m <= 0x8ff);
	FUZZ_ASSERT(msr_exists(h, m));
	/* The ICR is the caller's to send, after the filter; never here. */
	FUZZ_ASSERT(m != 0x830 && m != 0x83f);
	if (m == 0x80b || m == 0x828) {
		FUZZ_ASSERT(val == 0);
		return;
	}
	FUZZ_ASSERT(msr_writable(h, m, val) != 0);
	FUZZ_ASSERT((val & ~msr_writable(h, m, val)) == 0);
	h->msr[m - 0x800] = val;
}

/* --------------------------------------------------------------- oracles */

/* Offsets Table 11-1 lists as reserved, or registers with nothing to read
 * in xAPIC mode here (EOI is write-only, APR and RRD are not modelled). */
static bool reads_zero(unsigned off)
{
	if (off >= 0x400)
		return true;
	switch (off) {
	case 0x000: case 0x010: case 0x040: case 0x050: case 0x060: case 0x070: case 0x090:
	case 0x0b0: case 0x0c0: case 0x3a0: case 0x3b0: case 0x3c0: case 0x3d0: case 0x3f0:
		return true;
	default:
		return off >= 0x290 && off <= 0x2e0;
	}
}

static void check_read(const struct xapic_state *s, const struct hw *h, unsigned off, uint32_t v)
{
	if (reads_zero(off))
		FUZZ_ASSERT(v == 0);
	switch (off) {
	case 0x020: FUZZ_ASSERT(v == (uint32_t)h->msr[0x02] << 24); break;
	case 0x0d0: FUZZ_ASSERT((v & 0x00ffffffu) == 0 && v == s->ldr); break;
	case 0x0e0: FUZZ_ASSERT((v & 0x0fffffffu) == 0x0fffffffu && v == s->dfr); break;
	case 0x300: FUZZ_ASSERT((v & ~0x000ccfffu) == 0); break;  /* delivery status always idle */
	case 0x310: FUZZ_ASSERT((v & 0x00ffffffu) == 0); break;
	default: break;
	}
}

#define ICR_SEND_BITS 0xc7ffu

static void check_ipi(const struct partition *p, const struct vcpu *v, uint64_t icr)
{
	struct ipi_action act;
	char why[160];
	enum ipi_verdict verdict;

	why[0] = 0;
	memset(&act, 0xa5, sizeof(act));
	verdict = xapic_icr_filter(p, v->cpu, icr, &act, why, sizeof(why));
	FUZZ_ASSERT(memchr(why, 0, sizeof(why)));
	switch (verdict) {
	case IPI_REFUSE:
		FUZZ_ASSERT(why[0]);
		return;
	case IPI_SEND:
		/* Physical destination, no shorthand, fixed or NMI only. */
		FUZZ_ASSERT((act.icr_low & ~ICR_SEND_BITS) == 0);
		FUZZ_ASSERT(((act.icr_low >> 8) & 7) == 0 || ((act.icr_low >> 8) & 7) == 4);
		FUZZ_ASSERT(act.cpus != 0);
		break;
	case IPI_INIT:
	case IPI_SIPI:
		FUZZ_ASSERT(act.cpus != 0 && !(act.cpus & BIT(v->cpu)));
		break;
	case IPI_IGNORE:
		break;
	default:
		FUZZ_ASSERT(!"unknown verdict");
	}
	FUZZ_ASSERT((act.cpus & ~p->cpus) == 0);
}

/* ------------------------------------------------------------ the run */

static struct partition part;
static struct vcpu vcpus[NVCPUS];
static struct hw hw;

static void setup(struct fuzz_in *in)
{
	unsigned sel = (unsigned)fuzz_take(in, 1);

	memset(&part, 0, sizeof(part));
	memset(vcpus, 0, sizeof(vcpus));
	memset(&hw, 0, sizeof(hw));
	/* Version 0x14 (an integrated APIC), max LVT 3..6, EOI-broadcast
	 * suppression offered or not. */
	hw.msr[0x03] = 0x14 | ((uint64_t)(3 + (sel & 3)) << 16) | ((sel & 4) ? BIT(24) : 0);
	hw.features = ((sel & 8) ? XAPIC_HW_CMCI : 0) | ((sel & 16) ? XAPIC_HW_TSC_DEADLINE : 0);
	part.name = "fuzz";
	part.nvcpus = NVCPUS;
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++)
		part.cpu_apic_id[c] = 0xffffffffu;
	for (unsigned i = 0; i < NVCPUS; i++) {
		struct vcpu *v = &vcpus[i];
		uint32_t id = (uint32_t)fuzz_take(in, 1);

		v->part = &part;
		v->index = i;
		v->cpu = 2 * i + 1;   /* CPUs 1, 3, 5, 7: the even ones are another partition's */
		/* Ids from the input (0xff and up: does not fit xAPIC mode). */
		part.cpu_apic_id[v->cpu] = (sel & 32) && i == NVCPUS - 1 ? 0x100 + id : id;
		part.cpus |= BIT(v->cpu);
		part.vcpu[i] = v;
		/* As vmx/vcpu.c starts them: x2APIC mode (xAPIC mode is reached
		 * through disabled, as the architecture requires). */
		v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD | (i == 0 ? APIC_BASE_BSP : 0);
		xapic_reset(&v->xapic);
	}
}

/* A guest WRMSR to IA32_APIC_BASE, as vmx/exit.c carries it out. */
static void set_apic_base(struct vcpu *v, uint32_t val)
{
	static const uint64_t mode[4] = { 0, APIC_BASE_EN, APIC_BASE_EN | APIC_BASE_EXTD, APIC_BASE_EXTD };
	uint64_t to = APIC_BASE_DEFAULT | (v->apic_base & APIC_BASE_BSP) | mode[val & 3];
	char why[128];

	if (val & 4)
		to ^= (uint64_t)(val >> 8) << 8;    /* the base, BSP, reserved bits */
	why[0] = 0;
	if (apic_base_check(v->apic_base, to, part.cpu_apic_id[v->cpu], why, sizeof(why))) {
		FUZZ_ASSERT(why[0]);
		return;
	}
	FUZZ_ASSERT((to & APIC_BASE_ADDR_MASK) == APIC_BASE_DEFAULT);
	FUZZ_ASSERT(apic_mode_of(to) != APIC_MODE_XAPIC || part.cpu_apic_id[v->cpu] <= XAPIC_MAX_ID);
	if (apic_mode_of(v->apic_base) == APIC_MODE_DISABLED && apic_mode_of(to) != APIC_MODE_DISABLED)
		xapic_reset(&v->xapic);
	v->apic_base = to;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };

	setup(&in);
	while (in.n >= REC_SIZE) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		unsigned off = (unsigned)fuzz_take(&in, 2) & (XAPIC_PAGE_SIZE - 16);
		uint32_t val = (uint32_t)fuzz_take(&in, 4);
		struct vcpu *v = &vcpus[op % NVCPUS];
		uint64_t icr = 0;

		const struct x2apic_ops ops = { hw_read, hw_write, &hw, hw.features };

		hw.msr[0x02] = part.cpu_apic_id[v->cpu];
		/* Disabled: the page is nothing, vmx/exit.c answers all ones. */
		if ((op >> 2) % 4 != 3 && apic_mode_of(v->apic_base) == APIC_MODE_DISABLED)
			continue;
		switch ((op >> 2) % 4) {
		case 0:
			check_read(&v->xapic, &hw, off, xapic_read(&v->xapic, &ops, off));
			break;
		case 1:
		case 2:
			if (xapic_write(&v->xapic, &ops, off, val, &icr)) {
				FUZZ_ASSERT(off == 0x300);
				FUZZ_ASSERT((uint32_t)icr == (val & 0x000ccfffu));
				FUZZ_ASSERT((icr >> 32) == v->xapic.icr_high && (v->xapic.icr_high & 0x00ffffffu) == 0);
				check_ipi(&part, v, icr);
			} else {
				FUZZ_ASSERT(off != 0x300);
			}
			break;
		default:
			set_apic_base(v, val);
			break;
		}
	}
	return 0;
}
