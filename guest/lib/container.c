/* SPDX-License-Identifier: MIT */
/*
 * Container lifecycle (runtime-spec runtime.md "Lifecycle" and
 * "Operations"): create, start, run, kill, delete, ps; exec is exec.c,
 * pause/update update.c, the init's side init.c.
 *
 * Processes involved in `create`:
 *   caller --> compart (CLI) --clone(CLONE_NEW*)--> init (pid 1)
 * There is no monitor, as with runc and crun: compart writes the id maps,
 * puts the init in its cgroup, waits for it to be fully set up, records
 * its pid and exits; the init is then its caller's to reap (conmon and
 * containerd's shim are child subreapers and wait for it; a runtime that
 * stayed its parent would take its exit status from them). `run` is the
 * same with compart waiting.
 *
 * The init talks to its parent over a SOCK_SEQPACKET pair: one byte "go"
 * (maps and cgroup ready), then one struct compart_error ("ready" if err is
 * 0, the reason otherwise) once everything but the exec is done. The
 * socket is close-on-exec, so EOF after "ready" means the user's program
 * was exec'd. Until `start`, the init blocks opening exec.fifo for
 * writing; start opens it for reading.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "internal.h"

static int ns_pids(pid_t init, pid_t **pids, size_t *n, struct compart_error *e);

struct prep {
	struct compart_config *c;
	char dir[4096];
	struct cpt_state st;
	int fifo_fd;
};

/* --------------------------------------------------------- the parent */

static int write_map_text(pid_t pid, const char *file, const char *text,
			  struct compart_error *e)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if (cpt_write_file(path, text) < 0)
		return cpt_fail(e, errno, "writing %s: %s%s", path, strerror(errno),
				errno == EPERM && geteuid() != 0 ?
				" (not root: only your own uid/gid, size 1, can be mapped)" : "");
	return 0;
}

static int write_map(pid_t pid, const char *file, const struct cpt_idmap *m, size_t n,
		     struct compart_error *e)
{
	char buf[256];
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%u %u %u\n",
					m[i].container_id, m[i].host_id, m[i].size);
	return write_map_text(pid, file, buf, e);
}

static int set_oom_score_adj(pid_t pid, int v, struct compart_error *e)
{
	char path[64], buf[16];

	snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
	snprintf(buf, sizeof(buf), "%d", v);
	if (cpt_write_file(path, buf) < 0)
		return cpt_fail(e, errno, "process.oomScoreAdj %d: %s%s", v, strerror(errno),
				errno == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
	return 0;
}

/* Clone the init, feed it maps/cgroup/oom, wait for "ready". */
static int launch(const struct compart_config *c, const struct cpt_cgroup *cg,
		  struct cpt_init_args *a, pid_t *pidp, int *sockp, struct compart_error *e)
{
	struct compart_error msg;
	unsigned long flags = SIGCHLD;
	ssize_t n;
	pid_t pid;
	int sv[2];

	for (int i = 0; i < CPT_NS_COUNT; i++)
		if (c->ns[i] && i != CPT_NS_CGROUP && !c->ns_path[i])
			flags |= (unsigned long)cpt_ns_flags[i];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return cpt_fail(e, errno, "socketpair: %s", strerror(errno));
	/* raw clone with no stack behaves like fork, with namespace flags */
	pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		int err = errno;

		close(sv[0]);
		close(sv[1]);
		return cpt_fail(e, err, "clone with namespaces: %s", strerror(err));
	}
	if (pid == 0) {
		close(sv[0]);
		a->sock = sv[1];
		cpt_init_main(c, a);
	}
	close(sv[1]);
	/* unprivileged gid_map writes need setgroups denied first (5.2 of
	 * user_namespaces(7), "The /proc/[pid]/setgroups file") */
	if (c->ns[CPT_NS_USER] && geteuid() != 0 &&
	    write_map_text(pid, "setgroups", "deny", e))
		goto kill;
	if (c->ns[CPT_NS_USER] &&
	    (write_map(pid, "uid_map", c->uid_maps, c->n_uid_maps, e) ||
	     write_map(pid, "gid_map", c->gid_maps, c->n_gid_maps, e)))
		goto kill;
	if (cpt_cgroup_attach(cg, pid, e))
		goto kill;
	if (c->has_oom_score_adj && set_oom_score_adj(pid, c->oom_score_adj, e))
		goto kill;
	if (send(sv[0], "g", 1, MSG_NOSIGNAL) != 1) {
		cpt_fail(e, errno, "starting the container init: %s", strerror(errno));
		goto kill;
	}
	n = recv(sv[0], &msg, sizeof(msg), 0);
	if (n != (ssize_t)sizeof(msg)) {
		cpt_fail(e, EIO, "the container init died during setup");
		goto kill;
	}
	if (msg.err) {
		*e = msg;
		goto kill;
	}
	*pidp = pid;
	*sockp = sv[0];
	return 0;
kill:
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	close(sv[0]);
	return -1;
}

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -1 : 0;
}

