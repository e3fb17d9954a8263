/* SPDX-License-Identifier: MIT */
/*
 * UEFI memory map conversion (see memmap.h). Its result is handed to the
 * core after ExitBootServices, so it calls nothing, allocates nothing and
 * only reads the map buffer: sorting is a repeated minimum search over the
 * descriptors (O(n^2) for a few hundred entries), which needs no scratch
 * space and leaves the firmware's buffer as it was.
 */
#include "memmap.h"

#define UEFI_PAGE 4096ull

uint32_t memmap_type(uint32_t uefi_type)
{
	switch (uefi_type) {
	/* Free once boot services are gone; the loader's own code is dead
	 * once it has jumped to the core. */
	case UEFI_CONVENTIONAL_MEMORY:
	case UEFI_BOOT_SERVICES_CODE:
	case UEFI_BOOT_SERVICES_DATA:
	case UEFI_LOADER_CODE:
		return BOOT_MEM_FREE;
	/* Everything the loader allocated for the core is EfiLoaderData. */
	case UEFI_LOADER_DATA:
		return BOOT_MEM_SEPTUM;
	case UEFI_ACPI_RECLAIM_MEMORY:
		return BOOT_MEM_ACPI_RECLAIM;
	case UEFI_ACPI_MEMORY_NVS:
		return BOOT_MEM_ACPI_NVS;
	case UEFI_MEMORY_MAPPED_IO:
	case UEFI_MEMORY_MAPPED_IO_PORT_SPACE:
		return BOOT_MEM_MMIO;
	default:
		/* Reserved, runtime services, unusable, PAL code, persistent,
		 * unaccepted (not usable until accepted) and anything newer. */
		return BOOT_MEM_RESERVED;
	}
}

static const struct uefi_mem_desc *desc_at(const void *map, size_t desc_size, size_t i)
{
	return (const struct uefi_mem_desc *)((const unsigned char *)map + i * desc_size);
}

/* The non-empty descriptor with the lowest start above `above` (of all,
 * when first), NULL when none is left. Two descriptors with one start are
 * an overlap, which the caller reports: equal starts are not skipped. */
static const struct uefi_mem_desc *next_desc(const void *map, size_t n, size_t desc_size,
					     const struct uefi_mem_desc *prev)
{
	const struct uefi_mem_desc *best = NULL;
	size_t i;

	for (i = 0; i < n; i++) {
		const struct uefi_mem_desc *d = desc_at(map, desc_size, i);

		if (d->npages == 0 || d == prev)
			continue;
		if (prev && (d->phys_start < prev->phys_start ||
			     (d->phys_start == prev->phys_start && d < prev)))
			continue;
		if (!best || d->phys_start < best->phys_start)
			best = d;
	}
	return best;
}

int memmap_convert(const void *map, size_t map_size, size_t desc_size,
		   struct boot_mem_region *out, uint32_t max, const char **why)
{
	const struct uefi_mem_desc *d = NULL;
	size_t n;
	uint32_t count = 0;

	if (desc_size < sizeof(struct uefi_mem_desc) || desc_size % 8) {
		*why = "memory map descriptor size is smaller than EFI_MEMORY_DESCRIPTOR or misaligned";
		return -1;
	}
	n = map_size / desc_size;
	while ((d = next_desc(map, n, desc_size, d)) != NULL) {
		uint64_t base = d->phys_start, size;
		uint32_t type = memmap_type(d->type);
		struct boot_mem_region *last = count ? &out[count - 1] : NULL;

		/* end <= 2^64 - 4 KiB, so base + size below never wraps */
		if (base % UEFI_PAGE || d->npages > (UINT64_MAX - base) / UEFI_PAGE) {
			*why = "memory map entry is misaligned or wraps around the address space";
			return -1;
		}
		size = d->npages * UEFI_PAGE;
		if (last && base < last->base + last->size) {
			*why = "memory map entries overlap";
			return -1;
		}
		if (last && last->type == type && last->base + last->size == base) {
			last->size += size;
			continue;
		}
		if (count == max) {
			*why = "memory map has more regions than boot_info.mem[] holds (BOOT_MAX_MEM)";
			return -1;
		}
		out[count++] = (struct boot_mem_region){ .base = base, .size = size, .type = type };
	}
	return (int)count;
}
