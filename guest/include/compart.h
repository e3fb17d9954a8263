/* SPDX-License-Identifier: MIT */
/*
 * libcompart: OCI-style container compartments for the container-host
 * partition of Septum (and for any other Linux).
 *
 * The model is the OCI runtime spec's (runtime-spec v1.x, runtime.md):
 * a *bundle* directory holds config.json and a root filesystem; a container
 * is created from it (namespaces, mounts, cgroups set up, the user process
 * parked before execve), started (execve happens), inspected, signalled and
 * deleted. State lives in a directory per container under a *state root*
 * (default COMPART_DEFAULT_ROOT), so separate compart invocations cooperate.
 *
 * Conventions for every function below:
 *  - returns 0 on success, -1 on failure;
 *  - on failure *err is filled: err->err is an errno value (never 0), and
 *    err->msg a one-line human readable reason naming the object at fault
 *    (a config field, a cgroup file, a path). Nothing is printed: the caller
 *    decides what to do with the message.
 *  - `root` may be NULL: COMPART_DEFAULT_ROOT as root; as another user
 *    (rootless) $XDG_RUNTIME_DIR/compart, else /tmp/compart-UID.
 *  - container ids match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}.
 *
 * The library forks; it is not thread-safe and must be used from a
 * single-threaded process (setns(2) and unshare(2) require it).
 */
#ifndef COMPART_H
#define COMPART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define COMPART_DEFAULT_ROOT "/run/compart"
#define COMPART_ID_MAX 64
#define COMPART_OCI_VERSION "1.0.2"
#define COMPART_VERSION "0.2"

/* An error as a value: errno and the reason. */
struct compart_error {
	int err;
	char msg[256];
};

/* Parsed and validated config.json (opaque). */
struct compart_config;

/*
 * Parse BUNDLE/config.json strictly. Every field is either understood and
 * applied, or refused with a message naming it ("unsupported field
 * 'linux.sysctl'"). Values are range-checked (e.g. a memory limit below 4 KiB
 * or a cpu quota above its period times the CPU count is "impossible").
 * The rootfs must exist and be a directory.
 */
int compart_config_load(const char *bundle, struct compart_config **out,
			struct compart_error *err);
/* Same, from a JSON text; `bundle` anchors a relative root.path. */
int compart_config_parse(const char *json_text, const char *bundle,
			 struct compart_config **out, struct compart_error *err);
void compart_config_free(struct compart_config *cfg);

/* Status values of the OCI state (runtime.md "State"). */
enum compart_status {
	COMPART_CREATING,
	COMPART_CREATED,
	COMPART_RUNNING,
	COMPART_STOPPED,
	COMPART_PAUSED,
};
const char *compart_status_name(enum compart_status s);

struct compart_state {
	char id[COMPART_ID_MAX + 1];
	enum compart_status status;
	pid_t pid;             /* host pid of the container's process 1; 0 if stopped */
	char bundle[4096];
	char created[40];      /* RFC 3339 UTC */
	char cgroup_mode[8];   /* "v2", "v1" (hybrid hosts use v1) or "none" */
	char cgroup_path[256]; /* relative to each hierarchy's mount point */
};

/* Options of create and run that runc's clients pass (all may be 0/NULL). */
struct compart_create_opts {
	const char *pid_file;       /* the host pid of the container's init is written here */
	const char *console_socket; /* process.terminal: the pty master is sent here (SCM_RIGHTS) */
	int preserve_fds;           /* fds 3..3+N-1 are passed to the container's process */
	bool no_pivot;              /* MS_MOVE + chroot instead of pivot_root (ramfs roots) */
	bool no_new_keyring;        /* keep the caller's session keyring */
};

/*
 * create: set up container `id` from `bundle`: namespaces, mounts,
 * cgroups, rlimits, user, capabilities and seccomp are all in place when it
 * returns, and any failure of them fails create with its reason. Its
 * process (the caller's child, left to be reaped by the caller or its
 * subreaper, as runc does) waits on exec.fifo until compart_start() and then
 * only execs. On failure nothing is left behind (cgroups, state, processes).
 */
