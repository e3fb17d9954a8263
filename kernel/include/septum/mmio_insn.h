/* SPDX-License-Identifier: MIT */
/*
 * Decoder for the few x86 instructions guests use to touch emulated MMIO
 * (today: the xAPIC page at GPA 0xfee00000).
 *
 * An EPT violation reports the GPA and whether the access was a read or a
 * write, but the VM-exit instruction length is undefined for it (Intel SDM
 * Vol. 3C §28.2.5), so Septum fetches the instruction bytes and decodes
 * them here: the register or immediate involved, the access size and the
 * length by which to advance RIP. The effective address is not computed:
 * the exit already gives it.
 *
 * Accepted (SDM Vol. 2, MOV and MOVZX; opcode map Vol. 2 App. A), memory
 * forms only: 88 /r, 89 /r, 8A /r, 8B /r, A0-A3 (moffs), C6 /0 ib, C7 /0 iw/id, 0F B6 /r,
 * 0F B7 /r. Prefixes: 66, 67, segment overrides (26 2E 36 3E 64 65), REX in
 * 64-bit mode. LOCK and REP/REPNE are refused.
 */
#ifndef SEPTUM_MMIO_INSN_H
#define SEPTUM_MMIO_INSN_H

#include <septum/types.h>

#define MMIO_INSN_MAX_LEN 15   /* SDM Vol. 2 §2.3.11: longer raises #GP */

enum mmio_op { MMIO_LOAD, MMIO_STORE };

struct mmio_insn {
	unsigned len;        /* whole instruction length in bytes, prefixes included (1..15) */
	enum mmio_op op;
	unsigned size;       /* memory access size in bytes: 1, 2, 4 or 8 */
	int reg;             /* GPR number in x86 encoding order (0 RAX,1 RCX,2 RDX,3 RBX,4 RSP,5 RBP,
	                        6 RSI,7 RDI, 8-15 R8-R15) that is loaded or stored; -1 for an immediate store */
	bool high_byte;      /* 8-bit register AH/CH/DH/BH (reg 4-7 without REX): bits 15:8 of reg-4 */
	unsigned dst_size;   /* loads: bytes written to the register (movzx: 2 or 4 with zero extension,
	                        else == size); a 4-byte destination zero-extends to 64 bits, 1/2 merge */
	uint64_t imm;        /* immediate stores: the value (sign-extended per SDM for C7 with REX.W) */
};

/*
 * Notes on the fields beyond the comments above:
 * - high_byte: reg keeps the encoded number 4..7; the register touched is
 *   reg-4 (AH is bits 15:8 of RAX). reg == 4 with high_byte is AH, not RSP.
 * - dst_size for MOVZX with REX.W is 8: the value is zero-extended to 64
 *   bits (same effect as the 4-byte rule). For stores dst_size is 0.
 * - imm is 0 unless reg == -1.
 */

/* cpu_mode: 16, 32 or 64 — the code segment's default operand/address size (64 = IA-32e 64-bit mode,
 * CS.L=1; 32 = CS.D=1; 16 otherwise, real mode included). Decodes at most @avail bytes of @code.
 * Returns 0 and fills *out, or -1 with a reason ("unsupported opcode 0x0f 0xa2", "LOCK prefix",
 * "instruction longer than 15 bytes", "truncated") in @why. */
int mmio_decode(const uint8_t *code, size_t avail, unsigned cpu_mode, struct mmio_insn *out,
		char *why, size_t whylen);

/* Helpers the glue uses: the register value to store (masked to size, high_byte honoured) and the
 * register update for a load (zero-extension/merge rules of SDM Vol. 1 §3.4.1.1). regs[16] in the
 * encoding order above (regs[4] is ignored by the caller: RSP lives in the VMCS). */
uint64_t mmio_store_value(const struct mmio_insn *in, const uint64_t regs[16]);
void mmio_load_result(const struct mmio_insn *in, uint64_t regs[16], uint64_t val);

#endif /* SEPTUM_MMIO_INSN_H */
