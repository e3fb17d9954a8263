// SPDX-License-Identifier: MIT
/*
 * AMD-V exits: decode the VMCB's exit code and exit information into a
 * vendor-neutral struct exit_info for kernel/exit/ (which decides what a
 * guest can ask of Septum), apply its result, and handle what only SVM has
 * (its kicks, #MC, a refused VMRUN). Also the vendor_*() accessors of
 * septum/exit.h over the VMCB.
 *
 * Without NRIP-save (QEMU TCG offers none) the lengths of the intercepted
 * instructions are their architectural ones without prefixes: CPUID,
 * RDMSR, WRMSR, WBINVD, INVD 2 bytes (0F xx), VMMCALL and XSETBV 3 (0F 01
 * xx), HLT 1; IOIO gives the next RIP in EXITINFO2 (APM Vol. 2 §15.10.2).
 * A guest that prefixes one of them resumes inside it: its own problem,
 * nobody else's. With NRIP-save the VMCB's next RIP is used.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <hw/x86.h>
#include <septum/arch.h>
#include <septum/exit.h>
#include <septum/log.h>
#include <septum/msr_policy.h>
#include <svm/backend.h>

/* ---- septum/exit.h's vendor_ops over the VMCB ---- */

static uint64_t svm_reg(struct vcpu *v, enum vreg reg)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	switch (reg) {
	case VREG_RIP:     return g->rip;
	case VREG_RSP:     return g->rsp;
	case VREG_RFLAGS:  return g->rflags;
	case VREG_CR0:     return g->cr0;
	case VREG_CR3:     return g->cr3;
	case VREG_CR4:     return g->cr4;
	case VREG_EFER:    return g->efer & ~(uint64_t)EFER_SVME;   /* VMRUN's, not the guest's */
	case VREG_CS_BASE: return g->cs.base;
	}
	return 0;
}

static void svm_set_reg(struct vcpu *v, enum vreg reg, uint64_t val)
{
	struct vmcb_save *g = &svm_vmcb(v)->save;

	if (reg == VREG_RIP)
		g->rip = val;
	else if (reg == VREG_RSP)
		g->rsp = val;
}

/* CPL: the VMCB's CPL field (Table B-2), SS.DPL as the CPU keeps it. */
static unsigned svm_cpl(struct vcpu *v) { return svm_vmcb(v)->save.cpl & 3; }

static unsigned svm_code_bits(struct vcpu *v)
{
	const struct vmcb_save *g = &svm_vmcb(v)->save;

	if ((g->efer & EFER_LMA) && (g->cs.attrib & 0x200))     /* CS.L */
		return 64;
	return (g->cs.attrib & 0x400) ? 32 : 16;                 /* CS.D */
}

/* A fault delivered by EVENTINJ (§15.20) for the exiting instruction; RF
 * set in the pushed RFLAGS as the CPU does for a fault (see vmx/exit.c). */
static void svm_inject_fault(struct vcpu *v, unsigned vector, bool has_code, uint32_t code)
{
	struct vmcb *vmcb = svm_vmcb(v);

	vmcb->save.rflags |= RFLAGS_RF;
	vmcb->control.event_inj = SVM_EVENT_VALID | SVM_EVENT_TYPE_EXCEPTION | (vector & 0xff) |
				  (has_code ? SVM_EVENT_ERROR_VALID | ((uint64_t)code << SVM_EVENT_ERROR_SHIFT) : 0);
}

/* CR0 and CR4 writes do not exit under SVM (nothing is forced in them);
 * these keep the accessors' contract: long mode follows CR0.PG with
 * EFER.LME (APM Vol. 2 §14.6.1). */
static void svm_write_cr0(struct vcpu *v, uint64_t val)
{
	struct vmcb_save *g = &svm_vmcb(v)->save;

	if ((val & CR0_PG) && !(g->cr0 & CR0_PG) && (g->efer & EFER_LME))
		g->efer |= EFER_LMA;
	else if (!(val & CR0_PG) && (g->cr0 & CR0_PG))
		g->efer &= ~(uint64_t)EFER_LMA;
	g->cr0 = val;
}

static void svm_write_cr4(struct vcpu *v, uint64_t val) { svm_vmcb(v)->save.cr4 = val; }

