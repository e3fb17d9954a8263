/* SPDX-License-Identifier: MIT */
/*
 * compart: an OCI-style runtime CLI (runtime-spec runtime.md "Operations";
 * the verbs and flags follow runc/crun so existing tooling can drive it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *g, int argc, char **argv);
	const char *help;
} verbs[] = {
	{ "create", cmd_create, "create a container from a bundle (process waits for start)" },
	{ "start", cmd_start, "start a created container" },
	{ "run", cmd_run, "create, start, wait and delete; exits with the container's status" },
	{ "state", cmd_state, "print the OCI state JSON of a container" },
	{ "kill", cmd_kill, "send a signal to a container" },
	{ "delete", cmd_delete, "delete a stopped container (--force: any)" },
	{ "list", cmd_list, "list containers" },
	{ "exec", cmd_exec, "run a command inside a running container" },
	{ "ps", cmd_ps, "list the processes of a container" },
	{ "info", cmd_info, "show hypervisor/partition and cgroup facts" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: compart [--root STATEDIR] COMMAND [OPTIONS] [ID ...]\n\n"
		   "state directory default: " COMPART_DEFAULT_ROOT "\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-7s %s\n", verbs[i].name, verbs[i].help);
}

int cli_error(const struct cli *g, const struct compart_error *e)
{
	fprintf(stderr, "compart: %s: %s\n", g->verb, e->msg);
	return 1;
}

int cli_usage(const struct cli *g, const char *u)
{
	fprintf(stderr, "compart: %s: usage: compart %s %s\n", g->verb, g->verb, u);
	return 2;
}

int cli_getopt(struct cli *g, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	struct option all[16];
	size_t n = 0;
	int c;

	while (longopts && longopts[n].name && n < 14) {
		all[n] = longopts[n];
		n++;
	}
	all[n++] = (struct option){ "root", required_argument, NULL, 0x100 };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	for (;;) {
		c = getopt_long(argc, argv, shortopts, all, NULL);
		if (c != 0x100)
			return c;
		g->root = optarg;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct cli g = { NULL, NULL };
	int c;

	/* '+': stop at the verb; its options are its own */
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'r') {
			g.root = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, argv[optind])) {
			g.verb = verbs[i].name;
			argc -= optind;
			argv += optind;
			optind = 1; /* restart getopt for the verb */
			return verbs[i].fn(&g, argc, argv);
		}
	fprintf(stderr, "compart: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
