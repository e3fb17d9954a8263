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
#include <septum/multiboot.h>
#include <septum/image.h>
#include <septum/partition.h>

/* Guest-physical layout below 1 MiB for ELF test guests (docs/guests.md). */
#define GUEST_GDT_GPA   0x800ull     /* 3 descriptors: null, code (0x08), data (0x10) */
#define GUEST_PML4_GPA  0x1000ull    /* 64-bit entry: PML4, PDPT, 4 PDs (0..4 GiB in 2 MiB pages) */
#define GUEST_PDPT_GPA  0x2000ull
#define GUEST_PD_GPA    0x3000ull
#define GUEST_BOOT_END  0x7000ull
/* Linux only: */
#define GUEST_ZERO_PAGE_GPA 0x7000ull /* struct boot_params */
#define GUEST_CMDLINE_GPA   0x8000ull /* up to 4 KiB */
#define GUEST_ACPI_GPA      0x9000ull /* synthesised ACPI tables, up to 4 KiB */
#define GUEST_LOW_FREE      0xa000ull /* from here to 640 KiB: RAM the guest may use */
#define GUEST_RESET_VECTOR  0xffff0ull /* F000:FFF0, in the reserved legacy hole: Septum's reset stub */
/* Multiboot only (the GDT at GUEST_GDT_GPA and the ACPI tables at
 * GUEST_ACPI_GPA as above; no page tables, paging is off at entry): */
#define GUEST_MB_INFO_GPA   0x1000ull /* boot information, up to GUEST_ACPI_GPA */


/* Load an ELF kernel into p (RAM must be mapped at p->ram_hva); gbpages: the
 * CPU has 1 GiB pages, so map 4 GiB..512 GiB with them too. */
int partition_load_elf(struct partition *p, const void *image, size_t size, bool gbpages,
		       char *why, size_t whylen);

/* Load a Linux bzImage (x86 64-bit boot protocol) with its initrd and
 * command line, and build the zero page, E820 map and ACPI tables for the
 * partition's CPUs (apic_ids[0..ncpus)). */
int partition_load_linux(struct partition *p, const void *image, size_t size, const void *initrd,
			 size_t initrd_size, const uint32_t *apic_ids, unsigned ncpus, bool gbpages,
			 char *why, size_t whylen);

/*
 * Load a multiboot v1 or v2 kernel (docs/guest-boot.md) with its modules
 * (mods[0..nmods), in config order) and the partition's command line, and
 * build its boot information, memory map and ACPI tables for the
 * partition's CPUs. Entry state: 32-bit protected mode, paging off, flat
 * segments, EAX = the boot loader magic (entry_rax), EBX = the boot
 * information's GPA (entry_rbx).
 */
int partition_load_multiboot(struct partition *p, const void *image, size_t size,
			     const struct mb_module *mods, unsigned nmods, const uint32_t *apic_ids,
			     unsigned ncpus, char *why, size_t whylen);

#endif
