/* SPDX-License-Identifier: MIT */
/*
 * The path an xAPIC-page access takes in Septum (kernel/exit/lapic.c): the guest's
 * RIP is translated through the guest's own page tables (guest_walk.c),
 * at most 15 instruction bytes are fetched, and mmio_insn.c decodes them.
 * Everything here is guest-controlled: the input is the guest's control
 * registers, the linear RIP, then its "RAM" (which holds the page tables
 * and the code). Oracles: the decoder's contract (length 1..15 and within
 * the bytes fetched, sizes 1/2/4/8, register numbers 0..15) and the walk's
 * (never reads outside RAM, never copies more than asked).
 */
#include <string.h>
#include <septum/guest_walk.h>
#include <septum/mmio_insn.h>
#include "fuzz.h"

struct ram {
	const uint8_t *p;
	uint64_t size;
};

static const void *ram_read(void *ctx, uint64_t gpa, uint64_t len)
{
	const struct ram *r = ctx;

	if (gpa > r->size || len > r->size - gpa)
		return NULL;
	return r->p + gpa;
}

static const uint64_t cr0_bits[4] = { 0, 1, 0x80000001, 0x80000001 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	unsigned sel = (unsigned)fuzz_take(&in, 1);
	struct guest_paging pg = {
		.cr0 = cr0_bits[sel & 3],
		.cr4 = ((sel & 4) ? 0x20 : 0) | ((sel & 8) ? 0x10 : 0) | ((sel & 16) ? 0x1000 : 0), /* PAE PSE LA57 */
		.efer = (sel & 32) ? 0x500 : 0,                                                      /* LME|LMA */
	};
	static const unsigned modes[3] = { 16, 32, 64 };
	unsigned mode = modes[(sel >> 6) % 3];
	uint64_t linear, regs[16], before[16];
	struct ram ram;
	struct mmio_insn insn;
	uint8_t code[MMIO_INSN_MAX_LEN + 4];
	char why[128];
	size_t got;

	pg.cr3 = fuzz_take(&in, 4) & 0xfffff000u;
	linear = fuzz_take(&in, 8);
	ram.p = in.p;
	ram.size = in.n;

	memset(code, 0xcc, sizeof(code));
	why[0] = 0;
	got = guest_read_linear(&pg, linear, code, MMIO_INSN_MAX_LEN, ram_read, &ram, why, sizeof(why));
	FUZZ_ASSERT(got <= MMIO_INSN_MAX_LEN);
	FUZZ_ASSERT(code[MMIO_INSN_MAX_LEN] == 0xcc);
	if (got == 0) {
		/* Decode the raw bytes anyway: the decoder must stand on its own. */
		got = in.n < MMIO_INSN_MAX_LEN ? in.n : MMIO_INSN_MAX_LEN;
		memcpy(code, in.p, got);
	}
	why[0] = 0;
	if (mmio_decode(code, got, mode, &insn, why, sizeof(why)) != 0) {
		FUZZ_ASSERT(why[0]);
		return 0;
	}
	FUZZ_ASSERT(insn.len >= 1 && insn.len <= got);
	FUZZ_ASSERT(insn.size == 1 || insn.size == 2 || insn.size == 4 || insn.size == 8);
	FUZZ_ASSERT(insn.reg >= -1 && insn.reg <= 15);
	FUZZ_ASSERT(mode == 64 || insn.size != 8);
	for (unsigned i = 0; i < 16; i++)
		regs[i] = before[i] = 0x0123456789abcdefull * (i + 1);
	if (insn.op == MMIO_STORE) {
		uint64_t v = mmio_store_value(&insn, regs);

		FUZZ_ASSERT(insn.size == 8 || v >> (8 * insn.size) == 0);
	} else {
		FUZZ_ASSERT(insn.reg >= 0);
		mmio_load_result(&insn, regs, ~0ull);
		/* Only the destination register changes. */
		for (unsigned i = 0; i < 16; i++)
			if (i != (unsigned)insn.reg - (insn.high_byte ? 4u : 0u))
				FUZZ_ASSERT(regs[i] == before[i]);
	}
	return 0;
}