static void svm_write_efer(struct vcpu *v, uint64_t val)
{
	svm_vmcb(v)->save.efer = val | EFER_SVME;
}

/* MOV to CR4 does not exit: the CPU faults what it lacks by itself. */
static uint64_t svm_cr4_reserved(struct vcpu *v)
{
	(void)v;
	return 0;
}

static uint64_t svm_tsc_offset(struct vcpu *v) { return svm_vmcb(v)->control.tsc_offset; }
static void svm_set_tsc_offset(struct vcpu *v, uint64_t offset) { svm_vmcb(v)->control.tsc_offset = offset; }

/* x2APIC MSRs pass through only in x2APIC mode and only to a host APIC
 * that has them: on an xAPIC-only host they stay intercepted (#GP). */
static void svm_apic_mode_changed(struct vcpu *v, bool x2apic)
{
	svm_msrpm_build(svm_of(v)->msrpm, x2apic && svm_hw_x2apic());
}

/*
 * Guest NMIs are refused (kernel/exit/lapic.c): an NMI injected without
 * V_NMI blocks NMIs until the guest's IRET, which is not intercepted, and
 * while blocked Septum's kicks would not exit. V_NMI (not in QEMU TCG) is
 * the way to offer them later.
 */
static bool svm_guest_nmis(struct vcpu *v)
{
	(void)v;
	return false;
}

/* No iTLB multihit on AMD: large pages are never made non-executable, so a
 * fetch fault is never this case. */
static int svm_split_exec(struct vcpu *v, uint64_t gpa)
{
	(void)v; (void)gpa;
	return -ENOENT;
}

const struct vendor_ops svm_exit_ops = {
	.reg = svm_reg, .set_reg = svm_set_reg, .cpl = svm_cpl, .code_bits = svm_code_bits,
	.inject_fault = svm_inject_fault, .write_cr0 = svm_write_cr0, .write_cr4 = svm_write_cr4,
	.write_efer = svm_write_efer, .cr4_reserved = svm_cr4_reserved, .tsc_offset = svm_tsc_offset,
	.set_tsc_offset = svm_set_tsc_offset, .apic_mode_changed = svm_apic_mode_changed,
	.guest_nmis = svm_guest_nmis, .split_exec = svm_split_exec, .npf_name = "NPT fault",
};

/* ---- exit-count slots ---- */

/* Slots of struct vcpu.exits: codes 0x060-0x0a4 (INTR..TLBSYNC) at
 * code - 0x060, then the ranged and high codes. */
enum {
	SLOT_NPF = VMEXIT_TLBSYNC - VMEXIT_INTR + 1,
	SLOT_EXCP,
	SLOT_CR_DR,
	SLOT_INVALID,
};
_Static_assert(SLOT_INVALID < EXIT_REASON_OTHER, "fits struct vcpu.exits");

unsigned svm_exit_slot(uint64_t code)
{
	if (code >= VMEXIT_INTR && code <= VMEXIT_TLBSYNC)
		return (unsigned)(code - VMEXIT_INTR);
	if (code == VMEXIT_NPF)
		return SLOT_NPF;
	if (code >= VMEXIT_EXCP0 && code <= VMEXIT_EXCP31)
		return SLOT_EXCP;
	if (code < VMEXIT_EXCP0)
		return SLOT_CR_DR;
	if (code == VMEXIT_INVALID)
		return SLOT_INVALID;
	return EXIT_REASON_OTHER;
}

const char *svm_exit_slot_name(unsigned slot)
{
	if (slot < SLOT_NPF)
		return svm_exit_name(VMEXIT_INTR + slot);
	switch (slot) {
	case SLOT_NPF:     return "NPF";
	case SLOT_EXCP:    return "exception";
	case SLOT_CR_DR:   return "CR/DR access";
	case SLOT_INVALID: return "INVALID";
	default:           return "other";
	}
}

/* ---- decoding and applying ---- */

/* An exit that interrupted the delivery of an event through the guest's
 * IDT (EXITINTINFO, §15.7.2): injected again, or it would be lost. A
 * software interrupt, INT3 or INTO is not: the guest's RIP still points
 * at the instruction, which raises it again. */
