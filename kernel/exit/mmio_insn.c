/* SPDX-License-Identifier: MIT */
/*
 * MMIO instruction decoder. See septum/mmio_insn.h for the contract.
 *
 * Instruction format: Intel SDM Vol. 2 §2.1 (prefixes, opcode, ModRM, SIB,
 * displacement, immediate), §2.2.1 (REX), Tables 2-1/2-2 (16- and 32-bit
 * ModRM/SIB addressing forms). The bytes come from guest memory and are
 * untrusted: every byte is bounds-checked against both what the caller has
 * and the architectural 15-byte limit before it is read.
 */
#include <string.h>

#include <septum/mmio_insn.h>
#include <septum/why.h>

/* Legacy prefixes (SDM Vol. 2 §2.1.1). */
#define PFX_OPSIZE  0x66
#define PFX_ADSIZE  0x67
#define PFX_LOCK    0xf0
#define PFX_REPNE   0xf2
#define PFX_REP     0xf3

/* REX (SDM Vol. 2 §2.2.1.2, Table 2-4): 0100WRXB. */
#define REX_W       0x08
#define REX_R       0x04

/* ModRM (SDM Vol. 2 §2.1.5, Figure 2-1). */
#define MODRM_MOD(m) ((unsigned)(m) >> 6)
#define MODRM_REG(m) (((unsigned)(m) >> 3) & 7)
#define MODRM_RM(m)  ((unsigned)(m) & 7)
#define SIB_BASE(s)  ((unsigned)(s) & 7)

struct cursor {
	const uint8_t *code;
	size_t avail;
	unsigned pos;        /* bytes consumed so far */
};

/* Makes sure n more bytes exist, both architecturally and in the buffer.
 * The 15-byte limit is checked first: past it the CPU itself would have
 * raised #GP, so "too long" is the truer reason than "truncated". */
static int need(const struct cursor *c, unsigned n, char *why, size_t whylen)
{
	if (c->pos + n > MMIO_INSN_MAX_LEN)
		return why_fail(why, whylen, "instruction longer than %u bytes", MMIO_INSN_MAX_LEN);
	if (c->pos + n > c->avail)
		return why_fail(why, whylen, "truncated: %u bytes needed, %zu available", c->pos + n,
				c->avail);
	return 0;
}

static int is_segment_override(uint8_t b)
{
	return b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e || b == 0x64 || b == 0x65;
}

struct prefixes {
	bool opsize;         /* 66 seen */
	bool adsize;         /* 67 seen */
	int rex;             /* effective REX byte, -1 if none */
};

/*
 * Consumes the prefixes. A REX byte only counts if it is the last prefix:
 * SDM Vol. 2 §2.2.1 says other placements are ignored, so a REX followed by
 * a legacy prefix (or by another REX) is dropped, as the CPU does. Outside
 * 64-bit mode 40-4F are INC/DEC opcodes and end the prefix scan.
 */
static int scan_prefixes(struct cursor *c, unsigned cpu_mode, struct prefixes *p, char *why,
			 size_t whylen)
{
	*p = (struct prefixes){ .rex = -1 };
	for (;;) {
		if (need(c, 1, why, whylen))
			return -1;
		uint8_t b = c->code[c->pos];

		if (b == PFX_LOCK)
			return why_fail(why, whylen, "LOCK prefix");
		if (b == PFX_REP || b == PFX_REPNE)
			return why_fail(why, whylen, "REP/REPNE prefix 0x%02x", b);
		if (cpu_mode == 64 && (b & 0xf0) == 0x40) {
			p->rex = b;
			c->pos++;
			continue;
		}
		if (b == PFX_OPSIZE)
			p->opsize = true;
		else if (b == PFX_ADSIZE)
			p->adsize = true;
		else if (!is_segment_override(b))
			return 0;   /* the opcode */
		p->rex = -1;        /* a REX before a legacy prefix is ignored */
		c->pos++;
	}
}

/* Operand size (SDM Vol. 1 §3.6 and Vol. 2 §2.2.1.2): the CS default,
 * toggled 16<->32 by 66; REX.W forces 64 and wins over 66. */
static unsigned operand_size(unsigned cpu_mode, const struct prefixes *p)
{
	unsigned sz = cpu_mode == 16 ? 2 : 4;

	if (p->rex >= 0 && (p->rex & REX_W))
		return 8;
	if (p->opsize)
		sz = sz == 2 ? 4 : 2;
	return sz;
}

/* Address size (SDM Vol. 1 §3.6, Table 3-4 for 64-bit mode): 67 selects
 * the other size: 64 -> 32, 32 -> 16, 16 -> 32. */
