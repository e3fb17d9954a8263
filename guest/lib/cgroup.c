/* SPDX-License-Identifier: MIT */
/*
 * cgroups behind an ops struct: the unified hierarchy (cgroup v2,
 * Documentation/admin-guide/cgroup-v2.rst) first, the v1 controllers
 * (Documentation/admin-guide/cgroup-v1/) where the host still has them for
 * memory/cpu/cpuset/pids — which includes "hybrid" hosts whose v2 mount
 * carries no such controller.
 *
 * Every limit config.json asks for is written; a limit the host cannot
 * apply fails the create with the limit's name and the reason. Nothing is
 * silently skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>

#include "internal.h"

#define CG_ROOT "/sys/fs/cgroup"

struct cg_ops {
	const char *mode;
	int (*create)(const char *path, const struct compart_config *c, struct compart_error *e);
	int (*attach)(const char *path, pid_t pid, struct compart_error *e);
	/* a cgroup.procs file listing every process of the container */
	int (*procs)(const char *path, char *buf, size_t size);
	/* write "1" to cgroup.kill if the kernel has it (v2, Linux 5.14) */
	int (*kill)(const char *path);
	long (*oom_kills)(const char *path);
	int (*destroy)(const char *path, struct compart_error *e);
	/* write the limits of c into an existing group (create and update) */
	int (*apply)(const char *path, const struct compart_config *c, struct compart_error *e);
	int (*freeze)(const char *path, bool frozen, struct compart_error *e);
	int (*frozen)(const char *path);
};

/* Wait until FILE has a line starting with `want` (freezing is not
 * instantaneous: the kernel reports when every task is stopped). */
static int wait_for(const char *file, const char *want, struct compart_error *e)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	char buf[512];

	for (int i = 0; i < 500; i++) {
		if (cpt_read_file(file, buf, sizeof(buf)) < 0)
			return cpt_fail(e, errno, "%s: %s", file, strerror(errno));
		for (char *p = buf; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (!strncmp(p, want, strlen(want)))
				return 0;
		nanosleep(&ts, NULL);
	}
	return cpt_fail(e, ETIMEDOUT, "%s never showed '%s'", file, want);
}

/* The device rules runc adds after the config's own (libcontainer's
 * AllowedDevices): the spec's default devices, pseudo-terminals, mknod. */
static const struct cpt_devrule default_dev_allow[] = {
	{ true, 'c', -1, -1, "m" }, { true, 'b', -1, -1, "m" },
	{ true, 'c', 1, 3, "rwm" }, { true, 'c', 1, 5, "rwm" }, { true, 'c', 1, 7, "rwm" },
	{ true, 'c', 1, 8, "rwm" }, { true, 'c', 1, 9, "rwm" }, { true, 'c', 5, 0, "rwm" },
	{ true, 'c', 5, 1, "rwm" }, { true, 'c', 5, 2, "rwm" }, { true, 'c', 136, -1, "rwm" },
	{ true, 'c', 10, 200, "rwm" },
};
#define N_DEFAULT_DEV (sizeof(default_dev_allow) / sizeof(default_dev_allow[0]))

static void devrule_text(const struct cpt_devrule *r, char *buf, size_t n)
{
	char maj[24] = "*", min[24] = "*";

	if (r->type == 'a') {
		snprintf(buf, n, "a *:* %s", r->access);
		return;
	}
	if (r->major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, r->major);
	if (r->minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, r->minor);
	snprintf(buf, n, "%c %s:%s %s", r->type, maj, min, r->access);
}

/* Only "allow everything" needs no enforcement; anything else needs the
 * v1 devices controller or, on v2, a device program (devfilter.c). */
static bool devrules_trivial(const struct compart_config *c)
{
	for (size_t i = 0; i < c->n_devrules; i++)
		if (!(c->devrules[i].allow && c->devrules[i].type == 'a' &&
		      c->devrules[i].major < 0 && c->devrules[i].minor < 0 &&
		      !strcmp(c->devrules[i].access, "rwm")))
			return false;
	return true;
}

