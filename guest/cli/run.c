/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "cli.h"

int cmd_run(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *bundle = ".", *pid_file = NULL;
	struct compart_error e;
	struct compart_exit ex;
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
	if (compart_run(g->root, argv[optind], bundle, pid_file, &ex, &e))
		return cli_error(g, &e);
	/* the memory cgroup's oom_kill counter: say why a process vanished */
	if (ex.oom_kills > 0)
		fprintf(stderr, "compart: run: container '%s': %ld process(es) OOM-killed by its memory limit\n",
			argv[optind], ex.oom_kills);
	return ex.status;
}
