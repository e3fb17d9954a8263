/* SPDX-License-Identifier: MIT */
/*
 * MMIO instruction decoder: the byte sequences are what GNU as 2.x emits
 * for the instruction named in each test (checked with objdump -d, -M i8086
 * for the 16-bit ones), so the decoder is tested against real encodings,
 * not against its own idea of them. Then one test per refused input, each
 * checking the reason, and the register write-back rules.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <septum/mmio_insn.h>

static char why[128];

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

/* Decodes what must decode; the result's len must be the whole buffer. */
static struct mmio_insn ok(unsigned mode, const uint8_t *code, size_t n)
{
	struct mmio_insn in;

	why[0] = '\0';
	int rc = mmio_decode(code, n, mode, &in, why, sizeof(why));
	if (rc)
		print_error("unexpected failure: %s\n", why);
	assert_int_equal(rc, 0);
	assert_int_equal(in.len, n);
	return in;
}

/* Decoding must fail with a reason containing @reason. */
static void bad(unsigned mode, const uint8_t *code, size_t n, const char *reason)
{
	struct mmio_insn in;

	why[0] = '\0';
	assert_int_equal(mmio_decode(code, n, mode, &in, why, sizeof(why)), -1);
	if (!strstr(why, reason))
		print_error("reason \"%s\" lacks \"%s\"\n", why, reason);
	assert_non_null(strstr(why, reason));
}

static void check(const struct mmio_insn *in, enum mmio_op op, unsigned size, int reg,
		  unsigned dst_size)
{
	assert_int_equal(in->op, op);
	assert_int_equal(in->size, size);
	assert_int_equal(in->reg, reg);
	assert_int_equal(in->dst_size, dst_size);
}

/* ---- 64-bit mode, the forms Linux and gcc produce ---------------------- */

static void test_load_rdx_eax(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x8b, 0x02));   /* mov (%rdx),%eax */
	check(&in, MMIO_LOAD, 4, 0, 4);
	assert_false(in.high_byte);
}

static void test_store_disp32(void **state)
{
	(void)state;
	/* mov %eax,0x300(%rdx): mod=10 disp32 */
	struct mmio_insn in = ok(64, BYTES(0x89, 0x82, 0x00, 0x03, 0x00, 0x00));
	check(&in, MMIO_STORE, 4, 0, 0);
}

static void test_linux_xapic_eoi(void **state)
{
	(void)state;
	/* movl $0x0,0xb0(%rax): C7 /0 with disp32 and imm32 */
	struct mmio_insn in = ok(64, BYTES(0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00));
	check(&in, MMIO_STORE, 4, -1, 0);
	assert_int_equal(in.imm, 0);
}

static void test_rex_r_b(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x45, 0x89, 0x08));   /* mov %r9d,(%r8) */
	check(&in, MMIO_STORE, 4, 9, 0);
}

static void test_sib_disp32(void **state)
{
	(void)state;
	/* mov %ecx,0x12345678(%rax,%rbx,4) */
	struct mmio_insn in = ok(64, BYTES(0x89, 0x8c, 0x98, 0x78, 0x56, 0x34, 0x12));
	check(&in, MMIO_STORE, 4, 1, 0);
}

static void test_sib_no_base_disp32(void **state)
{
	(void)state;
	/* mov 0x12345678(,%rcx,8),%eax: mod=00, SIB base=101 brings disp32 */
	struct mmio_insn in = ok(64, BYTES(0x8b, 0x04, 0xcd, 0x78, 0x56, 0x34, 0x12));
	check(&in, MMIO_LOAD, 4, 0, 4);
}

static void test_sib_rsp_disp8(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x8b, 0x44, 0x24, 0x08));   /* mov 0x8(%rsp),%eax */
	check(&in, MMIO_LOAD, 4, 0, 4);
}

