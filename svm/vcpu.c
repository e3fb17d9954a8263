// SPDX-License-Identifier: MIT
/*
 * The AMD-V backend's lifecycle (septum/arch.h struct backend): SVM on
 * every CPU, one VMCB per vCPU, guest state at the partition's entry and
 * after INIT + SIPI, and the VMRUN loop. Facts: AMD64 Architecture
 * Programmer's Manual Vol. 2, chapter 15 (sections cited where used).
 *
 * What is intercepted, and why (docs/svm.md): CPUID, HLT for test guests
 * (as under VT-x), I/O through the IOPM and MSRs through the MSRPM (both
 * from the policy the VT-x bitmaps come from), XSETBV, VMMCALL, WBINVD
 * and INVD, shutdown, INIT, NMI (Septum's kicks), #MC, and every SVM
 * instruction plus MONITOR/MWAIT (#UD: the guest CPU has no SVM). Control
 * registers are not intercepted: unlike VT-x, SVM forces no CR0/CR4 bits,
 * so the guest owns them and the CPU itself faults what it refuses.
 * Physical interrupts are not intercepted (V_INTR_MASKING clear): they
 * reach the guest's IDT, gated by its RFLAGS.IF, without an exit.
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
#include <septum/heap.h>
#include <septum/reserve.h>
#include <septum/loader.h>
#include <septum/log.h>
#include <septum/mce.h>
#include <septum/partition.h>
#include <septum/vpci.h>
#include <septum/xapic.h>
#include <svm/backend.h>
#include <vmx/spec_hw.h>

void svm_run(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_pa);

#define GUEST_PAT_DEFAULT 0x0007040600070406ull   /* power-on PAT (APM Vol. 2 §7.8.2) */
#define CPUID_EXT1_EDX_PAGE1GB BIT(26)

/* VMCB segment attributes (Table B-2: descriptor bits 47:40 in 7:0, 55:52
 * in 11:8): type, S, DPL 0, P; L, D/B, G. */
#define SEG_ATTR_P       0x080u
#define SEG_ATTR_S       0x010u
#define SEG_ATTR_L       0x200u
#define SEG_ATTR_DB      0x400u
#define SEG_ATTR_G       0x800u
#define SEG_CODE_XRA     (0xbu | SEG_ATTR_S | SEG_ATTR_P)      /* execute/read, accessed */
#define SEG_DATA_RWA     (0x3u | SEG_ATTR_S | SEG_ATTR_P)      /* read/write, accessed */
#define SEG_TSS64_BUSY   (0xbu | SEG_ATTR_P)
#define SEG_LDT          (0x2u | SEG_ATTR_P)

struct svm_caps svm_boot_caps;

/* Per CPU: the host save area VMRUN writes (VM_HSAVE_PA, §15.30.4) and a
 * VMCB-format page holding the host's VMLOAD/VMSAVE state. */
static void *hsave[BOOT_MAX_CPUS];
static struct vmcb *host_state[BOOT_MAX_CPUS];

static inline void clgi(void) { __asm__ volatile("clgi" ::: "memory"); }
static inline void stgi(void) { __asm__ volatile("stgi" ::: "memory"); }

static bool cpu_has_xsave(void) { return cpuid(1, 0).ecx & BIT(26); }
static bool host_xsave;      /* CPUID.1:ECX.XSAVE, and CR4.OSXSAVE set on every CPU */

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0u));
	return ((uint64_t)hi << 32) | lo;
}

bool svm_hw_x2apic(void) { return lapic_mode() == LAPIC_X2APIC; }
enum mce_action svm_hw_machine_check(const char *who) { return machine_check_handle(true, who); }

static int svm_check_cpu(char *why, size_t whylen)
{
	struct svm_caps c;

	if (svm_caps_check(&c, why, whylen))
		return -1;
	if (arch_cpu_id() == 0)
		svm_boot_caps = c;
	return 0;
}

/* §15.4: EFER.SVME on; the host save area (§15.30.4); the host's
 * VMLOAD/VMSAVE state captured once, as it is for good from here on. */