int compart_create(const char *root, const char *id, const char *bundle,
		   const struct compart_create_opts *o, struct compart_error *err);
/* start: let a created container execve its process. */
int compart_start(const char *root, const char *id, struct compart_error *err);

/* How a `run` ended. */
struct compart_exit {
	int status;     /* exit code, or 128+signal if killed by a signal */
	int signal;     /* terminating signal, 0 if it exited */
	long oom_kills; /* processes the kernel OOM-killed in its cgroup; -1 unknown */
};
/*
 * run: create + start + wait + delete. Returns 0 when the container ran
 * (whatever its exit code, reported in *ex), -1 when it could not be run.
 */
int compart_run(const char *root, const char *id, const char *bundle,
		const struct compart_create_opts *o, struct compart_exit *ex,
		struct compart_error *err);

int compart_state(const char *root, const char *id, struct compart_state *st,
		  struct compart_error *err);
/* The OCI state JSON of `id` (malloc'd, caller frees). */
int compart_state_json(const char *root, const char *id, char **json,
		       struct compart_error *err);

/* Parse "TERM", "SIGTERM" or "15"; -1 if unknown. */
int compart_signal_parse(const char *s);
/* kill: signal process 1, or with `all` every process in its cgroup. */
int compart_kill(const char *root, const char *id, int sig, bool all,
		 struct compart_error *err);
/*
 * delete: remove cgroups and state of a stopped container. With `force`,
 * first SIGKILL everything in it (works also on the state a crashed
 * compart left behind, including a "creating" one).
 */
int compart_delete(const char *root, const char *id, bool force,
		   struct compart_error *err);

/* list: states of all containers under root (malloc'd array). */
int compart_list(const char *root, struct compart_state **states, size_t *n,
		 struct compart_error *err);

/* Options of exec (runc exec's). */
struct compart_exec_opts {
	const char *process;        /* a JSON file with an OCI "process" object; else argv */
	const char *pid_file;
	const char *console_socket; /* with a terminal process: pty master sent here */
	bool tty;                   /* process.terminal for argv */
	bool detach;                /* return once the process runs, leave it to our caller */
	int preserve_fds;
};
/*
 * exec: run a process inside running container `id` (its namespaces,
 * cgroup, user, capabilities, no_new_privs and seccomp from its config, or
 * from o->process), wait (unless o->detach), and report its exit in *ex.
 */
int compart_exec(const char *root, const char *id, char *const argv[],
		 const struct compart_exec_opts *o, struct compart_exit *ex,
		 struct compart_error *err);

/* pause / resume: freeze or thaw every process of the container. */
int compart_pause(const char *root, const char *id, bool pause, struct compart_error *err);
/* update: apply a linux.resources JSON object (runc update -r) to the
 * container's cgroup. */
int compart_update(const char *root, const char *id, const char *resources_json,
		   struct compart_error *err);

/* ps: host pids in the container's cgroup (malloc'd array). */
int compart_ps(const char *root, const char *id, pid_t **pids, size_t *n,
	       struct compart_error *err);

/* Partition awareness: the CPUID hypervisor leaves (include/septum/abi.h). */
struct compart_hv_info {
	bool hypervisor;       /* CPUID.1:ECX[31] */
	char signature[13];    /* CPUID 0x40000000 EBX:ECX:EDX, e.g. "SeptumSeptum" */
	bool septum;
	uint32_t abi_version;  /* SEPTUM_ABI_VERSION of the hypervisor */
	uint32_t partition_id;
	uint32_t vcpu_index;
	uint32_t vcpu_count;
	char partition[33];
	int32_t restarts;        /* times the partition was restarted (ABI 1.1), -1 if not told */
	char default_cpuset[64]; /* "" when not on Septum: inherit the host's */
	char cgroup_mode[24];    /* "v2", "hybrid (v1 limits)", "v1" or "none" */
};
void compart_hv_info(struct compart_hv_info *info);

#endif /* COMPART_H */
