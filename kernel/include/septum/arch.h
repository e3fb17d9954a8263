/* SPDX-License-Identifier: MIT */
/*
 * The seam between the architecture-neutral core (kernel/) and the hardware
 * (arch/x86_64, vmx/). kernel/ calls only these; host unit tests provide fakes.
 */
#ifndef SEPTUM_ARCH_H
#define SEPTUM_ARCH_H

#include <septum/types.h>

struct boot_info;
struct partition;
struct vcpu;

/*
 * Boot (arch/x86_64/setup.c, smp.c): cpus_discover() finds the CPUs Septum
 * will use (ncpus of them, CPU 0 the boot CPU); smp_start_aps() starts the
 * others, each of which enters kernel_cpu_main(); ap_online() says whether
 * one came up. kernel_main() is the core's entry on the boot CPU.
 */
extern unsigned ncpus;
int cpus_discover(const struct boot_info *bi);
void smp_start_aps(const struct boot_info *bi);
bool ap_online(cpuid_t cpu);
__attribute__((noreturn)) void kernel_cpu_main(void);
__attribute__((noreturn)) void kernel_main(const struct boot_info *bi);

/* Timestamp for log lines (TSC cycles on x86). */
uint64_t arch_timestamp(void);
/* Logical index of the calling CPU (0 = boot CPU). */
cpuid_t arch_cpu_id(void);
/* Write bytes to the physical console, waiting on the wire as needed ('\n'
 * goes out as CR LF); the caller serialises. */
void arch_console_write(const char *s, size_t n);
/* Bytes of wire the console's transmitter takes now without waiting (a
 * 16550A with LSR.THRE: its 16-byte FIFO; busy: 0). */
size_t arch_console_room(void);
/* Write bytes that fit in arch_console_room() as they are (no CR added)
 * without waiting; the caller serialises. */
void arch_console_put(const char *s, size_t n);
/* Physical (x2)APIC id of CPU cpu. */
uint32_t arch_cpu_apic_id(cpuid_t cpu);
/* Package/core/thread of CPU cpu (kernel/topo.c's meaning). False when
 * neither CPUID nor the firmware described the topology. */
struct topo_id;
bool arch_cpu_topology(cpuid_t cpu, struct topo_id *out);
/*
 * Partitions' RAM in Septum's address space (arch/x86_64/window.c,
 * docs/security.md). arch_ram_hide drops [base, base+size) from Septum's
 * identity map (boot CPU, at set-up). arch_ram_window maps p's RAM into the
 * calling CPU's own window, replacing what it held, and returns where it
 * starts (guest-physical 0), or NULL when it cannot (RAM beyond the window's
 * 512 GiB); arch_ram_window_close empties the calling CPU's window.
 */
void arch_ram_hide(hpa_t base, uint64_t size);
void *arch_ram_window(const struct partition *p);
void arch_ram_window_close(void);
/* Whether the calling CPU's page tables map any of [base, base+size) at
 * its identity address (a self-check after set-up). */
bool arch_ram_visible(hpa_t base, uint64_t size);
/* TSC frequency in Hz as Septum measured it (0 if unknown). */
uint64_t arch_tsc_hz(void);
/* Busy-wait for at least us microseconds. */
void arch_udelay(uint64_t us);

/* Route the physical console UART's interrupt (COM1 = ISA IRQ 4, through the MADT's override) to
 * vector on the CPU with apic_id: fixed delivery, physical destination, polarity/trigger from the
 * MADT. Returns 0, or -1 when it cannot be routed (no IO-APIC covers the GSI, apic_id > 255, vector
 * < 32); the entry is then left masked. */
int arch_console_irq_route(uint32_t apic_id, uint8_t vector);
/* Mask that redirection entry again. */
void arch_console_irq_mask(void);
/* True once boot found an IO-APIC for the console's IRQ and armed COM1's receive interrupt. */
bool arch_console_irq_available(void);
/* A fixed, physical-destination IPI with vector to the CPU with apic_id (edge, no shorthand),
 * sent from root mode: how Septum raises a partition's emulated MSI. */
void arch_send_ipi(uint32_t apic_id, uint8_t vector);

/* Power the machine off (ACPI S5 when there is ACPI, then emulator ports); never returns. */
__attribute__((noreturn)) void arch_poweroff(void);
/* Stop the calling CPU for good (interrupts off, halted). */
__attribute__((noreturn)) void arch_halt_cpu(void);
/* Halt the calling CPU until an NMI (vcpu_kick()) wakes it; interrupts stay off. */
void arch_cpu_sleep(void);

