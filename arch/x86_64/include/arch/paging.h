/* SPDX-License-Identifier: MIT */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <septum/types.h>

struct boot_info;
struct page_pool;

/* 4-level paging entry bits (SDM Vol. 3A §4.5, Tables 4-14..4-20) */
#define PTE_P    BIT(0)
#define PTE_W    BIT(1)
#define PTE_PWT  BIT(3)
#define PTE_PCD  BIT(4)
#define PTE_PS   BIT(7)
#define PTE_G    BIT(8)
#define PTE_NX   BIT(63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/*
 * Build Septum's own identity-mapped page tables from the boot memory map:
 * RAM write-back, firmware/MMIO uncached, everything NX except the core's
 * .text (RX), .rodata read-only, and W^X throughout. Returns the PML4.
 */
uint64_t paging_build(const struct boot_info *bi, struct page_pool *pool);
/*
 * Identity-map [base, base+size) uncached, not executable, on Septum's own
 * tables (host_cr3): device registers the firmware's memory map leaves out,
 * e.g. an I/O APIC. Pages already mapped uncached are left as they are.
 * Returns 0, or -1 if a page there is mapped cacheable (the memory map calls
 * it memory: not a device to poke). Boot CPU, before the APs start.
 */
int paging_map_mmio(uint64_t base, uint64_t size);
/* Change the flags of the 4 KiB page at va (it must be mapped with 4 KiB pages). */
void paging_set_page(uint64_t cr3, uint64_t va, uint64_t flags);

/*
 * Partitions' RAM is not in Septum's identity map (docs/security.md). Each
 * CPU runs on its own PML4, whose lower half is the shared identity map and
 * whose PML4 entry 256 is that CPU's window: the one place Septum sees a
 * partition's RAM, mapped with 2 MiB pages, write-back, NX.
 */
#define PAGING_WINDOW_VA   0xffff800000000000ull
#define PAGING_WINDOW_SIZE (1ull << 39)        /* one PML4 entry: 512 GiB */

/* Drops [base, base+size) (2 MiB aligned) from the identity map. Boot CPU,
 * before the APs start (no other CPU can hold a stale translation). */
void paging_unmap_ram(uint64_t base, uint64_t size);
/* A new PML4 for one CPU: the identity map plus an empty window. */
uint64_t paging_cpu_root(void);
/* Maps [base, base+size) (2 MiB aligned, at most PAGING_WINDOW_SIZE) at
 * PAGING_WINDOW_VA in cr3's window; returns that VA, or NULL if it cannot. */
void *paging_window_map(uint64_t cr3, uint64_t base, uint64_t size);
/* Unmaps the first size bytes of cr3's window and flushes this CPU's TLB
 * (cr3 must be this CPU's: a window is never used by another CPU). */
void paging_window_unmap(uint64_t cr3, uint64_t size);
/* Whether any page of [base, base+size) is mapped at its identity address. */
bool paging_maps_any(uint64_t cr3, uint64_t base, uint64_t size);

#endif
