// SPDX-License-Identifier: MIT
/*
 * The MSR table of docs/platform.md, printed from the table the core uses
 * (kernel/exit/msr_policy.c), so the documentation cannot drift from the
 * code: `make docs` writes it between the markers, `make docs-check` fails
 * when what is there differs.
 */
#include <stdio.h>
#include <septum/msr_policy.h>

static const char *kind(unsigned access, int write)
{
	switch (access) {
	case MSR_PASS:    return "hardware, no exit";
	case MSR_EMULATE: return "emulated";
	case MSR_ABSORB:  return write ? "absorbed" : "emulated";
	default:          return "#GP(0)";
	}
}

int main(void)
{
	const struct msr_rule *r;
	size_t n = msr_rules(&r);

	printf("| MSR | name | read | write |\n|---|---|---|---|\n");
	for (size_t i = 0; i < n; i++) {
		if (r[i].first == r[i].last)
			printf("| 0x%x", (unsigned)r[i].first);
		else
			printf("| 0x%x-0x%x", (unsigned)r[i].first, (unsigned)r[i].last);
		printf(" | %s | %s | %s |\n", r[i].name, r[i].read_doc ? r[i].read_doc : kind(r[i].read, 0),
		       r[i].write_doc ? r[i].write_doc : kind(r[i].write, 1));
	}
	printf("| anything else | | #GP(0) | #GP(0) |\n");
	return 0;
}