/* ------------------------------------------------------------ helpers */

static bool is_fs(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* Write `value` to DIR/FILE; `what` names the config field for the error. */
static int cg_set(const char *dir, const char *file, const char *value, const char *what,
		  struct compart_error *e)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	if (cpt_write_file(path, value) < 0)
		return cpt_fail(e, errno, "%s cannot be applied: writing '%s' to %s: %s", what,
				value, path, strerror(errno));
	return 0;
}

/* mkdir -p under `base`, calling `prep` on each directory it creates. */
static int mkdir_path(const char *base, const char *rel, int (*prep)(const char *dir),
		      struct compart_error *e)
{
	char path[512];
	size_t n = strlen(base);
	const char *p = rel;

	if (snprintf(path, sizeof(path), "%s/%s", base, rel) >= (int)sizeof(path))
		return cpt_fail(e, ENAMETOOLONG, "cgroup path too long");
	for (;;) {
		const char *slash = strchr(p, '/');
		size_t end = n + 1 + (size_t)((slash ? slash : p + strlen(p)) - rel);
		char saved = path[end];

		path[end] = '\0';
		if (mkdir(path, 0755) == 0) {
			if (prep && prep(path) < 0) {
				int err = errno;

				rmdir(path);
				return cpt_fail(e, err, "preparing cgroup %s: %s", path, strerror(err));
			}
		} else if (errno != EEXIST || !slash) {
			/* the leaf must be new: an existing one belongs to someone */
			return cpt_fail(e, errno, "cgroup %s: %s", path, strerror(errno));
		}
		path[end] = saved;
		if (!slash)
			return 0;
		p = slash + 1;
	}
}

/* rmdir, retrying while the last processes are still exiting. */
static int rmdir_wait(const char *path, struct compart_error *e)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 150; i++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			break;
		nanosleep(&ts, NULL);
	}
	return cpt_fail(e, errno, "cannot remove cgroup %s: %s", path, strerror(errno));
}

/* Remove the leaf, then the shared "compart" parent if it became empty. */
static int remove_path(const char *base, const char *rel, struct compart_error *e)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (rmdir_wait(path, e))
		return -1;
	*strrchr(path, '/') = '\0';
	if (!strcmp(path + strlen(base), "/compart"))
		rmdir(path); /* fails harmlessly while other containers use it */
	return 0;
}

static long read_key(const char *file, const char *key)
{
	char buf[4096], *p;
	size_t k = strlen(key);

	if (cpt_read_file(file, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, k) && p[k] == ' ')
			return strtol(p + k + 1, NULL, 10);
	return -1;
}

static void fmt_i64(char *buf, size_t n, int64_t v)
{
	if (v < 0)
		snprintf(buf, n, "max");
	else
		snprintf(buf, n, "%" PRId64, v);
}

static bool blkio_wanted(const struct compart_config *c)
{
	return c->has_blkio_weight || c->n_blkdevs;
}

/* Write the blockIO limits: `files` names, per kind, the file (and a v1/v2
 * format) of this backend; weights go to the first of two files that
 * exists (the bfq scheduler has its own). */
static int blkio_apply(const char *dir, const struct compart_config *c, bool v2,
		       struct compart_error *e)
{
	static const char *const v1_files[] = { "blkio.weight_device", "blkio.throttle.read_bps_device",
						"blkio.throttle.write_bps_device",
						"blkio.throttle.read_iops_device",
						"blkio.throttle.write_iops_device" };
	static const char *const v2_keys[] = { "", "rbps", "wbps", "riops", "wiops" };
	const char *wfile = v2 ? "io.weight" : "blkio.weight";
	char path[600], v[96];

