/* SPDX-License-Identifier: MIT */
/*
 * Reads what the CPU says about its transient-execution bugs, lets
 * kernel/spec.c choose the mitigations, logs them and applies the parts that
 * are not in vmx/entry.S. Every MSR touched here is guarded by the CPUID bit
 * that says it exists: a #GP in VMX root would be hv_panic.
 */
#include <stddef.h>
#include <string.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <septum/log.h>
#include <septum/spec.h>
#include <vmx/spec_hw.h>

_Static_assert(offsetof(struct percpu, spec_ctrl_guest) == PERCPU_SPEC_CTRL_GUEST, "vmx/entry.S");
_Static_assert(offsetof(struct percpu, spec_ctrl_host) == PERCPU_SPEC_CTRL_HOST, "vmx/entry.S");

unsigned spec_entry_flags;
static struct spec_cpu cpu;
static struct spec_set set;
static bool chosen;

static enum spec_vendor vendor(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	char id[13];

	memcpy(id, &r.ebx, 4);
	memcpy(id + 4, &r.edx, 4);
	memcpy(id + 8, &r.ecx, 4);
	id[12] = '\0';
	if (!strcmp(id, "GenuineIntel"))
		return SPEC_VENDOR_INTEL;
	if (!strcmp(id, "AuthenticAMD"))
		return SPEC_VENDOR_AMD;
	return SPEC_VENDOR_OTHER;
}

/* CPUID leaves 7.0, 7.2 and 0x80000008, each only where the maximum leaf
 * reaches it; IA32_ARCH_CAPABILITIES only with CPUID.7.EDX[29]. */
static void read_cpu(struct spec_cpu *c)
{
	uint32_t max = cpuid(0, 0).eax, max_ext = cpuid(0x80000000u, 0).eax;

	memset(c, 0, sizeof(*c));
	c->vendor = vendor();
	if (max >= 7) {
		struct cpuid_regs r = cpuid(7, 0);

		c->cpuid7_ebx = r.ebx;
		c->cpuid7_edx = r.edx;
		if (r.eax >= 2)
			c->cpuid7_2_edx = cpuid(7, 2).edx;
	}
	if (max_ext >= 0x80000008u)
		c->amd8_ebx = cpuid(0x80000008u, 0).ebx;
	if (c->cpuid7_edx & CPUID7_EDX_ARCH_CAP)
		c->arch_cap = rdmsr(MSR_IA32_ARCH_CAP);
#ifdef SEPTUM_RETPOLINE
	c->retpoline = true;        /* Makefile: -mindirect-branch=thunk */
#endif
}

static void choose(void)
{
	char line[160];

	read_cpu(&cpu);
	spec_select(&cpu, &set);
	pr_info("mitigation: CPU: ARCH_CAPABILITIES 0x%llx, CPUID.7.0 EBX 0x%x EDX 0x%x, 7.2 EDX 0x%x, 0x80000008 EBX 0x%x",
		(unsigned long long)cpu.arch_cap, cpu.cpuid7_ebx, cpu.cpuid7_edx, cpu.cpuid7_2_edx, cpu.amd8_ebx);
	for (unsigned i = 0; spec_format_line(&cpu, &set, i, line, sizeof(line)) >= 0; i++)
		pr_info("mitigation: %s", line);
	spec_entry_flags = set.entry_flags;
	chosen = true;
}

void spec_cpu_init(void)
{
	struct percpu *pc = this_cpu();

	if (!chosen)
		choose();
	pc->spec_ctrl_guest = 0;
	pc->spec_ctrl_host = set.host_spec_ctrl;
	/* eIBRS: set once here and kept (entry.S restores it after every
	 * exit); legacy IBRS: entry.S writes it again on every exit. */
	if (set.spec_ctrl)
		wrmsr(MSR_IA32_SPEC_CTRL, set.host_spec_ctrl);
}

void spec_partition_start(void)
{
	this_cpu()->spec_ctrl_guest = 0;
	if (set.ibpb)
		wrmsr(MSR_IA32_PRED_CMD, PRED_CMD_IBPB);
}
