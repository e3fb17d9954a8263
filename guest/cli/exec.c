/* SPDX-License-Identifier: MIT */
#include "cli.h"

int cmd_exec(struct cli *g, int argc, char **argv)
{
	struct compart_error e;
	struct compart_exit ex;

	/* '+': everything after ID belongs to the command */
	if (cli_getopt(g, argc, argv, "+", NULL) != -1 || argc - optind < 2)
		return cli_usage(g, "ID COMMAND [ARG...]");
	if (compart_exec(g->root, argv[optind], argv + optind + 1, &ex, &e))
		return cli_error(g, &e);
	return ex.status;
}
