/* SPDX-License-Identifier: MIT */
/*
 * cmocka tests of the config.json parser (lib/config.c): what is accepted
 * lands in struct compart_config with the right values; every refusal names
 * the field. One test per invalid input.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

#include <cmocka.h>
#include <seccomp.h>

#include "internal.h"

/* A valid config with room for extra process, linux and top-level keys. */
static char *make(const char *proc, const char *lnx, const char *top)
{
	char *s = NULL;

	assert_true(asprintf(&s,
			     "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/\"},"
			     " \"process\": {\"args\": [\"sh\", \"-c\", \"true\"]%s},"
			     " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"uts\"}]%s}%s}",
			     proc, lnx, top) > 0);
	return s;
}

static struct compart_config *accept(const char *json)
{
	struct compart_error e = { 0, "" };
	struct compart_config *c = NULL;

	if (compart_config_parse(json, "/bundle", &c, &e))
		fail_msg("refused: %s", e.msg);
	return c;
}

static void refuse(const char *json, const char *needle)
{
	struct compart_error e = { 0, "" };
	struct compart_config *c = NULL;

	assert_int_equal(compart_config_parse(json, "/bundle", &c, &e), -1);
	assert_null(c);
	assert_int_not_equal(e.err, 0);
	if (!strstr(e.msg, needle))
		fail_msg("message '%s' lacks '%s'", e.msg, needle);
}

static void refuse_with(const char *proc, const char *lnx, const char *top, const char *needle)
{
	char *s = make(proc, lnx, top);

	refuse(s, needle);
	free(s);
}

/* ------------------------------------------------------------ accepted */

static void minimal_config_defaults(void **state)
{
	char *s = make("", "", "");
	struct compart_config *c = accept(s);

	(void)state;
	assert_string_equal(c->rootfs, "/");
	assert_false(c->readonly_root);
	assert_string_equal(c->args[0], "sh");
	assert_string_equal(c->args[2], "true");
	assert_null(c->args[3]);
	assert_non_null(c->env);
	assert_null(c->env[0]);
	assert_true(c->ns[CPT_NS_MOUNT]);
	assert_true(c->ns[CPT_NS_UTS]);
	assert_false(c->ns[CPT_NS_USER]);
	assert_false(c->ns[CPT_NS_NET]);
	/* OCI default capabilities: AUDIT_WRITE(29) KILL(5) NET_BIND_SERVICE(10) */
	assert_int_equal(c->caps[CPT_CAP_BOUNDING], 0x20000420ull);
	assert_int_equal(c->caps[CPT_CAP_EFFECTIVE], 0x20000420ull);
	assert_int_equal(c->caps[CPT_CAP_AMBIENT], 0);
	assert_false(c->has_seccomp);
	assert_false(c->has_mem_limit);
	assert_string_equal(c->annotations_json, "{}");
	compart_config_free(c);
	free(s);
}

static void relative_root_is_under_bundle(void **state)
{
	struct compart_error e;
	struct compart_config *c = NULL;

	(void)state;
	/* a relative root.path is joined to the bundle directory */
	assert_int_equal(compart_config_parse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"tmp\", \"readonly\": true},"
					      " \"process\": {\"args\": [\"x\"]}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
					      "/", &c, &e), 0);
	assert_string_equal(c->rootfs, "//tmp");
	assert_true(c->readonly_root);
	compart_config_free(c);
}