static void test_rex_b_r12_sib(void **state)
{
	(void)state;
	/* mov %eax,(%r12): rm=100 still means SIB with REX.B */
	struct mmio_insn in = ok(64, BYTES(0x41, 0x89, 0x04, 0x24));
	check(&in, MMIO_STORE, 4, 0, 0);
}

static void test_rex_b_r13_disp8(void **state)
{
	(void)state;
	/* mov %eax,0x0(%r13): r13 needs mod=01 because mod=00 rm=101 is RIP */
	struct mmio_insn in = ok(64, BYTES(0x41, 0x89, 0x45, 0x00));
	check(&in, MMIO_STORE, 4, 0, 0);
}

static void test_rip_relative(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x8b, 0x05, 0x00, 0x01, 0x00, 0x00));   /* mov 0x100(%rip),%eax */
	check(&in, MMIO_LOAD, 4, 0, 4);
}

static void test_opsize_prefix(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x66, 0x89, 0x07));   /* mov %ax,(%rdi) */
	check(&in, MMIO_STORE, 2, 0, 0);
}

static void test_rex_w(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x48, 0x8b, 0x06));   /* mov (%rsi),%rax */
	check(&in, MMIO_LOAD, 8, 0, 8);
}

static void test_rex_w_beats_opsize(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x66, 0x48, 0x8b, 0x06));
	check(&in, MMIO_LOAD, 8, 0, 8);
}

static void test_rex_r15(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x4c, 0x8b, 0x3a));   /* mov (%rdx),%r15 */
	check(&in, MMIO_LOAD, 8, 15, 8);
}

/* SDM Vol. 2 §2.2.1: a REX not directly before the opcode is ignored. */
static void test_rex_before_legacy_prefix_ignored(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x48, 0x66, 0x89, 0x07));
	check(&in, MMIO_STORE, 2, 0, 0);
}

static void test_ignored_rex_keeps_high_byte(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x40, 0x64, 0x88, 0x23));   /* %fs: mov %ah,(%rbx) */
	check(&in, MMIO_STORE, 1, 4, 0);
	assert_true(in.high_byte);
}

static void test_segment_override(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x64, 0x8b, 0x00));   /* mov %fs:(%rax),%eax */
	check(&in, MMIO_LOAD, 4, 0, 4);
}

static void test_adsize_prefix_64(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x67, 0x89, 0x03));   /* mov %eax,(%ebx) */
	check(&in, MMIO_STORE, 4, 0, 0);
}

static void test_movzbl(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x0f, 0xb6, 0x02));   /* movzbl (%rdx),%eax */
	check(&in, MMIO_LOAD, 1, 0, 4);
}

static void test_movzwl(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x0f, 0xb7, 0x0a));   /* movzwl (%rdx),%ecx */
	check(&in, MMIO_LOAD, 2, 1, 4);
}

static void test_movzbw(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x66, 0x0f, 0xb6, 0x02));   /* movzbw (%rdx),%ax */
	check(&in, MMIO_LOAD, 1, 0, 2);
}

static void test_movzbq(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x4c, 0x0f, 0xb6, 0x12));   /* movzbq (%rdx),%r10 */
	check(&in, MMIO_LOAD, 1, 10, 8);
}

static void test_store_ah(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 0x1122334455667788ull, [4] = 0xaa };
	struct mmio_insn in = ok(64, BYTES(0x88, 0x23));   /* mov %ah,(%rbx) */

	check(&in, MMIO_STORE, 1, 4, 0);
	assert_true(in.high_byte);
	assert_int_equal(mmio_store_value(&in, regs), 0x77);
}

static void test_store_spl_with_rex(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 0x7788, [4] = 0x1234 };
	struct mmio_insn in = ok(64, BYTES(0x40, 0x88, 0x23));   /* mov %spl,(%rbx) */

	check(&in, MMIO_STORE, 1, 4, 0);
	assert_false(in.high_byte);
	assert_int_equal(mmio_store_value(&in, regs), 0x34);
}

