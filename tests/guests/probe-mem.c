/* SPDX-License-Identifier: MIT */
/*
 * probe-mem (64-bit): touches a guest-physical address outside its
 * partition's RAM. Septum must stop the partition on the EPT violation
 * (SDM Vol. 3C, "EPT Violations"); if the access completes, isolation is broken.
 *
 * cmdline: op=read|write target=0xADDR
 * The guest maps the target itself (Septum's tables stop at 4 GiB) and loads
 * an IDT first, so that a guest-level #PF or #GP shows up as a FAIL line
 * rather than a triple fault that would look like a different test.
 */
#include "guest.h"

#define WRITE_PATTERN 0x5e9712e5e9712e55ull

int main(void)
{
	char op[8];
	unsigned long long target;
	int write;

	idt_install();
	if (guest_arg("op", op, sizeof(op)) || (strcmp(op, "read") && strcmp(op, "write"))) {
		gprintf("probe-mem: FAIL: cmdline needs op=read|write\n");
		return 3;
	}
	target = guest_arg_ulong("target", ~0ull);
	if (target == ~0ull) {
		gprintf("probe-mem: FAIL: cmdline needs target=0xADDR\n");
		return 3;
	}
	write = !strcmp(op, "write");
	map_identity_2m(target);
	gprintf("probe-mem: %s 0x%llx\n", op, target);

	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)target;

	if (write) {
		*p = WRITE_PATTERN;
	} else {
		uint64_t v = *p;

		gprintf("probe-mem: got value 0x%llx\n", (unsigned long long)v);
	}
	gprintf("probe-mem: FAIL: access did not fault\n");
	return 1;
}
