/* SPDX-License-Identifier: MIT */
/*
 * smp: the partition's boot vCPU starts its sibling the way an OS does
 * (SDM Vol. 3A §9.4.4: INIT, then SIPI twice) and checks that Septum's
 * emulation behaves like the hardware: the sibling starts in real mode at
 * the SIPI vector (CS = vector << 8, IP = 0), the second SIPI of the pair is
 * ignored by the running vCPU, an INIT puts a running vCPU back into
 * wait-for-SIPI so a new SIPI restarts it, and "all excluding self" reaches
 * only the partition's own CPUs (a neighbour partition keeps running).
 * Exits 0 when every check passed, else with the number of guest_failures.
 */
#include "guest.h"

#define TRAMPOLINE 0x8000u              /* SIPI vector 0x08 */
#define COUNTS     0x9000u              /* u32 per vCPU index: real-mode starts */
#define APIC_IDS   0x9100u              /* u32 per vCPU index: APIC id */
#define CS_SEEN    0x9200u              /* u32 per vCPU index: CS in real mode */
#define CR4_START  0x9300u              /* u32 per vCPU index: CR4 read at start */
#define CR4_AFTER  0x9380u              /* u32 per vCPU index: CR4 read after writing PAE */

#define ICR_INIT        0x4500u         /* INIT, level assert */
#define ICR_SIPI(vec)   (0x4600u | (vec))
#define ICR_OTHERS      (3u << 18)      /* shorthand: all excluding self */
#define MSR_APIC_BASE   0x1bu
#define APIC_BASE_EXTD  (1u << 10)      /* x2APIC mode */

/* Real-mode code each started vCPU runs: note the CS it got, CR4 as it
 * reads it (0 after INIT: VMXE is Septum's, hidden by the read shadow), CR4
 * after writing PAE (a write that leaves VMXE clear must neither fault nor
 * clear it for real), its APIC id (x2APIC mode: the x2APIC ID register;
 * xAPIC mode, where a vCPU powers on when the host has no x2APIC, e.g.
 * AMD-V under QEMU TCG: CPUID.1:EBX[31:24], the initial APIC id, since real
 * mode cannot reach the xAPIC page); count the start, then spin (HLT with
 * IF=0 would stop the partition). */
extern const char ap_start[], ap_end[];
__asm__(".pushsection .rodata\n"
	".code16\n"
	"ap_start:\n"
	"  cli\n"
	"  xorw %ax, %ax\n"
	"  movw %ax, %ds\n"
	"  movl $0x40000001, %eax\n"
	"  cpuid\n"                             /* ECX = vCPU index */
	"  movw %cs, %bx\n"
	"  movl %ebx, %ds:0x9200(,%ecx,4)\n"
	"  movl %ecx, %esi\n"
	"  movl %cr4, %eax\n"
	"  movl %eax, %ds:0x9300(,%esi,4)\n"
	"  movl $0x20, %eax\n"
	"  movl %eax, %cr4\n"
	"  movl %cr4, %eax\n"
	"  movl %eax, %ds:0x9380(,%esi,4)\n"
	"  movl $0x1b, %ecx\n"
	"  rdmsr\n"                             /* IA32_APIC_BASE */
	"  testl $0x400, %eax\n"
	"  jz 2f\n"
	"  movl $0x802, %ecx\n"
	"  rdmsr\n"                             /* x2APIC id */
	"  jmp 3f\n"
	"2: movl $1, %eax\n"
	"  cpuid\n"
	"  movl %ebx, %eax\n"
	"  shrl $24, %eax\n"                    /* initial APIC id */
	"3: movl %eax, %ds:0x9100(,%esi,4)\n"
	"  lock incl %ds:0x9000(,%esi,4)\n"
	"1: pause\n"
	"  jmp 1b\n"
	"ap_end:\n"
	".code64\n"
	".popsection\n");