	snprintf(path, sizeof(path), "%s/%s", dir, wfile);
	if (access(path, F_OK) < 0)
		wfile = v2 ? "io.bfq.weight" : "blkio.bfq.weight";
	if (c->has_blkio_weight) {
		snprintf(v, sizeof(v), v2 && !strcmp(wfile, "io.weight") ? "default %" PRId64 : "%" PRId64,
			 c->blkio_weight);
		if (cg_set(dir, wfile, v, "linux.resources.blockIO.weight", e))
			return -1;
	}
	for (size_t i = 0; i < c->n_blkdevs; i++) {
		const struct cpt_blkdev *d = &c->blkdevs[i];
		const char *file;

		if (v2 && d->kind != CPT_BLK_WEIGHT) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %s=%" PRIu64, d->major, d->minor,
				 v2_keys[d->kind], d->value);
			file = "io.max";
		} else {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
				 d->value);
			file = v2 ? wfile : d->kind == CPT_BLK_WEIGHT && strstr(wfile, "bfq") ?
			       "blkio.bfq.weight_device" : v1_files[d->kind];
		}
		if (cg_set(dir, file, v, "linux.resources.blockIO", e))
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ v2 */

static bool v2_has(const char *ctrl)
{
	char buf[512], *p, *save = NULL;

	if (cpt_read_file(CG_ROOT "/cgroup.controllers", buf, sizeof(buf)) < 0)
		return false;
	for (p = strtok_r(buf, " \n", &save); p; p = strtok_r(NULL, " \n", &save))
		if (!strcmp(p, ctrl))
			return true;
	return false;
}

/* Controllers must be enabled in the subtree_control of every ancestor of
 * the leaf; intermediate groups ("compart/") are created on the way. */
static int v2_enable(const char *rel, const char *ctrls, struct compart_error *e)
{
	char dir[512], file[540];
	const char *slash = rel;

	snprintf(dir, sizeof(dir), CG_ROOT);
	for (;;) {
		snprintf(file, sizeof(file), "%s/cgroup.subtree_control", dir);
		if (cpt_write_file(file, ctrls) < 0)
			return cpt_fail(e, errno, "cgroup v2: enabling '%s' in %s: %s", ctrls, file,
					strerror(errno));
		slash = strchr(slash, '/');
		if (!slash)
			return 0;
		snprintf(dir, sizeof(dir), CG_ROOT "/%.*s", (int)(slash - rel), rel);
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return cpt_fail(e, errno, "cgroup %s: %s", dir, strerror(errno));
		slash++;
	}
}

static int v2_need(bool asked, const char *ctrl, const char *what, struct compart_error *e)
{
	if (asked && !v2_has(ctrl))
		return cpt_fail(e, ENOTSUP,
				"%s cannot be applied: the cgroup v2 hierarchy has no '%s' controller",
				what, ctrl);
	return 0;
}

static int v2_apply(const char *rel, const struct compart_config *c, struct compart_error *e);

/* the config's rules, then the defaults runc adds, as one device program */
static int v2_devices(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	struct cpt_devrule *all = calloc(c->n_devrules + N_DEFAULT_DEV, sizeof(*all));
	char dir[512];
	int rc;

	if (!all)
		return cpt_fail(e, ENOMEM, "out of memory");
	memcpy(all, c->devrules, c->n_devrules * sizeof(*all));
	memcpy(all + c->n_devrules, default_dev_allow, sizeof(default_dev_allow));
	snprintf(dir, sizeof(dir), CG_ROOT "/%s", rel);
	rc = cpt_devfilter_attach(dir, all, c->n_devrules + N_DEFAULT_DEV, e);
	free(all);
	return rc;
}

