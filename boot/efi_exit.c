/* SPDX-License-Identifier: MIT */
/*
 * The final memory map and ExitBootServices (UEFI 2.9, 7.2 GetMemoryMap and
 * 7.4 ExitBootServices).
 *
 * The map key changes whenever the map does, and the firmware may change it
 * behind our back (timer events run until boot services end). So: one
 * buffer with slack, allocated before the loop; GetMemoryMap into it;
 * convert it (pure computation); ExitBootServices(key); on
 * EFI_INVALID_PARAMETER fetch the map again into the same buffer and retry.
 * After the first ExitBootServices attempt the console may already be gone
 * (7.4: firmware may shut down partially), so only the first attempt prints.
 */
#include "loader.h"
#include "memmap.h"

/* Slack in descriptors: our own AllocatePool can split a free region into
 * up to three, and timer events between the calls can add a few more. */
#define MAP_SLACK_DESCS 16
#define EXIT_TRIES      8
/* Entries kept free on the checked (first) map so a slightly different
 * map on a retry still fits: after the first ExitBootServices call a
 * failure can no longer be reported. */
#define MEM_HEADROOM    16

/* memmap.c declares the spec layout itself so it builds without efi.h;
 * here both meet. UEFI 2.9, 7.2. */
_Static_assert(sizeof(struct uefi_mem_desc) == sizeof(EFI_MEMORY_DESCRIPTOR), "UEFI 2.9 7.2");
_Static_assert(offsetof(struct uefi_mem_desc, phys_start) ==
	       offsetof(EFI_MEMORY_DESCRIPTOR, PhysicalStart), "UEFI 2.9 7.2");
_Static_assert(offsetof(struct uefi_mem_desc, npages) ==
	       offsetof(EFI_MEMORY_DESCRIPTOR, NumberOfPages), "UEFI 2.9 7.2");
_Static_assert((int)UEFI_LOADER_DATA == (int)EfiLoaderData &&
	       (int)UEFI_CONVENTIONAL_MEMORY == (int)EfiConventionalMemory &&
	       (int)UEFI_ACPI_MEMORY_NVS == (int)EfiACPIMemoryNVS &&
	       (int)UEFI_MEMORY_MAPPED_IO_PORT_SPACE == (int)EfiMemoryMappedIOPortSpace &&
	       (int)UEFI_PAL_CODE == (int)EfiPalCode, "UEFI 2.9 7.2: EFI_MEMORY_TYPE values");

#ifdef BOOT_TEST_STALE_MAP_KEY
/* Test-only: after ExitBootServices the console is gone, so say how many
 * attempts it took straight to COM1 (0x3f8, 16550 THR/LSR). */
static void test_report_attempts(int attempts)
{
	const char *s = "septum-boot: test: ExitBootServices succeeded on attempt ";
	char msg[64];
	int i = 0, j;

	while (*s)
		msg[i++] = *s++;
	msg[i++] = (char)('0' + attempts);
	msg[i++] = '\r';
	msg[i++] = '\n';
	for (j = 0; j < i; j++) {
		UINT8 lsr;

		do
			__asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((UINT16)0x3fd));
		while (!(lsr & 0x20));
		__asm__ volatile("outb %0, %1" : : "a"((UINT8)msg[j]), "Nd"((UINT16)0x3f8));
	}
}
#endif

static EFI_STATUS get_map(void *map, UINTN *size, UINTN *key, UINTN *dsize)
{
	UINT32 dver;

	return uefi_call_wrapper(BS->GetMemoryMap, 5, size, map, key, dsize, &dver);
}

EFI_STATUS memmap_now(struct boot_info *bi)
{
	UINTN size = 0, key = 0, dsize = 0;
	const char *why = NULL;
	EFI_STATUS st;
	void *map;
	int n;

	st = get_map(NULL, &size, &key, &dsize);
	if (st != EFI_BUFFER_TOO_SMALL || dsize == 0)
		return boot_fail(EFI_ERROR(st) ? st : EFI_DEVICE_ERROR,
				 L"GetMemoryMap did not report the map size: %r", st);
	size += MAP_SLACK_DESCS * dsize;
	map = AllocatePool(size);
	if (!map)
		return boot_fail(EFI_OUT_OF_RESOURCES, L"no memory for the memory map (%ld bytes)",
				 (UINT64)size);
	st = get_map(map, &size, &key, &dsize);
	n = EFI_ERROR(st) ? -1 : memmap_convert(map, size, dsize, bi->mem, BOOT_MAX_MEM, &why);
	FreePool(map);
	if (EFI_ERROR(st))
		return boot_fail(st, L"GetMemoryMap: %r", st);
	if (n < 0)
		return boot_fail(EFI_BUFFER_TOO_SMALL, L"%a", why);
	bi->nmem = (uint32_t)n;
	return EFI_SUCCESS;
}

EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi)
{
	UINTN size = 0, cap, key = 0, dsize = 0;
	const char *why = NULL;
	EFI_STATUS st;
	void *map;
	int n, attempt;

	st = get_map(NULL, &size, &key, &dsize);
	if (st != EFI_BUFFER_TOO_SMALL || dsize == 0)
		return boot_fail(EFI_ERROR(st) ? st : EFI_DEVICE_ERROR,
				 L"GetMemoryMap did not report the map size: %r", st);
	cap = size + MAP_SLACK_DESCS * dsize;
	/* gnu-efi pools are EfiBootServicesData: the buffer is BOOT_MEM_FREE
	 * for the core, which never needs it (bi->mem is the result). */
	map = AllocatePool(cap);
	if (!map)
		return boot_fail(EFI_OUT_OF_RESOURCES, L"no memory for the memory map (%ld bytes)",
				 (UINT64)cap);
	for (attempt = 0; attempt < EXIT_TRIES; attempt++) {
		size = cap;
		st = get_map(map, &size, &key, &dsize);
		if (EFI_ERROR(st)) {
			if (attempt == 0)
				return boot_fail(st, L"GetMemoryMap: %r", st);
			return st;
		}
		n = memmap_convert(map, size, dsize, bi->mem,
				   BOOT_MAX_MEM - (attempt == 0 ? MEM_HEADROOM : 0), &why);
		if (n < 0) {
			if (attempt == 0)
				return boot_fail(EFI_BUFFER_TOO_SMALL, L"%a (%ld descriptors)", why,
						 (UINT64)(size / dsize));
			return EFI_BUFFER_TOO_SMALL;
		}
#ifdef BOOT_TEST_STALE_MAP_KEY
		/* Test-only build (BOOT_EXTRA_CFLAGS=-DBOOT_TEST_STALE_MAP_KEY):
		 * change the map after reading it, so the first
		 * ExitBootServices must fail and the retry path runs. */
		if (attempt == 0) {
			EFI_PHYSICAL_ADDRESS p;

			Print(L"septum-boot: test: making the map key stale\n");
			uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages, EfiLoaderData, 1, &p);
		}
#endif
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st == EFI_SUCCESS) {
			/* bi->mem was computed from exactly this map: nothing
			 * ran in between, so it is the final one. */
			bi->nmem = (uint32_t)n;
#ifdef BOOT_TEST_STALE_MAP_KEY
			test_report_attempts(attempt + 1);
#endif
			return EFI_SUCCESS;
		}
		if (st != EFI_INVALID_PARAMETER) {
			if (attempt == 0)
				return boot_fail(st, L"ExitBootServices: %r", st);
			return st;
		}
	}
	return EFI_ABORTED;
}
