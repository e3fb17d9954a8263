/* SPDX-License-Identifier: MIT */
/* runtime-spec features.md: what this runtime implements, for clients. */
#include <stdio.h>

#include "cli.h"

int cmd_features(struct cli *g, int argc, char **argv)
{
	if (cli_getopt(g, argc, argv, "", NULL) != -1 || optind != argc)
		return cli_usage(g, "");
	printf("{\n"
	       "  \"ociVersionMin\": \"1.0.0\",\n"
	       "  \"ociVersionMax\": \"" COMPART_OCI_VERSION "\",\n"
	       "  \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", \"startContainer\",\n"
	       "    \"poststart\", \"poststop\"],\n"
	       "  \"mountOptions\": [\"ro\", \"rw\", \"nosuid\", \"suid\", \"nodev\", \"dev\", \"noexec\", \"exec\",\n"
	       "    \"sync\", \"async\", \"noatime\", \"atime\", \"nodiratime\", \"diratime\", \"relatime\",\n"
	       "    \"norelatime\", \"strictatime\", \"bind\", \"rbind\", \"private\", \"rprivate\", \"slave\",\n"
	       "    \"rslave\", \"shared\", \"rshared\", \"unbindable\", \"runbindable\"],\n"
	       "  \"linux\": {\n"
	       "    \"namespaces\": [\"cgroup\", \"ipc\", \"mount\", \"network\", \"pid\", \"user\", \"uts\"],\n"
	       "    \"cgroup\": {\"v1\": true, \"v2\": true, \"systemd\": false, \"systemdUser\": false},\n"
	       "    \"seccomp\": {\n"
	       "      \"enabled\": true,\n"
	       "      \"actions\": [\"SCMP_ACT_ALLOW\", \"SCMP_ACT_ERRNO\", \"SCMP_ACT_KILL\", \"SCMP_ACT_KILL_PROCESS\",\n"
	       "        \"SCMP_ACT_KILL_THREAD\", \"SCMP_ACT_LOG\", \"SCMP_ACT_TRAP\"],\n"
	       "      \"operators\": [\"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_LE\", \"SCMP_CMP_LT\",\n"
	       "        \"SCMP_CMP_MASKED_EQ\", \"SCMP_CMP_NE\"],\n"
	       "      \"archs\": [\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\", \"SCMP_ARCH_X86_64\"]\n"
	       "    },\n"
	       "    \"apparmor\": {\"enabled\": false},\n"
	       "    \"selinux\": {\"enabled\": false}\n"
	       "  },\n"
	       "  \"annotations\": {}\n"
	       "}\n");
	return 0;
}
