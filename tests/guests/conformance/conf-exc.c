// SPDX-License-Identifier: MIT
/*
 * conf-exc: the exception frames a kernel receives (Intel SDM Vol. 3A
 * chapter 7 "Interrupt and Exception Handling": §7.13 error codes, §7.14
 * the 64-bit frame; Vol. 3B §19.3.1.1 on RF: for every fault-class
 * exception except an instruction breakpoint, the RFLAGS image pushed has
 * RF set; traps push it clear). Each case runs one instruction that faults
 * (or traps) under the guard and prints vector, error code, RF in the
 * saved RFLAGS, and whether the saved RIP is the instruction (fault) or the
 * one after it (trap). Several cases are faults Septum itself decides
 * (a refused MSR, a bad CR or EFER write): those frames come from an
 * injected event, and must look exactly like the hardware's.
 */
#include "conf.h"

#define RF (1ull << 16)

/* Runs @insn (one instruction) with RAX/RCX/RDX = A_/C_/D_ and %[v] = V_, and
 * reports the frame of what it raised. Label 2 is the instruction, label 1
 * the resume point a guarded fault jumps to. */
#define CASE(id, insn, A_, C_, D_, V_)                                                              \
	do {                                                                                    \
		uint64_t start_, ra_ = (A_), rc_ = (C_), rd_ = (D_);                               \
		guard_last = (struct guard_fault){ 0, 0, 0, 0 };                                \
		__asm__ volatile("lea 2f(%%rip), %[s]\n\t"                                       \
				 "lea 1f(%%rip), %%r11\n\tmov %%r11, guard_resume(%%rip)\n\t"        \
				 "2: " insn "\n1:"                                               \
				 : [s] "=&r"(start_), "+a"(ra_), "+c"(rc_), "+d"(rd_)           \
				 : [v] "r"((uint64_t)(V_)), [z] "m"(zero)                        \
				 : "r11", "memory");                                            \
		guard_resume = 0;                                                               \
		report(id, start_);                                                             \
	} while (0)

static volatile uint32_t zero;

static void report(const char *id, uint64_t start)
{
	if (!guard_last.vector && !guard_last.rip) {
		conf_result(id, "no exception");
		return;
	}
	conf_result(id, "vector %llu, error %llx, rf %u, rip %s", (unsigned long long)guard_last.vector,
		    (unsigned long long)guard_last.error_code, (guard_last.rflags & RF) ? 1u : 0u,
		    guard_last.rip == start ? "at the instruction" : "after it");
}

int main(void)
{
	conf_begin("conf-exc");
	trap_set_handler(3, trap_guard_handler);
	trap_set_handler(1, trap_guard_handler);

	CASE("rdmsr-missing", "rdmsr", 0, 0x12345678u, 0, 0);
	CASE("wrmsr-missing", "wrmsr", 0, 0x12345678u, 0, 0);
	CASE("wrmsr-efer-reserved", "wrmsr", 0x504u, 0xc0000080u, 0, 0);
	CASE("cr4-reserved", "mov %[v], %%cr4", 0, 0, 0, read_cr4() | (1ull << 15));
	CASE("cr0-nw-without-cd", "mov %[v], %%cr0", 0, 0, 0, (read_cr0() | (1ull << 29)) & ~(1ull << 30));
	CASE("ud2", "ud2", 0, 0, 0, 0);
	CASE("div-zero", "divl %[z]", 1, 0, 0, 0);
	CASE("int3", "int3", 0, 0, 0, 0);
	CASE("page-fault-read", "mov (%[v]), %%eax", 0, 0, 0, 0x0000100000000000ull);
	CASE("page-fault-write", "movl $1, (%[v])", 0, 0, 0, 0x0000100000000000ull);
	CASE("noncanonical-read", "mov (%[v]), %%eax", 0, 0, 0, 0x0000800000000000ull);
	CASE("xsetbv-bad", "xsetbv", 0, 0, 0, 0);
	CASE("rdpmc-bad", "rdpmc", 0, 0x40000000u, 0, 0);
	return 0;
}