static void reinject(struct vmcb *vmcb)
{
	uint64_t info = vmcb->control.exit_int_info, type = info & SVM_EVENT_TYPE_MASK;
	unsigned vector = (unsigned)(info & SVM_EVENT_VECTOR_MASK);

	if (!(info & SVM_EVENT_VALID) || type == SVM_EVENT_TYPE_SOFT_INT ||
	    (type == SVM_EVENT_TYPE_EXCEPTION && (vector == 3 || vector == 4)))
		return;
	vmcb->control.event_inj = info & ~SVM_EVENT_RESERVED;
}

static void stop_unknown(struct vcpu *v, struct guest_regs *r, uint64_t code)
{
	const struct vmcb *vmcb = svm_vmcb(v);

	pr_err("partition %s: unhandled exit 0x%llx (%s): EXITINFO1 0x%llx EXITINFO2 0x%llx RIP 0x%llx "
	       "RSP 0x%llx RAX 0x%llx RCX 0x%llx RDX 0x%llx RBX 0x%llx", v->part->name,
	       (unsigned long long)code, svm_exit_name(code), (unsigned long long)vmcb->control.exit_info1,
	       (unsigned long long)vmcb->control.exit_info2, (unsigned long long)vmcb->save.rip,
	       (unsigned long long)vmcb->save.rsp, (unsigned long long)r->rax, (unsigned long long)r->rcx,
	       (unsigned long long)r->rdx, (unsigned long long)r->rbx);
	partition_crash(v->part, "unhandled VM exit 0x%llx (%s) at RIP 0x%llx", (unsigned long long)code,
			svm_exit_name(code), (unsigned long long)vmcb->save.rip);
}

/* A PAT value the CPU takes: each entry a memory type 0, 1, 4, 5, 6 or 7,
 * its reserved bits 7:3 clear (AMD APM Vol. 2 §7.8.1). */
static bool pat_ok(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		uint8_t e = (uint8_t)(pat >> (8 * i));

		if (e > 7 || e == 2 || e == 3)
			return false;
	}
	return true;
}

/*
 * RDMSR/WRMSR of IA32_PAT (intercepted, svm/msrpm.c): the guest's PAT is
 * G_PAT, which the CPU applies to its accesses under nested paging
 * (§15.25.8); a value the CPU refuses is #GP, as WRMSR raises. Handled
 * here because the register is the backend's (VT-x loads and saves it in
 * the VMCS).
 */
static void pat_access(struct vcpu *v, struct guest_regs *r, bool write, unsigned len)
{
	struct vmcb *vmcb = svm_vmcb(v);

	if (write) {
		uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;

		if (!pat_ok(val)) {
			svm_inject_fault(v, VECTOR_GP, true, 0);
			return;
		}
		vmcb->save.g_pat = val;
	} else {
		r->rax = (uint32_t)vmcb->save.g_pat;
		r->rdx = vmcb->save.g_pat >> 32;
	}
	vmcb->save.rip += len;
}

/* Length of the exiting instruction: from NRIP-save where the CPU has it,
 * else the fixed one. */
static unsigned insn_len(const struct vmcb *vmcb, unsigned fixed)
{
	if (svm_boot_caps.nrip_save && vmcb->control.next_rip > vmcb->save.rip)
		return (unsigned)(vmcb->control.next_rip - vmcb->save.rip);
	return fixed;
}

/* The exit as kernel/exit/ sees it; false when it ended the partition
 * already (an unknown exit). */
