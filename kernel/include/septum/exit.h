/* SPDX-License-Identifier: MIT */
/*
 * Vendor-neutral exit handling (kernel/exit/).
 *
 * A vendor backend (vmx/, later svm/) decodes each exit into a struct
 * exit_info and calls exit_handle(); everything a guest can ask of Septum
 * (port I/O routing, MSR rules, CPUID, XSETBV, control-register rules, the
 * xAPIC page, the IPI filter, INIT/SIPI, hypercalls, resets and ACPI S5) is
 * decided here, from the architecture (Intel SDM, AMD APM), not from a VMCS.
 * The backend does only what is vendor-specific: decoding, the exits that
 * are its own business (its kicks, external interrupts, machine checks,
 * failed entries), and the vendor_*() accessors below. The host tests run
 * this layer over a fake backend (tests/unit/fakes/vendor_fake.c).
 */
#ifndef SEPTUM_EXIT_H
#define SEPTUM_EXIT_H

#include <septum/arch.h>
#include <septum/partition.h>

enum exit_kind {
	EXIT_KIND_NONE,         /* nothing for the core (a kick, an interrupt): only the stop checks */
	EXIT_KIND_CPUID,
	EXIT_KIND_IO,           /* IN/OUT (and INS/OUTS, which are refused) */
	EXIT_KIND_MSR_READ,     /* RDMSR: ECX in the registers */
	EXIT_KIND_MSR_WRITE,    /* WRMSR: ECX, EDX:EAX */
	EXIT_KIND_CR_WRITE,     /* MOV to CR0 or CR4 */
	EXIT_KIND_XSETBV,
	EXIT_KIND_HLT,
	EXIT_KIND_HYPERCALL,    /* VMCALL / VMMCALL (docs/hypercalls.md) */
	EXIT_KIND_NPF,          /* a nested-page (EPT/NPT) fault */
	EXIT_KIND_SHUTDOWN,     /* triple fault */
	EXIT_KIND_INIT_SIGNAL,  /* a physical INIT reached the partition's CPU */
	EXIT_KIND_CACHE_FLUSH,  /* WBINVD, INVD */
	EXIT_KIND_UNDEFINED,    /* an instruction the guest CPU does not have (VMX/SVM, MONITOR/MWAIT): #UD */
	EXIT_KINDS
};

struct exit_info {
	enum exit_kind kind;
	/* Length of the exiting instruction, for kinds that complete it; 0 for
	 * the others. */
	unsigned insn_len;
	union {
		struct {
			uint16_t port;
			uint8_t size;       /* 1, 2 or 4 */
			bool in, string;
		} io;
		struct {
			uint8_t cr;         /* 0 or 4 */
			uint8_t gpr;        /* source register, struct guest_regs order (4 = RSP) */
		} cr;
		struct {
			uint64_t gpa;
			bool write, fetch;
		} npf;
	};
};

/* What the backend does after exit_handle(). */
enum exit_result {
	EXIT_RESUME,    /* enter the guest again (RIP advanced or an exception injected as needed) */
	EXIT_RETRY,     /* enter it again with the interrupted instruction or event delivery repeated */
	EXIT_LEAVE,     /* the vCPU leaves guest mode (its partition ended, or INIT) */
};

enum exit_result exit_handle(struct vcpu *v, struct guest_regs *r, const struct exit_info *e);

/*
 * The vendor backend's side of the seam (struct backend.exit): v is the
 * calling CPU's current vCPU. Registers the core reads are the guest's own
 * view (CR0/CR4 as the guest wrote them, EFER without a vendor's hidden
 * bits).
 * reg(), set_reg(): guest registers; only RIP and RSP are written.
 * cpl(), code_bits(): CPL (SS.DPL); the code size of CS: 16, 32 or 64.
 * inject_fault(): deliver a fault (#UD, #GP) for the current instruction on
 *   the next entry, as the CPU would: RF set in the pushed RFLAGS.
 * write_cr0/cr4/efer(): load a value the core checked: the backend keeps
 *   what its hardware needs (bits it forces, long-mode activation) out of
 *   the guest's view.
 * cr4_reserved(): CR4 bits a guest may not set on this CPU (those it does
 *   not have, and those the backend cannot let a guest own).
 * tsc_offset(), set_tsc_offset(): what is added to the host TSC for v.
 * apic_mode_changed(): the guest's APIC entered or left x2APIC mode: x2APIC
 *   registers pass through only in that mode.
 * guest_nmis(): whether guest NMIs can be injected and tracked (VT-x:
 *   virtual NMIs).
 * split_exec(): the second-level tables refused a fetch from a large page
 *   (iTLB-multihit mitigation): split it and flush; 0, -ENOENT (not that
 *   case), -ENOMEM. The caller holds the partition's lock.
 * npf_name: "EPT violation" / "NPT fault", how logs name a nested-page fault.
 */
