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
 * The guest formats Septum boots, in one table (kernel/guest/image.c) in the
 * order they are recognised: a multiboot kernel is usually an ELF file
 * too, and its header says it wants the multiboot entry state; anything
 * else is taken for a Linux bzImage, whose parser says why when it is not
 * one either. The core's loader (kernel/main.c, by kind) and septum-check
 * both recognise images through it. A new format: an entry here, its
 * check, and its loader in kernel/guest/loader.c.
 */
enum guest_kind { GUEST_MULTIBOOT, GUEST_ELF, GUEST_LINUX, GUEST_KINDS };

struct guest_format {
	enum guest_kind kind;
	const char *name;
	bool (*detect)(const void *data, size_t size);
	/* 0, or -1 with a reason: the image is well formed and fits ram_size. */
	int (*check)(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen);
	bool takes_modules;        /* module = lines in septum.cfg */
};

extern const struct guest_format guest_formats[GUEST_KINDS];

/* The first format whose detect() takes the image (never NULL: the last
 * one takes everything). */
const struct guest_format *guest_format_of(const void *data, size_t size);
static inline enum guest_kind guest_kind_of(const void *data, size_t size)
{
	return guest_format_of(data, size)->kind;
}

/*
 * 0, or -1 with a reason: the check of the image's format (a multiboot
 * v1/v2 kernel that mb_parse() accepts and whose image fits, an ELF test
 * guest that fits, or a Linux bzImage whose boot protocol Septum supports
 * and whose init_size fits).
 */
int guest_image_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen);

/* Whether the image's format receives boot modules (module = lines).
 * Signature fits cfg_image_ops.takes_modules. */
bool guest_image_takes_modules(void *ctx, const void *data, size_t size);

#endif
