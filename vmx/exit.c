// SPDX-License-Identifier: MIT
/*
 * VM-exit dispatch. Every guest value is untrusted: ports, MSR numbers,
 * hypercall arguments and addresses are checked before use, and anything
 * Septum does not know how to handle stops the partition with the exit's
 * details logged — never the hypervisor, never another partition.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <septum/abi.h>
#include <septum/arch.h>
#include <septum/guest_walk.h>
#include <septum/log.h>
#include <septum/mmio_insn.h>
#include <septum/msr_policy.h>
#include <septum/policy.h>
#include <septum/vacpi.h>
#include <septum/vpci.h>
#include <septum/xapic.h>
#include <vmx/ept.h>
#include <vmx/exit.h>
#include <vmx/vmcs.h>

#define MSR_EFER       0xc0000080u
#define MSR_X2APIC_ICR 0x830u
#define MSR_APIC_BASE  0x01bu
#define MSR_FEATURE_CONTROL 0x03au
#define MSR_BIOS_SIGN_ID 0x08bu
#define MSR_DEBUGCTL   0x1d9u
#define MSR_ARCH_CAPABILITIES 0x10au
#define MSR_TSC        0x010u
#define MSR_TSC_ADJUST 0x03bu
/* Ways a PC resets itself: the chipset's Reset Control register (0xcf9,
 * bit 2 starts the reset; also the vACPI FADT's RESET_REG) and the
 * keyboard controller's "pulse output port" command 0xfe on port 0x64. */
#define RESET_CONTROL_PORT     0xcf9u
#define RESET_CONTROL_RST_CPU  BIT(2)
#define KBC_COMMAND_PORT       0x64u
#define KBC_PULSE_RESET        0xfeu
#define EFER_SCE       BIT(0)
#define EFER_LME       BIT(8)
#define EFER_LMA       BIT(10)
#define EFER_NXE       BIT(11)
#define CPUID_EXT1_EDX_NX BIT(20)   /* CPUID.80000001H:EDX.NX: EFER.NXE exists */
#define RFLAGS_RF      BIT(16)  /* resume flag (SDM Vol. 3B §19.3.1.1) */
#define CR0_PE         BIT(0)
#define CR0_NW         BIT(29)
#define CR0_CD         BIT(30)
#define CR0_PG         BIT(31)
#define CR4_PAE        BIT(5)
#define CR4_VMXE       BIT(13)
#define CR4_OSXSAVE    BIT(18)
#define CR4_PKE        BIT(22)
#define ICR_DM_MASK    (7u << 8)
#define ICR_DM_NMI     (4u << 8)

static void skip_instruction(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
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
static void inject_exception(unsigned vector, bool has_code, uint32_t code)
{
	vmcs_write(GUEST_RFLAGS, vmcs_read(GUEST_RFLAGS) | RFLAGS_RF);
	vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector |
		   (has_code ? INTR_INFO_DELIVER_CODE : 0));
	if (has_code)
		vmcs_write(VM_ENTRY_EXCEPTION_ERROR_CODE, code);
}

static unsigned guest_cpl(void)
{
	/* CPL is SS.DPL (SDM Vol. 3C §27.3.1.5 "Checks on Guest Segment Registers"). */
	return (unsigned)((vmcs_read(GUEST_SS_AR) >> 5) & 3);
}

static bool handle_cpuid(struct vcpu *v, struct guest_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx, out[4];
	struct cpuid_result res;

	vmx_hw_cpuid(leaf, sub, out);
	res = (struct cpuid_result){ out[0], out[1], out[2], out[3] };
	cpuid_policy(v, leaf, sub, &res);
	/* OSXSAVE and OSPKE reflect the CR4 of whoever runs CPUID; Septum
	 * ran it, so they are set from the guest's CR4 here. */
	if (leaf == 1 && (vmcs_read(GUEST_CR4) & CR4_OSXSAVE))
		res.ecx |= CPUID1_ECX_OSXSAVE;
	if (leaf == 0xd && sub == 1)
		res.ebx = xsave_compacted_size(v->xcr0, vmx_hw_cpuid);
	if (leaf == 7 && sub == 0)
		res.ecx = (res.ecx & ~CPUID7_ECX_OSPKE) | ((vmcs_read(GUEST_CR4) & CR4_PKE) ? CPUID7_ECX_OSPKE : 0);
	r->rax = res.eax;
	r->rbx = res.ebx;
	r->rcx = res.ecx;
	r->rdx = res.edx;
	skip_instruction();
	return true;
}

/* IN writes AL/AX/EAX; a 32-bit result zero-extends into RAX like every
 * 32-bit register write (SDM Vol. 1 §3.4.1.1), 8/16-bit ones merge. */
