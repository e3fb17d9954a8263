/* SPDX-License-Identifier: MIT */
/*
 * Software walk of a guest's own page tables (Intel SDM Vol. 3A §4), used
 * to fetch the instruction that caused an MMIO exit: the exit reports the
 * guest RIP (a linear address once CS.base is added), not where the bytes
 * are in guest-physical memory.
 *
 * Scope: the walk only follows Present bits. Access rights, reserved bits
 * and large-page alignment are not checked: the CPU has just fetched the
 * instruction through these same tables, so they were valid a moment ago.
 * Physical addresses are taken from entry bits 51:12 (MAXPHYADDR = 52, the
 * architectural maximum); a guest cannot set bits above its real
 * MAXPHYADDR without faulting, so the wider mask loses nothing.
 */
#ifndef SEPTUM_GUEST_WALK_H
#define SEPTUM_GUEST_WALK_H

#include <septum/types.h>

struct guest_paging {
	uint64_t cr0, cr3, cr4, efer;   /* as the guest sees them (CR0/CR4 read shadows) */
};

/* Reads guest-physical memory: returns a host pointer to [gpa, gpa+len) or NULL if it is not RAM. */
typedef const void *(*guest_read_fn)(void *ctx, uint64_t gpa, uint64_t len);

/* Translates a linear address to guest-physical using the guest's own page tables (SDM Vol. 3A §4):
 * paging off (CR0.PG=0: linear == physical, truncated to 32 bits outside long mode), 32-bit paging
 * (CR4.PAE=0; 4 KiB and, with CR4.PSE, 4 MiB pages, PSE-36 high bits 20:13 included), PAE paging
 * (CR4.PAE=1, EFER.LMA=0: 4 PDPTEs at CR3[31:5], read from guest memory), 4-level (EFER.LMA=1) and
 * 5-level (CR4.LA57) with 1 GiB / 2 MiB large pages. Levels are numbered as in the SDM: 1 = page
 * table, 2 = page directory, 3 = PDPT, 4 = PML4, 5 = PML5. Returns 0 and *gpa, or -1 with a reason
 * ("not present at level 2", "page-table entry at GPA 0x... is not RAM"). */
int guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear, guest_read_fn rd, void *ctx,
			 uint64_t *gpa, char *why, size_t whylen);

/* Copies up to @len bytes of guest linear memory starting at @linear (crossing page boundaries, each
 * page translated on its own) into @buf. Returns the number of bytes copied (stops at the first page
 * that does not translate or is not RAM; 0 with a reason if the first byte doesn't). When it stops
 * short after copying some bytes, @why also says why. */
size_t guest_read_linear(const struct guest_paging *pg, uint64_t linear, void *buf, size_t len,
			 guest_read_fn rd, void *ctx, char *why, size_t whylen);

#endif /* SEPTUM_GUEST_WALK_H */
