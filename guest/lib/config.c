/* SPDX-License-Identifier: MIT */
/*
 * config.json (OCI runtime-spec config.md, config-linux.md) -> struct
 * compart_config.
 *
 * The rule: every key of every object is either in the allowed list of that
 * object, and then understood and applied, or the whole config is refused
 * with the dotted path of the key. Ignoring a field a user relies on (say a
 * device rule or a sysctl) would silently weaken isolation, so there is no
 * "best effort" mode.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

const char *const cpt_ns_names[CPT_NS_COUNT] = {
	"user", "pid", "mount", "network", "uts", "ipc", "cgroup",
};
const char *const cpt_ns_proc[CPT_NS_COUNT] = {
	"user", "pid", "mnt", "net", "uts", "ipc", "cgroup",
};
const int cpt_ns_flags[CPT_NS_COUNT] = {
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNS, CLONE_NEWNET, CLONE_NEWUTS,
	CLONE_NEWIPC, CLONE_NEWCGROUP,
};

/* ------------------------------------------------------- json helpers */

/*
 * Fields the runtime spec defines that compart does not apply. Any other
 * key outside an object's allowed list is ignored, as the spec requires of
 * unknown properties (config.md "Extensibility"); these are refused by path
 * because ignoring them would silently weaken what the user asked for.
 */
static const char *const refused[] = {
	"linux.intelRdt", "linux.personality", "linux.timeOffsets",
	"linux.resources.blockIO.leafWeight", "linux.resources.hugepageLimits", "linux.resources.rdma",
	"linux.resources.network", "linux.resources.unified", "linux.resources.memory.kernel",
	"linux.resources.memory.kernelTCP", "linux.resources.memory.disableOOMKiller",
	"linux.resources.cpu.realtimeRuntime", "linux.resources.cpu.realtimePeriod",
	"process.scheduler", "process.ioPriority", "process.execCPUAffinity", NULL,
};

/* Refuse a spec field compart cannot apply (from `refused`) unless it is
 * empty (null, {}, [] or false); ignore keys of `obj` it does not know. */
static int check_keys(json_t *obj, const char *path, const char *const *allowed,
		      struct compart_error *e)
{
	const char *key;
	json_t *v;
	char full[160];

	if (!json_is_object(obj))
		return cpt_fail(e, EINVAL, "config.json: '%s' must be an object", path);
	json_object_foreach(obj, key, v) {
		const char *const *a;

		for (a = allowed; *a; a++)
			if (!strcmp(*a, key))
				break;
		if (*a)
			continue;
		snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "", key);
		for (a = refused; *a; a++)
			if (!strcmp(*a, full))
				break;
		if (!*a || json_is_null(v) || json_is_false(v) ||
		    (json_is_object(v) && !json_object_size(v)) ||
		    (json_is_array(v) && !json_array_size(v)))
			continue;
		return cpt_fail(e, ENOTSUP, "config.json: unsupported field '%s'", full);
	}
	return 0;
}

static int want_type(json_t *v, int (*is)(const json_t *), const char *path,
		     const char *key, const char *what, struct compart_error *e)
{
	if (!is(v))
		return cpt_fail(e, EINVAL, "config.json: '%s%s%s' must be %s", path,
				*path ? "." : "", key, what);
	return 0;
}

static int is_string(const json_t *v) { return json_is_string(v); }
static int is_bool(const json_t *v) { return json_is_boolean(v); }
static int is_int(const json_t *v) { return json_is_integer(v); }
static int is_array(const json_t *v) { return json_is_array(v); }
static int is_object(const json_t *v) { return json_is_object(v); }

/* Optional string: *out stays NULL if absent. */
static int get_str(json_t *obj, const char *path, const char *key, bool required,
		   char **out, struct compart_error *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v) {
		if (required)
			return cpt_fail(e, EINVAL, "config.json: '%s%s%s' is required",
					path, *path ? "." : "", key);
		return 0;
	}
	if (want_type(v, is_string, path, key, "a string", e))
		return -1;
	*out = strdup(json_string_value(v));
	return *out ? 0 : cpt_fail(e, ENOMEM, "out of memory");
}

static int get_bool(json_t *obj, const char *path, const char *key, bool *out,
		    struct compart_error *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (want_type(v, is_bool, path, key, "a boolean", e))
		return -1;
	*out = json_is_true(v);
	return 0;
}

/* Integer in [min, max]; *has tells whether it was present. */
static int get_int(json_t *obj, const char *path, const char *key, int64_t min,
		   int64_t max, bool *has, int64_t *out, struct compart_error *e)
{
	json_t *v = json_object_get(obj, key);
	json_int_t x;

	if (has)
		*has = false;
	if (!v)
		return 0;
	if (want_type(v, is_int, path, key, "an integer", e))
		return -1;
	x = json_integer_value(v);
	if (x < min || x > max)
		return cpt_fail(e, ERANGE,
				"config.json: '%s%s%s' = %lld is impossible (allowed %lld..%lld)",
				path, *path ? "." : "", key, (long long)x,
				(long long)min, (long long)max);
	*out = x;
	if (has)
		*has = true;
	return 0;
}

static void strv_free(char **v);

/* Array of strings -> NULL-terminated vector. On failure *out is NULL and
 * nothing stays allocated: callers keep it in a local (a mount's options)
 * as well as in the config. */
static int get_strv(json_t *obj, const char *path, const char *key, char ***out,
		    struct compart_error *e)
{
	json_t *v = json_object_get(obj, key), *s;
	size_t i;

