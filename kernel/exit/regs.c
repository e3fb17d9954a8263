// SPDX-License-Identifier: MIT
/*
 * RDMSR/WRMSR and MOV to CR0/CR4 (septum/exit.h): which MSRs a guest
 * reaches is msr_policy.c's table; this file gives the emulated ones their
 * architectural meaning and raises the faults the bare CPU would.
 */
#include <stdio.h>
#include <hw/x86.h>
#include <septum/arch.h>
#include <septum/log.h>
#include <septum/msr_policy.h>
#include <septum/policy.h>
#include <septum/xapic.h>
#include "exit_internal.h"

/*
 * WRMSR to IA32_EFER (SDM Vol. 3A §2.2.1, §9.8.5; Vol. 4 Table 2-2): only
 * SCE, LME, NXE (where CPUID.80000001H:EDX.NX says it exists) can be
 * written; LMA is the CPU's and a written value is ignored. A reserved bit
 * is #GP(0) on the hardware, and must be here: stored in the guest state
 * it would fail the next VM entry and end the partition outside its
 * on_crash policy. LME may only change while paging is off.
 */
static bool efer_write_ok(uint64_t old, uint64_t val, uint64_t cr0)
{
	uint32_t ext[4];
	uint64_t writable = EFER_SCE | EFER_LME | EFER_LMA;

	hw_cpuid(0x80000001u, 0, ext);
	if (ext[3] & CPUID_EXT1_EDX_NX)
		writable |= EFER_NXE;
	if (val & ~writable)
		return false;
	return !(((old ^ val) & EFER_LME) && (cr0 & CR0_PG));
}

/*
 * The guest's TSC is the host's plus this vCPU's TSC offset (RDTSC,
 * RDTSCP and RDMSR of the TSC add it without an exit). The two MSRs keep
 * their SDM meaning (Vol. 3B §19.17.3): a write to IA32_TIME_STAMP_COUNTER
 * sets this vCPU's counter and adds the same step to IA32_TSC_ADJUST; a
 * write to IA32_TSC_ADJUST moves the counter by the change. Per vCPU, as
 * per logical processor on hardware; the other vCPUs and the host's own
 * TSC_ADJUST are untouched.
 */
static void write_tsc(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t offset = vendor_tsc_offset(v), step;

	if (msr == MSR_IA32_TSC) {
		step = val - (arch_timestamp() + offset);
		v->tsc_adjust += step;
	} else {
		step = val - v->tsc_adjust;
		v->tsc_adjust = val;
	}
	vendor_set_tsc_offset(v, offset + step);
}

/* CPUID.80000008H:EAX[7:0], 36 where the leaf is missing (SDM Vol. 3A §4.1.4). */
static unsigned maxphyaddr(void)
{
	uint32_t out[4];

	hw_cpuid(0x80000000, 0, out);
	if (out[0] < 0x80000008)
		return 36;
	hw_cpuid(0x80000008, 0, out);
	return out[0] & 0xff;
}

static bool write_emulated(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t old;

	switch (msr) {
	case MSR_X2APIC_ICR:
		exit_icr_write(v, val, false);
		return true;
	case MSR_IA32_APIC_BASE:
		return exit_apic_base_write(v, val);
	case MSR_IA32_TSC:
	case MSR_IA32_TSC_ADJUST:
		write_tsc(v, msr, val);
		return true;
	case MSR_EFER:
		old = vendor_reg(v, VREG_EFER);
		if (!efer_write_ok(old, val, vendor_reg(v, VREG_CR0)))
			return false;
		vendor_write_efer(v, (val & ~EFER_LMA) | (old & EFER_LMA));
		return true;
	default:
		return false;
	}
}

