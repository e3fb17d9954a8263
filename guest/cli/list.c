/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static int print_json(const struct compart_state *s, size_t n)
{
	json_t *arr = json_array();
	char *out;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i, s:s, s:s, s:s}", "id", s[i].id,
						     "pid", (int)s[i].pid, "status",
						     compart_status_name(s[i].status), "bundle",
						     s[i].bundle, "created", s[i].created));
	out = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(arr);
	if (!out)
		return 1;
	printf("%s\n", out);
	free(out);
	return 0;
}

int cmd_list(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	static const char u[] = "[--format table|json] [--quiet]";
	struct compart_state *s;
	struct compart_error e;
	bool json = false, quiet = false;
	size_t n;
	int c;

	while ((c = cli_getopt(g, argc, argv, "f:q", opts)) != -1) {
		if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table")))
			json = !strcmp(optarg, "json");
		else if (c == 'q')
			quiet = true;
		else
			return cli_usage(g, u);
	}
	if (optind != argc)
		return cli_usage(g, u);
	if (compart_list(g->root, &s, &n, &e))
		return cli_error(g, &e);
	if (json) {
		c = print_json(s, n);
	} else {
		if (!quiet)
			printf("%-24s %-8s %-9s %-21s %s\n", "ID", "PID", "STATUS", "CREATED", "BUNDLE");
		for (size_t i = 0; i < n; i++)
			if (quiet)
				printf("%s\n", s[i].id);
			else
				printf("%-24s %-8d %-9s %-21s %s\n", s[i].id, (int)s[i].pid,
				       compart_status_name(s[i].status), s[i].created, s[i].bundle);
		c = 0;
	}
	free(s);
	return c;
}
