// SPDX-License-Identifier: MIT
/*
 * Fakes of the vmx/exit.h hardware hooks and of describe_hpa(): CPUID answers
 * from a table the test fills, IPIs and EOIs recorded instead of sent.
 */
#include <stdio.h>
#include <string.h>
#include <septum/partition.h>
#include <septum/xapic.h>
#include <septum/exit.h>
#include <vmx/exit.h>
#include <fakes.h>

uint32_t fake_apic_id[FAKE_MAX_CPUS];
unsigned fake_ipi_count;
struct fake_ipi fake_ipis[FAKE_IPIS_MAX];
unsigned fake_eoi_count;
unsigned fake_nmi_unblocks;
unsigned fake_cpuid_calls;
unsigned fake_describe_calls;
uint64_t fake_describe_last;

struct cpuid_entry { uint32_t leaf, subleaf, r[4]; };
static struct cpuid_entry cpuid_table[FAKE_CPUID_MAX];
static unsigned cpuid_n;

void fake_hw_reset(void)
{
	/* APIC ids deliberately differ from CPU indices, so code that mixes
	 * the two up is caught. */
	for (unsigned c = 0; c < FAKE_MAX_CPUS; c++)
		fake_apic_id[c] = 0x10 + 2 * c;
	fake_ipi_count = 0;
	memset(fake_ipis, 0, sizeof(fake_ipis));
	fake_eoi_count = 0;
	memset(fake_apic_msr, 0, sizeof(fake_apic_msr));
	fake_apic_resets = 0;
	fake_xsetbv_count = 0;
	fake_xcr0 = 1;
	fake_nmi_unblocks = 0;
	fake_cr4_fixed1 = 0x3767ffull;
	fake_apic_features = XAPIC_HW_CMCI | XAPIC_HW_TSC_DEADLINE;
	fake_mce_action = MCE_CONTINUE;
	fake_mce_calls = 0;
	fake_invept_count = 0;
	fake_cpuid_calls = 0;
	fake_describe_calls = 0;
	fake_describe_last = 0;
	cpuid_n = 0;
}

void fake_cpuid_set(uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	for (unsigned i = 0; i < cpuid_n; i++)
		if (cpuid_table[i].leaf == leaf && cpuid_table[i].subleaf == subleaf) {
			cpuid_table[i] = (struct cpuid_entry){ leaf, subleaf, { eax, ebx, ecx, edx } };
			return;
		}
	if (cpuid_n < FAKE_CPUID_MAX)
		cpuid_table[cpuid_n++] = (struct cpuid_entry){ leaf, subleaf, { eax, ebx, ecx, edx } };
}

/* A recognisable answer that depends on the leaf and subleaf. */
void fake_cpuid_default(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	out[0] = leaf ^ 0x11111111u;
	out[1] = leaf ^ 0x22222222u;
	out[2] = (leaf ^ 0x33333333u) + subleaf;
	out[3] = leaf ^ 0x44444444u;
}

void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	fake_cpuid_calls++;
	for (unsigned i = 0; i < cpuid_n; i++)
		if (cpuid_table[i].leaf == leaf && cpuid_table[i].subleaf == subleaf) {
			memcpy(out, cpuid_table[i].r, sizeof(cpuid_table[i].r));
			return;
		}
	fake_cpuid_default(leaf, subleaf, out);
}

void hw_send_ipi(uint32_t apic_id, uint64_t icr_low)
{
	if (fake_ipi_count < FAKE_IPIS_MAX)
		fake_ipis[fake_ipi_count] = (struct fake_ipi){ apic_id, icr_low };
	fake_ipi_count++;
}

void vmx_hw_eoi(void) { fake_eoi_count++; }

/* This CPU's x2APIC: a register file; resets counted. */
uint64_t fake_apic_msr[0x100];
unsigned fake_apic_resets;

uint64_t hw_apic_read(uint32_t msr)
{
	return msr >= 0x800 && msr <= 0x8ff ? fake_apic_msr[msr - 0x800] : 0;
}

void hw_apic_write(uint32_t msr, uint64_t val)
{
	if (msr >= 0x800 && msr <= 0x8ff)
		fake_apic_msr[msr - 0x800] = val;
}

void hw_apic_reset(void) { fake_apic_resets++; }

unsigned fake_invept_count;
void vmx_hw_invept(void) { fake_invept_count++; }

enum mce_action fake_mce_action;
unsigned fake_mce_calls;
enum mce_action vmx_hw_machine_check(const char *who)
{
	(void)who;
	fake_mce_calls++;
	return fake_mce_action;
}

uint32_t fake_apic_features = XAPIC_HW_CMCI | XAPIC_HW_TSC_DEADLINE;
uint32_t hw_apic_features(void) { return fake_apic_features; }

unsigned fake_xsetbv_count;
uint64_t fake_xcr0;

void hw_xsetbv(uint64_t xcr0)
{
	fake_xsetbv_count++;
	fake_xcr0 = xcr0;
}

void vmx_hw_nmi_unblock(void) { fake_nmi_unblocks++; }

/* Skylake's IA32_VMX_CR4_FIXED1 without PKE (bit 22): a reserved bit to test. */
uint64_t fake_cr4_fixed1 = 0x3767ffull;
uint64_t vmx_hw_cr4_fixed1(void) { return fake_cr4_fixed1; }


void describe_hpa(uint64_t addr, char *buf, size_t len)
{
	fake_describe_calls++;
	fake_describe_last = addr;
	snprintf(buf, len, "<owner of 0x%llx>", (unsigned long long)addr);
}
