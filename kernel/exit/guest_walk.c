/* SPDX-License-Identifier: MIT */
/*
 * Guest page-table walker. See septum/guest_walk.h for the contract.
 *
 * Paging modes and entry formats: Intel SDM Vol. 3A §4.1.1 (Table 4-1,
 * which mode CR0.PG, CR4.PAE, CR4.LA57 and EFER.LMA select), §4.3 (32-bit
 * paging, Tables 4-4..4-6), §4.4 (PAE, Tables 4-8..4-11) and §4.5 (4- and
 * 5-level paging, Tables 4-14..4-20). All four table formats are walked by
 * one loop over a small description of the mode; only the entry size, the
 * index width and where large pages may appear differ.
 *
 * Table contents are guest-controlled: each entry is fetched through the
 * caller's rd(), which refuses anything outside the guest's RAM, and copied
 * out with memcpy so no alignment is assumed of the host buffer.
 */
#include <string.h>

#include <septum/guest_walk.h>
#include <septum/why.h>

/* Control bits that select the paging mode (SDM Vol. 3A §2.5, §2.2.1). */
#define GW_CR0_PG     BIT(31)
#define GW_CR4_PSE    BIT(4)
#define GW_CR4_PAE    BIT(5)
#define GW_CR4_LA57   BIT(12)
#define GW_EFER_LMA   BIT(10)

/* Entry bits common to every format. */
#define PTE_P         BIT(0)
#define PTE_PS        BIT(7)   /* maps a page at level 2 (and 3 in 4/5-level) */

/* Physical-address bits of 64-bit entries: 51:12 (M = 52, see the header). */
#define PTE64_ADDR    0x000ffffffffff000ull
/* 32-bit paging (Tables 4-5, 4-6): bits 31:12 of a table address, bits
 * 31:22 of a 4 MiB page, and PSE-36's bits 20:13 giving address bits 39:32. */
#define PTE32_ADDR    0xfffff000ull
#define PDE32_4M_ADDR 0xffc00000ull
#define PDE32_4M_HI(e) ((((e) >> 13) & 0xffull) << 32)
/* PAE CR3 (§4.4.1): the PDPT is 32-byte aligned, bits 31:5. */
#define CR3_PAE_ADDR  0xffffffe0ull

struct walk_mode {
	const char *name;
	unsigned top;          /* level of the root table */
	unsigned entry_size;   /* 4 (32-bit paging) or 8 */
	unsigned large_mask;   /* BIT(level) where PS=1 maps a page */
	uint64_t root;         /* GPA of the root table */
	uint64_t linear;       /* the address, cut to the mode's width */
};

/*
 * Picks the mode (SDM Vol. 3A Table 4-1). PAE: the CPU uses the four PDPTEs
 * it loaded at the last MOV to CR3 (under EPT, the VMCS guest-PDPTE fields),
 * not the memory they came from; reading memory differs only if the guest
 * rewrote its PDPT without reloading CR3, which would be a guest bug.
 */
static void pick_mode(const struct guest_paging *pg, uint64_t linear, struct walk_mode *m)
{
	if (pg->efer & GW_EFER_LMA) {
		bool la57 = pg->cr4 & GW_CR4_LA57;

		*m = (struct walk_mode){ .name = la57 ? "5-level" : "4-level", .top = la57 ? 5 : 4,
					 .entry_size = 8, .large_mask = BIT(2) | BIT(3),
					 .root = pg->cr3 & PTE64_ADDR, .linear = linear };
	} else if (pg->cr4 & GW_CR4_PAE) {
		*m = (struct walk_mode){ .name = "PAE", .top = 3, .entry_size = 8, .large_mask = BIT(2),
					 .root = pg->cr3 & CR3_PAE_ADDR, .linear = (uint32_t)linear };
	} else {
		*m = (struct walk_mode){ .name = "32-bit", .top = 2, .entry_size = 4,
					 .large_mask = (pg->cr4 & GW_CR4_PSE) ? BIT(2) : 0,
					 .root = pg->cr3 & PTE32_ADDR, .linear = (uint32_t)linear };
	}
}

/* Where a level's index sits in the linear address: 10-bit indexes at 22
 * and 12 for 32-bit paging, 9-bit ones at 12 + 9 * (level - 1) otherwise
 * (the PAE PDPT index is bits 31:30, which the 32-bit cut already bounds). */