static int save_config(const char *bundle, const char *dir, struct compart_error *e)
{
	char src[4200], dst[4200];
	char *text;
	int rc;

	snprintf(src, sizeof(src), "%s/config.json", bundle);
	snprintf(dst, sizeof(dst), "%s/config.json", dir);
	text = cpt_read_all(src, 1 << 20);
	if (!text)
		return cpt_fail(e, errno, "%s: %s", src, strerror(errno));
	rc = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (rc >= 0) {
		size_t len = strlen(text);

		if (write(rc, text, len) != (ssize_t)len)
			errno = EIO, len = 0;
		close(rc);
		rc = len || !*text ? 0 : -1;
	}
	free(text);
	if (rc < 0)
		return cpt_fail(e, errno, "saving %s: %s", dst, strerror(errno));
	return 0;
}

static void unprepare(struct prep *p)
{
	struct compart_error ignore;

	if (p->fifo_fd >= 0)
		close(p->fifo_fd);
	cpt_cgroup_kill_all(&p->st.cg, SIGKILL, &ignore);
	cpt_cgroup_destroy(&p->st.cg, &ignore);
	cpt_state_remove(p->dir);
	compart_config_free(p->c);
	p->c = NULL;
}

static int make_fifo(struct prep *p, struct compart_error *e)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/exec.fifo", p->dir);
	/* 0622: a container process of any uid can open it for writing */
	if (mkfifo(path, 0622) < 0 || chmod(path, 0622) < 0)
		return cpt_fail(e, errno, "mkfifo %s: %s", path, strerror(errno));
	/* the init opens it as its own root, which is a mapped uid in a user ns */
	if (chown(path, cpt_host_uid(p->c, 0), cpt_host_gid(p->c, 0)) < 0)
		return cpt_fail(e, errno, "chown %s: %s", path, strerror(errno));
	p->fifo_fd = open(path, O_PATH | O_CLOEXEC);
	if (p->fifo_fd < 0)
		return cpt_fail(e, errno, "open %s: %s", path, strerror(errno));
	return 0;
}

/* Everything up to the clone: config, state dir, cgroups. A crash after the
 * first state write leaves a "creating" state that delete --force cleans. */
static int prepare(const char *root, const char *id, const char *bundle, bool fifo,
		   struct prep *p, struct compart_error *e)
{
	struct compart_hv_info hv;
	time_t now = time(NULL);
	struct tm tm;

