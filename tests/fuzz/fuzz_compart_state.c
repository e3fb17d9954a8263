/* SPDX-License-Identifier: MIT */
/*
 * compart's per-container state file (guest/lib/state.c): ROOT/ID/state.json,
 * which compart writes at create and reads back for every later command
 * (state, start, kill, delete, exec, update, list). The input is the file;
 * the harness keeps a private state root (under $TMPDIR, else /dev/shm,
 * else /tmp) for the run, removed at exit.
 *
 * Oracles: a refusal has an errno and a message; an accepted state has a
 * status compart knows and no pid once stopped or creating; `compart
 * state`'s output (compart_state_json) is a JSON object with the fields
 * the runtime spec requires (ociVersion, id, status, bundle, annotations)
 * and this id; and what compart writes from the state it read, it reads
 * back the same (bundle, creation time, cgroup, start time, annotations):
 * a state that does not survive its own write and read would change a
 * container's identity between two commands.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "internal.h"
#include "fuzz.h"

#define ID "fz"

static char root[256], dir[320], path[352];

static void remove_root(void)
{
	cpt_state_remove(dir);
	rmdir(root);
}

/* $TMPDIR, else /dev/shm (a tmpfs: no disk under three file operations
 * per input), else /tmp. */
static const char *tmp_dir(void)
{
	const char *tmp = getenv("TMPDIR");
	struct stat st;

	if (tmp && *tmp)
		return tmp;
	if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) && access("/dev/shm", W_OK) == 0)
		return "/dev/shm";
	return "/tmp";
}

static int init_root(void)
{
	snprintf(root, sizeof(root), "%s/septum-fuzz-state.XXXXXX", tmp_dir());
	if (!mkdtemp(root))
		return -1;
	snprintf(dir, sizeof(dir), "%s/%s", root, ID);
	snprintf(path, sizeof(path), "%s/state.json", dir);
	return mkdir(dir, 0700);
}

static void check_state_json(void)
{
	struct compart_error e = { 0, "" };
	char *out = NULL;
	json_t *j;

	if (compart_state_json(root, ID, &out, &e) != 0) {
		FUZZ_ASSERT(e.err && e.msg[0]);
		return;
	}
	j = json_loads(out, 0, NULL);
	FUZZ_ASSERT(j && json_is_object(j));
	FUZZ_ASSERT(json_is_string(json_object_get(j, "ociVersion")));
	FUZZ_ASSERT(!strcmp(json_string_value(json_object_get(j, "id")), ID));
	FUZZ_ASSERT(json_is_string(json_object_get(j, "status")));
	FUZZ_ASSERT(json_is_string(json_object_get(j, "bundle")));
	FUZZ_ASSERT(json_is_object(json_object_get(j, "annotations")));
	json_decref(j);
	free(out);
}

static void check_round_trip(const struct cpt_state *st)
{
	struct compart_error e = { 0, "" };
	struct cpt_state again;

	if (cpt_state_write(dir, st, &e) != 0) {
		FUZZ_ASSERT(e.err && e.msg[0]);
		return;
	}
	FUZZ_ASSERT(cpt_state_read(root, ID, &again, &e) == 0);
	FUZZ_ASSERT(!strcmp(again.pub.bundle, st->pub.bundle));
	FUZZ_ASSERT(!strcmp(again.pub.created, st->pub.created));
	FUZZ_ASSERT(!strcmp(again.cg.mode, st->cg.mode));
	FUZZ_ASSERT(!strcmp(again.cg.path, st->cg.path));
	FUZZ_ASSERT(again.starttime == st->starttime);
	FUZZ_ASSERT(!strcmp(again.annotations, st->annotations));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct compart_error e = { 0, "" };
	struct cpt_state st;
	FILE *f;

	if (!ready) {
		if (init_root() != 0) {
			perror("fuzz_compart_state: state root");
			abort();
		}
		atexit(remove_root);
		ready = true;
	}
	f = fopen(path, "w");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
		perror("fuzz_compart_state: writing state.json");
		abort();
	}
	if (cpt_state_read(root, ID, &st, &e) != 0) {
		FUZZ_ASSERT(e.err != 0 && e.msg[0]);
		return 0;
	}
	FUZZ_ASSERT(!strcmp(st.pub.id, ID));
	FUZZ_ASSERT((unsigned)st.pub.status <= COMPART_PAUSED);
	if (st.pub.status == COMPART_STOPPED || st.pub.status == COMPART_CREATING)
		FUZZ_ASSERT(st.pub.pid == 0);
	check_state_json();
	check_round_trip(&st);
	return 0;
}