static void full_process(void **state)
{
	char *s = make(", \"env\": [\"PATH=/bin\", \"A=b=c\"], \"cwd\": \"/tmp\","
		       " \"user\": {\"uid\": 1000, \"gid\": 100, \"additionalGids\": [5, 6], \"umask\": 18},"
		       " \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"], \"effective\": [\"CAP_KILL\"],"
		       " \"ambient\": [\"CAP_KILL\"]},"
		       " \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 100, \"hard\": 200}],"
		       " \"noNewPrivileges\": true, \"oomScoreAdj\": -5",
		       "", ", \"annotations\": {\"b\": \"2\", \"a\": \"1\"}");
	struct compart_config *c = accept(s);

	(void)state;
	assert_string_equal(c->env[1], "A=b=c");
	assert_string_equal(c->cwd, "/tmp");
	assert_int_equal(c->uid, 1000);
	assert_int_equal(c->gid, 100);
	assert_int_equal(c->n_groups, 2);
	assert_int_equal(c->groups[1], 6);
	assert_true(c->has_umask);
	assert_int_equal(c->umask, 022);
	assert_int_equal(c->caps[CPT_CAP_BOUNDING], (1ull << 5) | (1ull << 0));
	assert_int_equal(c->caps[CPT_CAP_EFFECTIVE], 1ull << 5);
	assert_int_equal(c->caps[CPT_CAP_PERMITTED], 0);
	assert_int_equal(c->caps[CPT_CAP_AMBIENT], 1ull << 5);
	assert_int_equal(c->n_rlimits, 1);
	assert_int_equal(c->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(c->rlimits[0].soft, 100);
	assert_int_equal(c->rlimits[0].hard, 200);
	assert_true(c->no_new_privs);
	assert_true(c->has_oom_score_adj);
	assert_int_equal(c->oom_score_adj, -5);
	assert_string_equal(c->annotations_json, "{\"a\":\"1\",\"b\":\"2\"}");
	compart_config_free(c);
	free(s);
}

static void mounts_flags_and_data(void **state)
{
	char *s = make("", "",
		       ", \"mounts\": [{\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
		       " \"options\": [\"nosuid\", \"ro\", \"mode=755\", \"size=1m\", \"rprivate\"]},"
		       " {\"destination\": \"/data\", \"source\": \"/srv\", \"options\": [\"rbind\", \"ro\"]}]");
	struct compart_config *c = accept(s);

	(void)state;
	assert_int_equal(c->n_mounts, 2);
	assert_int_equal(c->mounts[0].flags, MS_NOSUID | MS_RDONLY);
	assert_string_equal(c->mounts[0].data, "mode=755,size=1m");
	assert_int_equal(c->mounts[0].propagation, MS_PRIVATE | MS_REC);
	assert_false(c->mounts[0].bind);
	assert_true(c->mounts[1].bind);
	assert_string_equal(c->mounts[1].type, "bind");
	assert_int_equal(c->mounts[1].flags, MS_BIND | MS_REC | MS_RDONLY);
	compart_config_free(c);
	free(s);
}

static void resources_and_maps(void **state)
{
	const char *s =
		"{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
		" \"linux\": {\"resources\": {\"memory\": {\"limit\": 16777216, \"swap\": 33554432},"
		" \"cpu\": {\"shares\": 512, \"quota\": 50000, \"period\": 100000, \"cpus\": \"0\", \"mems\": \"0\"},"
		" \"pids\": {\"limit\": 32}}, \"cgroupsPath\": \"/a/b\","
		" \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1000}],"
		" \"gidMappings\": [{\"containerID\": 0, \"hostID\": 200000, \"size\": 1000}],"
		" \"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}, {\"type\": \"pid\"},"
		" {\"type\": \"network\"}, {\"type\": \"ipc\"}, {\"type\": \"cgroup\"}]}}";
	struct compart_config *c = accept(s);

	(void)state;
	assert_true(c->has_mem_limit);
	assert_int_equal(c->mem_limit, 16777216);
	assert_int_equal(c->mem_swap, 33554432);
	assert_int_equal(c->cpu_shares, 512);
	assert_int_equal(c->cpu_quota, 50000);
	assert_int_equal(c->cpu_period, 100000);
	assert_string_equal(c->cpus, "0");
	assert_int_equal(c->pids_limit, 32);
	assert_string_equal(c->cgroups_path, "a/b");
	assert_true(c->ns[CPT_NS_USER] && c->ns[CPT_NS_PID] && c->ns[CPT_NS_NET] &&
		    c->ns[CPT_NS_IPC] && c->ns[CPT_NS_CGROUP]);
	assert_false(c->ns[CPT_NS_UTS]);
	assert_int_equal(cpt_host_uid(c, 0), 100000);
	assert_int_equal(cpt_host_uid(c, 999), 100999);
	assert_int_equal(cpt_host_uid(c, 1000), 65534);
	assert_int_equal(cpt_host_gid(c, 1), 200001);
	compart_config_free(c);
}