static void test_load_bh(void **state)
{
	(void)state;
	uint64_t regs[16] = { [3] = 0xffffffffffffffffull, [7] = 0x5555 };
	struct mmio_insn in = ok(64, BYTES(0x8a, 0x3b));   /* mov (%rbx),%bh */

	check(&in, MMIO_LOAD, 1, 7, 1);
	assert_true(in.high_byte);
	mmio_load_result(&in, regs, 0x1234);
	assert_int_equal(regs[3], 0xffffffffffff34ffull);
	assert_int_equal(regs[7], 0x5555);
}

static void test_c7_rex_w_sign_extends(void **state)
{
	(void)state;
	uint64_t regs[16] = { 0 };
	/* movq $-2,0x20(%rax) */
	struct mmio_insn in = ok(64, BYTES(0x48, 0xc7, 0x40, 0x20, 0xfe, 0xff, 0xff, 0xff));

	check(&in, MMIO_STORE, 8, -1, 0);
	assert_int_equal(in.imm, 0xfffffffffffffffeull);
	assert_int_equal(mmio_store_value(&in, regs), 0xfffffffffffffffeull);
}

static void test_c7_imm32_not_sign_extended(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0xc7, 0x00, 0x00, 0x00, 0x00, 0x80));   /* movl $0x80000000,(%rax) */
	assert_int_equal(in.imm, 0x80000000ull);
}

static void test_c7_imm16(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0x66, 0xc7, 0x00, 0x34, 0x12));   /* movw $0x1234,(%rax) */
	check(&in, MMIO_STORE, 2, -1, 0);
	assert_int_equal(in.imm, 0x1234);
}

static void test_c6_imm8(void **state)
{
	(void)state;
	struct mmio_insn in = ok(64, BYTES(0xc6, 0x00, 0xab));   /* movb $0xab,(%rax) */
	check(&in, MMIO_STORE, 1, -1, 0);
	assert_int_equal(in.imm, 0xab);
}

static void test_longest_allowed(void **state)
{
	(void)state;
	/* nine redundant 66s + mov %ax,0x300(%rdx) = exactly 15 bytes */
	struct mmio_insn in = ok(64, BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					   0x89, 0x82, 0x00, 0x03, 0x00, 0x00));
	check(&in, MMIO_STORE, 2, 0, 0);
}

static void test_avail_beyond_insn(void **state)
{
	(void)state;
	struct mmio_insn in;
	const uint8_t code[] = { 0x8b, 0x02, 0x90, 0x90, 0x90 };

	assert_int_equal(mmio_decode(code, sizeof(code), 64, &in, why, sizeof(why)), 0);
	assert_int_equal(in.len, 2);
}

/* ---- 32-bit mode -------------------------------------------------------- */

static void test_32_absolute_disp32(void **state)
{
	(void)state;
	/* mov %ecx,0xfee000b0: mod=00 rm=101 is plain disp32 here, not RIP */
	struct mmio_insn in = ok(32, BYTES(0x89, 0x0d, 0xb0, 0x00, 0xe0, 0xfe));
	check(&in, MMIO_STORE, 4, 1, 0);
}

static void test_32_xapic_eoi(void **state)
{
	(void)state;
	struct mmio_insn in = ok(32, BYTES(0xc7, 0x83, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00));
	check(&in, MMIO_STORE, 4, -1, 0);
}

static void test_32_opsize(void **state)
{
	(void)state;
	struct mmio_insn in = ok(32, BYTES(0x66, 0x89, 0x00));   /* mov %ax,(%eax) */
	check(&in, MMIO_STORE, 2, 0, 0);
}

static void test_32_adsize_gives_16bit_addressing(void **state)
{
	(void)state;
	/* 67 89 0e 34 12 = mov %ecx,0x1234 with 16-bit addressing (disp16) */
	struct mmio_insn in = ok(32, BYTES(0x67, 0x89, 0x0e, 0x34, 0x12));
	check(&in, MMIO_STORE, 4, 1, 0);
}

