/*
 * benchtime: run one command, report its wall-clock time and peak RSS.
 *
 *   benchtime OUTFILE CMD [ARG...]
 *
 * Appends one line "WALL_NS STATUS MAXRSS_KIB" to OUTFILE and exits with
 * the command's exit status (128+N if it was killed by signal N; 127 if it
 * could not be started). The command inherits stdin/stdout/stderr.
 *
 * Why not `date +%s%N` around the command in the shell: that adds a fork
 * and execve of date(1) on each side of the measurement; here the interval
 * is exactly posix_spawn() .. wait4() of the command, on CLOCK_MONOTONIC
 * (clock_gettime(2): not affected by wall-clock jumps), and nothing is
 * subtracted from it.
 *
 * Peak RSS is ru_maxrss from wait4(2): the kernel reports the largest
 * resident set of the command and of every descendant it waited for
 * (getrusage(2), RUSAGE_CHILDREN semantics), in KiB. For a container
 * runtime that is the runtime's own processes and the container's process.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer (clock_gettime(2)). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The shell convention for a wait status: the code, or 128 + signal. */
static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	uint64_t t0, t1;
	pid_t pid;
	int out, rc, status;

	if (argc < 3) {
		fprintf(stderr, "usage: benchtime OUTFILE CMD [ARG...]\n");
		return 2;
	}
	/* Opened before the clock starts: only the command is measured. */
	out = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "benchtime: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	t0 = now_ns();
	rc = posix_spawnp(&pid, argv[2], NULL, NULL, &argv[2], environ);
	if (rc != 0) {
		fprintf(stderr, "benchtime: %s: %s\n", argv[2], strerror(rc));
		close(out);
		return 127;
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "benchtime: wait4: %s\n", strerror(errno));
			close(out);
			return 2;
		}
	}
	t1 = now_ns();
	dprintf(out, "%" PRIu64 " %d %ld\n", t1 - t0, exit_code(status), ru.ru_maxrss);
	close(out);
	return exit_code(status);
}
