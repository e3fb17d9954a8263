/* SPDX-License-Identifier: MIT */
/* Errors as values and the few file helpers every part of libcompart uses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

int cpt_fail(struct compart_error *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return -1;
	e->err = code ? code : EINVAL;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

void cpt_warn(const char *fmt, ...)
{
	char out[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	fprintf(stderr, "compart: warning: %s\n", out);
}

int cpt_wrap(struct compart_error *e, const char *fmt, ...)
{
	char out[sizeof(e->msg)];
	size_t used, rest;
	va_list ap;

	if (!e)
		return -1;
	va_start(ap, fmt);
	vsnprintf(out, sizeof(out), fmt, ap);
	va_end(ap);
	used = strlen(out);
	if (used + 2 < sizeof(out)) {
		memcpy(out + used, ": ", 2);
		used += 2;
		rest = strnlen(e->msg, sizeof(e->msg));
		if (rest > sizeof(out) - used - 1)
			rest = sizeof(out) - used - 1;
		memcpy(out + used, e->msg, rest);
		used += rest;
	}
	out[used] = '\0';
	memcpy(e->msg, out, sizeof(out));
	return -1;
}

int cpt_write_file(const char *path, const char *data)
{
	size_t len = strlen(data);
	ssize_t n;
	int fd, saved;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, data, len);
	saved = errno;
	close(fd);
	if (n < 0 || (size_t)n != len) {
		errno = n < 0 ? saved : EIO;
		return -1;
	}
	return 0;
}

int cpt_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

/* Whole file as a NUL-terminated string, refusing files above `max` bytes. */
char *cpt_read_all(const char *path, size_t max)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf)
		return NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nb;

			if (cap >= max) {
				errno = EFBIG;
				goto fail;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	close(fd);
	free(buf);
	return NULL;
}
