/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "cli.h"

int cmd_delete(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct compart_error e;
	bool force = false;
	int c;

	while ((c = cli_getopt(g, argc, argv, "f", opts)) != -1) {
		if (c == 'f')
			force = true;
		else
			return cli_usage(g, "[--force] ID");
	}
	if (optind != argc - 1)
		return cli_usage(g, "[--force] ID");
	if (compart_delete(g->root, argv[optind], force, &e))
		return cli_error(g, &e);
	return 0;
}