	if (!v)
		return 0;
	if (want_type(v, is_array, path, key, "an array of strings", e))
		return -1;
	*out = calloc(json_array_size(v) + 1, sizeof(char *));
	if (!*out)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(v, i, s) {
		if (!json_is_string(s))
			cpt_fail(e, EINVAL, "config.json: '%s.%s[%zu]' must be a string", path, key, i);
		else if (!((*out)[i] = strdup(json_string_value(s))))
			cpt_fail(e, ENOMEM, "out of memory");
		else
			continue;
		strv_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

/* ---------------------------------------------------------------- root */

static int parse_root(struct compart_config *c, json_t *root, struct compart_error *e)
{
	static const char *const keys[] = { "path", "readonly", NULL };
	char *path = NULL;
	struct stat st;
	int n;

	if (!root)
		return cpt_fail(e, EINVAL, "config.json: 'root' is required");
	if (check_keys(root, "root", keys, e) || get_str(root, "root", "path", true, &path, e) ||
	    get_bool(root, "root", "readonly", &c->readonly_root, e)) {
		free(path);
		return -1;
	}
	if (path[0] == '/') {
		c->rootfs = path;
	} else {
		n = asprintf(&c->rootfs, "%s/%s", c->bundle, path);
		free(path);
		if (n < 0)
			return cpt_fail(e, ENOMEM, "out of memory");
	}
	if (stat(c->rootfs, &st) < 0)
		return cpt_fail(e, errno, "root.path '%s': %s", c->rootfs, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return cpt_fail(e, ENOTDIR, "root.path '%s' is not a directory", c->rootfs);
	return 0;
}

/* -------------------------------------------------------------- process */

static int parse_user(struct compart_config *c, json_t *u, struct compart_error *e)
{
	static const char *const keys[] = { "uid", "gid", "additionalGids", "umask", NULL };
	json_t *g, *x;
	int64_t v;
	bool has;
	size_t i;

	if (!u)
		return 0;
	if (check_keys(u, "process.user", keys, e))
		return -1;
	if (get_int(u, "process.user", "uid", 0, UINT32_MAX - 1, NULL, &v, e))
		return -1;
	c->uid = json_object_get(u, "uid") ? (uint32_t)v : 0;
	if (get_int(u, "process.user", "gid", 0, UINT32_MAX - 1, NULL, &v, e))
		return -1;
	c->gid = json_object_get(u, "gid") ? (uint32_t)v : 0;
	if (get_int(u, "process.user", "umask", 0, 0777, &has, &v, e))
		return -1;
	c->has_umask = has;
	c->umask = (mode_t)v;
	g = json_object_get(u, "additionalGids");
	if (!g)
		return 0;
	if (want_type(g, is_array, "process.user", "additionalGids", "an array", e))
		return -1;
	c->groups = calloc(json_array_size(g) + 1, sizeof(gid_t));
	if (!c->groups)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(g, i, x) {
		if (!json_is_integer(x) || json_integer_value(x) < 0 ||
		    json_integer_value(x) >= UINT32_MAX)
			return cpt_fail(e, EINVAL,
					"config.json: 'process.user.additionalGids[%zu]' must be a gid", i);
		c->groups[c->n_groups++] = (gid_t)json_integer_value(x);
	}
	return 0;
}

static int parse_capset(json_t *arr, const char *path, uint64_t *mask,
			struct compart_error *e)
{
	json_t *x;
	size_t i;

	if (!json_is_array(arr))
		return cpt_fail(e, EINVAL, "config.json: '%s' must be an array", path);
	*mask = 0;
	json_array_foreach(arr, i, x) {
		cap_value_t cap;

		if (!json_is_string(x) || cap_from_name(json_string_value(x), &cap) < 0 ||
		    strncmp(json_string_value(x), "CAP_", 4))
			return cpt_fail(e, EINVAL, "config.json: '%s[%zu]' is not a capability name",
					path, i);
		if (cap > 63 || !CAP_IS_SUPPORTED(cap))
			return cpt_fail(e, ENOTSUP, "config.json: '%s[%zu]' %s is unknown to this kernel",
					path, i, json_string_value(x));
		*mask |= 1ull << cap;
	}
	return 0;
}

/* OCI's default set (runtime-spec's example config and `runc spec`). */
static const int default_caps[] = { CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE };

static int parse_caps(struct compart_config *c, json_t *caps, struct compart_error *e)
{
	static const char *const keys[] = { "bounding", "effective", "inheritable",
					    "permitted", "ambient", NULL };
	char path[64];
	int i;

	if (!caps) {
		uint64_t m = 0;

		for (i = 0; i < (int)(sizeof(default_caps) / sizeof(default_caps[0])); i++)
			m |= 1ull << default_caps[i];
		c->caps[CPT_CAP_BOUNDING] = c->caps[CPT_CAP_EFFECTIVE] = m;
		c->caps[CPT_CAP_PERMITTED] = m;
		return 0;
	}
	if (check_keys(caps, "process.capabilities", keys, e))
		return -1;
	for (i = 0; i < CPT_CAP_SETS; i++) {
		json_t *a = json_object_get(caps, keys[i]);

		if (!a)
			continue;
		snprintf(path, sizeof(path), "process.capabilities.%s", keys[i]);
		if (parse_capset(a, path, &c->caps[i], e))
			return -1;
	}
	return 0;
}

static const struct { const char *name; int res; } rlimit_names[] = {
	{ "RLIMIT_AS", RLIMIT_AS }, { "RLIMIT_CORE", RLIMIT_CORE },
	{ "RLIMIT_CPU", RLIMIT_CPU }, { "RLIMIT_DATA", RLIMIT_DATA },
	{ "RLIMIT_FSIZE", RLIMIT_FSIZE }, { "RLIMIT_LOCKS", RLIMIT_LOCKS },
	{ "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK }, { "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE },
	{ "RLIMIT_NICE", RLIMIT_NICE }, { "RLIMIT_NOFILE", RLIMIT_NOFILE },
	{ "RLIMIT_NPROC", RLIMIT_NPROC }, { "RLIMIT_RSS", RLIMIT_RSS },
	{ "RLIMIT_RTPRIO", RLIMIT_RTPRIO }, { "RLIMIT_RTTIME", RLIMIT_RTTIME },
	{ "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING }, { "RLIMIT_STACK", RLIMIT_STACK },
};

static int parse_rlimits(struct compart_config *c, json_t *arr, struct compart_error *e)
{
	static const char *const keys[] = { "type", "soft", "hard", NULL };
	char path[64];
	json_t *r;
	size_t i, k;

	if (!arr)
		return 0;
	if (want_type(arr, is_array, "process", "rlimits", "an array", e))
		return -1;
	c->rlimits = calloc(json_array_size(arr) + 1, sizeof(*c->rlimits));
	if (!c->rlimits)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(arr, i, r) {
		struct cpt_rlimit *l = &c->rlimits[i];
		char *type = NULL;
		int64_t v;

		snprintf(path, sizeof(path), "process.rlimits[%zu]", i);
		if (check_keys(r, path, keys, e) || get_str(r, path, "type", true, &type, e))
			return -1;
		for (k = 0; k < sizeof(rlimit_names) / sizeof(rlimit_names[0]); k++)
			if (!strcmp(rlimit_names[k].name, type))
				break;
		if (k == sizeof(rlimit_names) / sizeof(rlimit_names[0])) {
			cpt_fail(e, EINVAL, "config.json: '%s.type' unknown rlimit '%s'", path, type);
			free(type);
			return -1;
		}
		free(type);
		l->resource = rlimit_names[k].res;
		if (!json_object_get(r, "soft") || !json_object_get(r, "hard"))
			return cpt_fail(e, EINVAL, "config.json: '%s' needs soft and hard", path);
		if (get_int(r, path, "soft", 0, INT64_MAX, NULL, &v, e))
			return -1;
		l->soft = (uint64_t)v;
		if (get_int(r, path, "hard", 0, INT64_MAX, NULL, &v, e))
			return -1;
		l->hard = (uint64_t)v;
		if (l->soft > l->hard)
			return cpt_fail(e, ERANGE, "config.json: '%s' soft %llu > hard %llu is impossible",
					path, (unsigned long long)l->soft,
					(unsigned long long)l->hard);
		c->n_rlimits++;
	}
	return 0;
}

/* An LSM label (apparmorProfile, selinuxLabel, mountLabel) can only be
 * ignored, with a warning as runc does, where that LSM is absent; where it
 * is present compart cannot apply it, so it is refused. */
static int lsm_label(json_t *obj, const char *path, const char *key, const char *lsm,
		     struct compart_error *e)
{
	json_t *v = json_object_get(obj, key);

	if (!v || (json_is_string(v) && !*json_string_value(v)))
		return 0;
	if (want_type(v, is_string, path, key, "a string", e))
		return -1;
	if (access(lsm, F_OK) == 0)
		return cpt_fail(e, ENOTSUP, "config.json: '%s.%s' is not supported (compart does not apply LSM labels)",
				path, key);
	cpt_warn("config.json: '%s.%s' ignored: the LSM is not enabled on this host", path, key);
	return 0;
}

static int parse_process(struct compart_config *c, json_t *p, struct compart_error *e)
{
	static const char *const keys[] = { "terminal", "user", "args", "env", "cwd",
					    "capabilities", "rlimits", "noNewPrivileges",
					    "oomScoreAdj", "consoleSize", "apparmorProfile",
					    "selinuxLabel", NULL };
	int64_t v;
	bool has;

	if (!p)
		return cpt_fail(e, EINVAL, "config.json: 'process' is required");
	if (check_keys(p, "process", keys, e) ||
	    get_bool(p, "process", "terminal", &c->terminal, e) ||
	    lsm_label(p, "process", "apparmorProfile", "/sys/kernel/security/apparmor", e) ||
	    lsm_label(p, "process", "selinuxLabel", "/sys/fs/selinux/enforce", e))
		return -1;
	if (parse_user(c, json_object_get(p, "user"), e) ||
	    get_strv(p, "process", "args", &c->args, e) ||
	    get_strv(p, "process", "env", &c->env, e) ||
	    get_str(p, "process", "cwd", false, &c->cwd, e) ||
	    parse_caps(c, json_object_get(p, "capabilities"), e) ||
	    parse_rlimits(c, json_object_get(p, "rlimits"), e) ||
	    get_bool(p, "process", "noNewPrivileges", &c->no_new_privs, e) ||
	    get_int(p, "process", "oomScoreAdj", -1000, 1000, &has, &v, e))
		return -1;
	c->has_oom_score_adj = has;
	c->oom_score_adj = (int)v;
	if (!c->args || !c->args[0])
		return cpt_fail(e, EINVAL, "config.json: 'process.args' must not be empty");
	if (c->cwd && c->cwd[0] != '/')
		return cpt_fail(e, EINVAL, "config.json: 'process.cwd' must be absolute");
	if (!c->env) {
		c->env = calloc(1, sizeof(char *));
		if (!c->env)
			return cpt_fail(e, ENOMEM, "out of memory");
	}
	for (char **s = c->env; *s; s++)
		if (!strchr(*s, '='))
			return cpt_fail(e, EINVAL, "config.json: 'process.env' entry '%s' is not KEY=VALUE", *s);
	return 0;
}

/* --------------------------------------------------------------- mounts */

static const struct { const char *name; unsigned long set, clear; } mount_flags[] = {
	{ "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 }, { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 }, { "async", 0, MS_SYNCHRONOUS },
	{ "noatime", MS_NOATIME, 0 }, { "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "diratime", 0, MS_NODIRATIME },
	{ "relatime", MS_RELATIME, 0 }, { "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "bind", MS_BIND, 0 }, { "rbind", MS_BIND | MS_REC, 0 },
};

static const struct { const char *name; unsigned long flag; } mount_prop[] = {
	{ "private", MS_PRIVATE }, { "rprivate", MS_PRIVATE | MS_REC },
	{ "slave", MS_SLAVE }, { "rslave", MS_SLAVE | MS_REC },
	{ "shared", MS_SHARED }, { "rshared", MS_SHARED | MS_REC },
	{ "unbindable", MS_UNBINDABLE }, { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Options that are flags go to mount flags; the rest (mode=, size=, ...) to
 * the filesystem's data string, where the kernel validates them. */
static int mount_option(struct cpt_mount *m, const char *opt, size_t *dlen,
			struct compart_error *e)
{
	size_t k, n = strlen(opt);
	char *d;

	for (k = 0; k < sizeof(mount_flags) / sizeof(mount_flags[0]); k++)
		if (!strcmp(mount_flags[k].name, opt)) {
			m->flags = (m->flags | mount_flags[k].set) & ~mount_flags[k].clear;
			return 0;
		}
	for (k = 0; k < sizeof(mount_prop) / sizeof(mount_prop[0]); k++)
		if (!strcmp(mount_prop[k].name, opt)) {
			m->propagation = mount_prop[k].flag;
			return 0;
		}
	if (!strcmp(opt, "tmpcopyup")) { /* runc/crun: copy what is under a tmpfs into it */
		m->copyup = true;
		return 0;
	}
	if (!strcmp(opt, "remount") || !strcmp(opt, "move"))
		return cpt_fail(e, ENOTSUP, "mount option '%s' is not supported", opt);
	d = realloc(m->data, *dlen + n + 2);
	if (!d)
		return cpt_fail(e, ENOMEM, "out of memory");
	m->data = d;
	if (*dlen)
		d[(*dlen)++] = ',';
	memcpy(d + *dlen, opt, n + 1);
	*dlen += n;
	return 0;
}

static int parse_mount(struct cpt_mount *m, json_t *j, const char *path,
		       struct compart_error *e)
{
	static const char *const keys[] = { "destination", "type", "source", "options", NULL };
	static const char *const types[] = { "proc", "tmpfs", "sysfs", "devpts", "mqueue",
					     "bind", "none", "cgroup", "cgroup2", NULL };
	char **opts = NULL;
	size_t dlen = 0, k;
	int rc = 0;

	if (check_keys(j, path, keys, e) || get_str(j, path, "destination", true, &m->dest, e) ||
	    get_str(j, path, "type", false, &m->type, e) ||
	    get_str(j, path, "source", false, &m->source, e) ||
	    get_strv(j, path, "options", &opts, e))
		return -1;
	if (m->dest[0] != '/' || strstr(m->dest, ".."))
		rc = cpt_fail(e, EINVAL, "config.json: '%s.destination' '%s' must be absolute, without '..'",
			      path, m->dest);
	for (char **o = opts; !rc && o && *o; o++)
		if (mount_option(m, *o, &dlen, e))
			rc = cpt_wrap(e, "config.json: '%s.options'", path);
	strv_free(opts);
	if (rc)
		return -1;
	if (!m->type)
		m->type = strdup(m->flags & MS_BIND ? "bind" : "none");
	for (k = 0; types[k]; k++)
		if (!strcmp(types[k], m->type))
			break;
	if (!types[k])
		return cpt_fail(e, ENOTSUP, "config.json: '%s.type' '%s' is not supported", path, m->type);
	m->bind = (m->flags & MS_BIND) || !strcmp(m->type, "bind");
	m->cgroup = !strcmp(m->type, "cgroup") || !strcmp(m->type, "cgroup2");
	if (m->copyup && strcmp(m->type, "tmpfs"))
		return cpt_fail(e, EINVAL, "config.json: '%s.options' tmpcopyup needs type tmpfs", path);
	if (m->cgroup && m->bind)
		return cpt_fail(e, EINVAL, "config.json: '%s' a cgroup mount cannot be a bind", path);
	if (!strcmp(m->type, "none") && !m->bind)
		return cpt_fail(e, EINVAL, "config.json: '%s' type none needs a bind option", path);
	if (m->bind && (!m->source || m->source[0] != '/'))
		return cpt_fail(e, EINVAL, "config.json: '%s.source' must be an absolute host path", path);
	if ((m->bind || m->cgroup) && m->data)
		return cpt_fail(e, ENOTSUP, "config.json: '%s.options' '%s' is not valid for a bind mount",
				path, m->data);
	return 0;
}

static int parse_mounts(struct compart_config *c, json_t *arr, struct compart_error *e)
{
	char path[32];
	json_t *j;
	size_t i;

	if (!arr)
		return 0;
	if (want_type(arr, is_array, "", "mounts", "an array", e))
		return -1;
	c->mounts = calloc(json_array_size(arr) + 1, sizeof(*c->mounts));
	if (!c->mounts)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(arr, i, j) {
		snprintf(path, sizeof(path), "mounts[%zu]", i);
		c->n_mounts++;
		if (parse_mount(&c->mounts[i], j, path, e))
			return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- linux */

static int parse_namespaces(struct compart_config *c, json_t *arr, struct compart_error *e)
{
	static const char *const keys[] = { "type", "path", NULL };
	char path[40];
	json_t *j;
	size_t i;
	int k;

	if (!arr)
		return cpt_fail(e, EINVAL, "config.json: 'linux.namespaces' is required");
	if (want_type(arr, is_array, "linux", "namespaces", "an array", e))
		return -1;
	json_array_foreach(arr, i, j) {
		char *type = NULL;

		snprintf(path, sizeof(path), "linux.namespaces[%zu]", i);
		if (check_keys(j, path, keys, e) || get_str(j, path, "type", true, &type, e))
			return -1;
		for (k = 0; k < CPT_NS_COUNT; k++)
			if (!strcmp(cpt_ns_names[k], type))
				break;
		if (k == CPT_NS_COUNT) {
			cpt_fail(e, ENOTSUP, "config.json: '%s.type' '%s' is not supported", path, type);
			free(type);
			return -1;
		}
		free(type);
		if (c->ns[k])
			return cpt_fail(e, EINVAL, "config.json: '%s' namespace '%s' given twice",
					path, cpt_ns_names[k]);
		c->ns[k] = true;
		if (get_str(j, path, "path", false, &c->ns_path[k], e))
			return -1;
		/* user and pid are entered before the clone in runc (nsexec);
		 * compart clones first, and mount is its own pivot */
		if (c->ns_path[k] && (k == CPT_NS_USER || k == CPT_NS_PID || k == CPT_NS_MOUNT))
			return cpt_fail(e, ENOTSUP,
					"config.json: '%s.path' joining an existing %s namespace is not supported",
					path, cpt_ns_names[k]);
		if (c->ns_path[k] && c->ns_path[k][0] != '/')
			return cpt_fail(e, EINVAL, "config.json: '%s.path' must be absolute", path);
	}
	if (!c->ns[CPT_NS_MOUNT])
		return cpt_fail(e, EINVAL,
				"config.json: 'linux.namespaces' must include 'mount' (compart always pivots into root.path)");
	return 0;
}

static int parse_idmaps(json_t *arr, const char *path, struct cpt_idmap **out,
			size_t *n, struct compart_error *e)
{
	static const char *const keys[] = { "containerID", "hostID", "size", NULL };
	char p[48];
	json_t *j;
	size_t i;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 5)
		return cpt_fail(e, EINVAL, "config.json: '%s' must be an array of 1..5 mappings", path);
	*out = calloc(json_array_size(arr), sizeof(**out));
	if (!*out)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(arr, i, j) {
		int64_t cid, hid, size;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (check_keys(j, p, keys, e))
			return -1;
		if (!json_object_get(j, "containerID") || !json_object_get(j, "hostID") ||
		    !json_object_get(j, "size"))
			return cpt_fail(e, EINVAL, "config.json: '%s' needs containerID, hostID and size", p);
		if (get_int(j, p, "containerID", 0, UINT32_MAX - 1, NULL, &cid, e) ||
		    get_int(j, p, "hostID", 0, UINT32_MAX - 1, NULL, &hid, e) ||
		    get_int(j, p, "size", 1, UINT32_MAX, NULL, &size, e))
			return -1;
		(*out)[i] = (struct cpt_idmap){ (uint32_t)cid, (uint32_t)hid, (uint32_t)size };
		(*n)++;
	}
	return 0;
}

/* "0-1,3": every CPU must exist, or the cpuset write would fail later with
 * a bare EINVAL. */
static int check_cpu_list(const char *s, const char *path, long max, struct compart_error *e)
{
	const char *p = s;

	if (!*p)
		return cpt_fail(e, EINVAL, "config.json: '%s' is empty", path);
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b;

		if (end == p || a < 0)
			goto bad;
		b = a;
		if (*end == '-') {
			p = end + 1;
			b = strtol(p, &end, 10);
			if (end == p || b < a)
				goto bad;
		}
		if (b >= max)
			return cpt_fail(e, ERANGE, "config.json: '%s' = '%s' is impossible: CPU/node %ld does not exist",
					path, s, b);
		if (*end == ',')
			end++;
		else if (*end)
			goto bad;
		p = end;
	}
	return 0;
bad:
	return cpt_fail(e, EINVAL, "config.json: '%s' = '%s' is not a list like 0-1,3", path, s);
}

/* "c", "b" or "a" (any); an absent type is "a" (config-linux.md
 * "Allowed Device List"). */
static int dev_type(json_t *j, const char *path, const char *allowed, char *out,
		    struct compart_error *e)
{
	char *t = NULL;

	if (get_str(j, path, "type", false, &t, e))
		return -1;
	*out = t ? t[0] : allowed[0];
	if (t && (strlen(t) != 1 || !strchr(allowed, t[0]))) {
		cpt_fail(e, EINVAL, "config.json: '%s.type' '%s' is not one of '%s'", path, t, allowed);
		free(t);
		return -1;
	}
	free(t);
	return 0;
}

static int parse_devrules(struct compart_config *c, json_t *arr, struct compart_error *e)
{
	static const char *const keys[] = { "allow", "type", "major", "minor", "access", NULL };
	char path[48];
	json_t *j;
	size_t i;

	if (!arr)
		return 0;
	if (want_type(arr, is_array, "linux.resources", "devices", "an array", e))
		return -1;
	c->devrules = calloc(json_array_size(arr) + 1, sizeof(*c->devrules));
	if (!c->devrules)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(arr, i, j) {
		struct cpt_devrule *r = &c->devrules[i];
		char *acc = NULL;
		bool has;

		snprintf(path, sizeof(path), "linux.resources.devices[%zu]", i);
		if (check_keys(j, path, keys, e) || dev_type(j, path, "acb", &r->type, e))
			return -1;
		if (!json_is_boolean(json_object_get(j, "allow")))
			return cpt_fail(e, EINVAL, "config.json: '%s.allow' is required (a boolean)", path);
		r->allow = json_is_true(json_object_get(j, "allow"));
		if (get_int(j, path, "major", -1, UINT32_MAX, &has, &r->major, e))
			return -1;
		if (!has)
			r->major = -1;
		if (get_int(j, path, "minor", -1, UINT32_MAX, &has, &r->minor, e))
			return -1;
		if (!has)
			r->minor = -1;
		if (get_str(j, path, "access", false, &acc, e))
			return -1;
		snprintf(r->access, sizeof(r->access), "%s", acc ? acc : "rwm");
		if (acc && (strlen(acc) > 3 || strspn(acc, "rwm") != strlen(acc) || !*acc)) {
			cpt_fail(e, EINVAL, "config.json: '%s.access' '%s' is not a subset of rwm", path, acc);
			free(acc);
			return -1;
		}
		free(acc);
		c->n_devrules++;
	}
	return 0;
}

/* linux.resources.blockIO: weight, weightDevice, throttle*Device */
static int parse_blkio(struct compart_config *c, json_t *b, struct compart_error *e)
{
	static const char *const keys[] = { "weight", "weightDevice", "throttleReadBpsDevice",
					    "throttleWriteBpsDevice", "throttleReadIOPSDevice",
					    "throttleWriteIOPSDevice", NULL };
	static const char *const dkeys[] = { "major", "minor", "weight", "rate", "leafWeight", NULL };
	const char *P = "linux.resources.blockIO";
	size_t total = 0;
	char path[96];

	if (!b)
		return 0;
	if (check_keys(b, P, keys, e) ||
	    get_int(b, P, "weight", 10, 1000, &c->has_blkio_weight, &c->blkio_weight, e))
		return -1;
	for (int k = 1; keys[k]; k++) {
		json_t *a = json_object_get(b, keys[k]);

		if (a && want_type(a, is_array, P, keys[k], "an array", e))
			return -1;
		total += a ? json_array_size(a) : 0;
	}
	c->blkdevs = calloc(total + 1, sizeof(*c->blkdevs));
	if (!c->blkdevs)
		return cpt_fail(e, ENOMEM, "out of memory");
	for (int k = 1; keys[k]; k++) {
		json_t *a = json_object_get(b, keys[k]), *j;
		size_t i;

		json_array_foreach(a, i, j) {
			struct cpt_blkdev *d = &c->blkdevs[c->n_blkdevs];
			const char *vk = k == 1 ? "weight" : "rate";
			json_t *lw;
			int64_t v;

			snprintf(path, sizeof(path), "%s.%s[%zu]", P, keys[k], i);
			if (check_keys(j, path, dkeys, e) ||
			    get_int(j, path, "major", 0, UINT32_MAX, NULL, &d->major, e) ||
			    get_int(j, path, "minor", 0, UINT32_MAX, NULL, &d->minor, e) ||
			    get_int(j, path, vk, k == 1 ? 10 : 0, k == 1 ? 1000 : INT64_MAX, NULL, &v, e))
				return -1;
			if (!json_object_get(j, "major") || !json_object_get(j, "minor") ||
			    !json_object_get(j, vk))
				return cpt_fail(e, EINVAL, "config.json: '%s' needs major, minor and %s", path, vk);
			lw = json_object_get(j, "leafWeight");
			if (lw && !json_is_null(lw))
				return cpt_fail(e, ENOTSUP, "config.json: unsupported field '%s.leafWeight'", path);
			d->kind = (enum cpt_blk_kind)(k - 1);
			d->value = (uint64_t)v;
			c->n_blkdevs++;
		}
	}
	return 0;
}

static int parse_resources(struct compart_config *c, json_t *r, struct compart_error *e)
{
	static const char *const keys[] = { "memory", "cpu", "pids", "devices", "blockIO", NULL };
	static const char *const mkeys[] = { "limit", "swap", "reservation", NULL };
	static const char *const ckeys[] = { "shares", "quota", "period", "cpus", "mems", NULL };
	static const char *const pkeys[] = { "limit", NULL };
	const char *P = "linux.resources";
	json_t *m, *cpu, *p;
	int64_t v;

	if (!r)
		return 0;
	if (check_keys(r, P, keys, e))
		return -1;
	m = json_object_get(r, "memory");
	if (m) {
		if (check_keys(m, "linux.resources.memory", mkeys, e) ||
		    get_int(m, "linux.resources.memory", "limit", -1, INT64_MAX, &c->has_mem_limit,
			    &c->mem_limit, e) ||
		    get_int(m, "linux.resources.memory", "swap", -1, INT64_MAX, &c->has_mem_swap,
			    &c->mem_swap, e) ||
		    get_int(m, "linux.resources.memory", "reservation", -1, INT64_MAX,
			    &c->has_mem_reservation, &c->mem_reservation, e))
			return -1;
		/* below one MiB not even the container's init fits: refuse. */
		if (c->has_mem_limit && c->mem_limit != -1 && c->mem_limit < (1 << 20))
			return cpt_fail(e, ERANGE,
					"config.json: 'linux.resources.memory.limit' = %lld is impossible (min 1048576, or -1)",
					(long long)c->mem_limit);
		if (c->has_mem_swap && c->mem_swap != -1 &&
		    (!c->has_mem_limit || c->mem_limit == -1 || c->mem_swap < c->mem_limit))
			return cpt_fail(e, ERANGE,
					"config.json: 'linux.resources.memory.swap' (memory+swap) must be -1 or >= memory.limit");
	}
	cpu = json_object_get(r, "cpu");
	if (cpu) {
		const char *C = "linux.resources.cpu";

		if (check_keys(cpu, C, ckeys, e) ||
		    get_int(cpu, C, "shares", 2, 262144, &c->has_cpu_shares, &v, e))
			return -1;
		c->cpu_shares = (uint64_t)v;
		if (get_int(cpu, C, "quota", -1, INT64_MAX / 2, &c->has_cpu_quota, &c->cpu_quota, e) ||
		    get_int(cpu, C, "period", 1000, 1000000, &c->has_cpu_period, &v, e))
			return -1;
		c->cpu_period = (uint64_t)v;
		if (c->has_cpu_quota && c->cpu_quota != -1 && c->cpu_quota < 1000)
			return cpt_fail(e, ERANGE,
					"config.json: 'linux.resources.cpu.quota' = %lld is impossible (min 1000 us, or -1)",
					(long long)c->cpu_quota);
		if (get_str(cpu, C, "cpus", false, &c->cpus, e) ||
		    get_str(cpu, C, "mems", false, &c->mems, e))
			return -1;
		if (c->cpus && check_cpu_list(c->cpus, "linux.resources.cpu.cpus",
					      sysconf(_SC_NPROCESSORS_CONF), e))
			return -1;
		if (c->mems && check_cpu_list(c->mems, "linux.resources.cpu.mems", 1024, e))
			return -1;
	}
	if (parse_devrules(c, json_object_get(r, "devices"), e) ||
	    parse_blkio(c, json_object_get(r, "blockIO"), e))
		return -1;
	p = json_object_get(r, "pids");
	if (p) {
		if (check_keys(p, "linux.resources.pids", pkeys, e) ||
		    get_int(p, "linux.resources.pids", "limit", -1, INT32_MAX, &c->has_pids_limit,
			    &c->pids_limit, e))
			return -1;
		if (c->has_pids_limit && c->pids_limit == 0)
			return cpt_fail(e, ERANGE,
					"config.json: 'linux.resources.pids.limit' = 0 is impossible (the init could not run; -1 = unlimited)");
	}
	return 0;
}

static const struct { const char *name; uint32_t act; } sc_actions[] = {
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(EPERM) },
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG },
};

static const struct { const char *name; int op; } sc_ops[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE }, { "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* An action name plus an optional errno (errnoRet / defaultErrnoRet). */
static int sc_action(json_t *obj, const char *path, const char *akey, const char *ekey,
		     uint32_t *out, struct compart_error *e)
{
	char *name = NULL;
	int64_t eno;
	bool has_eno;
	size_t k;

	if (get_str(obj, path, akey, true, &name, e) ||
	    get_int(obj, path, ekey, 1, 4095, &has_eno, &eno, e)) {
		free(name);
		return -1;
	}
	for (k = 0; k < sizeof(sc_actions) / sizeof(sc_actions[0]); k++)
		if (!strcmp(sc_actions[k].name, name))
			break;
	if (k == sizeof(sc_actions) / sizeof(sc_actions[0])) {
		cpt_fail(e, ENOTSUP, "config.json: '%s.%s' '%s' is not supported", path, akey, name);
		free(name);
		return -1;
	}
	free(name);
	*out = sc_actions[k].act;
	if (has_eno) {
		if (*out != SCMP_ACT_ERRNO(EPERM))
			return cpt_fail(e, EINVAL, "config.json: '%s.%s' needs SCMP_ACT_ERRNO", path, ekey);
		*out = SCMP_ACT_ERRNO((uint32_t)eno);
	}
	return 0;
}

static int parse_sc_args(struct cpt_scrule *r, json_t *arr, const char *path,
			 struct compart_error *e)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	char p[96];
	json_t *j;
	size_t i, k;

	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > 6)
		return cpt_fail(e, EINVAL, "config.json: '%s.args' must be an array of at most 6", path);
	json_array_foreach(arr, i, j) {
		struct cpt_scarg *a = &r->args[i];
		char *op = NULL;
		int64_t v;

		snprintf(p, sizeof(p), "%s.args[%zu]", path, i);
		if (check_keys(j, p, keys, e) || get_int(j, p, "index", 0, 5, NULL, &v, e))
			return -1;
		a->index = (unsigned)v;
		if (get_int(j, p, "value", 0, INT64_MAX, NULL, &v, e))
			return -1;
		a->value = (uint64_t)v;
		v = 0;
		if (get_int(j, p, "valueTwo", 0, INT64_MAX, NULL, &v, e))
			return -1;
		a->value_two = (uint64_t)v;
		if (get_str(j, p, "op", true, &op, e))
			return -1;
		for (k = 0; k < sizeof(sc_ops) / sizeof(sc_ops[0]); k++)
			if (!strcmp(sc_ops[k].name, op))
				break;
		free(op);
		if (k == sizeof(sc_ops) / sizeof(sc_ops[0]))
			return cpt_fail(e, EINVAL, "config.json: '%s.op' is not a SCMP_CMP_* operator", p);
		a->op = sc_ops[k].op;
		r->n_args++;
	}
	return 0;
}

static int parse_seccomp(struct compart_config *c, json_t *s, struct compart_error *e)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",
					    "syscalls", NULL };
	static const char *const rkeys[] = { "names", "action", "errnoRet", "args", NULL };
	const char *P = "linux.seccomp";
	char path[48];
	json_t *arr, *j, *archs, *a;
	size_t i;

	if (!s)
		return 0;
	c->has_seccomp = true;
	if (check_keys(s, P, keys, e) ||
	    sc_action(s, P, "defaultAction", "defaultErrnoRet", &c->sc_default, e))
		return -1;
	/* The native ABI and the two others an x86_64 kernel runs (i386 and
	 * x32): libseccomp translates every rule into each added arch. */
	archs = json_object_get(s, "architectures");
	if (archs && !json_is_array(archs))
		return cpt_fail(e, EINVAL, "config.json: 'linux.seccomp.architectures' must be an array");
	json_array_foreach(archs, i, a) {
		const char *n = json_is_string(a) ? json_string_value(a) : "";

		if (!strcmp(n, "SCMP_ARCH_X86_64"))
			continue;
		if (strcmp(n, "SCMP_ARCH_X86") && strcmp(n, "SCMP_ARCH_X32"))
			return cpt_fail(e, ENOTSUP,
					"config.json: 'linux.seccomp.architectures[%zu]' is not supported (SCMP_ARCH_X86_64, SCMP_ARCH_X86, SCMP_ARCH_X32)",
					i);
		if (c->n_sc_archs < 4)
			c->sc_archs[c->n_sc_archs++] = strcmp(n, "SCMP_ARCH_X86") ? SCMP_ARCH_X32 : SCMP_ARCH_X86;
	}
	arr = json_object_get(s, "syscalls");
	if (!arr)
		return 0;
	if (want_type(arr, is_array, P, "syscalls", "an array", e))
		return -1;
	c->sc_rules = calloc(json_array_size(arr) + 1, sizeof(*c->sc_rules));
	if (!c->sc_rules)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(arr, i, j) {
		struct cpt_scrule *r = &c->sc_rules[i];

		snprintf(path, sizeof(path), "linux.seccomp.syscalls[%zu]", i);
		c->n_sc_rules++;
		if (check_keys(j, path, rkeys, e) || get_strv(j, path, "names", &r->names, e) ||
		    sc_action(j, path, "action", "errnoRet", &r->action, e) ||
		    parse_sc_args(r, json_object_get(j, "args"), path, e))
			return -1;
		if (!r->names || !r->names[0])
			return cpt_fail(e, EINVAL, "config.json: '%s.names' must not be empty", path);
		for (char **n = r->names; *n; n++, r->n_names++)
			if (seccomp_syscall_resolve_name(*n) == __NR_SCMP_ERROR)
				return cpt_fail(e, EINVAL, "config.json: '%s.names' unknown syscall '%s'",
						path, *n);
	}
	return 0;
}

static int parse_sysctl(struct compart_config *c, json_t *obj, struct compart_error *e)
{
	const char *k;
	json_t *v;

	if (!obj)
		return 0;
	if (want_type(obj, is_object, "linux", "sysctl", "an object", e))
		return -1;
	c->sysctls = calloc(json_object_size(obj) + 1, sizeof(*c->sysctls));
	if (!c->sysctls)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_object_foreach(obj, k, v) {
		struct cpt_sysctl *s = &c->sysctls[c->n_sysctls];

		if (!json_is_string(v))
			return cpt_fail(e, EINVAL, "config.json: 'linux.sysctl.%s' must be a string", k);
		if (!*k || strstr(k, "..") || strchr(k, '/') == k)
			return cpt_fail(e, EINVAL, "config.json: 'linux.sysctl.%s' is not a sysctl name", k);
		s->key = strdup(k);
		s->value = strdup(json_string_value(v));
		c->n_sysctls++;
		if (!s->key || !s->value)
			return cpt_fail(e, ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_devices(struct compart_config *c, json_t *arr, struct compart_error *e)
{
	static const char *const keys[] = { "path", "type", "major", "minor", "fileMode",
					    "uid", "gid", NULL };
	char path[40];
	json_t *j;
	size_t i;

	if (!arr)
		return 0;
	if (want_type(arr, is_array, "linux", "devices", "an array", e))
		return -1;
	c->devices = calloc(json_array_size(arr) + 1, sizeof(*c->devices));
	if (!c->devices)
		return cpt_fail(e, ENOMEM, "out of memory");
	json_array_foreach(arr, i, j) {
		struct cpt_device *d = &c->devices[i];
		int64_t v;

		snprintf(path, sizeof(path), "linux.devices[%zu]", i);
		c->n_devices++;
		if (check_keys(j, path, keys, e) || get_str(j, path, "path", true, &d->path, e))
			return -1;
		if (!json_object_get(j, "type"))
			return cpt_fail(e, EINVAL, "config.json: '%s.type' is required", path);
		if (dev_type(j, path, "cbup", &d->type, e) ||
		    get_int(j, path, "major", 0, UINT32_MAX, NULL, &d->major, e) ||
		    get_int(j, path, "minor", 0, UINT32_MAX, NULL, &d->minor, e) ||
		    get_int(j, path, "fileMode", 0, 0177777, &d->has_mode, &v, e))
			return -1;
		/* clients send a Go os.FileMode with the type bits (podman:
		 * 020600 for a char device); the type comes from "type" */
		d->mode = (uint32_t)v & 07777;
		if (get_int(j, path, "uid", 0, UINT32_MAX - 1, &d->has_uid, &v, e))
			return -1;
		d->uid = (uint32_t)v;
		if (get_int(j, path, "gid", 0, UINT32_MAX - 1, &d->has_gid, &v, e))
			return -1;
		d->gid = (uint32_t)v;
		if (strncmp(d->path, "/dev/", 5) || strstr(d->path, ".."))
			return cpt_fail(e, EINVAL, "config.json: '%s.path' '%s' must be below /dev, without '..'",
					path, d->path);
		if (d->type != 'p' && (!json_object_get(j, "major") || !json_object_get(j, "minor")))
			return cpt_fail(e, EINVAL, "config.json: '%s' needs major and minor", path);
	}
	return 0;
}

static int parse_propagation(struct compart_config *c, json_t *l, struct compart_error *e)
{
	char *p = NULL;
	size_t k;

	if (get_str(l, "linux", "rootfsPropagation", false, &p, e))
		return -1;
	if (!p)
		return 0;
	for (k = 0; k < sizeof(mount_prop) / sizeof(mount_prop[0]); k++)
		if (!strcmp(mount_prop[k].name, p))
			break;
	if (k == sizeof(mount_prop) / sizeof(mount_prop[0])) {
		cpt_fail(e, EINVAL, "config.json: 'linux.rootfsPropagation' '%s' is not a propagation", p);
		free(p);
		return -1;
	}
	free(p);
	c->rootfs_propagation = mount_prop[k].flag;
	return 0;
}

static int check_paths(char **v, const char *what, struct compart_error *e)
{
	for (size_t i = 0; v && v[i]; i++)
		if (v[i][0] != '/' || strstr(v[i], ".."))
			return cpt_fail(e, EINVAL, "config.json: '%s[%zu]' must be absolute, without '..'",
					what, i);
	return 0;
}

static int parse_linux(struct compart_config *c, json_t *l, struct compart_error *e)
{
	static const char *const keys[] = { "namespaces", "uidMappings", "gidMappings",
					    "resources", "cgroupsPath", "maskedPaths",
					    "readonlyPaths", "seccomp", "sysctl", "devices",
					    "rootfsPropagation", "mountLabel", NULL };
	char *cgp = NULL;

	if (!l)
		return cpt_fail(e, EINVAL, "config.json: 'linux' is required");
	if (check_keys(l, "linux", keys, e) ||
	    parse_namespaces(c, json_object_get(l, "namespaces"), e) ||
	    parse_idmaps(json_object_get(l, "uidMappings"), "linux.uidMappings", &c->uid_maps,
			 &c->n_uid_maps, e) ||
	    parse_idmaps(json_object_get(l, "gidMappings"), "linux.gidMappings", &c->gid_maps,
			 &c->n_gid_maps, e) ||
	    parse_resources(c, json_object_get(l, "resources"), e) ||
	    get_str(l, "linux", "cgroupsPath", false, &cgp, e) ||
	    get_strv(l, "linux", "maskedPaths", &c->masked, e) ||
	    get_strv(l, "linux", "readonlyPaths", &c->readonly, e) ||
	    parse_seccomp(c, json_object_get(l, "seccomp"), e) ||
	    parse_sysctl(c, json_object_get(l, "sysctl"), e) ||
	    parse_devices(c, json_object_get(l, "devices"), e) ||
	    parse_propagation(c, l, e) ||
	    lsm_label(l, "linux", "mountLabel", "/sys/fs/selinux/enforce", e)) {
		free(cgp);
		return -1;
	}
	if (cgp) {
		const char *s = cgp;

		while (*s == '/')
			s++;
		if (!*s || strstr(s, "..") || strchr(s, ':')) {
			cpt_fail(e, EINVAL,
				 "config.json: 'linux.cgroupsPath' '%s' must be a path below the hierarchy root (systemd slice:prefix:name form is not supported)",
				 cgp);
			free(cgp);
			return -1;
		}
		if (strlen(s) >= CPT_CGROUP_PATH_MAX) {
			cpt_fail(e, E2BIG,
				 "config.json: 'linux.cgroupsPath' is %zu bytes long, more than the %d compart keeps in a container's state",
				 strlen(s), CPT_CGROUP_PATH_MAX - 1);
			free(cgp);
			return -1;
		}
		c->cgroups_path = strdup(s);
		free(cgp);
	}
	if (check_paths(c->masked, "linux.maskedPaths", e) ||
	    check_paths(c->readonly, "linux.readonlyPaths", e))
		return -1;
	if (c->ns[CPT_NS_USER] && (!c->n_uid_maps || !c->n_gid_maps))
		return cpt_fail(e, EINVAL,
				"config.json: a 'user' namespace needs 'linux.uidMappings' and 'linux.gidMappings'");
	if (!c->ns[CPT_NS_USER] && (c->n_uid_maps || c->n_gid_maps))
		return cpt_fail(e, EINVAL,
				"config.json: 'linux.uidMappings' given without a 'user' namespace");
	return 0;
}

/* ---------------------------------------------------------------- top */

static int parse_top(struct compart_config *c, json_t *top, struct compart_error *e)
{
	static const char *const keys[] = { "ociVersion", "root", "process", "hostname",
					    "mounts", "linux", "annotations", "hooks", NULL };
	char *ver = NULL;
	json_t *ann;

	if (check_keys(top, "", keys, e) || get_str(top, "", "ociVersion", true, &ver, e))
		return -1;
	if (strncmp(ver, "1.", 2)) {
		cpt_fail(e, ENOTSUP, "config.json: 'ociVersion' %s is not a 1.x version", ver);
		free(ver);
		return -1;
	}
	free(ver);
	if (parse_root(c, json_object_get(top, "root"), e) ||
	    parse_process(c, json_object_get(top, "process"), e) ||
	    get_str(top, "", "hostname", false, &c->hostname, e) ||
	    parse_mounts(c, json_object_get(top, "mounts"), e) ||
	    parse_linux(c, json_object_get(top, "linux"), e) ||
	    cpt_hooks_parse(json_object_get(top, "hooks"), &c->hooks, e))
		return -1;
	if (c->hostname && !c->ns[CPT_NS_UTS])
		return cpt_fail(e, EINVAL, "config.json: 'hostname' needs a 'uts' namespace");
	ann = json_object_get(top, "annotations");
	if (ann) {
		const char *k;
		json_t *v;

		if (want_type(ann, is_object, "", "annotations", "an object", e))
			return -1;
		json_object_foreach(ann, k, v)
			if (!json_is_string(v))
				return cpt_fail(e, EINVAL, "config.json: 'annotations.%s' must be a string", k);
	}
	c->annotations_json = ann ? json_dumps(ann, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
	if (!c->annotations_json)
		return cpt_fail(e, ENOMEM, "out of memory");
	/* The state keeps them whole (state.json, `compart state`), or not at all. */
	if (strlen(c->annotations_json) >= CPT_ANNOTATIONS_MAX)
		return cpt_fail(e, E2BIG,
				"config.json: 'annotations' take %zu bytes as JSON, more than the %d compart keeps in a container's state",
				strlen(c->annotations_json), CPT_ANNOTATIONS_MAX - 1);
	return 0;
}

int compart_config_parse(const char *text, const char *bundle,
			 struct compart_config **out, struct compart_error *e)
{
	struct compart_config *c;
	json_error_t jerr;
	json_t *top;
	int rc;

	*out = NULL;
	/* REJECT_DUPLICATES: two values for one key is ambiguous, refuse it. */
	top = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!top)
		return cpt_fail(e, EINVAL, "config.json: line %d column %d: %s", jerr.line,
				jerr.column, jerr.text);
	c = calloc(1, sizeof(*c));
	if (!c || !(c->bundle = strdup(bundle))) {
		free(c);
		json_decref(top);
		return cpt_fail(e, ENOMEM, "out of memory");
	}
	rc = json_is_object(top) ? parse_top(c, top, e)
				 : cpt_fail(e, EINVAL, "config.json: top level must be an object");
	json_decref(top);
	if (rc) {
		compart_config_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int compart_config_load(const char *bundle, struct compart_config **out,
			struct compart_error *e)
{
	char abs[PATH_MAX], path[PATH_MAX + 16];
	char *text;
	int rc;

	*out = NULL;
	if (!realpath(bundle, abs))
		return cpt_fail(e, errno, "bundle '%s': %s", bundle, strerror(errno));
	snprintf(path, sizeof(path), "%s/config.json", abs);
	text = cpt_read_all(path, 1 << 20);
	if (!text)
		return cpt_fail(e, errno, "%s: %s", path, strerror(errno));
	rc = compart_config_parse(text, abs, out, e);
	free(text);
	return rc;
}

void compart_config_free(struct compart_config *c)
{
	size_t i;

	if (!c)
		return;
	free(c->bundle);
	free(c->rootfs);
	strv_free(c->args);
	strv_free(c->env);
	free(c->cwd);
	free(c->groups);
	free(c->rlimits);
	free(c->hostname);
	for (i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].dest);
		free(c->mounts[i].type);
		free(c->mounts[i].source);
		free(c->mounts[i].data);
	}
	free(c->mounts);
	free(c->uid_maps);
	free(c->gid_maps);
	free(c->cgroups_path);
	strv_free(c->masked);
	strv_free(c->readonly);
	free(c->cpus);
	free(c->mems);
	for (i = 0; i < c->n_sc_rules; i++)
		strv_free(c->sc_rules[i].names);
	free(c->sc_rules);
	for (i = 0; i < CPT_NS_COUNT; i++)
		free(c->ns_path[i]);
	free(c->devrules);
	free(c->blkdevs);
	for (i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	for (i = 0; i < c->n_sysctls; i++) {
		free(c->sysctls[i].key);
		free(c->sysctls[i].value);
	}
	free(c->sysctls);
	cpt_hooks_free(&c->hooks);
	free(c->annotations_json);
	free(c);
}

static uint32_t map_id(const struct cpt_idmap *m, size_t n, uint32_t id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return m[i].host_id + (id - m[i].container_id);
	return n ? 65534 : id; /* unmapped ids show up as the overflow id */
}

uint32_t cpt_host_uid(const struct compart_config *c, uint32_t id)
{
	return map_id(c->uid_maps, c->n_uid_maps, id);
}

uint32_t cpt_host_gid(const struct compart_config *c, uint32_t id)
{
	return map_id(c->gid_maps, c->n_gid_maps, id);
}
