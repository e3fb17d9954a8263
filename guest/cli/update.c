/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

/* "67108864", "64m", "1g"; -1 stays -1 (unlimited). */
static int bytes(const char *s, json_int_t *out)
{
	char *end;
	long long v = strtoll(s, &end, 10);
	long long mul = 1;

	if (end == s)
		return -1;
	if (*end && strchr("kKmMgG", *end)) {
		mul = strchr("kK", *end) ? 1024 : strchr("mM", *end) ? 1 << 20 : 1 << 30;
		end++;
		if (*end == 'b' || *end == 'B')
			end++;
	}
	if (*end)
		return -1;
	*out = v < 0 ? v : v * mul;
	return 0;
}

/* runc update: -r FILE ('-' = stdin) with a linux.resources object, or
 * flags for the common limits. */
int cmd_update(struct cli *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "resources", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "memory-swap", required_argument, NULL, 's' },
		{ "memory-reservation", required_argument, NULL, 'R' },
		{ "pids-limit", required_argument, NULL, 'p' },
		{ "cpu-quota", required_argument, NULL, 'q' },
		{ "cpu-period", required_argument, NULL, 'P' },
		{ "cpu-share", required_argument, NULL, 'S' },
		{ "cpuset-cpus", required_argument, NULL, 'c' },
		{ "cpuset-mems", required_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	static const char u[] = "[-r FILE|-] [--memory N] [--memory-swap N] [--memory-reservation N] "
				"[--pids-limit N] [--cpu-quota N] [--cpu-period N] [--cpu-share N] "
				"[--cpuset-cpus LIST] [--cpuset-mems LIST] ID";
	json_t *res = json_object(), *mem = json_object(), *cpu = json_object(), *pids = json_object();
	struct compart_error e;
	const char *file = NULL;
	json_error_t jerr;
	json_int_t v;
	char *text;
	int c, rc;

	while ((c = cli_getopt(g, argc, argv, "r:", opts)) != -1) {
		if (c == 'r') {
			file = optarg;
		} else if (c == 'c' || c == 'M') {
			json_object_set_new(cpu, c == 'c' ? "cpus" : "mems", json_string(optarg));
		} else if (bytes(optarg, &v) == 0 && strchr("msR", c)) {
			json_object_set_new(mem, c == 'm' ? "limit" : c == 's' ? "swap" : "reservation",
					    json_integer(v));
		} else if (bytes(optarg, &v) == 0 && c == 'p') {
			json_object_set_new(pids, "limit", json_integer(v));
		} else if (bytes(optarg, &v) == 0 && strchr("qPS", c)) {
			json_object_set_new(cpu, c == 'q' ? "quota" : c == 'P' ? "period" : "shares",
					    json_integer(v));
		} else {
			rc = cli_usage(g, u);
			goto out;
		}
	}
	if (optind != argc - 1) {
		rc = cli_usage(g, u);
		goto out;
	}
	if (file) {
		json_decref(res);
		res = !strcmp(file, "-") ? json_loadf(stdin, 0, &jerr) : json_load_file(file, 0, &jerr);
		if (!res) {
			e.err = EINVAL;
			snprintf(e.msg, sizeof(e.msg), "resources %s: line %d: %s", file, jerr.line, jerr.text);
			rc = cli_error(g, &e);
			goto out;
		}
	} else {
		if (json_object_size(mem))
			json_object_set(res, "memory", mem);
		if (json_object_size(cpu))
			json_object_set(res, "cpu", cpu);
		if (json_object_size(pids))
			json_object_set(res, "pids", pids);
	}
	text = json_dumps(res, JSON_COMPACT);
	rc = text && compart_update(g->root, argv[optind], text, &e) ? cli_error(g, &e) : 0;
	free(text);
out:
	json_decref(res);
	json_decref(mem);
	json_decref(cpu);
	json_decref(pids);
	return rc;
}
