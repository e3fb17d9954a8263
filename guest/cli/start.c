/* SPDX-License-Identifier: MIT */
#include "cli.h"

int cmd_start(struct cli *g, int argc, char **argv)
{
	struct compart_error e;

	if (cli_getopt(g, argc, argv, "", NULL) != -1 || optind != argc - 1)
		return cli_usage(g, "ID");
	if (compart_start(g->root, argv[optind], &e))
		return cli_error(g, &e);
	return 0;
}