static void set_in_result(struct guest_regs *r, unsigned size, uint32_t val)
{
	if (size == 4)
		r->rax = val;
	else
		r->rax = (r->rax & ~(uint64_t)((1u << (size * 8)) - 1)) | val;
}

static bool handle_io(struct vcpu *v, struct guest_regs *r)
{
	struct partition *p = v->part;
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1;      /* SDM Table 28-5: 0=1, 1=2, 3=4 bytes */
	bool in = q & BIT(3), string = q & BIT(4);
	uint16_t port = (uint16_t)(q >> 16);
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	v->io_exits[port >= VUART_BASE && port < VUART_BASE + VUART_PORTS ? IO_VUART :
		    vpci_port(port) ? IO_PCI : IO_OTHER]++;
	if (string) {
		partition_crash(p, "string I/O (%s port 0x%x) is not supported, RIP 0x%llx",
			       in ? "in from" : "out to", port, (unsigned long long)vmcs_read(GUEST_RIP));
		return false;
	}
	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS) {
		if (in)
			set_in_result(r, size, vuart_read(&p->uart, port - VUART_BASE));
		else
			vuart_write(&p->uart, port - VUART_BASE, (uint8_t)r->rax);
	} else if (!in && ((port == RESET_CONTROL_PORT && size == 1 && (r->rax & RESET_CONTROL_RST_CPU)) ||
			   (port == KBC_COMMAND_PORT && (uint8_t)r->rax == KBC_PULSE_RESET))) {
		partition_reset(p, "the guest reset itself (port 0x%x, value 0x%x)", port, (unsigned)(uint8_t)r->rax);
		return false;
	} else if (vpci_port(port)) {
		if (in)
			set_in_result(r, size, vpci_in(p, port, size));
		else
			vpci_out(p, port, size, (uint32_t)(r->rax & mask));
	} else if (port == SEPTUM_MARK_PORT && !in) {
		partition_log_exits(p, (uint32_t)(r->rax & mask));
	} else if (port == SEPTUM_TEST_EXIT_PORT && !in) {
		partition_exit(p, (int)(r->rax & mask));
		return false;
	} else if (!in && p->os_guest && port == p->sleep_port &&
		   (r->rax & VACPI_SLEEP_CTL_SLP_EN) &&
		   ((r->rax & VACPI_SLEEP_CTL_SLP_TYP_MASK) >> VACPI_SLEEP_CTL_SLP_TYP_SHIFT) == VACPI_S5_SLP_TYP) {
		log_guest(p, LOG_INFO, "partition %s: ACPI power-off (S5)", p->name);
		partition_exit(p, 0);
		return false;
	} else if (in) {
		set_in_result(r, size, mask);  /* nothing there: all ones */
	}
	skip_instruction();
	return true;
}

/*
 * XSETBV always exits (SDM Vol. 3C §26.1.2). The faults the instruction
 * itself would raise come first (Vol. 2 XSETBV): #UD without CR4.OSXSAVE,
 * #GP(0) outside CPL 0, for an XCR other than 0, or for a value XCR0 does
 * not take. A good value is then loaded by Septum on this CPU, which is
 * the partition's: Septum's own code uses no state beyond x87 and general
 * registers (`make check-no-sse`), so XCR0 stays the guest's.
 */
static bool handle_xsetbv(struct vcpu *v, struct guest_regs *r)
{
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	uint32_t xcr = (uint32_t)r->rcx, d0[4];
	char why[96];

	if (!(vmcs_read(GUEST_CR4) & CR4_OSXSAVE)) {
		inject_exception(VECTOR_UD, false, 0);
		return true;
	}
	vmx_hw_cpuid(0xd, 0, d0);
	if (guest_cpl() != 0 || xcr != 0 || xcr0_check(((uint64_t)d0[3] << 32) | d0[0], val, why, sizeof(why))) {
		if (xcr == 0 && guest_cpl() == 0)
			log_guest(v->part, LOG_DEBUG, "partition %s: XSETBV refused (#GP): %s", v->part->name, why);
		inject_exception(VECTOR_GP, true, 0);
		return true;
	}
	vmx_hw_xsetbv(val);
	v->xcr0 = val;
	skip_instruction();
	return true;
}

static bool handle_vmcall(struct vcpu *v, struct guest_regs *r)
{
	if (guest_cpl() != 0) {
		inject_exception(VECTOR_UD, false, 0);
		return true;
	}
	if (!(vmcs_read(GUEST_IA32_EFER) & EFER_LMA)) {
		/* Outside long mode only the low 32 bits exist (abi.h). */
		r->rax = (uint32_t)hypercall(v, (uint32_t)r->rax, (uint32_t)r->rdi, (uint32_t)r->rsi,
					     (uint32_t)r->rdx);
	} else {
		r->rax = (uint64_t)hypercall(v, r->rax, r->rdi, r->rsi, r->rdx);
	}
	if (partition_leaving(v->part))
		return false;
	skip_instruction();
	return true;
}

