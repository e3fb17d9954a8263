/* SPDX-License-Identifier: MIT */
/*
 * Reading \septum\* from the volume BOOTX64.EFI was loaded from, through
 * EFI_LOADED_IMAGE_PROTOCOL.DeviceHandle and EFI_SIMPLE_FILE_SYSTEM_PROTOCOL
 * (UEFI 2.9, 9.1 and 13.4). Files go into their own EfiLoaderData pages so
 * the core can keep them in place (boot_info.files[].addr).
 */
#include "loader.h"

#define SEPTUM_DIR L"\\septum\\"

EFI_STATUS fs_open_root(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_LOADED_IMAGE *li;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st))
		return boot_fail(st, L"no EFI_LOADED_IMAGE_PROTOCOL on our own image: %r", st);
	st = uefi_call_wrapper(BS->HandleProtocol, 3, li->DeviceHandle, &FileSystemProtocol,
			       (void **)&fs);
	if (EFI_ERROR(st))
		return boot_fail(st, L"the boot device has no simple file system "
				 L"(is the loader on a FAT ESP?): %r", st);
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, root);
	if (EFI_ERROR(st))
		return boot_fail(st, L"cannot open the boot volume: %r", st);
	return EFI_SUCCESS;
}

/* \septum\<name> as UCS-2. cfg_scan only lets printable ASCII through,
 * so widening byte by byte is exact. */
static void make_path(const char *name, CHAR16 *path, UINTN len)
{
	const CHAR16 *dir = SEPTUM_DIR;
	UINTN i = 0;

	while (*dir && i + 1 < len)
		path[i++] = *dir++;
	while (*name && i + 1 < len)
		path[i++] = (CHAR16)(unsigned char)*name++;
	path[i] = 0;
}

static UINTN name_copy(char *dst, const char *src)
{
	UINTN i;

	for (i = 0; src[i] && i + 1 < BOOT_NAME_MAX; i++)
		dst[i] = src[i];
	dst[i] = '\0';
	return i;
}

/* File size from EFI_FILE_INFO (UEFI 2.9, 13.5.16); refuses directories. */
static EFI_STATUS file_size(EFI_FILE_HANDLE fh, const CHAR16 *path, UINT64 *size)
{
	EFI_FILE_INFO *info = LibFileInfo(fh);
	EFI_STATUS st = EFI_SUCCESS;

	if (!info)
		return boot_fail(EFI_DEVICE_ERROR, L"cannot get the size of %s", path);
	if (info->Attribute & EFI_FILE_DIRECTORY)
		st = boot_fail(EFI_INVALID_PARAMETER, L"%s is a directory, not a file", path);
	*size = info->FileSize;
	FreePool(info);
	return st;
}

/* Read() may return fewer bytes than asked; loop until the file is in. */
static EFI_STATUS read_all(EFI_FILE_HANDLE fh, const CHAR16 *path, UINT8 *buf, UINT64 size)
{
	UINT64 done = 0;

	while (done < size) {
		UINTN chunk = size - done;
		EFI_STATUS st = uefi_call_wrapper(fh->Read, 3, fh, &chunk, buf + done);

		if (EFI_ERROR(st))
			return boot_fail(st, L"cannot read %s: %r", path, st);
		if (chunk == 0)
			return boot_fail(EFI_END_OF_FILE, L"%s ended after %ld of %ld bytes",
					 path, done, size);
		done += chunk;
	}
	return EFI_SUCCESS;
}

EFI_STATUS fs_load(EFI_FILE_HANDLE root, const char *name, struct boot_file *out)
{
	CHAR16 path[sizeof(SEPTUM_DIR) / sizeof(CHAR16) + BOOT_NAME_MAX];
	EFI_FILE_HANDLE fh;
	EFI_STATUS st;
	UINT64 size = 0, addr = 0;
	UINTN pages;

	make_path(name, path, sizeof(path) / sizeof(path[0]));
	st = uefi_call_wrapper(root->Open, 5, root, &fh, path, EFI_FILE_MODE_READ, 0ull);
	if (EFI_ERROR(st))
		return boot_fail(st, L"cannot open %s: %r", path, st);
	st = file_size(fh, path, &size);
	if (!EFI_ERROR(st) && size > (1ull << 40))
		st = boot_fail(EFI_BAD_BUFFER_SIZE, L"%s is implausibly large (%ld bytes)", path, size);
	if (EFI_ERROR(st))
		goto out;
	/* At least one page, so an empty file still has a valid address. */
	pages = size ? BOOT_PAGES(size) : 1;
	st = boot_alloc_pages(AllocateAnyPages, pages, &addr, path);
	if (EFI_ERROR(st))
		goto out;
	st = read_all(fh, path, (UINT8 *)(UINTN)addr, size);
	if (EFI_ERROR(st)) {
		boot_free_pages(addr, pages);
		goto out;
	}
	/* Deterministic padding: the core may map whole pages of it. */
	SetMem((UINT8 *)(UINTN)addr + size, pages * BOOT_PAGE - size, 0);
	name_copy(out->name, name);
	out->addr = addr;
	out->size = size;
out:
	uefi_call_wrapper(fh->Close, 1, fh);
	return st;
}