	memset(p, 0, sizeof(*p));
	p->fifo_fd = -1;
	if (cpt_state_dir(root, id, p->dir, sizeof(p->dir), e))
		return -1;
	if (compart_config_load(bundle ? bundle : ".", &p->c, e))
		return -1;
	/* Rootless: only a user namespace gives an unprivileged user the
	 * capabilities to set up the others (user_namespaces(7)). */
	if (geteuid() != 0 && !p->c->ns[CPT_NS_USER]) {
		cpt_fail(e, EPERM,
			 "not root: config.json needs a 'user' namespace mapping your uid/gid (rootless mode)");
		goto fail_cfg;
	}
	compart_hv_info(&hv);
	if (!p->c->cpus && hv.default_cpuset[0] && !(p->c->cpus = strdup(hv.default_cpuset)))
		goto fail_nomem;
	if (mkdir_p(cpt_root(root), 0711) < 0) {
		cpt_fail(e, errno, "state root %s: %s", cpt_root(root), strerror(errno));
		goto fail_cfg;
	}
	if (mkdir(p->dir, 0711) < 0) {
		if (errno == EEXIST)
			cpt_fail(e, EEXIST, "container '%s' already exists", id);
		else
			cpt_fail(e, errno, "%s: %s", p->dir, strerror(errno));
		goto fail_cfg;
	}
	snprintf(p->st.pub.id, sizeof(p->st.pub.id), "%s", id);
	snprintf(p->st.pub.bundle, sizeof(p->st.pub.bundle), "%s", p->c->bundle);
	gmtime_r(&now, &tm);
	strftime(p->st.pub.created, sizeof(p->st.pub.created), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(p->st.annotations, sizeof(p->st.annotations), "%s", p->c->annotations_json);
	if (cpt_cgroup_init(&p->st.cg, id, p->c, e) ||
	    cpt_state_write(p->dir, &p->st, e) || save_config(p->c->bundle, p->dir, e))
		goto fail_dir;
	if (cpt_cgroup_create(&p->st.cg, p->c, e) || (fifo && make_fifo(p, e)))
		goto fail_all;
	p->c->cgroup_rel = p->st.cg.path;
	return 0;
fail_nomem:
	cpt_fail(e, ENOMEM, "out of memory");
	goto fail_cfg;
fail_all:
	unprepare(p);
	return -1;
fail_dir:
	cpt_state_remove(p->dir);
fail_cfg:
	compart_config_free(p->c);
	return -1;
}

int cpt_write_pid_file(const char *file, pid_t pid, struct compart_error *e)
{
	char tmp[4200], buf[16];
	int fd;

	if (!file)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf) || close(fd) < 0 ||
	    rename(tmp, file) < 0)
		return cpt_fail(e, errno, "pid file %s: %s", file, strerror(errno));
	return 0;
}

static int record_pid(struct prep *p, pid_t pid, const char *pid_file, struct compart_error *e)
{
	p->st.pub.pid = pid;
	p->st.starttime = cpt_proc_starttime(pid);
	return cpt_state_write(p->dir, &p->st, e) || cpt_write_pid_file(pid_file, pid, e) ? -1 : 0;
}

/* --console-socket: connected here, on the host's paths, and inherited
 * by the init (close-on-exec: it is gone once the user's program runs). */