/* INIT (SDM Vol. 3A §9.4, §11.6.1): a vCPU in guest mode leaves it and
 * waits for a SIPI; one already waiting stays so, a pending start is
 * cancelled. */
static void emulate_init(struct vcpu *t)
{
	uint32_t r = atomic_load(&t->run);

	for (;;) {
		enum vcpu_run_state st = VCPU_RUN_STATE(r);
		uint32_t next;

		if (st == VCPU_RUNNING)
			next = VCPU_INIT;
		else if (st == VCPU_STARTING)
			next = VCPU_WAIT_SIPI;
		else
			return;
		if (atomic_compare_exchange_weak(&t->run, &r, next)) {
			if (st == VCPU_RUNNING)
				vcpu_kick(t->cpu);
			return;
		}
	}
}

/* SIPI: only a vCPU waiting for one (or still leaving guest mode after an
 * INIT) starts; otherwise it is ignored, as hardware ignores a second SIPI. */
static void emulate_sipi(struct vcpu *t, uint8_t vector)
{
	uint32_t r = atomic_load(&t->run);

	while (VCPU_RUN_STATE(r) == VCPU_WAIT_SIPI || VCPU_RUN_STATE(r) == VCPU_INIT)
		if (atomic_compare_exchange_weak(&t->run, &r, VCPU_STARTING | (uint32_t)vector << 8))
			return;
}

/*
 * Guest NMIs (NMI IPIs within the partition) are virtual: never sent as
 * physical NMIs, which on the target are Septum's kicks and could not be
 * told apart from them (two NMIs pending at once also merge into one). The
 * sender marks the target's nmi_pending and kicks it; the target injects
 * the NMI on its way back into the guest (vmx_nmi_deliver). This needs the
 * "virtual NMIs" control (SDM Vol. 3C §25.6.1): without it an injected NMI
 * blocks NMIs for good, because with "NMI exiting" the guest's IRET does
 * not unblock them (§26.3) — and Septum's kicks would then never land. On
 * such a CPU vcpu_prepare leaves the control off and guest NMIs are refused.
 */
static bool guest_nmis_virtual(void)
{
	return vmcs_read(PIN_BASED_VM_EXEC_CONTROL) & PIN_VIRTUAL_NMIS;
}

static void send_guest_nmi(struct vcpu *from, struct vcpu *t)
{
	if (!guest_nmis_virtual()) {
		log_guest(from->part, LOG_DEBUG, "partition %s: NMI IPI refused: the CPU has no virtual NMIs",
			  from->part->name);
		return;
	}
	atomic_store(&t->nmi_pending, true);
	if (t != from)
		vcpu_kick(t->cpu);
}

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

/* An ICR write: x2APIC format, or xAPIC format from the emulated page. */
static bool handle_icr_write(struct vcpu *v, uint64_t val, bool xapic)
{
	struct partition *p = v->part;
	struct ipi_action act;
	char why[160];
	enum ipi_verdict verdict = xapic ? xapic_icr_filter(p, v->cpu, val, &act, why, sizeof(why)) :
					   icr_filter(p, v->cpu, val, &act, why, sizeof(why));

	if (verdict == IPI_REFUSE) {
		log_guest(p, LOG_WARN, "partition %s: %s", p->name, why);
		return true;
	}
	for (cpuid_t c = 0; c < CFG_MAX_CPUS; c++) {
		struct vcpu *t;

		if (!(act.cpus & BIT(c)))
			continue;
		if (verdict == IPI_SEND && (act.icr_low & ICR_DM_MASK) == ICR_DM_NMI) {
			t = partition_vcpu_on(p, c);
			if (t)
				send_guest_nmi(v, t);
			continue;
		}
		if (verdict == IPI_SEND) {
			vmx_hw_send_ipi(p->cpu_apic_id[c], act.icr_low);
			continue;
		}
		t = partition_vcpu_on(p, c);
		if (!t)
			continue;
		if (verdict == IPI_INIT)
			emulate_init(t);
		else if (verdict == IPI_SIPI)
			emulate_sipi(t, act.vector);
	}
	return true;
}

/*
 * IA32_APIC_BASE (SDM Vol. 3A §11.4.4, §11.12.5): the hardware stays in
 * x2APIC mode for Septum; the guest's mode is virtual. x2APIC mode passes
 * the registers through (MSR bitmap); xAPIC mode emulates the register page
 * (handle_apic_page); disabled hides the APIC and resets it. Transitions
 * the architecture forbids are #GP (apic_base_check).
 */
