// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <septum/abi.h>
#include <septum/arch.h>
#include <septum/log.h>
#include <septum/policy.h>

#define CPUID1_ECX_MONITOR    (1u << 3)
#define CPUID1_ECX_VMX        (1u << 5)
#define CPUID1_ECX_SMX        (1u << 6)
#define CPUID1_ECX_XSAVE      (1u << 26)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID1_ECX_EST        (1u << 7)
#define CPUID1_ECX_TM2        (1u << 8)
#define CPUID1_ECX_PDCM       (1u << 15)
#define CPUID1_EDX_MCE        (1u << 7)
#define CPUID1_EDX_MCA        (1u << 14)
#define CPUID1_EDX_DS         (1u << 21)
#define CPUID1_EDX_ACPI       (1u << 22)
#define CPUID1_EDX_TM         (1u << 29)
#define CPUID1_EDX_PBE        (1u << 31)
#define CPUID7_EBX_TSC_ADJUST (1u << 1)
#define CPUID7_EDX_ARCH_CAPABILITIES (1u << 29)

void cpuid_policy(const struct vcpu *v, uint32_t leaf, uint32_t subleaf, struct cpuid_result *r)
{
	const struct partition *p = v->part;

	switch (leaf) {
	case 1:
		/* VMX and SMX are Septum's; MONITOR/MWAIT exit to #UD; XSETBV
		 * is not emulated yet, so XSAVE is not offered. Say a hypervisor
		 * is present. */
		r->ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_SMX | CPUID1_ECX_MONITOR | CPUID1_ECX_XSAVE |
			    CPUID1_ECX_OSXSAVE | CPUID1_ECX_EST | CPUID1_ECX_TM2 | CPUID1_ECX_PDCM);
		/* Machine checks, thermal monitoring, debug store: their MSRs are
		 * the platform's, not the partition's (docs/platform.md). */
		r->edx &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA | CPUID1_EDX_DS | CPUID1_EDX_ACPI |
			    CPUID1_EDX_TM | CPUID1_EDX_PBE);
		r->ecx |= CPUID1_ECX_HYPERVISOR;
		break;
	case 6:     /* thermal and power management: none offered */
	case 0xa:   /* architectural performance monitoring: none offered */
		r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	case 7:
		if (subleaf == 0) {
			/* No IA32_TSC_ADJUST (the TSC is the host's, per CPU); the
			 * ARCH_CAPABILITIES MSR exists (it carries the x2APIC lock). */
			r->ebx &= ~CPUID7_EBX_TSC_ADJUST;
			r->edx |= CPUID7_EDX_ARCH_CAPABILITIES;
		}
		break;
	case 0x15: {
		/* TSC/crystal ratio (SDM Vol. 2A CPUID leaf 15H): TSC Hz =
		 * ECX * EBX / EAX. A partition has no PIT or HPET to calibrate
		 * against, so Septum states the frequency it measured. */
		uint64_t hz = arch_tsc_hz();

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
	default:
		/* The rest of the hypervisor range is Septum's and empty. */
		if (leaf > SEPTUM_CPUID_MAX && leaf <= 0x4fffffffu)
			r->eax = r->ebx = r->ecx = r->edx = 0;
		break;
	}
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
 * 19:18 shorthand, 63:32 destination. */
#define ICR_VECTOR(icr)     ((unsigned)((icr) & 0xff))
#define ICR_DM(icr)         ((unsigned)(((icr) >> 8) & 7))
#define ICR_LOGICAL         (1ull << 11)
#define ICR_SHORTHAND(icr)  ((unsigned)(((icr) >> 18) & 3))
#define ICR_DEST(icr)       ((uint32_t)((icr) >> 32))

static const char *const dm_name[8] = { "fixed", "lowest-priority", "SMI", "reserved", "NMI",
					"INIT", "SIPI", "reserved" };

enum ipi_verdict icr_filter(const struct partition *p, const uint32_t *cpu_apic_ids, uint64_t icr,
			    uint32_t *dest, char *why, size_t whylen)
{
	unsigned dm = ICR_DM(icr), sh = ICR_SHORTHAND(icr);
	uint32_t target = ICR_DEST(icr);

	if (sh == 1) {                     /* self */
		if (dm != 0) {
			snprintf(why, whylen, "%s IPI to self is not a valid ICR command", dm_name[dm]);
			return IPI_REFUSE;
		}
		*dest = IPI_DEST_SELF;
		return IPI_ALLOW;
	}
	if (sh != 0) {
		snprintf(why, whylen, "refused IPI (%s) to all%s: broadcasts reach CPUs outside the partition",
			 dm_name[dm], sh == 3 ? " excluding self" : "");
		return IPI_REFUSE;
	}
	if (icr & ICR_LOGICAL) {
		snprintf(why, whylen, "refused IPI (%s) in logical destination mode 0x%x: not supported",
			 dm_name[dm], target);
		return IPI_REFUSE;
	}
	for (unsigned c = 0; c < CFG_MAX_CPUS; c++) {
		if (!(p->cpus & BIT(c)) || cpu_apic_ids[c] != target)
			continue;
		if (dm == 5 || dm == 6) {
			/* Starting the partition's own APs is emulated (guest OS
			 * support); until then it is refused, not forwarded: a real
			 * INIT would reset a CPU Septum is running on. */
			snprintf(why, whylen, "refused IPI (%s) to APIC id %u: starting vCPUs is not supported yet",
				 dm_name[dm], target);
			return IPI_REFUSE;
		}
		if (dm != 0 && dm != 4) {
			snprintf(why, whylen, "refused IPI (%s) to APIC id %u: delivery mode not allowed",
				 dm_name[dm], target);
			return IPI_REFUSE;
		}
		*dest = target;
		return IPI_ALLOW;
	}
	snprintf(why, whylen, "refused IPI (%s) to APIC id %u: not in partition", dm_name[dm], target);
	return IPI_REFUSE;
}