static int console_connect(const char *path, struct compart_error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return cpt_fail(e, ENAMETOOLONG, "console socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return cpt_fail(e, errno, "console socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		cpt_fail(e, errno, "console socket %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The console fd for a terminal process, -1 without a terminal; -2 on error. */
int cpt_console_for(const struct compart_config *c, const char *sock, const char *verb,
		    struct compart_error *e)
{
	int fd;

	if (!c->terminal)
		return -1;
	if (!sock) {
		cpt_fail(e, EINVAL,
			 "process.terminal is set: compart %s needs --console-socket (compart keeps no process to proxy a terminal)",
			 verb);
		return -2;
	}
	fd = console_connect(sock, e);
	return fd < 0 ? -2 : fd;
}

/* prestart and createRuntime here, createContainer in the container's
 * namespaces; the init gets the state for its startContainer hooks. */
static int create_hooks(const char *root, const char *id, const struct compart_config *c,
			pid_t pid, int sock, struct compart_error *e)
{
	const struct cpt_hooks *h = &c->hooks;
	char *state;
	int rc = 0;

	if (!h->n[CPT_HOOK_PRESTART] && !h->n[CPT_HOOK_CREATE_RUNTIME] &&
	    !h->n[CPT_HOOK_CREATE_CONTAINER] && !h->n[CPT_HOOK_START_CONTAINER])
		return 0;
	if (compart_state_json(root, id, &state, e))
		return -1;
	if (cpt_hooks_run(h, CPT_HOOK_PRESTART, state, 0, e) ||
	    cpt_hooks_run(h, CPT_HOOK_CREATE_RUNTIME, state, 0, e) ||
	    cpt_hooks_run(h, CPT_HOOK_CREATE_CONTAINER, state, pid, e))
		rc = -1;
	else if (h->n[CPT_HOOK_START_CONTAINER] &&
		 send(sock, state, strlen(state), MSG_NOSIGNAL) < 0)
		rc = cpt_fail(e, errno, "passing the state to the container: %s", strerror(errno));
	free(state);
	return rc;
}

/* poststart and poststop: a failure is a warning (config.md "Hooks") */
static void late_hooks(const char *root, const char *id, const char *dir, int kind)
{
	struct compart_error e;
	struct cpt_hooks h;
	char *state;

	if (cpt_hooks_load(dir, &h, &e) == 0 && h.n[kind] &&
	    compart_state_json(root, id, &state, &e) == 0) {
		if (cpt_hooks_run(&h, kind, state, 0, &e))
			cpt_warn("%s", e.msg);
		free(state);
	}
	cpt_hooks_free(&h);
}

int compart_create(const char *root, const char *id, const char *bundle,
		   const struct compart_create_opts *o, struct compart_error *e)
{
	static const struct compart_create_opts none;
	struct cpt_init_args a = { -1, -1, -1, 0, true };
	struct prep p;
	pid_t pid;
	int sock;

	if (!o)
		o = &none;
	if (prepare(root, id, bundle, true, &p, e))
		return -1;
	p.c->no_pivot = o->no_pivot;
	a.fifo_fd = p.fifo_fd;
	a.preserve_fds = o->preserve_fds;
	a.new_keyring = !o->no_new_keyring;
	a.console_fd = cpt_console_for(p.c, o->console_socket, "create", e);
	if (a.console_fd == -2)
		goto fail;
	/* No monitor: the init is our child, and once we exit it is our
	 * caller's (conmon and containerd's shim are subreapers that wait for
	 * it; a shell's init reaps it otherwise). */
	if (launch(p.c, &p.st.cg, &a, &pid, &sock, e))
		goto fail;
	if (record_pid(&p, pid, o->pid_file, e) || create_hooks(root, id, p.c, pid, sock, e)) {
		close(sock);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		goto fail;
	}
	close(sock);
	if (a.console_fd >= 0)
		close(a.console_fd);
	close(p.fifo_fd);
	compart_config_free(p.c);
	return 0;
fail:
	if (a.console_fd >= 0)
		close(a.console_fd);
	unprepare(&p);
	return -1;
}

/* ---------------------------------------------------------------- start */

int compart_start(const char *root, const char *id, struct compart_error *e)
{
	struct cpt_state st;
	char dir[4096], path[4200], b;
	struct pollfd pfd;
	int fd;

	if (cpt_state_read(root, id, &st, e) || cpt_state_dir(root, id, dir, sizeof(dir), e))
		return -1;
	if (st.pub.status != COMPART_CREATED)
		return cpt_fail(e, EINVAL, "container '%s' is %s, not created", id,
				compart_status_name(st.pub.status));
	snprintf(path, sizeof(path), "%s/exec.fifo", dir);
	/* O_NONBLOCK: opening never hangs even if the init is already gone */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return cpt_fail(e, errno, "%s: %s", path, strerror(errno));
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	for (int i = 0; i < 100; i++) {
		if (poll(&pfd, 1, 100) > 0 && read(fd, &b, 1) == 1) {
			close(fd);
			unlink(path);
			late_hooks(root, id, dir, CPT_HOOK_POSTSTART);
			return 0;
		}
		if (cpt_proc_starttime(st.pub.pid) != st.starttime)
			break;
	}
	close(fd);
	return cpt_fail(e, ESRCH, "container '%s' did not start (its init is gone or stuck)", id);
}

/* ------------------------------------------------------------------ run */

static volatile sig_atomic_t run_pid;

static void forward_signal(int sig)
{
	if (run_pid > 0)
		kill((pid_t)run_pid, sig);
}

void cpt_decode_status(int status, struct compart_exit *ex)
{
	ex->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	ex->status = ex->signal ? 128 + ex->signal : WEXITSTATUS(status);
}

int compart_run(const char *root, const char *id, const char *bundle,
		const struct compart_create_opts *o, struct compart_exit *ex,
		struct compart_error *e)
{
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	struct sigaction sa = { .sa_handler = forward_signal }, old[6];
	struct compart_error msg, ignore;
	struct prep p;
	pid_t pid;
	int sock, status, rc = 0;

	static const struct compart_create_opts none;
	struct cpt_init_args a = { -1, -1, -1, 0, true };

	if (!o)
		o = &none;
	if (prepare(root, id, bundle, false, &p, e))
		return -1;
	p.c->no_pivot = o->no_pivot;
	a.preserve_fds = o->preserve_fds;
	a.new_keyring = !o->no_new_keyring;
	a.console_fd = cpt_console_for(p.c, o->console_socket, "run", e);
	if (a.console_fd == -2 || launch(p.c, &p.st.cg, &a, &pid, &sock, e)) {
		if (a.console_fd >= 0)
			close(a.console_fd);
		unprepare(&p);
		return -1;
	}
	if (a.console_fd >= 0)
		close(a.console_fd);
	run_pid = pid;
	for (int i = 0; i < 6; i++)
		sigaction(fwd[i], &sa, &old[i]);
	if (record_pid(&p, pid, o->pid_file, e))
		rc = -1;
	/* EOF: exec succeeded; a message: finalize or exec failed */
	if (recv(sock, &msg, sizeof(msg), 0) == (ssize_t)sizeof(msg) && msg.err) {
		*e = msg;
		rc = -1;
	}
	close(sock);
	if (rc)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	run_pid = 0;
	for (int i = 0; i < 6; i++)
		sigaction(fwd[i], &old[i], NULL);
	cpt_decode_status(status, ex);
	ex->oom_kills = cpt_cgroup_oom_kills(&p.st.cg);
	/* without a pid namespace, children may outlive the init: not ours to keep */
	cpt_cgroup_kill_all(&p.st.cg, SIGKILL, &ignore);
	if (cpt_cgroup_destroy(&p.st.cg, rc ? &ignore : e))
		rc = -1;
	cpt_state_remove(p.dir);
	compart_config_free(p.c);
	return rc;
}

/* ------------------------------------------------------- kill / delete */

int compart_signal_parse(const char *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "KILL", SIGKILL },
		{ "USR1", SIGUSR1 }, { "USR2", SIGUSR2 }, { "TERM", SIGTERM }, { "CONT", SIGCONT },
		{ "STOP", SIGSTOP }, { "ALRM", SIGALRM }, { "WINCH", SIGWINCH },
	};
	char *end;
	long n;

	if (!s || !*s)
		return -1;
	n = strtol(s, &end, 10);
	if (!*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (!strncmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(sigs[i].name, s))
			return sigs[i].sig;
	return -1;
}

int compart_kill(const char *root, const char *id, int sig, bool all, struct compart_error *e)
{
	struct cpt_state st;

	if (cpt_state_read(root, id, &st, e))
		return -1;
	/* runc's wording: containerd's shim matches it to treat the container
	 * as already exited */
	if (st.pub.status != COMPART_CREATED && st.pub.status != COMPART_RUNNING &&
	    st.pub.status != COMPART_PAUSED)
		return cpt_fail(e, ESRCH, "container not running");
	if (st.pub.status == COMPART_PAUSED && sig == SIGKILL) {
		/* a frozen task dies only once thawed */
		int rc = all ? cpt_cgroup_kill_all(&st.cg, sig, e) : kill(st.pub.pid, sig);
		struct compart_error ignore;

		cpt_cgroup_freeze(&st.cg, false, &ignore);
		return rc < 0 ? cpt_fail(e, errno, "kill: %s", strerror(errno)) : 0;
	}
	if (all && !strcmp(st.cg.mode, "none")) {
		pid_t *pids;
		size_t n;

		if (ns_pids(st.pub.pid, &pids, &n, e))
			return -1;
		for (size_t i = 0; i < n; i++)
			kill(pids[i], sig);
		free(pids);
		return 0;
	}
	if (all)
		return cpt_cgroup_kill_all(&st.cg, sig, e);
	if (kill(st.pub.pid, sig) < 0)
		return cpt_fail(e, errno, "kill %d: %s", (int)st.pub.pid, strerror(errno));
	return 0;
}

/* SIGKILL until the cgroup is empty (v1 has no atomic cgroup.kill and a
 * forking process can slip between listing and killing). */
static int kill_until_empty(const struct cpt_state *st, struct compart_error *e)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t *pids;
	size_t n;

	if (st->pub.pid > 0)
		kill(st->pub.pid, SIGKILL);
	if (!strcmp(st->cg.mode, "none"))
		return 0;
	for (int i = 0; i < 250; i++) {
		if (cpt_cgroup_pids(&st->cg, &pids, &n, e))
			return -1;
		free(pids);
		if (n == 0)
			return 0;
		cpt_cgroup_kill_all(&st->cg, SIGKILL, e);
		nanosleep(&ts, NULL);
	}
	return cpt_fail(e, EBUSY, "processes of container '%s' survive SIGKILL", st->pub.id);
}

int compart_delete(const char *root, const char *id, bool force, struct compart_error *e)
{
	struct cpt_state st;
	char dir[4096];

	if (cpt_state_read(root, id, &st, e)) {
		/* runc: delete --force of a container that is not there succeeds */
		return force && e->err == ENOENT ? 0 : -1;
	}
	if (cpt_state_dir(root, id, dir, sizeof(dir), e))
		return -1;
	if (force && st.pub.status == COMPART_PAUSED) {
		struct compart_error ignore;

		cpt_cgroup_kill_all(&st.cg, SIGKILL, &ignore);
		cpt_cgroup_freeze(&st.cg, false, &ignore);
	}
	/* runc deletes a created container without --force (kills it first) */
	if (!force && st.pub.status != COMPART_STOPPED && st.pub.status != COMPART_CREATED)
		return cpt_fail(e, EBUSY, "container '%s' is %s: kill it first or use --force", id,
				compart_status_name(st.pub.status));
	if (kill_until_empty(&st, e) || cpt_cgroup_destroy(&st.cg, e))
		return -1;
	late_hooks(root, id, dir, CPT_HOOK_POSTSTOP);
	cpt_state_remove(dir);
	return 0;
}

/* ------------------------------------------------------------------ ps */

/* Without a cgroup (rootless), the container's processes are those in its
 * pid namespace: same /proc/PID/ns/pid link as its init. */
static int ns_pids(pid_t init, pid_t **pids, size_t *n, struct compart_error *e)
{
	char path[64], want[64], self[64], got[64];
	struct dirent *de;
	size_t cap = 16;
	ssize_t len;
	DIR *d;

	*n = 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)init);
	len = readlink(path, want, sizeof(want) - 1);
	if (len < 0)
		return cpt_fail(e, errno, "%s: %s", path, strerror(errno));
	want[len] = '\0';
	len = readlink("/proc/self/ns/pid", self, sizeof(self) - 1);
	if (len >= 0 && (self[len] = '\0', !strcmp(self, want)))
		return cpt_fail(e, ENOTSUP, "no cgroup and no pid namespace to find the processes in");
	d = opendir("/proc");
	*pids = malloc(cap * sizeof(pid_t));
	if (!d || !*pids) {
		if (d)
			closedir(d);
		free(*pids);
		return cpt_fail(e, errno, "/proc: %s", strerror(errno));
	}
	while ((de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/ns/pid", pid);
		len = readlink(path, got, sizeof(got) - 1);
		if (len < 0 || (got[len] = '\0', strcmp(got, want)))
			continue;
		if (*n == cap) {
			pid_t *np = realloc(*pids, (cap *= 2) * sizeof(pid_t));

			if (!np)
				break;
			*pids = np;
		}
		(*pids)[(*n)++] = (pid_t)pid;
	}
	closedir(d);
	return 0;
}

int compart_ps(const char *root, const char *id, pid_t **pids, size_t *n,
	       struct compart_error *e)
{
	struct cpt_state st;

	if (cpt_state_read(root, id, &st, e))
		return -1;
	if (!strcmp(st.cg.mode, "none")) {
		*pids = NULL;
		*n = 0;
		return st.pub.pid ? ns_pids(st.pub.pid, pids, n, e) : 0;
	}
	return cpt_cgroup_pids(&st.cg, pids, n, e);
}

