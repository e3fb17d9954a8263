/* SPDX-License-Identifier: MIT */
/*
 * hello (64-bit): the well-behaved partition. Checks the guest-visible ABI
 * of include/septum/abi.h from inside a partition, one line per check:
 * CPUID leaves 0x40000000-0x40000003, PARTITION_INFO against CPUID,
 * CONSOLE_WRITE, and that bad arguments are refused. Exits 0 through port
 * 0xf4 when every check passed, else with the number of failed checks.
 */
#include "guest.h"


static int has_nul(const char *s, size_t size)
{
	for (size_t i = 0; i < size; i++)
		if (!s[i])
			return 1;
	return 0;
}

/* CPUID.1:ECX[31]: "hypervisor present" (abi.h: Septum sets it). */
static void check_hypervisor_bit(void)
{
	if (cpuid(1, 0).ecx & (1u << 31))
		gprintf("cpuid hypervisor bit set\n");
	else
		guest_fail("CPUID.1:ECX[31] (hypervisor present) is clear");
}

/* Septum keeps VMX for itself: CPUID.1:ECX[5] must read 0 in a partition,
 * matching the #UD a VMX instruction gets (docs/guests.md). */
static void check_vmx_hidden(void)
{
	if (cpuid(1, 0).ecx & (1u << 5))
		guest_fail("CPUID.1:ECX[5] (VMX) is set inside a partition");
	else
		gprintf("cpuid VMX bit clear\n");
}

static int check_signature(void)
{
	struct cpuid_regs r = cpuid(SEPTUM_CPUID_BASE, 0);

	if (r.ebx != SEPTUM_CPUID_SIG_EBX || r.ecx != SEPTUM_CPUID_SIG_ECX ||
	    r.edx != SEPTUM_CPUID_SIG_EDX) {
		guest_fail("CPUID 0x40000000 signature %x %x %x is not SeptumSeptum", r.ebx, r.ecx,
		     r.edx);
		return -1;
	}
	if (r.eax < SEPTUM_CPUID_MAX) {
		guest_fail("CPUID 0x40000000 max leaf %x < %x", r.eax, SEPTUM_CPUID_MAX);
		return -1;
	}
	gprintf("cpuid signature SeptumSeptum, max leaf %x\n", r.eax);
	return 0;
}

/* Leaves 0x40000002/3 hold the name, 16 bytes each, NUL padded. */
static void cpuid_name(char name[SEPTUM_NAME_MAX])
{
	struct cpuid_regs lo = cpuid(SEPTUM_CPUID_NAME0, 0), hi = cpuid(SEPTUM_CPUID_NAME1, 0);
	uint32_t words[8] = { lo.eax, lo.ebx, lo.ecx, lo.edx, hi.eax, hi.ebx, hi.ecx, hi.edx };

	memcpy(name, words, SEPTUM_NAME_MAX);
	name[SEPTUM_NAME_MAX - 1] = '\0';
}

static void check_info(const struct cpuid_regs *id, const char *name)
{
	struct septum_partition_info info;
	long ret;

	memset(&info, 0xa5, sizeof(info));
	ret = guest_query_info(&info);
	if (ret != (long)sizeof(info)) {
		guest_fail("PARTITION_INFO returned %ld, expected %lu", ret, (unsigned long)sizeof(info));
		return;
	}
	if (info.abi_version != id->eax || info.partition_id != id->ebx ||
	    info.vcpu_index != id->ecx || info.vcpu_count != id->edx) {
		guest_fail("PARTITION_INFO abi %x id %u vcpu %u/%u disagrees with CPUID abi %x id %u vcpu %u/%u",
		     info.abi_version, info.partition_id, info.vcpu_index, info.vcpu_count, id->eax,
		     id->ebx, id->ecx, id->edx);
		return;
	}
	if (memcmp(info.name, name, SEPTUM_NAME_MAX - 1) || info.name[SEPTUM_NAME_MAX - 1]) {
		guest_fail("PARTITION_INFO name disagrees with CPUID 0x40000002-3");
		return;
	}
	if (!has_nul(info.cmdline, sizeof(info.cmdline))) {
		guest_fail("PARTITION_INFO cmdline is not NUL terminated");
		return;
	}
	if (info.ram_size < (2ull << 20) || (info.ram_size & 0xfff)) {
		guest_fail("PARTITION_INFO ram_size %llx is implausible", (unsigned long long)info.ram_size);
		return;
	}
	gprintf("hypercall info ok (ram %lu MiB, cmdline [%s])\n",
		(unsigned long)(info.ram_size >> 20), info.cmdline);
}