static volatile uint32_t *const counts = (volatile uint32_t *)(uintptr_t)COUNTS;
static volatile uint32_t *const apic_ids = (volatile uint32_t *)(uintptr_t)APIC_IDS;
static volatile uint32_t *const cs_seen = (volatile uint32_t *)(uintptr_t)CS_SEEN;
static volatile uint32_t *const cr4_start = (volatile uint32_t *)(uintptr_t)CR4_START;
static volatile uint32_t *const cr4_after = (volatile uint32_t *)(uintptr_t)CR4_AFTER;


static int x2apic_mode(void)
{
	return (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) != 0;
}

static void send_ipi(uint32_t dest, uint32_t low)
{
	guest_send_ipi(dest, low);
}

/* Waits until counts[idx] reaches want; 0 after a generous spin. */
static int wait_count(unsigned idx, uint32_t want)
{
	for (unsigned long i = 0; i < 20000000ul; i++) {
		if (counts[idx] >= want)
			return 1;
		cpu_pause();
	}
	return 0;
}

int main(void)
{
	unsigned n = cpuid(SEPTUM_CPUID_INFO, 0).edx;
	unsigned long len = (unsigned long)(ap_end - ap_start);

	gprintf("smp: %u vCPUs, trampoline %lu bytes at 0x%x\n", n, len, TRAMPOLINE);
	if (n < 2) {
		guest_fail("the partition needs at least 2 CPUs");
		return guest_failures;
	}
	memcpy((void *)(uintptr_t)TRAMPOLINE, ap_start, len);
	memset((void *)(uintptr_t)COUNTS, 0, 0x400);

	/* 1. The usual broadcast sequence: INIT, SIPI, SIPI. */
	send_ipi(0, ICR_OTHERS | ICR_INIT);
	send_ipi(0, ICR_OTHERS | ICR_SIPI(TRAMPOLINE >> 12));
	send_ipi(0, ICR_OTHERS | ICR_SIPI(TRAMPOLINE >> 12));
	for (unsigned i = 1; i < n; i++) {
		if (!wait_count(i, 1)) {
			guest_fail("vCPU %u did not start after INIT-SIPI-SIPI", i);
			continue;
		}
		gprintf("smp: vCPU %u started in real mode, CS 0x%x, %s id %u\n", i, cs_seen[i],
			x2apic_mode() ? "x2APIC" : "xAPIC", apic_ids[i]);
		if (cs_seen[i] != (TRAMPOLINE >> 4))
			guest_fail("vCPU %u started with CS 0x%x, expected 0x%x", i, cs_seen[i], TRAMPOLINE >> 4);
		if (cr4_start[i] != 0 || cr4_after[i] != 0x20)
			guest_fail("vCPU %u: CR4 read 0x%x at start and 0x%x after writing 0x20", i, cr4_start[i],
			     cr4_after[i]);
		else
			gprintf("smp: vCPU %u CR4 0 after INIT, 0x20 after writing PAE\n", i);
	}

	/* 2. The second SIPI found the vCPUs running: ignored. */
	delay_loops(2000000);
	for (unsigned i = 1; i < n; i++)
		if (counts[i] != 1)
			guest_fail("vCPU %u started %u times: the second SIPI was not ignored", i, counts[i]);
	if (!guest_failures)
		gprintf("smp: second SIPI ignored by running vCPUs\n");

	/* 3. INIT to one running sibling by its APIC id, then a SIPI: it starts again. */
	send_ipi(apic_ids[1], ICR_INIT);
	send_ipi(apic_ids[1], ICR_SIPI(TRAMPOLINE >> 12));
	if (wait_count(1, 2))
		gprintf("smp: vCPU 1 restarted by INIT + SIPI to APIC id %u\n", apic_ids[1]);
	else
		guest_fail("vCPU 1 did not restart after INIT + SIPI (starts %u)", counts[1]);

	/* 4. A SIPI without an INIT does nothing to a running vCPU. */
	send_ipi(apic_ids[1], ICR_SIPI(TRAMPOLINE >> 12));
	delay_loops(2000000);
	if (counts[1] != 2)
		guest_fail("vCPU 1 restarted by a SIPI without INIT (starts %u)", counts[1]);

	gprintf("smp: %s\n", guest_failures ? "FAILED" : "all checks passed");
	return guest_failures;
}
