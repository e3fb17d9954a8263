/* SPDX-License-Identifier: MIT */
/*
 * Partitions and their vCPUs: the arch-neutral model. A partition owns a set
 * of CPUs (one vCPU pinned on each, never time-shared) and one contiguous
 * host-physical RAM range that its EPT maps at GPA 0. It ends either by
 * exiting (status chosen by the guest) or by being stopped (a reason chosen
 * by Septum); either way only its own CPUs are affected.
 */
#ifndef SEPTUM_PARTITION_H
#define SEPTUM_PARTITION_H

#include <setjmp.h>
#include <stdatomic.h>
#include <septum/config.h>
#include <septum/spinlock.h>
#include <septum/types.h>
#include <septum/vpci.h>
#include <septum/vuart.h>
#include <septum/xapic.h>

/* Exit counts per vCPU, in the backend's numbering (struct backend.exit_name;
 * VT-x: basic exit reasons, which are < 80, any larger one in the last slot). */
#define EXIT_REASON_SLOTS 81
#define EXIT_REASON_OTHER 80
#define MAX_VCPUS         CFG_MAX_CPUS
#define REASON_MAX        240

/* Guest GPRs as the VM-exit stub saves them (vmx/entry.S), lowest address
 * first. RSP and RIP live in the VMCS. */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, pad_rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
_Static_assert(sizeof(struct guest_regs) == 16 * 8, "vmx/entry.S frame");

enum partition_state {
	PART_READY,       /* loaded, not yet running */
	PART_RUNNING,
	PART_EXITED,      /* the guest asked to end, with a status */
	PART_STOPPED,     /* Septum stopped it, with a reason */
};

struct partition;

/* Where the I/O exits of a vCPU went, for the exit statistics. */
enum io_group { IO_VUART, IO_PCI, IO_OTHER, IO_GROUPS };

/*
 * A vCPU's run state (struct vcpu.run: state in bits 7:0, SIPI vector in
 * 15:8), changed with compare-and-swap by the vCPU's own CPU and by the
 * partition's CPUs that send it INIT or SIPI. RUNNING is 0 so that a vCPU
 * is running unless set up otherwise. A vCPU other than the boot vCPU
 * starts in WAIT_SIPI, as an AP does after reset (SDM Vol. 3A §9.4.1).
 */
enum vcpu_run_state {
	VCPU_RUNNING = 0,
	VCPU_WAIT_SIPI,   /* reset: only a SIPI starts it */
	VCPU_STARTING,    /* a SIPI arrived: start in real mode at vector << 12 */
	VCPU_INIT,        /* INIT while in guest mode: leave it, then wait for SIPI */
};
#define VCPU_RUN_STATE(r)  ((enum vcpu_run_state)((r) & 0xff))
#define VCPU_RUN_VECTOR(r) ((uint8_t)((r) >> 8))

struct vcpu {
	struct partition *part;
	unsigned index;               /* 0 = the partition's boot vCPU */
	cpuid_t cpu;                  /* physical CPU it is pinned to */
	void *arch;                   /* the backend's state of this vCPU (vmx/vmx.h: struct vmx_vcpu) */
	uint64_t apic_base;           /* IA32_APIC_BASE as the guest sees it */
	struct xapic_state xapic;     /* registers only xAPIC mode has (septum/xapic.h) */
	uint64_t xcr0;                /* the guest's XCR0 (loaded in the CPU too) */
	uint64_t tsc_adjust;          /* the guest's IA32_TSC_ADJUST (its TSC = host TSC + TSC_OFFSET) */
	struct guest_regs regs;       /* initial GPRs */
	_Atomic uint32_t run;         /* enum vcpu_run_state | SIPI vector << 8 */
	atomic_bool nmi_pending;      /* a guest NMI (NMI IPI) not yet injected (kernel/exit/lapic.c sets it, the backend injects it) */
	jmp_buf leave;                /* vcpu_enter() returns through this */
	uint64_t exits[EXIT_REASON_SLOTS];
	uint64_t io_exits[IO_GROUPS];  /* I/O exits by device (enum io_group) */
};

/* on_crash = restart gives up after CRASH_BURST + 1 crashes within
 * CRASH_WINDOW_S seconds (docs/config.md). */
#define CRASH_BURST    5
#define CRASH_WINDOW_S 60

