/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state. GS base points at the CPU's struct percpu in VMX root mode
 * (and in the VMCS host-state area), so this_cpu() is one load.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include <stdatomic.h>
#include <septum/types.h>
#include <septum/boot_info.h>
#include <septum/topo.h>

/* 64-bit TSS (SDM Vol. 3A §8.7, Figure 8-11) */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "SDM Figure 8-11");

#define GDT_NULL     0x00
#define GDT_CODE64   0x08
#define GDT_DATA     0x10
#define GDT_TSS      0x18   /* 16-byte system descriptor: two slots */
#define GDT_ENTRIES  5

#define STACK_SIZE   (16 * 1024)
#define IST_NMI      1      /* NMI and #DF run on their own stack */
#define IST_MC       2      /* #MC on another: it returns now, and an NMI may come during it */

struct vcpu;

struct percpu {
	struct percpu *self;           /* must stay first: this_cpu() reads %gs:0 */
	/* IA32_SPEC_CTRL of the guest on this CPU (saved on every exit) and
	 * Septum's own; vmx/entry.S reaches them at fixed offsets
	 * (vmx/include/vmx/spec_hw.h). */
	uint64_t spec_ctrl_guest;
	uint64_t spec_ctrl_host;
	uint64_t cr3;                  /* this CPU's own PML4 (arch/x86_64/window.c), 0 until made */
	uint64_t window_base;          /* host-physical RAM its window maps ... */
	uint64_t window_size;          /* ... and how much; 0: the window is empty */
	cpuid_t id;
	uint32_t apic_id;
	bool has_topo;                 /* topo is known (CPUID leaf 0xB/0x1F or the firmware) */
	struct topo_id topo;           /* package/core/thread: SMT siblings share package and core */
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
	uint8_t *stack;                /* STACK_SIZE bytes: normal host stack */
	uint8_t *ist_stack;            /* STACK_SIZE bytes: IST_NMI */
	uint8_t *mc_stack;             /* STACK_SIZE bytes: IST_MC */
	uint8_t *exit_stack;           /* STACK_SIZE bytes: VM-exit host stack */
	void *vmxon_region;
	struct vcpu *vcpu;             /* the vCPU this CPU runs, if any */
	atomic_int online;
	atomic_int nmi_count;
	atomic_bool ept_stale;         /* vcpu_ept_invalidate(): INVEPT before the next VM entry */
	bool vmx_on;                   /* VMXON succeeded: VMX instructions are allowed */
	/* Between the last pre-entry check and VM entry (vmx/vcpu.c): an NMI
	 * (a kick) taken then arms an immediate VM exit. Only this CPU and
	 * its own NMI handler touch these. */
	volatile bool entering;
	volatile bool kick_timer_armed;
};

extern struct percpu *percpus[BOOT_MAX_CPUS];
extern unsigned ncpus;

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

void percpu_load_tables(struct percpu *pc);

#endif
