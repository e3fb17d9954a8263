/* SPDX-License-Identifier: MIT */
/*
 * The last steps before execve: rlimits, user, capabilities, no_new_privs,
 * seccomp (runtime-spec config.md "Process", config-linux.md "Seccomp").
 *
 * Order, and why:
 *  1. rlimits and umask while still privileged;
 *  2. without no_new_privs, the seccomp filter must be loaded now, while
 *     CAP_SYS_ADMIN is still held (seccomp(2): the filter needs either
 *     no_new_privs or CAP_SYS_ADMIN);
 *  3. bounding set dropped (needs CAP_SETPCAP, so before capset);
 *  4. groups, gid, uid with PR_SET_KEEPCAPS, so setuid does not wipe the
 *     permitted set before we choose it;
 *  5. capset of effective/permitted/inheritable, then the ambient set;
 *  6. no_new_privs, then (if set) seccomp as the very last syscall before
 *     execve, so the filter restricts only the user's program.
 */
#include <errno.h>
#include <grp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/*
 * The default profile, used when config.json has no linux.seccomp: allow
 * everything except syscalls that reach kernel-global state or are common
 * container-escape and kernel-attack surfaces (module loading, kexec, swap,
 * clock, keyring, bpf, perf, userfaultfd, namespace and mount manipulation,
 * handle-based opens). They fail with EPERM, like without the capability.
 */
static const char *const default_deny[] = {
	"acct", "add_key", "bpf", "clock_adjtime", "clock_settime", "delete_module",
	"finit_module", "fsconfig", "fsmount", "fsopen", "fspick", "init_module",
	"iopl", "ioperm", "kcmp", "kexec_file_load", "kexec_load", "keyctl",
	"lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at",
	"open_by_handle_at", "open_tree", "perf_event_open", "pivot_root",
	"process_vm_readv", "process_vm_writev", "quotactl", "reboot", "request_key",
	"setns", "settimeofday", "swapoff", "swapon", "syslog", "umount2", "unshare",
	"userfaultfd", "adjtimex",
};

static int add_rule(scmp_filter_ctx ctx, const struct cpt_scrule *r, const char *name,
		    struct compart_error *e)
{
	struct scmp_arg_cmp cmp[6];
	int nr = seccomp_syscall_resolve_name(name), rc;

	for (size_t i = 0; i < r->n_args; i++)
		cmp[i] = (struct scmp_arg_cmp){ r->args[i].index, (enum scmp_compare)r->args[i].op,
						 r->args[i].value, r->args[i].value_two };
	rc = seccomp_rule_add_array(ctx, r->action, nr, (unsigned)r->n_args, cmp);
	if (rc < 0)
		return cpt_fail(e, -rc, "seccomp rule for '%s': %s", name, strerror(-rc));
	return 0;
}

int cpt_seccomp_load(const struct compart_config *c, struct compart_error *e)
{
	uint32_t def = c->has_seccomp ? c->sc_default : SCMP_ACT_ALLOW;
	scmp_filter_ctx ctx;
	int rc;

	/* No profile in the config and CAP_SYS_ADMIN in the bounding set: a
	 * privileged container (podman --privileged), which runc and crun run
	 * without a filter; the default profile would only break what it was
	 * given the capability for (mount, unshare, ...). */
	if (!c->has_seccomp && (c->caps[CPT_CAP_BOUNDING] & (1ull << CAP_SYS_ADMIN)))
		return 0;
	ctx = seccomp_init(def);
	if (!ctx)
		return cpt_fail(e, ENOMEM, "seccomp_init failed");
	/* no_new_privs is config.json's decision, not libseccomp's default. */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
		seccomp_release(ctx);
		return cpt_fail(e, EINVAL, "seccomp: cannot clear SCMP_FLTATR_CTL_NNP");
	}
	for (size_t i = 0; c->has_seccomp && i < c->n_sc_archs; i++) {
		rc = seccomp_arch_add(ctx, c->sc_archs[i]);
		if (rc < 0 && rc != -EEXIST) {
			seccomp_release(ctx);
			return cpt_fail(e, -rc, "seccomp: adding architecture %#x: %s", c->sc_archs[i],
					strerror(-rc));
		}
	}
	if (c->has_seccomp) {
		for (size_t i = 0; i < c->n_sc_rules; i++) {
			const struct cpt_scrule *r = &c->sc_rules[i];

			/* a rule with the default action is a no-op; libseccomp refuses it */
			if (r->action == def)
				continue;
			for (size_t k = 0; k < r->n_names; k++)
				if (add_rule(ctx, r, r->names[k], e))
					goto fail;
		}
	} else {
		struct cpt_scrule deny = { .action = SCMP_ACT_ERRNO(EPERM) };

		for (size_t k = 0; k < sizeof(default_deny) / sizeof(default_deny[0]); k++)
			if (add_rule(ctx, &deny, default_deny[k], e))
				goto fail;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return cpt_fail(e, -rc, "loading the seccomp filter: %s", strerror(-rc));
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}