struct partition {
	unsigned id;
	const struct cfg_partition *cfg;
	const char *name;
	uint64_t cpus;                /* physical CPU mask */
	uint32_t cpu_apic_id[CFG_MAX_CPUS]; /* APIC id of each CPU in cpus, ~0 for the others */
	unsigned nvcpus;
	struct vcpu *vcpu[MAX_VCPUS];
	hpa_t ram;                    /* host-physical base */
	uint64_t ram_size;
	uint8_t *ram_hva;             /* where the core reaches that RAM (identity map) */
	void *s2;                     /* the backend's second-level tables (EPT, NPT): struct backend.s2_* */
	unsigned entry_bits;          /* 32 or 64: mode the boot vCPU starts in */
	uint64_t entry_rip;
	uint64_t entry_cr3;           /* 64-bit entry: guest page tables */
	uint64_t entry_rsi;           /* Linux: the zero page */
	uint64_t entry_rax;           /* multiboot: the boot loader magic (EAX) */
	uint64_t entry_rbx;           /* multiboot: GPA of the boot information (EBX) */
	uint16_t entry_cs, entry_ds;  /* selectors in the guest GDT */
	uint16_t gdt_limit;
	bool os_guest;                /* a guest OS: HLT waits in hardware, interrupts go to it */
	uint16_t sleep_port;          /* from the vACPI tables: trapped I/O (S5) */
	spinlock_t lock;
	_Atomic enum partition_state state;
	atomic_uint vcpus_running;
	/* Restart (on_reboot / on_crash = restart): every vCPU leaves guest
	 * mode and parks; the last one in reloads the images and bumps the
	 * generation, which lets them all start again. */
	atomic_bool restarting;
	atomic_uint parked;
	atomic_uint generation;
	unsigned restarts;            /* completed restarts (CPUID 0x40000004) */
	unsigned crash_restarts;      /* restarts after a crash, and when the last ones began: */
	uint64_t crash_tsc[CRASH_BURST];  /* a crash loop is stopped (kernel/partition.c) */
	int status;                   /* PART_EXITED: the guest's status */
	char reason[REASON_MAX];      /* PART_STOPPED: why */
	struct vuart uart;
	struct vpci_state vpci;
};

extern struct partition *partitions;  /* [npartitions] */
extern unsigned npartitions;

/* Guest-physical [gpa, gpa+len) as a host pointer, or NULL if any byte of it
 * is outside the partition's RAM. Overflow-safe: guest values are untrusted. */
void *guest_ptr(const struct partition *p, uint64_t gpa, uint64_t len);

/* End the partition with the guest's status. First ending wins. */
void partition_exit(struct partition *p, int status);
/* The guest reset itself (reset port, ...): restart or stop, as on_reboot says. */
void partition_reset(struct partition *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The guest crashed (triple fault, access outside its world, ...): as on_crash says. */
void partition_crash(struct partition *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stop the partition for a reason (logged). First ending wins. */
void partition_stop(struct partition *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool partition_ended(const struct partition *p)
{
	enum partition_state s = atomic_load(&p->state);
	return s == PART_EXITED || s == PART_STOPPED;
}
/* True while p's vCPUs must leave guest mode: it ended, or it is restarting. */
static inline bool partition_leaving(const struct partition *p)
{
	return partition_ended(p) || atomic_load(&p->restarting);
}
/* The vCPU of p on physical CPU cpu, NULL if cpu is not p's. */
struct vcpu *partition_vcpu_on(const struct partition *p, cpuid_t cpu);
/* Which owner a host-physical address has, for violation reports. */
void describe_hpa(uint64_t addr, char *buf, size_t len);
/*
 * Whether [base, base + size) is used by someone other than p: for memory
 * (io false) Septum's own memory, RAM (a partition's, free or firmware's
 * ACPI tables), or a memory BAR assigned to another partition; for I/O
 * ports (io true) an I/O BAR assigned to another partition. Names the user
 * in buf and returns true; false if nobody. (kernel/main.c; faked in the
 * host tests.)
 */
bool host_range_used(const struct partition *p, bool io, uint64_t base, uint64_t size, char *buf, size_t len);

/* One log line with the exits of p's vCPUs so far, labelled (SEPTUM_MARK_PORT). */
void partition_log_exits(const struct partition *p, uint32_t label);
/* Summary lines for all partitions (into the log). */
void partitions_summary(void);

#endif
