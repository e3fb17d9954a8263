// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <septum/abi.h>
#include <septum/arch.h>
#include <septum/log.h>
#include <septum/policy.h>
#include <septum/xapic.h>

#define CPUID1_ECX_MONITOR    (1u << 3)
#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_SMX        (1u << 6)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_ECX_EST        (1u << 7)
#define CPUID1_ECX_TM2        (1u << 8)
#define CPUID1_ECX_PDCM       (1u << 15)
#define CPUID1_EDX_MCE        (1u << 7)
#define CPUID1_EDX_APIC       (1u << 9)
#define CPUID1_EDX_MCA        (1u << 14)
#define CPUID1_EDX_DS         (1u << 21)
#define CPUID1_EDX_ACPI       (1u << 22)
#define CPUID1_EDX_TM         (1u << 29)
#define CPUID1_EDX_PBE        (1u << 31)
#define CPUID7_EBX_TSC_ADJUST (1u << 1)
#define CPUIDD1_EAX_XSAVEC    (1u << 1)
#define CPUIDD1_EAX_XSAVES    (1u << 3)
#define CPUIDD1_EAX_XFD       (1u << 4)
#define CPUID7_EDX_ARCH_CAPABILITIES (1u << 29)
#define CPUID_EXT1_ECX_SVM    (1u << 2)
#define CPUID_SVM_LEAF        0x8000000au

void cpuid_policy(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_result *r)
{
	const struct partition *p = v->part;

	switch (leaf) {
	case 1:
		/* VMX and SMX are Septum's; MONITOR/MWAIT exit to #UD. XSAVE is
		 * offered (XSETBV is checked and carried out, xcr0_check());
		 * OSXSAVE mirrors the guest's CR4, which the caller knows. Say a
		 * hypervisor is present. */
		r->ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_MONITOR | CPUID1_ECX_OSXSAVE |
			    CPUID1_ECX_EST | CPUID1_ECX_TM2 | CPUID1_ECX_PDCM);
		/* Machine checks, thermal monitoring, debug store: their MSRs are
		 * the platform's, not the partition's (docs/platform.md). */
		r->edx &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA | CPUID1_EDX_DS | CPUID1_EDX_ACPI |
			    CPUID1_EDX_TM | CPUID1_EDX_PBE);
		r->ecx |= CPUID1_ECX_HYPERVISOR;
		/* With IA32_APIC_BASE.EN clear the CPU reads as one without an
		 * APIC (SDM Vol. 3A §11.4.3). */
		if (apic_mode_of(v->apic_base) == APIC_MODE_DISABLED)
			r->edx &= ~CPUID1_EDX_APIC;
		break;
	case 6:     /* thermal and power management: none offered */
	case 0xa:   /* architectural performance monitoring: none offered */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 7:
		if (subleaf == 0) {
			/* IA32_TSC_ADJUST is emulated per vCPU (kernel/exit/regs.c); the
			 * ARCH_CAPABILITIES MSR exists on every host and claims
			 * nothing (msr_policy.h). */
			r->ebx |= CPUID7_EBX_TSC_ADJUST;
			r->edx |= CPUID7_EDX_ARCH_CAPABILITIES;
		}
		break;
	case 0xd:
		/* XSAVE features: XSAVES and XFD need IA32_XSS / IA32_XFD, which
		 * partitions do not get, so no supervisor state components
		 * either (SDM Vol. 1 §13.2). XSAVEC is not offered: guests use
		 * the standard format, whose layout CPUID.(0DH,i) states for
		 * every CPU (Linux with XSAVEC and AVX-512 corrupted memory on
		 * Bochs 2.7, whose compacted format is not the SDM's:
		 * docs/platform.md).
		 * XSAVEOPT and XGETBV with ECX = 1 stay. */
		if (subleaf == 1) {
			r->eax &= ~(CPUIDD1_EAX_XSAVEC | CPUIDD1_EAX_XSAVES | CPUIDD1_EAX_XFD);
			r->ecx = r->edx = 0;
		}
		break;
	case 0x15: {
		/* TSC/crystal ratio (SDM Vol. 2A CPUID leaf 15H): TSC Hz =
		 * ECX * EBX / EAX. A partition has no PIT or HPET to calibrate
		 * against. When the CPU enumerates all three values the
		 * frequency is exact and passes through; otherwise (ECX = 0 on
		 * many CPUs, or no leaf 15H) Septum states the frequency it
		 * measured against the 8254 at boot. */
		uint64_t hz = arch_tsc_hz();

		if (r->eax && r->ebx && r->ecx)
			break;
		if (hz) {
			unsigned div = 1;

			while (hz / div > 0xffffffffu)
				div *= 2;
			r->eax = 1;
			r->ebx = div;
			r->ecx = (uint32_t)(hz / div);
			r->edx = 0;
		}
		break;
	}
	case SEPTUM_CPUID_BASE:
		r->eax = SEPTUM_CPUID_MAX;
		r->ebx = SEPTUM_CPUID_SIG_EBX;
		r->ecx = SEPTUM_CPUID_SIG_ECX;
		r->edx = SEPTUM_CPUID_SIG_EDX;
		break;
	case SEPTUM_CPUID_INFO:
		r->eax = SEPTUM_ABI_VERSION;
		r->ebx = p->id;
		r->ecx = v->index;
		r->edx = p->nvcpus;
		break;
	case SEPTUM_CPUID_NAME0:
	case SEPTUM_CPUID_NAME1: {
		char name[SEPTUM_NAME_MAX] = { 0 };
		uint32_t w[4];

		strncpy(name, p->name, sizeof(name) - 1);
		memcpy(w, name + (leaf == SEPTUM_CPUID_NAME0 ? 0 : 16), sizeof(w));
		r->eax = w[0]; r->ebx = w[1]; r->ecx = w[2]; r->edx = w[3];
		break;
	}
	case 0x80000001u:
		/* SVM is Septum's as VMX is (AMD APM Vol. 3, CPUID Fn8000_0001
		 * ECX[2]); its instructions are #UD in a partition. */
		r->ecx &= ~CPUID_EXT1_ECX_SVM;
		break;
	case CPUID_SVM_LEAF:    /* the SVM feature leaf: nothing to describe */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case SEPTUM_CPUID_BOOT:
		r->eax = p->restarts;
		r->ebx = r->ecx = r->edx = 0;
		break;
	default:
		/* The rest of the hypervisor range is Septum's and empty. */
		if (leaf > SEPTUM_CPUID_MAX && leaf <= 0x4fffffffu)
			r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	}
}

