/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

int cmd_state(struct cli *g, int argc, char **argv)
{
	struct compart_error e;
	char *json;

	if (cli_getopt(g, argc, argv, "", NULL) != -1 || optind != argc - 1)
		return cli_usage(g, "ID");
	if (compart_state_json(g->root, argv[optind], &json, &e))
		return cli_error(g, &e);
	printf("%s\n", json);
	free(json);
	return 0;
}
