/* SPDX-License-Identifier: MIT */
/*
 * The container's init, from the clone to the exec (container.c starts it):
 * joins namespaces given by path, builds the root (rootfs.c), the console,
 * the process's credentials and limits (security.c), says "ready", waits on
 * exec.fifo for `start`, runs the startContainer hooks and execs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include "internal.h"

static void send_msg(int sock, const struct compart_error *e)
{
	/* MSG_NOSIGNAL: if the parent is gone, fail quietly instead of SIGPIPE */
	if (send(sock, e, sizeof(*e), MSG_NOSIGNAL) < 0) {
		/* nobody left to tell */
	}
}

/* Block until `compart start` opens the fifo. The fd is an O_PATH handle
 * taken before pivot_root; reopening it through /proc/self/fd works from
 * inside the new root, and as the container's user (the fifo is 0622). */
static int wait_start(int fifo_fd, struct compart_error *e)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_fd);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cpt_fail(e, errno, "opening exec.fifo: %s", strerror(errno));
	if (write(fd, "0", 1) != 1) {
		close(fd);
		return cpt_fail(e, errno, "writing exec.fifo: %s", strerror(errno));
	}
	close(fd);
	close(fifo_fd);
	return 0;
}

/* Send fd over a unix socket (SCM_RIGHTS, unix(7)) with `name` as data,
 * as runc sends the console's pty master to --console-socket. */
static int send_fd(int sock, int fd, const char *name, struct compart_error *e)
{
	char buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)name, strlen(name) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = buf,
			     .msg_controllen = sizeof(buf) };
	struct cmsghdr *cm;

	memset(buf, 0, sizeof(buf));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		return cpt_fail(e, errno, "sending the pty master to the console socket: %s",
				strerror(errno));
	return 0;
}

/* process.terminal: a pty from the container's devpts; the slave becomes
 * the controlling terminal and stdio, the master goes to the console
 * socket (the client copies between it and the user). */
int cpt_setup_console(int console_fd, struct compart_error *e)
{
	int unlock = 0, m, sl;
	unsigned int n;
	char name[32];

	m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return cpt_fail(e, errno, "terminal: /dev/pts/ptmx: %s", strerror(errno));
	if (ioctl(m, TIOCSPTLCK, &unlock) < 0 || ioctl(m, TIOCGPTN, &n) < 0 ||
	    (sl = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY)) < 0) {
		cpt_fail(e, errno, "terminal: opening the pty: %s", strerror(errno));
		close(m);
		return -1;
	}
	snprintf(name, sizeof(name), "/dev/pts/%u", n);
	if (setsid() < 0 || ioctl(sl, TIOCSCTTY, 0) < 0 || dup2(sl, 0) < 0 || dup2(sl, 1) < 0 ||
	    dup2(sl, 2) < 0) {
		cpt_fail(e, errno, "terminal: making %s the controlling terminal: %s", name,
			 strerror(errno));
		close(m);
		close(sl);
		return -1;
	}
	if (sl > 2)
		close(sl);
	if (send_fd(console_fd, m, name, e)) {
		close(m);
		return -1;
	}
	close(m);
	close(console_fd);
	return 0;
}

/* --preserve-fds N: fds 3..3+N-1 go to the process, every other inherited
 * descriptor is closed at exec (runc's behaviour). */
int cpt_pass_fds(int n, struct compart_error *e)
{
	for (int fd = 3; fd < 3 + n; fd++) {
		int f = fcntl(fd, F_GETFD);

		if (f >= 0 && fcntl(fd, F_SETFD, f & ~FD_CLOEXEC) < 0)
			return cpt_fail(e, errno, "--preserve-fds: fd %d: %s", fd, strerror(errno));
	}
	/* close_range(2) with CLOSE_RANGE_CLOEXEC (4), Linux 5.11 */
	if (syscall(SYS_close_range, 3 + n, ~0U, 4) < 0) {
		DIR *d = opendir("/proc/self/fd");
		struct dirent *de;

		if (!d)
			return cpt_fail(e, errno, "/proc/self/fd: %s", strerror(errno));
		while ((de = readdir(d))) {
			int fd = atoi(de->d_name);

			if (fd >= 3 + n && fd != dirfd(d))
				fcntl(fd, F_SETFD, FD_CLOEXEC);
		}
		closedir(d);
	}
	return 0;
}

