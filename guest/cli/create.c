/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli.h"

int cmd_create(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".", *pid_file = NULL;
	struct compart_error e;
	int c;

	while ((c = cli_getopt(g, argc, argv, "b:", opts)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'p')
			pid_file = optarg;
		else
			return cli_usage(g, "[--bundle DIR] [--pid-file FILE] ID");
	}
	if (optind != argc - 1)
		return cli_usage(g, "[--bundle DIR] [--pid-file FILE] ID");
	if (compart_create(g->root, argv[optind], bundle, pid_file, &e))
		return cli_error(g, &e);
	return 0;
}
