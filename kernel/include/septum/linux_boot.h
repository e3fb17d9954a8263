/* SPDX-License-Identifier: MIT */
/*
 * Linux x86 boot protocol, 64-bit entry (Linux Documentation/arch/x86/boot.rst,
 * "The Linux/x86 Boot Protocol" and "64-bit Boot Protocol").
 *
 * Two steps, both pure logic over a RAM buffer (GPA 0 = ram[0]), so host
 * tests run them on malloc'd memory:
 *   linux_parse_bzimage()     validates the setup header of a bzImage;
 *   linux_build_boot_params() places the protected-mode kernel and the
 *                             initrd, writes the command line and the zero
 *                             page (struct boot_params) with its E820 map.
 * The caller then enters the guest in 64-bit mode at out->entry with
 * RSI = out->boot_params (docs/guest-boot.md lists the whole entry state).
 *
 * The guest memory-map vocabulary (struct mem_range, the ACPI address range
 * types, guest_memmap(), guest_find_free()) is shared with the multiboot
 * loader (septum/multiboot.h): one description of a partition's RAM, one
 * set of rules for where things may go.
 *
 * The image is untrusted: every field is checked before use, and a refusal
 * comes with a one-line reason (why, LINUX_WHY_MAX bytes). No allocation,
 * no output, no global state.
 */
#ifndef SEPTUM_LINUX_BOOT_H
#define SEPTUM_LINUX_BOOT_H

#include <septum/types.h>

#define LINUX_WHY_MAX 160        /* every reason fits in this many bytes with its NUL */

/*
 * Address range types of the guest memory map. The numbers are the ACPI
 * ones (ACPI 6.5 ch. 15 "System Address Map Interfaces",
 * Address Range Types), which the E820 table of
 * boot_params and the multiboot memory maps use unchanged. MEM_HOLE is
 * Septum's: a range left out of the map altogether (the guest must not
 * assume anything is there).
 */
#define MEM_HOLE      0u
#define MEM_RAM       1u         /* AddressRangeMemory: usable */
#define MEM_RESERVED  2u         /* AddressRangeReserved */
#define MEM_ACPI      3u         /* AddressRangeACPI: reclaimable after reading the tables */
#define MEM_NVS       4u         /* AddressRangeNVS */
#define MEM_UNUSABLE  5u         /* AddressRangeUnusable */

/* A guest-physical range [start, start + size). */
struct mem_range {
	uint64_t start, size;
	uint32_t type;               /* MEM_* */
};

/* At most this many caller-reserved ranges; a map has at most 2n+1 entries. */
#define GUEST_MAX_RESERVED 16
#define GUEST_MAP_MAX      (2 * GUEST_MAX_RESERVED + 1)

/*
 * The guest's memory map: [0, ram_size) is RAM except the reserved ranges,
 * each of which appears with its own type (MEM_HOLE ones not at all). The
 * reserved ranges must be non-empty, inside the RAM, pairwise disjoint and
 * not of type MEM_RAM; they may come in any order. map[] receives up to
 * GUEST_MAP_MAX entries sorted by address. Returns the number of entries,
 * or -1 with a reason.
 */
int guest_memmap(uint64_t ram_size, const struct mem_range *reserved, unsigned nreserved,
		 struct mem_range *map, char *why, size_t whylen);

/*
 * Finds an address a, a multiple of align (a power of two), with
 * lo <= a and a + size <= hi, such that [a, a + size) meets none of the
 * busy ranges (whatever their type). top_down: the highest such a, else the
 * lowest. Returns true and sets *at, or false when nothing fits.
 */
bool guest_find_free(const struct mem_range *busy, unsigned nbusy, uint64_t size, uint64_t align,
		     uint64_t lo, uint64_t hi, bool top_down, uint64_t *at);

/* loadflags (boot.rst, offset 0x211) */
#define LINUX_LOADED_HIGH            BIT(0)   /* protected-mode code at 0x100000 (bzImage) */
/* xloadflags (boot.rst, offset 0x236, protocol 2.12+) */
#define LINUX_XLF_KERNEL_64          BIT(0)   /* has the 64-bit entry at load address + 0x200 */
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G BIT(1)

