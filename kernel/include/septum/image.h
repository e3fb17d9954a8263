/* SPDX-License-Identifier: MIT */
/*
 * Which kind of kernel image a partition boots, and whether it can boot in a
 * partition of a given RAM size. Shared by the core and septum-check so the
 * same image gets the same verdict on the host and at boot.
 */
#ifndef SEPTUM_IMAGE_H
#define SEPTUM_IMAGE_H

#include <septum/types.h>

/*
 * 0, or -1 with a reason: a multiboot v1/v2 kernel (recognised by its
 * header first, since such a kernel is usually an ELF file too) that
 * mb_parse() accepts and whose image fits, an ELF test guest that fits, or
 * a Linux bzImage whose boot protocol Septum supports and whose init_size
 * fits.
 */
int guest_image_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen);

/* Whether the image receives boot modules (module = lines): only a
 * multiboot kernel does. Signature fits cfg_image_ops.takes_modules. */
bool guest_image_takes_modules(void *ctx, const void *data, size_t size);

#endif
