/* SPDX-License-Identifier: MIT */
/*
 * Internal interface of the UEFI loader (BOOTX64.EFI). Only boot/ includes
 * efi.h; the core sees nothing but struct boot_info.
 *
 * Conventions: every function that can fail returns an EFI_STATUS and has
 * already printed one line on ConOut saying what failed and why (UEFI
 * ConOut, which OVMF mirrors to the serial port). Callers only propagate.
 * Every page the loader allocates for the core is EfiLoaderData, so the
 * memory map shows exactly Septum's keep as BOOT_MEM_SEPTUM; on failure they
 * are all freed. Temporary buffers (gnu-efi pools: file info, the memory
 * map) are EfiBootServicesData and end up BOOT_MEM_FREE.
 */
#ifndef SEPTUM_BOOT_LOADER_H
#define SEPTUM_BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include <septum/boot_info.h>

#define BOOT_PAGE      4096ull
#define BOOT_PAGES(n)  (((n) + BOOT_PAGE - 1) / BOOT_PAGE)

/* efi_main.c: the entry point, called by gnu-efi's crt0 (_start), which
 * applies the loader's own relocations first. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab);

/* efi_main.c: console and allocation helpers */

/* Prints "septum-boot: error: <fmt>" and returns st (gnu-efi Print format:
 * %a ASCII string, %s UCS-2 string, %lx/%ld 64-bit, %r EFI_STATUS). */
EFI_STATUS boot_fail(EFI_STATUS st, const CHAR16 *fmt, ...);
void boot_warn(const CHAR16 *fmt, ...);

/* AllocatePages(how, EfiLoaderData) with *addr as the max address for
 * AllocateMaxAddress; remembered so boot_free_all() can undo it. The
 * failure is printed with `what`. */
EFI_STATUS boot_alloc_pages(EFI_ALLOCATE_TYPE how, UINTN pages, UINT64 *addr,
			    const CHAR16 *what);
/* Frees pages from boot_alloc_pages, or a sub-range at either end of one. */
void boot_free_pages(UINT64 addr, UINTN pages);
/* Frees everything still allocated; used on the error path. */
void boot_free_all(void);

/* efi_fs.c: the volume the loader itself was loaded from */
EFI_STATUS fs_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root);
/* Reads \septum\<name> into fresh page-aligned pages (tail of the last page
 * zeroed) and fills out->name/addr/size. */
EFI_STATUS fs_load(EFI_FILE_HANDLE root, const char *name, struct boot_file *out);

/* efi_cpus.c: fills bi->ncpus and bi->cpus[] (BSP first). */
EFI_STATUS cpus_enumerate(struct boot_info *bi);

/* efi_exit.c: fills bi->mem/nmem from the memory map as it is now (to
 * size Septum's reservation; exit_boot_services() replaces it). */
EFI_STATUS memmap_now(struct boot_info *bi);

/* efi_exit.c: fills bi->mem/nmem from the final memory map and leaves boot
 * services. On success nothing of UEFI may be used any more. */
EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi);

#endif /* SEPTUM_BOOT_LOADER_H */
