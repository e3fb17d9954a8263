// SPDX-License-Identifier: MIT
/*
 * VT-x exits: decode the VMCS's exit information into a vendor-neutral
 * struct exit_info for kernel/exit/ (which decides everything a guest can
 * ask of Septum), apply its result, and handle what only VT-x has: NMI
 * kicks and virtual NMIs, the preemption timer, external interrupts,
 * machine checks at exit and entry, failed entries, EPT misconfigurations.
 * Also the vendor_*() accessors of septum/exit.h over the VMCS.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <septum/arch.h>
#include <septum/exit.h>
#include <septum/log.h>
#include <septum/msr_policy.h>
#include <vmx/ept.h>
#include <vmx/exit.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>

/* Exit qualification layouts (SDM Vol. 3C §28.2.1) */
#define IO_QUAL_SIZE(q)   ((unsigned)((q) & 7) + 1)   /* Table 28-5: 0=1, 1=2, 3=4 bytes */
#define IO_QUAL_IN        BIT(3)
#define IO_QUAL_STRING    BIT(4)
#define IO_QUAL_PORT(q)   ((uint16_t)((q) >> 16))
#define CR_QUAL_CR(q)     ((unsigned)((q) & 15))       /* Table 28-3 */
#define CR_QUAL_TYPE(q)   ((unsigned)(((q) >> 4) & 3)) /* 0: MOV to CR */
#define CR_QUAL_GPR(q)    ((unsigned)(((q) >> 8) & 15))
#define EPT_QUAL_WRITE    BIT(1)                       /* Table 28-7 */
#define EPT_QUAL_FETCH    BIT(2)

/* ---- septum/exit.h's vendor_ops over the current VMCS ---- */

static uint64_t vmx_reg(struct vcpu *v, enum vreg reg)
{
	uint64_t mask;

	(void)v;
	switch (reg) {
	case VREG_RIP:     return vmcs_read(GUEST_RIP);
	case VREG_RSP:     return vmcs_read(GUEST_RSP);
	case VREG_RFLAGS:  return vmcs_read(GUEST_RFLAGS);
	case VREG_CR3:     return vmcs_read(GUEST_CR3);
	case VREG_EFER:    return vmcs_read(GUEST_IA32_EFER);
	case VREG_CS_BASE: return vmcs_read(GUEST_CS_BASE);
	case VREG_CR0:
		/* The read shadow holds the bits Septum owns (the guest/host
		 * mask); the others the guest changes without an exit, so they
		 * are in GUEST_CR0. Same for CR4. */
		mask = vmcs_read(CR0_GUEST_HOST_MASK);
		return (vmcs_read(GUEST_CR0) & ~mask) | (vmcs_read(CR0_READ_SHADOW) & mask);
	case VREG_CR4:
		mask = vmcs_read(CR4_GUEST_HOST_MASK);
		return (vmcs_read(GUEST_CR4) & ~mask) | (vmcs_read(CR4_READ_SHADOW) & mask);
	}
	return 0;
}

static void vmx_set_reg(struct vcpu *v, enum vreg reg, uint64_t val)
{
	(void)v;
	if (reg == VREG_RIP)
		vmcs_write(GUEST_RIP, val);
	else if (reg == VREG_RSP)
		vmcs_write(GUEST_RSP, val);
}

static unsigned vmx_cpl(struct vcpu *v)
{
	(void)v;
	/* CPL is SS.DPL (SDM Vol. 3C §27.3.1.5 "Checks on Guest Segment Registers"). */
	return (unsigned)((vmcs_read(GUEST_SS_AR) >> 5) & 3);
}

static unsigned vmx_code_bits(struct vcpu *v)
{
	uint64_t ar = vmcs_read(GUEST_CS_AR);

	(void)v;
	return (vmcs_read(GUEST_IA32_EFER) & EFER_LMA) && (ar & AR_L) ? 64 : (ar & AR_DB) ? 32 : 16;
}

/*
 * A fault Septum raises for the guest (a refused MSR, a bad CR or EFER
 * value, a VMX instruction) must look like the CPU's own: for every
 * fault-class exception the RFLAGS image pushed has RF set (SDM Vol. 3A
 * §7.6 and Vol. 3B §19.3.1.1: so that an instruction breakpoint on the
 * faulting instruction does not fire again after IRET). VM entry pushes
 * GUEST_RFLAGS as it is (Vol. 3C §27.6.1.1), so RF is set there; delivery
 * then clears it in the handler's RFLAGS, as the CPU does. Septum only
 * injects #UD and #GP, both faults.
 */
