/* SPDX-License-Identifier: MIT */
/*
 * The cgroup v2 device program, run by a small interpreter of the few
 * eBPF instructions devfilter.c emits (the kernel's verifier and JIT are
 * exercised by the suite under QEMU): each case asks "may this access to
 * this device happen?" as the kernel would.
 */
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "internal.h"

/* returns r0 at exit; fails the test on an instruction it does not know */
static uint64_t run(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access,
		    uint32_t major, uint32_t minor)
{
	uint32_t ctx[3] = { (access << 16) | type, major, minor };
	uint64_t r[11] = { 0 };

	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t imm = (uint64_t)(int64_t)i->imm;

		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			assert_int_equal(i->src_reg, 1);
			r[i->dst_reg] = ctx[i->off / 4];
			break;
		case BPF_ALU64 | BPF_AND | BPF_K: r[i->dst_reg] &= imm; break;
		case BPF_ALU64 | BPF_RSH | BPF_K: r[i->dst_reg] >>= imm; break;
		case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = imm; break;
		case BPF_ALU64 | BPF_MOV | BPF_X: r[i->dst_reg] = r[i->src_reg]; break;
		case BPF_JMP | BPF_JNE | BPF_K:
			if (r[i->dst_reg] != imm)
				pc += (size_t)i->off;
			break;
		case BPF_JMP | BPF_EXIT: return r[0];
		default: fail_msg("unexpected instruction %#x at %zu", i->code, pc);
		}
	}
	fail_msg("fell off the end of the program");
	return 2;
}

/* The kernel's verifier refuses unreachable instructions: walk the
 * control flow from 0 and require every instruction to be reached. */
static void assert_all_reachable(const struct bpf_insn *p, size_t n)
{
	bool seen[256] = { false };
	size_t stack[256], sp = 0;

	stack[sp++] = 0;
	while (sp) {
		size_t pc = stack[--sp];

		if (pc >= n || seen[pc])
			continue;
		seen[pc] = true;
		if (p[pc].code == (BPF_JMP | BPF_EXIT))
			continue;
		if (p[pc].code == (BPF_JMP | BPF_JNE | BPF_K))
			stack[sp++] = pc + 1 + (size_t)p[pc].off;
		stack[sp++] = pc + 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!seen[i])
			fail_msg("instruction %zu of %zu is unreachable", i, n);
}

#define C BPF_DEVCG_DEV_CHAR
#define B BPF_DEVCG_DEV_BLOCK
#define R BPF_DEVCG_ACC_READ
#define W BPF_DEVCG_ACC_WRITE
#define M BPF_DEVCG_ACC_MKNOD

static struct bpf_insn prog[256];

static size_t build(const struct cpt_devrule *rules, size_t n)
{
	size_t len = cpt_devfilter_build(rules, n, prog, 256);

	assert_true(len > 0);
	assert_all_reachable(prog, len);
	return len;
}

/* what podman/containerd send plus a device: deny all, then allow /dev/null rw */
static void deny_all_then_allow(void **state)
{
	static const struct cpt_devrule rules[] = {
		{ false, 'a', -1, -1, "rwm" },
		{ true, 'c', 1, 3, "rw" },
		{ true, 'c', 136, -1, "rwm" },
	};
	size_t n = build(rules, 3);

	(void)state;
	assert_int_equal(run(prog, n, C, R, 1, 3), 1);
	assert_int_equal(run(prog, n, C, R | W, 1, 3), 1);
	assert_int_equal(run(prog, n, C, M, 1, 3), 0);     /* mknod not in "rw" */
	assert_int_equal(run(prog, n, C, R, 1, 5), 0);     /* /dev/zero: not listed */
	assert_int_equal(run(prog, n, B, R, 1, 3), 0);     /* a block device 1:3 */
	assert_int_equal(run(prog, n, C, R | W, 136, 7), 1); /* any pty */
	assert_int_equal(run(prog, n, B, R, 8, 0), 0);     /* /dev/sda */
}

/* later rules override earlier ones */
static void later_rule_wins(void **state)
{
	static const struct cpt_devrule rules[] = {
		{ true, 'c', 1, -1, "rwm" },
		{ false, 'c', 1, 8, "rwm" },
	};
	size_t n = build(rules, 2);

	(void)state;
	assert_int_equal(run(prog, n, C, R, 1, 3), 1);
	assert_int_equal(run(prog, n, C, R, 1, 8), 0);
	/* no "a" rule: what no rule matches stays allowed (v1's initial state) */
	assert_int_equal(run(prog, n, B, R, 8, 0), 1);
}

static void no_rules_allow(void **state)
{
	size_t n = build(NULL, 0);

	(void)state;
	assert_int_equal(run(prog, n, C, R | W | M, 10, 229), 1);
}

static void too_small(void **state)
{
	static const struct cpt_devrule rules[] = { { false, 'a', -1, -1, "rwm" } };

	(void)state;
	assert_int_equal(cpt_devfilter_build(rules, 1, prog, 4), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(deny_all_then_allow),
		cmocka_unit_test(later_rule_wins),
		cmocka_unit_test(no_rules_allow),
		cmocka_unit_test(too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