enum vreg { VREG_RIP, VREG_RSP, VREG_RFLAGS, VREG_CR0, VREG_CR3, VREG_CR4, VREG_EFER, VREG_CS_BASE };

struct vendor_ops {
	uint64_t (*reg)(struct vcpu *v, enum vreg reg);
	void (*set_reg)(struct vcpu *v, enum vreg reg, uint64_t val);
	unsigned (*cpl)(struct vcpu *v);
	unsigned (*code_bits)(struct vcpu *v);
	void (*inject_fault)(struct vcpu *v, unsigned vector, bool has_code, uint32_t code);
	void (*write_cr0)(struct vcpu *v, uint64_t val);
	void (*write_cr4)(struct vcpu *v, uint64_t val);
	void (*write_efer)(struct vcpu *v, uint64_t val);
	uint64_t (*cr4_reserved)(struct vcpu *v);
	uint64_t (*tsc_offset)(struct vcpu *v);
	void (*set_tsc_offset)(struct vcpu *v, uint64_t offset);
	void (*apic_mode_changed)(struct vcpu *v, bool x2apic);
	bool (*guest_nmis)(struct vcpu *v);
	int (*split_exec)(struct vcpu *v, uint64_t gpa);
	const char *npf_name;
};

static inline uint64_t vendor_reg(struct vcpu *v, enum vreg reg) { return backend->exit->reg(v, reg); }
static inline void vendor_set_reg(struct vcpu *v, enum vreg reg, uint64_t val) { backend->exit->set_reg(v, reg, val); }
static inline unsigned vendor_cpl(struct vcpu *v) { return backend->exit->cpl(v); }
static inline unsigned vendor_code_bits(struct vcpu *v) { return backend->exit->code_bits(v); }
static inline void vendor_inject_fault(struct vcpu *v, unsigned vector, bool has_code, uint32_t code)
{
	backend->exit->inject_fault(v, vector, has_code, code);
}
static inline void vendor_write_cr0(struct vcpu *v, uint64_t val) { backend->exit->write_cr0(v, val); }
static inline void vendor_write_cr4(struct vcpu *v, uint64_t val) { backend->exit->write_cr4(v, val); }
static inline void vendor_write_efer(struct vcpu *v, uint64_t val) { backend->exit->write_efer(v, val); }
static inline uint64_t vendor_cr4_reserved(struct vcpu *v) { return backend->exit->cr4_reserved(v); }
static inline uint64_t vendor_tsc_offset(struct vcpu *v) { return backend->exit->tsc_offset(v); }
static inline void vendor_set_tsc_offset(struct vcpu *v, uint64_t offset) { backend->exit->set_tsc_offset(v, offset); }
static inline void vendor_apic_mode_changed(struct vcpu *v, bool x2apic) { backend->exit->apic_mode_changed(v, x2apic); }
static inline bool vendor_guest_nmis(struct vcpu *v) { return backend->exit->guest_nmis(v); }
static inline int vendor_split_exec(struct vcpu *v, uint64_t gpa) { return backend->exit->split_exec(v, gpa); }
static inline const char *vendor_npf_name(void) { return backend->exit->npf_name; }

/*
 * Hardware the exit handlers use on the calling CPU, which is the
 * partition's own: CPUID as the host sees it, the physical local APIC in
 * x2APIC register numbering (MSRs 0x800-0x8ff; the caller keeps reserved
 * bits clear), XSETBV of a value xcr0_check() accepted.
 */
void hw_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
void hw_send_ipi(uint32_t apic_id, uint64_t icr_low);
uint64_t hw_apic_read(uint32_t msr);
void hw_apic_write(uint32_t msr, uint64_t val);
/* XAPIC_HW_* of this CPU (septum/xapic.h). */
uint32_t hw_apic_features(void);
/* The guest disabled its APIC: this CPU's APIC to its power-up state
 * (LVTs masked, software-disabled, timers off, nothing in service). */
void hw_apic_reset(void);
void hw_xsetbv(uint64_t xcr0);

#endif /* SEPTUM_EXIT_H */