static void test_32_mod00_rm110_is_esi(void **state)
{
	(void)state;
	/* Same ModRM without 67: (%esi), no displacement */
	struct mmio_insn in = ok(32, BYTES(0x89, 0x0e));
	check(&in, MMIO_STORE, 4, 1, 0);
}

static void test_32_high_byte_dh(void **state)
{
	(void)state;
	uint64_t regs[16] = { [2] = 0xbeef };
	struct mmio_insn in = ok(32, BYTES(0x88, 0x36));   /* mov %dh,(%esi) */

	check(&in, MMIO_STORE, 1, 6, 0);
	assert_true(in.high_byte);
	assert_int_equal(mmio_store_value(&in, regs), 0xbe);
}

static void test_32_rex_byte_is_dec(void **state)
{
	(void)state;
	bad(32, BYTES(0x48, 0x8b, 0x06), "unsupported opcode 0x48");
}

/* ---- 16-bit mode (real mode, 16-bit protected mode) ---------------------- */

static void test_16_bx_si(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x89, 0x00));   /* mov %ax,(%bx,%si) */
	check(&in, MMIO_STORE, 2, 0, 0);
}

static void test_16_direct_disp16(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x89, 0x0e, 0x34, 0x12));   /* mov %cx,0x1234 */
	check(&in, MMIO_STORE, 2, 1, 0);
}

static void test_16_bp_disp8(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x8a, 0x46, 0x12));   /* mov 0x12(%bp),%al */
	check(&in, MMIO_LOAD, 1, 0, 1);
	assert_false(in.high_byte);
}

static void test_16_mod10_disp16(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x8b, 0x93, 0x34, 0x12));   /* mov 0x1234(%bp,%di),%dx */
	check(&in, MMIO_LOAD, 2, 2, 2);
}

static void test_16_rm100_is_si_not_sib(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x8b, 0x04));   /* mov (%si),%ax */
	check(&in, MMIO_LOAD, 2, 0, 2);
}

static void test_16_rm101_is_di_not_disp(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x8b, 0x05));   /* mov (%di),%ax */
	check(&in, MMIO_LOAD, 2, 0, 2);
}

static void test_16_opsize_32(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x66, 0x89, 0x85, 0x34, 0x12));   /* mov %eax,0x1234(%di) */
	check(&in, MMIO_STORE, 4, 0, 0);
}

static void test_16_c7_imm32(void **state)
{
	(void)state;
	/* movl $0x12345678,(%bx) */
	struct mmio_insn in = ok(16, BYTES(0x66, 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12));
	check(&in, MMIO_STORE, 4, -1, 0);
	assert_int_equal(in.imm, 0x12345678);
}

static void test_16_c7_imm16(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0xc7, 0x47, 0x10, 0x78, 0x56));   /* movw $0x5678,0x10(%bx) */
	check(&in, MMIO_STORE, 2, -1, 0);
	assert_int_equal(in.imm, 0x5678);
}

static void test_16_adsize_gives_32bit_addressing(void **state)
{
	(void)state;
	/* 67 8b 04 24 = mov (%esp),%ax: with 67, rm=100 brings a SIB */
	struct mmio_insn in = ok(16, BYTES(0x67, 0x8b, 0x04, 0x24));
	check(&in, MMIO_LOAD, 2, 0, 2);
}

static void test_16_movzbl(void **state)
{
	(void)state;
	struct mmio_insn in = ok(16, BYTES(0x66, 0x0f, 0xb6, 0x0c));   /* movzbl (%si),%ecx */
	check(&in, MMIO_LOAD, 1, 1, 4);
}

/* ---- refused input, one test each --------------------------------------- */

static void test_err_mod3(void **state)
{
	(void)state;
	bad(64, BYTES(0x89, 0xc0), "ModRM.mod=3");   /* mov %eax,%eax */
}