/* XCR0 components (SDM Vol. 1 §13.1, §13.3). */
#define XCR0_X87       BIT(0)
#define XCR0_SSE       BIT(1)
#define XCR0_AVX       BIT(2)
#define XCR0_BNDREGS   BIT(3)
#define XCR0_BNDCSR    BIT(4)
#define XCR0_AVX512    (BIT(5) | BIT(6) | BIT(7))   /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_TILECFG   BIT(17)
#define XCR0_TILEDATA  BIT(18)

uint32_t xsave_compacted_size(uint64_t xcr0, void (*cpuid)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]))
{
	uint32_t size = 512 + 64;       /* legacy region + XSAVE header (SDM Vol. 1 §13.4) */

	for (unsigned i = 2; i < 64; i++) {
		uint32_t r[4];

		if (!(xcr0 & BIT(i)))
			continue;
		cpuid(0xd, i, r);
		if (r[2] & BIT(1))          /* ECX[1]: 64-byte aligned when compacted (§13.4.3) */
			size = (size + 63) & ~63u;
		size += r[0];
	}
	return size;
}

int xcr0_check(uint64_t supported, uint64_t val, char *why, size_t whylen)
{
	const char *bad = NULL;

	if (val & ~supported)
		bad = "a component the CPU does not support";
	else if (!(val & XCR0_X87))
		bad = "x87 (bit 0) clear";
	else if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		bad = "AVX without SSE";
	else if (!(val & XCR0_BNDREGS) != !(val & XCR0_BNDCSR))
		bad = "only one of the two MPX components";
	else if ((val & XCR0_AVX512) && ((val & XCR0_AVX512) != XCR0_AVX512 || !(val & XCR0_AVX)))
		bad = "AVX-512 components partly, or without AVX";
	else if (!(val & XCR0_TILECFG) != !(val & XCR0_TILEDATA))
		bad = "only one of the two AMX components";
	if (!bad)
		return 0;
	snprintf(why, whylen, "XCR0 value 0x%llx: %s", (unsigned long long)val, bad);
	return -1;
}

static int64_t hc_partition_info(struct vcpu *v, uint64_t gpa, uint64_t len)
{
	const struct partition *p = v->part;
	struct septum_partition_info info;
	void *dst;

	if (len < sizeof(info))
		return -SEPTUM_EINVAL;
	dst = guest_ptr(p, gpa, sizeof(info));
	if (!dst)
		return -SEPTUM_EFAULT;
	memset(&info, 0, sizeof(info));
	info.abi_version = SEPTUM_ABI_VERSION;
	info.partition_id = p->id;
	info.vcpu_index = v->index;
	info.vcpu_count = p->nvcpus;
	info.ram_size = p->ram_size;
	strncpy(info.name, p->name, sizeof(info.name) - 1);
	if (p->cfg)
		strncpy(info.cmdline, p->cfg->cmdline, sizeof(info.cmdline) - 1);
	memcpy(dst, &info, sizeof(info));
	return (int64_t)sizeof(info);
}

