/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "cli.h"

static int pause_or_resume(struct cli *g, int argc, char **argv, bool pause)
{
	struct compart_error e;

	if (cli_getopt(g, argc, argv, "", NULL) != -1 || optind != argc - 1)
		return cli_usage(g, "ID");
	if (compart_pause(g->root, argv[optind], pause, &e))
		return cli_error(g, &e);
	return 0;
}

int cmd_pause(struct cli *g, int argc, char **argv)
{
	return pause_or_resume(g, argc, argv, true);
}

int cmd_resume(struct cli *g, int argc, char **argv)
{
	return pause_or_resume(g, argc, argv, false);
}