static void seccomp_rules(void **state)
{
	char *s = make("",
		       ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
		       " \"architectures\": [\"SCMP_ARCH_X86_64\"],"
		       " \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		       " {\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 95,"
		       " \"args\": [{\"index\": 1, \"value\": 448, \"op\": \"SCMP_CMP_EQ\"}]}]}",
		       "");
	struct compart_config *c = accept(s);

	(void)state;
	assert_true(c->has_seccomp);
	assert_int_equal(c->sc_default, SCMP_ACT_ERRNO(38));
	assert_int_equal(c->n_sc_rules, 2);
	assert_int_equal(c->sc_rules[0].n_names, 2);
	assert_int_equal(c->sc_rules[0].action, SCMP_ACT_ALLOW);
	assert_int_equal(c->sc_rules[1].action, SCMP_ACT_ERRNO(95));
	assert_int_equal(c->sc_rules[1].n_args, 1);
	assert_int_equal(c->sc_rules[1].args[0].index, 1);
	assert_int_equal(c->sc_rules[1].args[0].value, 448);
	assert_int_equal(c->sc_rules[1].args[0].op, SCMP_CMP_EQ);
	compart_config_free(c);
	free(s);
}

/* ------------------------------------------------------------ refused */

#define REFUSE(name, proc, lnx, top, needle) \
	static void name(void **state) { (void)state; refuse_with(proc, lnx, top, needle); }

static void malformed_json(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": ", "config.json: line 1");
}

static void top_not_object(void **state)
{
	(void)state;
	refuse("[1, 2]", "top level must be an object");
}

static void duplicate_key(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"ociVersion\": \"1.0.0\"}", "duplicate");
}

static void missing_oci_version(void **state)
{
	(void)state;
	refuse("{\"root\": {\"path\": \"/\"}}", "'ociVersion' is required");
}

static void oci_version_2(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"2.0.0\"}", "not a 1.x version");
}

static void missing_root(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\"}", "'root' is required");
}

static void root_not_found(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/nonexistent-compart\"}}",
	       "root.path '/nonexistent-compart': No such file or directory");
}

static void root_not_dir(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/dev/null\"}}", "is not a directory");
}

static void missing_args(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {}}",
	       "'process.args' must not be empty");
}

static void missing_linux(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]}}",
	       "'linux' is required");
}

REFUSE(hooks_refused, "", "", ", \"hooks\": {\"prestart\": [{\"path\": \"true\"}]}",
       "'hooks.prestart[0].path' must be an absolute path")
REFUSE(spec_field_refused, "", ", \"intelRdt\": {\"closID\": \"x\"}", "",
       "unsupported field 'linux.intelRdt'")
REFUSE(blkio_leaf_weight, "", ", \"resources\": {\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 100, \"leafWeight\": 10}]}}", "",
       "unsupported field 'linux.resources.blockIO.weightDevice[0].leafWeight'")
REFUSE(blkio_weight_range, "", ", \"resources\": {\"blockIO\": {\"weight\": 5}}", "",
       "'linux.resources.blockIO.weight' = 5 is impossible (allowed 10..1000)")
REFUSE(devrule_bad_access, "", ", \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwx\"}]}", "",
       "'linux.resources.devices[0].access' 'rwx' is not a subset of rwm")

/* The spec: unknown properties MUST be ignored; empty spec fields that
 * compart does not apply (hooks {}) are nothing to apply. */