static void test_err_lock(void **state)
{
	(void)state;
	bad(64, BYTES(0xf0, 0x89, 0x00), "LOCK prefix");
}

static void test_err_rep(void **state)
{
	(void)state;
	bad(64, BYTES(0xf3, 0x89, 0x00), "REP/REPNE prefix 0xf3");
}

static void test_err_repne(void **state)
{
	(void)state;
	bad(64, BYTES(0xf2, 0x8b, 0x00), "REP/REPNE prefix 0xf2");
}

static void test_err_unknown_opcode(void **state)
{
	(void)state;
	bad(64, BYTES(0x01, 0x00), "unsupported opcode 0x01");   /* add %eax,(%rax) */
}

static void test_err_unknown_0f_opcode(void **state)
{
	(void)state;
	bad(64, BYTES(0x0f, 0xa2), "unsupported opcode 0x0f 0xa2");   /* cpuid */
}

static void test_err_c7_not_slash0(void **state)
{
	(void)state;
	bad(64, BYTES(0xc7, 0x08, 0, 0, 0, 0), "unsupported opcode 0xc7 /1");
}

static void test_err_truncated_disp(void **state)
{
	(void)state;
	bad(64, BYTES(0x89, 0x82, 0x00, 0x03), "truncated");
}

static void test_err_truncated_imm(void **state)
{
	(void)state;
	bad(64, BYTES(0xc7, 0x80, 0xb0, 0x00, 0x00, 0x00, 0x00, 0x00), "truncated");
}

static void test_err_truncated_sib(void **state)
{
	(void)state;
	bad(64, BYTES(0x8b, 0x04), "truncated");
}

static void test_err_prefix_only(void **state)
{
	(void)state;
	bad(64, BYTES(0x66, 0x48), "truncated");
}

static void test_err_empty(void **state)
{
	(void)state;
	struct mmio_insn in;
	const uint8_t code[1] = { 0x8b };

	assert_int_equal(mmio_decode(code, 0, 64, &in, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "truncated"));
}

static void test_err_too_long(void **state)
{
	(void)state;
	/* ten 66s + a 6-byte mov = 16 bytes */
	bad(64, BYTES(0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
		      0x89, 0x82, 0x00, 0x03, 0x00, 0x00), "instruction longer than 15 bytes");
}

static void test_err_endless_prefixes(void **state)
{
	(void)state;
	uint8_t code[32];
	memset(code, 0x2e, sizeof(code));
	bad(64, code, sizeof(code), "instruction longer than 15 bytes");
}

static void test_err_bad_mode(void **state)
{
	(void)state;
	bad(8, BYTES(0x8b, 0x02), "CPU mode 8");
}

/* ---- register write-back and store values ------------------------------ */

static void test_load32_zero_extends(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = ~0ull };
	struct mmio_insn in = ok(64, BYTES(0x8b, 0x02));

	mmio_load_result(&in, regs, 0xdeadbeef12345678ull);
	assert_int_equal(regs[0], 0x12345678);
}

static void test_load16_merges(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 0x1111222233334444ull };
	struct mmio_insn in = ok(64, BYTES(0x66, 0x8b, 0x02));

	mmio_load_result(&in, regs, 0xabcdef);
	assert_int_equal(regs[0], 0x111122223333cdefull);
}

static void test_load8_merges(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 0x1111222233334444ull };
	struct mmio_insn in = ok(64, BYTES(0x8a, 0x02));   /* mov (%rdx),%al */

	mmio_load_result(&in, regs, 0x99);
	assert_int_equal(regs[0], 0x1111222233334499ull);
}

static void test_load64_whole(void **state)
{
	(void)state;
	uint64_t regs[16] = { [15] = 1 };
	struct mmio_insn in = ok(64, BYTES(0x4c, 0x8b, 0x3a));

	mmio_load_result(&in, regs, 0xfedcba9876543210ull);
	assert_int_equal(regs[15], 0xfedcba9876543210ull);
}

