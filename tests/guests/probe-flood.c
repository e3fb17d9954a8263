/* SPDX-License-Identifier: MIT */
/*
 * probe-flood (64-bit): a partition that tries to make Septum's console and
 * log its weapon (docs/security.md, "Shared services: the console and the
 * log"). Each round it
 *   - sends a fixed IPI to APIC id target= (outside its partition) and one
 *     to the broadcast destination 0xffffffff: both refused, both logged;
 *   - writes the mark port (SEPTUM_MARK_PORT): Septum logs its exit counts;
 *   - every 200th round, a CONSOLE_WRITE hypercall of SEPTUM_CONSOLE_MAX
 *     newlines: 4096 empty console lines at once.
 * Before the rounds it prints escape sequences (clear screen, a cursor
 * position query whose answer would come back as input, an 8-bit CSI) and
 * a carriage return followed by a forged Septum line. After them it resets
 * itself through port 0xcf9 until it has been restarted reboots= times
 * (CPUID 0x40000004), then exits 0. Every one of these is logged by Septum
 * at most at the per-partition rate; the scenario counts the lines.
 *
 * Console-MSI rewrites are not part of it: the vPCI console function's
 * refusals were capped per device before (VPCI_LOG_REFUSALS) and now share
 * this partition's rate limit; programming its MSI takes a PCI walk that
 * probe-pci covers.
 *
 * cmdline: target=APICID rounds=N (default 400) reboots=K (default 1)
 */
#include "guest.h"

#define MSR_X2APIC_ICR   0x830u
#define ICR_DM_FIXED     (0ull << 8)
#define ICR_LEVEL_ASSERT (1ull << 14)
#define ICR_DEST(id)     ((uint64_t)(id) << 32)
#define FIXED_VECTOR     0x40
#define CF9_PORT         0xcf9
#define CF9_HARD_RESET   0x06

static char newlines[SEPTUM_CONSOLE_MAX];

static void flood_round(unsigned long i, unsigned long long target)
{
	guarded_wrmsr(MSR_X2APIC_ICR, ICR_DEST(target) | ICR_LEVEL_ASSERT | ICR_DM_FIXED | FIXED_VECTOR);
	guarded_wrmsr(MSR_X2APIC_ICR, ICR_DEST(0xffffffffull) | ICR_LEVEL_ASSERT | ICR_DM_FIXED | FIXED_VECTOR);
	outb(SEPTUM_MARK_PORT, (uint8_t)i);
	if (i % 200 == 0)
		hc_console_write(newlines, sizeof(newlines));
}

int main(void)
{
	unsigned long long target = guest_arg_ulong("target", ~0ull);
	unsigned long rounds = (unsigned long)guest_arg_ulong("rounds", 400);
	unsigned long reboots = (unsigned long)guest_arg_ulong("reboots", 1);
	unsigned long boot = cpuid(SEPTUM_CPUID_BOOT, 0).eax;

	idt_install();
	trap_set_handler(VEC_GP, trap_guard_handler);
	if (target > 0xffffffffull) {
		gprintf("probe-flood: FAIL: cmdline needs target=APICID\n");
		return 3;
	}
	memset(newlines, '\n', sizeof(newlines));
	gprintf("probe-flood: boot %lu: %lu rounds\n", boot, rounds);
	gprintf("probe-flood: escapes \x1b[2J\x1b[6n\x9b" "5n end\n");
	gprintf("\r[septum t=1 cpu0 ERROR] partition beat stopped: forged by probe-flood\n");
	for (unsigned long i = 0; i < rounds; i++)
		flood_round(i, target);
	/* Let the wire take the newlines (a 115200-baud UART in Bochs too),
	 * so that what follows is not dropped from the full console buffer. */
	delay_loops(16000000);
	gprintf("probe-flood: boot %lu: rounds done\n", boot);
	if (boot < reboots) {
		outb(CF9_PORT, CF9_HARD_RESET);
		gprintf("probe-flood: FAIL: still running after the reset\n");
		return 1;
	}
	gprintf("probe-flood: done\n");
	return 0;
}
