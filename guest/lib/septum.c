/* SPDX-License-Identifier: MIT */
/*
 * Partition awareness: is this Linux running in a Septum partition, and
 * which one? The answer comes from the CPUID leaves of include/septum/abi.h
 * (hypervisor range 0x40000000+, Intel SDM Vol. 2A "CPUID"; CPUID.1:ECX[31]
 * says a hypervisor is present at all).
 */
#include <cpuid.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <linux/magic.h>

#include <septum/abi.h>

#include "internal.h"

static void cpuid_hw(uint32_t leaf, uint32_t r[4])
{
	__cpuid(leaf, r[0], r[1], r[2], r[3]);
}

void cpt_hv_probe(cpt_cpuid_fn cpuid, struct compart_hv_info *info)
{
	uint32_t r[4], max;

	info->restarts = -1;
	cpuid(1, r);
	info->hypervisor = (r[2] >> 31) & 1;
	if (!info->hypervisor)
		return;
	cpuid(SEPTUM_CPUID_BASE, r);
	memcpy(info->signature + 0, &r[1], 4);
	memcpy(info->signature + 4, &r[2], 4);
	memcpy(info->signature + 8, &r[3], 4);
	info->signature[12] = '\0';
	if (r[1] != SEPTUM_CPUID_SIG_EBX || r[2] != SEPTUM_CPUID_SIG_ECX ||
	    r[3] != SEPTUM_CPUID_SIG_EDX || r[0] < SEPTUM_CPUID_NAME1)
		return;
	info->septum = true;
	max = r[0];
	cpuid(SEPTUM_CPUID_INFO, r);
	info->abi_version = r[0];
	info->partition_id = r[1];
	info->vcpu_index = r[2];
	info->vcpu_count = r[3];
	/* name: 16 bytes per leaf, EAX..EDX little-endian, NUL padded */
	cpuid(SEPTUM_CPUID_NAME0, r);
	memcpy(info->partition, r, 16);
	cpuid(SEPTUM_CPUID_NAME1, r);
	memcpy(info->partition + 16, r, 16);
	info->partition[32] = '\0';
	/* ABI 1.1 added the restart count; an older Septum has no such leaf. */
	if (max >= SEPTUM_CPUID_BOOT) {
		cpuid(SEPTUM_CPUID_BOOT, r);
		info->restarts = (int32_t)(r[0] & 0x7fffffff);
	}
	/* Linux numbers the partition's vCPUs 0..n-1: that is the partition. */
	if (info->vcpu_count > 1)
		snprintf(info->default_cpuset, sizeof(info->default_cpuset), "0-%u",
			 info->vcpu_count - 1);
	else if (info->vcpu_count == 1)
		snprintf(info->default_cpuset, sizeof(info->default_cpuset), "0");
}

void compart_hv_info(struct compart_hv_info *info)
{
	const char *mode = cpt_cgroup_host_mode();
	struct statfs fs;

	memset(info, 0, sizeof(*info));
	/* hybrid: v1 controllers plus a v2 mount at unified/ (systemd's layout) */
	if (!strcmp(mode, "v1") && statfs("/sys/fs/cgroup/unified", &fs) == 0 &&
	    (long)fs.f_type == CGROUP2_SUPER_MAGIC)
		snprintf(info->cgroup_mode, sizeof(info->cgroup_mode), "hybrid (v1 limits)");
	else
		snprintf(info->cgroup_mode, sizeof(info->cgroup_mode), "%s", mode);
	cpt_hv_probe(cpuid_hw, info);
}