static void test_movzx_byte_to_32(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = ~0ull };
	struct mmio_insn in = ok(64, BYTES(0x0f, 0xb6, 0x02));

	mmio_load_result(&in, regs, 0xfff0);   /* only the source byte counts */
	assert_int_equal(regs[0], 0xf0);
}

static void test_movzx_byte_to_16_merges(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 0x1111222233334444ull };
	struct mmio_insn in = ok(64, BYTES(0x66, 0x0f, 0xb6, 0x02));

	mmio_load_result(&in, regs, 0x80);
	assert_int_equal(regs[0], 0x1111222233330080ull);
}

static void test_movzx_word_to_64(void **state)
{
	(void)state;
	uint64_t regs[16] = { [10] = ~0ull };
	struct mmio_insn in = ok(64, BYTES(0x4c, 0x0f, 0xb7, 0x12));   /* movzwq (%rdx),%r10 */

	mmio_load_result(&in, regs, 0x12348765);
	assert_int_equal(regs[10], 0x8765);
}

static void test_store_value_masks(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 0xffffffffaabbccddull };
	struct mmio_insn in16 = ok(64, BYTES(0x66, 0x89, 0x07));
	struct mmio_insn in32 = ok(64, BYTES(0x89, 0x07));

	assert_int_equal(mmio_store_value(&in16, regs), 0xccdd);
	assert_int_equal(mmio_store_value(&in32, regs), 0xaabbccdd);
}

static void test_load_result_ignores_store(void **state)
{
	(void)state;
	uint64_t regs[16] = { [0] = 42 };
	struct mmio_insn in = ok(64, BYTES(0x89, 0x07));

	mmio_load_result(&in, regs, 7);
	assert_int_equal(regs[0], 42);
}

/* ---- MOV with a memory offset (A0-A3), as gcc emits for constants ----- */

static void test_moffs_load_64(void **state)
{
	(void)state;
	/* movabs 0xfee000d0,%eax: 8-byte offset in 64-bit mode */
	struct mmio_insn in = ok(64, BYTES(0xa1, 0xd0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00));
	check(&in, MMIO_LOAD, 4, 0, 4);
}

static void test_moffs_store_byte_and_rex_w_64(void **state)
{
	(void)state;
	/* movabs 0xfee00020,%al */
	struct mmio_insn in = ok(64, BYTES(0xa0, 0x20, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00));
	check(&in, MMIO_LOAD, 1, 0, 1);
	assert_false(in.high_byte);
	/* movabs %rax,0xfee00300 */
	in = ok(64, BYTES(0x48, 0xa3, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00));
	check(&in, MMIO_STORE, 8, 0, 0);
}

static void test_moffs_32(void **state)
{
	(void)state;
	/* mov 0xfee000d0,%eax: 4-byte offset */
	struct mmio_insn in = ok(32, BYTES(0xa1, 0xd0, 0x00, 0xe0, 0xfe));
	check(&in, MMIO_LOAD, 4, 0, 4);
	/* mov %ax,0xfee00300 */
	in = ok(32, BYTES(0x66, 0xa3, 0x00, 0x03, 0xe0, 0xfe));
	check(&in, MMIO_STORE, 2, 0, 0);
}