static void check_version_call(void)
{
	long ret = hc_version();

	if (ret == SEPTUM_ABI_VERSION)
		gprintf("hypercall version ok\n");
	else
		guest_fail("VERSION returned %lx, expected %x", ret, SEPTUM_ABI_VERSION);
}

static void check_console_write(void)
{
	static const char line[] = "console hypercall ok\n";
	long ret = hc_console_write(line, sizeof(line) - 1);

	if (ret != (long)(sizeof(line) - 1))
		guest_fail("CONSOLE_WRITE returned %ld, expected %lu", ret, (unsigned long)(sizeof(line) - 1));
}

/* One refused call: prints nothing when the result is the expected error. */
static int expect_error(const char *what, long ret, long expected)
{
	if (ret == expected)
		return 0;
	guest_fail("%s returned %ld, expected %ld", what, ret, expected);
	return -1;
}

static void check_bad_calls(uint64_t ram_size)
{
	int bad = 0;

	/* Wholly outside RAM, straddling its end, and an address that wraps
	 * around when the hypervisor adds the length. */
	bad |= expect_error("CONSOLE_WRITE outside RAM",
			    hypercall(SEPTUM_HC_CONSOLE_WRITE, ram_size + 0x1000, 16, 0),
			    -SEPTUM_EFAULT);
	bad |= expect_error("CONSOLE_WRITE across the end of RAM",
			    hypercall(SEPTUM_HC_CONSOLE_WRITE, ram_size - 8, 16, 0),
			    -SEPTUM_EFAULT);
	bad |= expect_error("CONSOLE_WRITE wrapping around",
			    hypercall(SEPTUM_HC_CONSOLE_WRITE, ~0ul - 7, 16, 0), -SEPTUM_EFAULT);
	bad |= expect_error("PARTITION_INFO outside RAM",
			    hypercall(SEPTUM_HC_PARTITION_INFO, 0x7000000000ul,
				      sizeof(struct septum_partition_info), 0),
			    -SEPTUM_EFAULT);
	bad |= expect_error("call 999", hypercall(999, 0, 0, 0), -SEPTUM_ENOSYS);
	bad |= expect_error("call ~0", hypercall(~0ul, 0, 0, 0), -SEPTUM_ENOSYS);
	/* Bad values (docs/hypercalls.md): too long a console write, too small
	 * an info buffer, an exit status above 255 (which must not end us). */
	bad |= expect_error("CONSOLE_WRITE of SEPTUM_CONSOLE_MAX + 1 bytes",
			    hypercall(SEPTUM_HC_CONSOLE_WRITE, 0x100000, SEPTUM_CONSOLE_MAX + 1, 0), -SEPTUM_EINVAL);
	bad |= expect_error("PARTITION_INFO into 8 bytes", hypercall(SEPTUM_HC_PARTITION_INFO, 0x100000, 8, 0),
			    -SEPTUM_EINVAL);
	bad |= expect_error("PARTITION_EXIT with status 256", hypercall(SEPTUM_HC_PARTITION_EXIT, 256, 0, 0),
			    -SEPTUM_EINVAL);
	if (!bad)
		gprintf("bad hypercalls refused\n");
}

int main(void)
{
	struct cpuid_regs id;
	char name[SEPTUM_NAME_MAX];

	check_hypervisor_bit();
	check_vmx_hidden();
	if (check_signature())
		return 1;
	id = cpuid(SEPTUM_CPUID_INFO, 0);
	cpuid_name(name);
	gprintf("hello from %s (partition %u, vcpu %u of %u, ABI %u.%u)\n", name, id.ebx,
		id.ecx, id.edx, id.eax >> 16, id.eax & 0xffff);
	check_version_call();
	check_info(&id, name);
	check_console_write();
	check_bad_calls(guest_info()->ram_size);
	gprintf("hello done: %d failed\n", guest_failures);
	return guest_failures;
}
