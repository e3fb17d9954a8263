/* SPDX-License-Identifier: MIT */
/* The compart CLI: one file per verb, all behind the table in main.c. */
#ifndef COMPART_CLI_H
#define COMPART_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "compart.h"

struct cli {
	const char *root;  /* --root STATEDIR, NULL for the default */
	const char *verb;
	const char *log;   /* --log FILE: errors are also appended there */
	bool log_json;     /* --log-format json: runc's JSON lines */
	bool debug;
};

/* Print "compart: VERB: reason" and return the CLI's failure status. */
int cli_error(const struct cli *g, const struct compart_error *e);
/* Print a usage error for the verb and return 2. */
int cli_usage(const struct cli *g, const char *usage);
/* getopt_long over the verb's options plus the common --root; returns the
 * option, -1 at the end, '?' on an unknown option (already reported). */
int cli_getopt(struct cli *g, int argc, char **argv, const char *shortopts,
	       const struct option *longopts);

int cmd_create(struct cli *g, int argc, char **argv);
int cmd_start(struct cli *g, int argc, char **argv);
int cmd_run(struct cli *g, int argc, char **argv);
int cmd_state(struct cli *g, int argc, char **argv);
int cmd_kill(struct cli *g, int argc, char **argv);
int cmd_delete(struct cli *g, int argc, char **argv);
int cmd_list(struct cli *g, int argc, char **argv);
int cmd_exec(struct cli *g, int argc, char **argv);
int cmd_ps(struct cli *g, int argc, char **argv);
int cmd_info(struct cli *g, int argc, char **argv);
int cmd_pause(struct cli *g, int argc, char **argv);
int cmd_resume(struct cli *g, int argc, char **argv);
int cmd_update(struct cli *g, int argc, char **argv);
int cmd_features(struct cli *g, int argc, char **argv);

/* Parse a non-negative count ("--preserve-fds 2"); -1 if malformed. */
int cli_count(const char *s);

#endif /* COMPART_CLI_H */
