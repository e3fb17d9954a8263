// SPDX-License-Identifier: MIT
/*
 * The arch.h seam for the boot log: which virtualization backend could run
 * on this CPU and why. Septum runs partitions with VT-x only today; on a CPU
 * with AMD-V it says what the CPU offers and that the AMD-V backend does not
 * exist yet, rather than only that VT-x is missing.
 */
#include <septum/arch.h>
#include <septum/log.h>
#include <svm/svm.h>

void virt_report_amdv(bool vtx_usable)
{
	struct svm_caps c;
	char why[200], line[400];
	int rc = svm_caps_check(&c, why, sizeof(why));

	pr_info("%s", svm_backend_line(&c, rc ? why : NULL, vtx_usable, line, sizeof(line)));
}
