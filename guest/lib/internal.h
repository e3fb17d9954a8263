/* SPDX-License-Identifier: MIT */
/* libcompart internals: the parsed config and the seams between lib files. */
#ifndef COMPART_INTERNAL_H
#define COMPART_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "compart.h"

/* Fill *e (errno `code`, printf-style reason) and return -1. */
int cpt_fail(struct compart_error *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix an existing message with context ("cgroup memory: ..."). */
int cpt_wrap(struct compart_error *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A warning on stderr ("compart: warning: ..."), for input that is
 * accepted but not applied (as runc warns). */
void cpt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Small file helpers; return -1 and set errno on failure. */
int cpt_write_file(const char *path, const char *data);
int cpt_read_file(const char *path, char *buf, size_t size);
char *cpt_read_all(const char *path, size_t max);

/* --------------------------------------------------------------- config */

enum cpt_ns {
	CPT_NS_USER, CPT_NS_PID, CPT_NS_MOUNT, CPT_NS_NET, CPT_NS_UTS,
	CPT_NS_IPC, CPT_NS_CGROUP, CPT_NS_COUNT
};
extern const char *const cpt_ns_names[CPT_NS_COUNT];   /* OCI type names */
extern const char *const cpt_ns_proc[CPT_NS_COUNT];    /* /proc/PID/ns/ names */
extern const int cpt_ns_flags[CPT_NS_COUNT];           /* CLONE_NEW* */

struct cpt_mount {
	char *dest, *type, *source, *data;
	unsigned long flags;     /* MS_* from options */
	unsigned long propagation; /* MS_PRIVATE/MS_SLAVE/... or 0 */
	bool bind;
	bool cgroup;             /* type cgroup/cgroup2: the container's view of /sys/fs/cgroup */
	bool copyup;             /* tmpcopyup: the tmpfs starts with what it covers */
};

/* linux.resources.devices[]: one device cgroup rule */
struct cpt_devrule {
	bool allow;
	char type;               /* 'a', 'c' or 'b' */
	int64_t major, minor;    /* -1: any */
	char access[4];          /* subset of "rwm" */
};

/* linux.devices[]: a node to create in the container's /dev */
struct cpt_device {
	char *path;
	char type;               /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	uint32_t mode, uid, gid;
	bool has_mode, has_uid, has_gid;
};

/* linux.resources.blockIO per-device entries */
enum cpt_blk_kind { CPT_BLK_WEIGHT, CPT_BLK_RBPS, CPT_BLK_WBPS, CPT_BLK_RIOPS, CPT_BLK_WIOPS };

struct cpt_blkdev {
	enum cpt_blk_kind kind;
	int64_t major, minor;
	uint64_t value;          /* weight, bytes/s or ops/s */
};

struct cpt_sysctl {
	char *key, *value;
};

/* hooks.*: runtime-spec config.md "POSIX-platform Hooks" (hooks.c) */
enum { CPT_HOOK_PRESTART, CPT_HOOK_CREATE_RUNTIME, CPT_HOOK_CREATE_CONTAINER,
       CPT_HOOK_START_CONTAINER, CPT_HOOK_POSTSTART, CPT_HOOK_POSTSTOP, CPT_HOOK_KINDS };
extern const char *const cpt_hook_kinds[CPT_HOOK_KINDS];

struct cpt_hook {
	char *path;
	char **args, **env;      /* NULL terminated, maybe empty */
	int timeout;             /* seconds, 0 = none */
};

struct cpt_hooks {
	struct cpt_hook *list[CPT_HOOK_KINDS];
	size_t n[CPT_HOOK_KINDS];
};

struct json_t;
int cpt_hooks_parse(struct json_t *hooks, struct cpt_hooks *h, struct compart_error *e);
/* The hooks of a container from the config.json saved in its state dir. */
int cpt_hooks_load(const char *state_dir, struct cpt_hooks *h, struct compart_error *e);
void cpt_hooks_free(struct cpt_hooks *h);
void cpt_hooks_free_strv(char **v);
/* Run the hooks of `kind` in order with the state on stdin; ns_pid > 0:
 * inside that process's namespaces. The first failure stops and fails. */
int cpt_hooks_run(const struct cpt_hooks *h, int kind, const char *state_json, pid_t ns_pid,
		  struct compart_error *e);

struct cpt_idmap {
	uint32_t container_id, host_id, size;
};

struct cpt_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct cpt_scarg {
	unsigned index;
	uint64_t value, value_two;
	int op; /* enum scmp_compare */
};

struct cpt_scrule {
	char **names;
	size_t n_names;
	uint32_t action;
	struct cpt_scarg args[6];
	size_t n_args;
};

/* Capability sets, as bit masks of CAP_* numbers. */
enum { CPT_CAP_BOUNDING, CPT_CAP_EFFECTIVE, CPT_CAP_INHERITABLE,
       CPT_CAP_PERMITTED, CPT_CAP_AMBIENT, CPT_CAP_SETS };

struct compart_config {
	char *bundle;            /* absolute */
	char *rootfs;            /* absolute */
	bool readonly_root;

	/* process */
	char **args, **env;      /* NULL terminated */
	char *cwd;
	uint32_t uid, gid;
	gid_t *groups;
	size_t n_groups;
	bool has_umask;
	mode_t umask;
	uint64_t caps[CPT_CAP_SETS];
	struct cpt_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privs;
	bool has_oom_score_adj;
	int oom_score_adj;

	char *hostname;
	struct cpt_mount *mounts;
	size_t n_mounts;

	/* linux */
	bool ns[CPT_NS_COUNT];
	char *ns_path[CPT_NS_COUNT]; /* join this existing namespace (setns) */
	bool no_pivot;           /* not from config.json: create --no-pivot */
	const char *cgroup_rel;  /* not from config.json: the container's cgroup path */
	bool terminal;           /* process.terminal: a pty, master sent to the console socket */
	unsigned long rootfs_propagation; /* linux.rootfsPropagation, 0 = private */
	struct cpt_devrule *devrules;
	size_t n_devrules;
	struct cpt_device *devices;
	size_t n_devices;
	struct cpt_sysctl *sysctls;
	size_t n_sysctls;
	uint32_t sc_archs[4];    /* libseccomp SCMP_ARCH_* besides the native one */
	size_t n_sc_archs;
	struct cpt_idmap *uid_maps, *gid_maps;
	size_t n_uid_maps, n_gid_maps;
	char *cgroups_path;      /* relative, without leading '/'; NULL = default */
	char **masked, **readonly; /* NULL terminated */

	/* linux.resources: has_* tell what the user asked for */
	bool has_mem_limit, has_mem_swap, has_cpu_shares, has_cpu_quota,
	     has_cpu_period, has_pids_limit, has_mem_reservation;
	int64_t mem_limit, mem_swap, cpu_quota, pids_limit, mem_reservation;
	uint64_t cpu_shares, cpu_period;
	char *cpus, *mems;
	bool has_blkio_weight;
	int64_t blkio_weight;
	struct cpt_blkdev *blkdevs;
	size_t n_blkdevs;

	/* linux.seccomp (has_seccomp false: the default profile) */
	bool has_seccomp;
	uint32_t sc_default;
	struct cpt_scrule *sc_rules;
	size_t n_sc_rules;

	struct cpt_hooks hooks;

	char *annotations_json;  /* "{}" if none */
};

/* Map a container uid/gid to the host through the maps (identity if none). */
uint32_t cpt_host_uid(const struct compart_config *c, uint32_t id);
uint32_t cpt_host_gid(const struct compart_config *c, uint32_t id);

/* ---------------------------------------------------------------- cgroup */

/* A container's cgroup path as its state keeps it, NUL included: a longer
 * linux.cgroupsPath is refused, never cut (cut, it could name another
 * container's group). */
#define CPT_CGROUP_PATH_MAX 256

struct cpt_cgroup {
	char mode[8];      /* "v2", "v1", "none" */
	char path[CPT_CGROUP_PATH_MAX];    /* relative to each hierarchy root */
};

/* Choose backend and path for container id (cfg may give cgroupsPath). */
int cpt_cgroup_init(struct cpt_cgroup *cg, const char *id,
		    const struct compart_config *cfg, struct compart_error *e);
/* Create the groups and apply every limit asked for; refuse what cannot be. */
int cpt_cgroup_create(const struct cpt_cgroup *cg, const struct compart_config *cfg,
		      struct compart_error *e);
int cpt_cgroup_attach(const struct cpt_cgroup *cg, pid_t pid, struct compart_error *e);
int cpt_cgroup_pids(const struct cpt_cgroup *cg, pid_t **pids, size_t *n,
		    struct compart_error *e);
int cpt_cgroup_kill_all(const struct cpt_cgroup *cg, int sig, struct compart_error *e);
long cpt_cgroup_oom_kills(const struct cpt_cgroup *cg);
/* Write new limits into the existing groups (compart update). */
int cpt_cgroup_update(const struct cpt_cgroup *cg, const struct compart_config *c,
		      struct compart_error *e);
/* Freeze (pause) or thaw (resume) every process; waits until done. */
int cpt_cgroup_freeze(const struct cpt_cgroup *cg, bool frozen, struct compart_error *e);
bool cpt_cgroup_frozen(const struct cpt_cgroup *cg);
/* Remove the groups (waits up to ~2 s for dying processes). */
int cpt_cgroup_destroy(const struct cpt_cgroup *cg, struct compart_error *e);
const char *cpt_cgroup_host_mode(void);

/* ------------------------------------------------------------ devfilter */

struct bpf_insn;
/* The cgroup v2 device program for `rules` (last match decides) into
 * prog[max]; returns its length, 0 if max is too small. */
size_t cpt_devfilter_build(const struct cpt_devrule *rules, size_t n_rules,
			   struct bpf_insn *prog, size_t max);
/* Load it and attach it to the group directory (BPF_F_ALLOW_MULTI). */
int cpt_devfilter_attach(const char *cgroup_dir, const struct cpt_devrule *rules,
			 size_t n_rules, struct compart_error *e);

/* --------------------------------------------------- container process */

/* Inside the new namespaces, before pivot_root: mounts, dev, pivot, paths. */
int cpt_setup_rootfs(const struct compart_config *c, struct compart_error *e);
/* Bring up loopback in a fresh network namespace. */
int cpt_setup_loopback(struct compart_error *e);
/* rlimits, umask, cwd, user, capabilities, no_new_privs, seccomp; the
 * order matters and is documented in security.c. */
int cpt_finalize_process(const struct compart_config *c, struct compart_error *e);
/* The default seccomp profile or config's; installed by cpt_finalize_process. */
int cpt_seccomp_load(const struct compart_config *c, struct compart_error *e);
/* execvpe with the container's PATH; returns only on failure. */
int cpt_exec(const struct compart_config *c, char *const argv[], struct compart_error *e);

/* ------------------------------------------- init, create, exec seams */

/* What the init needs besides the config: its channel to the parent and
 * the descriptors create passes down. */
struct cpt_init_args {
	int sock;           /* SOCK_SEQPACKET to the parent */
	int fifo_fd;        /* O_PATH exec.fifo, -1 for run */
	int console_fd;     /* connected console socket, -1 if none */
	int preserve_fds;
	bool new_keyring;
};

/* The init (init.c), after the clone: never returns. */
void cpt_init_main(const struct compart_config *c, const struct cpt_init_args *a)
	__attribute__((noreturn));
/* process.terminal: a pty from the container's devpts as ctty and stdio,
 * the master sent to console_fd (SCM_RIGHTS). */
int cpt_setup_console(int console_fd, struct compart_error *e);
/* --preserve-fds: fds 3..3+n-1 kept, every other one close-on-exec. */
int cpt_pass_fds(int n, struct compart_error *e);
/* The connected --console-socket for a terminal process, -1 without a
 * terminal, -2 on error (e filled). */
int cpt_console_for(const struct compart_config *c, const char *sock, const char *verb,
		    struct compart_error *e);
int cpt_write_pid_file(const char *file, pid_t pid, struct compart_error *e);
void cpt_decode_status(int status, struct compart_exit *ex);

/* ---------------------------------------------------------------- state */

/* The config's annotations as compact JSON, NUL included, as a container's
 * state keeps them: a config with more is refused, never trimmed. */
#define CPT_ANNOTATIONS_MAX 4096

struct cpt_state {
	struct compart_state pub;
	unsigned long long starttime; /* /proc/PID/stat field 22: guards pid reuse */
	struct cpt_cgroup cg;
	char annotations[CPT_ANNOTATIONS_MAX];
};

int cpt_valid_id(const char *id, struct compart_error *e);
const char *cpt_root(const char *root);
/* "<root>/<id>" into buf. */
int cpt_state_dir(const char *root, const char *id, char *buf, size_t size,
		  struct compart_error *e);
int cpt_state_write(const char *dir, const struct cpt_state *st, struct compart_error *e);
int cpt_state_read(const char *root, const char *id, struct cpt_state *st,
		   struct compart_error *e);
unsigned long long cpt_proc_starttime(pid_t pid);
/* Remove a state dir and its files. */
void cpt_state_remove(const char *dir);

/* ---------------------------------------------------------------- septum */

/* CPUID as a seam: the hardware instruction, or a table in unit tests. */
typedef void (*cpt_cpuid_fn)(uint32_t leaf, uint32_t regs[4]);
/* Fill the hypervisor fields of *info (not cgroup_mode) from `cpuid`. */
void cpt_hv_probe(cpt_cpuid_fn cpuid, struct compart_hv_info *info);

#endif /* COMPART_INTERNAL_H */