/*
 * The virtualisation backend (vmx/ for VT-x, svm/ for AMD-V), chosen
 * at boot (backend_choose) and called only through this table, so that one
 * image carries both and the core knows neither.
 * check_cpu(): does this CPU have what the backend needs? (named refusal)
 * enable_cpu(): VMXON (or equivalent) on this CPU.
 * large_pages(): EPT_LARGE_* the second-level tables may use.
 * vcpu_prepare(): build the vCPU's control structure on the calling CPU.
 * vcpu_reset_boot(): guest state for the partition's entry (boot vCPU).
 * vcpu_reset_sipi(): guest state after INIT + SIPI with that vector.
 * vcpu_enter(): enter the guest; returns when the vCPU leaves guest mode for
 * good (partition ended) or until started again (INIT, restart).
 * vcpu_kick(): make the CPU running that vCPU leave guest mode soon (NMI)
 * so that it notices a stop request. The request (partition state, restart
 * flag, run state, nmi_pending) must be stored before the kick.
 * s2_invalidate(): p's second-level tables lost mappings: drop the cached
 * translations on the calling CPU now and on p's other CPUs as their exit
 * begins (each is kicked), waiting for them (bounded).
 * nmi_in_root(): the NMI handler's call when an NMI (a kick) arrives while
 * this CPU is in root mode: it must not be lost (docs/security.md, "A stop
 * always lands").
 * exit_name(), io_slot: names of the backend's exit-count slots
 * (struct vcpu.exits), and the slot of I/O instructions.
 * s2_create(): p's second-level address translation (EPT, NPT) with its RAM
 * at guest-physical 0 (write-back, read/write/execute); s2_seal(): set-up is
 * over: set aside what run-time splits may take, from then on their only
 * source; s2_map_mmio(): [gpa, gpa+size) to the same host-physical range,
 * uncached, read/write (a device's BAR); s2_unmap(): remove a range. Each
 * returns 0, or -1 with why / -errno.
 * exit: the accessors kernel/exit/ uses (septum/exit.h).
 */
#define S2_LARGE_2M   1u                       /* large_pages(): 2 MiB leaves usable */
#define S2_LARGE_1G   2u                       /* 1 GiB leaves usable */
#define S2_LARGE_NX   4u                       /* large leaves never executable (iTLB multihit): split on a fetch */
#define S2_GPA_LIMIT  (1ull << 48)             /* guest-physical addresses a 4-level walk translates */
struct vendor_ops;
struct backend {
	const char *name;                      /* "VT-x", "AMD-V" */
	int (*check_cpu)(char *why, size_t whylen);
	int (*enable_cpu)(char *why, size_t whylen);
	unsigned (*large_pages)(void);
	int (*vcpu_prepare)(struct vcpu *v, char *why, size_t whylen);
	void (*vcpu_reset_boot)(struct vcpu *v);
	void (*vcpu_reset_sipi)(struct vcpu *v, uint8_t vector);
	void (*vcpu_enter)(struct vcpu *v);
	void (*vcpu_kick)(cpuid_t cpu);
	void (*s2_invalidate)(struct partition *p);
	int (*s2_create)(struct partition *p, char *why, size_t whylen);
	int (*s2_seal)(struct partition *p, char *why, size_t whylen);
	int (*s2_map_mmio)(struct partition *p, uint64_t gpa, uint64_t size);
	int (*s2_unmap)(struct partition *p, uint64_t gpa, uint64_t size);
	void (*nmi_in_root)(void);
	const char *(*exit_name)(unsigned slot);
	unsigned io_slot;
	unsigned vcpu_pages;                   /* heap pages vcpu_prepare takes per vCPU */
	size_t (*s2_split_reserve)(const struct partition *p);   /* pages set aside by s2_seal */
	const struct vendor_ops *exit;
};

/* The backend in use; NULL until backend_choose() found one. */
extern const struct backend *backend;
/* The backends this image has, in the order they are tried. */
extern const struct backend *const backends[];
/* Pick the first backend whose check_cpu() accepts the boot CPU (logged);
 * -1 when none does, each refusal logged. */
int backend_choose(void);

static inline int virt_check_cpu(char *why, size_t whylen) { return backend->check_cpu(why, whylen); }
static inline int virt_enable_cpu(char *why, size_t whylen) { return backend->enable_cpu(why, whylen); }
static inline unsigned virt_ept_large_pages(void) { return backend->large_pages(); }
static inline int vcpu_prepare(struct vcpu *v, char *why, size_t whylen) { return backend->vcpu_prepare(v, why, whylen); }
static inline void vcpu_reset_boot(struct vcpu *v) { backend->vcpu_reset_boot(v); }
static inline void vcpu_reset_sipi(struct vcpu *v, uint8_t vector) { backend->vcpu_reset_sipi(v, vector); }
static inline void vcpu_enter(struct vcpu *v) { backend->vcpu_enter(v); }
static inline void vcpu_kick(cpuid_t cpu) { backend->vcpu_kick(cpu); }
static inline void vcpu_ept_invalidate(struct partition *p) { backend->s2_invalidate(p); }
static inline void vcpu_nmi_in_root(void)
{
	if (backend)            /* an NMI before a backend was chosen is nobody's kick */
		backend->nmi_in_root();
}

#endif /* SEPTUM_ARCH_H */
