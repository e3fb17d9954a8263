// SPDX-License-Identifier: MIT
#include <vmx/vmcs.h>
#include <septum/log.h>

uint64_t vmcs_read(enum vmcs_field f)
{
	uint64_t v;

	__asm__ volatile("vmread %1, %0" : "=rm"(v) : "r"((uint64_t)f) : "cc");
	return v;
}

int vmcs_write(enum vmcs_field f, uint64_t v)
{
	uint8_t fail;

	__asm__ volatile("vmwrite %2, %1; setna %0" : "=qm"(fail) : "r"((uint64_t)f), "rm"(v) : "cc");
	if (fail) {
		pr_err("VMWRITE of field 0x%04x = 0x%llx failed (VM-instruction error %llu) from %p",
		       (unsigned)f, (unsigned long long)v, (unsigned long long)vmcs_read(VM_INSTRUCTION_ERROR),
		       __builtin_return_address(0));
		return -1;
	}
	return 0;
}
