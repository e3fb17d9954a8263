// SPDX-License-Identifier: MIT
/*
 * VMCS set-up and the VM-entry loop. Controls are computed from the
 * capability MSRs (required | optional-if-allowed, then allowed-0/allowed-1),
 * never hard-coded; a CPU that cannot give a required control fails the
 * partition with the control's name, before any VM entry.
 */
#include <setjmp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <arch/arch.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/percpu.h>
#include <arch/traps.h>
#include <septum/arch.h>
#include <septum/conout.h>
#include <septum/heap.h>
#include <septum/reserve.h>
#include <septum/loader.h>
#include <septum/log.h>
#include <septum/msr_policy.h>
#include <septum/partition.h>
#include <septum/exit.h>
#include <vmx/exit.h>
#include <vmx/spec_hw.h>
#include <vmx/vmcs.h>
#include <vmx/vmx.h>

void vmx_launch(const struct guest_regs *regs);
void vmx_exit_stub(void);
__attribute__((noreturn)) void vmx_entry_failed(void);
void vmx_handle_exit(struct guest_regs *regs);

/* Guest boot layout shared with kernel/guest/loader.c (docs/guests.md). */
#define X2APIC_BASE_DEFAULT 0xfee00000ull
#define GUEST_PAT_DEFAULT 0x0007040600070406ull   /* power-on PAT (SDM Vol. 3A §13.12.4) */

#define AR_CODE64 (AR_TYPE_CODE_XRA | AR_S | AR_P | AR_L | AR_G)
#define AR_CODE32 (AR_TYPE_CODE_XRA | AR_S | AR_P | AR_DB | AR_G)
#define AR_DATA   (AR_TYPE_DATA_RWA | AR_S | AR_P | AR_DB | AR_G)
#define AR_TR     (AR_TYPE_TSS_BUSY | AR_P)

/* The hw_* hooks of septum/exit.h are arch/x86_64/hw_exit.c's. */
void vmx_hw_eoi(void) { lapic_eoi(); }
static bool host_has_xsave(void)
{
	return cpuid(1, 0).ecx & BIT(26);
}

enum mce_action vmx_hw_machine_check(const char *who) { return machine_check_handle(true, who); }

uint64_t vmx_hw_cr4_fixed1(void) { return vmx_caps.cr4_fixed1; }

/*
 * After a VM exit caused by an NMI, NMIs stay blocked in VMX root operation
 * until the next IRET (SDM Vol. 3C, "Event blocking" after VM exits caused by
 * NMIs). Septum handles the NMI in C and may then park or restart the vCPU
 * instead of resuming it, so it unblocks at once with an IRET to itself.
 */
