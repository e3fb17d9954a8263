/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of a container's state file (lib/state.c): what compart
 * writes it reads back the same, and a state it cannot keep whole is
 * refused, not trimmed. Each test uses its own state root under $TMPDIR.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"

static char root[256], dir[320];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(root, sizeof(root), "%s/compart-test-state.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/ct", root);
	return mkdir(dir, 0700);
}

static int teardown(void **state)
{
	(void)state;
	cpt_state_remove(dir);
	return rmdir(root);
}

static void write_text(const char *text)
{
	char path[400];
	FILE *f;

	snprintf(path, sizeof(path), "%s/state.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void written_state_reads_back(void **state)
{
	struct compart_error e = { 0, "" };
	struct cpt_state st, again;

	(void)state;
	memset(&st, 0, sizeof(st));
	snprintf(st.pub.id, sizeof(st.pub.id), "ct");
	snprintf(st.pub.bundle, sizeof(st.pub.bundle), "/work/bundles/ct");
	snprintf(st.pub.created, sizeof(st.pub.created), "2026-12-07T21:04:05Z");
	snprintf(st.cg.mode, sizeof(st.cg.mode), "v2");
	snprintf(st.cg.path, sizeof(st.cg.path), "compart/ct");
	snprintf(st.annotations, sizeof(st.annotations), "{\"a\":\"1\"}");
	st.starttime = 77;
	assert_int_equal(cpt_state_write(dir, &st, &e), 0);
	assert_int_equal(cpt_state_read(root, "ct", &again, &e), 0);
	assert_int_equal(again.pub.status, COMPART_CREATING);     /* pid 0 */
	assert_string_equal(again.pub.bundle, st.pub.bundle);
	assert_string_equal(again.pub.created, st.pub.created);
	assert_string_equal(again.cg.mode, "v2");
	assert_string_equal(again.cg.path, "compart/ct");
	assert_string_equal(again.annotations, "{\"a\":\"1\"}");
	assert_int_equal(again.starttime, 77);
}

/* Annotations longer than the state keeps: refused with the reason.
 * Trimmed, they were no longer JSON, and the next write of the state
 * replaced them with {} (the compart_state fuzz harness's round-trip
 * check fails on it). */
static void annotations_beyond_the_state_refused(void **state)
{
	struct compart_error e = { 0, "" };
	struct cpt_state st;
	size_t n = CPT_ANNOTATIONS_MAX;
	char *text = malloc(n + 200), *v = malloc(n + 1);

	(void)state;
	assert_non_null(text);
	assert_non_null(v);
	memset(v, 'x', n);
	v[n] = 0;
	snprintf(text, n + 200, "{\"pid\": 0, \"bundle\": \"/b\", \"annotations\": {\"a\": \"%s\"}}", v);
	write_text(text);
	assert_int_equal(cpt_state_read(root, "ct", &st, &e), -1);
	assert_int_equal(e.err, E2BIG);
	assert_non_null(strstr(e.msg, "annotations take"));
	free(text);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(written_state_reads_back, setup, teardown),
		cmocka_unit_test_setup_teardown(annotations_beyond_the_state_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