/* Enable, in every ancestor, the controllers the limits of c need. */
static int v2_controllers(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	char ctrls[64] = "";
	bool mem = c->has_mem_limit || c->has_mem_swap || c->has_mem_reservation;
	bool cpu = c->has_cpu_shares || c->has_cpu_quota || c->has_cpu_period;
	bool cpuset = c->cpus || c->mems;

	if (v2_need(mem, "memory", "linux.resources.memory", e) ||
	    v2_need(cpu, "cpu", "linux.resources.cpu shares/quota/period", e) ||
	    v2_need(cpuset, "cpuset", "linux.resources.cpu.cpus/mems", e) ||
	    v2_need(c->has_pids_limit, "pids", "linux.resources.pids", e))
		return -1;
	if (mem)
		strcat(ctrls, "+memory ");
	if (c->has_pids_limit)
		strcat(ctrls, "+pids ");
	if (cpu)
		strcat(ctrls, "+cpu ");
	if (cpuset)
		strcat(ctrls, "+cpuset ");
	if (blkio_wanted(c)) {
		if (v2_need(true, "io", "linux.resources.blockIO", e))
			return -1;
		strcat(ctrls, "+io ");
	}
	return *ctrls ? v2_enable(rel, ctrls, e) : 0;
}

/* update: a limit the group was created without needs its controller */
static int v2_update(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	return v2_controllers(rel, c, e) || v2_apply(rel, c, e) ? -1 : 0;
}

static int v2_create(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	bool mem = c->has_mem_limit || c->has_mem_swap || c->has_mem_reservation;

	if (v2_controllers(rel, c, e))
		return -1;
	/* Without a memory limit the memory controller still gives `run` its
	 * OOM report; it is accounting, not a limit, so failing to enable it
	 * (e.g. a delegated subtree without it) is not an error. */
	if (!mem && v2_has("memory")) {
		struct compart_error ignore;

		v2_enable(rel, "+memory", &ignore);
	}
	if (mkdir_path(CG_ROOT, rel, NULL, e))
		return -1;
	if (!devrules_trivial(c) && v2_devices(rel, c, e))
		return -1;
	return v2_apply(rel, c, e);
}

static int v2_apply(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	char dir[512], v[64];

	snprintf(dir, sizeof(dir), CG_ROOT "/%s", rel);
	if (blkio_wanted(c) && blkio_apply(dir, c, true, e))
		return -1;
	if (c->has_mem_reservation) {
		fmt_i64(v, sizeof(v), c->mem_reservation);
		if (cg_set(dir, "memory.low", v, "linux.resources.memory.reservation", e))
			return -1;
	}
	if (c->has_mem_limit) {
		fmt_i64(v, sizeof(v), c->mem_limit);
		if (cg_set(dir, "memory.max", v, "linux.resources.memory.limit", e))
			return -1;
	}
	if (c->has_mem_swap) {
		/* OCI swap is memory+swap; v2 swap.max counts swap alone */
		fmt_i64(v, sizeof(v), c->mem_swap < 0 ? -1 : c->mem_swap - c->mem_limit);
		if (cg_set(dir, "memory.swap.max", v, "linux.resources.memory.swap", e))
			return -1;
	}
	if (c->has_cpu_shares) {
		/* the shares [2, 262144] -> weight [1, 10000] mapping runc/crun use */
		snprintf(v, sizeof(v), "%" PRIu64, 1 + ((c->cpu_shares - 2) * 9999) / 262142);
		if (cg_set(dir, "cpu.weight", v, "linux.resources.cpu.shares", e))
			return -1;
	}
	if (c->has_cpu_quota || c->has_cpu_period) {
		char q[32];

		fmt_i64(q, sizeof(q), c->has_cpu_quota ? c->cpu_quota : -1);
		snprintf(v, sizeof(v), "%s %" PRIu64, q, c->has_cpu_period ? c->cpu_period : 100000);
		if (cg_set(dir, "cpu.max", v, "linux.resources.cpu.quota/period", e))
			return -1;
	}
	if (c->cpus && cg_set(dir, "cpuset.cpus", c->cpus, "linux.resources.cpu.cpus", e))
		return -1;
	if (c->mems && cg_set(dir, "cpuset.mems", c->mems, "linux.resources.cpu.mems", e))
		return -1;
	if (c->has_pids_limit) {
		fmt_i64(v, sizeof(v), c->pids_limit);
		if (cg_set(dir, "pids.max", v, "linux.resources.pids.limit", e))
			return -1;
	}
	return 0;
}