static void vmx_inject_fault(struct vcpu *v, unsigned vector, bool has_code, uint32_t code)
{
	(void)v;
	vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) | RFLAGS_RF);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector |
		   (has_code ? INTR_INFO_DELIVER_CODE : 0));
	if (has_code)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
}

/* CR0 write: when paging turns on with EFER.LME set the CPU enters IA-32e
 * mode, which under VMX is the hypervisor's to do: EFER.LMA and the "IA-32e
 * mode guest" entry control follow CR0.PG (SDM Vol. 3A §9.8.5, Vol. 3C
 * §26.3.2.1). The real register keeps the bits VMX requires (the mask);
 * the guest reads what it wrote (the shadow). */
static void vmx_write_cr0(struct vcpu *v, uint64_t val)
{
	uint64_t old = vmx_reg(v, VREG_CR0), efer = vmcs_read(GUEST_IA32_EFER);
	uint64_t entry = vmcs_read(VM_ENTRY_CONTROLS);

	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		vmcs_write(GUEST_IA32_EFER, efer | EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, entry | ENTRY_IA32E_MODE);
	} else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		vmcs_write(GUEST_IA32_EFER, efer & ~EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, entry & ~(uint64_t)ENTRY_IA32E_MODE);
	}
	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, val | vmcs_read(CR0_GUEST_HOST_MASK));
}

static void vmx_write_cr4(struct vcpu *v, uint64_t val)
{
	(void)v;
	vmcs_write(CR4_READ_SHADOW, val);
	vmcs_write(GUEST_CR4, val | vmcs_read(CR4_GUEST_HOST_MASK));
}

static void vmx_write_efer(struct vcpu *v, uint64_t val)
{
	(void)v;
	vmcs_write(GUEST_IA32_EFER, val);
}

/* A bit this CPU does not allow in CR4 in VMX operation (IA32_VMX_CR4_FIXED1
 * clear, SDM Vol. 3D §A.8) is reserved: #GP(0), as MOV to CR4 raises,
 * rather than a VM entry that fails its CR4 check. */
static uint64_t vmx_cr4_reserved(struct vcpu *v)
{
	(void)v;
	return ~vmx_hw_cr4_fixed1();
}

static uint64_t vmx_tsc_offset(struct vcpu *v)
{
	(void)v;
	return vmcs_read(TSC_OFFSET);
}

static void vmx_set_tsc_offset(struct vcpu *v, uint64_t offset)
{
	(void)v;
	vmcs_write(TSC_OFFSET, offset);
}

static void vmx_apic_mode_changed(struct vcpu *v, bool x2apic)
{
	msr_bitmap_build(vmx_of(v)->msr_bitmap, x2apic);
}

/*
 * Guest NMIs need the "virtual NMIs" control (SDM Vol. 3C §25.6.1):
 * without it an injected NMI blocks NMIs for good, because with "NMI
 * exiting" the guest's IRET does not unblock them (§26.3) — and Septum's
 * kicks would then never land. On such a CPU vcpu_prepare leaves the
 * control off and guest NMIs are refused (kernel/exit/lapic.c).
 */
static bool vmx_guest_nmis(struct vcpu *v)
{
	(void)v;
	return vmcs_read(PIN_BASED_VM_EXEC_CONTROL) & PIN_VIRTUAL_NMIS;
}

static int vmx_split_exec(struct vcpu *v, uint64_t gpa)
{
	int rc = ept_split_exec(&vmx_s2(v->part)->ept, (gpa_t){ gpa });

	if (!rc)
		vmx_hw_invept();      /* the non-executable large translation may be cached */
	return rc;
}

const struct vendor_ops vmx_exit_ops = {
	.reg = vmx_reg, .set_reg = vmx_set_reg, .cpl = vmx_cpl, .code_bits = vmx_code_bits,
	.inject_fault = vmx_inject_fault, .write_cr0 = vmx_write_cr0, .write_cr4 = vmx_write_cr4,
	.write_efer = vmx_write_efer, .cr4_reserved = vmx_cr4_reserved, .tsc_offset = vmx_tsc_offset,
	.set_tsc_offset = vmx_set_tsc_offset, .apic_mode_changed = vmx_apic_mode_changed,
	.guest_nmis = vmx_guest_nmis, .split_exec = vmx_split_exec, .npf_name = "EPT violation",
};

