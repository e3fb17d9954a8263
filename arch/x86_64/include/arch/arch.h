/* SPDX-License-Identifier: MIT */
/* arch/x86_64 services used by vmx/ and by kernel/main.c's glue. */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <septum/arch.h>
#include <septum/types.h>

struct boot_info;
struct percpu;

extern uint64_t tsc_hz;
extern uint64_t host_cr3;

/* cpus_discover(), smp_start_aps(), ap_online(), kernel_cpu_main() and
 * kernel_main() are declared in the seam, septum/arch.h. cpus_discover
 * reads the MP services list from the loader, cross-checked with the ACPI
 * MADT when there is an RSDP, and allocates every CPU's struct percpu;
 * smp_start_aps sends INIT-SIPI-SIPI to every AP. */

#endif