static bool write_apic_base(struct vcpu *v, uint64_t val)
{
	enum apic_mode from = apic_mode_of(v->apic_base), to = apic_mode_of(val);
	char why[96];

	if (apic_base_check(v->apic_base, val, v->part->cpu_apic_id[v->cpu], why, sizeof(why))) {
		log_guest(v->part, LOG_DEBUG, "partition %s: vCPU %u: IA32_APIC_BASE 0x%llx refused: %s", v->part->name, v->index,
			 (unsigned long long)val, why);
		return false;
	}
	v->apic_base = val;
	if (from == to)
		return true;
	if (to == APIC_MODE_DISABLED)
		vmx_hw_apic_reset();
	if (from == APIC_MODE_DISABLED)
		xapic_reset(&v->xapic);
	if (from == APIC_MODE_X2APIC || to == APIC_MODE_X2APIC)
		msr_bitmap_build(v->msr_bitmap, to == APIC_MODE_X2APIC);
	log_guest(v->part, LOG_INFO, "partition %s: vCPU %u: APIC %s", v->part->name, v->index,
		to == APIC_MODE_X2APIC ? "in x2APIC mode" : to == APIC_MODE_XAPIC ? "in xAPIC mode" : "disabled");
	return true;
}

/*
 * WRMSR to IA32_EFER (SDM Vol. 3A §2.2.1, §9.8.5; Vol. 4 Table 2-2): only
 * SCE, LME, NXE (where CPUID.80000001H:EDX.NX says it exists) can be
 * written; LMA is the CPU's and a written value is ignored. A reserved bit
 * is #GP(0) on the hardware, and must be here: stored in the guest-state
 * area it would fail the next VM entry (§27.3.1.1) and end the partition
 * outside its on_crash policy. LME may only change while paging is off.
 */
static bool efer_write_ok(uint64_t old, uint64_t val, uint64_t cr0)
{
	uint32_t ext[4];
	uint64_t writable = EFER_SCE | EFER_LME | EFER_LMA;

	vmx_hw_cpuid(0x80000001u, 0, ext);
	if (ext[3] & CPUID_EXT1_EDX_NX)
		writable |= EFER_NXE;
	if (val & ~writable)
		return false;
	return !(((old ^ val) & EFER_LME) && (cr0 & CR0_PG));
}

/*
 * The guest's TSC is the host's plus this vCPU's TSC_OFFSET (TSC
 * offsetting on: RDTSC, RDTSCP and RDMSR of the TSC add it without an
 * exit). The two MSRs keep their SDM meaning (Vol. 3B §19.17.3): a write
 * to IA32_TIME_STAMP_COUNTER sets this vCPU's counter and adds the same
 * step to IA32_TSC_ADJUST; a write to IA32_TSC_ADJUST moves the counter by
 * the change. Per vCPU, as per logical processor on hardware; the other
 * vCPUs and the host's own TSC_ADJUST are untouched.
 */
static void write_tsc(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t offset = vmcs_read(TSC_OFFSET), step;

	if (msr == MSR_TSC) {
		step = val - (arch_timestamp() + offset);
		v->tsc_adjust += step;
	} else {
		step = val - v->tsc_adjust;
		v->tsc_adjust = val;
	}
	vmcs_write(TSC_OFFSET, offset + step);
}

/* CPUID.80000008H:EAX[7:0], 36 where the leaf is missing (SDM Vol. 3A §4.1.4). */
static unsigned maxphyaddr(void)
{
	uint32_t out[4];

	vmx_hw_cpuid(0x80000000, 0, out);
	if (out[0] < 0x80000008)
		return 36;
	vmx_hw_cpuid(0x80000008, 0, out);
	return out[0] & 0xff;
}

static bool handle_wrmsr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	bool ok = true;

	switch (msr_is_x2apic(msr) && apic_mode_of(v->apic_base) != APIC_MODE_X2APIC ? MSR_GP :
		msr_write_access(msr)) {
	case MSR_ABSORB:
		ok = msr_mtrr_write_ok(msr, val, maxphyaddr());
		break;
	case MSR_EMULATE:
		if (msr == MSR_X2APIC_ICR) {
			ok = handle_icr_write(v, val, false);
		} else if (msr == MSR_APIC_BASE) {
			ok = write_apic_base(v, val);
		} else if (msr == MSR_TSC || msr == MSR_TSC_ADJUST) {
			write_tsc(v, msr, val);
		} else if (msr == MSR_EFER) {
			uint64_t old = vmcs_read(GUEST_IA32_EFER);

			ok = efer_write_ok(old, val, vmcs_read(GUEST_CR0));
			if (ok)
				vmcs_write(GUEST_IA32_EFER, (val & ~EFER_LMA) | (old & EFER_LMA));
		} else {
			ok = false;
		}
		break;
	case MSR_PASS:      /* outside the bitmap's ranges these still exit */
	case MSR_GP:
	default:
		ok = false;
		break;
	}
	if (!ok) {
		log_guest(v->part, LOG_DEBUG, "partition %s: WRMSR 0x%x refused (#GP)", v->part->name, msr);
		inject_exception(VECTOR_GP, true, 0);
		return true;
	}
	skip_instruction();
	return true;
}

