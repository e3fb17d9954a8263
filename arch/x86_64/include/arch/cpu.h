/* SPDX-License-Identifier: MIT */
/* x86_64 instruction wrappers: the only way the rest of the core touches the CPU. */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <septum/types.h>
#include <hw/x86.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/*
 * Fault-safe MSR accessors (arch/x86_64/traps.c): 0, or -1 when the
 * instruction raised #GP (the MSR does not exist on this CPU, or the value
 * is reserved there), which the #GP handler then turns into this return
 * instead of a Septum fault. For every MSR access a guest's action can
 * reach, where the MSR or the value is not known to be valid.
 */
int rdmsr_safe(uint32_t msr, uint64_t *val);
int wrmsr_safe(uint32_t msr, uint64_t val);

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#define DEFINE_CR(n) \
	static inline uint64_t read_cr##n(void) { uint64_t v; __asm__ volatile("mov %%cr" #n ", %0" : "=r"(v)); return v; } \
	static inline void write_cr##n(uint64_t v) { __asm__ volatile("mov %0, %%cr" #n :: "r"(v) : "memory"); }
DEFINE_CR(0)
DEFINE_CR(2)
DEFINE_CR(3)
DEFINE_CR(4)
#undef DEFINE_CR

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void invlpg(const void *va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }
static inline void flush_tlb(void) { write_cr3(read_cr3()); }

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;) { cli(); hlt(); }
}

/* MSRs (Intel SDM Vol. 4, chapter 2) */
#define   APIC_BASE_BSP           BIT(8)
#define   APIC_BASE_EXTD          BIT(10)
#define   APIC_BASE_EN            BIT(11)
#define MSR_IA32_MCG_CAP          0x179
#define MCG_CAP_COUNT_MASK        0xffu
#define MCG_CAP_CTL_P             BIT(8)
#define MCG_CAP_CMCI_P            BIT(10)  /* LVT CMCI exists (SDM Vol. 3B §16.3.1.1) */
#define MSR_IA32_MCG_STATUS       0x17a
#define MSR_IA32_MC0_STATUS       0x401    /* bank i: 0x401 + 4i (CTL 0x400, ADDR 0x402, MISC 0x403) */
#define CPUID1_EDX_MCE            BIT(7)
#define CPUID1_EDX_MCA            BIT(14)
#define CPUID1_ECX_TSC_DEADLINE   BIT(24)
#define CPUID7_EDX_ARCH_CAPABILITIES BIT(29)
#define   FEATURE_CONTROL_LOCK    BIT(0)
#define   FEATURE_CONTROL_VMXON_OUTSIDE_SMX BIT(2)
#define MSR_IA32_SYSENTER_CS      0x174
#define MSR_IA32_SYSENTER_ESP     0x175
#define MSR_IA32_SYSENTER_EIP     0x176
#define MSR_IA32_PAT              0x277
#define MSR_IA32_VMX_BASIC        0x480
#define MSR_IA32_VMX_PINBASED_CTLS   0x481
#define MSR_IA32_VMX_PROCBASED_CTLS  0x482
#define MSR_IA32_VMX_EXIT_CTLS    0x483
#define MSR_IA32_VMX_ENTRY_CTLS   0x484
#define MSR_IA32_VMX_MISC         0x485
#define MSR_IA32_VMX_CR0_FIXED0   0x486
#define MSR_IA32_VMX_CR0_FIXED1   0x487
#define MSR_IA32_VMX_CR4_FIXED0   0x488
#define MSR_IA32_VMX_CR4_FIXED1   0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS      0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS     0x490
/* Local APIC registers: arch/lapic.h (x2APIC numbering, either mode). */
#define   LVT_MASKED              BIT(16)  /* any LVT entry (SDM Vol. 3A §11.5.1) */
#define MSR_FS_BASE               0xc0000100
#define MSR_GS_BASE               0xc0000101



/* CPUID feature bits used by the core */
#define CPUID1_ECX_VMX     BIT(5)
#define CPUID1_ECX_X2APIC  BIT(21)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID81_EDX_NX     BIT(20)
#define CPUID81_EDX_PDPE1GB BIT(26)

/* CMCI exists: MCA (CPUID.1:EDX.MCA) with MCG_CAP.MCG_CMCI_P. */
static inline bool cpu_has_cmci(void)
{
	return (cpuid(1, 0).edx & CPUID1_EDX_MCA) && (rdmsr(MSR_IA32_MCG_CAP) & MCG_CAP_CMCI_P);
}

#endif /* ARCH_CPU_H */
