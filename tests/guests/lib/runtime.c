/* SPDX-License-Identifier: MIT */
/*
 * Hypercall wrappers, partition info, exit and delay for the test guests.
 * The ABI is include/septum/abi.h; docs/hypercalls.md is its prose.
 */
#include "guest.h"

int guest_hc_insn;

/* CPUID leaf 0's vendor: "AuthenticAMD" and "HygonGenuine" have AMD-V. */
int guest_hc_detect(void)
{
	uint32_t ebx = cpuid(0, 0).ebx;

	guest_hc_insn = ebx == 0x68747541u /* "Auth" */ || ebx == 0x6f677948u /* "Hygo" */ ?
				GUEST_HC_VMMCALL : GUEST_HC_VMCALL;
	return guest_hc_insn;
}

long hc_version(void)
{
	return hypercall(SEPTUM_HC_VERSION, 0, 0, 0);
}

long hc_console_write(const void *buf, unsigned long len)
{
	/* Virtual = guest-physical in every test guest (identity map or no
	 * paging), so a pointer is the GPA the ABI wants. */
	return hypercall(SEPTUM_HC_CONSOLE_WRITE, (uintptr_t)buf, len, 0);
}

long hc_partition_info(struct septum_partition_info *info, unsigned long size)
{
	return hypercall(SEPTUM_HC_PARTITION_INFO, (uintptr_t)info, size, 0);
}

void hc_partition_exit(unsigned int status)
{
	long ret = hypercall(SEPTUM_HC_PARTITION_EXIT, status, 0, 0);

	/* Only reached when the hypervisor refused or ignored the call. */
	gprintf("FAIL: PARTITION_EXIT returned %ld\n", ret);
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Bochs' shutdown port: ends a bare Bochs run (conformance guests booted
 * without Septum). Septum drops writes to ports it does not emulate. */
void bochs_shutdown(void)
{
	static const char word[] = "Shutdown";

	for (unsigned int i = 0; i < sizeof(word) - 1; i++)
		outb(0x8900, (uint8_t)word[i]);
}

void guest_exit(unsigned int status)
{
	outb(SEPTUM_TEST_EXIT_PORT, (uint8_t)status);
	bochs_shutdown();
	gprintf("FAIL: exit port 0xf4 did not end the partition\n");
	hc_partition_exit(status);
}

void delay_loops(unsigned long loops)
{
	while (loops--)
		cpu_pause();
}

static struct septum_partition_info cached_info;
static int cached_state; /* 0: not asked yet, 1: valid, -1: call failed */

long guest_query_info(struct septum_partition_info *info)
{
	return hc_partition_info(info, sizeof(*info));
}

const struct septum_partition_info *guest_info(void)
{
	if (!cached_state) {
		long ret = guest_query_info(&cached_info);

		cached_state = ret == (long)sizeof(cached_info) ? 1 : -1;
		if (cached_state < 0) {
			gprintf("FAIL: PARTITION_INFO returned %ld\n", ret);
			memset(&cached_info, 0, sizeof(cached_info));
		}
		/* Never trust the terminator to be there. */
		cached_info.cmdline[sizeof(cached_info.cmdline) - 1] = '\0';
		cached_info.name[sizeof(cached_info.name) - 1] = '\0';
	}
	return &cached_info;
}

int guest_arg(const char *key, char *out, size_t size)
{
	return cmdline_get(guest_info()->cmdline, key, out, size);
}

unsigned long long guest_arg_ulong(const char *key, unsigned long long def)
{
	char buf[32];
	unsigned long long v;

	if (guest_arg(key, buf, sizeof(buf)) || parse_ulong(buf, &v))
		return def;
	return v;
}
