// SPDX-License-Identifier: MIT
/*
 * conf-dbg: the debug architecture a kernel debugger uses (Intel SDM Vol.
 * 3B chapter 19): DR0-DR7 reads and writes (reserved bits, DR6/DR7 fixed
 * bits, DR4/DR5 aliasing with CR4.DE), single-step with RFLAGS.TF (a trap:
 * #DB after the instruction, DR6.BS), INT1/ICEBP, INT3, and an instruction
 * breakpoint in DR0 (a fault, RF set in the frame so IRETQ can resume).
 */
#include "conf.h"

#define READ_DR(n) ({ uint64_t v_; __asm__ volatile("mov %%db" #n ", %0" : "=r"(v_)); v_; })

static uint64_t dr6_at_trap;

static int db_handler(struct trap_frame *f)
{
	dr6_at_trap = READ_DR(6);
	f->rflags &= ~(1ull << 8);          /* TF off: one step only */
	f->rflags |= 1ull << 16;            /* RF: do not hit the breakpoint again */
	return trap_guard_handler(f) || 1;
}

static volatile uint32_t target;

int main(void)
{
	conf_begin("conf-dbg");
	trap_set_handler(1, db_handler);
	trap_set_handler(3, trap_guard_handler);

	conf_result("dr6-initial", "%llx", (unsigned long long)READ_DR(6));
	conf_result("dr7-initial", "%llx", (unsigned long long)READ_DR(7));
	conf_result("mov-dr0", "%s", conf_outcome(GUARDED("mov %0, %%db0", "r"(0x123456789ull))));
	conf_result("dr0-readback", "%llx", (unsigned long long)READ_DR(0));
	conf_result("mov-dr6-upper", "%s", conf_outcome(GUARDED("mov %0, %%db6", "r"(1ull << 32))));
	conf_result("mov-dr7-upper", "%s", conf_outcome(GUARDED("mov %0, %%db7", "r"(1ull << 40))));
	conf_result("mov-dr6-zero", "%s", conf_outcome(GUARDED("mov %0, %%db6", "r"(0ull))));
	conf_result("dr6-after-zero", "%llx", (unsigned long long)READ_DR(6));
	conf_result("mov-dr7-zero", "%s", conf_outcome(GUARDED("mov %0, %%db7", "r"(0ull))));
	conf_result("dr7-after-zero", "%llx", (unsigned long long)READ_DR(7));
	conf_result("mov-dr4-de-off", "%s", conf_outcome(GUARDED("mov %%db4, %%r11", "m"(target))));
	guarded_write_cr4(read_cr4() | (1ull << 3));
	conf_result("mov-dr4-de-on", "%s", conf_outcome(GUARDED("mov %%db4, %%r11", "m"(target))));
	guarded_write_cr4(read_cr4() & ~(1ull << 3));

	/* Single step: TF set by POPF; the #DB comes after the next instruction. */
	dr6_at_trap = 0;
	conf_result("single-step", "%s",
		    conf_outcome(GUARDED("pushf; orq $0x100, (%%rsp); popf; nop; nop", "m"(target))));
	conf_result("single-step.dr6-bs", "%llu", (unsigned long long)((dr6_at_trap >> 14) & 1));
	conf_result("single-step.rf", "%llu", (unsigned long long)((guard_last.rflags >> 16) & 1));
	__asm__ volatile("mov %0, %%db6" : : "r"(0ull));

	conf_result("icebp", "%s", conf_outcome(GUARDED(".byte 0xf1", "m"(target))));
	conf_result("icebp.rf", "%llu", (unsigned long long)((guard_last.rflags >> 16) & 1));
	conf_result("int3", "%s", conf_outcome(GUARDED("int3", "m"(target))));

	/* A data breakpoint on writes to `target` (DR7 L0, RW0 = 01, LEN0 = 4 bytes). */
	__asm__ volatile("mov %0, %%db0" : : "r"((uint64_t)(uintptr_t)&target));
	__asm__ volatile("mov %0, %%db7" : : "r"(0x1ull | (1ull << 16) | (3ull << 18)));
	dr6_at_trap = 0;
	conf_result("data-breakpoint", "%s", conf_outcome(GUARDED("movl $1, %0", "m"(target))));
	conf_result("data-breakpoint.dr6-b0", "%llu", (unsigned long long)(dr6_at_trap & 1));
	conf_result("data-breakpoint.rip", "%s", guard_last.rip ? "after the write" : "-");
	__asm__ volatile("mov %0, %%db7" : : "r"(0ull));
	__asm__ volatile("mov %0, %%db6" : : "r"(0ull));
	return 0;
}
