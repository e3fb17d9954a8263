/* SPDX-License-Identifier: MIT */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli.h"

int cmd_kill(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	static const char u[] = "[--all] ID [SIGNAL]";
	struct compart_error e;
	bool all = false;
	int c, sig = SIGTERM;

	while ((c = cli_getopt(g, argc, argv, "a", opts)) != -1) {
		if (c == 'a')
			all = true;
		else
			return cli_usage(g, u);
	}
	if (optind != argc - 1 && optind != argc - 2)
		return cli_usage(g, u);
	if (optind == argc - 2) {
		sig = compart_signal_parse(argv[optind + 1]);
		if (sig < 0) {
			fprintf(stderr, "compart: kill: unknown signal '%s'\n", argv[optind + 1]);
			return 2;
		}
	}
	if (compart_kill(g->root, argv[optind], sig, all, &e))
		return cli_error(g, &e);
	return 0;
}
