/* SPDX-License-Identifier: MIT */
/*
 * The loader's light scan of septum.cfg: which image files must be read from
 * \septum\ before ExitBootServices. It only finds `kernel = NAME` and
 * `initrd = NAME` lines; everything else (syntax, unknown keys, whether a
 * partition has a kernel at all) is checked by the core's real parser,
 * which names file and line. Pure code: no UEFI, builds on the host.
 */
#ifndef SEPTUM_BOOT_CFG_SCAN_H
#define SEPTUM_BOOT_CFG_SCAN_H

#include <stddef.h>
#include <septum/boot_info.h>
#include <septum/reserve.h>

struct cfg_scan_error {
	unsigned    line;   /* 1-based line of the offending key, 0 for the whole file */
	const char *reason; /* static text, never NULL on failure */
};

/*
 * Appends each distinct kernel/initrd value, and the first word of each
 * module value, of text[0..len) to names[], in
 * order of first appearance, and sets *count. Lines: blanks trimmed, empty
 * lines, '#' comments and [section] headers skipped, CR LF accepted.
 * An empty value is skipped (the core reports it). Fails, naming the line,
 * on a name that does not fit BOOT_NAME_MAX, contains a path separator or a
 * byte outside printable ASCII, and on more than max distinct names.
 * Returns 0, or -1 with *err filled.
 */
int cfg_scan_images(const char *text, size_t len, char names[][BOOT_NAME_MAX], unsigned max,
		    unsigned *count, struct cfg_scan_error *err);

/*
 * The partitions' sizes for Septum's reservation (septum/reserve.h): sets
 * in->nparts and, for each [partition NAME] section in order (at most
 * RESERVE_MAX_PARTS), part[].ram from `memory = ` (the core's syntax:
 * decimal or 0x hex, optional K, M or G), part[].ncpus from `cpus = `
 * (N and N-M items) and part[].npci from the items of `pci = `. A value it
 * cannot read counts as 0: the core's parser refuses that config anyway,
 * and the core checks its real needs against what was reserved.
 */
void cfg_scan_sizes(const char *text, size_t len, struct reserve_in *in);

#endif /* SEPTUM_BOOT_CFG_SCAN_H */
