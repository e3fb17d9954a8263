/* SPDX-License-Identifier: MIT */
/*
 * The loader's scan of septum.cfg (boot/cfg_scan.c), which decides which
 * files are read from the ESP before the core's real parser sees the text.
 * Oracles: every name returned is non-empty, NUL-terminated, printable
 * ASCII without a path separator, distinct, at most `max` of them; a
 * refusal has a reason. Then the scan of the partitions' sizes the loader
 * reserves Septum's heap by (cfg_scan_sizes): at most RESERVE_MAX_PARTS
 * partitions, the same answer twice, and reserve_compute() over it with no
 * overflow (UBSan) and a total that covers each part.
 */
#include <string.h>
#include <septum/reserve.h>
#include "cfg_scan.h"
#include "fuzz.h"

#define MAX_NAMES 8

static void sizes(const uint8_t *data, size_t size)
{
	struct reserve_in a, b;
	struct reserve_out out;
	size_t parts = 0;

	memset(&a, 0, sizeof(a));
	memset(&b, 0xa5, sizeof(b));
	cfg_scan_sizes((const char *)data, size, &a);
	b.nparts = 0;
	cfg_scan_sizes((const char *)data, size, &b);
	FUZZ_ASSERT(a.nparts <= RESERVE_MAX_PARTS && a.nparts == b.nparts);
	for (unsigned i = 0; i < a.nparts; i++) {
		FUZZ_ASSERT(a.part[i].ram == b.part[i].ram && a.part[i].ncpus == b.part[i].ncpus &&
			    a.part[i].npci == b.part[i].npci);
	}
	a.ncpus = 4;
	a.ept_split = true;
	reserve_compute(&a, &out);
	for (unsigned i = 0; i < a.nparts; i++) {
		FUZZ_ASSERT(out.need >= out.part[i]);
		parts += out.part[i];
	}
	FUZZ_ASSERT(out.need >= parts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sizes(data, size);
	char names[MAX_NAMES][BOOT_NAME_MAX];
	struct cfg_scan_error err = { 0, NULL };
	unsigned count = 0;

	memset(names, 0xa5, sizeof(names));
	if (cfg_scan_images((const char *)data, size, names, MAX_NAMES, &count, &err) != 0) {
		FUZZ_ASSERT(err.reason && err.reason[0]);
		return 0;
	}
	FUZZ_ASSERT(count <= MAX_NAMES);
	for (unsigned i = 0; i < count; i++) {
		size_t len = strnlen(names[i], BOOT_NAME_MAX);

		FUZZ_ASSERT(len > 0 && len < BOOT_NAME_MAX);
		for (size_t k = 0; k < len; k++)
			FUZZ_ASSERT(names[i][k] > ' ' - 1 && names[i][k] < 0x7f &&
				    names[i][k] != '/' && names[i][k] != '\\');
		for (unsigned j = 0; j < i; j++)
			FUZZ_ASSERT(strcmp(names[i], names[j]) != 0);
	}
	return 0;
}
