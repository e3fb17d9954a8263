/* SPDX-License-Identifier: MIT */
/*
 * Multiboot v1 (Multiboot Specification 0.6.96) and Multiboot2 (Multiboot2
 * Specification 1.6) kernels: finding and checking the header, loading the
 * image, building the boot information in guest RAM.
 *
 * Two steps, pure logic over a RAM buffer (GPA 0 = ram[0]):
 *   mb_parse()  finds the header, validates it and the image, and says what
 *               to load where (ELF program headers or the header's address
 *               fields) and where to enter;
 *   mb_build()  loads the kernel, places the modules, writes the boot
 *               information (v1: struct multiboot_info with its memory map,
 *               module list and strings; v2: the tag list) and returns the
 *               entry state's registers.
 * The guest starts in 32-bit protected mode, paging off, at out->eip with
 * EAX = out->eax, EBX = out->ebx (docs/guest-boot.md: the whole state).
 *
 * The memory-map vocabulary (struct mem_range, MEM_* types, guest_memmap())
 * comes from septum/linux_boot.h: both loaders describe a partition the same
 * way. The image is untrusted; refusals come with a one-line reason (why,
 * MB_WHY_MAX bytes). No allocation, no output, no global state.
 */
#ifndef SEPTUM_MULTIBOOT_H
#define SEPTUM_MULTIBOOT_H

#include <septum/elf.h>
#include <septum/linux_boot.h>

#define MB_WHY_MAX 160

#define MB1_HEADER_MAGIC 0x1badb002u    /* v1 §3.1.2 */
#define MB1_BOOT_MAGIC   0x2badb002u    /* v1 §3.2: EAX at entry */
#define MB1_SEARCH       8192u          /* v1 §3.1.1: header within the first 8192 bytes */
#define MB2_HEADER_MAGIC 0xe85250d6u    /* v2 "The magic fields of Multiboot2 header" */
#define MB2_BOOT_MAGIC   0x36d76289u    /* v2 "I386 machine state": EAX at entry */
#define MB2_SEARCH       32768u         /* v2 "OS image format": header within the first 32768 bytes */

#define MB_MAX_MODULES   16
#define MB_LOADER_NAME   "Septum"

/* What mb_parse() found. */
struct mb_image {
	unsigned version;            /* 1 or 2 */
	uint64_t header_offset;      /* file offset of the header's magic */
	uint32_t flags;              /* v1: the header's flags; v2: 0 */
	bool page_align_modules;     /* v1 flags bit 0 / v2 module alignment tag (Septum always does) */
	bool needs_acpi;             /* v2: a required information request for an ACPI tag */
	bool elf;                    /* loaded from ELF program headers, else from address fields */
	struct elf_image elf_img;    /* elf: the segments */
	uint64_t load_addr;          /* !elf: GPA of the first byte loaded */
	uint64_t load_offset;        /*       its file offset */
	uint64_t load_size;          /*       bytes copied from the file */
	uint64_t bss_end;            /*       zero from load_addr + load_size up to here */
	uint64_t entry;              /* EIP at entry, below 4 GiB */
	uint64_t image_low;          /* lowest GPA the kernel occupies */
	uint64_t image_end;          /* first GPA above the kernel (modules go from there) */
};

/*
 * Finds and validates the multiboot header of img[0..size). want: 1 or 2
 * for that version only, 0 for v2 when the file has a v2 header magic,
 * else v1. Returns 0 and fills *out, or -1 with a reason: no header, a bad
 * checksum, an unaligned header, a feature Septum does not provide
 * (video mode, framebuffer, EFI, unknown required flags or tags), address
 * fields outside the file, a bad ELF image.
 */
int mb_parse(const void *img, size_t size, unsigned want, struct mb_image *out, char *why,
	     size_t whylen);

/*
 * Which multiboot version img[0..size) is for: 2 when it has a Multiboot2
 * header (magic, alignment and checksum right, in the first 32768 bytes),
 * else 1 when it has a v1 one (first 8192 bytes), else 0. A magic without
 * its checksum is data, not a header, as in mb_parse(). Decides the image's
 * kind only; mb_parse() then validates the rest.
 */
unsigned mb_detect(const void *img, size_t size);

/* One boot module: its bytes and the string the kernel sees with it. */
struct mb_module {
	const void *data;
	uint64_t size;
	const char *cmdline;         /* NULL = empty */
};

/*
 * Where the caller wants things.
 * reserved: the caller's ranges (boot structures, ACPI tables, ...), typed
 *   as the memory map shows them; kernel and modules never land in them.
 * info_gpa, info_size: the area for the boot information, 8-byte aligned,
 *   inside a reserved range, below 4 GiB.
 * acpi_rsdp: GPA of an RSDP already in RAM, or 0; v2 gets a copy of it in
 *   an ACPI tag (v2 "ACPI old RSDP" / "ACPI new RSDP").
 */
struct mb_boot_args {
	const char *cmdline;         /* NULL = empty */
	const struct mb_module *mods;
	unsigned nmods;
	const struct mem_range *reserved;
	unsigned nreserved;
	uint64_t info_gpa, info_size;
	uint64_t acpi_rsdp;
};

/* The entry state's registers and where things went. */
struct mb_boot {
	uint32_t eax;                /* MB1_BOOT_MAGIC or MB2_BOOT_MAGIC */
	uint32_t ebx;                /* GPA of the boot information */
	uint32_t eip;
	uint64_t info_size;          /* bytes of the boot information area used */
	uint64_t mod_start[MB_MAX_MODULES]; /* where each module went (page aligned) */
	unsigned mmap_entries;
};

/*
 * Loads the kernel img (from mb_parse() on data[0..size)) into
 * ram[0..ram_size), the modules page-aligned above it (in order, below
 * 4 GiB), and writes the boot information into the caller's area. Writes
 * nothing else: the caller clears RAM first. Returns 0 and fills *out, or
 * -1 with a reason (too many modules, area too small, no room, kernel
 * over a reserved range); ram may then hold part of the work.
 */
int mb_build(const struct mb_image *img, const void *data, size_t size, uint8_t *ram,
	     uint64_t ram_size, const struct mb_boot_args *args, struct mb_boot *out, char *why,
	     size_t whylen);

#endif /* SEPTUM_MULTIBOOT_H */
