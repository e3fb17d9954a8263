/* SPDX-License-Identifier: MIT */
/*
 * Per-container state under the state root: ROOT/ID/state.json (compart's
 * own record), ROOT/ID/config.json (the config the container was created
 * with, for exec) and ROOT/ID/exec.fifo (present until `start`).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

const char *cpt_root(const char *root)
{
	static char user_root[512];
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (root && *root)
		return root;
	if (geteuid() == 0)
		return COMPART_DEFAULT_ROOT;
	/* rootless: /run/compart is not ours to write */
	if (xdg && *xdg)
		snprintf(user_root, sizeof(user_root), "%s/compart", xdg);
	else
		snprintf(user_root, sizeof(user_root), "/tmp/compart-%u", (unsigned)geteuid());
	return user_root;
}

int cpt_valid_id(const char *id, struct compart_error *e)
{
	size_t n = id ? strlen(id) : 0;

	if (n == 0 || n > COMPART_ID_MAX)
		return cpt_fail(e, EINVAL, "container id must be 1..%d characters", COMPART_ID_MAX);
	for (size_t i = 0; i < n; i++) {
		char ch = id[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			  (ch >= '0' && ch <= '9') || (i > 0 && strchr("_.-", ch));

		if (!ok)
			return cpt_fail(e, EINVAL, "container id '%s' is invalid (want [A-Za-z0-9][A-Za-z0-9_.-]*)",
					id);
	}
	return 0;
}

int cpt_state_dir(const char *root, const char *id, char *buf, size_t size,
		  struct compart_error *e)
{
	if (cpt_valid_id(id, e))
		return -1;
	if (snprintf(buf, size, "%s/%s", cpt_root(root), id) >= (int)size)
		return cpt_fail(e, ENAMETOOLONG, "state path too long");
	return 0;
}

/* Field 22 of /proc/PID/stat, counted after the ")" that ends comm (which
 * may itself contain spaces and parentheses; proc(5)). 0 if gone. */
unsigned long long cpt_proc_starttime(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (cpt_read_file(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return 0;
	/* after ")": state(3) ppid(4) ... starttime(22) */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (p)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (cpt_read_file(path, buf, sizeof(buf)) < 0 || !(p = strrchr(buf, ')')))
		return 0;
	return p[1] == ' ' ? p[2] : 0;
}

int cpt_state_write(const char *dir, const struct cpt_state *st, struct compart_error *e)
{
	char tmp[4200], path[4200];
	json_t *ann = json_loads(st->annotations, 0, NULL);
	json_t *j = json_pack("{s:s, s:i, s:I, s:s, s:s, s:s, s:s, s:o}",
			      "id", st->pub.id, "pid", (int)st->pub.pid,
			      "starttime", (json_int_t)st->starttime, "bundle", st->pub.bundle,
			      "created", st->pub.created, "cgroup_mode", st->cg.mode,
			      "cgroup_path", st->cg.path, "annotations",
			      ann ? ann : json_object());
	int rc;

	if (!j)
		return cpt_fail(e, ENOMEM, "state: cannot build JSON");
	snprintf(tmp, sizeof(tmp), "%s/state.json.tmp", dir);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	/* write + rename: a reader never sees half a state file */
	rc = json_dump_file(j, tmp, JSON_INDENT(1));
	json_decref(j);
	if (rc < 0 || rename(tmp, path) < 0)
		return cpt_fail(e, errno ? errno : EIO, "writing %s: %s", path, strerror(errno));
	return 0;
}

static void copy_str(char *dst, size_t n, json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	snprintf(dst, n, "%s", s ? s : "");
}

int cpt_state_read(const char *root, const char *id, struct cpt_state *st,
		   struct compart_error *e)
{
	char dir[4096], path[4200];
	json_error_t jerr;
	json_t *j;
	char *ann;

	memset(st, 0, sizeof(*st));
	if (cpt_state_dir(root, id, dir, sizeof(dir), e))
		return -1;
	snprintf(path, sizeof(path), "%s/state.json", dir);
	j = json_load_file(path, 0, &jerr);
	if (!j) {
		if (access(dir, F_OK) < 0)
			return cpt_fail(e, ENOENT, "container '%s' does not exist", id);
		return cpt_fail(e, EIO, "%s: %s", path, jerr.text);
	}
	snprintf(st->pub.id, sizeof(st->pub.id), "%s", id);
	st->pub.pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	st->starttime = (unsigned long long)json_integer_value(json_object_get(j, "starttime"));
	copy_str(st->pub.bundle, sizeof(st->pub.bundle), j, "bundle");
	copy_str(st->pub.created, sizeof(st->pub.created), j, "created");
	copy_str(st->cg.mode, sizeof(st->cg.mode), j, "cgroup_mode");
	copy_str(st->cg.path, sizeof(st->cg.path), j, "cgroup_path");
	ann = json_dumps(json_object_get(j, "annotations"), JSON_COMPACT);
	json_decref(j);
	/* Trimmed, they would no longer be JSON (and the next write of the
	 * state would drop them): compart never writes so many (config.c). */
	if (ann && strlen(ann) >= sizeof(st->annotations)) {
		free(ann);
		return cpt_fail(e, E2BIG, "%s: annotations take more than %zu bytes as JSON", path,
				sizeof(st->annotations) - 1);
	}
	snprintf(st->annotations, sizeof(st->annotations), "%s", ann ? ann : "{}");
	free(ann);
	memcpy(st->pub.cgroup_mode, st->cg.mode, sizeof(st->cg.mode));
	snprintf(st->pub.cgroup_path, sizeof(st->pub.cgroup_path), "%s", st->cg.path);

	/* pid 0: a create that never finished (or crashed): "creating". A pid
	 * whose start time changed was reused by someone else: stopped. */
	if (st->pub.pid == 0) {
		st->pub.status = COMPART_CREATING;
	} else if (cpt_proc_starttime(st->pub.pid) != st->starttime ||
		   proc_state(st->pub.pid) == 'Z' || proc_state(st->pub.pid) == 'X') {
		st->pub.status = COMPART_STOPPED;
	} else {
		snprintf(path, sizeof(path), "%s/exec.fifo", dir);
		st->pub.status = access(path, F_OK) == 0 ? COMPART_CREATED : COMPART_RUNNING;
		if (st->pub.status == COMPART_RUNNING && cpt_cgroup_frozen(&st->cg))
			st->pub.status = COMPART_PAUSED;
	}
	if (st->pub.status == COMPART_STOPPED || st->pub.status == COMPART_CREATING)
		st->pub.pid = 0;
	return 0;
}

void cpt_state_remove(const char *dir)
{
	static const char *const files[] = { "state.json", "state.json.tmp", "config.json",
					     "exec.fifo" };
	char path[4200];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}

const char *compart_status_name(enum compart_status s)
{
	static const char *const names[] = { "creating", "created", "running", "stopped", "paused" };

	return (unsigned)s < 5 ? names[s] : "unknown";
}

int compart_state(const char *root, const char *id, struct compart_state *out,
		  struct compart_error *e)
{
	struct cpt_state st;

	if (cpt_state_read(root, id, &st, e))
		return -1;
	*out = st.pub;
	return 0;
}

/* runtime-spec runtime.md "State": ociVersion, id, status, pid, bundle,
 * annotations. pid is omitted once the container is stopped. */
int compart_state_json(const char *root, const char *id, char **json,
		       struct compart_error *e)
{
	struct cpt_state st;
	json_t *j, *ann;

	if (cpt_state_read(root, id, &st, e))
		return -1;
	ann = json_loads(st.annotations, 0, NULL);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "ociVersion", COMPART_OCI_VERSION,
		      "id", st.pub.id, "status", compart_status_name(st.pub.status), "bundle",
		      st.pub.bundle, "created", st.pub.created, "annotations",
		      ann ? ann : json_object());
	if (j && st.pub.pid)
		json_object_set_new(j, "pid", json_integer(st.pub.pid));
	*json = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!*json)
		return cpt_fail(e, ENOMEM, "state: cannot build JSON");
	return 0;
}

int compart_list(const char *root, struct compart_state **out, size_t *n,
		 struct compart_error *e)
{
	DIR *d = opendir(cpt_root(root));
	struct dirent *de;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (!d) {
		if (errno == ENOENT)
			return 0; /* no container was ever created: empty list */
		return cpt_fail(e, errno, "%s: %s", cpt_root(root), strerror(errno));
	}
	while ((de = readdir(d))) {
		struct compart_error ignore;
		struct cpt_state st;

		if (de->d_name[0] == '.' || cpt_state_read(root, de->d_name, &st, &ignore))
			continue;
		if (*n == cap) {
			struct compart_state *ns = realloc(*out, (cap = cap * 2 + 8) * sizeof(**out));

			if (!ns) {
				closedir(d);
				return cpt_fail(e, ENOMEM, "out of memory");
			}
			*out = ns;
		}
		(*out)[(*n)++] = st.pub;
	}
	closedir(d);
	return 0;
}