static bool handle_rdmsr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val;

	if (msr_read_access(msr) != MSR_EMULATE) {
		log_guest(v->part, LOG_DEBUG, "partition %s: RDMSR 0x%x refused (#GP)", v->part->name, msr);
		inject_exception(VECTOR_GP, true, 0);
		return true;
	}
	switch (msr) {
	case MSR_EFER:            val = vmcs_read(GUEST_IA32_EFER); break;
	case MSR_APIC_BASE:       val = v->apic_base; break;
	case MSR_FEATURE_CONTROL: val = 1; break;          /* locked, VMX off */
	case MSR_BIOS_SIGN_ID:    val = SEPTUM_GUEST_UCODE_REV << 32; break;
	case MSR_DEBUGCTL:        val = 0; break;
	case MSR_ARCH_CAPABILITIES: val = SEPTUM_GUEST_ARCH_CAPABILITIES; break;
	case MSR_TSC_ADJUST:      val = v->tsc_adjust; break;
	default:
		inject_exception(VECTOR_GP, true, 0);
		return true;
	}
	r->rax = (uint32_t)val;
	r->rdx = val >> 32;
	skip_instruction();
	return true;
}

static bool long_mode(const struct guest_regs *r)
{
	(void)r;
	return vmcs_read(GUEST_IA32_EFER) & EFER_LMA;
}

/* CR0 write: when paging turns on with EFER.LME set the CPU enters IA-32e
 * mode, which under VMX is the hypervisor's to do: EFER.LMA and the "IA-32e
 * mode guest" entry control follow CR0.PG (SDM Vol. 3A §9.8.5, Vol. 3C
 * §26.3.2.1). Returns false when an exception was injected instead. */
static bool set_cr0(uint64_t val)
{
	/* The guest's CR0 before the write: the read shadow only holds the
	 * bits Septum owns (the mask); the others (PG, PE, ...) the guest
	 * changes without an exit, so they are in GUEST_CR0. Same for CR4.PAE. */
	uint64_t mask = vmcs_read(CR0_GUEST_HOST_MASK), mask4 = vmcs_read(CR4_GUEST_HOST_MASK);
	uint64_t old = (vmcs_read(GUEST_CR0) & ~mask) | (vmcs_read(CR0_READ_SHADOW) & mask);
	uint64_t cr4 = (vmcs_read(GUEST_CR4) & ~mask4) | (vmcs_read(CR4_READ_SHADOW) & mask4);
	uint64_t efer = vmcs_read(GUEST_IA32_EFER);
	uint64_t entry = vmcs_read(VM_ENTRY_CONTROLS);

	/* The MOV-to-CR0 faults (SDM Vol. 2 MOV CR, Vol. 3A §2.5): bits 63:32
	 * set, PG without PE, NW without CD. Let through, each would fail the
	 * VM entry (Vol. 3C §27.3.1.1) instead of faulting in the guest. */
	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) || ((val & CR0_NW) && !(val & CR0_CD))) {
		inject_exception(VECTOR_GP, true, 0);
		return false;
	}
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(cr4 & CR4_PAE)) {
			inject_exception(VECTOR_GP, true, 0);
			return false;
		}
		vmcs_write(GUEST_IA32_EFER, efer | EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, entry | ENTRY_IA32E_MODE);
	} else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		vmcs_write(GUEST_IA32_EFER, efer & ~EFER_LMA);
		vmcs_write(VM_ENTRY_CONTROLS, entry & ~(uint64_t)ENTRY_IA32E_MODE);
	}
	vmcs_write(CR0_READ_SHADOW, val);
	vmcs_write(GUEST_CR0, val | mask);
	return true;
}

/* MOV to CR0/CR4 where a bit Septum owns (guest/host mask) changes: keep
 * the bits VMX operation requires set in the real register and show the
 * guest what it wrote (SDM Vol. 3C §26.3, Table 28-3 qualification). */