/* Basic exit reasons (SDM Vol. 3D App. C), for the exit counts and logs. */
static const char *const reason_names[EXIT_REASON_SLOTS] = {
	[0] = "exception/NMI", [1] = "external interrupt", [2] = "triple fault", [3] = "INIT",
	[4] = "SIPI", [7] = "interrupt window", [8] = "NMI window", [9] = "task switch",
	[10] = "CPUID", [11] = "GETSEC", [12] = "HLT", [13] = "INVD", [14] = "INVLPG",
	[15] = "RDPMC", [16] = "RDTSC", [17] = "RSM", [18] = "VMCALL", [19] = "VMCLEAR",
	[20] = "VMLAUNCH", [21] = "VMPTRLD", [22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
	[25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON", [28] = "CR access", [29] = "MOV DR",
	[30] = "I/O", [31] = "RDMSR", [32] = "WRMSR", [33] = "invalid guest state",
	[34] = "MSR loading", [36] = "MWAIT", [37] = "monitor trap flag", [39] = "MONITOR",
	[40] = "PAUSE", [41] = "machine check", [43] = "TPR below threshold", [44] = "APIC access",
	[45] = "virtualized EOI", [46] = "GDTR/IDTR access", [47] = "LDTR/TR access",
	[48] = "EPT violation", [49] = "EPT misconfiguration", [50] = "INVEPT", [51] = "RDTSCP",
	[52] = "preemption timer", [53] = "INVVPID", [54] = "WBINVD", [55] = "XSETBV",
	[56] = "APIC write", [57] = "RDRAND", [58] = "INVPCID", [59] = "VMFUNC", [60] = "ENCLS",
	[61] = "RDSEED", [62] = "PML full", [63] = "XSAVES", [64] = "XRSTORS",
	[EXIT_REASON_OTHER] = "other",
};

const char *vmx_exit_name(unsigned reason)
{
	if (reason < EXIT_REASON_SLOTS && reason_names[reason])
		return reason_names[reason];
	return "unknown";
}

/* ---- NMIs and event re-injection ---- */

static void set_nmi_window_exiting(bool on)
{
	uint64_t ctl = vmcs_read(CPU_BASED_VM_EXEC_CONTROL);
	uint64_t want = on ? ctl | CPU_NMI_WINDOW_EXITING : ctl & ~(uint64_t)CPU_NMI_WINDOW_EXITING;

	if (want != ctl)
		vmcs_write(CPU_BASED_VM_EXEC_CONTROL, want);
}

/*
 * On every way back into the guest: inject a pending guest NMI if the guest
 * can take one now, else ask for an exit when it can (NMI-window exiting,
 * §26.2). It cannot while it blocks NMIs (an NMI handler that has not
 * returned: virtual-NMI blocking, so injected NMIs never nest), in a STI or
 * MOV SS shadow (§27.3.1.5: NMI injection there fails the VM entry on some
 * CPUs), or while another event is being injected on this entry.
 */
void vmx_nmi_deliver(struct vcpu *v)
{
	const uint64_t blocking = INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS | INTERRUPTIBILITY_NMI;

	if (!atomic_load(&v->nmi_pending)) {
		set_nmi_window_exiting(false);
		return;
	}
	if ((vmcs_read(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) || (vmcs_read(GUEST_INTERRUPTIBILITY) & blocking)) {
		set_nmi_window_exiting(true);
		return;
	}
	atomic_store(&v->nmi_pending, false);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | VECTOR_NMI);
	set_nmi_window_exiting(false);
}

/*
 * An exit that interrupted the delivery of an event through the guest's
 * IDT (IDT-vectoring information, SDM Vol. 3C §28.2.4): the event is
 * injected again on the next entry, or it would be lost. Software
 * interrupts and exceptions need the instruction length (§27.6.1.3).
 */
static void reinject_vectoring(void)
{
	uint32_t info = (uint32_t)vmcs_read(IDT_VECTORING_INFO);
	unsigned type = INTR_INFO_TYPE(info);

	if (!(info & INTR_INFO_VALID))
		return;
	vmcs_write(VM_ENTRY_INTR_INFO, info & (INTR_INFO_VALID | INTR_INFO_DELIVER_CODE | 0x7ffu));
	if (info & INTR_INFO_DELIVER_CODE)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SW_INTR || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
		vmcs_write(VM_ENTRY_INSTRUCTION_LEN, vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

static bool stop_unknown(struct vcpu *v, struct guest_regs *r, uint32_t reason)
{
	pr_err("partition %s: unhandled exit %u (%s): qualification 0x%llx RIP 0x%llx RSP 0x%llx "
	       "RAX 0x%llx RCX 0x%llx RDX 0x%llx RBX 0x%llx", v->part->name, reason,
	       vmx_exit_name(reason), (unsigned long long)vmcs_read(EXIT_QUALIFICATION),
	       (unsigned long long)vmcs_read(GUEST_RIP), (unsigned long long)vmcs_read(GUEST_RSP),
	       (unsigned long long)r->rax, (unsigned long long)r->rcx, (unsigned long long)r->rdx,
	       (unsigned long long)r->rbx);
	partition_crash(v->part, "unhandled VM exit %u (%s) at RIP 0x%llx", reason, vmx_exit_name(reason),
		       (unsigned long long)vmcs_read(GUEST_RIP));
	return false;
}

/*
 * A machine check while the guest ran (exception bitmap bit 18; the #MC is
 * not delivered anywhere yet) or during VM entry (exit reason 41): Septum
 * handles it as its own, with the guest as the interrupted context.
 */
static bool handle_machine_check(struct vcpu *v)
{
	if (vmx_hw_machine_check(v->part->name) == MCE_CONTINUE) {
		reinject_vectoring();
		return true;
	}
	partition_stop(v->part, "machine check while it ran at RIP 0x%llx (banks logged above)",
		       (unsigned long long)vmcs_read(GUEST_RIP));
	return false;
}

static bool is_machine_check(uint32_t reason)
{
	uint32_t info = (uint32_t)vmcs_read(VM_EXIT_INTR_INFO);

	return reason == EXIT_MACHINE_CHECK ||
	       (reason == EXIT_EXCEPTION_NMI && (info & INTR_INFO_VALID) &&
		INTR_INFO_TYPE(info) == 3 && (info & 0xff) == VECTOR_MC);
}

/*
 * The exit as kernel/exit/ sees it. VT-x's own exits (kicks, the NMI
 * window, external interrupts) become EXIT_KIND_NONE after their work
 * here. Returns false when the exit ended the partition already (an
 * unknown reason, an EPT misconfiguration).
 */
static bool decode(struct vcpu *v, struct guest_regs *r, uint32_t reason, struct exit_info *e)
{
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);

	memset(e, 0, sizeof(*e));
	e->kind = EXIT_KIND_NONE;
	e->insn_len = (unsigned)vmcs_read(VM_EXIT_INSTRUCTION_LEN);
	switch (reason) {
	case EXIT_CPUID:      e->kind = EXIT_KIND_CPUID; break;
	case EXIT_HLT:        e->kind = EXIT_KIND_HLT; break;
	case EXIT_VMCALL:     e->kind = EXIT_KIND_HYPERCALL; break;
	case EXIT_XSETBV:     e->kind = EXIT_KIND_XSETBV; break;
	case EXIT_RDMSR:      e->kind = EXIT_KIND_MSR_READ; break;
	case EXIT_WRMSR:      e->kind = EXIT_KIND_MSR_WRITE; break;
	case EXIT_TRIPLE_FAULT: e->kind = EXIT_KIND_SHUTDOWN; break;
	case EXIT_INIT:       e->kind = EXIT_KIND_INIT_SIGNAL; break;
	case EXIT_WBINVD:
	case EXIT_INVD:       e->kind = EXIT_KIND_CACHE_FLUSH; break;
	case EXIT_VMCLEAR: case EXIT_VMLAUNCH: case EXIT_VMPTRLD: case EXIT_VMPTRST:
	case EXIT_VMREAD: case EXIT_VMRESUME: case EXIT_VMWRITE: case EXIT_VMXOFF:
	case EXIT_VMXON: case EXIT_INVEPT: case EXIT_INVVPID: case EXIT_VMFUNC:
	case EXIT_MWAIT: case EXIT_MONITOR:
		e->kind = EXIT_KIND_UNDEFINED;
		break;
	case EXIT_IO:
		e->kind = EXIT_KIND_IO;
		e->io.port = IO_QUAL_PORT(q);
		e->io.size = (uint8_t)IO_QUAL_SIZE(q);
		e->io.in = q & IO_QUAL_IN;
		e->io.string = q & IO_QUAL_STRING;
		break;
	case EXIT_CR_ACCESS:
		/* Only CR0 and CR4 have bits in the guest/host masks, and CR3
		 * loads and stores do not exit: anything else is unexpected. */
		if (CR_QUAL_TYPE(q) != 0 || (CR_QUAL_CR(q) != 0 && CR_QUAL_CR(q) != 4)) {
			partition_stop(v->part, "unexpected control-register access (qualification 0x%llx) at RIP 0x%llx",
				       (unsigned long long)q, (unsigned long long)vmcs_read(GUEST_RIP));
			return false;
		}
		e->kind = EXIT_KIND_CR_WRITE;
		e->cr.cr = (uint8_t)CR_QUAL_CR(q);
		e->cr.gpr = (uint8_t)CR_QUAL_GPR(q);
		break;
	case EXIT_EPT_VIOLATION:
		e->kind = EXIT_KIND_NPF;
		e->npf.gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
		e->npf.write = q & EPT_QUAL_WRITE;
		e->npf.fetch = q & EPT_QUAL_FETCH;
		break;
	case EXIT_EXCEPTION_NMI:
		/* Only NMIs and #MC exit (exception bitmap), and every physical NMI
		 * is Septum's (a kick: the stop checks act on it) or the
		 * platform's: guest NMIs are virtual (kernel/exit/lapic.c), and
		 * vmx_nmi_deliver injects them after the exit. */
	case EXIT_PREEMPTION_TIMER:
		/* Armed at 0 by a kick that reached this CPU in root mode just
		 * before VM entry (vmx/vcpu.c): the stop checks do its work. */
	case EXIT_NMI_WINDOW:
		/* The guest can take its pending NMI now: vmx_nmi_deliver. */
		break;
	case EXIT_EXTERNAL_INTR:
		vmx_hw_eoi();       /* acknowledged on exit; Septum has no device interrupts */
		break;
	case EXIT_EPT_MISCONFIG:
		partition_stop(v->part, "EPT misconfiguration at GPA 0x%llx (Septum bug)",
			       (unsigned long long)vmcs_read(GUEST_PHYSICAL_ADDRESS));
		return false;
	default:
		stop_unknown(v, r, reason);
		return false;
	}
	return true;
}

static bool handle_exit(struct vcpu *v, struct guest_regs *r, uint32_t full)
{
	uint32_t reason = full & 0xffff;
	struct exit_info e;

	v->exits[reason < EXIT_REASON_OTHER ? reason : EXIT_REASON_OTHER]++;
	/* First, whatever else the exit means: MCIP must be cleared. */
	if (is_machine_check(reason) && !handle_machine_check(v))
		return false;
	if (reason == EXIT_EXCEPTION_NMI && !is_machine_check(reason))
		vmx_hw_nmi_unblock();
	if (reason == EXIT_MACHINE_CHECK)
		return !partition_leaving(v->part);   /* the entry is simply tried again */
	if (full & EXIT_REASON_ENTRY_FAILURE) {
		partition_stop(v->part, "VM entry failed: %s (exit reason %u, qualification 0x%llx)",
			       vmx_exit_name(reason), reason,
			       (unsigned long long)vmcs_read(EXIT_QUALIFICATION));
		return false;
	}
	if (partition_leaving(v->part))
		return false;
	if (VCPU_RUN_STATE(atomic_load(&v->run)) != VCPU_RUNNING)
		return false;
	if (is_machine_check(reason))
		return true;            /* handled above */
	if (!decode(v, r, reason, &e))
		return false;
	switch (exit_handle(v, r, &e)) {
	case EXIT_RESUME:
		return true;
	case EXIT_RETRY:
		reinject_vectoring();
		return true;
	case EXIT_LEAVE:
		break;
	}
	return false;
}

bool vmx_exit_dispatch(struct vcpu *v, struct guest_regs *r)
{
	if (!handle_exit(v, r, (uint32_t)vmcs_read(VM_EXIT_REASON)))
		return false;
	vmx_nmi_deliver(v);
	return true;
}
