// SPDX-License-Identifier: MIT
/* Choosing the virtualisation backend at boot (septum/arch.h). */
#include <septum/arch.h>
#include <septum/log.h>

const struct backend *backend;

int backend_choose(void)
{
	for (unsigned i = 0; backends[i]; i++) {
		char why[160];

		if (!backends[i]->check_cpu(why, sizeof(why))) {
			backend = backends[i];
			pr_info("CPU 0: %s backend (the CPU has what it needs)", backend->name);
			return 0;
		}
		pr_err("CPU 0: %s", why);
	}
	return -1;
}
