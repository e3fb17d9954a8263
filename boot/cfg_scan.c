/* SPDX-License-Identifier: MIT */
/*
 * Light scan of septum.cfg for image names (see cfg_scan.h). Deliberately
 * permissive about everything but the names it returns: the loader must not
 * refuse a config the core's parser would accept, and must not try to open
 * a path that escapes \septum\.
 */
#include "cfg_scan.h"

#include <stdbool.h>

struct span {
	const char *p;
	size_t      n;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static struct span trim(struct span s)
{
	while (s.n && is_blank(s.p[0])) {
		s.p++;
		s.n--;
	}
	while (s.n && is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

static bool span_is(struct span s, const char *word)
{
	size_t i;

	for (i = 0; i < s.n; i++)
		if (word[i] == '\0' || word[i] != s.p[i])
			return false;
	return word[i] == '\0';
}

/* Names become \septum\NAME on a FAT volume: one path component, printable
 * ASCII (the loader widens it to UCS-2 byte by byte). */
static const char *name_problem(struct span v)
{
	size_t i;

	if (v.n >= BOOT_NAME_MAX)
		return "image name too long (at most 63 characters)";
	for (i = 0; i < v.n; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (c == '/' || c == '\\')
			return "image name must be a plain file name in \\septum\\ (no path separators)";
		if (c < 0x20 || c > 0x7e)
			return "image name contains a byte outside printable ASCII";
	}
	if (span_is(v, ".") || span_is(v, ".."))
		return "image name must be a file name, not . or ..";
	return NULL;
}

/* Handles one key = value line; adds the value if the key names an image.
 * A module line's value is `FILE ARGS...`: only its first word is a file. */
static int scan_line(struct span line, unsigned lineno, char names[][BOOT_NAME_MAX],
		     unsigned max, unsigned *count, struct cfg_scan_error *err)
{
	struct span key = line, val;
	const char *why;
	size_t i;

	for (i = 0; i < line.n && line.p[i] != '='; i++)
		;
	if (i == line.n)
		return 0; /* not a key line: the core's parser will say so */
	key.n = i;
	key = trim(key);
	if (!span_is(key, "kernel") && !span_is(key, "initrd") && !span_is(key, "module"))
		return 0;
	val = trim((struct span){ line.p + i + 1, line.n - i - 1 });
	if (span_is(key, "module"))
		for (i = 0; i < val.n; i++)
			if (is_blank(val.p[i])) {
				val.n = i;
				break;
			}
	if (val.n == 0)
		return 0; /* an empty value is the parser's error to report */
	why = name_problem(val);
	if (why) {
		err->line = lineno;
		err->reason = why;
		return -1;
	}
	for (i = 0; i < *count; i++)
		if (span_is(val, names[i]))
			return 0;
	if (*count == max) {
		err->line = lineno;
		err->reason = "the config names more image files than the loader can carry "
			      "(BOOT_MAX_FILES)";
		return -1;
	}
	for (i = 0; i < val.n; i++)
		names[*count][i] = val.p[i];
	names[*count][val.n] = '\0';
	(*count)++;
	return 0;
}

int cfg_scan_images(const char *text, size_t len, char names[][BOOT_NAME_MAX], unsigned max,
		    unsigned *count, struct cfg_scan_error *err)
{
	unsigned lineno = 0;
	size_t pos = 0;

	*count = 0;
	while (pos < len) {
		struct span line = { text + pos, 0 };

		while (pos + line.n < len && text[pos + line.n] != '\n')
			line.n++;
		pos += line.n + 1;
		lineno++;
		line = trim(line);
		if (line.n == 0 || line.p[0] == '#' || line.p[0] == '[')
			continue;
		if (scan_line(line, lineno, names, max, count, err))
			return -1;
	}
	return 0;
}
