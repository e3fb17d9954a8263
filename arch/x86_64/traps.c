// SPDX-License-Identifier: MIT
/*
 * Exceptions in VMX root mode are Septum bugs (guests' exceptions never reach
 * this IDT: they are delivered through the guest's own IDT or cause VM exits).
 * The handler prints everything needed to find the bug, then stops this CPU;
 * the other CPUs and their partitions keep running.
 */
#include <stdio.h>
#include <arch/cpu.h>
#include <arch/percpu.h>
#include <arch/traps.h>
#include <septum/arch.h>
#include <septum/log.h>

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, reserved;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_entry) == 16, "SDM Vol. 3A Figure 6-8");

#define IDT_INTERRUPT_GATE 0x8e  /* present, DPL 0, 64-bit interrupt gate */

extern const uint64_t isr_table[32];
extern char __text_start[], __text_end[];

static struct idt_entry idt[32] __attribute__((aligned(16)));

static const char *const vector_name[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

void idt_init(void)
{
	for (unsigned v = 0; v < 32; v++) {
		uint64_t off = isr_table[v];
		/* NMI, #DF and #MC on stacks of their own: they may arrive
		 * anywhere, even with a bad RSP; #MC apart from NMI, since it
		 * can return and an NMI can arrive while it runs. */
		uint8_t ist = v == 2 || v == 8 ? IST_NMI : v == 18 ? IST_MC : 0;

		idt[v] = (struct idt_entry){
			.off_lo = (uint16_t)off, .sel = GDT_CODE64,
			.ist = ist, .type = IDT_INTERRUPT_GATE,
			.off_mid = (uint16_t)(off >> 16), .off_hi = (uint32_t)(off >> 32),
		};
	}
}

void idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt,
	};
	__asm__ volatile("lidt %0" :: "m"(idtr));
}

static bool in_text(uint64_t a)
{
	return a >= (uint64_t)(uintptr_t)__text_start && a < (uint64_t)(uintptr_t)__text_end;
}

