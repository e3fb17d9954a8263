/* SPDX-License-Identifier: MIT */
/*
 * Machine checks: what to do with one, decided from the architectural
 * status registers alone (SDM Vol. 3B §16.3.1.2 IA32_MCG_STATUS, §16.3.2.2
 * IA32_MCi_STATUS, §16.6 and §16.10 error classification and recovery).
 * The hardware side (reading and clearing the banks) is arch/ and vmx/;
 * this is the policy, on the host for the unit tests.
 */
#ifndef SEPTUM_MCE_H
#define SEPTUM_MCE_H

#include <septum/types.h>

#define MCG_STATUS_RIPV  BIT(0)     /* the interrupted context can restart at the saved IP */
#define MCG_STATUS_EIPV  BIT(1)     /* the saved IP is where the error happened */
#define MCG_STATUS_MCIP  BIT(2)     /* machine check in progress: a second one shuts the CPU down */

#define MCI_STATUS_VAL   BIT(63)
#define MCI_STATUS_OVER  BIT(62)
#define MCI_STATUS_UC    BIT(61)    /* uncorrected */
#define MCI_STATUS_EN    BIT(60)
#define MCI_STATUS_PCC   BIT(57)    /* processor context corrupt */
#define MCI_STATUS_S     BIT(56)    /* signalled as #MC (software recoverable) */
#define MCI_STATUS_AR    BIT(55)    /* action required: the context consumed the error */

#define MCE_MAX_BANKS 32

enum mce_action {
	MCE_CONTINUE,       /* corrected, or action optional: log and go on */
	MCE_STOP_OWNER,     /* the partition that was running caused or consumed it: stop it */
	MCE_PANIC,          /* Septum's own state is suspect: hv_panic with the banks logged */
};

/*
 * The action for a #MC taken in guest mode (in_guest, the partition
 * running there the owner) or in Septum (root mode), with status[i] the
 * IA32_MCi_STATUS of each of nbanks banks. *bank is set to the bank that
 * decided (or -1). Rules:
 *  - processor context corrupt (PCC) in any bank, or RIPV = 0 in root
 *    mode: panic (nothing on this CPU can be trusted or resumed);
 *  - no uncorrected error: continue (RIPV = 0 in a guest: stop it, its
 *    context cannot restart);
 *  - uncorrected, action optional (S = 1, AR = 0, e.g. a patrol scrub):
 *    continue, the poisoned line is not consumed yet;
 *  - uncorrected otherwise, in a guest, tied to it (EIPV = 1, or AR = 1:
 *    the guest consumed the poison): stop that partition only;
 *  - anything else (uncorrected in root, or not attributable): panic.
 */
enum mce_action mce_decide(uint64_t mcg_status, const uint64_t *status, unsigned nbanks, bool in_guest,
			   int *bank);
const char *mce_action_name(enum mce_action a);

#endif
