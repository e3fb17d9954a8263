/* SPDX-License-Identifier: MIT */
/*
 * Fakes for host unit tests: what kernel/ and vmx/ call across the hardware
 * seam (septum/arch.h, vmx/vmcs.h, vmx/exit.h), implemented over plain memory
 * and recording what was asked of them, so tests can assert on it.
 *
 *   arch_fake.c    arch_* (console captured in a buffer), vcpu_kick
 *   vmcs_fake.c    vmcs_read/vmcs_write over an array keyed by field encoding
 *   vmx_hw_fake.c  hw_cpuid/send_ipi/eoi/apic_id, describe_hpa
 *   heap_fake.c    pages_alloc/page_free over aligned_alloc
 *
 * Every fake has a reset function; call it from each test's setup.
 */
#ifndef SEPTUM_FAKES_H
#define SEPTUM_FAKES_H

#include <setjmp.h>
#include <septum/types.h>
#include <septum/mce.h>
#include <vmx/vmcs.h>

/* ------------------------------------------------------------ arch_fake.c */
#define FAKE_CONSOLE_MAX (256 * 1024)
#define FAKE_KICKS_MAX   64

extern uint64_t fake_timestamp;        /* arch_timestamp() returns it */
extern cpuid_t fake_cpu;               /* arch_cpu_id() returns it */
extern unsigned fake_udelay_calls;
extern uint64_t fake_udelay_total_us;
extern unsigned fake_halt_calls, fake_poweroff_calls;
/* When set, arch_halt_cpu()/arch_poweroff() longjmp(*fake_stop_jmp, 1);
 * when NULL they abort(): a test that did not expect them fails loudly. */
extern jmp_buf *fake_stop_jmp;
extern unsigned fake_kick_count;
extern unsigned fake_ept_invalidations;    /* vcpu_ept_invalidate() calls */
extern cpuid_t fake_kicked[FAKE_KICKS_MAX];

/* arch_send_ipi(): calls since the reset, and the last destination and vector. */
extern unsigned fake_send_ipi_count;
extern uint32_t fake_send_ipi_apic_id;
extern uint8_t fake_send_ipi_vector;
/* arch_console_irq_route()/_mask(): the last route asked for, and whether the
 * entry is masked now (reset: masked, apic_id 0, vector 0, no calls).
 * fake_console_irq_route_rc is what route returns (reset 0; -1 leaves the
 * entry masked, as the real one does). arch_console_irq_available() returns
 * fake_console_irq_available (reset true). */
extern unsigned fake_console_irq_route_calls, fake_console_irq_mask_calls;
extern uint32_t fake_console_irq_apic_id;
extern uint8_t fake_console_irq_vector;
extern bool fake_console_irq_masked;
extern int fake_console_irq_route_rc;
extern bool fake_console_irq_available;

/* The console UART. Default: takes everything at once (output appears
 * synchronously). fake_uart_slow: a 16550A at one byte per tick with a
 * FIFO_DEPTH FIFO; time passes only through fake_uart_tick() and through
 * synchronous writes waiting for room (fake_uart_waited counts those
 * ticks); arch_console_put() beyond the room aborts. fake_console_hook runs
 * after every write (the writer's locks still held): a test runs "another
 * CPU" there. fake_spin_contended: spin_lock() would have waited (aborts). */
#define FAKE_UART_FIFO 16
extern bool fake_uart_slow;
extern unsigned fake_uart_fifo;
extern uint64_t fake_uart_ticks, fake_uart_waited;
extern void (*fake_console_hook)(void);
extern unsigned fake_spin_contended;
void fake_uart_tick(unsigned n);

/* The backend the tests run over (septum/arch.h); fake_arch_reset() keeps
 * its .exit, which each test sets to the accessors it runs over. */
extern struct backend fake_backend;
void fake_arch_reset(void);
/* Everything arch_console_write() received since the last reset, NUL terminated. */
const char *fake_console(void);
size_t fake_console_len(void);
/* Drop captured output (keeps the other arch state). */
void fake_console_clear(void);
/* Number of non-overlapping occurrences of needle in the captured output. */
unsigned fake_console_count(const char *needle);

/* ------------------------------------------------------------ vmcs_fake.c */
/* Encodings are 15-bit (SDM Vol. 3D App. B); the fake keeps 0..0x7fff. */
#define VMCS_FAKE_FIELDS 0x8000

void vmcs_fake_reset(void);
/* Set a field as the CPU would (also read-only exit-information fields),
 * truncated to the field's width. Not counted as a write by the code under test. */
void vmcs_fake_set(enum vmcs_field f, uint64_t v);
/* How many times the code under test called vmcs_write(f) since the reset. */
unsigned vmcs_fake_writes(enum vmcs_field f);
/* vmcs_write() calls refused because the field is read-only or unknown
 * (VMWRITE would fail with VM-instruction error 13 / 12). */
unsigned vmcs_fake_bad_writes(void);

/* ---------------------------------------------------------- vmx_hw_fake.c */
#define FAKE_MAX_CPUS   64
#define FAKE_CPUID_MAX  32
#define FAKE_IPIS_MAX   16

struct fake_ipi { uint32_t apic_id; uint64_t icr_low; };

extern uint32_t fake_apic_id[FAKE_MAX_CPUS];   /* APIC id of CPU cpu; reset: 0x10 + 2 * cpu */
extern unsigned fake_ipi_count;
extern struct fake_ipi fake_ipis[FAKE_IPIS_MAX];
extern uint64_t fake_apic_msr[0x100];   /* MSRs 0x800-0x8ff of the CPU handling the exit */
extern unsigned fake_apic_resets;
extern unsigned fake_xsetbv_count;       /* hw_xsetbv() calls, and the last value */
extern uint64_t fake_xcr0;
extern unsigned fake_eoi_count;
extern unsigned fake_nmi_unblocks;
extern uint64_t fake_cr4_fixed1;
extern uint32_t fake_apic_features;
extern enum mce_action fake_mce_action;
extern unsigned fake_mce_calls;
extern unsigned fake_invept_count;
extern unsigned fake_cpuid_calls;
extern unsigned fake_describe_calls;
extern uint64_t fake_describe_last;            /* last address given to describe_hpa */

void fake_hw_reset(void);
/* What hw_cpuid(leaf, subleaf) answers; unset leaves answer
 * fake_cpuid_default(leaf, subleaf). */
void fake_cpuid_set(uint32_t leaf, uint32_t subleaf, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);
void fake_cpuid_default(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* ------------------------------------------------------------ heap_fake.c */
extern unsigned fake_pages_allocated;
void fake_heap_reset(void);

extern uint64_t fake_tsc_hz;

#endif