#define LINUX_MIN_PROTOCOL 0x020c             /* 2.12: first with xloadflags */
#define LINUX_ENTRY64_OFFSET 0x200            /* boot.rst "64-bit Boot Protocol" */
#define LINUX_ZERO_PAGE_SIZE 4096u
#define LINUX_E820_MAX 128                    /* E820_MAX_ENTRIES_ZEROPAGE */

/* Code and data selectors the 64-bit entry wants (boot.rst: __BOOT_CS, __BOOT_DS). */
#define LINUX_BOOT_CS 0x10
#define LINUX_BOOT_DS 0x18

/* What linux_parse_bzimage() found in the setup header. */
struct linux_image {
	uint16_t version;            /* boot protocol, 0x020c = 2.12 */
	unsigned setup_sects;        /* effective: a 0 in the header reads as 4 */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint64_t hdr_end;            /* file offset one past the setup header (0x202 + byte at 0x201) */
	uint64_t kernel_offset;      /* file offset of the protected-mode kernel: (setup_sects+1)*512 */
	uint64_t kernel_size;        /* its bytes: syssize * 16 */
	uint32_t kernel_alignment;   /* a power of two */
	bool relocatable;
	uint64_t pref_address;       /* preferred load address (a non-relocatable kernel runs there) */
	uint32_t init_size;          /* bytes from the load address the kernel needs before it reads the map */
	uint32_t initrd_addr_max;    /* highest address the initrd's last byte may have */
	uint32_t cmdline_size;       /* longest command line, without its NUL */
};

/*
 * Validates the bzImage img[0..size) and describes it in *out. Refuses what
 * Septum cannot boot with the 64-bit protocol: no "HdrS", a protocol older
 * than 2.12, no XLF_KERNEL_64, not LOADED_HIGH, a header or kernel outside
 * the file. Returns 0, or -1 with a reason.
 */
int linux_parse_bzimage(const void *img, size_t size, struct linux_image *out, char *why,
			size_t whylen);

/*
 * Where the caller wants things, and what the guest gets.
 * reserved: the ranges the caller keeps for itself (boot structures, page
 *   tables, ACPI tables, ...), with the type the E820 map shows for each
 *   (e.g. MEM_RESERVED for the low boot area, MEM_ACPI for the tables).
 *   Kernel and initrd never land in them.
 * zero_page, cmdline: GPAs inside reserved ranges (below 4 GiB); 4 KiB for
 *   the zero page, cmdline_max bytes (NUL included) for the command line.
 */
struct linux_boot_args {
	const char *cmdline;         /* NULL = empty */
	const void *initrd;          /* NULL or initrd_size == 0: none */
	uint64_t initrd_size;
	uint64_t acpi_rsdp;          /* GPA of the RSDP, 0 = none */
	uint64_t zero_page;
	uint64_t cmdline_gpa, cmdline_max;
	const struct mem_range *reserved;
	unsigned nreserved;
};

/* The result: the entry state's inputs and where everything went. */
struct linux_boot {
	uint64_t entry;              /* RIP: kernel_gpa + 0x200 */
	uint64_t boot_params;        /* RSI: the zero page's GPA */
	uint64_t kernel_gpa;         /* load address; [kernel_gpa, kernel_end) is the kernel's */
	uint64_t kernel_end;         /* kernel_gpa + max(init_size, kernel_size) */
	uint64_t initrd_gpa, initrd_size;
	unsigned e820_entries;
};

/*
 * Builds a Linux boot in ram[0..ram_size), for the image img accepted by
 * linux_parse_bzimage() from data[0..size): copies the protected-mode kernel
 * to the lowest address >= max(pref_address, 1 MiB) aligned to
 * max(kernel_alignment, 2 MiB) (exactly pref_address if not relocatable)
 * where init_size bytes are free; the initrd as high as possible below
 * initrd_addr_max, page aligned; then the command line and the zero page
 * (header copied from the image, loader fields and E820 map filled in).
 * Writes nothing else: the caller clears RAM first. Returns 0 and fills
 * *out, or -1 with a reason (ram may then hold part of the work).
 */
int linux_build_boot_params(const struct linux_image *img, const void *data, size_t size,
			    uint8_t *ram, uint64_t ram_size, const struct linux_boot_args *args,
			    struct linux_boot *out, char *why, size_t whylen);

#endif /* SEPTUM_LINUX_BOOT_H */
