/* SPDX-License-Identifier: MIT */
/* exec: a process into a running container (runc exec's options). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

/* The config an exec runs with: the container's saved config.json, its
 * "process" replaced by the --process file's, or its args by argv. */
static int exec_config(const char *dir, const struct cpt_state *st, char *const argv[],
		       const struct compart_exec_opts *o, struct compart_config **out,
		       struct compart_error *e)
{
	char path[4200], *text, *full;
	json_t *top, *proc;
	json_error_t jerr;
	int rc;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/config.json", dir);
	text = cpt_read_all(path, 1 << 20);
	if (!text)
		return cpt_fail(e, errno, "%s: %s", path, strerror(errno));
	top = json_loads(text, 0, &jerr);
	free(text);
	if (!top)
		return cpt_fail(e, EIO, "%s: %s", path, jerr.text);
	if (o->process) {
		proc = json_load_file(o->process, 0, &jerr);
		if (!proc || !json_is_object(proc)) {
			json_decref(top);
			json_decref(proc);
			return cpt_fail(e, EINVAL, "exec --process %s: line %d: %s", o->process,
					jerr.line, proc ? "not an object" : jerr.text);
		}
		json_object_set_new(top, "process", proc);
	} else {
		json_t *args = json_array();

		for (size_t i = 0; argv[i]; i++)
			json_array_append_new(args, json_string(argv[i]));
		proc = json_object_get(top, "process");
		json_object_set_new(proc, "args", args);
		json_object_set_new(proc, "terminal", json_boolean(o->tty));
	}
	full = json_dumps(top, JSON_COMPACT);
	json_decref(top);
	if (!full)
		return cpt_fail(e, ENOMEM, "out of memory");
	rc = compart_config_parse(full, st->pub.bundle, out, e);
	free(full);
	if (rc)
		return cpt_wrap(e, o->process ? "exec --process %s" : "exec%s", o->process ? o->process : "");
	return 0;
}

/* In the forked helper: join the container's cgroup and namespaces (user
 * first: the others are owned by it), then fork once more so the program
 * is inside the pid namespace (setns(2) on a pid ns affects children).
 * The helper tells the caller the program's pid, then (detached) exits,
 * leaving it to our caller's subreaper, or waits and dies the same way. */
static __attribute__((noreturn)) void exec_helper(const struct cpt_state *st,
						  const struct compart_config *c, int fds[],
						  const struct cpt_init_args *a, bool detach, int res)
{
	struct compart_error e = { 0, "" };
	struct rlimit no_core = { 0, 0 };
	int status;
	pid_t pid;

	if (cpt_cgroup_attach(&st->cg, getpid(), &e))
		goto fail;
	for (int i = 0; i < CPT_NS_COUNT; i++)
		if (fds[i] >= 0 && setns(fds[i], cpt_ns_flags[i]) < 0) {
			cpt_fail(&e, errno, "joining the %s namespace: %s", cpt_ns_names[i],
				 strerror(errno));
			goto fail;
		}
	pid = fork();
	if (pid < 0) {
		cpt_fail(&e, errno, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		if (c->ns[CPT_NS_USER] && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
			cpt_fail(&e, errno, "user namespace root: %s", strerror(errno));
		else if ((a->console_fd < 0 || cpt_setup_console(a->console_fd, &e) == 0) &&
			 cpt_pass_fds(a->preserve_fds, &e) == 0 && cpt_finalize_process(c, &e) == 0)
			cpt_exec(c, c->args, &e);
		if (write(res, &e, sizeof(e)) != sizeof(e))
			_exit(126);
		_exit(126);
	}
	if (write(res, &pid, sizeof(pid)) != sizeof(pid))
		_exit(126);
	close(res);
	if (detach)
		_exit(0);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		/* die the same way, without a core of the helper */
		setrlimit(RLIMIT_CORE, &no_core);
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
fail:
	pid = 0;
	if (write(res, &pid, sizeof(pid)) != sizeof(pid) || write(res, &e, sizeof(e)) != sizeof(e))
		_exit(126);
	_exit(126);
}

int compart_exec(const char *root, const char *id, char *const argv[],
		 const struct compart_exec_opts *o, struct compart_exit *ex,
		 struct compart_error *e)
{
	static const struct compart_exec_opts none;
	struct cpt_init_args a = { -1, -1, -1, 0, false };
	struct compart_config *c = NULL;
	struct compart_error msg;
	struct cpt_state st;
	char dir[4096], path[4200];
	int fds[CPT_NS_COUNT], res[2], status, rc = -1;
	pid_t pid, child = 0;

	if (!o)
		o = &none;
	ex->status = 0;
	ex->signal = 0;
	ex->oom_kills = -1;
	if (!o->process && (!argv || !argv[0]))
		return cpt_fail(e, EINVAL, "exec: no command given");
	if (cpt_state_read(root, id, &st, e) || cpt_state_dir(root, id, dir, sizeof(dir), e))
		return -1;
	if (st.pub.status != COMPART_RUNNING && st.pub.status != COMPART_CREATED)
		return cpt_fail(e, ESRCH, "container '%s' is %s", id,
				compart_status_name(st.pub.status));
	if (exec_config(dir, &st, argv, o, &c, e))
		return -1;
	a.preserve_fds = o->preserve_fds;
	for (int i = 0; i < CPT_NS_COUNT; i++)
		fds[i] = -1;
	a.console_fd = cpt_console_for(c, o->console_socket, "exec", e);
	if (a.console_fd == -2)
		goto out;
	for (int i = 0; i < CPT_NS_COUNT; i++) {
		if (!c->ns[i])
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)st.pub.pid, cpt_ns_proc[i]);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			cpt_fail(e, errno, "%s: %s", path, strerror(errno));
			goto out;
		}
	}
	if (pipe2(res, O_CLOEXEC) < 0) {
		cpt_fail(e, errno, "pipe: %s", strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid == 0) {
		close(res[0]);
		exec_helper(&st, c, fds, &a, o->detach, res[1]);
	}
	close(res[1]);
	if (pid < 0) {
		cpt_fail(e, errno, "fork: %s", strerror(errno));
		close(res[0]);
		goto out;
	}
	/* the program's pid, then its error or EOF once it was exec'd */
	if (read(res[0], &child, sizeof(child)) != (ssize_t)sizeof(child))
		child = 0;
	if (read(res[0], &msg, sizeof(msg)) == (ssize_t)sizeof(msg))
		*e = msg;
	else if (!child)
		cpt_fail(e, EIO, "exec: the helper process died");
	else
		rc = cpt_write_pid_file(o->pid_file, child, e);
	close(res[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!o->detach)
		cpt_decode_status(status, ex);
out:
	if (a.console_fd >= 0)
		close(a.console_fd);
	for (int i = 0; i < CPT_NS_COUNT; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	compart_config_free(c);
	return rc;
}

