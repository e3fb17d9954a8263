// SPDX-License-Identifier: MIT
/*
 * VM-exit dispatch. Every guest value is untrusted: ports, MSR numbers,
 * hypercall arguments and addresses are checked before use, and anything
 * Septum does not know how to handle stops the partition with the exit's
 * details logged — never the hypervisor, never another partition.
 */
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
#include <vmx/exit.h>
#include <vmx/vmcs.h>

#define MSR_EFER       0xc0000080u
#define MSR_X2APIC_ICR 0x830u
#define MSR_APIC_BASE  0x01bu
#define MSR_FEATURE_CONTROL 0x03au
#define MSR_BIOS_SIGN_ID 0x08bu
#define MSR_DEBUGCTL   0x1d9u
#define MSR_ARCH_CAPABILITIES 0x10au
/* Ways a PC resets itself: the chipset's Reset Control register (0xcf9,
 * bit 2 starts the reset; also the vACPI FADT's RESET_REG) and the
 * keyboard controller's "pulse output port" command 0xfe on port 0x64. */
#define RESET_CONTROL_PORT     0xcf9u
#define RESET_CONTROL_RST_CPU  BIT(2)
#define KBC_COMMAND_PORT       0x64u
#define KBC_PULSE_RESET        0xfeu
#define EFER_LME       BIT(8)
#define EFER_LMA       BIT(10)
#define CR0_PG         BIT(31)
#define CR4_PAE        BIT(5)
#define CR4_VMXE       BIT(13)
#define CR4_OSXSAVE    BIT(18)
#define CR4_PKE        BIT(22)

static void skip_instruction(void)
{
	vmcs_write(GUEST_RIP, vmcs_read(GUEST_RIP) + vmcs_read(VM_EXIT_INSTRUCTION_LEN));
}

static void inject_exception(unsigned vector, bool has_code, uint32_t code)
{
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

static bool handle_wrmsr(struct vcpu *v, struct guest_regs *r)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t val = (r->rdx << 32) | (uint32_t)r->rax;
	bool ok = true;

	switch (msr_is_x2apic(msr) && apic_mode_of(v->apic_base) != APIC_MODE_X2APIC ? MSR_GP :
		msr_write_access(msr)) {
	case MSR_ABSORB:
		break;
	case MSR_EMULATE:
		if (msr == MSR_X2APIC_ICR) {
			ok = handle_icr_write(v, val, false);
		} else if (msr == MSR_APIC_BASE) {
			ok = write_apic_base(v, val);
		} else if (msr == MSR_EFER) {
			uint64_t old = vmcs_read(GUEST_IA32_EFER);

			/* LME may only change while paging is off (SDM Vol. 3A §9.8.5). */
			ok = !(((old ^ val) & EFER_LME) && (vmcs_read(GUEST_CR0) & CR0_PG));
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
	uint64_t old = vmcs_read(CR0_READ_SHADOW), efer = vmcs_read(GUEST_IA32_EFER);
	uint64_t entry = vmcs_read(VM_ENTRY_CONTROLS);

	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vmcs_read(CR4_READ_SHADOW) & CR4_PAE)) {
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
	vmcs_write(GUEST_CR0, val | vmcs_read(CR0_GUEST_HOST_MASK));
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
	const struct x2apic_ops hw = { this_cpu_apic_read, this_cpu_apic_write, NULL };
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

static bool handle_ept_violation(struct vcpu *v, struct guest_regs *r)
{
	uint64_t q = vmcs_read(EXIT_QUALIFICATION), gpa = vmcs_read(GUEST_PHYSICAL_ADDRESS);
	const char *what = (q & BIT(1)) ? "write" : (q & BIT(2)) ? "instruction fetch" : "read";
	char owner[96];

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

bool vmx_exit_dispatch(struct vcpu *v, struct guest_regs *r)
{
	uint32_t full = (uint32_t)vmcs_read(VM_EXIT_REASON), reason = full & 0xffff;

	v->exits[reason < EXIT_REASON_OTHER ? reason : EXIT_REASON_OTHER]++;
	if (reason == EXIT_EXCEPTION_NMI)
		vmx_hw_nmi_unblock();
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
		/* Only NMIs exit (exception bitmap 0). Septum's kicks were
		 * handled by the checks above; any other NMI is the guest's own
		 * (an NMI IPI from a sibling vCPU): deliver it, unless the guest
		 * is still blocking NMIs (SDM Vol. 3C §26.3.1.5: injecting then
		 * would fail the VM entry), in which case it is lost, logged. */
		if (vmcs_read(GUEST_INTERRUPTIBILITY) & BIT(3))
			log_guest(v->part, LOG_DEBUG, "partition %s: NMI while the guest blocks NMIs dropped", v->part->name);
		else
			vmcs_write(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | VECTOR_NMI);
		return true;
	case EXIT_EXTERNAL_INTR:
		vmx_hw_eoi();       /* acknowledged on exit; Septum has no device interrupts */
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
