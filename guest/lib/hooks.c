/* SPDX-License-Identifier: MIT */
/*
 * OCI hooks (runtime-spec config.md "POSIX-platform Hooks"): programs the
 * runtime runs at points of the lifecycle, each given the container's
 * state JSON on stdin, killed after its timeout.
 *
 * Where compart runs them:
 *  - prestart, createRuntime: in `create`, in the runtime's namespaces,
 *    once the container's process is fully set up and waits for start;
 *  - createContainer: at the same point, in the container's namespaces
 *    (the program is opened on the host path first, then run there);
 *  - startContainer: by the container's process after `start`, before its
 *    exec, path resolved inside the container;
 *  - poststart: in `start` once the process was released (a failure is a
 *    warning, as the spec says);
 *  - poststop: in `delete` (a failure is a warning).
 * A failing prestart/createRuntime/createContainer hook fails create.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

const char *const cpt_hook_kinds[CPT_HOOK_KINDS] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static char **strv(json_t *a, const char *path, const char *key, struct compart_error *e)
{
	json_t *x;
	size_t i;
	char **v;

	if (!a)
		return calloc(1, sizeof(char *));
	if (!json_is_array(a)) {
		cpt_fail(e, EINVAL, "config.json: '%s.%s' must be an array of strings", path, key);
		return NULL;
	}
	v = calloc(json_array_size(a) + 1, sizeof(char *));
	if (!v) {
		cpt_fail(e, ENOMEM, "out of memory");
		return NULL;
	}
	json_array_foreach(a, i, x) {
		if (!json_is_string(x) || !(v[i] = strdup(json_string_value(x)))) {
			cpt_fail(e, EINVAL, "config.json: '%s.%s[%zu]' must be a string", path, key, i);
			cpt_hooks_free_strv(v);
			return NULL;
		}
	}
	return v;
}

void cpt_hooks_free_strv(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void cpt_hooks_free(struct cpt_hooks *h)
{
	for (int k = 0; k < CPT_HOOK_KINDS; k++) {
		for (size_t i = 0; i < h->n[k]; i++) {
			free(h->list[k][i].path);
			cpt_hooks_free_strv(h->list[k][i].args);
			cpt_hooks_free_strv(h->list[k][i].env);
		}
		free(h->list[k]);
		h->list[k] = NULL;
		h->n[k] = 0;
	}
}

int cpt_hooks_parse(json_t *obj, struct cpt_hooks *h, struct compart_error *e)
{
	memset(h, 0, sizeof(*h));
	if (!obj)
		return 0;
	if (!json_is_object(obj))
		return cpt_fail(e, EINVAL, "config.json: 'hooks' must be an object");
	for (int k = 0; k < CPT_HOOK_KINDS; k++) {
		json_t *arr = json_object_get(obj, cpt_hook_kinds[k]), *j;
		char path[64];
		size_t i;

		if (!arr)
			continue;
		if (!json_is_array(arr))
			return cpt_fail(e, EINVAL, "config.json: 'hooks.%s' must be an array", cpt_hook_kinds[k]);
		h->list[k] = calloc(json_array_size(arr) + 1, sizeof(struct cpt_hook));
		if (!h->list[k])
			return cpt_fail(e, ENOMEM, "out of memory");
		json_array_foreach(arr, i, j) {
			struct cpt_hook *x = &h->list[k][i];
			json_t *p = json_object_get(j, "path"), *t = json_object_get(j, "timeout");

			snprintf(path, sizeof(path), "hooks.%s[%zu]", cpt_hook_kinds[k], i);
			h->n[k]++;
			if (!json_is_object(j) || !json_is_string(p) || json_string_value(p)[0] != '/')
				return cpt_fail(e, EINVAL, "config.json: '%s.path' must be an absolute path", path);
			if (t && (!json_is_integer(t) || json_integer_value(t) <= 0 ||
				  json_integer_value(t) > 3600))
				return cpt_fail(e, EINVAL, "config.json: '%s.timeout' must be 1..3600 seconds", path);
			x->timeout = t ? (int)json_integer_value(t) : 0;
			x->path = strdup(json_string_value(p));
			x->args = strv(json_object_get(j, "args"), path, "args", e);
			if (!x->args)
				return -1;
			x->env = strv(json_object_get(j, "env"), path, "env", e);
			if (!x->path || !x->env)
				return x->path ? -1 : cpt_fail(e, ENOMEM, "out of memory");
		}
	}
	return 0;
}

int cpt_hooks_load(const char *state_dir, struct cpt_hooks *h, struct compart_error *e)
{
	char path[4200];
	json_error_t jerr;
	json_t *top;
	int rc;

	memset(h, 0, sizeof(*h));
	snprintf(path, sizeof(path), "%s/config.json", state_dir);
	top = json_load_file(path, 0, &jerr);
	if (!top)
		return cpt_fail(e, EIO, "%s: %s", path, jerr.text);
	rc = cpt_hooks_parse(json_object_get(top, "hooks"), h, e);
	json_decref(top);
	return rc;
}

/* Into every namespace of pid that differs from ours (user first: it owns
 * the others; mount last: after it our paths are the container's). */
