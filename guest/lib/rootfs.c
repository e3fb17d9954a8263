/* SPDX-License-Identifier: MIT */
/*
 * The container's filesystem view, built inside its fresh mount namespace:
 * config mounts, /proc, a minimal /dev, pivot_root(2) into root.path, masked
 * and read-only paths, a read-only root (runtime-spec config.md "Root",
 * "Mounts"; config-linux.md "Masked Paths", "Readonly Paths",
 * "Default Devices" and "Default Filesystems").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* mkdir -p; the last component is a file when `file` is set (bind mounts of
 * files need a file to mount on). */
static int mkpath(const char *path, bool file)
{
	char buf[PATH_MAX];
	char *p;
	int fd;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (!file)
		return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
	fd = open(buf, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EISDIR ? 0 : -1;
	close(fd);
	return 0;
}

/* A read-only (or any) bind remount must keep the flags the kernel locked
 * on the mount (nosuid/nodev/noexec/atime) or it fails with EPERM inside a
 * user namespace (mount_namespaces(7), "locked mounts"). */
static unsigned long locked_flags(const char *path)
{
	struct statvfs s;
	unsigned long f = 0;

	if (statvfs(path, &s) < 0)
		return 0;
	if (s.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (s.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (s.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (s.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (s.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (s.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

static int remount_ro(const char *path, struct compart_error *e)
{
	if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags(path), NULL) < 0)
		return cpt_fail(e, errno, "read-only remount of %s: %s", path, strerror(errno));
	return 0;
}

/* The container's /sys/fs/cgroup (a mount of type cgroup, which podman
 * always asks for). On a pure v2 host a fresh cgroup2 mount, rooted at the
 * container's group when it has a cgroup namespace; on a v1 or hybrid host,
 * as runc, a tmpfs holding read-only binds of the container's own group in
 * each hierarchy (the whole hierarchy where it has none, e.g. name=systemd). */
static int mount_cgroup(const char *target, const struct cpt_mount *m,
			const struct compart_config *c, struct compart_error *e)
{
	unsigned long f = m->flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME);
	char src[PATH_MAX], dst[PATH_MAX + 256], link[256];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	DIR *d;

	if (mkpath(target, false) < 0)
		return cpt_fail(e, errno, "mount %s: creating %s: %s", m->dest, target, strerror(errno));
	if (!strcmp(cpt_cgroup_host_mode(), "v2")) {
		if (mount("cgroup2", target, "cgroup2", f | (m->flags & MS_RDONLY), NULL) < 0)
			return cpt_fail(e, errno, "mount %s (cgroup2): %s", m->dest, strerror(errno));
		return 0;
	}
	if (mount("tmpfs", target, "tmpfs", f, "mode=755") < 0)
		return cpt_fail(e, errno, "mount %s (tmpfs for cgroup v1): %s", m->dest, strerror(errno));
	d = opendir("/sys/fs/cgroup");
	if (!d)
		return cpt_fail(e, errno, "/sys/fs/cgroup: %s", strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(src, sizeof(src), "/sys/fs/cgroup/%s", de->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", target, de->d_name);
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && c->cgroup_rel) {
			char own[PATH_MAX + 300];
			struct stat ost;

			snprintf(own, sizeof(own), "%s/%s", src, c->cgroup_rel);
			if (stat(own, &ost) == 0 && S_ISDIR(ost.st_mode) && strlen(own) < sizeof(src))
				memcpy(src, own, strlen(own) + 1);
		}
		if (S_ISLNK(st.st_mode)) {
			n = readlink(src, link, sizeof(link) - 1);
			if (n > 0 && (link[n] = '\0', symlink(link, dst) < 0))
				goto fail;
			continue;
		}
		if (!S_ISDIR(st.st_mode))
			continue;
		if (mkdir(dst, 0755) < 0 || mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | f | locked_flags(dst),
			  NULL) < 0)
			goto fail;
	}
	closedir(d);
	if ((m->flags & MS_RDONLY) && remount_ro(target, e))
		return cpt_wrap(e, "mount %s", m->dest);
	return 0;
fail:
	closedir(d);
	return cpt_fail(e, errno, "mount %s: %s: %s", m->dest, dst, strerror(errno));
}

/* tmpcopyup (runc, crun; podman's --read-only asks it for /tmp, /run,
 * /var/tmp): copy the directory the tmpfs now covers (still reachable
 * through `from`, opened before the mount) into it: directories, regular
 * files and symlinks, with their modes and owners. */
static int copy_tree(int from, int to, struct compart_error *e)
{
	DIR *d = fdopendir(dup(from));
	struct dirent *de;
	int rc = 0;

	if (!d)
		return cpt_fail(e, errno, "tmpcopyup: %s", strerror(errno));
	while (rc == 0 && (de = readdir(d))) {
		struct stat st;
		char link[PATH_MAX];
		ssize_t n = 0;
		int a, b;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(from, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mkdirat(to, de->d_name, st.st_mode & 07777) < 0 && errno != EEXIST)
				rc = -1;
			a = openat(from, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			b = openat(to, de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (rc == 0 && a >= 0 && b >= 0)
				rc = copy_tree(a, b, e);
			else
				rc = -1;
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(from, de->d_name, link, sizeof(link) - 1);
			if (n < 0 || (link[n] = '\0', symlinkat(link, to, de->d_name) < 0))
				rc = -1;
		} else if (S_ISREG(st.st_mode)) {
			char buf[65536];

			a = openat(from, de->d_name, O_RDONLY | O_CLOEXEC);
			b = openat(to, de->d_name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
			while (a >= 0 && b >= 0 && (n = read(a, buf, sizeof(buf))) > 0)
				if (write(b, buf, (size_t)n) != n)
					break;
			if (a < 0 || b < 0 || n != 0)
				rc = -1;
			if (a >= 0)
				close(a);
			if (b >= 0)
				close(b);
		} else {
			continue; /* devices, fifos, sockets: not copied */
		}
		if (rc == 0 && fchownat(to, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
			rc = -1;
		if (rc < 0 && !e->err)
			cpt_fail(e, errno, "tmpcopyup of %s: %s", de->d_name, strerror(errno));
	}
	closedir(d);
	return rc;
}

static int do_mount(const char *rootfs, const struct cpt_mount *m, const struct compart_config *c,
		    struct compart_error *e)
{
	char target[PATH_MAX];
	unsigned long extra = m->flags & ~(MS_BIND | MS_REC);
	struct stat st;

	snprintf(target, sizeof(target), "%s%s", rootfs, m->dest);
	if (m->cgroup) {
		if (mount_cgroup(target, m, c, e))
			return -1;
	} else if (m->bind) {
		if (stat(m->source, &st) < 0)
			return cpt_fail(e, errno, "mount %s: source %s: %s", m->dest, m->source,
					strerror(errno));
		if (mkpath(target, !S_ISDIR(st.st_mode)) < 0)
			return cpt_fail(e, errno, "mount %s: creating %s: %s", m->dest, target,
					strerror(errno));
		if (mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			return cpt_fail(e, errno, "bind mount %s on %s: %s", m->source, m->dest,
					strerror(errno));
		/* flags other than bind need a second, remount call (mount(2)) */
		if (extra && mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | extra |
				   locked_flags(target), NULL) < 0)
			return cpt_fail(e, errno, "remount %s with its options: %s", m->dest,
					strerror(errno));
	} else {
		if (mkpath(target, false) < 0)
			return cpt_fail(e, errno, "mount %s: creating %s: %s", m->dest, target,
					strerror(errno));
		int under = m->copyup ? open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

		if (mount(m->source ? m->source : m->type, target, m->type, m->flags, m->data) < 0) {
			if (under >= 0)
				close(under);
			return cpt_fail(e, errno, "mount %s (%s, options '%s'): %s", m->dest, m->type,
					m->data ? m->data : "", strerror(errno));
		}
		if (under >= 0) {
			int top = open(target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			int rc = top < 0 ? cpt_fail(e, errno, "mount %s: %s", m->dest, strerror(errno))
					 : (e->err = 0, copy_tree(under, top, e));

			close(under);
			if (top >= 0)
				close(top);
			if (rc)
				return cpt_wrap(e, "mount %s", m->dest);
		}
	}
	if (m->propagation && mount(NULL, target, NULL, m->propagation, NULL) < 0)
		return cpt_fail(e, errno, "mount %s: propagation: %s", m->dest, strerror(errno));
	return 0;
}

static bool has_mount(const struct compart_config *c, const char *dest)
{
	for (size_t i = 0; i < c->n_mounts; i++)
		if (!strcmp(c->mounts[i].dest, dest))
			return true;
	return false;
}

static bool has_device(const struct compart_config *c, const char *path)
{
	for (size_t i = 0; i < c->n_devices; i++)
		if (!strcmp(c->devices[i].path, path))
			return true;
	return false;
}

/* The spec's default devices. They are bind mounts of the host's nodes,
 * not mknod: mknod is refused inside a user namespace, and binding keeps one
 * code path for both cases. */
static int setup_dev(const char *rootfs, const struct compart_config *c,
		     struct compart_error *e)
{
	static const char *const nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" }, { "/proc/self/fd/2", "stderr" },
		{ "pts/ptmx", "ptmx" },
	};
	char path[PATH_MAX], host[32];
	size_t i;

	snprintf(path, sizeof(path), "%s/dev", rootfs);
	if (!has_mount(c, "/dev") &&
	    (mkpath(path, false) < 0 ||
	     mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0))
		return cpt_fail(e, errno, "mounting tmpfs on /dev: %s", strerror(errno));
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		if (has_device(c, host))
			continue; /* linux.devices makes it (podman --privileged lists them all) */
		snprintf(path, sizeof(path), "%s/dev/%s", rootfs, nodes[i]);
		snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
		if (mkpath(path, true) < 0 || mount(host, path, NULL, MS_BIND, NULL) < 0)
			return cpt_fail(e, errno, "/dev/%s: %s", nodes[i], strerror(errno));
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/dev/%s", rootfs, links[i][1]);
		if (symlink(links[i][0], path) < 0 && errno != EEXIST)
			return cpt_fail(e, errno, "/dev/%s symlink: %s", links[i][1], strerror(errno));
	}
	snprintf(path, sizeof(path), "%s/dev/pts", rootfs);
	if (!has_mount(c, "/dev/pts") &&
	    (mkpath(path, false) < 0 ||
	     mount("devpts", path, "devpts", MS_NOSUID | MS_NOEXEC,
		   "newinstance,ptmxmode=0666,mode=0620") < 0))
		return cpt_fail(e, errno, "mounting devpts on /dev/pts: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/dev/shm", rootfs);
	if (!has_mount(c, "/dev/shm") &&
	    (mkpath(path, false) < 0 ||
	     mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k") < 0))
		return cpt_fail(e, errno, "mounting tmpfs on /dev/shm: %s", strerror(errno));
	return 0;
}

/* linux.devices: mknod where allowed (root outside a user namespace),
 * else a bind of the host's node of that path, as runc does. */
static int make_devices(const char *rootfs, const struct compart_config *c,
			struct compart_error *e)
{
	static const struct { char t; mode_t m; } kinds[] = {
		{ 'c', S_IFCHR }, { 'u', S_IFCHR }, { 'b', S_IFBLK }, { 'p', S_IFIFO },
	};
	char path[PATH_MAX];

	for (size_t i = 0; i < c->n_devices; i++) {
		const struct cpt_device *d = &c->devices[i];
		mode_t type = S_IFCHR;

		for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (kinds[k].t == d->type)
				type = kinds[k].m;
		snprintf(path, sizeof(path), "%s%s", rootfs, d->path);
		if (mkpath(path, false) < 0 && errno != EEXIST)
			return cpt_fail(e, errno, "linux.devices %s: %s", d->path, strerror(errno));
		rmdir(path);
		unlink(path);
		if (!c->ns[CPT_NS_USER]) {
			/* chmod too: mknod's mode passes through our umask */
			if (mknod(path, type | (d->has_mode ? d->mode : 0666),
				  makedev((unsigned)d->major, (unsigned)d->minor)) < 0 ||
			    chmod(path, d->has_mode ? d->mode : 0666) < 0 ||
			    chown(path, d->has_uid ? d->uid : 0, d->has_gid ? d->gid : 0) < 0)
				return cpt_fail(e, errno, "linux.devices %s: mknod: %s", d->path,
						strerror(errno));
			continue;
		}
		if (mkpath(path, true) < 0 || mount(d->path, path, NULL, MS_BIND, NULL) < 0)
			return cpt_fail(e, errno, "linux.devices %s: binding the host's node: %s",
					d->path, strerror(errno));
	}
	return 0;
}

/* linux.sysctl, written inside the container's namespaces (net.*, and
 * kernel.* IPC/UTS keys are per namespace). */
static int write_sysctls(const struct compart_config *c, struct compart_error *e)
{
	char path[PATH_MAX];

	for (size_t i = 0; i < c->n_sysctls; i++) {
		snprintf(path, sizeof(path), "/proc/sys/%s", c->sysctls[i].key);
		for (char *p = path + 10; *p; p++)
			if (*p == '.')
				*p = '/';
		if (cpt_write_file(path, c->sysctls[i].value) < 0)
			return cpt_fail(e, errno, "linux.sysctl %s = '%s': %s", c->sysctls[i].key,
					c->sysctls[i].value, strerror(errno));
	}
	return 0;
}

/* pivot_root(".", ".") stacks the old root on top of the new one; detaching
 * it leaves only the new root (pivot_root(2), NOTES). */
static int pivot(const char *rootfs, struct compart_error *e)
{
	if (chdir(rootfs) < 0)
		return cpt_fail(e, errno, "chdir %s: %s", rootfs, strerror(errno));
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cpt_fail(e, errno, "pivot_root into %s: %s", rootfs, strerror(errno));
	if (umount2(".", MNT_DETACH) < 0)
		return cpt_fail(e, errno, "detaching the old root: %s", strerror(errno));
	if (chdir("/") < 0)
		return cpt_fail(e, errno, "chdir /: %s", strerror(errno));
	return 0;
}

/* --no-pivot (a root on ramfs, where pivot_root is refused): move the
 * root mount over / and chroot into it, as runc does. The old root stays
 * reachable underneath, which is why pivot_root is the default. */
static int move_root(const char *rootfs, struct compart_error *e)
{
	if (chdir(rootfs) < 0)
		return cpt_fail(e, errno, "chdir %s: %s", rootfs, strerror(errno));
	if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
		return cpt_fail(e, errno, "--no-pivot: moving %s to /: %s", rootfs, strerror(errno));
	if (chroot(".") < 0 || chdir("/") < 0)
		return cpt_fail(e, errno, "--no-pivot: chroot: %s", strerror(errno));
	return 0;
}

/* A masked file gets /dev/null on top, a masked directory an empty
 * read-only tmpfs; paths that do not exist need no masking. */
static int mask_paths(char **paths, struct compart_error *e)
{
	struct stat st;

	for (size_t i = 0; paths && paths[i]; i++) {
		int rc;

		if (stat(paths[i], &st) < 0) {
			if (errno == ENOENT)
				continue;
			return cpt_fail(e, errno, "maskedPaths %s: %s", paths[i], strerror(errno));
		}
		if (S_ISDIR(st.st_mode))
			rc = mount("tmpfs", paths[i], "tmpfs", MS_RDONLY, NULL);
		else
			rc = mount("/dev/null", paths[i], NULL, MS_BIND, NULL);
		if (rc < 0)
			return cpt_fail(e, errno, "masking %s: %s", paths[i], strerror(errno));
	}
	return 0;
}

static int readonly_paths(char **paths, struct compart_error *e)
{
	for (size_t i = 0; paths && paths[i]; i++) {
		if (mount(paths[i], paths[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			return cpt_fail(e, errno, "readonlyPaths %s: %s", paths[i], strerror(errno));
		}
		if (remount_ro(paths[i], e))
			return -1;
	}
	return 0;
}

int cpt_setup_rootfs(const struct compart_config *c, struct compart_error *e)
{
	char path[PATH_MAX];

	/* Nothing done here may propagate back to the host's mounts. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cpt_fail(e, errno, "making / private: %s", strerror(errno));
	/* pivot_root needs the new root to be a mount point. */
	if (mount(c->rootfs, c->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cpt_fail(e, errno, "bind mounting rootfs %s: %s", c->rootfs, strerror(errno));
	for (size_t i = 0; i < c->n_mounts; i++)
		if (do_mount(c->rootfs, &c->mounts[i], c, e))
			return -1;
	snprintf(path, sizeof(path), "%s/proc", c->rootfs);
	if (!has_mount(c, "/proc") &&
	    (mkpath(path, false) < 0 ||
	     mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0))
		return cpt_fail(e, errno, "mounting /proc: %s", strerror(errno));
	if (setup_dev(c->rootfs, c, e) || make_devices(c->rootfs, c, e) ||
	    (c->no_pivot ? move_root(c->rootfs, e) : pivot(c->rootfs, e)) ||
	    write_sysctls(c, e) || mask_paths(c->masked, e) || readonly_paths(c->readonly, e))
		return -1;
	if (c->rootfs_propagation &&
	    mount(NULL, "/", NULL, c->rootfs_propagation | MS_REC, NULL) < 0)
		return cpt_fail(e, errno, "linux.rootfsPropagation: %s", strerror(errno));
	if (c->readonly_root && remount_ro("/", e))
		return cpt_wrap(e, "root.readonly");
	return 0;
}

/* A new network namespace has only "lo", and it is down. */
int cpt_setup_loopback(struct compart_error *e)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return cpt_fail(e, errno, "loopback: socket: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		int err = errno;

		close(fd);
		return cpt_fail(e, err, "bringing up lo: %s", strerror(err));
	}
	close(fd);
	return 0;
}