static unsigned address_size(unsigned cpu_mode, const struct prefixes *p)
{
	if (cpu_mode == 64)
		return p->adsize ? 32 : 64;
	if (cpu_mode == 32)
		return p->adsize ? 16 : 32;
	return p->adsize ? 32 : 16;
}

/*
 * Reads the opcode (one byte, or 0F and one byte) and checks it is one we
 * emulate. Only the MOV/MOVZX memory forms are meaningful on device
 * registers, A0-A3 (moffs); anything else (read-modify-write, string ops) is refused
 * rather than half-emulated.
 */
static int read_opcode(struct cursor *c, unsigned *opcode, char *why, size_t whylen)
{
	uint8_t b = c->code[c->pos++];   /* present: scan_prefixes stopped on it */

	switch (b) {
	case 0x88: case 0x89: case 0x8a: case 0x8b: case 0xc6: case 0xc7:
	case 0xa0: case 0xa1: case 0xa2: case 0xa3:
		*opcode = b;
		return 0;
	case 0x0f:
		if (need(c, 1, why, whylen))
			return -1;
		b = c->code[c->pos++];
		if (b != 0xb6 && b != 0xb7)
			return why_fail(why, whylen, "unsupported opcode 0x0f 0x%02x", b);
		*opcode = 0x0f00u | b;
		return 0;
	default:
		return why_fail(why, whylen, "unsupported opcode 0x%02x", b);
	}
}

/*
 * Skips SIB and displacement after the ModRM byte (SDM Vol. 2 Tables 2-1,
 * 2-2, 2-3). With 32/64-bit addressing rm=100 brings a SIB byte; mod=00
 * rm=101 is disp32 (RIP-relative in 64-bit mode, §2.2.1.6) and so is
 * mod=00 with SIB base=101. REX.B does not change either rule, so only the
 * low three bits are looked at. 16-bit addressing has no SIB and uses
 * disp16 for mod=00 rm=110 and for mod=10.
 */
static int skip_address(struct cursor *c, unsigned mod, unsigned rm, unsigned asize, char *why,
			size_t whylen)
{
	unsigned disp;

	if (asize == 16) {
		disp = mod == 1 ? 1 : mod == 2 ? 2 : rm == 6 ? 2 : 0;
	} else {
		bool no_base = rm == 5;

		if (rm == 4) {
			if (need(c, 1, why, whylen))
				return -1;
			no_base = SIB_BASE(c->code[c->pos]) == 5;
			c->pos++;
		}
		disp = mod == 1 ? 1 : mod == 2 ? 4 : no_base ? 4 : 0;
	}
	if (need(c, disp, why, whylen))
		return -1;
	c->pos += disp;
	return 0;
}

static uint64_t read_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Immediate of C6 (ib) and C7 (iw with 16-bit operands, else id). With
 * REX.W, C7's id is sign-extended to 64 bits (SDM Vol. 2, MOV: "MOV r/m64,
 * imm32 ... sign-extended"). */
static int read_immediate(struct cursor *c, unsigned opcode, unsigned osize, uint64_t *imm,
			  char *why, size_t whylen)
{
	unsigned n = opcode == 0xc6 ? 1 : osize == 2 ? 2 : 4;

	if (need(c, n, why, whylen))
		return -1;
	*imm = read_le(c->code + c->pos, n);
	c->pos += n;
	if (osize == 8)
		*imm = (uint64_t)(int64_t)(int32_t)(uint32_t)*imm;
	return 0;
}

/* Fills op, size, dst_size from the opcode and operand size. */
static void classify(struct mmio_insn *out, unsigned opcode, unsigned osize)
{
	switch (opcode) {
	case 0x88: case 0xc6:
		out->op = MMIO_STORE;
		out->size = 1;
		break;
	case 0x89: case 0xc7:
		out->op = MMIO_STORE;
		out->size = osize;
		break;
	case 0x8a:
		out->op = MMIO_LOAD;
		out->size = out->dst_size = 1;
		break;
	case 0x8b:
		out->op = MMIO_LOAD;
		out->size = out->dst_size = osize;
		break;
	case 0xa0:
		out->op = MMIO_LOAD;
		out->size = out->dst_size = 1;
		break;
	case 0xa1:
		out->op = MMIO_LOAD;
		out->size = out->dst_size = osize;
		break;
	case 0xa2:
		out->op = MMIO_STORE;
		out->size = 1;
		break;
	case 0xa3:
		out->op = MMIO_STORE;
		out->size = osize;
		break;
	default:   /* 0F B6 / 0F B7: MOVZX, source byte or word */
		out->op = MMIO_LOAD;
		out->size = opcode == 0x0fb6 ? 1 : 2;
		out->dst_size = osize;
		break;
	}
}