static void unknown_fields_ignored(void **state)
{
	char *s = make(", \"user\": {\"username\": \"x\"}, \"future\": 1", ", \"future\": {}",
		       ", \"hooks\": {}, \"vm\": {\"x\": 1}");
	struct compart_config *c = accept(s);

	(void)state;
	free(s);
	compart_config_free(c);
}

/* What podman and containerd emit: terminal, a cgroup mount, deny-all
 * device rules, i386/x32 seccomp arches, sysctl, devices, propagation. */
static void client_fields_accepted(void **state)
{
	char *s = make(", \"terminal\": true",
		       ", \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
		       " {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3, \"access\": \"rw\"}],"
		       " \"memory\": {\"reservation\": 1048576},"
		       " \"blockIO\": {\"weight\": 500, \"throttleWriteIOPSDevice\": [{\"major\": 8, \"minor\": 0, \"rate\": 100}]}},"
		       " \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		       " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
		       " \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"},"
		       " \"devices\": [{\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229}],"
		       " \"rootfsPropagation\": \"rslave\"",
		       ", \"mounts\": [{\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\","
		       " \"options\": [\"nosuid\", \"ro\"]}]");
	struct compart_config *c = accept(s);

	(void)state;
	free(s);
	assert_true(c->terminal);
	assert_true(c->mounts[0].cgroup);
	assert_int_equal(c->n_devrules, 2);
	assert_false(c->devrules[0].allow);
	assert_int_equal(c->devrules[0].type, 'a');
	assert_int_equal(c->devrules[1].major, 1);
	assert_string_equal(c->devrules[1].access, "rw");
	assert_true(c->has_mem_reservation);
	assert_int_equal(c->blkio_weight, 500);
	assert_int_equal(c->n_blkdevs, 1);
	assert_int_equal(c->blkdevs[0].kind, CPT_BLK_WIOPS);
	assert_int_equal(c->blkdevs[0].value, 100);
	assert_int_equal(c->n_sc_archs, 2);
	assert_int_equal(c->sc_archs[0], SCMP_ARCH_X86);
	assert_int_equal(c->sc_archs[1], SCMP_ARCH_X32);
	assert_int_equal(c->n_sysctls, 1);
	assert_string_equal(c->sysctls[0].key, "net.ipv4.ip_forward");
	assert_int_equal(c->n_devices, 1);
	assert_int_equal(c->devices[0].minor, 229);
	assert_int_equal(c->rootfs_propagation, MS_SLAVE | MS_REC);
	compart_config_free(c);
}
REFUSE(relative_cwd, ", \"cwd\": \"tmp\"", "", "", "'process.cwd' must be absolute")
REFUSE(env_without_equals, ", \"env\": [\"PATH\"]", "", "", "'PATH' is not KEY=VALUE")
REFUSE(bad_capability, ", \"capabilities\": {\"bounding\": [\"CAP_FLY\"]}", "", "",
       "'process.capabilities.bounding[0]' is not a capability name")
REFUSE(unknown_rlimit, ", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]", "", "",
       "unknown rlimit 'RLIMIT_FOO'")
REFUSE(rlimit_soft_above_hard, ", \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 1}]",
       "", "", "soft 2 > hard 1 is impossible")
REFUSE(oom_score_range, ", \"oomScoreAdj\": 1001", "", "", "'process.oomScoreAdj' = 1001 is impossible")
REFUSE(mount_type_unknown, "", "",
       ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"ext4\"}]",
       "'mounts[0].type' 'ext4' is not supported")
REFUSE(mount_relative_dest, "", "", ", \"mounts\": [{\"destination\": \"tmp\", \"type\": \"tmpfs\"}]",
       "'mounts[0].destination' 'tmp' must be absolute")
REFUSE(bind_without_source, "", "", ", \"mounts\": [{\"destination\": \"/x\", \"options\": [\"bind\"]}]",
       "'mounts[0].source' must be an absolute host path")
REFUSE(mount_remount_option, "", "",
       ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\", \"options\": [\"remount\"]}]",
       "mount option 'remount' is not supported")
