// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <septum/elf.h>
#include <septum/image.h>
#include <septum/linux_boot.h>
#include <septum/multiboot.h>
#include <septum/why.h>

/* A multiboot kernel is loaded where its header or program headers say
 * (mb_parse()); it must be above Septum's low boot area and inside RAM. */
static int multiboot_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen)
{
	struct mb_image img;

	if (mb_parse(data, size, 0, &img, why, whylen))
		return -1;
	if (img.elf)
		return elf_check_fits(&img.elf_img, ram_size, why, whylen);
	if (img.load_addr < ELF_GUEST_LOAD_MIN || img.bss_end > ram_size)
		return why_fail(why, whylen, "multiboot image 0x%lx..0x%lx is not inside RAM 0x%lx..0x%lx",
				(unsigned long)img.load_addr, (unsigned long)img.bss_end,
				(unsigned long)ELF_GUEST_LOAD_MIN, (unsigned long)ram_size);
	return 0;
}

static bool is_elf(const void *data, size_t size)
{
	static const unsigned char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

	return size >= 4 && !memcmp(data, elf_magic, 4);
}

static int elf_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen)
{
	struct elf_image img;

	if (elf_parse(data, size, &img, why, whylen))
		return -1;
	return elf_check_fits(&img, ram_size, why, whylen);
}

static bool is_multiboot(const void *data, size_t size)
{
	return mb_detect(data, size) != 0;
}

static bool anything(const void *data, size_t size)
{
	(void)data;
	(void)size;
	return true;
}

static int linux_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen)
{
	struct linux_image img;

	if (linux_parse_bzimage(data, size, &img, why, whylen))
		return -1;     /* its reason says what is wrong (or that it is no bzImage) */
	/* The kernel goes at or above 16 MiB and needs init_size bytes there. */
	if (img.init_size > ram_size || ram_size - img.init_size < 0x1000000)
		return why_fail(why, whylen, "Linux needs %lu MiB of RAM (init_size %lu MiB above 16 MiB)",
				(unsigned long)((img.init_size + 0x1000000 + 0xfffff) >> 20),
				(unsigned long)(img.init_size >> 20));
	return 0;
}

const struct guest_format guest_formats[GUEST_KINDS] = {
	{ GUEST_MULTIBOOT, "multiboot", is_multiboot, multiboot_check, true },
	{ GUEST_ELF, "ELF", is_elf, elf_check, false },
	{ GUEST_LINUX, "Linux bzImage", anything, linux_check, false },
};

const struct guest_format *guest_format_of(const void *data, size_t size)
{
	unsigned i = 0;

	while (i + 1 < GUEST_KINDS && !guest_formats[i].detect(data, size))
		i++;
	return &guest_formats[i];
}

int guest_image_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen)
{
	return guest_format_of(data, size)->check(data, size, ram_size, why, whylen);
}

bool guest_image_takes_modules(void *ctx, const void *data, size_t size)
{
	(void)ctx;
	return guest_format_of(data, size)->takes_modules;
}
