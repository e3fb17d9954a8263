// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>
#include <septum/elf.h>
#include <septum/image.h>
#include <septum/linux_boot.h>
#include <septum/why.h>

int guest_image_check(const void *data, size_t size, uint64_t ram_size, char *why, size_t whylen)
{
	static const unsigned char elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (size >= 4 && !memcmp(data, elf_magic, 4)) {
		struct elf_image img;

		if (elf_parse(data, size, &img, why, whylen))
			return -1;
		return elf_check_fits(&img, ram_size, why, whylen);
	} else {
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
}
