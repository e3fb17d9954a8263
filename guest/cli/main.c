/* SPDX-License-Identifier: MIT */
/*
 * compart: an OCI-style runtime CLI (runtime-spec runtime.md "Operations";
 * the verbs and flags follow runc/crun so existing tooling can drive it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*fn)(struct cli *g, int argc, char **argv);
	const char *help;
} verbs[] = {
	{ "create", cmd_create, "create a container from a bundle (process waits for start)" },
	{ "start", cmd_start, "start a created container" },
	{ "run", cmd_run, "create, start, wait and delete; exits with the container's status" },
	{ "state", cmd_state, "print the OCI state JSON of a container" },
	{ "kill", cmd_kill, "send a signal to a container" },
	{ "delete", cmd_delete, "delete a stopped container (--force: any)" },
	{ "list", cmd_list, "list containers" },
	{ "exec", cmd_exec, "run a command inside a running container" },
	{ "ps", cmd_ps, "list the processes of a container" },
	{ "pause", cmd_pause, "freeze every process of a container" },
	{ "resume", cmd_resume, "thaw a paused container" },
	{ "update", cmd_update, "change the cgroup limits of a container" },
	{ "features", cmd_features, "print the OCI features JSON" },
	{ "info", cmd_info, "show hypervisor/partition and cgroup facts" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: compart [--root STATEDIR] [--log FILE] [--log-format text|json] [--debug]\n"
		   "               COMMAND [OPTIONS] [ID ...]\n\n"
		   "state directory default: " COMPART_DEFAULT_ROOT "\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(f, "  %-7s %s\n", verbs[i].name, verbs[i].help);
}

/* --log: runc writes its errors there, as JSON lines with --log-format
 * json ({"level":"error","msg":...,"time":...}); containerd's shim and
 * conmon read the last one to tell the user why the runtime failed. */
static void log_error(const struct cli *g, const char *msg)
{
	char when[40];
	struct tm tm;
	time_t now = time(NULL);
	FILE *f;

	if (!g->log)
		return;
	f = fopen(g->log, "ae");
	if (!f)
		return;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (g->log_json) {
		json_t *j = json_pack("{s:s, s:s, s:s}", "level", "error", "msg", msg, "time", when);
		char *line = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

		if (line)
			fprintf(f, "%s\n", line);
		free(line);
		json_decref(j);
	} else {
		fprintf(f, "time=\"%s\" level=error msg=\"%s\"\n", when, msg);
	}
	fclose(f);
}

int cli_error(const struct cli *g, const struct compart_error *e)
{
	char msg[sizeof(e->msg) + 64];

	snprintf(msg, sizeof(msg), "%s: %s", g->verb, e->msg);
	fprintf(stderr, "compart: %s\n", msg);
	log_error(g, msg);
	return 1;
}

int cli_count(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *s && !*end && n >= 0 && n < 65536 ? (int)n : -1;
}

int cli_usage(const struct cli *g, const char *u)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: usage: compart %s %s", g->verb, g->verb, u);
	fprintf(stderr, "compart: %s\n", msg);
	log_error(g, msg);
	return 2;
}

int cli_getopt(struct cli *g, int argc, char **argv, const char *shortopts,
	       const struct option *longopts)
{
	struct option all[16];
	size_t n = 0;
	int c;

	while (longopts && longopts[n].name && n < 14) {
		all[n] = longopts[n];
		n++;
	}
	all[n++] = (struct option){ "root", required_argument, NULL, 0x100 };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	for (;;) {
		c = getopt_long(argc, argv, shortopts, all, NULL);
		if (c != 0x100)
			return c;
		g->root = optarg;
	}
}

int main(int argc, char **argv)
{
	enum { O_LOG = 0x100, O_LOGFMT, O_DEBUG, O_SYSTEMD, O_ROOTLESS, O_CRIU };
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ "log", required_argument, NULL, O_LOG },
		{ "log-format", required_argument, NULL, O_LOGFMT },
		{ "debug", no_argument, NULL, O_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, O_SYSTEMD },
		{ "rootless", required_argument, NULL, O_ROOTLESS },
		{ "criu", required_argument, NULL, O_CRIU },
		{ NULL, 0, NULL, 0 },
	};
	struct cli g = { NULL, "compart", NULL, false, false };
	bool systemd = false;
	int c;

	/* '+': stop at the verb; its options are its own */
	while ((c = getopt_long(argc, argv, "+hv", opts, NULL)) != -1) {
		if (c == 'r') {
			g.root = optarg;
		} else if (c == 'h') {
			usage(stdout);
			return 0;
		} else if (c == 'v') {
			printf("compart version " COMPART_VERSION "\nspec: " COMPART_OCI_VERSION "\n");
			return 0;
		} else if (c == O_LOG) {
			g.log = optarg;
		} else if (c == O_LOGFMT && (!strcmp(optarg, "json") || !strcmp(optarg, "text"))) {
			g.log_json = !strcmp(optarg, "json");
		} else if (c == O_DEBUG) {
			g.debug = true;
		} else if (c == O_SYSTEMD) {
			systemd = true;
		} else if (c == O_ROOTLESS || c == O_CRIU) {
			/* runc's: rootless is detected from the euid; criu unused */
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (systemd) {
		struct compart_error e = { ENOTSUP,
			"--systemd-cgroup is not supported: compart manages cgroupfs directly (use the cgroupfs manager, e.g. podman --cgroup-manager cgroupfs)" };

		return cli_error(&g, &e);
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(verbs[i].name, argv[optind])) {
			g.verb = verbs[i].name;
			argc -= optind;
			argv += optind;
			optind = 1; /* restart getopt for the verb */
			return verbs[i].fn(&g, argc, argv);
		}
	fprintf(stderr, "compart: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
