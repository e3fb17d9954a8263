/* SPDX-License-Identifier: MIT */
/*
 * linux.resources.devices on cgroup v2: v2 has no devices.allow/deny
 * files; the kernel asks a BPF_PROG_TYPE_CGROUP_DEVICE program attached to
 * the group instead (Documentation/admin-guide/cgroup-v2.rst, "Device
 * controller"; include/uapi/linux/bpf.h, struct bpf_cgroup_dev_ctx).
 *
 * The program is the rule list turned into straight-line code, evaluated
 * from the last rule to the first: the first that matches decides, as a
 * later OCI rule overrides an earlier one (config-linux.md "Allowed Device
 * List"). A rule matches when the type, major and minor fit and the
 * requested access is within the rule's. Without any rule matching, the
 * device is allowed unless a rule covered every device ("a"); the rules
 * clients send start with a deny-all, so that default rarely decides.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

/* one rule's block is at most 11 instructions (see emit_rule) */
#define MAX_INSNS(n) (6 + 11 * (n) + 2)

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn i;

	memset(&i, 0, sizeof(i));
	i.code = code;
	i.dst_reg = dst & 0xf;
	i.src_reg = src & 0xf;
	i.off = off;
	i.imm = imm;
	return i;
}

/* r2 = type, r3 = access, r4 = major, r5 = minor (ctx in r1) */
static size_t emit_prologue(struct bpf_insn *p)
{
	size_t n = 0;

	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 2, 0, 0, 0xffff);
	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, 3, 1, 0, 0);
	p[n++] = insn(BPF_ALU64 | BPF_RSH | BPF_K, 3, 0, 0, 16);
	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, 4, 1, 4, 0);
	p[n++] = insn(BPF_LDX | BPF_W | BPF_MEM, 5, 1, 8, 0);
	return n;
}

static int access_bits(const char *a)
{
	int bits = 0;

	bits |= strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0;
	bits |= strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0;
	bits |= strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0;
	return bits;
}

/* if (rule matches) return allow; the jumps skip to the block's end */
static size_t emit_rule(struct bpf_insn *p, const struct cpt_devrule *r)
{
	int acc = access_bits(r->access);
	size_t n = 0, jumps[4], nj = 0;

	if (r->type != 'a') {
		jumps[nj++] = n;
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 0,
			      r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	}
	if (acc != (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)) {
		p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, 1, 3, 0, 0);
		p[n++] = insn(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, ~acc);
		jumps[nj++] = n;
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 0, 0);
	}
	if (r->major >= 0) {
		jumps[nj++] = n;
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 0, (int32_t)r->major);
	}
	if (r->minor >= 0) {
		jumps[nj++] = n;
		p[n++] = insn(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 0, (int32_t)r->minor);
	}
	p[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
	p[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < nj; i++)
		p[jumps[i]].off = (int16_t)(n - jumps[i] - 1);
	return n;
}

size_t cpt_devfilter_build(const struct cpt_devrule *rules, size_t n_rules,
			   struct bpf_insn *prog, size_t max)
{
	size_t n;
	bool deny_default = false;

	if (max < MAX_INSNS(n_rules))
		return 0;
	n = emit_prologue(prog);
	for (size_t i = n_rules; i-- > 0;) {
		const struct cpt_devrule *r = &rules[i];

		n += emit_rule(prog + n, r);
		/* a rule for every device and access always decides: the
		 * verifier refuses the unreachable code after it */
		if (r->type == 'a' && r->major < 0 && r->minor < 0 && !strcmp(r->access, "rwm"))
			return n;
		if (r->type == 'a')
			deny_default = true;
	}
	prog[n++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, deny_default ? 0 : 1);
	prog[n++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

int cpt_devfilter_attach(const char *cgroup_dir, const struct cpt_devrule *rules,
			 size_t n_rules, struct compart_error *e)
{
	size_t max = MAX_INSNS(n_rules), n;
	struct bpf_insn *prog = calloc(max, sizeof(*prog));
	static char log[4096];

	log[0] = '\0';
	union bpf_attr attr;
	int pfd, cfd, rc = 0;

	if (!prog)
		return cpt_fail(e, ENOMEM, "out of memory");
	n = cpt_devfilter_build(rules, n_rules, prog, max);
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	attr.insns = (uint64_t)(uintptr_t)prog;
	attr.insn_cnt = (uint32_t)n;
	attr.license = (uint64_t)(uintptr_t)"GPL";
	attr.log_buf = (uint64_t)(uintptr_t)log;
	attr.log_size = sizeof(log);
	attr.log_level = 1;
	pfd = (int)bpf(BPF_PROG_LOAD, &attr);
	if (pfd < 0 && errno == ENOSPC) { /* log too small: load without it */
		attr.log_buf = 0;
		attr.log_size = 0;
		attr.log_level = 0;
		pfd = (int)bpf(BPF_PROG_LOAD, &attr);
	}
	free(prog);
	if (pfd < 0)
		return cpt_fail(e, errno,
				"linux.resources.devices cannot be applied: loading the cgroup v2 device program: %s%s%.120s",
				strerror(errno), log[0] ? ": verifier: " : "", log);
	cfd = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cfd < 0) {
		rc = cpt_fail(e, errno, "%s: %s", cgroup_dir, strerror(errno));
		close(pfd);
		return rc;
	}
	memset(&attr, 0, sizeof(attr));
	attr.target_fd = (uint32_t)cfd;
	attr.attach_bpf_fd = (uint32_t)pfd;
	attr.attach_type = BPF_CGROUP_DEVICE;
	attr.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &attr) < 0)
		rc = cpt_fail(e, errno,
			      "linux.resources.devices cannot be applied: attaching the device program to %s: %s",
			      cgroup_dir, strerror(errno));
	/* the attached program is held by the cgroup, not by these fds */
	close(cfd);
	close(pfd);
	return rc;
}
