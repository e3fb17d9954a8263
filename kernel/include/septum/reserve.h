/* SPDX-License-Identifier: MIT */
/*
 * How much memory Septum reserves for itself: the heap the loader allocates
 * after the core image, sized from the configuration and the CPU count
 * instead of for the worst case (docs/boot.md, "Septum's own memory").
 *
 * One pure function, built into the loader (which scans septum.cfg with
 * boot/cfg_scan.c and counts the memory map before ExitBootServices) and
 * into the core (which has the parsed config and the plan, and refuses to
 * start any partition when its needs exceed what the loader reserved).
 * No UEFI, no libc: only arithmetic over the inputs below.
 *
 * The page counts of the things other layers allocate are constants here,
 * tied to the real sizes by static asserts where those live
 * (arch/x86_64/setup.c, kernel/main.c, vmx/vcpu.c): a struct that grows
 * fails the build instead of silently outgrowing the reservation.
 */
#ifndef SEPTUM_RESERVE_H
#define SEPTUM_RESERVE_H

#include <septum/boot_info.h>
#include <septum/types.h>

#define RESERVE_MAX_PARTS    16   /* == CFG_MAX_PARTITIONS (asserted in kernel/main.c) */

/* Per boot CPU (arch/x86_64/setup.c, smp.c, window.c; vmx/caps.c). */
#define RESERVE_PERCPU_PAGES 1    /* struct percpu: GDT, TSS, state */
#define RESERVE_STACK_PAGES  16   /* 4 x 16 KiB: host, NMI/#DF IST, VM exit, #MC IST */
#define RESERVE_ROOT_PAGES   1    /* the CPU's own PML4 */
#define RESERVE_VMXON_PAGES  2    /* the backend's per-CPU pages, the larger backend's: VT-x 1 (VMXON
                                    region, SDM Vol. 3C 25.11.5), AMD-V 2 (host save area, host VMLOAD state) */
#define RESERVE_WINDOW_PDPT  1    /* the RAM window's PDPT, plus one PD per GiB of window */

/* Per vCPU (kernel/main.c, vmx/vcpu.c). */
#define RESERVE_VCPU_PAGES    2   /* struct vcpu */
#define RESERVE_VCPU_HW_PAGES 7   /* the backend's per-vCPU pages, the larger backend's: VT-x 5 (state, VMCS,
                                     MSR bitmap, I/O bitmaps A and B); AMD-V at most 7 (state, VMCB,
                                     MSRPM 2, IOPM 3) */

/* Per partition (kernel/main.c). */
#define RESERVE_PART_BYTES   (28u << 10) /* struct partition: vUART, vACPI, vPCI state */
#define RESERVE_BARS_PER_PCI 6    /* memory BARs of one assigned function */
#define RESERVE_PAGES_PER_BAR 3   /* EPT PDPT + PD + PT for one naturally aligned BAR */

/* Septum's own page tables beyond the memory map's: I/O APIC windows
 * (arch/x86_64/ioapic.c), a PD and PT for each of two. */
#define RESERVE_MMIO_PAGES   4

/* The margin: a fixed floor plus 1/16 of the computed need (docs/boot.md). */
#define RESERVE_MARGIN_FLOOR 16
#define RESERVE_MARGIN_SHIFT 4

struct reserve_part {
	uint64_t ram;              /* bytes, multiple of 2 MiB */
	unsigned ncpus;            /* vCPUs */
	unsigned npci;             /* assigned PCI functions */
};

struct reserve_in {
	unsigned ncpus;            /* boot CPUs: each gets stacks and tables, used or not */
	unsigned nparts;
	struct reserve_part part[RESERVE_MAX_PARTS];
	bool ept_split;            /* large EPT pages split on execution (iTLB multihit):
	                            * each partition keeps its split reserve */
	const struct boot_mem_region *mem; /* the memory map Septum identity-maps, sorted */
	uint32_t nmem;
	uint64_t image_size;       /* the core image (4 KiB pages: W^X) */
};

/* Pages, by what they are for. */
struct reserve_out {
	size_t paging;             /* Septum's own identity map, MMIO windows */
	size_t cpu_each;           /* per boot CPU */
	size_t cpus;               /* cpu_each x ncpus */
	size_t part[RESERVE_MAX_PARTS]; /* each partition: EPT, split reserve, BARs, vCPUs */
	size_t split[RESERVE_MAX_PARTS]; /* of which the EPT's split reserve */
	size_t state;              /* struct partition of every partition */
	size_t need;               /* all of the above */
	size_t margin;
	size_t total;              /* need + margin: what the loader reserves */
};

/* Pages of EPT tables mapping [0, ram) with 2 MiB leaves. */
size_t reserve_ept_pages(uint64_t ram);
/* The most pages a partition's EPT takes for splits at run time
 * (vmx/s2.c, split_reserve()). */
size_t reserve_split_pages(uint64_t ram);
/* Pages of Septum's identity map of mem[] (arch/x86_64/paging.c). */
size_t reserve_paging_pages(const struct boot_mem_region *mem, uint32_t nmem, uint64_t image_size);
/* Fills *out from *in. */
void reserve_compute(const struct reserve_in *in, struct reserve_out *out);

#endif /* SEPTUM_RESERVE_H */
