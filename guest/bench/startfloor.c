/*
 * startfloor: the container-start floor (issue 11). Only what any OCI
 * runtime must do to start the benchmark's container: clone(2) with the
 * same namespaces (pid, network, ipc, uts, mount, cgroup), a private
 * mount tree, /proc mounted in the root, pivot_root(2) into it, execve of
 * the process. No config parsing, no cgroup, no /dev, no capabilities, no
 * seccomp, no state: a runtime's time over this floor is what it adds.
 *
 *   startfloor ROOTFS PROGRAM    exits with PROGRAM's status
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int fail(const char *what)
{
	perror(what);
	return 127;
}

static int child(const char *rootfs, char *prog)
{
	char *argv[] = { prog, NULL }, *envp[] = { "PATH=/bin", NULL };
	char proc[4096];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return fail("private /");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return fail("bind rootfs");
	snprintf(proc, sizeof(proc), "%s/proc", rootfs);
	if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return fail("mount /proc");
	if (chdir(rootfs) < 0 || syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return fail("pivot_root");
	execve(prog, argv, envp);
	return fail("execve");
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc != 3) {
		fprintf(stderr, "usage: startfloor ROOTFS PROGRAM\n");
		return 2;
	}
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
					CLONE_NEWNS | CLONE_NEWCGROUP | SIGCHLD,
			     NULL, NULL, NULL, NULL);
	if (pid < 0)
		return fail("clone");
	if (pid == 0)
		_exit(child(argv[1], argv[2]));
	if (waitpid(pid, &status, 0) < 0)
		return fail("waitpid");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
