/* SPDX-License-Identifier: MIT */
#ifndef ARCH_TRAPS_H
#define ARCH_TRAPS_H

#include <septum/types.h>
#include <septum/mce.h>

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

/* A machine check on this CPU, taken in root mode or (in_guest) reported by
 * a VM exit while who's guest ran: reads and logs the banks, decides
 * (septum/mce.h), clears them and MCIP, or hv_panic()s with them logged.
 * Returns MCE_CONTINUE or MCE_STOP_OWNER. */
enum mce_action machine_check_handle(bool in_guest, const char *who);

#endif