static int join_namespaces(pid_t pid)
{
	static const char *const ns[] = { "user", "ipc", "uts", "net", "cgroup", "mnt" };
	char path[64], self[64];
	struct stat a, b;

	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		int fd;

		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns[i]);
		snprintf(self, sizeof(self), "/proc/self/ns/%s", ns[i]);
		if (stat(path, &a) < 0 || stat(self, &b) < 0)
			return -1;
		if (a.st_ino == b.st_ino)
			continue;
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || setns(fd, 0) < 0)
			return -1;
		close(fd);
	}
	return 0;
}

/* Wait for pid at most `timeout` seconds (0: no limit), then SIGKILL. */
static int wait_hook(pid_t pid, int timeout, int *status)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	long waited_ms = 0;

	for (;;) {
		pid_t r = waitpid(pid, status, timeout ? WNOHANG : 0);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -1;
		if (r == 0) {
			if (waited_ms >= timeout * 1000L) {
				kill(pid, SIGKILL);
				waitpid(pid, status, 0);
				errno = ETIMEDOUT;
				return -1;
			}
			nanosleep(&ts, NULL);
			waited_ms += 5;
		}
	}
}

int cpt_hooks_run(const struct cpt_hooks *h, int kind, const char *state_json, pid_t ns_pid,
		  struct compart_error *e)
{
	for (size_t i = 0; i < h->n[kind]; i++) {
		const struct cpt_hook *x = &h->list[kind][i];
		char *def[] = { x->path, NULL };
		int in[2], status, exe = -1;
		pid_t pid;

		/* createContainer: the program is found on the host, run inside */
		if (ns_pid > 0 && (exe = open(x->path, O_PATH | O_CLOEXEC)) < 0)
			return cpt_fail(e, errno, "hooks.%s[%zu] %s: %s", cpt_hook_kinds[kind], i,
					x->path, strerror(errno));
		if (pipe2(in, O_CLOEXEC) < 0) {
			if (exe >= 0)
				close(exe);
			return cpt_fail(e, errno, "pipe: %s", strerror(errno));
		}
		pid = fork();
		if (pid == 0) {
			dup2(in[0], 0);
			if (ns_pid > 0 && join_namespaces(ns_pid) < 0)
				_exit(126);
			if (exe >= 0)
				syscall(SYS_execveat, exe, "", x->args[0] ? x->args : def, x->env,
					AT_EMPTY_PATH);
			else
				execve(x->path, x->args[0] ? x->args : def, x->env);
			_exit(127);
		}
		close(in[0]);
		if (exe >= 0)
			close(exe);
		if (pid < 0) {
			close(in[1]);
			return cpt_fail(e, errno, "fork: %s", strerror(errno));
		}
		/* a hook that does not read its stdin must not block us: EPIPE is fine */
		signal(SIGPIPE, SIG_IGN);
		if (write(in[1], state_json, strlen(state_json)) < 0) {
			/* the hook exited early or ignores stdin */
		}
		close(in[1]);
		if (wait_hook(pid, x->timeout, &status) < 0)
			return cpt_fail(e, errno, "hooks.%s[%zu] %s: %s", cpt_hook_kinds[kind], i,
					x->path, errno == ETIMEDOUT ? "timed out" : strerror(errno));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			return cpt_fail(e, ECANCELED, "hooks.%s[%zu] %s failed (%s %d)",
					cpt_hook_kinds[kind], i, x->path,
					WIFEXITED(status) ? "exit status" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	}
	return 0;
}
