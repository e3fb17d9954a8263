/* SPDX-License-Identifier: MIT */
/*
 * probe-triple (64-bit): triple-faults on purpose. With an IDT of limit 0,
 * the #UD from ud2 cannot be delivered (#GP), nor can that (#DF), which is a
 * triple fault (SDM Vol. 3A, "Interrupt 8—Double Fault Exception (#DF)").
 * Under VMX it is a VM exit with basic reason 2 (SDM Vol. 3C, "Other Causes
 * of VM Exits", and Appendix C): Septum must stop this partition
 * only.
 */
#include "guest.h"

int main(void)
{
	gprintf("probe-triple: faulting now\n");
	idt_load_raw(0, 0);
	__asm__ volatile("ud2");
	gprintf("probe-triple: FAIL: still running after the triple fault\n");
	return 1;
}
