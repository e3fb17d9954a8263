/* SPDX-License-Identifier: MIT */
/*
 * UEFI memory map -> boot_info.mem[]. Pure computation over a map the
 * caller obtained: it is called before ExitBootServices, so that a map that
 * does not fit is refused while the console still works, and its result is
 * what the core receives. No UEFI headers: the descriptor layout is
 * declared here from the spec (efi_exit.c asserts it equals gnu-efi's), so
 * the conversion is unit-tested on the host.
 */
#ifndef SEPTUM_BOOT_MEMMAP_H
#define SEPTUM_BOOT_MEMMAP_H

#include <stddef.h>
#include <stdint.h>
#include <septum/boot_info.h>

/* UEFI 2.9, 7.2 GetMemoryMap(), EFI_MEMORY_TYPE */
enum uefi_mem_type {
	UEFI_RESERVED_MEMORY = 0,
	UEFI_LOADER_CODE,
	UEFI_LOADER_DATA,
	UEFI_BOOT_SERVICES_CODE,
	UEFI_BOOT_SERVICES_DATA,
	UEFI_RUNTIME_SERVICES_CODE,
	UEFI_RUNTIME_SERVICES_DATA,
	UEFI_CONVENTIONAL_MEMORY,
	UEFI_UNUSABLE_MEMORY,
	UEFI_ACPI_RECLAIM_MEMORY,
	UEFI_ACPI_MEMORY_NVS,
	UEFI_MEMORY_MAPPED_IO,
	UEFI_MEMORY_MAPPED_IO_PORT_SPACE,
	UEFI_PAL_CODE,
	UEFI_PERSISTENT_MEMORY,
	UEFI_UNACCEPTED_MEMORY,
};

/* UEFI 2.9, 7.2: EFI_MEMORY_DESCRIPTOR, version 1. Firmware may return a
 * larger DescriptorSize; entries are then that many bytes apart. */
struct uefi_mem_desc {
	uint32_t type;
	uint32_t pad;
	uint64_t phys_start;
	uint64_t virt_start;
	uint64_t npages;     /* 4 KiB pages */
	uint64_t attribute;
};
_Static_assert(sizeof(struct uefi_mem_desc) == 40, "UEFI 2.9 7.2: EFI_MEMORY_DESCRIPTOR");
_Static_assert(offsetof(struct uefi_mem_desc, phys_start) == 8, "UEFI 2.9 7.2");
_Static_assert(offsetof(struct uefi_mem_desc, npages) == 24, "UEFI 2.9 7.2");

/* The boot_info type for a UEFI memory type (UEFI 2.9, 7.2, "Memory Type
 * Usage after ExitBootServices()"). */
uint32_t memmap_type(uint32_t uefi_type);

/*
 * Converts the map_size bytes of descriptors at map, desc_size bytes apart,
 * into out[]: sorted by base, adjacent regions of the same type merged,
 * empty descriptors dropped. Reads only map, writes only out.
 * Returns the number of regions, or -1 with *why set if more than max are
 * needed, descriptors overlap or wrap, or desc_size is too small.
 */
int memmap_convert(const void *map, size_t map_size, size_t desc_size,
		   struct boot_mem_region *out, uint32_t max, const char **why);

#endif /* SEPTUM_BOOT_MEMMAP_H */