static void backtrace(uint64_t rbp)
{
	/* -fno-omit-frame-pointer: follow the RBP chain while it stays on a
	 * plausible stack and returns into our text. */
	for (int depth = 0; depth < 16 && rbp && IS_ALIGNED(rbp, 8); depth++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		uint64_t ret = frame[1];

		if (!in_text(ret))
			break;
		pr_err("  #%d 0x%llx (image offset 0x%llx)", depth, (unsigned long long)ret,
		       (unsigned long long)(ret - (uint64_t)(uintptr_t)__text_start));
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

/*
 * rdmsr_safe/wrmsr_safe (arch/cpu.h): the MSR instruction sits at a known
 * label; a #GP there resumes at the matching "fault" label, which returns
 * -1. SysV: msr in EDI, the pointer/value in RSI.
 */
extern const char rdmsr_safe_insn[], rdmsr_safe_fault[], wrmsr_safe_insn[], wrmsr_safe_fault[];
__asm__(".text\n"
	".globl rdmsr_safe\n"
	"rdmsr_safe:\n"
	"	movl %edi, %ecx\n"
	"rdmsr_safe_insn:\n"
	"	rdmsr\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	movq %rax, (%rsi)\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	"rdmsr_safe_fault:\n"
	"	movl $-1, %eax\n"
	"	ret\n"
	".globl wrmsr_safe\n"
	"wrmsr_safe:\n"
	"	movl %edi, %ecx\n"
	"	movl %esi, %eax\n"
	"	movq %rsi, %rdx\n"
	"	shrq $32, %rdx\n"
	"wrmsr_safe_insn:\n"
	"	wrmsr\n"
	"	xorl %eax, %eax\n"
	"	ret\n"
	"wrmsr_safe_fault:\n"
	"	movl $-1, %eax\n"
	"	ret\n");

static bool msr_fixup(struct trap_frame *f)
{
	if (f->vector != 13)
		return false;
	if (f->rip == (uint64_t)(uintptr_t)rdmsr_safe_insn)
		f->rip = (uint64_t)(uintptr_t)rdmsr_safe_fault;
	else if (f->rip == (uint64_t)(uintptr_t)wrmsr_safe_insn)
		f->rip = (uint64_t)(uintptr_t)wrmsr_safe_fault;
	else
		return false;
	return true;
}

/*
 * #MC (SDM Vol. 3B §16.3, §16.10): the banks say what happened and where;
 * mce_decide says whether Septum, the partition that was running, or
 * nobody has to go. Logged before anything else (a panic keeps the banks
 * for the firmware's own log after the reset); otherwise cleared, and
 * MCIP with them, since a second #MC while MCIP is set shuts the CPU down.
 * The log takes the console lock: a #MC that hits its holder on this CPU
 * hangs here instead of printing, which for a machine check is the lesser
 * evil than running on with the error unreported.
 */
enum mce_action machine_check_handle(bool in_guest, const char *who)
{
	uint64_t cap = 0, mcg = 0, status[MCE_MAX_BANKS] = { 0 };
	unsigned n, cpu = (unsigned)this_cpu()->id;
	enum mce_action a;
	int bank;

	rdmsr_safe(MSR_IA32_MCG_CAP, &cap);
	rdmsr_safe(MSR_IA32_MCG_STATUS, &mcg);
	n = (unsigned)(cap & MCG_CAP_COUNT_MASK);
	if (n > MCE_MAX_BANKS)
		n = MCE_MAX_BANKS;
	for (unsigned i = 0; i < n; i++)
		if (rdmsr_safe(MSR_IA32_MC0_STATUS + 4 * i, &status[i]))
			status[i] = 0;
	a = mce_decide(mcg, status, n, in_guest, &bank);
	for (unsigned i = 0; i < n; i++) {
		uint64_t addr = 0, misc = 0;

		if (!(status[i] & MCI_STATUS_VAL))
			continue;
		rdmsr_safe(MSR_IA32_MC0_STATUS + 4 * i + 1, &addr);
		rdmsr_safe(MSR_IA32_MC0_STATUS + 4 * i + 2, &misc);
		pr_err("CPU %u: machine check in %s: bank %u status 0x%016llx addr 0x%llx misc 0x%llx", cpu, who, i,
		       (unsigned long long)status[i], (unsigned long long)addr, (unsigned long long)misc);
	}
	pr_err("CPU %u: machine check in %s: MCG_STATUS 0x%llx, bank %d decides: %s", cpu, who,
	       (unsigned long long)mcg, bank, mce_action_name(a));
	if (a == MCE_PANIC)
		hv_panic("CPU %u: unrecoverable machine check (banks above)", cpu);
	for (unsigned i = 0; i < n; i++)
		if (status[i] & MCI_STATUS_VAL)
			wrmsr_safe(MSR_IA32_MC0_STATUS + 4 * i, 0);
	wrmsr_safe(MSR_IA32_MCG_STATUS, 0);
	return a;
}

void trap_handler(struct trap_frame *f)
{
	if (f->vector == 2) {
		/* NMI in root mode: a kick that arrived while we were not in the
		 * guest. The request it announces was stored before it, so the
		 * checks before the next VM entry see it; one that arrives after
		 * the last check must still land (vcpu_nmi_in_root). */
		atomic_fetch_add(&this_cpu()->nmi_count, 1);
		vcpu_nmi_in_root();
		return;
	}
	if (msr_fixup(f))
		return;
	if (f->vector == 18 && machine_check_handle(false, "Septum") == MCE_CONTINUE)
		return;
	pr_err("CPU %u: exception %s (vector %llu) error 0x%llx at RIP 0x%llx (image offset 0x%llx)",
	       (unsigned)this_cpu()->id, f->vector < 32 && vector_name[f->vector] ? vector_name[f->vector] : "?",
	       (unsigned long long)f->vector, (unsigned long long)f->error, (unsigned long long)f->rip,
	       (unsigned long long)(f->rip - (uint64_t)(uintptr_t)__text_start));
	pr_err("  RAX %016llx RBX %016llx RCX %016llx RDX %016llx", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	pr_err("  RSI %016llx RDI %016llx RBP %016llx RSP %016llx", (unsigned long long)f->rsi,
	       (unsigned long long)f->rdi, (unsigned long long)f->rbp, (unsigned long long)f->rsp);
	pr_err("  R8  %016llx R9  %016llx R10 %016llx R11 %016llx", (unsigned long long)f->r8,
	       (unsigned long long)f->r9, (unsigned long long)f->r10, (unsigned long long)f->r11);
	pr_err("  R12 %016llx R13 %016llx R14 %016llx R15 %016llx", (unsigned long long)f->r12,
	       (unsigned long long)f->r13, (unsigned long long)f->r14, (unsigned long long)f->r15);
	pr_err("  CR2 %016llx RFLAGS %016llx CS %llx SS %llx", (unsigned long long)read_cr2(),
	       (unsigned long long)f->rflags, (unsigned long long)f->cs, (unsigned long long)f->ss);
	pr_err("  backtrace:");
	if (in_text(f->rip))
		pr_err("  #- 0x%llx (faulting instruction)", (unsigned long long)f->rip);
	backtrace(f->rbp);
	hv_panic("CPU %u: unexpected exception in Septum", (unsigned)this_cpu()->id);
}
