/* SPDX-License-Identifier: MIT */
/*
 * Guest kernel images as the core takes them from the ESP: the check
 * septum-check and the core run first (guest_image_check), then the loader
 * of the kind guest_kind_of() picks (ELF, multiboot v1/v2 with modules,
 * Linux bzImage with an initrd), into a partition's RAM allocated at its
 * exact size so that any write outside it is an ASan report. The first two
 * input bytes choose the RAM size and the modules; the rest is the image.
 */
#include <stdlib.h>
#include <string.h>
#include <septum/image.h>
#include <septum/loader.h>
#include <septum/multiboot.h>
#include <septum/partition.h>
#include "fuzz.h"

static const uint32_t apic_ids[2] = { 0, 1 };
static const char module_text[] = "module bytes\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint64_t ram_size = (2 + fuzz_take(&in, 1) % 7) << 20;   /* 2..8 MiB */
	unsigned nmods = (unsigned)(fuzz_take(&in, 1) % 3);
	const struct mb_module mods[2] = {
		{ module_text, sizeof(module_text) - 1, "first" },
		{ in.p, in.n > 64 ? 64 : in.n, NULL },
	};
	struct cfg_partition cfg = { .cmdline = "console=ttyS0 fuzz" };
	struct partition p;
	char why[160];
	int rc;

	memset(why, 0, sizeof(why));
	/* The check over the full range of partition sizes, without loading. */
	(void)guest_image_check(in.p, in.n, (fuzz_take(&(struct fuzz_in){ data, size }, 1) + 1) << 24,
				why, sizeof(why));
	rc = guest_image_check(in.p, in.n, ram_size, why, sizeof(why));
	FUZZ_ASSERT(memchr(why, 0, sizeof(why)));
	if (rc != 0)
		FUZZ_ASSERT(why[0]);

	memset(&p, 0, sizeof(p));
	p.name = "fuzz";
	p.cfg = &cfg;
	p.ram_size = ram_size;
	p.ram_hva = malloc(ram_size);
	if (!p.ram_hva)
		return 0;
	why[0] = 0;
	switch (guest_kind_of(in.p, in.n)) {
	case GUEST_MULTIBOOT:
		rc = partition_load_multiboot(&p, in.p, in.n, mods, nmods, apic_ids, 2, why, sizeof(why));
		break;
	case GUEST_ELF:
		rc = partition_load_elf(&p, in.p, in.n, nmods & 1, why, sizeof(why));
		break;
	default:
		rc = partition_load_linux(&p, in.p, in.n, module_text, nmods ? sizeof(module_text) : 0,
					  apic_ids, 2, nmods & 1, why, sizeof(why));
		break;
	}
	if (rc != 0)
		FUZZ_ASSERT(why[0] && memchr(why, 0, sizeof(why)));
	free(p.ram_hva);
	return 0;
}
