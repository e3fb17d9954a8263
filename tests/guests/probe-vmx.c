/* SPDX-License-Identifier: MIT */
/*
 * probe-vmx (64-bit): VMX instructions inside a partition. In VMX non-root
 * operation VMXON always causes a VM exit, and so does VMREAD while "VMCS
 * shadowing" is off (SDM Vol. 3C, "Instructions That Cause VM Exits
 * Unconditionally" / "... Conditionally"; the guest's real CR4.VMXE is fixed
 * to 1 under VMX, so no #UD comes from the CPU itself); Septum must answer
 * by injecting #UD, as a CPU without VMX would. The guest catches the #UD
 * with its own IDT, skips the instruction and reports what happened.
 * On an AMD CPU (CPUID vendor; Septum's AMD-V backend) the SVM instructions
 * are tried too: the guest's EFER.SVME is set in its VMCB (VMRUN requires
 * it) though the guest never sees it, so the CPU would run them; each is
 * intercepted and Septum injects #UD, as on a CPU without SVM.
 * Exits 0 when every instruction raised #UD, else 1.
 */
#include "guest.h"

#define VMCS_GUEST_RIP 0x681eul   /* SDM Vol. 3C App. B, natural-width guest-state field */

static volatile uint64_t resume_rip;  /* where the #UD handler continues */
static volatile int caught_vector;

/* A VMXON region in the guest's own RAM (SDM Vol. 3C, "VMXON Region"): 4 KiB
 * aligned; its contents do not matter since the instruction must not run. */
static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));

static int on_ud(struct trap_frame *frame)
{
	if (!resume_rip)
		return 0;               /* not one of ours: default report */
	caught_vector = (int)frame->vector;
	frame->rip = resume_rip;
	resume_rip = 0;
	return 1;
}

static int report(const char *insn, int ok_flags)
{
	if (caught_vector == VEC_UD) {
		gprintf("probe-vmx: %s raised #UD\n", insn);
		return 0;
	}
	gprintf("probe-vmx: FAIL: %s completed without #UD (rflags.CF/ZF %x)\n", insn, ok_flags);
	return 1;
}

static int try_vmxon(void)
{
	uint64_t region = (uintptr_t)vmxon_region;
	uint64_t flags;

	caught_vector = -1;
	/* The resume address is the label right after the instruction, so the
	 * handler needs no instruction-length decoding. */
	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "mov %%rax, %[resume]\n\t"
			 "vmxon %[region]\n"
			 "1:\n\t"
			 "pushfq\n\t"
			 "pop %[flags]"
			 : [resume] "=m"(resume_rip), [flags] "=r"(flags)
			 : [region] "m"(region)
			 : "rax", "memory", "cc");
	return report("VMXON", (int)(flags & 0x41));
}

static int try_vmread(void)
{
	uint64_t value = 0, flags;

	caught_vector = -1;
	__asm__ volatile("lea 1f(%%rip), %%rax\n\t"
			 "mov %%rax, %[resume]\n\t"
			 "mov %[field], %%rax\n\t"
			 "vmread %%rax, %[value]\n"
			 "1:\n\t"
			 "pushfq\n\t"
			 "pop %[flags]"
			 : [resume] "=m"(resume_rip), [value] "+r"(value), [flags] "=r"(flags)
			 : [field] "i"(VMCS_GUEST_RIP)
			 : "rax", "memory", "cc");
	return report("VMREAD", (int)(flags & 0x41));
}

/* One SVM instruction, RAX = a 4 KiB-aligned page of the guest's (VMRUN,
 * VMLOAD, VMSAVE take a VMCB address there; INVLPGA a linear address, ECX an
 * ASID). */
#define TRY_SVM(name, bytes)                                                    \
	static int try_##name(void)                                             \
	{                                                                       \
		uint64_t flags;                                                 \
                                                                                \
		caught_vector = -1;                                             \
		__asm__ volatile("lea 1f(%%rip), %%rax\n\t"                      \
				 "mov %%rax, %[resume]\n\t"                      \
				 "mov %[page], %%rax\n\t"                         \
				 "xor %%ecx, %%ecx\n\t"                           \
				 ".byte " bytes "\n"                              \
				 "1:\n\t"                                         \
				 "pushfq\n\t"                                     \
				 "pop %[flags]"                                   \
				 : [resume] "=m"(resume_rip), [flags] "=r"(flags) \
				 : [page] "r"((uint64_t)(uintptr_t)vmxon_region)  \
				 : "rax", "rcx", "memory", "cc");                 \
		return report(#name, (int)(flags & 0x41));                     \
	}
/* APM Vol. 3: 0F 01 D8 VMRUN, DA VMLOAD, DB VMSAVE, DC STGI, DD CLGI,
 * DE SKINIT, DF INVLPGA. */
TRY_SVM(VMRUN, "0x0f, 0x01, 0xd8")
TRY_SVM(VMLOAD, "0x0f, 0x01, 0xda")
TRY_SVM(VMSAVE, "0x0f, 0x01, 0xdb")
TRY_SVM(STGI, "0x0f, 0x01, 0xdc")
TRY_SVM(CLGI, "0x0f, 0x01, 0xdd")
TRY_SVM(SKINIT, "0x0f, 0x01, 0xde")
TRY_SVM(INVLPGA, "0x0f, 0x01, 0xdf")

static int amd_cpu(void)
{
	return (guest_hc_insn ? guest_hc_insn : guest_hc_detect()) == GUEST_HC_VMMCALL;
}

int main(void)
{
	int failed = 0;

	idt_install();
	trap_set_handler(VEC_UD, on_ud);
	gprintf("probe-vmx: cr4 as seen by the guest %lx\n", read_cr4());
	failed += try_vmxon();
	failed += try_vmread();
	if (amd_cpu()) {
		failed += try_VMRUN() + try_VMLOAD() + try_VMSAVE() + try_STGI() + try_CLGI() + try_SKINIT() +
			  try_INVLPGA();
	}
	return failed ? 1 : 0;
}