/* linux.namespaces[].path: join before anything else is set up. */
static int join_paths(const struct compart_config *c, struct compart_error *e)
{
	for (int i = 0; i < CPT_NS_COUNT; i++) {
		int fd;

		if (!c->ns_path[i])
			continue;
		fd = open(c->ns_path[i], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return cpt_fail(e, errno, "linux.namespaces %s path %s: %s", cpt_ns_names[i],
					c->ns_path[i], strerror(errno));
		if (setns(fd, cpt_ns_flags[i]) < 0) {
			cpt_fail(e, errno, "joining the %s namespace %s: %s", cpt_ns_names[i],
				 c->ns_path[i], strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/* Everything but the exec, so that create fails with any set-up error
 * (runc does the same before its exec fifo). */
static int init_setup(const struct compart_config *c, const struct cpt_init_args *a,
		      struct compart_error *e)
{
	if (join_paths(c, e))
		return -1;
	/* The cgroup namespace is made only now, after the parent moved us into
	 * the container's cgroup, so that group becomes its root. */
	if (c->ns[CPT_NS_CGROUP] && !c->ns_path[CPT_NS_CGROUP] && unshare(CLONE_NEWCGROUP) < 0)
		return cpt_fail(e, errno, "unshare(CLONE_NEWCGROUP): %s", strerror(errno));
	if (c->ns[CPT_NS_USER] && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0))
		return cpt_fail(e, errno, "becoming root of the user namespace (is id 0 mapped?): %s",
				strerror(errno));
	if (c->hostname && sethostname(c->hostname, strlen(c->hostname)) < 0)
		return cpt_fail(e, errno, "hostname '%s': %s", c->hostname, strerror(errno));
	if (cpt_setup_rootfs(c, e))
		return -1;
	if (c->ns[CPT_NS_NET] && !c->ns_path[CPT_NS_NET] && cpt_setup_loopback(e))
		return -1;
	if (a->console_fd >= 0 && cpt_setup_console(a->console_fd, e))
		return -1;
	/* a session keyring of its own (keyctl(2) KEYCTL_JOIN_SESSION_KEYRING = 1) */
	if (a->new_keyring && syscall(SYS_keyctl, 1, NULL) < 0 && errno != ENOSYS)
		return cpt_fail(e, errno, "joining a new session keyring: %s", strerror(errno));
	if (cpt_pass_fds(a->preserve_fds, e))
		return -1;
	return cpt_finalize_process(c, e);
}

/* startContainer hooks: create sent the state JSON after "ready" */
static int start_hooks(const struct compart_config *c, int sock, struct compart_error *e)
{
	static char state[65536];
	ssize_t n;

	if (!c->hooks.n[CPT_HOOK_START_CONTAINER])
		return 0;
	n = recv(sock, state, sizeof(state) - 1, 0);
	state[n > 0 ? n : 0] = '\0';
	return cpt_hooks_run(&c->hooks, CPT_HOOK_START_CONTAINER, state, 0, e);
}

void cpt_init_main(const struct compart_config *c,
						const struct cpt_init_args *a)
{
	struct compart_error e = { 0, "" };
	char go;

	if (read(a->sock, &go, 1) != 1)
		_exit(1);
	if (init_setup(c, a, &e)) {
		send_msg(a->sock, &e);
		_exit(1);
	}
	send_msg(a->sock, &e); /* ready */
	if (a->fifo_fd < 0 || (wait_start(a->fifo_fd, &e) == 0 && start_hooks(c, a->sock, &e) == 0))
		cpt_exec(c, c->args, &e);
	/* After "ready" compart create is long gone: the container's stderr
	 * is the only place left to tell; `run` also gets it over the socket. */
	send_msg(a->sock, &e);
	if (a->fifo_fd >= 0)
		dprintf(2, "compart: container init: %s\n", e.msg);
	_exit(127);
}

