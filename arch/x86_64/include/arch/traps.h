/* SPDX-License-Identifier: MIT */
#ifndef ARCH_TRAPS_H
#define ARCH_TRAPS_H

#include <septum/types.h>

/* What isr.S pushes, lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;     /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.S frame layout");

void idt_init(void);
void idt_load(void);
void trap_handler(struct trap_frame *f);

#endif