REFUSE(maps_without_userns, "",
       ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
       " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]",
       "", "'linux.uidMappings' given without a 'user' namespace")
REFUSE(map_size_zero, "", ", \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 0}]", "",
       "'linux.uidMappings[0].size' = 0 is impossible")
REFUSE(memory_too_small, "", ", \"resources\": {\"memory\": {\"limit\": 4096}}", "",
       "'linux.resources.memory.limit' = 4096 is impossible")
REFUSE(swap_below_memory, "", ", \"resources\": {\"memory\": {\"limit\": 16777216, \"swap\": 1048576}}", "",
       "must be -1 or >= memory.limit")
REFUSE(pids_zero, "", ", \"resources\": {\"pids\": {\"limit\": 0}}", "",
       "'linux.resources.pids.limit' = 0 is impossible")
REFUSE(cpu_quota_tiny, "", ", \"resources\": {\"cpu\": {\"quota\": 10}}", "",
       "'linux.resources.cpu.quota' = 10 is impossible")
REFUSE(cpu_period_huge, "", ", \"resources\": {\"cpu\": {\"period\": 5000000}}", "",
       "'linux.resources.cpu.period' = 5000000 is impossible")
REFUSE(cpus_nonexistent, "", ", \"resources\": {\"cpu\": {\"cpus\": \"0-100000\"}}", "",
       "CPU/node 100000 does not exist")
REFUSE(cpus_malformed, "", ", \"resources\": {\"cpu\": {\"cpus\": \"a-b\"}}", "",
       "is not a list like 0-1,3")
REFUSE(seccomp_unknown_action, "", ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_NOTIFY\"}", "",
       "'linux.seccomp.defaultAction' 'SCMP_ACT_NOTIFY' is not supported")
REFUSE(seccomp_unknown_syscall, "",
       ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"frobnicate\"],"
       " \"action\": \"SCMP_ACT_ERRNO\"}]}",
       "", "unknown syscall 'frobnicate'")
REFUSE(seccomp_errno_on_allow, "",
       ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}", "",
       "'linux.seccomp.defaultErrnoRet' needs SCMP_ACT_ERRNO")
REFUSE(seccomp_foreign_arch, "",
       ", \"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_AARCH64\"]}",
       "", "'linux.seccomp.architectures[0]' is not supported")
REFUSE(cgroups_path_dotdot, "", ", \"cgroupsPath\": \"/../x\"", "", "'linux.cgroupsPath' '/../x'")
REFUSE(cgroups_path_systemd, "", ", \"cgroupsPath\": \"system.slice:compart:x\"", "",
       "systemd slice:prefix:name form is not supported")
REFUSE(masked_relative, "", ", \"maskedPaths\": [\"proc/kcore\"]", "",
       "'linux.maskedPaths[0]' must be absolute")
REFUSE(annotation_not_string, "", "", ", \"annotations\": {\"a\": 1}", "'annotations.a' must be a string")

/* A container's state keeps its annotations as compact JSON in
 * CPT_ANNOTATIONS_MAX bytes: more is refused at create, never trimmed (the
 * state would have lost them all; the compart_state fuzz harness's round-trip
 * check fails on it). */
static char *annotations_of(size_t value_len)
{
	char *v = malloc(value_len + 1), *top = NULL;

	assert_non_null(v);
	memset(v, 'x', value_len);
	v[value_len] = 0;
	assert_true(asprintf(&top, ", \"annotations\": {\"a\": \"%s\"}", v) > 0);
	free(v);
	return top;
}

static void annotations_fill_the_state(void **state)
{
	/* {"a":"x..."} is 8 + n bytes; with the NUL, n = MAX - 9 fits exactly. */
	char *top = annotations_of(CPT_ANNOTATIONS_MAX - 9), *s = make("", "", top);
	struct compart_config *c = accept(s);

	(void)state;
	assert_int_equal(strlen(c->annotations_json), CPT_ANNOTATIONS_MAX - 1);
	compart_config_free(c);
	free(s);
	free(top);
}

