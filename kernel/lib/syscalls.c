// SPDX-License-Identifier: MIT
/*
 * The few system calls newlib may reach from the parts of libc the core uses
 * (formatting, strings, strtoul). The core never uses stdio streams or
 * malloc; these exist so that a stray reference links and fails loudly.
 */
#include <errno.h>
#include <stddef.h>
#include <sys/types.h>
#include <septum/arch.h>
#include <septum/log.h>

#undef errno
extern int errno;

void *_sbrk(ptrdiff_t incr);
int _write(int fd, const char *buf, size_t len);
int _close(int fd);
int _fstat(int fd, void *st);
int _isatty(int fd);
off_t _lseek(int fd, off_t off, int whence);
int _read(int fd, char *buf, size_t len);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);

void *_sbrk(ptrdiff_t incr)
{
	(void)incr;
	errno = ENOMEM; /* no malloc in the hypervisor: use pages_alloc() */
	return (void *)-1;
}

int _write(int fd, const char *buf, size_t len)
{
	(void)fd;
	arch_console_write(buf, len);
	return (int)len;
}

int _close(int fd) { (void)fd; errno = EBADF; return -1; }
int _fstat(int fd, void *st) { (void)fd; (void)st; errno = EBADF; return -1; }
int _isatty(int fd) { (void)fd; return 1; }
off_t _lseek(int fd, off_t off, int whence) { (void)fd; (void)off; (void)whence; errno = ESPIPE; return -1; }
int _read(int fd, char *buf, size_t len) { (void)fd; (void)buf; (void)len; errno = EBADF; return -1; }
int _kill(int pid, int sig) { (void)pid; (void)sig; errno = EINVAL; return -1; }
int _getpid(void) { return 1; }
void _exit(int status) { hv_panic("libc _exit(%d)", status); }

/* newlib built with MISSING_SYSCALL_NAMES calls the plain names. */
void *sbrk(ptrdiff_t incr) __attribute__((alias("_sbrk")));
int write(int fd, const char *buf, size_t len) __attribute__((alias("_write")));
int close(int fd) __attribute__((alias("_close")));
int fstat(int fd, void *st) __attribute__((alias("_fstat")));
int isatty(int fd) __attribute__((alias("_isatty")));
off_t lseek(int fd, off_t off, int whence) __attribute__((alias("_lseek")));
int read(int fd, char *buf, size_t len) __attribute__((alias("_read")));
