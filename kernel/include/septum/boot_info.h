/* SPDX-License-Identifier: MIT */
/*
 * struct boot_info: everything the firmware-specific loader (boot/) hands to
 * the core. It is the only thing the core knows about how it was started;
 * after the core has read it, nothing looks back at UEFI.
 *
 * All addresses are host-physical. The loader enters the core on the boot
 * CPU in 64-bit mode, with interrupts disabled, after ExitBootServices(), on
 * a page table that identity-maps all of RAM (UEFI's), by calling
 *     void septum_entry(struct boot_info *bi)   (System V ABI)
 * with bi in RDI.
 */
#ifndef SEPTUM_BOOT_INFO_H
#define SEPTUM_BOOT_INFO_H

#include <stdint.h>

#define BOOT_INFO_MAGIC   0x464e494254504553ull /* "SEPTBINF" little endian */
#define BOOT_INFO_VERSION 2

#define BOOT_MAX_CPUS   64   /* == width of a CPU mask (uint64_t) */
#define BOOT_MAX_MEM    512
#define BOOT_MAX_FILES  32
#define BOOT_NAME_MAX   64

enum boot_mem_type {
	BOOT_MEM_FREE = 1,      /* usable RAM, nobody owns it after the loader has gone */
	BOOT_MEM_SEPTUM,        /* loader allocations the core keeps: core image, heap, files, boot_info */
	BOOT_MEM_RESERVED,      /* firmware reserved, runtime services, unusable */
	BOOT_MEM_ACPI_RECLAIM,  /* ACPI tables: read them before reusing */
	BOOT_MEM_ACPI_NVS,
	BOOT_MEM_MMIO,
};

struct boot_mem_region {
	uint64_t base;
	uint64_t size;
	uint32_t type;          /* enum boot_mem_type */
	uint32_t reserved;
};

#define BOOT_CPU_BSP      (1u << 0) /* the CPU that runs the loader and enters the core */
#define BOOT_CPU_ENABLED  (1u << 1) /* healthy and enabled according to MP services */
#define BOOT_CPU_LOCATION (1u << 2) /* package/core/thread below come from the firmware */

/*
 * One processor as the firmware reports it. package/core/thread are
 * EFI_PROCESSOR_INFORMATION.Location (PI Vol 2, 13.4.4): core is unique
 * within its package, thread within its core; two CPUs with the same
 * package and core are SMT siblings (hardware threads of one core). They
 * are valid only with BOOT_CPU_LOCATION; the core cross-checks them against
 * its own CPUID leaf 0xB/0x1F decomposition of apic_id (kernel/topo.c).
 */
struct boot_cpu {
	uint32_t apic_id;       /* initial (x2)APIC id, EFI_PROCESSOR_INFORMATION.ProcessorId */
	uint32_t flags;
	uint32_t package;
	uint32_t core;
	uint32_t thread;
	uint32_t reserved;
};

struct boot_file {
	char     name[BOOT_NAME_MAX]; /* as named in the config, relative to \septum\ */
	uint64_t addr;                /* where the loader put its bytes (page aligned) */
	uint64_t size;                /* exact length in bytes */
};

struct boot_info {
	uint64_t magic;                 /* BOOT_INFO_MAGIC */
	uint32_t version;               /* BOOT_INFO_VERSION */
	uint32_t size;                  /* sizeof(struct boot_info) */

	uint64_t rsdp;                  /* ACPI RSDP (2.0+ preferred), 0 if the firmware has none */

	/* Septum's own reservation (one block below 4 GiB): the core image at
	 * image_base, followed by heap_size bytes of page-aligned heap that the
	 * core uses for its page tables, stacks, VMCS and EPT pools. */
	uint64_t image_base;            /* where PT_LOAD vaddr 0 of septum.elf was placed */
	uint64_t image_size;
	uint64_t heap_base;
	uint64_t heap_size;
	uint64_t trampoline;            /* one free 4 KiB page below 1 MiB for AP start-up */

	uint32_t ncpus;                 /* CPUs in cpus[]; cpus[0] is the boot CPU */
	uint32_t reserved0;
	struct boot_cpu cpus[BOOT_MAX_CPUS];

	uint32_t nmem;                  /* sorted by base, non-overlapping */
	uint32_t reserved1;
	struct boot_mem_region mem[BOOT_MAX_MEM];

	struct boot_file config;        /* \septum\septum.cfg as read */
	uint32_t nfiles;                /* images named by the config */
	uint32_t reserved2;
	struct boot_file files[BOOT_MAX_FILES];
};

#endif /* SEPTUM_BOOT_INFO_H */
