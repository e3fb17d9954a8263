/* SPDX-License-Identifier: MIT */
/*
 * Turning a planned partition into a runnable one: its RAM cleared, the
 * kernel image loaded, the boot structures the entry state needs built in
 * guest memory, its EPT built. Pure logic over p->ram_hva, so host tests
 * run it on a malloc'd "RAM".
 */
#ifndef SEPTUM_LOADER_H
#define SEPTUM_LOADER_H

#include <septum/elf.h>
#include <septum/partition.h>

/* Guest-physical layout below 1 MiB for ELF test guests (docs/guests.md). */
#define GUEST_GDT_GPA   0x800ull     /* 3 descriptors: null, code (0x08), data (0x10) */
#define GUEST_PML4_GPA  0x1000ull    /* 64-bit entry: PML4, PDPT, 4 PDs (0..4 GiB in 2 MiB pages) */
#define GUEST_PDPT_GPA  0x2000ull
#define GUEST_PD_GPA    0x3000ull
#define GUEST_BOOT_END  0x7000ull

/* Load an ELF kernel into p (RAM must be mapped at p->ram_hva); gbpages: the
 * CPU has 1 GiB pages, so map 4 GiB..512 GiB with them too. */
int partition_load_elf(struct partition *p, const void *image, size_t size, bool gbpages,
		       char *why, size_t whylen);

#endif