static int svm_enable_cpu(char *why, size_t whylen)
{
	cpuid_t cpu = arch_cpu_id();
	uint64_t pa;

	if (!hsave[cpu])
		hsave[cpu] = pages_alloc(1);
	if (!host_state[cpu])
		host_state[cpu] = pages_alloc(1);
	if (!hsave[cpu] || !host_state[cpu]) {
		snprintf(why, whylen, "out of hypervisor memory for the SVM host save area");
		return -1;
	}
	memset(hsave[cpu], 0, PAGE_SIZE);
	memset(host_state[cpu], 0, PAGE_SIZE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	/* XSETBV (a guest's, carried out by Septum: kernel/exit/) is #UD
	 * without CR4.OSXSAVE, which firmware need not have set (OVMF under
	 * QEMU TCG leaves it clear). */
	host_xsave = cpu_has_xsave();
	if (host_xsave)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	wrmsr(MSR_VM_HSAVE_PA, (uint64_t)(uintptr_t)hsave[cpu]);
	pa = (uint64_t)(uintptr_t)host_state[cpu];
	__asm__ volatile("vmsave %%rax" :: "a"(pa) : "memory");
	if (cpu == 0) {
		char line[320];

		pr_info("%s", svm_backend_line(&svm_boot_caps, line, sizeof(line)));
	}
	spec_cpu_init();    /* transient-execution mitigations (vmx/spec_hw.c: vendor-neutral) */
	return 0;
}

static unsigned svm_large_pages(void)
{
	return NPT_LARGE_2M | ((cpuid(0x80000001u, 0).edx & CPUID_EXT1_EDX_PAGE1GB) ? NPT_LARGE_1G : 0);
}

/* What a vCPU's APIC and XCR0 are at power-on and after every reset: the
 * APIC enabled (BSP flag on vCPU 0) in x2APIC mode when the host's is (its
 * x2APIC MSRs then pass through to the hardware, as under VT-x), in xAPIC
 * mode otherwise (QEMU TCG: the guest's page accesses exit as nested page
 * faults to kernel/exit/'s emulation); XCR0 = x87 (SDM Vol. 1 §13.3). */
static void vcpu_power_on_state(struct vcpu *v)
{
	bool x2 = svm_hw_x2apic();

	v->apic_base = APIC_BASE_DEFAULT | APIC_BASE_EN | (x2 ? APIC_BASE_EXTD : 0) |
		       (v->index == 0 ? APIC_BASE_BSP : 0);
	xapic_reset(&v->xapic);
	svm_msrpm_build(svm_of(v)->msrpm, x2);
	v->xcr0 = 1;
	v->tsc_adjust = 0;
}

static void intercepts(struct vcpu *v)
{
	struct vmcb_control *c = &svm_vmcb(v)->control;
	bool os = v->part->os_guest;

	c->intercept_cr = 0;
	c->intercept_dr = 0;
	/* #MC: the machine's error, Septum's to handle, not the guest's IDT's. */
	c->intercept_exceptions = SVM_EXCEPTION(18);
	c->intercept_misc1 = SVM_MISC1_NMI | SVM_MISC1_INIT | SVM_MISC1_CPUID | SVM_MISC1_INVD |
			     (os ? 0 : SVM_MISC1_HLT) | SVM_MISC1_INVLPGA | SVM_MISC1_IOIO_PROT |
			     SVM_MISC1_MSR_PROT | SVM_MISC1_SHUTDOWN;
	/* VMRUN must be intercepted (§15.5.1); the other SVM instructions are
	 * #UD for a guest whose CPU has no SVM (CPUID hides it). */
	c->intercept_misc2 = SVM_MISC2_VMRUN | SVM_MISC2_VMMCALL | SVM_MISC2_VMLOAD | SVM_MISC2_VMSAVE |
			     SVM_MISC2_STGI | SVM_MISC2_CLGI | SVM_MISC2_SKINIT | SVM_MISC2_WBINVD |
			     SVM_MISC2_MONITOR | SVM_MISC2_MWAIT | SVM_MISC2_MWAIT_ARMED | SVM_MISC2_XSETBV;
	c->intercept_misc3 = 0;
}

static int svm_vcpu_prepare(struct vcpu *v, char *why, size_t whylen)
{
	struct svm_vcpu *s;
	struct vmcb_control *c;

	_Static_assert(sizeof(struct svm_vcpu) <= PAGE_SIZE, "one page");
	_Static_assert(SVM_VCPU_PAGES == 1 + 1 + SVM_IOPM_PAGES + SVM_MSRPM_PAGES && SVM_VCPU_PAGES <= RESERVE_VCPU_HW_PAGES,
		       "septum/reserve.h: state, VMCB, IOPM, MSRPM");
	s = v->arch = pages_alloc(1);
	if (s) {
		s->vmcb = pages_alloc(1);
		s->iopm = pages_alloc(SVM_IOPM_PAGES);
		s->msrpm = pages_alloc(SVM_MSRPM_PAGES);
	}
	if (!s || !s->vmcb || !s->iopm || !s->msrpm) {
		snprintf(why, whylen, "out of hypervisor memory for the VMCB");
		return -1;
	}
	memset(s->vmcb, 0, PAGE_SIZE);
	/* Every port exits (the partition sees only the devices Septum
	 * emulates) but the I/O BARs of the devices assigned to it: the IOPM
	 * has VT-x's I/O bitmap layout, one bit per port from 0, and a third
	 * page for accesses that cross port 0xffff (§15.10.1). */
	memset(s->iopm, 0xff, SVM_IOPM_PAGES * PAGE_SIZE);
	vpci_io_bitmap_open(v->part, s->iopm, s->iopm + PAGE_SIZE);
	vcpu_power_on_state(v);

	intercepts(v);
	c = &s->vmcb->control;
	c->iopm_base_pa = (uint64_t)(uintptr_t)s->iopm;
	c->msrpm_base_pa = (uint64_t)(uintptr_t)s->msrpm;
	c->tsc_offset = 0;
	c->guest_asid = svm_s2(v->part)->asid;
	c->tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	c->vintr = 0;                     /* V_INTR_MASKING clear: the guest's IF gates physical interrupts */
	c->np_control = SVM_NP_ENABLE;
	c->n_cr3 = npt_ncr3(&svm_s2(v->part)->npt);
	return 0;
}

static void seg(struct vmcb_seg *s, uint16_t selector, uint64_t base, uint32_t limit, uint16_t attrib)
{
	*s = (struct vmcb_seg){ .selector = selector, .attrib = attrib, .limit = limit, .base = base };
}

/* RIP, RSP, RFLAGS and the MSR-like state at reset (APM Vol. 2 §14.1.3,
 * Table 14-1: DR6, DR7, PAT), shared by the boot entry and the start of an
 * application processor. The VMLOAD state (FS, GS, TR, LDTR, syscall and
 * sysenter MSRs) is zeroed by the caller. */
static void entry_registers(struct vmcb_save *g, uint64_t rip)
{
	g->rip = rip;
	g->rsp = 0;
	g->rflags = RFLAGS_RESERVED1;
	g->dr6 = 0xffff0ff0;
	g->dr7 = 0x400;
	g->g_pat = GUEST_PAT_DEFAULT;
	g->cpl = 0;
}

static void vcpu_common_reset(struct vcpu *v)
{
	struct vmcb *vmcb = svm_vmcb(v);

	lapic_quiesce();
	atomic_store(&v->nmi_pending, false);
	memset(&v->regs, 0, sizeof(v->regs));
	vcpu_power_on_state(v);
	if (cpu_has_xsave())
		hw_xsetbv(v->xcr0);
	memset(&vmcb->save, 0, sizeof(vmcb->save));
	vmcb->control.event_inj = 0;
	vmcb->control.interrupt_shadow = 0;
	vmcb->control.tsc_offset = 0;
	/* Translations the partition's previous run left under its ASID. */
	vmcb->control.tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
}

/* The partition's entry (docs/guests.md): flat protected mode or long mode
 * with the GDT and selectors the loader prepared, as vmx/vcpu.c does. */
static void svm_vcpu_reset_boot(struct vcpu *v)
{
	const struct partition *p = v->part;
	struct vmcb_save *g = &svm_vmcb(v)->save;
	bool lm = p->entry_bits == 64;
	uint16_t data = SEG_DATA_RWA | SEG_ATTR_DB | SEG_ATTR_G;

	vcpu_common_reset(v);
	v->regs.rsi = p->entry_rsi;     /* Linux: the zero page */
	v->regs.rax = p->entry_rax;     /* multiboot: magic and info pointer */
	v->regs.rbx = p->entry_rbx;
	g->cr0 = CR0_PE | CR0_NE | CR0_ET | (lm ? CR0_PG : 0);
	g->cr4 = lm ? CR4_PAE : 0;
	g->cr3 = lm ? p->entry_cr3 : 0;
	/* EFER.SVME must be set in the guest's EFER (§15.5.1); the guest never
	 * sees it (svm/exit.c). */
	g->efer = EFER_SVME | (lm ? (EFER_LME | EFER_LMA | EFER_NXE) : 0);
	seg(&g->cs, p->entry_cs, 0, 0xffffffff,
	    SEG_CODE_XRA | SEG_ATTR_G | (lm ? SEG_ATTR_L : SEG_ATTR_DB));
	seg(&g->ss, p->entry_ds, 0, 0xffffffff, data);
	seg(&g->ds, p->entry_ds, 0, 0xffffffff, data);
	seg(&g->es, p->entry_ds, 0, 0xffffffff, data);
	seg(&g->fs, p->entry_ds, 0, 0xffffffff, data);
	seg(&g->gs, p->entry_ds, 0, 0xffffffff, data);
	seg(&g->ldtr, 0, 0, 0, SEG_LDT);
	seg(&g->tr, 0, 0, 0x67, SEG_TSS64_BUSY);
	seg(&g->gdtr, 0, GUEST_GDT_GPA, p->gdt_limit, 0);
	seg(&g->idtr, 0, 0, 0, 0);
	entry_registers(g, p->entry_rip);
}

/*
 * INIT, then a SIPI with vector V: real mode, CS = V << 8 (base V << 12),
 * IP = 0, CR0 = 0x60000010, EDX = family/model/stepping (APM Vol. 2
 * §14.1.3, Table 14-1). Nested paging lets the guest run unpaged real
 * mode as it is (§15.25.3).
 */
static void svm_vcpu_reset_sipi(struct vcpu *v, uint8_t vector)
{
	struct vmcb_save *g = &svm_vmcb(v)->save;
	const uint16_t code = SEG_CODE_XRA, data = SEG_DATA_RWA;

	vcpu_common_reset(v);
	v->regs.rdx = cpuid(1, 0).eax;
	g->cr0 = CR0_ET | CR0_CD | CR0_NW;
	g->efer = EFER_SVME;
	seg(&g->cs, (uint16_t)(vector << 8), (uint64_t)vector << 12, 0xffff, code);
	seg(&g->ss, 0, 0, 0xffff, data);
	seg(&g->ds, 0, 0, 0xffff, data);
	seg(&g->es, 0, 0, 0xffff, data);
	seg(&g->fs, 0, 0, 0xffff, data);
	seg(&g->gs, 0, 0, 0xffff, data);
	seg(&g->ldtr, 0, 0, 0xffff, SEG_LDT);
	seg(&g->tr, 0, 0, 0xffff, SEG_TSS64_BUSY);
	seg(&g->gdtr, 0, 0, 0xffff, 0);
	seg(&g->idtr, 0, 0, 0xffff, 0);
	entry_registers(g, 0);
}

/*
 * A stop must always land (docs/security.md). Root mode runs with
 * interrupts off; the only event reaching it is an NMI, Septum's kick. A
 * requester stores its request, then kicks. The last check before VMRUN
 * happens after CLGI: a kick that arrived before it is seen by the check;
 * one that arrives after it is held pending while GIF is clear (APM Vol. 2
 * §15.17) and taken as soon as VMRUN sets GIF, which — NMIs being
 * intercepted — is a #VMEXIT before the guest's first instruction. So
 * nothing needs doing when a kick finds this CPU in root mode, and no
 * timer is needed (VT-x arms its preemption timer for this).
 */
static void svm_vcpu_nmi_in_root(void) {}

/* vcpu_ept_invalidate() from a sibling: at the start of this CPU's next
 * exit the next VMRUN is told to flush (TLB_CONTROL). */
static void s2_stale_check(struct vcpu *v)
{
	if (atomic_exchange(&this_cpu()->ept_stale, false))
		svm_vmcb(v)->control.tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
}

/* The last check before VMRUN, with GIF clear; false if the vCPU must
 * leave guest mode instead. */
static bool entry_allowed(struct vcpu *v)
{
	s2_stale_check(v);
	return !partition_leaving(v->part) && VCPU_RUN_STATE(atomic_load(&v->run)) == VCPU_RUNNING;
}

static __attribute__((noreturn)) void vcpu_leave(struct vcpu *v)
{
	vuart_flush(&v->part->uart);
	longjmp(v->leave, 1);
}

static void svm_vcpu_enter(struct vcpu *v)
{
	cpuid_t cpu = arch_cpu_id();
	struct vmcb *vmcb = svm_vmcb(v);
	uint64_t pa = (uint64_t)(uintptr_t)vmcb, host = (uint64_t)(uintptr_t)host_state[cpu];

	this_cpu()->vcpu = v;
	if (setjmp(v->leave))
		return;
	flush_tlb();     /* the AP trampoline mapping changed after we loaded CR3 */
	spec_partition_start();  /* IBPB: nothing predicted from this CPU's previous guest */
	for (;;) {
		clgi();
		if (!entry_allowed(v)) {
			stgi();
			vcpu_leave(v);
		}
		vmcb->save.rax = v->regs.rax;
		svm_run(&v->regs, pa, host);
		v->regs.rax = vmcb->save.rax;
		/* A kick held since CLGI (or the NMI this exit is for) is taken
		 * now, in root mode: the checks below see its request. */
		stgi();
		/* XCR0 is the guest's in the hardware. XSETBV is intercepted
		 * (kernel/exit/ checks and loads it), but QEMU 7.2 TCG ignores
		 * that intercept: what the guest loaded itself is read back, so
		 * that CPUID.(0DH,1) describes the XCR0 in force. */
		if (host_xsave)
			v->xcr0 = xgetbv0();
		vmcb->control.tlb_control = SVM_TLB_CONTROL_NOTHING;
		s2_stale_check(v);
		if (!svm_exit_dispatch(v, &v->regs))
			vcpu_leave(v);
	}
}

/* As vmx_vcpu_kick: the fence orders the request before the NMI. */
static void svm_vcpu_kick(cpuid_t cpu)
{
	if (cpu >= ncpus)
		return;
	__asm__ volatile("mfence" ::: "memory");
	lapic_send_ipi(percpus[cpu]->apic_id, ICR_DM_NMI);
}

#define S2_SHOOTDOWN_US 1000   /* how long to wait for a sibling's exit */

static bool sibling_cpu(const struct vcpu *o, cpuid_t self, cpuid_t *cpu)
{
	if (!o || o->cpu == self || o->cpu >= ncpus)
		return false;
	*cpu = o->cpu;
	return VCPU_RUN_STATE(atomic_load(&o->run)) == VCPU_RUNNING;
}

/*
 * Nested translations removed (a BAR unmapped): the TLB may hold them
 * under the partition's ASID until a flush (§15.16). This CPU flushes at
 * its next VMRUN; p's other CPUs are kicked, and their exit sets the same
 * flush before they run the guest again; waited for, bounded.
 */
static void svm_s2_invalidate(struct partition *p)
{
	cpuid_t self = arch_cpu_id(), cpu;
	struct vcpu *me = partition_vcpu_on(p, self);
	uint64_t deadline;

	if (me && me->arch)
		svm_vmcb(me)->control.tlb_control = SVM_TLB_CONTROL_FLUSH_ALL;
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (sibling_cpu(p->vcpu[i], self, &cpu)) {
			atomic_store(&percpus[cpu]->ept_stale, true);
			vcpu_kick(cpu);
		}
	deadline = rdtsc() + tsc_hz / 1000000 * S2_SHOOTDOWN_US;
	for (unsigned i = 0; i < p->nvcpus; i++)
		while (sibling_cpu(p->vcpu[i], self, &cpu) && atomic_load(&percpus[cpu]->ept_stale) &&
		       rdtsc() < deadline)
			__builtin_ia32_pause();
}

const struct backend svm_backend = {
	.name = "AMD-V",
	.check_cpu = svm_check_cpu,
	.enable_cpu = svm_enable_cpu,
	.large_pages = svm_large_pages,
	.vcpu_prepare = svm_vcpu_prepare,
	.vcpu_reset_boot = svm_vcpu_reset_boot,
	.vcpu_reset_sipi = svm_vcpu_reset_sipi,
	.vcpu_enter = svm_vcpu_enter,
	.vcpu_kick = svm_vcpu_kick,
	.s2_invalidate = svm_s2_invalidate,
	.s2_create = svm_s2_create,
	.s2_seal = svm_s2_seal,
	.s2_map_mmio = svm_s2_map_mmio,
	.s2_unmap = svm_s2_unmap,
	.nmi_in_root = svm_vcpu_nmi_in_root,
	.exit_name = svm_exit_slot_name,
	.io_slot = SVM_SLOT_IOIO,
	.vcpu_pages = SVM_VCPU_PAGES,
	.s2_split_reserve = svm_s2_split_reserve,
	.exit = &svm_exit_ops,
};