static int v2_attach(const char *rel, pid_t pid, struct compart_error *e)
{
	char path[512], v[16];

	snprintf(path, sizeof(path), CG_ROOT "/%s/cgroup.procs", rel);
	snprintf(v, sizeof(v), "%d", (int)pid);
	if (cpt_write_file(path, v) < 0)
		return cpt_fail(e, errno, "joining %s: %s", path, strerror(errno));
	return 0;
}

static int v2_procs(const char *rel, char *buf, size_t size)
{
	snprintf(buf, size, CG_ROOT "/%s/cgroup.procs", rel);
	return 0;
}

static int v2_kill(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), CG_ROOT "/%s/cgroup.kill", rel);
	return cpt_write_file(path, "1");
}

static long v2_oom_kills(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), CG_ROOT "/%s/memory.events", rel);
	return read_key(path, "oom_kill");
}

static int v2_destroy(const char *rel, struct compart_error *e)
{
	return remove_path(CG_ROOT, rel, e);
}

static int v2_freeze(const char *rel, bool frozen, struct compart_error *e)
{
	char dir[512], path[540];

	snprintf(dir, sizeof(dir), CG_ROOT "/%s", rel);
	if (cg_set(dir, "cgroup.freeze", frozen ? "1" : "0", "freezer", e))
		return -1;
	snprintf(path, sizeof(path), "%s/cgroup.events", dir);
	return wait_for(path, frozen ? "frozen 1" : "frozen 0", e);
}

static int v2_frozen(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), CG_ROOT "/%s/cgroup.events", rel);
	return read_key(path, "frozen") == 1;
}

static const struct cg_ops v2_ops = {
	"v2", v2_create, v2_attach, v2_procs, v2_kill, v2_oom_kills, v2_destroy,
	v2_update, v2_freeze, v2_frozen,
};

/* ------------------------------------------------------------------ v1 */

static const char *const v1_ctrls[] = { "pids", "memory", "cpu", "cpuset", "freezer", "devices",
					"blkio" };
#define V1_N (sizeof(v1_ctrls) / sizeof(v1_ctrls[0]))

static bool v1_has(const char *ctrl)
{
	char path[64];

	snprintf(path, sizeof(path), CG_ROOT "/%s", ctrl);
	return is_fs(path, CGROUP_SUPER_MAGIC);
}

/* A new v1 cpuset group starts with empty cpus/mems (unless the parent has
 * cgroup.clone_children) and refuses tasks: inherit the parent's. */
static int cpuset_prep(const char *dir)
{
	char parent[512], buf[256], path[560];
	const char *files[] = { "cpuset.cpus", "cpuset.mems" };

	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = '\0';
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", parent, files[i]);
		if (cpt_read_file(path, buf, sizeof(buf)) < 0)
			return -1;
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (cpt_write_file(path, buf) < 0)
			return -1;
	}
	return 0;
}

static int v1_need(bool asked, const char *ctrl, const char *what, struct compart_error *e)
{
	if (asked && !v1_has(ctrl))
		return cpt_fail(e, ENOTSUP,
				"%s cannot be applied: no cgroup v1 '%s' hierarchy at " CG_ROOT "/%s and no v2 controller",
				what, ctrl, ctrl);
	return 0;
}

static int v1_apply(const char *rel, const struct compart_config *c, struct compart_error *e);

