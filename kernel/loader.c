// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <septum/loader.h>

/* Guest page-table bits (SDM Vol. 3A §4.5): present, writable, page size. */
#define GPTE_P  BIT(0)
#define GPTE_W  BIT(1)
#define GPTE_PS BIT(7)

static void put64(struct partition *p, uint64_t gpa, uint64_t v)
{
	memcpy(p->ram_hva + gpa, &v, sizeof(v));
}

/* Identity map for a 64-bit guest: 0..4 GiB with 2 MiB pages; with 1 GiB
 * pages also 4..512 GiB, so a guest can name any address it likes (and find
 * out, through EPT, that it owns only its RAM). These tables are the guest's
 * own memory: they grant nothing. */
static void build_identity_map(struct partition *p, bool gbpages)
{
	put64(p, GUEST_PML4_GPA, GUEST_PDPT_GPA | GPTE_P | GPTE_W);
	for (uint64_t g = 0; g < 512; g++) {
		if (g < 4)
			put64(p, GUEST_PDPT_GPA + g * 8, (GUEST_PD_GPA + g * PAGE_SIZE) | GPTE_P | GPTE_W);
		else if (gbpages)
			put64(p, GUEST_PDPT_GPA + g * 8, (g << 30) | GPTE_P | GPTE_W | GPTE_PS);
	}
	for (uint64_t i = 0; i < 4 * 512; i++)
		put64(p, GUEST_PD_GPA + i * 8, (i << 21) | GPTE_P | GPTE_W | GPTE_PS);
	p->entry_cr3 = GUEST_PML4_GPA;
}

int partition_load_elf(struct partition *p, const void *image, size_t size, bool gbpages,
		       char *why, size_t whylen)
{
	struct elf_image img;

	if (elf_parse(image, size, &img, why, whylen) || elf_check_fits(&img, p->ram_size, why, whylen))
		return -1;
	if (p->ram_size < ELF_GUEST_LOAD_MIN) {
		snprintf(why, whylen, "partition RAM smaller than 1 MiB");
		return -1;
	}
	memset(p->ram_hva, 0, p->ram_size);
	elf_load(&img, image, p->ram_hva, p->ram_size);

	/* GDT (SDM Vol. 3A §3.4.5): null, flat code (64-bit or 32-bit), flat data. */
	put64(p, GUEST_GDT_GPA, 0);
	put64(p, GUEST_GDT_GPA + 8, img.bits == 64 ? 0x00af9a000000ffffull : 0x00cf9a000000ffffull);
	put64(p, GUEST_GDT_GPA + 16, 0x00cf92000000ffffull);
	if (img.bits == 64)
		build_identity_map(p, gbpages);
	p->entry_bits = img.bits;
	p->entry_rip = img.entry;
	return 0;
}
