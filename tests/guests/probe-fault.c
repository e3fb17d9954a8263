/* SPDX-License-Identifier: MIT */
/*
 * probe-fault (64-bit): guest actions that must neither fault Septum nor
 * end the partition outside its policy (docs/security.md, "No guest action
 * makes Septum fault").
 *
 *   op=regs    WRMSR IA32_EFER with a reserved bit (12, SVME: AMD only)
 *              and with bit 63; MOV to CR0 of NW without CD: each must be
 *              #GP in the guest, EFER/CR0 unchanged, and the guest runs on
 *              (a value stored as is would fail the next VM entry instead).
 *              NE is Septum's (guest/host mask): flipping it makes the
 *              write exit.
 *   op=flush   count=N rounds of WBINVD and INVD: each exits and is a
 *              no-op for the rest of the machine (INVD used to be an
 *              unhandled exit).
 *   op=strio   one OUTSB: string I/O is not emulated, the partition is
 *              crashed (on_crash), the rest of the machine runs on.
 *   op=nmi     count=N NMI IPIs to itself, each taken once by its NMI
 *              handler, never nested; the first handler sends one more
 *              from inside (NMIs blocked there): it must arrive once the
 *              handler returns (NMI-window exiting), not be dropped, not
 *              nest. Expects N + 1 handler runs, depth never above 1.
 *
 * Exits 0 when every check passed.
 */
#include "guest.h"

#define MSR_EFER   0xc0000080u
#define CR0_NE     (1ul << 5)
#define CR0_NW     (1ul << 29)
#define CR0_CD     (1ul << 30)

static volatile unsigned gp_count;

/* #GP from "mov %rax, %cr0" (0f 22 c0): count it, skip the instruction. */
static int cr0_gp(struct trap_frame *f)
{
	gp_count++;
	f->rip += 3;
	return 1;
}

static void write_cr0_raw(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr0" :: "a"(v) : "memory");
}

static void regs(void)
{
	uint64_t before = 0, after = 0;
	unsigned long cr0 = read_cr0();

	trap_set_handler(VEC_GP, trap_guard_handler);
	guarded_rdmsr(MSR_EFER, &before);
	guest_check(guarded_wrmsr(MSR_EFER, before | (1ull << 12)) == VEC_GP,
		    "probe-fault: EFER with reserved bit 12: #GP");
	guest_check(guarded_wrmsr(MSR_EFER, before | (1ull << 63)) == VEC_GP,
		    "probe-fault: EFER with reserved bit 63: #GP");
	guarded_rdmsr(MSR_EFER, &after);
	guest_check(after == before, "probe-fault: EFER unchanged (0x%llx)", (unsigned long long)after);

	/* VMX is hidden: its capability MSRs and a write to IA32_FEATURE_CONTROL
	 * are #GP, as on a CPU without VMX (SDM Vol. 3D App. A). */
	guest_check(guarded_rdmsr(0x480, &after) == VEC_GP, "probe-fault: RDMSR IA32_VMX_BASIC: #GP");
	guest_check(guarded_wrmsr(0x3a, 5) == VEC_GP, "probe-fault: WRMSR IA32_FEATURE_CONTROL (lock, VMX on): #GP");
	/* On an AMD CPU (Septum's AMD-V backend) SVM is hidden the same way:
	 * EFER reads without SVME (VMRUN needs it set in the guest's real
	 * EFER), VM_CR and VM_HSAVE_PA are #GP (APM Vol. 2 §15.30). */
	if ((guest_hc_insn ? guest_hc_insn : guest_hc_detect()) == GUEST_HC_VMMCALL) {
		guest_check(!(before & (1ull << 12)), "probe-fault: EFER reads without SVME (0x%llx)",
			    (unsigned long long)before);
		guest_check(guarded_rdmsr(0xc0010114u, &after) == VEC_GP, "probe-fault: RDMSR VM_CR: #GP");
		guest_check(guarded_wrmsr(0xc0010117u, 0x1000) == VEC_GP, "probe-fault: WRMSR VM_HSAVE_PA: #GP");
		/* IA32_PAT is the guest's own (G_PAT in the VMCB, not the host's
		 * register): a good value reads back, a reserved type is #GP. */
		uint64_t pat = 0, pat_new = 0x0006040600070406ull, pat_back = 0;

		guarded_rdmsr(0x277, &pat);
		guest_check(guarded_wrmsr(0x277, 0x0000000000000002ull) == VEC_GP, "probe-fault: PAT with type 2: #GP");
		int ok = guarded_wrmsr(0x277, pat_new) != VEC_GP && guarded_rdmsr(0x277, &pat_back) != VEC_GP;

		guest_check(ok && pat_back == pat_new, "probe-fault: PAT written and read back (0x%llx)",
			    (unsigned long long)pat_back);
		guarded_wrmsr(0x277, pat);
	}

	trap_set_handler(VEC_GP, cr0_gp);
	write_cr0_raw(((cr0 ^ CR0_NE) & ~CR0_CD) | CR0_NW);
	guest_check(gp_count == 1, "probe-fault: CR0 with NW but not CD: #GP");
	guest_check(read_cr0() == cr0, "probe-fault: CR0 unchanged (0x%lx)", read_cr0());
	trap_set_handler(VEC_GP, NULL);
}

