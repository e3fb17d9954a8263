/* SPDX-License-Identifier: MIT */
/*
 * compart's config.json parser (guest/lib/config.c, over Debian's jansson)
 * as `compart create` runs it on a bundle's file: the input is the text.
 * Oracles: a refusal has an errno and a message and leaves no config; an
 * accepted config keeps the rules config.c states for what it lets
 * through (absolute paths without "..", a cgroupsPath below the root,
 * known mount and device types, device access a subset of rwm, id maps
 * only with a user namespace and 1..5 of them, a hostname only with a uts
 * namespace, the annotations as a JSON object of strings; a cgroupsPath
 * and annotations that fit the container's state uncut), and every
 * allocation is freed by compart_config_free() (LeakSanitizer).
 */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "internal.h"
#include "fuzz.h"

static bool absolute_no_dotdot(const char *p)
{
	return p && p[0] == '/' && !strstr(p, "..");
}

static void check_paths(char *const *v)
{
	for (size_t i = 0; v && v[i]; i++)
		FUZZ_ASSERT(absolute_no_dotdot(v[i]));
}

static void check_annotations(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);
	const char *k;
	json_t *v;

	FUZZ_ASSERT(j && json_is_object(j));
	json_object_foreach(j, k, v)
		FUZZ_ASSERT(json_is_string(v));
	json_decref(j);
}

static void check_config(const struct compart_config *c)
{
	static const char *const types[] = { "proc", "tmpfs", "sysfs", "devpts", "mqueue",
					     "bind", "none", "cgroup", "cgroup2" };

	FUZZ_ASSERT(!strcmp(c->bundle, "/bundle"));
	FUZZ_ASSERT(c->rootfs && c->rootfs[0] == '/');
	for (size_t i = 0; i < c->n_mounts; i++) {
		const struct cpt_mount *m = &c->mounts[i];
		bool known = false;

		FUZZ_ASSERT(absolute_no_dotdot(m->dest));
		for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
			known |= !strcmp(m->type, types[k]);
		FUZZ_ASSERT(known);
		FUZZ_ASSERT(!m->bind || (m->source && m->source[0] == '/'));
		FUZZ_ASSERT(!(m->bind && m->cgroup));
	}
	for (unsigned k = 0; k < CPT_NS_COUNT; k++)
		FUZZ_ASSERT(!c->ns_path[k] || (c->ns[k] && c->ns_path[k][0] == '/'));
	FUZZ_ASSERT(c->ns[CPT_NS_MOUNT]);
	FUZZ_ASSERT(c->ns[CPT_NS_USER] == (c->n_uid_maps && c->n_gid_maps));
	FUZZ_ASSERT(c->n_uid_maps <= 5 && c->n_gid_maps <= 5);
	for (size_t i = 0; i < c->n_uid_maps; i++)
		FUZZ_ASSERT(c->uid_maps[i].size >= 1);
	FUZZ_ASSERT(!c->hostname || c->ns[CPT_NS_UTS]);
	/* ... and fits where the container's state keeps it, uncut. */
	if (c->cgroups_path)
		FUZZ_ASSERT(c->cgroups_path[0] && c->cgroups_path[0] != '/' && !strstr(c->cgroups_path, "..") &&
			    !strchr(c->cgroups_path, ':') && strlen(c->cgroups_path) < CPT_CGROUP_PATH_MAX);
	FUZZ_ASSERT(strlen(c->annotations_json) < CPT_ANNOTATIONS_MAX);
	check_paths(c->masked);
	check_paths(c->readonly);
	for (size_t i = 0; i < c->n_devrules; i++) {
		const struct cpt_devrule *r = &c->devrules[i];

		FUZZ_ASSERT(r->type == 'a' || r->type == 'c' || r->type == 'b');
		FUZZ_ASSERT(r->access[0] && strspn(r->access, "rwm") == strlen(r->access));
	}
	for (size_t i = 0; i < c->n_devices; i++)
		FUZZ_ASSERT(c->devices[i].path && strchr("cbup", c->devices[i].type) && c->devices[i].type);
	FUZZ_ASSERT(c->n_sc_archs <= sizeof(c->sc_archs) / sizeof(c->sc_archs[0]));
	for (size_t i = 0; i < c->n_sc_rules; i++)
		FUZZ_ASSERT(c->sc_rules[i].n_args <= 6);
	for (size_t i = 0; c->args && c->args[i]; i++)
		FUZZ_ASSERT(c->args[i]);
	check_annotations(c->annotations_json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct compart_config *c = (struct compart_config *)&c;   /* must become NULL on refusal */
	struct compart_error e = { 0, "" };

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	if (compart_config_parse(text, "/bundle", &c, &e) != 0) {
		FUZZ_ASSERT(c == NULL);
		FUZZ_ASSERT(e.err != 0 && e.msg[0] && memchr(e.msg, 0, sizeof(e.msg)));
	} else {
		FUZZ_ASSERT(c != NULL);
		check_config(c);
		compart_config_free(c);
	}
	free(text);
	return 0;
}