static int v1_create(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	char dir[512], v[64];
	size_t i;

	if (v1_need(c->has_mem_limit || c->has_mem_swap, "memory", "linux.resources.memory", e) ||
	    v1_need(c->has_cpu_shares || c->has_cpu_quota || c->has_cpu_period, "cpu",
		    "linux.resources.cpu shares/quota/period", e) ||
	    v1_need(c->cpus || c->mems, "cpuset", "linux.resources.cpu.cpus/mems", e) ||
	    v1_need(c->has_pids_limit, "pids", "linux.resources.pids", e) ||
	    v1_need(!devrules_trivial(c), "devices", "linux.resources.devices", e) ||
	    v1_need(blkio_wanted(c), "blkio", "linux.resources.blockIO", e))
		return -1;
	for (i = 0; i < V1_N; i++) {
		char base[64];

		if (!v1_has(v1_ctrls[i]))
			continue;
		snprintf(base, sizeof(base), CG_ROOT "/%s", v1_ctrls[i]);
		if (mkdir_path(base, rel, strcmp(v1_ctrls[i], "cpuset") ? NULL : cpuset_prep, e))
			return -1;
	}
	if (c->n_devrules && !devrules_trivial(c)) {
		snprintf(dir, sizeof(dir), CG_ROOT "/devices/%s", rel);
		for (i = 0; i < c->n_devrules; i++) {
			devrule_text(&c->devrules[i], v, sizeof(v));
			if (cg_set(dir, c->devrules[i].allow ? "devices.allow" : "devices.deny", v,
				   "linux.resources.devices", e))
				return -1;
		}
		for (i = 0; i < N_DEFAULT_DEV; i++) {
			devrule_text(&default_dev_allow[i], v, sizeof(v));
			if (cg_set(dir, "devices.allow", v, "linux.resources.devices (default devices)", e))
				return -1;
		}
	}
	return v1_apply(rel, c, e);
}

static int v1_apply(const char *rel, const struct compart_config *c, struct compart_error *e)
{
	char dir[512], v[64];

	snprintf(dir, sizeof(dir), CG_ROOT "/blkio/%s", rel);
	if (blkio_wanted(c) && blkio_apply(dir, c, false, e))
		return -1;
	snprintf(dir, sizeof(dir), CG_ROOT "/memory/%s", rel);
	if (c->has_mem_reservation) {
		snprintf(v, sizeof(v), "%" PRId64, c->mem_reservation);
		if (cg_set(dir, "memory.soft_limit_in_bytes", v, "linux.resources.memory.reservation", e))
			return -1;
	}
	if (c->has_mem_limit) {
		snprintf(v, sizeof(v), "%" PRId64, c->mem_limit);
		if (cg_set(dir, "memory.limit_in_bytes", v, "linux.resources.memory.limit", e))
			return -1;
	}
	if (c->has_mem_swap) {
		snprintf(v, sizeof(v), "%" PRId64, c->mem_swap);
		if (cg_set(dir, "memory.memsw.limit_in_bytes", v, "linux.resources.memory.swap", e))
			return cpt_wrap(e, "(swap accounting off? boot with swapaccount=1)");
	}
	snprintf(dir, sizeof(dir), CG_ROOT "/cpu/%s", rel);
	if (c->has_cpu_shares) {
		snprintf(v, sizeof(v), "%" PRIu64, c->cpu_shares);
		if (cg_set(dir, "cpu.shares", v, "linux.resources.cpu.shares", e))
			return -1;
	}
	if (c->has_cpu_period) {
		snprintf(v, sizeof(v), "%" PRIu64, c->cpu_period);
		if (cg_set(dir, "cpu.cfs_period_us", v, "linux.resources.cpu.period", e))
			return -1;
	}
	if (c->has_cpu_quota) {
		snprintf(v, sizeof(v), "%" PRId64, c->cpu_quota);
		if (cg_set(dir, "cpu.cfs_quota_us", v, "linux.resources.cpu.quota", e))
			return -1;
	}
	snprintf(dir, sizeof(dir), CG_ROOT "/cpuset/%s", rel);
	if (c->cpus && cg_set(dir, "cpuset.cpus", c->cpus, "linux.resources.cpu.cpus", e))
		return -1;
	if (c->mems && cg_set(dir, "cpuset.mems", c->mems, "linux.resources.cpu.mems", e))
		return -1;
	if (c->has_pids_limit) {
		snprintf(dir, sizeof(dir), CG_ROOT "/pids/%s", rel);
		fmt_i64(v, sizeof(v), c->pids_limit);
		if (cg_set(dir, "pids.max", v, "linux.resources.pids.limit", e))
			return -1;
	}
	return 0;
}