int64_t hypercall(struct vcpu *v, uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct partition *p = v->part;
	(void)a2;

	switch (nr) {
	case SEPTUM_HC_VERSION:
		return SEPTUM_ABI_VERSION;
	case SEPTUM_HC_CONSOLE_WRITE: {
		const char *s;

		if (a1 > SEPTUM_CONSOLE_MAX)
			return -SEPTUM_EINVAL;
		s = guest_ptr(p, a0, a1);
		if (!s)
			return -SEPTUM_EFAULT;
		vuart_put(&p->uart, s, (size_t)a1);
		return (int64_t)a1;
	}
	case SEPTUM_HC_PARTITION_EXIT:
		if (a0 > 255)
			return -SEPTUM_EINVAL;
		partition_exit(p, (int)a0);
		return 0;
	case SEPTUM_HC_PARTITION_INFO:
		return hc_partition_info(v, a0, a1);
	default:
		return -SEPTUM_ENOSYS;
	}
}

/* x2APIC ICR (SDM Vol. 3A §11.12.9 and §11.6.1 Figure 11-12):
 * bits 7:0 vector, 10:8 delivery mode, 11 destination mode (1 = logical),
 * 14 level, 15 trigger mode, 19:18 shorthand, 63:32 destination. */
#define ICR_VECTOR(icr)     ((uint8_t)((icr) & 0xff))
#define ICR_DM(icr)         ((unsigned)(((icr) >> 8) & 7))
#define ICR_LOGICAL         (1ull << 11)
#define ICR_LEVEL_ASSERT    (1ull << 14)
#define ICR_TRIGGER_LEVEL   (1ull << 15)
#define ICR_SHORTHAND(icr)  ((unsigned)(((icr) >> 18) & 3))
#define ICR_DEST(icr)       ((uint32_t)((icr) >> 32))
#define ICR_SEND_BITS       0xc7ffu      /* vector, delivery mode, level, trigger */
#define X2APIC_BROADCAST    0xffffffffu  /* destination "all" in either mode (§11.12.9) */

enum { DM_FIXED, DM_LOWPRI, DM_SMI, DM_RSVD3, DM_NMI, DM_INIT, DM_SIPI, DM_RSVD7 };

static const char *const dm_name[8] = { "fixed", "lowest-priority", "SMI", "reserved", "NMI",
					"INIT", "SIPI", "reserved" };

static cpuid_t cpu_of_apic_id(const struct partition *p, uint32_t apic_id)
{
	for (cpuid_t c = 0; c < CFG_MAX_CPUS; c++)
		if ((p->cpus & BIT(c)) && p->cpu_apic_id[c] == apic_id)
			return c;
	return CFG_MAX_CPUS;
}

/*
 * The CPUs a destination names, or -1 with a reason if any of them is not
 * the partition's. Logical x2APIC ids are fixed by the hardware: cluster
 * (id >> 4) in bits 31:16, bit (id & 15) set in bits 15:0 (§11.12.10.2).
 */
static int resolve_dest(const struct partition *p, uint64_t icr, uint64_t *cpus, char *why, size_t whylen)
{
	uint32_t d = ICR_DEST(icr);
	const char *dm = dm_name[ICR_DM(icr)];

	*cpus = 0;
	if (d == X2APIC_BROADCAST) {
		snprintf(why, whylen, "refused IPI (%s) to destination 0xffffffff: a broadcast reaches CPUs outside the partition",
			 dm);
		return -1;
	}
	if (!(icr & ICR_LOGICAL)) {
		cpuid_t c = cpu_of_apic_id(p, d);

		if (c == CFG_MAX_CPUS) {
			snprintf(why, whylen, "refused IPI (%s) to APIC id %u: not in partition", dm, d);
			return -1;
		}
		*cpus = BIT(c);
		return 0;
	}
	for (unsigned bit = 0; bit < 16; bit++) {
		uint32_t id = ((d >> 16) << 4) | bit;
		cpuid_t c;

		if (!(d & BIT(bit)))
			continue;
		c = cpu_of_apic_id(p, id);
		if (c == CFG_MAX_CPUS) {
			snprintf(why, whylen, "refused IPI (%s) to logical destination 0x%x: APIC id %u is not in partition",
				 dm, d, id);
			return -1;
		}
		*cpus |= BIT(c);
	}
	if (!*cpus) {
		snprintf(why, whylen, "refused IPI (%s) to logical destination 0x%x: names no CPU", dm, d);
		return -1;
	}
	return 0;
}

static enum ipi_verdict ipi_command(cpuid_t self, uint64_t icr, struct ipi_action *act, char *why, size_t whylen);

