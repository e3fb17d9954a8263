/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli.h"

int cmd_info(struct cli *g, int argc, char **argv)
{
	struct compart_hv_info i;

	if (cli_getopt(g, argc, argv, "", NULL) != -1 || optind != argc)
		return cli_usage(g, "");
	compart_hv_info(&i);
	if (!i.hypervisor)
		printf("hypervisor: none (bare metal)\n");
	else if (!i.septum)
		printf("hypervisor: \"%s\" (not Septum)\n", i.signature);
	else
		printf("hypervisor: Septum (ABI %u.%u)\n"
		       "partition: %s (id %u)\n"
		       "cpus: %u vCPU(s), this is vCPU %u\n"
		       "default cpuset: %s\n",
		       i.abi_version >> 16, i.abi_version & 0xffff, i.partition, i.partition_id,
		       i.vcpu_count, i.vcpu_index, i.default_cpuset);
	if (i.septum && i.restarts >= 0)
		printf("restarts: %d\n", i.restarts);
	printf("cgroups: %s\n", i.cgroup_mode);
	return 0;
}