static int v1_attach(const char *rel, pid_t pid, struct compart_error *e)
{
	char path[512], v[16];

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i < V1_N; i++) {
		if (!v1_has(v1_ctrls[i]))
			continue;
		snprintf(path, sizeof(path), CG_ROOT "/%s/%s/cgroup.procs", v1_ctrls[i], rel);
		if (cpt_write_file(path, v) < 0)
			return cpt_fail(e, errno, "joining %s: %s", path, strerror(errno));
	}
	return 0;
}

static int v1_procs(const char *rel, char *buf, size_t size)
{
	for (size_t i = 0; i < V1_N; i++)
		if (v1_has(v1_ctrls[i])) {
			snprintf(buf, size, CG_ROOT "/%s/%s/cgroup.procs", v1_ctrls[i], rel);
			return 0;
		}
	return -1;
}

static int v1_kill(const char *rel)
{
	(void)rel;
	errno = ENOTSUP; /* v1 has no cgroup.kill: signal each process */
	return -1;
}

static long v1_oom_kills(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), CG_ROOT "/memory/%s/memory.oom_control", rel);
	return read_key(path, "oom_kill");
}

static int v1_destroy(const char *rel, struct compart_error *e)
{
	char base[64];
	int rc = 0;

	for (size_t i = 0; i < V1_N; i++) {
		if (!v1_has(v1_ctrls[i]))
			continue;
		snprintf(base, sizeof(base), CG_ROOT "/%s", v1_ctrls[i]);
		if (remove_path(base, rel, e))
			rc = -1;
	}
	return rc;
}

static int v1_freeze(const char *rel, bool frozen, struct compart_error *e)
{
	char dir[512], path[540];

	if (!v1_has("freezer"))
		return cpt_fail(e, ENOTSUP, "pause: no cgroup v1 freezer hierarchy");
	snprintf(dir, sizeof(dir), CG_ROOT "/freezer/%s", rel);
	if (cg_set(dir, "freezer.state", frozen ? "FROZEN" : "THAWED", "freezer", e))
		return -1;
	snprintf(path, sizeof(path), "%s/freezer.state", dir);
	return wait_for(path, frozen ? "FROZEN" : "THAWED", e);
}

static int v1_frozen(const char *rel)
{
	char path[512], buf[32];

	snprintf(path, sizeof(path), CG_ROOT "/freezer/%s/freezer.state", rel);
	return cpt_read_file(path, buf, sizeof(buf)) >= 0 && !strncmp(buf, "FROZEN", 6);
}

static const struct cg_ops v1_ops = {
	"v1", v1_create, v1_attach, v1_procs, v1_kill, v1_oom_kills, v1_destroy,
	v1_apply, v1_freeze, v1_frozen,
};

/* ---------------------------------------------------------- dispatch */

static const struct cg_ops *ops_for(const char *mode)
{
	if (!strcmp(mode, "v2"))
		return &v2_ops;
	if (!strcmp(mode, "v1"))
		return &v1_ops;
	return NULL;
}

const char *cpt_cgroup_host_mode(void)
{
	if (is_fs(CG_ROOT, CGROUP2_SUPER_MAGIC))
		return "v2";
	for (size_t i = 0; i < V1_N; i++)
		if (v1_has(v1_ctrls[i]))
			return "v1";
	return "none";
}

static bool wants_limits(const struct compart_config *c)
{
	return c->has_mem_limit || c->has_mem_swap || c->has_cpu_shares || c->has_cpu_quota ||
	       c->has_cpu_period || c->cpus || c->mems || c->has_pids_limit ||
	       c->has_mem_reservation || !devrules_trivial(c) || blkio_wanted(c);
}

