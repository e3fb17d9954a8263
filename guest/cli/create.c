/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

/* create and run share runc's create options. */
static const struct option create_opts[] = {
	{ "bundle", required_argument, NULL, 'b' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "console-socket", required_argument, NULL, 'c' },
	{ "preserve-fds", required_argument, NULL, 'P' },
	{ "no-pivot", no_argument, NULL, 'N' },
	{ "no-new-keyring", no_argument, NULL, 'K' },
	{ "detach", no_argument, NULL, 'd' },
	{ NULL, 0, NULL, 0 },
};

/* Options common to create and run; returns 0, or the usage status. */
int cli_create_opts(struct cli *g, int argc, char **argv, bool run, const char **bundle,
		    struct compart_create_opts *o, bool *detach);

int cli_create_opts(struct cli *g, int argc, char **argv, bool run, const char **bundle,
		    struct compart_create_opts *o, bool *detach)
{
	static const char u[] = "[--bundle DIR] [--pid-file FILE] [--console-socket SOCK] "
				"[--preserve-fds N] [--no-pivot] [--no-new-keyring]%s ID";
	char usage[256];
	int c;

	snprintf(usage, sizeof(usage), u, run ? " [--detach]" : "");
	*bundle = ".";
	while ((c = cli_getopt(g, argc, argv, run ? "b:d" : "b:", create_opts)) != -1) {
		if (c == 'b')
			*bundle = optarg;
		else if (c == 'p')
			o->pid_file = optarg;
		else if (c == 'c')
			o->console_socket = optarg;
		else if (c == 'P' && (o->preserve_fds = cli_count(optarg)) >= 0)
			;
		else if (c == 'N')
			o->no_pivot = true;
		else if (c == 'K')
			o->no_new_keyring = true;
		else if (c == 'd' && run)
			*detach = true;
		else
			return cli_usage(g, usage);
	}
	if (optind != argc - 1)
		return cli_usage(g, usage);
	return 0;
}

int cmd_create(struct cli *g, int argc, char **argv)
{
	struct compart_create_opts o = { 0 };
	struct compart_error e;
	const char *bundle;
	int rc = cli_create_opts(g, argc, argv, false, &bundle, &o, NULL);

	if (rc)
		return rc;
	if (compart_create(g->root, argv[optind], bundle, &o, &e))
		return cli_error(g, &e);
	return 0;
}
