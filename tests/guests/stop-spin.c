/* SPDX-License-Identifier: MIT */
/*
 * stop-spin: vCPUs that never exit on their own, which a stop or restart of
 * their partition must still take out of guest mode (docs/security.md, "A
 * stop always lands"). The boot vCPU starts its two siblings (INIT, SIPI)
 * into real-mode code that
 *   - vCPU 1: spins with interrupts off (cli; jmp .);
 *   - vCPU 2: points IVT vector 2 at a handler that spins for ever and
 *     waits; the boot vCPU sends it an NMI IPI: it spins inside its own NMI
 *     handler, NMIs blocked (before virtual NMIs, such a guest blocked
 *     Septum's kicks too).
 * With both in place it prints "boot N: spinners in place" and ends the
 * round: boots below cycles-6 reset the partition (chipset reset port,
 * on_reboot = restart), the last six triple-fault, so the sixth crash in a
 * minute stops the partition (on_crash = restart gives up). Every round
 * needs both spinners out of guest mode: a restart waits for them, and the
 * run only ends when their CPUs are released.
 *
 * With nmi=0 (a CPU whose backend refuses guest NMIs: AMD-V without
 * V_NMI) vCPU 2 spins with interrupts off as vCPU 1 does, where its
 * handler would have.
 *
 * cmdline: cycles=N (default 100), nmi=0|1 (default 1).
 */
#include "guest.h"

#define TRAMPOLINE   0x8000u          /* SIPI vector 0x08 */
#define IN_PLACE     0x9000u          /* u32 per vCPU index: 1 once it spins where it should */
#define APIC_ID2     0x9100u          /* vCPU 2's x2APIC id */
#define WANT_NMI     0x9010u          /* u32: 1 = vCPU 2 waits for the NMI */
#define ICR_INIT     0x4500u
#define ICR_SIPI(v)  (0x4600u | (v))
#define ICR_OTHERS   (3u << 18)
#define CRASHES      6                /* on_crash = restart stops the 6th crash within 60 s */

extern const char ap_start[], ap_end[];
__asm__(".pushsection .rodata\n"
	".code16\n"
	"ap_start:\n"
	"  cli\n"
	"  xorw %ax, %ax\n"
	"  movw %ax, %ds\n"
	"  movl $0x40000001, %eax\n"
	"  cpuid\n"                              /* ECX = vCPU index */
	"  cmpl $2, %ecx\n"
	"  je 2f\n"
	"  movl $1, %ds:0x9000(,%ecx,4)\n"       /* vCPU 1: in place */
	"1: jmp 1b\n"
	"2:\n"
	/* An IRET to the next instruction: no-op on a CPU, but Bochs 2.7
	 * keeps the virtual-NMI blocking of the previous boot's NMI handler
	 * across VM entries with the interruptibility field clear (its VM
	 * entry only ever sets it), and only an IRET in the guest clears it. */
	"  pushfw\n"
	"  pushw %cs\n"
	"  pushw $(5f - ap_start)\n"
	"  iretw\n"
	"5:\n"
	"  cmpl $0, %ds:0x9010\n"
	"  je ap_nmi\n"                          /* nmi=0: spin where the handler would */
	"  movw $(ap_nmi - ap_start), %ds:8\n"   /* IVT[2] = 0800:ap_nmi */
	"  movw $0x0800, %ds:10\n"
	"  movl $0x802, %ecx\n"
	"  rdmsr\n"                              /* EAX = own x2APIC id */
	"  movl %eax, %ds:0x9100\n"
	"  movl $1, %ds:0x9008\n"                /* armed */
	"3: jmp 3b\n"                            /* until the NMI arrives */
	"ap_nmi:\n"
	"  movl $2, %ds:0x9008\n"                /* vCPU 2: in its NMI handler */
	"4: jmp 4b\n"
	"ap_end:\n"
	".code64\n"
	".popsection\n");

static volatile uint32_t *const in_place = (volatile uint32_t *)(uintptr_t)IN_PLACE;

static int wait_in_place(unsigned idx, uint32_t want)
{
	for (unsigned long i = 0; i < 20000000ul; i++) {
		if (in_place[idx] >= want)
			return 1;
		cpu_pause();
	}
	return 0;
}

int main(void)
{
	unsigned long cycles = (unsigned long)guest_arg_ulong("cycles", 100);
	unsigned long boot = cpuid(SEPTUM_CPUID_BOOT, 0).eax;
	unsigned n = cpuid(SEPTUM_CPUID_INFO, 0).edx;
	int nmi = guest_arg_ulong("nmi", 1) != 0;

	if (n != 3 || cycles < CRASHES) {
		gprintf("stop-spin: FAIL: needs 3 vCPUs (has %u) and cycles >= %u\n", n, CRASHES);
		return 1;
	}
	memcpy((void *)(uintptr_t)TRAMPOLINE, ap_start, (unsigned long)(ap_end - ap_start));
	memset((void *)(uintptr_t)IN_PLACE, 0, 0x100);
	*(volatile uint32_t *)(uintptr_t)WANT_NMI = (uint32_t)nmi;
	guest_send_ipi(0, ICR_OTHERS | ICR_INIT);
	guest_send_ipi(0, ICR_OTHERS | ICR_SIPI(TRAMPOLINE >> 12));
	if (!wait_in_place(1, 1) || !wait_in_place(2, 1)) {
		gprintf("stop-spin: FAIL: boot %lu: a sibling did not start\n", boot);
		return 1;
	}
	if (nmi)
		guest_send_ipi(*(volatile uint32_t *)(uintptr_t)APIC_ID2, 0x400u);  /* NMI */
	if (!wait_in_place(2, 2)) {
		gprintf("stop-spin: FAIL: boot %lu: vCPU 2 did not take the NMI\n", boot);
		return 1;
	}
	if (boot + CRASHES < cycles) {
		gprintf("stop-spin: boot %lu: spinners in place, resetting\n", boot);
		outb(0xcf9, 0x06);
	} else {
		gprintf("stop-spin: boot %lu: spinners in place, triple fault\n", boot);
		idt_load_raw(0, 0);
		__asm__ volatile("ud2");
	}
	gprintf("stop-spin: FAIL: still running after the reset\n");
	return 1;
}
