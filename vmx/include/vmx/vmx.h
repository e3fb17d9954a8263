/* SPDX-License-Identifier: MIT */
#ifndef VMX_VMX_H
#define VMX_VMX_H

#include <septum/types.h>
#include <septum/partition.h>
#include <vmx/ept.h>

struct backend;

/* What the CPU offers, read once from the IA32_VMX_* MSRs (SDM Vol. 3D App. A). */
struct vmx_caps {
	uint32_t revision;                  /* VMCS revision identifier, IA32_VMX_BASIC[30:0] */
	bool true_ctls;                     /* IA32_VMX_BASIC[55] */
	uint64_t pin, proc, proc2, exit, entry; /* allowed-0 in [31:0], allowed-1 in [63:32] */
	uint64_t ept_vpid;
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned ept_large;                 /* EPT_LARGE_2M | EPT_LARGE_1G */
};

extern struct vmx_caps vmx_caps;

/* A vCPU's VT-x state (struct vcpu.arch), allocated by vcpu_prepare: it,
 * its VMCS, MSR bitmap and two I/O bitmaps are VMX_VCPU_PAGES pages. */
#define VMX_VCPU_PAGES 5
struct vmx_vcpu {
	void *vmcs;                   /* the VMCS region (one page) */
	uint8_t *msr_bitmap;          /* one page (SDM Vol. 3C §25.6.9) */
	uint8_t *io_bitmaps;          /* two pages: A (0-0x7fff), B (0x8000-0xffff) */
	bool launched;
	bool drain_timer;              /* preemption timer armed for the console (vcpu.c) */
	uint16_t vpid;
};

static inline struct vmx_vcpu *vmx_of(const struct vcpu *v)
{
	return (struct vmx_vcpu *)v->arch;
}

/*
 * A partition's EPT as the VT-x backend's second-level tables (struct
 * partition.s2; vmx/s2.c): the tables, and the reserve run-time splits draw
 * from once vmx_s2_seal() set it aside.
 */
struct vmx_s2 {
	struct ept ept;
	struct page_reserve reserve;
};

static inline struct vmx_s2 *vmx_s2(const struct partition *p)
{
	return (struct vmx_s2 *)p->s2;
}

/* struct backend.s2_create, .s2_seal, .s2_map_mmio, .s2_unmap */
int vmx_s2_create(struct partition *p, char *why, size_t whylen);
int vmx_s2_seal(struct partition *p, char *why, size_t whylen);
int vmx_s2_map_mmio(struct partition *p, uint64_t gpa, uint64_t size);
int vmx_s2_unmap(struct partition *p, uint64_t gpa, uint64_t size);
size_t vmx_s2_split_reserve(const struct partition *p);

/* Check, on the calling CPU, everything Septum needs from VT-x; on failure
 * why says what is missing ("VT-x not available (CPUID.1:ECX.VMX = 0)"). The
 * boot CPU's answer fills vmx_caps; APs must match it. */
int vmx_check_cpu(char *why, size_t whylen);
/* IA32_FEATURE_CONTROL, CR0/CR4 fixed bits, VMXON on the calling CPU. */
int vmx_enable_cpu(char *why, size_t whylen);
/* vmx_enable_cpu() and the transient-execution mitigations (struct backend.enable_cpu). */
int vmx_backend_enable_cpu(char *why, size_t whylen);
/* EPT_LARGE_* the EPT may use on this CPU. */
unsigned vmx_large_pages(void);
/* The VT-x backend (septum/arch.h, vmx/vcpu.c). */
extern const struct backend vmx_backend;

/* A control word: (wanted | allowed-0) & allowed-1; fails if a required bit
 * cannot be set. Exposed for the unit tests. */
int vmx_adjust_controls(uint64_t cap_msr, uint32_t required, uint32_t optional, uint32_t *out);

#endif
