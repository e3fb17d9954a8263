/* SPDX-License-Identifier: MIT */
/*
 * reboot: a partition that resets itself. Each start it reads how many
 * times it has been restarted (CPUID 0x40000004, include/septum/abi.h) and
 * prints "boot N". While N is below reboots=K (cmdline) it resets the
 * machine it believes it owns, with method=cf9 (chipset Reset Control
 * register, the vACPI FADT's reset register), method=kbc (keyboard
 * controller pulse, 0xfe to port 0x64) or method=triple (a triple fault,
 * which is a crash: on_crash decides). At N == K it exits 0. Its RAM is
 * reloaded on every restart, so nothing but Septum's count survives.
 * every=N (default 1) prints only boot 0, every Nth and the last, for soaks.
 */
#include "guest.h"

static unsigned long cmd_ulong(const char *cmdline, const char *key, unsigned long dflt)
{
	char buf[24];
	unsigned long long v;

	if (cmdline_get(cmdline, key, buf, sizeof(buf)) || parse_ulong(buf, &v))
		return dflt;
	return (unsigned long)v;
}

int main(void)
{
	static struct septum_partition_info info;
	char method[16] = "cf9";
	unsigned long boots, want, every;
	int say;

	if (hc_partition_info(&info, sizeof(info)) < 0) {
		gprintf("reboot: FAIL: PARTITION_INFO refused\n");
		return 1;
	}
	boots = cpuid(SEPTUM_CPUID_BOOT, 0).eax;
	want = cmd_ulong(info.cmdline, "reboots", 3);
	every = cmd_ulong(info.cmdline, "every", 1);
	cmdline_get(info.cmdline, "method", method, sizeof(method));
	say = boots == 0 || boots >= want || every <= 1 || boots % every == 0;
	if (say)
		gprintf("reboot: boot %lu of %lu\n", boots, want);
	if (boots >= want) {
		gprintf("reboot: done after %lu restarts\n", boots);
		return 0;
	}
	delay_loops(200000);         /* let the neighbours' output interleave */
	if (say)
		gprintf("reboot: resetting through %s\n", method);
	if (!strcmp(method, "kbc")) {
		outb(0x64, 0xfe);
	} else if (!strcmp(method, "triple")) {
		idt_load_raw(0, 0);
		__asm__ volatile("ud2");
	} else {
		outb(0xcf9, 0x06);
	}
	gprintf("reboot: FAIL: still running after the reset\n");
	return 1;
}