static bool decode(struct vcpu *v, struct guest_regs *r, uint64_t code, struct exit_info *e)
{
	const struct vmcb *vmcb = svm_vmcb(v);
	uint64_t info1 = vmcb->control.exit_info1, info2 = vmcb->control.exit_info2;

	memset(e, 0, sizeof(*e));
	e->kind = EXIT_KIND_NONE;
	switch (code) {
	case VMEXIT_CPUID:   e->kind = EXIT_KIND_CPUID; e->insn_len = insn_len(vmcb, 2); break;
	case VMEXIT_HLT:     e->kind = EXIT_KIND_HLT; e->insn_len = insn_len(vmcb, 1); break;
	case VMEXIT_VMMCALL: e->kind = EXIT_KIND_HYPERCALL; e->insn_len = insn_len(vmcb, 3); break;
	case VMEXIT_XSETBV:  e->kind = EXIT_KIND_XSETBV; e->insn_len = insn_len(vmcb, 3); break;
	case VMEXIT_MSR:
		e->kind = info1 ? EXIT_KIND_MSR_WRITE : EXIT_KIND_MSR_READ;
		e->insn_len = insn_len(vmcb, 2);
		break;
	case VMEXIT_WBINVD:
	case VMEXIT_INVD:    e->kind = EXIT_KIND_CACHE_FLUSH; e->insn_len = insn_len(vmcb, 2); break;
	case VMEXIT_SHUTDOWN: e->kind = EXIT_KIND_SHUTDOWN; break;
	case VMEXIT_INIT:    e->kind = EXIT_KIND_INIT_SIGNAL; break;
	case VMEXIT_VMRUN: case VMEXIT_VMLOAD: case VMEXIT_VMSAVE: case VMEXIT_STGI:
	case VMEXIT_CLGI: case VMEXIT_SKINIT: case VMEXIT_INVLPGA: case VMEXIT_MONITOR:
	case VMEXIT_MWAIT: case VMEXIT_MWAIT_CONDITIONAL:
		e->kind = EXIT_KIND_UNDEFINED;
		break;
	case VMEXIT_IOIO:
		e->kind = EXIT_KIND_IO;
		e->io.port = svm_ioio_port(info1);
		e->io.size = (uint8_t)svm_ioio_size(info1);
		e->io.in = info1 & SVM_IOIO_TYPE_IN;
		e->io.string = info1 & SVM_IOIO_STR;
		e->insn_len = (unsigned)(info2 - vmcb->save.rip);   /* EXITINFO2: the next RIP */
		break;
	case VMEXIT_NPF:
		e->kind = EXIT_KIND_NPF;
		e->npf.gpa = info2;
		e->npf.write = info1 & SVM_NPF_WRITE;
		e->npf.fetch = info1 & SVM_NPF_FETCH;
		break;
	case VMEXIT_NMI:
		/* Septum's kick: taken by the host at the STGI after the exit;
		 * the stop checks act on it. Guest NMIs are never physical. */
	case VMEXIT_INTR:
		break;
	default:
		stop_unknown(v, r, code);
		return false;
	}
	return true;
}

/* A #MC while the guest ran (exception intercept 18): Septum's to handle,
 * with the guest as the interrupted context. */
static bool handle_machine_check(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);

	if (svm_hw_machine_check(v->part->name) == MCE_CONTINUE) {
		reinject(vmcb);
		return !partition_leaving(v->part);
	}
	partition_stop(v->part, "machine check while it ran at RIP 0x%llx (banks logged above)",
		       (unsigned long long)vmcb->save.rip);
	return false;
}

bool svm_exit_dispatch(struct vcpu *v, struct guest_regs *r)
{
	struct vmcb *vmcb = svm_vmcb(v);
	uint64_t code = vmcb->control.exit_code;
	struct exit_info e;

	/* A refused VMRUN is exit code -1 (APM Vol. 2 §15.5.1); QEMU 7.2 TCG
	 * stores it as the 32-bit -1. */
	if (code == 0xffffffffull)
		code = VMEXIT_INVALID;
	v->exits[svm_exit_slot(code)]++;
	vmcb->control.event_inj = 0;
	if (code == VMEXIT_EXCP0 + VECTOR_MC)
		return handle_machine_check(v);
	if (code == VMEXIT_INVALID) {
		/* No RIP: what the save area holds after a refused VMRUN is
		 * not the guest's (QEMU 7.2 leaves Septum's there). */
		partition_stop(v->part, "VMRUN refused the guest state (VMEXIT_INVALID, APM Vol. 2 §15.5.1)");
		return false;
	}
	if (partition_leaving(v->part) || VCPU_RUN_STATE(atomic_load(&v->run)) != VCPU_RUNNING)
		return false;
	if (code == VMEXIT_MSR && (uint32_t)r->rcx == SVM_MSR_PAT) {
		pat_access(v, r, vmcb->control.exit_info1 != 0, insn_len(vmcb, 2));
		return true;
	}
	if (!decode(v, r, code, &e))
		return false;
	switch (exit_handle(v, r, &e)) {
	case EXIT_RESUME:
		return true;
	case EXIT_RETRY:
		reinject(vmcb);
		return true;
	case EXIT_LEAVE:
		break;
	}
	return false;
}