void vmx_hw_nmi_unblock(void)
{
	__asm__ volatile("movq %%rsp, %%rax\n\t"
			 "pushq %[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :: [ss] "i"(GDT_DATA), [cs] "i"(GDT_CODE64) : "rax", "memory", "cc");
}

static int controls(char *why, size_t whylen, uint32_t ctl[5], bool long_mode, bool os_guest)
{
	const struct vmx_caps *c = &vmx_caps;
	static const char *const name[5] = { "pin-based", "processor-based", "secondary processor-based",
					     "VM-exit", "VM-entry" };
	const uint64_t msr[5] = { c->pin, c->proc, c->proc2, c->exit, c->entry };
	/* Virtual NMIs and NMI-window exiting together, or neither: guest
	 * NMIs are then refused (kernel/exit/lapic.c, send_guest_nmi). */
	const uint32_t vnmi = ((c->pin >> 32) & PIN_VIRTUAL_NMIS) && ((c->proc >> 32) & CPU_NMI_WINDOW_EXITING) ?
				      PIN_VIRTUAL_NMIS : 0;
	/* A guest OS owns its CPU's interrupts (x2APIC passed through) and
	 * HLT waits in hardware; the ELF test guests have neither, and a HLT
	 * with interrupts off there is a bug to report, so it exits. */
	const uint32_t required[5] = {
		PIN_NMI_EXITING | vnmi | (os_guest ? 0 : PIN_EXT_INTR_EXITING),
		(os_guest ? 0 : CPU_HLT_EXITING) | CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_SECONDARY_CONTROLS |
			CPU_MWAIT_EXITING | CPU_MONITOR_EXITING | CPU_USE_TSC_OFFSETTING,
		CPU2_ENABLE_EPT | CPU2_ENABLE_VPID | CPU2_UNRESTRICTED,
		EXIT_HOST_ADDR64 | EXIT_ACK_INTR | EXIT_SAVE_EFER | EXIT_LOAD_EFER,
		ENTRY_LOAD_EFER | (long_mode ? ENTRY_IA32E_MODE : 0),
	};
	const uint32_t optional[5] = {
		0,
		0,
		CPU2_ENABLE_RDTSCP | CPU2_ENABLE_INVPCID | CPU2_ENABLE_XSAVES | CPU2_WBINVD_EXITING,
		EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_DEBUG,
		ENTRY_LOAD_PAT | ENTRY_LOAD_DEBUG,
	};

	for (int i = 0; i < 5; i++) {
		if (vmx_adjust_controls(msr[i], required[i], optional[i], &ctl[i])) {
			snprintf(why, whylen, "the CPU cannot set the required %s VMX controls 0x%x (allowed-1 0x%x)",
				 name[i], required[i], (uint32_t)(msr[i] >> 32));
			return -1;
		}
	}
	/* With true controls (IA32_VMX_BASIC[55]) the default-1 CR3 exits can be
	 * turned off (EPT makes them pointless); without them allowed-0 keeps
	 * them on, and vmx_adjust_controls honours that. */
	return 0;
}

static void host_state(struct vcpu *v)
{
	struct percpu *pc = percpus[v->cpu];
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_write(HOST_CR0, read_cr0());
	vmcs_write(HOST_CR3, read_cr3());
	vmcs_write(HOST_CR4, read_cr4());
	vmcs_write(HOST_CS_SELECTOR, GDT_CODE64);
	vmcs_write(HOST_SS_SELECTOR, GDT_DATA);
	vmcs_write(HOST_DS_SELECTOR, GDT_DATA);
	vmcs_write(HOST_ES_SELECTOR, GDT_DATA);
	vmcs_write(HOST_FS_SELECTOR, 0);
	vmcs_write(HOST_GS_SELECTOR, 0);
	vmcs_write(HOST_TR_SELECTOR, GDT_TSS);
	vmcs_write(HOST_FS_BASE, 0);
	vmcs_write(HOST_GS_BASE, (uint64_t)(uintptr_t)pc);
	vmcs_write(HOST_TR_BASE, (uint64_t)(uintptr_t)&pc->tss);
	vmcs_write(HOST_GDTR_BASE, (uint64_t)(uintptr_t)pc->gdt);
	vmcs_write(HOST_IDTR_BASE, idtr.base);
	vmcs_write(HOST_IA32_SYSENTER_CS, 0);
	vmcs_write(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_write(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmcs_write(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write(HOST_RSP, (uint64_t)(uintptr_t)(pc->exit_stack + STACK_SIZE));
	vmcs_write(HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
}

static void segment(enum vmcs_field sel, uint16_t selector, uint64_t base, uint32_t limit, uint32_t ar)
{
	/* Selector, base, limit and AR fields are laid out at fixed strides from
	 * the ES field in each width group (SDM Vol. 3D App. B). */
	unsigned idx = (unsigned)(sel - GUEST_ES_SELECTOR) / 2;

	vmcs_write(sel, selector);
	vmcs_write((enum vmcs_field)(GUEST_ES_BASE + 2 * idx), base);
	vmcs_write((enum vmcs_field)(GUEST_ES_LIMIT + 2 * idx), limit);
	vmcs_write((enum vmcs_field)(GUEST_ES_AR + 2 * idx), ar);
}

/* Protected/long mode: flat, base 0, 4 GiB limit. */
static void guest_segment(enum vmcs_field sel, uint16_t selector, uint32_t ar)
{
	segment(sel, selector, 0, 0xffffffff, ar);
}

/* RIP, RSP, RFLAGS and the MSR-like state at reset (SDM Vol. 3A §9.1.1,
 * Table 9-1: DR7 0x400, PAT power-on value, SYSENTER 0), shared by the boot
 * entry and the start-up of an application processor. */
static void entry_registers(uint64_t rip)
{
	vmcs_write(GUEST_RIP, rip);
	vmcs_write(GUEST_RSP, 0);
	vmcs_write(GUEST_RFLAGS, RFLAGS_RESERVED1);
	vmcs_write(GUEST_DR7, 0x400);
	vmcs_write(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write(GUEST_IA32_PAT, GUEST_PAT_DEFAULT);
	vmcs_write(GUEST_SYSENTER_CS, 0);
	vmcs_write(GUEST_SYSENTER_ESP, 0);
	vmcs_write(GUEST_SYSENTER_EIP, 0);
}

static void guest_state(struct vcpu *v)
{
	const struct partition *p = v->part;
	const struct vmx_caps *c = &vmx_caps;
	bool lm = p->entry_bits == 64;
	uint64_t cr0 = CR0_PE | CR0_NE | CR0_ET | (lm ? CR0_PG : 0);
	uint64_t cr4 = lm ? CR4_PAE : 0;
	uint64_t cr0_mask = vmcs_read(CR0_GUEST_HOST_MASK), cr4_mask = vmcs_read(CR4_GUEST_HOST_MASK);

	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(CR4_READ_SHADOW, cr4);
	vmcs_write(GUEST_CR0, (cr0 | cr0_mask) & c->cr0_fixed1);
	vmcs_write(GUEST_CR4, (cr4 | cr4_mask) & c->cr4_fixed1);
	vmcs_write(GUEST_CR3, lm ? p->entry_cr3 : 0);
	vmcs_write(GUEST_IA32_EFER, lm ? (EFER_LME | EFER_LMA | EFER_NXE) : 0);

	guest_segment(GUEST_CS_SELECTOR, p->entry_cs, lm ? AR_CODE64 : AR_CODE32);
	guest_segment(GUEST_SS_SELECTOR, p->entry_ds, AR_DATA);
	guest_segment(GUEST_DS_SELECTOR, p->entry_ds, AR_DATA);
	guest_segment(GUEST_ES_SELECTOR, p->entry_ds, AR_DATA);
	guest_segment(GUEST_FS_SELECTOR, p->entry_ds, AR_DATA);
	guest_segment(GUEST_GS_SELECTOR, p->entry_ds, AR_DATA);
	vmcs_write(GUEST_LDTR_SELECTOR, 0);
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0);
	vmcs_write(GUEST_LDTR_AR, AR_UNUSABLE);
	vmcs_write(GUEST_TR_SELECTOR, 0);
	vmcs_write(GUEST_TR_BASE, 0);
	vmcs_write(GUEST_TR_LIMIT, 0x67);
	vmcs_write(GUEST_TR_AR, AR_TR);
	vmcs_write(GUEST_GDTR_BASE, GUEST_GDT_GPA);
	vmcs_write(GUEST_GDTR_LIMIT, p->gdt_limit);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0);

	vmcs_write(VM_ENTRY_CONTROLS, lm ? vmcs_read(VM_ENTRY_CONTROLS) | ENTRY_IA32E_MODE
				: vmcs_read(VM_ENTRY_CONTROLS) & ~(uint64_t)ENTRY_IA32E_MODE);
	entry_registers(p->entry_rip);
}

/* What Septum keeps of a vCPU's architectural state at power-on and after
 * every reset: the APIC enabled in x2APIC mode (BSP flag on vCPU 0), the
 * xAPIC-only registers cleared, x2APIC MSRs passed through, XCR0 = x87 only
 * (SDM Vol. 1 §13.3), IA32_TSC_ADJUST 0. Set when the vCPU is built, so that a vCPU never
 * started still answers the logical-IPI match, and again at every reset. */
static void vcpu_power_on_state(struct vcpu *v)
{
	v->apic_base = X2APIC_BASE_DEFAULT | APIC_BASE_EN | APIC_BASE_EXTD | (v->index == 0 ? APIC_BASE_BSP : 0);
	xapic_reset(&v->xapic);
	msr_bitmap_build(vmx_of(v)->msr_bitmap, true);
	v->xcr0 = 1;
	v->tsc_adjust = 0;            /* TSC_OFFSET back to 0 with the VMCS state (guest_state) */
}

/* VPIDs: one per vCPU, never 0 (the host's, SDM Vol. 3C §29.1). */
static atomic_uint next_vpid = 1;

static int vmx_vcpu_prepare(struct vcpu *v, char *why, size_t whylen)
{
	uint32_t ctl[5];
	uint64_t pa;
	uint8_t fail;

	struct vmx_vcpu *x;

	if (controls(why, whylen, ctl, v->part->entry_bits == 64, v->part->os_guest))
		return -1;
	_Static_assert(sizeof(struct vmx_vcpu) <= PAGE_SIZE, "one page");
	_Static_assert(VMX_VCPU_PAGES == 1 + 1 + 1 + 2 && VMX_VCPU_PAGES <= RESERVE_VCPU_HW_PAGES,
		       "septum/reserve.h: state, VMCS, MSR bitmap, I/O bitmaps");
	x = v->arch = pages_alloc(1);
	if (x) {
		x->vmcs = pages_alloc(1);
		x->msr_bitmap = pages_alloc(1);
		x->io_bitmaps = pages_alloc(2);
	}
	if (!x || !x->vmcs || !x->msr_bitmap || !x->io_bitmaps) {
		snprintf(why, whylen, "out of hypervisor memory for the VMCS");
		return -1;
	}
	x->launched = false;
	x->drain_timer = false;
	x->vpid = (uint16_t)atomic_fetch_add(&next_vpid, 1);
	/* Every port exits: the partition sees only the devices Septum
	 * emulates (SDM Vol. 3C §25.6.4), and the ports of the I/O BARs of
	 * devices assigned to it. MSRs follow the policy table. */
	vcpu_power_on_state(v);
	memset(vmx_of(v)->io_bitmaps, 0xff, 2 * PAGE_SIZE);
	vpci_io_bitmap_open(v->part, vmx_of(v)->io_bitmaps, (uint8_t *)vmx_of(v)->io_bitmaps + PAGE_SIZE);
	*(uint32_t *)vmx_of(v)->vmcs = vmx_caps.revision;

	pa = (uint64_t)(uintptr_t)vmx_of(v)->vmcs;
	__asm__ volatile("vmclear %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (!fail)
		__asm__ volatile("vmptrld %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");
	if (fail) {
		snprintf(why, whylen, "VMCLEAR/VMPTRLD failed");
		return -1;
	}

	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, ctl[0]);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL, ctl[1]);
	vmcs_write(SECONDARY_VM_EXEC_CONTROL, ctl[2]);
	vmcs_write(VM_EXIT_CONTROLS, ctl[3]);
	vmcs_write(VM_ENTRY_CONTROLS, ctl[4]);
	/* #MC exits (vector 18): the machine's error, Septum's to handle
	 * (vmx/exit.c), not the guest's IDT's. Nothing else does. */
	vmcs_write(EXCEPTION_BITMAP, BIT(18));
	vmcs_write(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write(CR3_TARGET_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write(VM_ENTRY_INTR_INFO, 0);
	vmcs_write(VIRTUAL_PROCESSOR_ID, vmx_of(v)->vpid);
	vmcs_write(EPT_POINTER, ept_eptp(&vmx_s2(v->part)->ept));
	vmcs_write(MSR_BITMAP, (uint64_t)(uintptr_t)vmx_of(v)->msr_bitmap);
	vmcs_write(IO_BITMAP_A, (uint64_t)(uintptr_t)vmx_of(v)->io_bitmaps);
	vmcs_write(IO_BITMAP_B, (uint64_t)(uintptr_t)vmx_of(v)->io_bitmaps + PAGE_SIZE);
	vmcs_write(TSC_OFFSET, 0);
	vmcs_write(VMCS_LINK_POINTER, ~0ull);     /* no shadow VMCS (SDM Vol. 3C §26.3.1.5) */
	/* Bits VMX operation pins (fixed-0 = 1) are owned by Septum in every
	 * guest mode: the guest reads its own value from the shadow, a write
	 * that would change one exits (handle_cr). Unrestricted guest exempts
	 * PE and PG (SDM Vol. 3C §24.6.6, App. A.7-A.8). */
	vmcs_write(CR0_GUEST_HOST_MASK, vmx_caps.cr0_fixed0 & ~(CR0_PE | CR0_PG));
	vmcs_write(CR4_GUEST_HOST_MASK, vmx_caps.cr4_fixed0);
	host_state(v);
	return 0;
}

/* A VMCS that has been launched is made launchable again (SDM Vol. 3C
 * §24.1: VMCLEAR sets the launch state to clear) and current. */
static void vmcs_relaunchable(struct vcpu *v)
{
	uint64_t pa = (uint64_t)(uintptr_t)vmx_of(v)->vmcs;

	if (!vmx_of(v)->launched)
		return;
	__asm__ volatile("vmclear %0; vmptrld %0" :: "m"(pa) : "cc", "memory");
	vmx_of(v)->launched = false;
}

static void vcpu_common_reset(struct vcpu *v)
{
	lapic_quiesce();
	atomic_store(&v->nmi_pending, false);
	vmcs_write(CPU_BASED_VM_EXEC_CONTROL,
		   vmcs_read(CPU_BASED_VM_EXEC_CONTROL) & ~(uint64_t)CPU_NMI_WINDOW_EXITING);
	memset(&v->regs, 0, sizeof(v->regs));
	vcpu_power_on_state(v);
	if (host_has_xsave())
		hw_xsetbv(v->xcr0);
	vmcs_write(VM_ENTRY_INTR_INFO, 0);
	vmcs_write(GUEST_INTERRUPTIBILITY, 0);
	vmcs_write(GUEST_ACTIVITY_STATE, 0);
	vmcs_write(GUEST_PENDING_DBG_EXCEPTIONS, 0);
}

static void vmx_vcpu_reset_boot(struct vcpu *v)
{
	vmcs_relaunchable(v);
	vcpu_common_reset(v);
	v->regs.rsi = v->part->entry_rsi;     /* Linux: the zero page */
	v->regs.rax = v->part->entry_rax;     /* multiboot: magic and info pointer */
	v->regs.rbx = v->part->entry_rbx;
	guest_state(v);
}

/* Real mode: base = selector << 4, 64 KiB limit. */
static void real_mode_segment(enum vmcs_field sel, uint16_t selector, uint32_t ar)
{
	segment(sel, selector, (uint64_t)selector << 4, 0xffff, ar);
}

/*
 * The state INIT leaves a processor in, started by a SIPI with vector V:
 * real mode, CS = V << 8 (base V << 12), IP = 0 (SDM Vol. 3A §9.1.1 Table
 * 9-1, §9.4.4.1). Unrestricted guest lets VMX run it as is.
 */
static void vmx_vcpu_reset_sipi(struct vcpu *v, uint8_t vector)
{
	const struct vmx_caps *c = &vmx_caps;
	const uint64_t cr0 = CR0_ET | CR0_CD | CR0_NW;   /* 0x60000010 */
	const uint32_t ar_code = AR_TYPE_CODE_XRA | AR_S | AR_P, ar_data = AR_TYPE_DATA_RWA | AR_S | AR_P;
	struct cpuid_regs id = cpuid(1, 0);

	vmcs_relaunchable(v);
	vcpu_common_reset(v);
	v->regs.rdx = id.eax;          /* family/model/stepping, as after INIT */
	vmcs_write(CR0_READ_SHADOW, cr0);
	vmcs_write(CR4_READ_SHADOW, 0);
	vmcs_write(GUEST_CR0, (cr0 | (c->cr0_fixed0 & ~(CR0_PE | CR0_PG))) & c->cr0_fixed1);
	vmcs_write(GUEST_CR4, c->cr4_fixed0 & c->cr4_fixed1);
	vmcs_write(GUEST_CR3, 0);
	vmcs_write(GUEST_IA32_EFER, 0);
	vmcs_write(VM_ENTRY_CONTROLS, vmcs_read(VM_ENTRY_CONTROLS) & ~(uint64_t)ENTRY_IA32E_MODE);

	real_mode_segment(GUEST_CS_SELECTOR, (uint16_t)(vector << 8), ar_code);
	real_mode_segment(GUEST_SS_SELECTOR, 0, ar_data);
	real_mode_segment(GUEST_DS_SELECTOR, 0, ar_data);
	real_mode_segment(GUEST_ES_SELECTOR, 0, ar_data);
	real_mode_segment(GUEST_FS_SELECTOR, 0, ar_data);
	real_mode_segment(GUEST_GS_SELECTOR, 0, ar_data);
	vmcs_write(GUEST_LDTR_SELECTOR, 0);
	vmcs_write(GUEST_LDTR_BASE, 0);
	vmcs_write(GUEST_LDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_LDTR_AR, AR_UNUSABLE);
	vmcs_write(GUEST_TR_SELECTOR, 0);
	vmcs_write(GUEST_TR_BASE, 0);
	vmcs_write(GUEST_TR_LIMIT, 0xffff);
	vmcs_write(GUEST_TR_AR, AR_TR);
	vmcs_write(GUEST_GDTR_BASE, 0);
	vmcs_write(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_write(GUEST_IDTR_BASE, 0);
	vmcs_write(GUEST_IDTR_LIMIT, 0xffff);

	entry_registers(0);
}

static void invept_all(void)
{
	struct { uint64_t eptp, reserved; } desc = { 0, 0 };

	__asm__ volatile("invept %0, %1" :: "m"(desc), "r"(2ull) : "cc", "memory");
}

/*
 * A stop must always land (docs/security.md). Root mode runs with
 * interrupts off; the only event that reaches it is an NMI, Septum's kick.
 * A requester stores its request (partition state, restart, INIT, guest
 * NMI) and only then kicks. So the last check before VM entry happens with
 * percpu.entering set: a kick that arrived before it is seen by the check,
 * and one that arrives after it, before the VMLAUNCH/VMRESUME, finds
 * entering set and arms the VMX-preemption timer at 0, which makes the VM
 * entry exit again before the guest runs one instruction (SDM Vol. 3C
 * §27.7.4: a timer that expires during VM entry causes a VM exit after any
 * event injection and before the first guest instruction). That exit runs
 * the checks. Without the preemption timer (logged at boot) such a kick
 * waits for the guest's next exit.
 */
static bool preemption_timer_usable(void)
{
	return (vmx_caps.pin >> 32) & PIN_PREEMPTION_TIMER;
}

/* VMWRITE without the failure log: called from the NMI handler, which must
 * not take the console lock the interrupted code may hold. */
static void vmwrite_quiet(enum vmcs_field f, uint64_t val)
{
	__asm__ volatile("vmwrite %1, %0" :: "r"((uint64_t)f), "rm"(val) : "cc");
}

static void vmx_vcpu_nmi_in_root(void)
{
	struct percpu *pc = this_cpu();

	if (!pc->entering || pc->kick_timer_armed || !preemption_timer_usable())
		return;
	vmwrite_quiet(VMX_PREEMPTION_TIMER_VALUE, 0);
	vmwrite_quiet(PIN_BASED_VM_EXEC_CONTROL, vmcs_read(PIN_BASED_VM_EXEC_CONTROL) | PIN_PREEMPTION_TIMER);
	pc->kick_timer_armed = true;
}

/* Right after a VM exit: the window is closed, an armed timer disarmed
 * (the field keeps its value: "save preemption timer value" is off). */
static void entry_window_close(struct vcpu *v)
{
	struct percpu *pc = this_cpu();

	pc->entering = false;
	atomic_signal_fence(memory_order_seq_cst);
	if (pc->kick_timer_armed) {
		vmcs_write(PIN_BASED_VM_EXEC_CONTROL,
			   vmcs_read(PIN_BASED_VM_EXEC_CONTROL) & ~(uint64_t)PIN_PREEMPTION_TIMER);
		pc->kick_timer_armed = false;
		vmx_of(v)->drain_timer = false;
	}
}

/*
 * Console output nobody will drain (conout_backlog(): pending, and no idle
 * CPU to feed the wire): the VMX-preemption timer brings this CPU back in
 * about a millisecond, and the exit layer drains what the wire takes then
 * (EXIT_KIND_NONE). Without it an exit-free partition on every CPU would
 * keep the tail of a line off the wire for ever. The timer counts down in
 * non-root operation at the TSC rate divided by 2^IA32_VMX_MISC[4:0] (SDM
 * Vol. 3C §26.5.1). Set before the entry window opens, so a kick's timer
 * (value 0, vmx_vcpu_nmi_in_root) armed inside the window is never
 * overwritten.
 */
static void drain_timer_update(struct vcpu *v)
{
	struct vmx_vcpu *x = vmx_of(v);
	bool want = preemption_timer_usable() && conout_backlog();
	uint64_t pin, hz = arch_tsc_hz() ? arch_tsc_hz() : 1000000000ull;

	if (want) {
		uint64_t ticks = (hz / 1000) >> (vmx_caps.misc & 0x1f);

		vmcs_write(VMX_PREEMPTION_TIMER_VALUE, ticks ? (uint32_t)ticks : 1);
	}
	if (want == x->drain_timer)
		return;
	pin = vmcs_read(PIN_BASED_VM_EXEC_CONTROL);
	vmcs_write(PIN_BASED_VM_EXEC_CONTROL, want ? pin | PIN_PREEMPTION_TIMER : pin & ~(uint64_t)PIN_PREEMPTION_TIMER);
	x->drain_timer = want;
}

/* The last check before VM entry; false (window closed) if the vCPU must
 * leave guest mode instead. */
static bool entry_allowed(struct vcpu *v)
{
	drain_timer_update(v);
	this_cpu()->entering = true;
	atomic_signal_fence(memory_order_seq_cst);  /* the NMI handler runs on this CPU */
	if (partition_leaving(v->part) || VCPU_RUN_STATE(atomic_load(&v->run)) != VCPU_RUNNING) {
		entry_window_close(v);
		return false;
	}
	vmx_nmi_deliver(v);
	return true;
}

void vmx_hw_invept(void) { invept_all(); }

static void vmx_vcpu_enter(struct vcpu *v)
{
	this_cpu()->vcpu = v;
	if (setjmp(v->leave))
		return;
	flush_tlb();     /* the AP trampoline mapping changed after we loaded CR3 */
	invept_all();    /* no stale guest-physical translations from earlier users of these pages */
	spec_partition_start();  /* IBPB: nothing predicted from this CPU's previous guest (vmx/spec_hw.c) */
	if (!entry_allowed(v))
		return;
	vmx_of(v)->launched = true;
	vmx_launch(&v->regs);
}

/* Leave guest mode for good: back to vcpu_enter()'s caller. */
static __attribute__((noreturn)) void vcpu_leave(struct vcpu *v)
{
	vuart_flush(&v->part->uart);
	longjmp(v->leave, 1);
}

/* vcpu_ept_invalidate() from a sibling: checked as soon as the exit
 * begins (so the sibling's wait ends even if this exit then blocks on a
 * lock it holds) and again before the guest resumes. */
static void ept_stale_check(void)
{
	if (atomic_exchange(&this_cpu()->ept_stale, false))
		invept_all();
}

void vmx_handle_exit(struct guest_regs *regs)
{
	struct vcpu *v = this_cpu()->vcpu;

	entry_window_close(v);
	ept_stale_check();
	if (!vmx_exit_dispatch(v, regs) || !entry_allowed(v))
		vcpu_leave(v);
	ept_stale_check();
}

void vmx_entry_failed(void)
{
	struct vcpu *v = this_cpu()->vcpu;

	entry_window_close(v);
	partition_stop(v->part, "VM%s failed: VM-instruction error %llu (SDM Vol. 3C §31.4)",
		       vmx_of(v)->launched ? "LAUNCH/VMRESUME" : "LAUNCH",
		       (unsigned long long)vmcs_read(VM_INSTRUCTION_ERROR));
	vcpu_leave(v);
}

/* A WRMSR to the x2APIC ICR is not serializing (SDM Vol. 3A §11.12.3): the
 * fence orders the caller's request before the NMI that announces it. */
static void vmx_vcpu_kick(cpuid_t cpu)
{
	if (cpu >= ncpus)
		return;
	__asm__ volatile("mfence" ::: "memory");
	lapic_send_ipi(percpus[cpu]->apic_id, ICR_DM_NMI);
}

#define EPT_SHOOTDOWN_US 1000   /* how long to wait for a sibling's INVEPT */

/* Another vCPU of p that may be in guest mode (or about to be) with the
 * old translations, its CPU; false for this CPU and for vCPUs waiting for
 * a SIPI (vcpu_enter() invalidates everything before it enters). */
static bool sibling_cpu(const struct vcpu *o, cpuid_t self, cpuid_t *cpu)
{
	if (!o || o->cpu == self || o->cpu >= ncpus)
		return false;
	*cpu = o->cpu;
	return VCPU_RUN_STATE(atomic_load(&o->run)) == VCPU_RUNNING;
}

/*
 * SDM Vol. 3C §29.4.3.1: after an EPT entry is removed, a CPU may keep
 * using a cached translation until INVEPT on that CPU. Here: now; on p's
 * other CPUs at the exit the kick (an NMI, which exits) forces, waited for
 * (bounded: a sibling parked in root never answers, and needs nothing).
 */
static void vmx_vcpu_ept_invalidate(struct partition *p)
{
	cpuid_t self = arch_cpu_id(), cpu;
	uint64_t deadline;

	/* A partition can end on a CPU outside VMX operation (its VMXON
	 * failed; CPU 0 before it enabled VMX): INVEPT would be #UD there,
	 * and that CPU has no guest translations to drop. */
	if (this_cpu()->vmx_on)
		invept_all();
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (sibling_cpu(p->vcpu[i], self, &cpu)) {
			atomic_store(&percpus[cpu]->ept_stale, true);
			vcpu_kick(cpu);
		}
	deadline = rdtsc() + tsc_hz / 1000000 * EPT_SHOOTDOWN_US;
	for (unsigned i = 0; i < p->nvcpus; i++)
		while (sibling_cpu(p->vcpu[i], self, &cpu) && atomic_load(&percpus[cpu]->ept_stale) &&
		       rdtsc() < deadline)
			__builtin_ia32_pause();
}

const struct backend vmx_backend = {
	.name = "VT-x",
	.check_cpu = vmx_check_cpu,
	.enable_cpu = vmx_backend_enable_cpu,
	.large_pages = vmx_large_pages,
	.vcpu_prepare = vmx_vcpu_prepare,
	.vcpu_reset_boot = vmx_vcpu_reset_boot,
	.vcpu_reset_sipi = vmx_vcpu_reset_sipi,
	.vcpu_enter = vmx_vcpu_enter,
	.vcpu_kick = vmx_vcpu_kick,
	.s2_invalidate = vmx_vcpu_ept_invalidate,
	.s2_create = vmx_s2_create,
	.s2_seal = vmx_s2_seal,
	.s2_map_mmio = vmx_s2_map_mmio,
	.s2_unmap = vmx_s2_unmap,
	.nmi_in_root = vmx_vcpu_nmi_in_root,
	.exit_name = vmx_exit_name,
	.io_slot = EXIT_IO,
	.vcpu_pages = VMX_VCPU_PAGES,
	.s2_split_reserve = vmx_s2_split_reserve,
	.exit = &vmx_exit_ops,
};
