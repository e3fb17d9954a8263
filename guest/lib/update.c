/* SPDX-License-Identifier: MIT */
/* pause/resume (the cgroup freezer) and update (new limits). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "internal.h"

int compart_pause(const char *root, const char *id, bool pause, struct compart_error *e)
{
	struct cpt_state st;

	if (cpt_state_read(root, id, &st, e))
		return -1;
	if (pause && st.pub.status != COMPART_RUNNING)
		return cpt_fail(e, EINVAL, "container '%s' is %s, not running", id,
				compart_status_name(st.pub.status));
	if (!pause && st.pub.status != COMPART_PAUSED)
		return cpt_fail(e, EINVAL, "container '%s' is %s, not paused", id,
				compart_status_name(st.pub.status));
	return cpt_cgroup_freeze(&st.cg, pause, e);
}

int compart_update(const char *root, const char *id, const char *resources_json,
		   struct compart_error *e)
{
	struct compart_config *c = NULL;
	struct cpt_state st;
	char dir[4096], path[4200], *text, *full = NULL;
	json_t *top, *res;
	json_error_t jerr;
	int rc = -1;

	if (cpt_state_read(root, id, &st, e) || cpt_state_dir(root, id, dir, sizeof(dir), e))
		return -1;
	if (st.pub.status == COMPART_STOPPED)
		return cpt_fail(e, ESRCH, "container not running");
	res = json_loads(resources_json, 0, &jerr);
	if (!res || !json_is_object(res)) {
		json_decref(res);
		return cpt_fail(e, EINVAL, "update: resources: line %d: %s", jerr.line,
				res ? "not an object" : jerr.text);
	}
	/* the saved config with linux.resources replaced: one parser, one set
	 * of rules for create and update */
	snprintf(path, sizeof(path), "%s/config.json", dir);
	text = cpt_read_all(path, 1 << 20);
	top = text ? json_loads(text, 0, &jerr) : NULL;
	free(text);
	if (!top || !json_is_object(json_object_get(top, "linux"))) {
		json_decref(res);
		json_decref(top);
		return cpt_fail(e, EIO, "%s: unreadable", path);
	}
	json_object_set_new(json_object_get(top, "linux"), "resources", res);
	full = json_dumps(top, JSON_COMPACT);
	json_decref(top);
	if (full && compart_config_parse(full, st.pub.bundle, &c, e) == 0)
		rc = cpt_cgroup_update(&st.cg, c, e);
	else if (!full)
		cpt_fail(e, ENOMEM, "out of memory");
	free(full);
	compart_config_free(c);
	return rc;
}