static int set_rlimits(const struct compart_config *c, struct compart_error *e)
{
	for (size_t i = 0; i < c->n_rlimits; i++) {
		struct rlimit rl = { c->rlimits[i].soft, c->rlimits[i].hard };

		if (setrlimit(c->rlimits[i].resource, &rl) < 0)
			return cpt_fail(e, errno,
					"process.rlimits[%zu]: setrlimit(%d, %llu, %llu): %s%s", i,
					c->rlimits[i].resource, (unsigned long long)rl.rlim_cur,
					(unsigned long long)rl.rlim_max, strerror(errno),
					errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE on the host)" : "");
	}
	return 0;
}

static int drop_bounding(const struct compart_config *c, struct compart_error *e)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (c->caps[CPT_CAP_BOUNDING] & (1ull << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return cpt_fail(e, errno, "dropping capability %d from the bounding set: %s",
					cap, strerror(errno));
	}
	return 0;
}

static int set_user(const struct compart_config *c, struct compart_error *e)
{
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return cpt_fail(e, errno, "PR_SET_KEEPCAPS: %s", strerror(errno));
	/* In a rootless user namespace setgroups is denied (it had to be, for
	 * the gid map): fine when no additional groups were asked for. */
	if (setgroups(c->n_groups, c->groups) < 0 && !(errno == EPERM && c->n_groups == 0))
		return cpt_fail(e, errno, "setgroups: %s", strerror(errno));
	if (setresgid(c->gid, c->gid, c->gid) < 0)
		return cpt_fail(e, errno, "setresgid(%u): %s", c->gid, strerror(errno));
	if (setresuid(c->uid, c->uid, c->uid) < 0)
		return cpt_fail(e, errno, "setresuid(%u): %s", c->uid, strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return cpt_fail(e, errno, "PR_SET_KEEPCAPS: %s", strerror(errno));
	return 0;
}

static int set_caps(const struct compart_config *c, struct compart_error *e)
{
	static const cap_flag_t flags[] = { CAP_EFFECTIVE, CAP_INHERITABLE, CAP_PERMITTED };
	static const int sets[] = { CPT_CAP_EFFECTIVE, CPT_CAP_INHERITABLE, CPT_CAP_PERMITTED };
	cap_t caps = cap_init();
	int rc = 0;

	if (!caps)
		return cpt_fail(e, errno, "cap_init: %s", strerror(errno));
	for (int i = 0; i < 3; i++)
		for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; cap++)
			if (c->caps[sets[i]] & (1ull << cap))
				cap_set_flag(caps, flags[i], 1, &cap, CAP_SET);
	if (cap_set_proc(caps) < 0)
		rc = cpt_fail(e, errno, "capset: %s (effective must be within permitted)",
			      strerror(errno));
	cap_free(caps);
	if (rc)
		return rc;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return cpt_fail(e, errno, "clearing ambient capabilities: %s", strerror(errno));
	/* An ambient capability that is not both permitted and inheritable
	 * cannot be raised (capabilities(7)); runc and crun skip it, and
	 * `runc spec` lists ambient capabilities that are not inheritable, so
	 * compart skips it too rather than refusing such configs. */
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (c->caps[CPT_CAP_AMBIENT] & (1ull << cap))
			(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0);
	return 0;
}

int cpt_finalize_process(const struct compart_config *c, struct compart_error *e)
{
	const char *cwd = c->cwd ? c->cwd : "/";

	if (set_rlimits(c, e))
		return -1;
	if (c->has_umask)
		umask(c->umask);
	if (chdir(cwd) < 0)
		return cpt_fail(e, errno, "process.cwd %s: %s", cwd, strerror(errno));
	if (!c->no_new_privs && cpt_seccomp_load(c, e))
		return -1;
	if (drop_bounding(c, e) || set_user(c, e) || set_caps(c, e))
		return -1;
	if (c->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cpt_fail(e, errno, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (c->no_new_privs && cpt_seccomp_load(c, e))
		return -1;
	return 0;
}

int cpt_exec(const struct compart_config *c, char *const argv[], struct compart_error *e)
{
	extern char **environ;

	/* execvp searches the PATH of `environ`: make it the container's. */
	environ = c->env;
	execvp(argv[0], argv);
	return cpt_fail(e, errno, "exec %s: %s", argv[0], strerror(errno));
}