static unsigned level_shift(const struct walk_mode *m, unsigned level)
{
	if (m->entry_size == 4)
		return level == 2 ? 22 : 12;
	return 12 + 9 * (level - 1);
}

static uint64_t level_index(const struct walk_mode *m, unsigned level)
{
	uint64_t mask = m->entry_size == 4 ? 0x3ff : 0x1ff;

	return (m->linear >> level_shift(m, level)) & mask;
}

static int read_entry(const struct walk_mode *m, uint64_t at, guest_read_fn rd, void *ctx,
		      uint64_t *entry, char *why, size_t whylen)
{
	const void *p = rd(ctx, at, m->entry_size);
	uint32_t e32;

	if (!p)
		return why_fail(why, whylen, "page-table entry at GPA 0x%llx is not RAM",
				(unsigned long long)at);
	if (m->entry_size == 4) {
		memcpy(&e32, p, sizeof(e32));
		*entry = e32;
	} else {
		memcpy(entry, p, sizeof(*entry));
	}
	return 0;
}

/* GPA of the byte @m->linear inside the page that @e maps at @level. */
static uint64_t page_address(const struct walk_mode *m, unsigned level, uint64_t e)
{
	uint64_t size = BIT(level_shift(m, level));
	uint64_t offset = m->linear & (size - 1);

	if (m->entry_size == 4)
		return level == 1 ? (e & PTE32_ADDR) | offset
				  : PDE32_4M_HI(e) | (e & PDE32_4M_ADDR) | offset;
	/* Large-page entries keep PAT in bit 12 and reserved bits below the
	 * page size, so the address is cut at the page size, not at bit 12. */
	return (e & PTE64_ADDR & ~(size - 1)) | offset;
}

int guest_linear_to_phys(const struct guest_paging *pg, uint64_t linear, guest_read_fn rd, void *ctx,
			 uint64_t *gpa, char *why, size_t whylen)
{
	struct walk_mode m;
	uint64_t table, e;

	if (!(pg->cr0 & GW_CR0_PG)) {
		/* Paging off: linear is physical; outside IA-32e mode the
		 * address is 32 bits wide (§4.1.1). */
		*gpa = (pg->efer & GW_EFER_LMA) ? linear : (uint32_t)linear;
		return 0;
	}
	pick_mode(pg, linear, &m);
	table = m.root;
	/* Ends at level 1 at the latest: a level-1 entry always maps a page. */
	for (unsigned level = m.top;; level--) {
		uint64_t at = table + level_index(&m, level) * m.entry_size;

		if (read_entry(&m, at, rd, ctx, &e, why, whylen))
			return -1;
		if (!(e & PTE_P))
			return why_fail(why, whylen,
					"linear 0x%llx (%s paging): not present at level %u (entry at GPA 0x%llx)",
					(unsigned long long)linear, m.name, level, (unsigned long long)at);
		if (level == 1 || ((m.large_mask & BIT(level)) && (e & PTE_PS))) {
			*gpa = page_address(&m, level, e);
			return 0;
		}
		table = e & (m.entry_size == 4 ? PTE32_ADDR : PTE64_ADDR);
	}
}

size_t guest_read_linear(const struct guest_paging *pg, uint64_t linear, void *buf, size_t len,
			 guest_read_fn rd, void *ctx, char *why, size_t whylen)
{
	uint8_t *out = buf;
	size_t done = 0;

	/* Contiguous linear pages need not be contiguous in guest-physical
	 * memory, so every 4 KiB piece is translated on its own. */
	while (done < len) {
		uint64_t lin = linear + done, gpa;
		size_t chunk = (size_t)(PAGE_SIZE - (lin & (PAGE_SIZE - 1)));
		const void *src;

		if (chunk > len - done)
			chunk = len - done;
		if (guest_linear_to_phys(pg, lin, rd, ctx, &gpa, why, whylen))
			break;
		src = rd(ctx, gpa, chunk);
		if (!src) {
			why_fail(why, whylen, "linear 0x%llx maps GPA 0x%llx, which is not RAM",
				 (unsigned long long)lin, (unsigned long long)gpa);
			break;
		}
		memcpy(out + done, src, chunk);
		done += chunk;
	}
	return done;
}