static void annotations_beyond_the_state(void **state)
{
	char *top = annotations_of(CPT_ANNOTATIONS_MAX - 8), *s = make("", "", top);

	(void)state;
	refuse(s, "'annotations' take 4096 bytes as JSON, more than the 4095 compart keeps");
	free(s);
	free(top);
}

/* A cgroupsPath longer than the state keeps was cut to its first 255
 * bytes: a path that then names another group (another container's, or
 * a parent of many) would be the container's, for limits, kill and delete.
 * 255 bytes fit; 256 are refused. */
static char *cgroups_path_of(size_t len)
{
	char *p = malloc(len + 1), *lnx = NULL;

	assert_non_null(p);
	memset(p, 'c', len);
	memcpy(p, "compart/", 8);
	p[len] = 0;
	assert_true(asprintf(&lnx, ", \"cgroupsPath\": \"/%s\"", p) > 0);
	free(p);
	return lnx;
}

static void cgroups_path_fills_the_state(void **state)
{
	char *lnx = cgroups_path_of(CPT_CGROUP_PATH_MAX - 1), *s = make("", lnx, "");
	struct compart_config *c = accept(s);

	(void)state;
	assert_int_equal(strlen(c->cgroups_path), CPT_CGROUP_PATH_MAX - 1);
	compart_config_free(c);
	free(s);
	free(lnx);
}

static void cgroups_path_beyond_the_state(void **state)
{
	char *lnx = cgroups_path_of(CPT_CGROUP_PATH_MAX), *s = make("", lnx, "");

	(void)state;
	refuse(s, "'linux.cgroupsPath' is 256 bytes long, more than the 255 compart keeps");
	free(s);
	free(lnx);
}

/* A refusal frees what the parse had allocated: here a mount's options
 * with a non-string after two strings (found by the compart_config fuzz
 * harness: LeakSanitizer saw the options vector and its strings lost). The
 * heap in use after a second refusal is what it was before it. */
static void mount_options_refused_leak_nothing(void **state)
{
	char *s = make("", "", ", \"mounts\": [{\"destination\": \"/x\", \"type\": \"tmpfs\","
			     " \"options\": [\"nosuid\", \"nodev\", false]}]");
	size_t before;

	(void)state;
	refuse(s, "'mounts[0].options[2]' must be a string");     /* warm up: one-time allocations */
	before = mallinfo2().uordblks;
	refuse(s, "'mounts[0].options[2]' must be a string");
	assert_int_equal(mallinfo2().uordblks, before);
	free(s);
}

/* The template has "mount" and "uts": these need their own namespaces list. */
static void namespace_path_refused(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
	       " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"pid\", \"path\": \"/proc/1/ns/pid\"}]}}",
	       "'linux.namespaces[1].path' joining an existing pid namespace is not supported");
}

static void namespace_unknown(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
	       " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"time\"}]}}",
	       "'linux.namespaces[1].type' 'time' is not supported");
}

static void namespace_twice(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
	       " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"mount\"}]}}",
	       "namespace 'mount' given twice");
}

static void no_mount_namespace(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
	       " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}]}}",
	       "'linux.namespaces' must include 'mount'");
}

static void hostname_needs_uts(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
	       " \"hostname\": \"h\", \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
	       "'hostname' needs a 'uts' namespace");
}

static void userns_needs_maps(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [\"x\"]},"
	       " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}]}}",
	       "a 'user' namespace needs 'linux.uidMappings' and 'linux.gidMappings'");
}

static void args_must_be_strings(void **state)
{
	(void)state;
	refuse("{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"/\"}, \"process\": {\"args\": [1]},"
	       " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}",
	       "'process.args[0]' must be a string");
}

static void signal_names(void **state)
{
	(void)state;
	assert_int_equal(compart_signal_parse("KILL"), 9);
	assert_int_equal(compart_signal_parse("SIGTERM"), 15);
	assert_int_equal(compart_signal_parse("10"), 10);
	assert_int_equal(compart_signal_parse("0"), -1);
	assert_int_equal(compart_signal_parse("SIGFOO"), -1);
	assert_int_equal(compart_signal_parse(""), -1);
}