static bool handle_cr(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmcs_read(EXIT_QUALIFICATION);
	unsigned cr = (unsigned)(q & 15), type = (unsigned)((q >> 4) & 3), gpr = (unsigned)((q >> 8) & 15);
	uint64_t *regs = (uint64_t *)r, val;

	if (type != 0 || (cr != 0 && cr != 4)) {
		partition_stop(v->part, "unexpected control-register access (qualification 0x%llx) at RIP 0x%llx",
			       (unsigned long long)q, (unsigned long long)vmcs_read(GUEST_RIP));
		return false;
	}
	val = gpr == 4 ? vmcs_read(GUEST_RSP) : regs[gpr];
	if (!long_mode(r)) {
		val = (uint32_t)val;
	}
	if (cr == 0) {
		if (!set_cr0(val))
			return true;
	} else {
		/* VMX is hidden (CPUID.1:ECX.VMX = 0): setting CR4.VMXE is #GP(0),
		 * as on a CPU without VMX (SDM Vol. 3A §2.5). */
		if (val & CR4_VMXE) {
			inject_exception(VECTOR_GP, true, 0);
			return true;
		}
		/* A bit this CPU does not have in CR4 (IA32_VMX_CR4_FIXED1 clear,
		 * SDM Vol. 3D §A.8) is reserved: #GP(0), as MOV to CR4 raises,
		 * rather than a VM entry that fails its CR4 check. */
		if ((val | vmcs_read(CR4_GUEST_HOST_MASK)) & ~vmx_hw_cr4_fixed1()) {
			inject_exception(VECTOR_GP, true, 0);
			return true;
		}
		vmcs_write(CR4_READ_SHADOW, val);
		vmcs_write(GUEST_CR4, val | vmcs_read(CR4_GUEST_HOST_MASK));
	}
	skip_instruction();
	return true;
}

static uint64_t this_cpu_apic_read(void *ctx, uint32_t msr)
{
	(void)ctx;
	return vmx_hw_apic_read(msr);
}

static void this_cpu_apic_write(void *ctx, uint32_t msr, uint64_t val)
{
	(void)ctx;
	vmx_hw_apic_write(msr, val);
}

static const void *guest_ram(void *ctx, uint64_t gpa, uint64_t len)
{
	return guest_ptr(ctx, gpa, len);
}

/* The instruction at CS:RIP, fetched through the guest's own page tables
 * (the exit does not say how long it is, SDM Vol. 3C §28.2.5). */
static int decode_at_rip(struct vcpu *v, struct mmio_insn *in, char *why, size_t whylen)
{
	const struct guest_paging pg = {
		.cr0 = vmcs_read(GUEST_CR0), .cr3 = vmcs_read(GUEST_CR3),
		.cr4 = vmcs_read(GUEST_CR4), .efer = vmcs_read(GUEST_IA32_EFER),
	};
	uint64_t ar = vmcs_read(GUEST_CS_AR), lin = vmcs_read(GUEST_CS_BASE) + vmcs_read(GUEST_RIP);
	unsigned mode = (pg.efer & EFER_LMA) && (ar & AR_L) ? 64 : (ar & AR_DB) ? 32 : 16;
	uint8_t code[15];
	size_t n;

	if (mode != 64)
		lin = (uint32_t)lin;
	n = guest_read_linear(&pg, lin, code, sizeof(code), guest_ram, v->part, why, whylen);
	if (!n)
		return -1;
	return mmio_decode(code, n, mode, in, why, whylen);
}

/*
 * An access to the APIC page while the guest's APIC is in xAPIC mode (the
 * page is never mapped, so each one exits here) or disabled (the page is
 * then nothing: reads return all ones, writes go nowhere, as for an
 * address no device claims). xAPIC registers take aligned 32-bit accesses
 * only (SDM Vol. 3A §11.4.1); anything else ends the partition, clearly.
 */
