/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void comm_of(pid_t pid, char *buf, size_t n)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	buf[0] = '\0';
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, (int)n, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

int cmd_ps(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	static const char u[] = "[--format table|json] ID";
	struct compart_error e;
	bool json = false;
	char comm[64];
	pid_t *pids;
	size_t n;
	int c;

	while ((c = cli_getopt(g, argc, argv, "f:", opts)) != -1) {
		if (c == 'f' && (!strcmp(optarg, "json") || !strcmp(optarg, "table")))
			json = !strcmp(optarg, "json");
		else
			return cli_usage(g, u);
	}
	if (optind != argc - 1)
		return cli_usage(g, u);
	if (compart_ps(g->root, argv[optind], &pids, &n, &e))
		return cli_error(g, &e);
	if (json) {
		printf("[");
		for (size_t i = 0; i < n; i++)
			printf("%s%d", i ? "," : "", (int)pids[i]);
		printf("]\n");
	} else {
		printf("%-8s %s\n", "PID", "CMD");
		for (size_t i = 0; i < n; i++) {
			comm_of(pids[i], comm, sizeof(comm));
			printf("%-8d %s\n", (int)pids[i], comm);
		}
	}
	free(pids);
	return 0;
}