#define MSR_X2APIC_ID  0x802u
#define MSR_X2APIC_ICR 0x830u
#define ICR_NMI        0x400u

static volatile unsigned nmi_runs, nmi_depth, nmi_max_depth;
static uint64_t self_icr;

static void send_self_nmi(void)
{
	wrmsr(MSR_X2APIC_ICR, self_icr);
}

static int nmi_handler(struct trap_frame *f)
{
	(void)f;
	if (++nmi_depth > nmi_max_depth)
		nmi_max_depth = nmi_depth;
	if (nmi_runs++ == 0) {
		send_self_nmi();             /* blocked here: must wait for our IRET */
		delay_loops(10000);
	}
	nmi_depth--;
	return 1;
}

static void nmi(unsigned long count)
{
	uint64_t id = 0;

	guarded_rdmsr(MSR_X2APIC_ID, &id);
	self_icr = (id << 32) | ICR_NMI;
	trap_set_handler(2, nmi_handler);
	for (unsigned long i = 0; i < count; i++)
		send_self_nmi();
	delay_loops(100000);
	guest_check(nmi_runs == count + 1, "probe-fault: %lu NMI IPIs to self (one sent inside the handler): %u handler runs",
		    count + 1, nmi_runs);
	guest_check(nmi_max_depth == 1, "probe-fault: NMI handler never nested (depth %u)", nmi_max_depth);
}

static void flush(unsigned long count)
{
	for (unsigned long i = 0; i < count; i++) {
		__asm__ volatile("wbinvd" ::: "memory");
		if (i % 16 == 0)
			__asm__ volatile("invd" ::: "memory");
	}
	gprintf("probe-fault: %lu WBINVD and %lu INVD done\n", count, (count + 15) / 16);
}

/* String I/O is not emulated: the partition is crashed (its on_crash
 * applies), nothing else happens. */
static void strio(void)
{
	static const char msg[] = "x";

	gprintf("probe-fault: OUTSB to the console port\n");
	__asm__ volatile("rep outsb" : : "S"(msg), "c"(1ul), "d"(0x3f8) : "memory");
	guest_fail("string I/O returned");
}

int main(void)
{
	char op[16] = "";

	idt_install();
	guest_arg("op", op, sizeof(op));
	if (!strcmp(op, "regs"))
		regs();
	else if (!strcmp(op, "flush"))
		flush((unsigned long)guest_arg_ulong("count", 20000));
	else if (!strcmp(op, "strio"))
		strio();
	else if (!strcmp(op, "nmi"))
		nmi((unsigned long)guest_arg_ulong("count", 1000));
	else
		guest_fail("unknown op=%s", op);
	gprintf("probe-fault: still running: %s\n", guest_failures ? "FAILED" : "all checks passed");
	return guest_failures;
}