static bool handle_apic_page(struct vcpu *v, struct guest_regs *r, uint64_t gpa, bool write)
{
	const struct x2apic_ops hw = { this_cpu_apic_read, this_cpu_apic_write, NULL, vmx_hw_apic_features() };
	struct partition *p = v->part;
	unsigned off = (unsigned)(gpa & (XAPIC_PAGE_SIZE - 1));
	uint64_t *regs = (uint64_t *)r, icr;
	struct mmio_insn in;
	char why[128];

	if (decode_at_rip(v, &in, why, sizeof(why))) {
		partition_crash(p, "APIC page access at GPA 0x%llx, RIP 0x%llx: %s", (unsigned long long)gpa,
			       (unsigned long long)vmcs_read(GUEST_RIP), why);
		return false;
	}
	if ((in.op == MMIO_STORE) != write) {
		partition_crash(p, "APIC page access at GPA 0x%llx, RIP 0x%llx: the instruction does not match the %s",
			       (unsigned long long)gpa, (unsigned long long)vmcs_read(GUEST_RIP), write ? "write" : "read");
		return false;
	}
	r->pad_rsp = vmcs_read(GUEST_RSP);
	if (apic_mode_of(v->apic_base) == APIC_MODE_DISABLED) {
		if (in.op == MMIO_LOAD)
			mmio_load_result(&in, regs, ~0ull);
	} else if (in.size != 4 || (off & 0xf)) {
		partition_crash(p, "xAPIC register access of %u bytes at offset 0x%x, RIP 0x%llx: only aligned 32-bit accesses are defined",
			       in.size, off, (unsigned long long)vmcs_read(GUEST_RIP));
		return false;
	} else if (in.op == MMIO_LOAD) {
		mmio_load_result(&in, regs, xapic_read(&v->xapic, &hw, off));
	} else if (xapic_write(&v->xapic, &hw, off, (uint32_t)mmio_store_value(&in, regs), &icr)) {
		handle_icr_write(v, icr, true);
	}
	if (in.op == MMIO_LOAD && in.reg == 4 && !in.high_byte)
		vmcs_write(GUEST_RSP, r->pad_rsp);
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + in.len);
	return true;
}

/*
 * An instruction fetch from a large page whose execute permission the
 * iTLB-multihit mitigation withheld (vmx/ept.h, EPT_LARGE_NX): split it and
 * let the guest fetch again. Returns false when the fault is not that.
 */
static bool split_for_exec(struct vcpu *v, uint64_t addr)
{
	struct partition *p = v->part;
	int rc;

	spin_lock(&p->lock);          /* the partition's vCPUs share its EPT */
	rc = ept_split_exec(&p->ept, (gpa_t){ addr });
	spin_unlock(&p->lock);
	if (rc == -ENOENT)
		return false;
	if (rc) {
		partition_stop(p, "out of Septum's memory splitting the large page at GPA 0x%llx for execution",
			       (unsigned long long)addr);
		return true;
	}
	vmx_hw_invept();              /* the non-executable large translation may be cached */
	reinject_vectoring();
	return true;
}

static bool handle_ept_violation(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmcs_read(EXIT_QUALIFICATION), gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	const char *what = (q & BIT(1)) ? "write" : (q & BIT(2)) ? "instruction fetch" : "read";
	char owner[96];

	if ((q & BIT(2)) && split_for_exec(v, gpa))
		return !partition_leaving(v->part);

	if (ALIGN_DOWN(gpa, XAPIC_PAGE_SIZE) == (v->apic_base & APIC_BASE_ADDR_MASK) && !(q & BIT(2)) &&
	    apic_mode_of(v->apic_base) != APIC_MODE_X2APIC)
		return handle_apic_page(v, r, gpa, q & BIT(1));

	if (ALIGN_DOWN(gpa, XAPIC_PAGE_SIZE) == (v->apic_base & APIC_BASE_ADDR_MASK)) {
		partition_crash(v->part, "%s of the xAPIC page (GPA 0x%llx, RIP 0x%llx) while the APIC is in x2APIC mode",
			       what, (unsigned long long)gpa, (unsigned long long)vmcs_read(GUEST_RIP));
		return false;
	}
	describe_hpa(gpa, owner, sizeof(owner));
	partition_crash(v->part, "EPT violation (%s) at GPA 0x%llx, RIP 0x%llx; that host-physical address is %s",
		       what, (unsigned long long)gpa, (unsigned long long)vmcs_read(GUEST_RIP), owner);
	return false;
}

