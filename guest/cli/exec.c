/* SPDX-License-Identifier: MIT */
#include "cli.h"

int cmd_exec(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "process", required_argument, NULL, 'p' },
		{ "pid-file", required_argument, NULL, 'f' },
		{ "console-socket", required_argument, NULL, 'c' },
		{ "tty", no_argument, NULL, 't' },
		{ "detach", no_argument, NULL, 'd' },
		{ "preserve-fds", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	static const char u[] = "[--process FILE] [--pid-file FILE] [--detach] [--tty] "
				"[--console-socket SOCK] [--preserve-fds N] ID [COMMAND [ARG...]]";
	struct compart_exec_opts o = { 0 };
	struct compart_error e;
	struct compart_exit ex;
	int c;

	/* '+': everything after ID belongs to the command */
	while ((c = cli_getopt(g, argc, argv, "+p:tdP:", opts)) != -1) {
		if (c == 'p')
			o.process = optarg;
		else if (c == 'f')
			o.pid_file = optarg;
		else if (c == 'c')
			o.console_socket = optarg;
		else if (c == 't')
			o.tty = true;
		else if (c == 'd')
			o.detach = true;
		else if (c == 'P' && (o.preserve_fds = cli_count(optarg)) >= 0)
			;
		else
			return cli_usage(g, u);
	}
	if (argc - optind < (o.process ? 1 : 2) || (o.process && argc - optind != 1))
		return cli_usage(g, u);
	if (compart_exec(g->root, argv[optind], argv + optind + 1, &o, &ex, &e))
		return cli_error(g, &e);
	return ex.status;
}