enum exit_result exit_wrmsr(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	bool ok;

	switch (msr_is_x2apic(msr) && apic_mode_of(v->apic_base) != APIC_MODE_X2APIC ? MSR_GP :
		msr_write_access(msr)) {
	case MSR_ABSORB:
		ok = msr_mtrr_write_ok(msr, val, maxphyaddr());
		break;
	case MSR_EMULATE:
		ok = write_emulated(v, msr, val);
		break;
	case MSR_PASS:      /* outside the bitmap's ranges these still exit */
	case MSR_GP:
	default:
		ok = false;
		break;
	}
	if (!ok) {
		log_guest(v->part, LOG_DEBUG, "partition %s: WRMSR 0x%x refused (#GP)", v->part->name, msr);
		return exit_fault(v, VECTOR_GP, true, 0);
	}
	exit_skip(v, e);
	return EXIT_RESUME;
}

enum exit_result exit_rdmsr(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val;

	if (msr_read_access(msr) != MSR_EMULATE) {
		log_guest(v->part, LOG_DEBUG, "partition %s: RDMSR 0x%x refused (#GP)", v->part->name, msr);
		return exit_fault(v, VECTOR_GP, true, 0);
	}
	switch (msr) {
	case MSR_EFER:                   val = vendor_reg(v, VREG_EFER); break;
	case MSR_IA32_APIC_BASE:         val = v->apic_base; break;
	case MSR_IA32_FEATURE_CONTROL:   val = 1; break;          /* locked, VMX off */
	case MSR_IA32_BIOS_SIGN_ID:      val = SEPTUM_GUEST_UCODE_REV << 32; break;
	case MSR_IA32_DEBUGCTL:          val = 0; break;
	case MSR_IA32_ARCH_CAPABILITIES: val = SEPTUM_GUEST_ARCH_CAPABILITIES; break;
	case MSR_IA32_TSC_ADJUST:        val = v->tsc_adjust; break;
	default:
		return exit_fault(v, VECTOR_GP, true, 0);
	}
	r->rax = (uint32_t)val;
	r->rdx = val >> 32;
	exit_skip(v, e);
	return EXIT_RESUME;
}

/*
 * MOV to CR0 (SDM Vol. 2 MOV CR, Vol. 3A §2.5): bits 63:32 set, PG without
 * PE, NW without CD fault; so does turning paging on with EFER.LME set and
 * CR4.PAE clear (§9.8.5). Let through, each would fail the VM entry
 * instead of faulting in the guest. Entering or leaving IA-32e mode is the
 * backend's (vendor_write_cr0).
 */
static bool cr0_write_ok(struct vcpu *v, uint64_t val)
{
	uint64_t old = vendor_reg(v, VREG_CR0);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD)))
		return false;
	return !((val & CR0_PG) && !(old & CR0_PG) && (vendor_reg(v, VREG_EFER) & EFER_LME) &&
		 !(vendor_reg(v, VREG_CR4) & CR4_PAE));
}

/*
 * MOV to CR4: VMX and SVM are hidden (CPUID.1:ECX.VMX = 0, CPUID
 * 80000001H:ECX.SVM = 0), so setting CR4.VMXE is #GP(0), as on a CPU
 * without VMX (SDM Vol. 3A §2.5); so is a bit this CPU does not have.
 */
static bool cr4_write_ok(struct vcpu *v, uint64_t val)
{
	return !(val & CR4_VMXE) && !(val & vendor_cr4_reserved(v));
}

enum exit_result exit_cr_write(struct vcpu *v, struct guest_regs *r, const struct exit_info *e)
{
	uint64_t val = e->cr.gpr == 4 ? vendor_reg(v, VREG_RSP) : ((uint64_t *)r)[e->cr.gpr & 15];

	if (!(vendor_reg(v, VREG_EFER) & EFER_LMA))
		val = (uint32_t)val;
	if (e->cr.cr == 0) {
		if (!cr0_write_ok(v, val))
			return exit_fault(v, VECTOR_GP, true, 0);
		vendor_write_cr0(v, val);
	} else {
		if (!cr4_write_ok(v, val))
			return exit_fault(v, VECTOR_GP, true, 0);
		vendor_write_cr4(v, val);
	}
	exit_skip(v, e);
	return EXIT_RESUME;
}