static bool stop_unknown(struct vcpu *v, struct guest_regs *r, uint32_t reason)
{
	pr_err("partition %s: unhandled exit %u (%s): qualification 0x%llx RIP 0x%llx RSP 0x%llx "
	       "RAX 0x%llx RCX 0x%llx RDX 0x%llx RBX 0x%llx", v->part->name, reason,
	       exit_reason_name(reason), (unsigned long long)vmcs_read(EXIT_QUALIFICATION),
	       (unsigned long long)vmcs_read(GUEST_RIP), (unsigned long long)vmcs_read(GUEST_RSP),
	       (unsigned long long)r->rax, (unsigned long long)r->rcx, (unsigned long long)r->rdx,
	       (unsigned long long)r->rbx);
	partition_crash(v->part, "unhandled VM exit %u (%s) at RIP 0x%llx", reason, exit_reason_name(reason),
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

static bool handle_exit(struct vcpu *v, struct guest_regs *r, uint32_t full)
{
	uint32_t reason = full & 0xffff;

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
			       exit_reason_name(reason), reason,
			       (unsigned long long)vmcs_read(EXIT_QUALIFICATION));
		return false;
	}
	if (partition_leaving(v->part))
		return false;
	/* An INIT from another vCPU of the partition: leave guest mode. */
	if (VCPU_RUN_STATE(atomic_load(&v->run)) != VCPU_RUNNING)
		return false;

	switch (reason) {
	case EXIT_EXCEPTION_NMI:
		if (is_machine_check(reason))
			return true;            /* handled above */
		/* Only NMIs and #MC exit (exception bitmap), and every physical NMI
		 * is Septum's (a kick; the checks above acted on it) or the
		 * platform's: guest NMIs are virtual (send_guest_nmi), and
		 * (vmx_nmi_deliver) injects them after the switch. */
		reinject_vectoring();
		return true;
	case EXIT_NMI_WINDOW:
		return true;        /* the guest can take its pending NMI now: vmx_nmi_deliver */
	case EXIT_PREEMPTION_TIMER:
		/* Armed at 0 by a kick that reached this CPU in root mode just
		 * before VM entry (vmx/vcpu.c): the checks above did its work. */
		reinject_vectoring();
		return true;
	case EXIT_EXTERNAL_INTR:
		vmx_hw_eoi();       /* acknowledged on exit; Septum has no device interrupts */
		reinject_vectoring();
		return true;
	case EXIT_WBINVD:
	case EXIT_INVD:
		/* WBINVD would write back and invalidate every cache level of
		 * the package, the other partitions' shared L3 included (SDM
		 * Vol. 2 WBINVD): a noisy neighbour's tool. x86 caches are
		 * coherent with DMA and with each other, and no partition is
		 * given a non-coherent device, so it is a no-op here (as KVM
		 * does without non-coherent DMA). INVD, which would throw away
		 * dirty lines of Septum and of every partition, is the same
		 * no-op: it always exits (§26.1.2). */
		skip_instruction();
		return true;
	case EXIT_TRIPLE_FAULT:
		partition_crash(v->part, "triple fault at RIP 0x%llx", (unsigned long long)vmcs_read(GUEST_RIP));
		return false;
	case EXIT_INIT:
		/* Nobody may INIT a partition's CPU; record and carry on. */
		log_guest(v->part, LOG_WARN, "partition %s: INIT signal on CPU %u ignored", v->part->name, (unsigned)v->cpu);
		return true;
	case EXIT_CPUID:
		return handle_cpuid(v, r);
	case EXIT_HLT:
		if (!(vmcs_read(GUEST_RFLAGS) & BIT(9))) {
			partition_crash(v->part, "HLT with interrupts disabled at RIP 0x%llx (the vCPU can never wake)",
				       (unsigned long long)vmcs_read(GUEST_RIP));
			return false;
		}
		skip_instruction();  /* no virtual interrupt sources yet: HLT returns at once */
		return true;
	case EXIT_VMCALL:
		return handle_vmcall(v, r);
	case EXIT_VMCLEAR: case EXIT_VMLAUNCH: case EXIT_VMPTRLD: case EXIT_VMPTRST:
	case EXIT_VMREAD: case EXIT_VMRESUME: case EXIT_VMWRITE: case EXIT_VMXOFF:
	case EXIT_VMXON: case EXIT_INVEPT: case EXIT_INVVPID: case EXIT_VMFUNC:
	case EXIT_MWAIT: case EXIT_MONITOR:
		/* VMX is not exposed (CPUID.1:ECX.VMX = 0): #UD, as on a CPU without it. */
		inject_exception(VECTOR_UD, false, 0);
		return true;
	case EXIT_CR_ACCESS:
		return handle_cr(v, r);
	case EXIT_XSETBV:
		return handle_xsetbv(v, r);
	case EXIT_IO:
		return handle_io(v, r);
	case EXIT_RDMSR:
		return handle_rdmsr(v, r);
	case EXIT_WRMSR:
		return handle_wrmsr(v, r);
	case EXIT_EPT_VIOLATION:
		return handle_ept_violation(v, r);
	case EXIT_EPT_MISCONFIG:
		partition_stop(v->part, "EPT misconfiguration at GPA 0x%llx (Septum bug)",
			       (unsigned long long)vmcs_read(GUEST_PHYSICAL_ADDRESS));
		return false;
	default:
		return stop_unknown(v, r, reason);
	}
}

bool vmx_exit_dispatch(struct vcpu *v, struct guest_regs *r)
{
	if (!handle_exit(v, r, (uint32_t)vmcs_read(VM_EXIT_REASON)))
		return false;
	vmx_nmi_deliver(v);
	return true;
}
