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

/* ------------------------------------------------------------ sizes */

static bool is_digit(char c, unsigned base)
{
	return (c >= '0' && c <= '9') ||
	       (base == 16 && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
}

static unsigned digit_value(char c)
{
	return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
}

/* kernel/config.c, cfg_parse_size(): digits, or 0x and hex digits, then at
 * most one of K, M, G. 0 for anything else or beyond 2^52. */
static uint64_t scan_size(struct span v)
{
	unsigned base = 10, shift = 0;
	uint64_t n = 0;
	size_t i = 0;

	if (v.n > 2 && v.p[0] == '0' && (v.p[1] == 'x' || v.p[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == v.n || !is_digit(v.p[i], base))
		return 0;
	for (; i < v.n && is_digit(v.p[i], base); i++) {
		n = n * base + digit_value(v.p[i]);
		if (n > (1ull << 52))
			return 0;
	}
	if (i + 1 == v.n) {
		switch (v.p[i] | 0x20) {
		case 'k': shift = 10; break;
		case 'm': shift = 20; break;
		case 'g': shift = 30; break;
		default: return 0;
		}
	} else if (i != v.n) {
		return 0;
	}
	return n > ((1ull << 52) >> shift) ? 0 : n << shift;
}

/* Items of a comma-separated list; an "N-M" item counts M - N + 1 when
 * both are numbers in order (cpus =), else 1. */
static unsigned scan_count(struct span v, bool ranges)
{
	unsigned total = 0;
	size_t i = 0;

	while (i <= v.n) {
		struct span item = { v.p + i, 0 };
		unsigned lo = 0, hi = 0, *cur = &lo;
		bool range = false;

		while (i + item.n < v.n && v.p[i + item.n] != ',')
			item.n++;
		i += item.n + 1;
		item = trim(item);
		if (item.n == 0)
			continue;
		for (size_t k = 0; ranges && k < item.n; k++) {
			if (item.p[k] == '-') {
				range = true;
				cur = &hi;
			} else if (is_digit(item.p[k], 10) && *cur < 1000) {
				*cur = *cur * 10 + (unsigned)(item.p[k] - '0');
			}
		}
		total += range && hi >= lo ? hi - lo + 1 : 1;
	}
	return total;
}

static void scan_size_line(struct span line, struct reserve_part *p)
{
	struct span key = line, val;
	size_t i;

	for (i = 0; i < line.n && line.p[i] != '='; i++)
		;
	if (i == line.n)
		return;
	key.n = i;
	key = trim(key);
	val = trim((struct span){ line.p + i + 1, line.n - i - 1 });
	if (span_is(key, "memory"))
		p->ram = scan_size(val);
	else if (span_is(key, "cpus"))
		p->ncpus = scan_count(val, true);
	else if (span_is(key, "pci"))
		p->npci += scan_count(val, false);
}

void cfg_scan_sizes(const char *text, size_t len, struct reserve_in *in)
{
	struct reserve_part *cur = NULL;
	size_t pos = 0;

	in->nparts = 0;
	while (pos < len) {
		struct span line = { text + pos, 0 };

		while (pos + line.n < len && text[pos + line.n] != '\n')
			line.n++;
		pos += line.n + 1;
		line = trim(line);
		if (line.n == 0 || line.p[0] == '#')
			continue;
		if (line.p[0] == '[') {
			cur = NULL;
			if (line.n > 10 && span_is((struct span){ line.p + 1, 9 }, "partition") &&
			    in->nparts < RESERVE_MAX_PARTS) {
				cur = &in->part[in->nparts++];
				*cur = (struct reserve_part){ 0 };
			}
			continue;
		}
		if (cur)
			scan_size_line(line, cur);
	}
}
