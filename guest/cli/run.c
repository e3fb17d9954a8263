/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include "cli.h"

int cli_create_opts(struct cli *g, int argc, char **argv, bool run, const char **bundle,
		    struct compart_create_opts *o, bool *detach);

int cmd_run(struct cli *g, int argc, char **argv)
{
	struct compart_create_opts o = { 0 };
	struct compart_error e;
	struct compart_exit ex;
	const char *bundle;
	bool detach = false;
	int rc = cli_create_opts(g, argc, argv, true, &bundle, &o, &detach);

	if (rc)
		return rc;
	/* run -d: create + start, and the container is our caller's */
	if (detach) {
		if (compart_create(g->root, argv[optind], bundle, &o, &e) ||
		    compart_start(g->root, argv[optind], &e)) {
			struct compart_error ignore;

			if (e.err != EEXIST)
				compart_delete(g->root, argv[optind], true, &ignore);
			return cli_error(g, &e);
		}
		return 0;
	}
	if (compart_run(g->root, argv[optind], bundle, &o, &ex, &e))
		return cli_error(g, &e);
	/* the memory cgroup's oom_kill counter: say why a process vanished */
	if (ex.oom_kills > 0)
		fprintf(stderr, "compart: run: container '%s': %ld process(es) OOM-killed by its memory limit\n",
			argv[optind], ex.oom_kills);
	return ex.status;
}