/*
 * A0-A3: MOV between AL/eAX/rAX and a memory offset that follows the
 * opcode, as wide as the address size (8 bytes in 64-bit mode, SDM Vol. 2
 * MOV "moffs"; compilers emit it for constant addresses). No ModRM.
 */
static int decode_moffs(struct cursor *c, unsigned cpu_mode, const struct prefixes *p, unsigned opcode,
			struct mmio_insn *out, char *why, size_t whylen)
{
	unsigned n = address_size(cpu_mode, p) / 8;

	if (need(c, n, why, whylen))
		return -1;
	c->pos += n;
	memset(out, 0, sizeof(*out));
	classify(out, opcode, operand_size(cpu_mode, p));
	out->reg = 0;                      /* AL / AX / EAX / RAX */
	out->len = c->pos;
	return 0;
}

int mmio_decode(const uint8_t *code, size_t avail, unsigned cpu_mode, struct mmio_insn *out,
		char *why, size_t whylen)
{
	struct cursor c = { .code = code, .avail = avail, .pos = 0 };
	struct prefixes p;
	unsigned opcode = 0, osize;   /* = 0: gcc -O2 cannot see read_opcode() always sets it */
	uint8_t modrm;

	if (cpu_mode != 16 && cpu_mode != 32 && cpu_mode != 64)
		return why_fail(why, whylen, "CPU mode %u is not 16, 32 or 64", cpu_mode);
	if (scan_prefixes(&c, cpu_mode, &p, why, whylen) || read_opcode(&c, &opcode, why, whylen))
		return -1;
	if (opcode >= 0xa0 && opcode <= 0xa3)
		return decode_moffs(&c, cpu_mode, &p, opcode, out, why, whylen);
	if (need(&c, 1, why, whylen))
		return -1;
	modrm = code[c.pos++];
	if (MODRM_MOD(modrm) == 3)
		return why_fail(why, whylen, "register operand (ModRM.mod=3): not a memory access");
	/* C6/C7 /0 is MOV; the other /digit values are not (e.g. C7 /7 is XBEGIN). */
	if ((opcode == 0xc6 || opcode == 0xc7) && MODRM_REG(modrm) != 0)
		return why_fail(why, whylen, "unsupported opcode 0x%02x /%u", opcode, MODRM_REG(modrm));
	if (skip_address(&c, MODRM_MOD(modrm), MODRM_RM(modrm), address_size(cpu_mode, &p), why, whylen))
		return -1;

	memset(out, 0, sizeof(*out));
	osize = operand_size(cpu_mode, &p);
	classify(out, opcode, osize);
	if (opcode == 0xc6 || opcode == 0xc7) {
		if (read_immediate(&c, opcode, osize, &out->imm, why, whylen))
			return -1;
		out->reg = -1;
	} else {
		out->reg = (int)(MODRM_REG(modrm) | (p.rex >= 0 && (p.rex & REX_R) ? 8u : 0u));
		/* Any REX turns encodings 4-7 of a byte register into SPL/BPL/SIL/DIL;
		 * without one they are AH/CH/DH/BH (SDM Vol. 2 §2.2.1.2, Table 3-1 of
		 * Vol. 1 §3.4.1.1). Only 88/8A have a byte-sized register operand. */
		out->high_byte = (opcode == 0x88 || opcode == 0x8a) && p.rex < 0 && out->reg >= 4;
	}
	out->len = c.pos;
	return 0;
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t mmio_store_value(const struct mmio_insn *in, const uint64_t regs[16])
{
	if (in->reg < 0)
		return in->imm & size_mask(in->size);
	if (in->high_byte)
		return (regs[(in->reg - 4) & 15] >> 8) & 0xff;
	return regs[in->reg & 15] & size_mask(in->size);
}

/*
 * SDM Vol. 1 §3.4.1.1: in 64-bit mode a 32-bit result is zero-extended to
 * the full register, while 8- and 16-bit results leave the other bits
 * alone. Outside 64-bit mode the upper half is not architecturally visible
 * to the guest, so zero-extending there too is harmless.
 */
void mmio_load_result(const struct mmio_insn *in, uint64_t regs[16], uint64_t val)
{
	uint64_t v = val & size_mask(in->size);   /* MOVZX: zero-extend the source */
	uint64_t *r;

	if (in->op != MMIO_LOAD || in->reg < 0)
		return;
	if (in->high_byte) {
		r = &regs[(in->reg - 4) & 15];
		*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	r = &regs[in->reg & 15];
	if (in->dst_size >= 4)
		*r = v;
	else
		*r = (*r & ~size_mask(in->dst_size)) | (v & size_mask(in->dst_size));
}
