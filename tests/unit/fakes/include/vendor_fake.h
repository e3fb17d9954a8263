/* SPDX-License-Identifier: MIT */
/* The fake vendor backend (tests/unit/fakes/vendor_fake.c). */
#ifndef SEPTUM_VENDOR_FAKE_H
#define SEPTUM_VENDOR_FAKE_H

#include <septum/exit.h>

struct fake_guest {
	uint64_t rip, rsp, rflags, cr0, cr3, cr4, efer, cs_base;
	unsigned cpl, code_bits;
	uint64_t cr4_reserved;          /* vendor_cr4_reserved() */
	uint64_t tsc_offset;
	bool guest_nmis;                /* vendor_guest_nmis(); reset: true */
	int split_rc;                   /* vendor_split_exec(); reset: -ENOENT */
	/* What the core did: */
	unsigned faults, fault_vector, fault_has_code;
	uint32_t fault_code;
	unsigned cr0_writes, cr4_writes, efer_writes, bad_set_reg;
	unsigned apic_mode_changes;
	bool last_x2apic;
	unsigned split_calls;
	uint64_t split_gpa;
};

extern struct fake_guest fake_guest;
extern const struct vendor_ops fake_vendor_ops;
void fake_vendor_reset(void);

#endif
