/* SPDX-License-Identifier: MIT */
/*
 * The host's local APIC, in whichever mode the CPU has: x2APIC (registers
 * are MSRs, SDM Vol. 3A §11.12) when CPUID.1:ECX.x2APIC says so, else xAPIC
 * (a 4 KiB register page at IA32_APIC_BASE, §11.4-11.6). Callers name
 * registers one way in both modes: by their x2APIC MSR number (0x800 +
 * xAPIC offset / 16, §11.12.1.2), and values have the x2APIC form:
 *   - LAPIC_ID reads as the APIC id itself (xAPIC: bits 31:24 of 0x20);
 *   - LAPIC_ICR is 64 bits, destination in 63:32 (xAPIC: the two halves
 *     at 0x300/0x310, destination in 0x310's bits 31:24); writing it sends.
 * Every other register is its own 32 bits. The mode is the same on every
 * CPU: chosen once on the boot CPU (lapic_init) and used by all.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stddef.h>
#include <septum/types.h>

/* Registers by x2APIC MSR number (SDM Vol. 3A §11.12.1.2, Table 11-6). */
#define LAPIC_ID         0x802u
#define LAPIC_VERSION    0x803u
#define LAPIC_TPR        0x808u
#define LAPIC_PPR        0x80au
#define LAPIC_EOI        0x80bu
#define LAPIC_LDR        0x80du
#define LAPIC_SVR        0x80fu
#define LAPIC_ISR0       0x810u   /* ISR bits 32r..32r+31 at LAPIC_ISR0 + r, r < 8 */
#define LAPIC_TMR0       0x818u
#define LAPIC_IRR0       0x820u
#define LAPIC_ESR        0x828u
#define LAPIC_LVT_CMCI   0x82fu
#define LAPIC_ICR        0x830u
#define LAPIC_LVT_TIMER  0x832u
#define LAPIC_LVT_THERMAL 0x833u
#define LAPIC_LVT_PMC    0x834u
#define LAPIC_LVT_LINT0  0x835u
#define LAPIC_LVT_LINT1  0x836u
#define LAPIC_LVT_ERROR  0x837u
#define LAPIC_TMICT      0x838u
#define LAPIC_TMCCT      0x839u
#define LAPIC_TDCR       0x83eu
#define LAPIC_SELF_IPI   0x83fu   /* x2APIC only */

/* xAPIC page layout (SDM Vol. 3A §11.4.1, Table 11-1) */
#define XAPIC_MMIO_SIZE      0x1000u
#define XAPIC_OFF_ID         0x020u   /* ID in bits 31:24 */
#define XAPIC_OFF_EOI        0x0b0u
#define XAPIC_OFF_SVR        0x0f0u
#define XAPIC_OFF_ICR_LOW    0x300u   /* the write to this half sends */
#define XAPIC_OFF_ICR_HIGH   0x310u   /* destination in bits 31:24 */
#define XAPIC_ID_SHIFT       24
/* The highest physical destination an xAPIC can name: 0xff is the
 * broadcast to all (SDM Vol. 3A §11.6.2.1). */
#define XAPIC_MAX_ID         0xfeu

/* ICR low dword (SDM Vol. 3A §11.6.1, Figure 11-12; x2APIC §11.12.9) */
#define ICR_DM_FIXED     (0u << 8)
#define ICR_DM_NMI       (4u << 8)
#define ICR_DM_INIT      (5u << 8)
#define ICR_DM_STARTUP   (6u << 8)
#define ICR_BUSY         (1u << 12)   /* xAPIC delivery status: send pending */
#define ICR_ASSERT       (1u << 14)
#define ICR_LEVEL        (1u << 15)

enum lapic_mode { LAPIC_NONE, LAPIC_XAPIC, LAPIC_X2APIC };

/* -------------------------------------------- pure parts (unit-tested) */

