/* SPDX-License-Identifier: MIT */
/* arch/x86_64 services used by vmx/ and by kernel/main.c's glue. */
#ifndef ARCH_ARCH_H
#define ARCH_ARCH_H

#include <septum/types.h>

struct boot_info;
struct percpu;

extern uint64_t tsc_hz;
extern uint64_t host_cr3;
extern unsigned ncpus;        /* CPUs Septum will use, 0 = boot CPU */

/* Discover CPUs (MP services list from the loader, cross-checked with the
 * ACPI MADT when there is an RSDP); allocates every CPU's struct percpu. */
int cpus_discover(const struct boot_info *bi);
/* Start every AP (INIT-SIPI-SIPI); each calls kernel_cpu_main(). */
void smp_start_aps(const struct boot_info *bi);
/* Did CPU cpu answer the start-up IPIs? */
bool ap_online(cpuid_t cpu);

/* Entered on every CPU once it runs on Septum's own tables (kernel/main.c). */
__attribute__((noreturn)) void kernel_cpu_main(void);
/* The boot CPU, once the arch layer is up. */
__attribute__((noreturn)) void kernel_main(const struct boot_info *bi);

#endif