static void container_ids(void **state)
{
	struct compart_error e;

	(void)state;
	assert_int_equal(cpt_valid_id("web-1_a.b", &e), 0);
	assert_int_equal(cpt_valid_id("../x", &e), -1);
	assert_int_equal(cpt_valid_id("-x", &e), -1);
	assert_int_equal(cpt_valid_id("a/b", &e), -1);
	assert_int_equal(cpt_valid_id("", &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(minimal_config_defaults),
		cmocka_unit_test(relative_root_is_under_bundle),
		cmocka_unit_test(full_process),
		cmocka_unit_test(mounts_flags_and_data),
		cmocka_unit_test(resources_and_maps),
		cmocka_unit_test(seccomp_rules),
		cmocka_unit_test(malformed_json),
		cmocka_unit_test(top_not_object),
		cmocka_unit_test(duplicate_key),
		cmocka_unit_test(missing_oci_version),
		cmocka_unit_test(oci_version_2),
		cmocka_unit_test(missing_root),
		cmocka_unit_test(root_not_found),
		cmocka_unit_test(root_not_dir),
		cmocka_unit_test(missing_args),
		cmocka_unit_test(missing_linux),
		cmocka_unit_test(hooks_refused),
		cmocka_unit_test(spec_field_refused),
		cmocka_unit_test(devrule_bad_access),
		cmocka_unit_test(blkio_leaf_weight),
		cmocka_unit_test(blkio_weight_range),
		cmocka_unit_test(unknown_fields_ignored),
		cmocka_unit_test(client_fields_accepted),
		cmocka_unit_test(relative_cwd),
		cmocka_unit_test(env_without_equals),
		cmocka_unit_test(args_must_be_strings),
		cmocka_unit_test(bad_capability),
		cmocka_unit_test(unknown_rlimit),
		cmocka_unit_test(rlimit_soft_above_hard),
		cmocka_unit_test(oom_score_range),
		cmocka_unit_test(mount_type_unknown),
		cmocka_unit_test(mount_relative_dest),
		cmocka_unit_test(bind_without_source),
		cmocka_unit_test(mount_remount_option),
		cmocka_unit_test(namespace_path_refused),
		cmocka_unit_test(namespace_unknown),
		cmocka_unit_test(namespace_twice),
		cmocka_unit_test(no_mount_namespace),
		cmocka_unit_test(hostname_needs_uts),
		cmocka_unit_test(userns_needs_maps),
		cmocka_unit_test(maps_without_userns),
		cmocka_unit_test(map_size_zero),
		cmocka_unit_test(memory_too_small),
		cmocka_unit_test(swap_below_memory),
		cmocka_unit_test(pids_zero),
		cmocka_unit_test(cpu_quota_tiny),
		cmocka_unit_test(cpu_period_huge),
		cmocka_unit_test(cpus_nonexistent),
		cmocka_unit_test(cpus_malformed),
		cmocka_unit_test(seccomp_unknown_action),
		cmocka_unit_test(seccomp_unknown_syscall),
		cmocka_unit_test(seccomp_errno_on_allow),
		cmocka_unit_test(seccomp_foreign_arch),
		cmocka_unit_test(cgroups_path_dotdot),
		cmocka_unit_test(cgroups_path_systemd),
		cmocka_unit_test(cgroups_path_fills_the_state),
		cmocka_unit_test(cgroups_path_beyond_the_state),
		cmocka_unit_test(masked_relative),
		cmocka_unit_test(annotation_not_string),
		cmocka_unit_test(mount_options_refused_leak_nothing),
		cmocka_unit_test(annotations_fill_the_state),
		cmocka_unit_test(annotations_beyond_the_state),
		cmocka_unit_test(signal_names),
		cmocka_unit_test(container_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