enum ipi_verdict icr_filter(const struct partition *p, cpuid_t self, uint64_t icr, struct ipi_action *act,
			    char *why, size_t whylen)
{
	unsigned dm = ICR_DM(icr), sh = ICR_SHORTHAND(icr);

	memset(act, 0, sizeof(*act));
	switch (sh) {
	case 0:
		if (resolve_dest(p, icr, &act->cpus, why, whylen))
			return IPI_REFUSE;
		break;
	case 1:                                 /* self: fixed only (§11.6.1) */
		if (dm != DM_FIXED) {
			snprintf(why, whylen, "%s IPI to self is not a valid ICR command", dm_name[dm]);
			return IPI_REFUSE;
		}
		act->cpus = BIT(self);
		break;
	case 2:                                 /* all including self: the partition's CPUs */
		if (dm == DM_INIT || dm == DM_SIPI) {
			snprintf(why, whylen, "%s IPI to all including self is not a valid ICR command", dm_name[dm]);
			return IPI_REFUSE;
		}
		act->cpus = p->cpus;
		break;
	default:                                /* all excluding self: the partition's other CPUs */
		act->cpus = p->cpus & ~BIT(self);
		break;
	}
	return ipi_command(self, icr, act, why, whylen);
}

/*
 * An xAPIC ICR (destination in bits 63:56, SDM Vol. 3A §11.6.1): the
 * shorthands and physical ids mean what they mean in x2APIC mode (id 0xff
 * is the broadcast); a logical destination is matched against the LDR and
 * DFR each of the partition's vCPUs in xAPIC mode has set (§11.6.2.2).
 * Those are virtual, so a logical IPI can only ever reach the partition.
 */
enum ipi_verdict xapic_icr_filter(const struct partition *p, cpuid_t self, uint64_t icr, struct ipi_action *act,
				  char *why, size_t whylen)
{
	uint8_t dest = (uint8_t)(icr >> 56);
	uint64_t low = (uint32_t)icr;

	if (ICR_SHORTHAND(icr) || !(icr & ICR_LOGICAL))
		return icr_filter(p, self, low | ((uint64_t)(dest == 0xff ? X2APIC_BROADCAST : dest) << 32), act,
				  why, whylen);
	memset(act, 0, sizeof(*act));
	for (unsigned i = 0; i < p->nvcpus; i++) {
		const struct vcpu *t = p->vcpu[i];

		if (t && apic_mode_of(t->apic_base) == APIC_MODE_XAPIC &&
		    xapic_logical_match(t->xapic.ldr, t->xapic.dfr, dest))
			act->cpus |= BIT(t->cpu);
	}
	if (!act->cpus) {
		snprintf(why, whylen, "IPI (%s) to logical xAPIC destination 0x%x: names no CPU", dm_name[ICR_DM(icr)],
			 dest);
		return IPI_IGNORE;
	}
	return ipi_command(self, icr, act, why, whylen);
}

/* The delivery mode's part, once act->cpus holds the targets. */
static enum ipi_verdict ipi_command(cpuid_t self, uint64_t icr, struct ipi_action *act, char *why, size_t whylen)
{
	unsigned dm = ICR_DM(icr);

	switch (dm) {
	case DM_FIXED:
	case DM_NMI:
		act->icr_low = (uint32_t)(icr & ICR_SEND_BITS);
		return act->cpus ? IPI_SEND : IPI_IGNORE;
	case DM_LOWPRI:
		/* Lowest priority is arbitration among the targets (§11.6.2.4);
		 * any one of them is a correct choice: the first. */
		act->icr_low = (uint32_t)(icr & ICR_SEND_BITS & ~0x700u);
		act->cpus &= -act->cpus;
		return act->cpus ? IPI_SEND : IPI_IGNORE;
	case DM_INIT:
		/* INIT level de-assert (level 0, trigger level) only synchronises
		 * arbitration ids on old CPUs: nothing to do (§11.6.1). */
		if (!(icr & ICR_LEVEL_ASSERT) && (icr & ICR_TRIGGER_LEVEL))
			return IPI_IGNORE;
		act->cpus &= ~BIT(self);        /* INIT to oneself: not a start-up, refuse below */
		if (!act->cpus) {
			snprintf(why, whylen, "refused INIT IPI to the sending CPU itself");
			return IPI_REFUSE;
		}
		return IPI_INIT;
	case DM_SIPI:
		act->cpus &= ~BIT(self);
		act->vector = ICR_VECTOR(icr);
		return act->cpus ? IPI_SIPI : IPI_IGNORE;
	default:
		snprintf(why, whylen, "refused IPI (%s): delivery mode not allowed", dm_name[dm]);
		return IPI_REFUSE;
	}
}
