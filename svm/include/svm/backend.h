/* SPDX-License-Identifier: MIT */
/*
 * The AMD-V backend (struct backend svm_backend, septum/arch.h): one VMCB
 * per vCPU, an ASID per partition, nested page tables (svm/npt.h), the
 * I/O and MSR permission maps from the same policy as VT-x's bitmaps.
 * svm/vcpu.c: lifecycle and the VMRUN loop; svm/exit.c: decoding an exit
 * into struct exit_info and the vendor_ops; svm/s2.c: the NPT as the
 * partition's second-level tables; svm/entry.S: the world switch.
 */
#ifndef SVM_BACKEND_H
#define SVM_BACKEND_H

#include <septum/exit.h>
#include <septum/mce.h>
#include <septum/page_pool.h>
#include <septum/partition.h>
#include <svm/npt.h>
#include <svm/svm.h>
#include <svm/vmcb.h>

/* The I/O permission map: one bit per port, 12 KiB (APM Vol. 2 §15.10.1:
 * the third page holds the bits a multi-byte access at 0xffff reaches);
 * the MSR permission map: two bits per MSR of three ranges, 8 KiB
 * (§15.11). */
#define SVM_IOPM_PAGES  3
#define SVM_MSRPM_PAGES 2
/* A vCPU's AMD-V pages: its state, VMCB, IOPM and MSRPM. */
#define SVM_VCPU_PAGES  (1 + 1 + SVM_IOPM_PAGES + SVM_MSRPM_PAGES)
#define SVM_MSRPM_SIZE  (SVM_MSRPM_PAGES * PAGE_SIZE)

/* A vCPU's AMD-V state (struct vcpu.arch). */
struct svm_vcpu {
	struct vmcb *vmcb;            /* one page */
	uint8_t *iopm;                /* SVM_IOPM_PAGES pages */
	uint8_t *msrpm;               /* SVM_MSRPM_PAGES pages */
};

static inline struct svm_vcpu *svm_of(const struct vcpu *v)
{
	return (struct svm_vcpu *)v->arch;
}

static inline struct vmcb *svm_vmcb(const struct vcpu *v)
{
	return svm_of(v)->vmcb;
}

/* A partition's nested page tables (struct partition.s2) and its ASID. */
struct svm_s2 {
	struct npt npt;
	uint32_t asid;
};

static inline struct svm_s2 *svm_s2(const struct partition *p)
{
	return (struct svm_s2 *)p->s2;
}

/* What svm_check_cpu() found on the boot CPU. */
extern struct svm_caps svm_boot_caps;

int svm_s2_create(struct partition *p, char *why, size_t whylen);
int svm_s2_seal(struct partition *p, char *why, size_t whylen);
int svm_s2_map_mmio(struct partition *p, uint64_t gpa, uint64_t size);
int svm_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size);
size_t svm_s2_split_reserve(const struct partition *p);

/*
 * Fill an MSR permission map (§15.11) from the policy table
 * (msr_policy.c): a set bit intercepts. Only MSR_PASS accesses are left
 * clear, the x2APIC range only when @x2apic; IA32_EFER is always
 * intercepted (its SVME bit is the backend's), and so is IA32_PAT (the
 * guest's lives in G_PAT: svm/exit.c). MSRs outside the map's three
 * ranges always exit. Pure: unit-tested.
 */
void svm_msrpm_build(uint8_t msrpm[SVM_MSRPM_SIZE], bool x2apic);
#define SVM_MSR_PAT 0x277u

/* Decode the exit in v's VMCB for kernel/exit/ and apply the result
 * (svm/exit.c). False: v leaves guest mode (its partition ended, INIT). */
bool svm_exit_dispatch(struct vcpu *v, struct guest_regs *regs);
/* Slot of struct vcpu.exits for an exit code, and the slots' names. */
unsigned svm_exit_slot(uint64_t code);
const char *svm_exit_slot_name(unsigned slot);
#define SVM_SLOT_IOIO (VMEXIT_IOIO - VMEXIT_INTR)

extern const struct vendor_ops svm_exit_ops;
extern const struct backend svm_backend;

/* svm/vcpu.c's hardware hooks for svm/exit.c. */
enum mce_action svm_hw_machine_check(const char *who);
/* Whether the host's local APIC is in x2APIC mode (the guest's power-on
 * mode follows it: its x2APIC MSRs pass through to the host's). */
bool svm_hw_x2apic(void);

#endif /* SVM_BACKEND_H */
