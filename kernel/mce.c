// SPDX-License-Identifier: MIT
/* Machine-check policy (septum/mce.h). */
#include <septum/mce.h>

static bool valid(uint64_t s) { return s & MCI_STATUS_VAL; }
static bool action_optional(uint64_t s) { return (s & MCI_STATUS_S) && !(s & MCI_STATUS_AR); }

enum mce_action mce_decide(uint64_t mcg_status, const uint64_t *status, unsigned nbanks, bool in_guest,
			   int *bank)
{
	int uc = -1;

	*bank = -1;
	if (nbanks > MCE_MAX_BANKS)
		nbanks = MCE_MAX_BANKS;
	for (unsigned i = 0; i < nbanks; i++) {
		if (!valid(status[i]))
			continue;
		if (status[i] & MCI_STATUS_PCC) {
			*bank = (int)i;
			return MCE_PANIC;
		}
		/* The first uncorrected error that needs action decides;
		 * action-optional ones only if nothing else is there. */
		if ((status[i] & MCI_STATUS_UC) && (uc < 0 || action_optional(status[uc])))
			uc = (int)i;
	}
	*bank = uc;
	if (!in_guest && !(mcg_status & MCG_STATUS_RIPV))
		return MCE_PANIC;
	if (uc < 0 || action_optional(status[uc]))
		return in_guest && !(mcg_status & MCG_STATUS_RIPV) ? MCE_STOP_OWNER : MCE_CONTINUE;
	if (in_guest && ((mcg_status & MCG_STATUS_EIPV) || (status[uc] & MCI_STATUS_AR)))
		return MCE_STOP_OWNER;
	return MCE_PANIC;
}

const char *mce_action_name(enum mce_action a)
{
	switch (a) {
	case MCE_CONTINUE:   return "corrected or action optional: continuing";
	case MCE_STOP_OWNER: return "stopping the partition that was running";
	default:             return "Septum cannot continue";
	}
}