int cpt_cgroup_init(struct cpt_cgroup *cg, const char *id, const struct compart_config *c,
		    struct compart_error *e)
{
	snprintf(cg->mode, sizeof(cg->mode), "%s", cpt_cgroup_host_mode());
	if (c->cgroups_path)
		snprintf(cg->path, sizeof(cg->path), "%s", c->cgroups_path);
	else
		snprintf(cg->path, sizeof(cg->path), "compart/%s", id);
	/* Rootless without limits: no cgroup (the hierarchy is not writable
	 * without delegation); with limits we try, and fail naming the limit. */
	if (geteuid() != 0 && !wants_limits(c))
		snprintf(cg->mode, sizeof(cg->mode), "none");
	if (!strcmp(cg->mode, "none") && wants_limits(c))
		return cpt_fail(e, ENOTSUP,
				"linux.resources cannot be applied: no cgroup hierarchy is mounted at " CG_ROOT);
	return 0;
}

int cpt_cgroup_create(const struct cpt_cgroup *cg, const struct compart_config *c,
		      struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);

	if (o && o->create(cg->path, c, e))
		return geteuid() != 0 ?
		       cpt_wrap(e, "linux.resources cannot be applied (not root, no delegated cgroup)") : -1;
	return 0;
}

int cpt_cgroup_attach(const struct cpt_cgroup *cg, pid_t pid, struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);

	return o ? o->attach(cg->path, pid, e) : 0;
}

int cpt_cgroup_pids(const struct cpt_cgroup *cg, pid_t **pids, size_t *n,
		    struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);
	char path[512], *buf, *p, *end;
	size_t cap = 16;

	*pids = NULL;
	*n = 0;
	if (!o || o->procs(cg->path, path, sizeof(path)) < 0)
		return cpt_fail(e, ENOTSUP, "no cgroup to list processes from");
	buf = cpt_read_all(path, 1 << 22);
	if (!buf) {
		if (errno == ENOENT)
			return 0;
		return cpt_fail(e, errno, "%s: %s", path, strerror(errno));
	}
	*pids = malloc(cap * sizeof(pid_t));
	for (p = buf; *pids && *p; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		if (*n == cap) {
			pid_t *np = realloc(*pids, (cap *= 2) * sizeof(pid_t));

			if (!np)
				break;
			*pids = np;
		}
		(*pids)[(*n)++] = (pid_t)v;
	}
	free(buf);
	if (!*pids)
		return cpt_fail(e, ENOMEM, "out of memory");
	return 0;
}

int cpt_cgroup_kill_all(const struct cpt_cgroup *cg, int sig, struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);
	pid_t *pids;
	size_t n;

	if (o && sig == SIGKILL && o->kill(cg->path) == 0)
		return 0;
	/* v1: a process may fork between listing and killing; the callers that
	 * need everything gone (delete) loop until the group is empty. */
	if (cpt_cgroup_pids(cg, &pids, &n, e))
		return -1;
	for (size_t i = 0; i < n; i++)
		kill(pids[i], sig);
	free(pids);
	return 0;
}

long cpt_cgroup_oom_kills(const struct cpt_cgroup *cg)
{
	const struct cg_ops *o = ops_for(cg->mode);

	return o ? o->oom_kills(cg->path) : -1;
}

int cpt_cgroup_update(const struct cpt_cgroup *cg, const struct compart_config *c,
		      struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);

	if (!o)
		return cpt_fail(e, ENOTSUP, "update: the container has no cgroup");
	return o->apply(cg->path, c, e);
}

int cpt_cgroup_freeze(const struct cpt_cgroup *cg, bool frozen, struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);

	if (!o)
		return cpt_fail(e, ENOTSUP, "pause/resume: the container has no cgroup");
	return o->freeze(cg->path, frozen, e);
}

bool cpt_cgroup_frozen(const struct cpt_cgroup *cg)
{
	const struct cg_ops *o = ops_for(cg->mode);

	return o && o->frozen(cg->path) > 0;
}

int cpt_cgroup_destroy(const struct cpt_cgroup *cg, struct compart_error *e)
{
	const struct cg_ops *o = ops_for(cg->mode);

	return o ? o->destroy(cg->path, e) : 0;
}