static void test_moffs_truncated(void **state)
{
	(void)state;
	bad(64, BYTES(0xa1, 0xd0, 0x00, 0xe0, 0xfe), "truncated");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_rdx_eax),
		cmocka_unit_test(test_moffs_load_64),
		cmocka_unit_test(test_moffs_store_byte_and_rex_w_64),
		cmocka_unit_test(test_moffs_32),
		cmocka_unit_test(test_moffs_truncated),
		cmocka_unit_test(test_store_disp32),
		cmocka_unit_test(test_linux_xapic_eoi),
		cmocka_unit_test(test_rex_r_b),
		cmocka_unit_test(test_sib_disp32),
		cmocka_unit_test(test_sib_no_base_disp32),
		cmocka_unit_test(test_sib_rsp_disp8),
		cmocka_unit_test(test_rex_b_r12_sib),
		cmocka_unit_test(test_rex_b_r13_disp8),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_opsize_prefix),
		cmocka_unit_test(test_rex_w),
		cmocka_unit_test(test_rex_w_beats_opsize),
		cmocka_unit_test(test_rex_r15),
		cmocka_unit_test(test_rex_before_legacy_prefix_ignored),
		cmocka_unit_test(test_ignored_rex_keeps_high_byte),
		cmocka_unit_test(test_segment_override),
		cmocka_unit_test(test_adsize_prefix_64),
		cmocka_unit_test(test_movzbl),
		cmocka_unit_test(test_movzwl),
		cmocka_unit_test(test_movzbw),
		cmocka_unit_test(test_movzbq),
		cmocka_unit_test(test_store_ah),
		cmocka_unit_test(test_store_spl_with_rex),
		cmocka_unit_test(test_load_bh),
		cmocka_unit_test(test_c7_rex_w_sign_extends),
		cmocka_unit_test(test_c7_imm32_not_sign_extended),
		cmocka_unit_test(test_c7_imm16),
		cmocka_unit_test(test_c6_imm8),
		cmocka_unit_test(test_longest_allowed),
		cmocka_unit_test(test_avail_beyond_insn),
		cmocka_unit_test(test_32_absolute_disp32),
		cmocka_unit_test(test_32_xapic_eoi),
		cmocka_unit_test(test_32_opsize),
		cmocka_unit_test(test_32_adsize_gives_16bit_addressing),
		cmocka_unit_test(test_32_mod00_rm110_is_esi),
		cmocka_unit_test(test_32_high_byte_dh),
		cmocka_unit_test(test_32_rex_byte_is_dec),
		cmocka_unit_test(test_16_bx_si),
		cmocka_unit_test(test_16_direct_disp16),
		cmocka_unit_test(test_16_bp_disp8),
		cmocka_unit_test(test_16_mod10_disp16),
		cmocka_unit_test(test_16_rm100_is_si_not_sib),
		cmocka_unit_test(test_16_rm101_is_di_not_disp),
		cmocka_unit_test(test_16_opsize_32),
		cmocka_unit_test(test_16_c7_imm32),
		cmocka_unit_test(test_16_c7_imm16),
		cmocka_unit_test(test_16_adsize_gives_32bit_addressing),
		cmocka_unit_test(test_16_movzbl),
		cmocka_unit_test(test_err_mod3),
		cmocka_unit_test(test_err_lock),
		cmocka_unit_test(test_err_rep),
		cmocka_unit_test(test_err_repne),
		cmocka_unit_test(test_err_unknown_opcode),
		cmocka_unit_test(test_err_unknown_0f_opcode),
		cmocka_unit_test(test_err_c7_not_slash0),
		cmocka_unit_test(test_err_truncated_disp),
		cmocka_unit_test(test_err_truncated_imm),
		cmocka_unit_test(test_err_truncated_sib),
		cmocka_unit_test(test_err_prefix_only),
		cmocka_unit_test(test_err_empty),
		cmocka_unit_test(test_err_too_long),
		cmocka_unit_test(test_err_endless_prefixes),
		cmocka_unit_test(test_err_bad_mode),
		cmocka_unit_test(test_load32_zero_extends),
		cmocka_unit_test(test_load16_merges),
		cmocka_unit_test(test_load8_merges),
		cmocka_unit_test(test_load64_whole),
		cmocka_unit_test(test_movzx_byte_to_32),
		cmocka_unit_test(test_movzx_byte_to_16_merges),
		cmocka_unit_test(test_movzx_word_to_64),
		cmocka_unit_test(test_store_value_masks),
		cmocka_unit_test(test_load_result_ignores_store),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
