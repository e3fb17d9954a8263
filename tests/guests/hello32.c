/* SPDX-License-Identifier: MIT */
/*
 * hello32 (32-bit): runs in flat protected mode with paging off, as Septum
 * enters an ELFCLASS32 image (docs/guests.md). Checks the mode it was given,
 * the CPUID signature and a hypercall made with 32-bit registers, then ends
 * through SEPTUM_HC_PARTITION_EXIT rather than the exit port.
 */
#include "guest.h"

#define CR0_PE (1ul << 0)
#define CR0_PG (1ul << 31)

static int check_mode(void)
{
	unsigned long cr0 = read_cr0();

	if ((cr0 & CR0_PE) && !(cr0 & CR0_PG)) {
		gprintf("cr0 %lx: protected mode, paging off\n", cr0);
		return 0;
	}
	gprintf("FAIL: cr0 %lx is not protected mode without paging\n", cr0);
	return 1;
}

static int check_signature(void)
{
	struct cpuid_regs r = cpuid(SEPTUM_CPUID_BASE, 0);
	char sig[13];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	sig[12] = '\0';
	if (r.ebx == SEPTUM_CPUID_SIG_EBX && r.ecx == SEPTUM_CPUID_SIG_ECX &&
	    r.edx == SEPTUM_CPUID_SIG_EDX) {
		gprintf("cpuid signature %s\n", sig);
		return 0;
	}
	gprintf("FAIL: cpuid signature %x %x %x is not SeptumSeptum\n", r.ebx, r.ecx, r.edx);
	return 1;
}

static int check_info(void)
{
	struct septum_partition_info info;
	struct cpuid_regs id = cpuid(SEPTUM_CPUID_INFO, 0);
	long ret = guest_query_info(&info);

	if (ret != (long)sizeof(info)) {
		gprintf("FAIL: PARTITION_INFO returned %ld\n", ret);
		return 1;
	}
	if (info.partition_id != id.ebx || info.vcpu_count != id.edx) {
		gprintf("FAIL: PARTITION_INFO id %u cpus %u disagrees with CPUID id %u cpus %u\n",
			info.partition_id, info.vcpu_count, id.ebx, id.edx);
		return 1;
	}
	info.name[SEPTUM_NAME_MAX - 1] = '\0';
	gprintf("hypercall info ok (%s, partition %u)\n", info.name, info.partition_id);
	return 0;
}

int main(void)
{
	int failed = 0;

	gprintf("hello from 32-bit protected mode\n");
	failed += check_mode();
	failed += check_signature();
	failed += check_info();
	gprintf("hello32 done: %d failed, exiting through PARTITION_EXIT\n", failed);
	hc_partition_exit((unsigned int)failed);
}