/* The xAPIC page offset of register reg for a read (!write) or a write;
 * -1 when reg is not a register of that direction in xAPIC mode (x2APIC-only
 * like SELF IPI, read-only or write-only, or no register at all). */
int lapic_xapic_offset(uint32_t reg, bool write);

/* One ICR value: x2APIC writes (high << 32 | low) to one MSR; xAPIC writes
 * high to 0x310, then low to 0x300. */
struct lapic_icr {
	uint32_t high, low;
};
/* The ICR for an IPI of kind icr_low (vector, delivery mode, level...) to
 * physical destination apic_id. 0, or -1 with a reason when mode cannot
 * address apic_id (xAPIC: 8-bit ids, 0xff being the broadcast). */
int lapic_icr_compose(enum lapic_mode mode, uint32_t apic_id, uint32_t icr_low, struct lapic_icr *out,
		      char *why, size_t whylen);
/* The APIC id in the raw ID register of mode. */
uint32_t lapic_id_of(enum lapic_mode mode, uint32_t id_reg);
/* 0, or -1 with a named reason when a CPU with apic_id cannot be reached in
 * the current mode (it must then not be used). */
int lapic_check_id(uint32_t apic_id, char *why, size_t whylen);

/* -------------------------------------------- the layer (every CPU) */

/* Set the mode and, for xAPIC, where the register page is mapped. The boot
 * CPU's lapic_init() calls it; unit tests call it with a fake page. */
void lapic_setup(enum lapic_mode mode, volatile void *mmio, uint64_t mmio_phys);
enum lapic_mode lapic_mode(void);
const char *lapic_mode_name(void);       /* "x2APIC", "xAPIC" or "none" */
uint64_t lapic_mmio_base(void);          /* xAPIC: physical register page; else 0 */

/* Septum's own accesses to registers it knows exist: a register the mode
 * lacks, or an x2APIC MSR access that faults, is a Septum bug (hv_panic). */
uint64_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint64_t val);
/* Accesses with a register or value chosen by a guest: 0, or -1 when the
 * register does not exist in this mode (or, x2APIC, the MSR access #GPs).
 * In x2APIC mode the hardware alone decides, as a plain RDMSR/WRMSR would. */
int lapic_read_safe(uint32_t reg, uint64_t *val);
int lapic_write_safe(uint32_t reg, uint64_t val);
/* An IPI to physical destination apic_id (icr_low: vector, delivery mode,
 * level; no shorthand). xAPIC: waits for the previous IPI's delivery status
 * to be idle first. 0, or -1 when apic_id cannot be addressed in this mode
 * (nothing sent). */
int lapic_send_ipi(uint32_t apic_id, uint32_t icr_low);
void lapic_eoi(void);
uint32_t lapic_id(void);                 /* this CPU's APIC id */

/* -------------------------------------------- hardware (arch/x86_64/lapic_hw.c) */

/* Boot CPU, on Septum's own page tables and IDT, before the APs start:
 * picks the mode from CPUID, maps the xAPIC page uncached, enables this
 * CPU's APIC (lapic_cpu_enable) and logs the mode. */
void lapic_init(void);
/* Every CPU: the APIC on in the chosen mode, software-enabled (spurious
 * vector 0xff), its timer masked. */
void lapic_cpu_enable(void);
/* The MSR seam lapic.c reaches x2APIC registers through (host tests give
 * memory-backed ones): plain accesses, and fault-safe ones returning -1 on
 * #GP. */
uint64_t lapic_msr_read(uint32_t msr);
void lapic_msr_write(uint32_t msr, uint64_t val);
int lapic_msr_read_safe(uint32_t msr, uint64_t *val);
int lapic_msr_write_safe(uint32_t msr, uint64_t val);

/* This CPU's APIC as a partition's guest may find it at a (re)start: timers
 * off, TPR 0, nothing in service (arch/x86_64/hw_exit.c). */
void lapic_quiesce(void);

#endif
