/* SPDX-License-Identifier: MIT */
/*
 * Linux x86 64-bit boot protocol. See septum/linux_boot.h for the contract.
 *
 * Layouts and rules: Linux Documentation/arch/x86/boot.rst ("The Real-Mode
 * Kernel Header", "Details of Header Fields", "The Kernel Command Line",
 * "64-bit Boot Protocol") and Documentation/arch/x86/zero-page.rst. The
 * bzImage is untrusted: the header is copied out with memcpy, every sum of
 * two file-supplied values is checked before it is compared with anything,
 * and the zero page is written field by field through offsetof() on the
 * packed spec structs below, so the _Static_asserts are the only place the
 * offsets are spelled out.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <septum/linux_boot.h>
#include <septum/why.h>

#define SZ_1M           (1ull << 20)
#define SZ_4G           (1ull << 32)
#define SECTOR          512u

#define BOOT_FLAG       0xaa55u
#define HDRS_MAGIC      0x53726448u  /* "HdrS", little-endian */
#define LOADER_UNKNOWN  0xffu        /* type_of_loader: "undefined" boot loader id */
#define SUBARCH_PC      0u           /* hardware_subarch: normal x86 PC */

/* Setup header, boot.rst "The Real-Mode Kernel Header". Offsets are file
 * offsets, which are also the offsets inside struct boot_params. */
struct setup_header {
	uint8_t  setup_sects;           /* 0x1f1 */
	uint16_t root_flags;            /* 0x1f2 */
	uint32_t syssize;               /* 0x1f4: protected-mode size in 16-byte units */
	uint16_t ram_size;              /* 0x1f8 */
	uint16_t vid_mode;              /* 0x1fa */
	uint16_t root_dev;              /* 0x1fc */
	uint16_t boot_flag;             /* 0x1fe */
	uint8_t  jump[2];               /* 0x200: jmp rel8; the byte at 0x201 sizes the header */
	uint32_t header;                /* 0x202 */
	uint16_t version;               /* 0x206 */
	uint32_t realmode_swtch;        /* 0x208 */
	uint16_t start_sys_seg;         /* 0x20c */
	uint16_t kernel_version;        /* 0x20e */
	uint8_t  type_of_loader;        /* 0x210 */
	uint8_t  loadflags;             /* 0x211 */
	uint16_t setup_move_size;       /* 0x212 */
	uint32_t code32_start;          /* 0x214 */
	uint32_t ramdisk_image;         /* 0x218 */
	uint32_t ramdisk_size;          /* 0x21c */
	uint32_t bootsect_kludge;       /* 0x220 */
	uint16_t heap_end_ptr;          /* 0x224 */
	uint8_t  ext_loader_ver;        /* 0x226 */
	uint8_t  ext_loader_type;       /* 0x227 */
	uint32_t cmd_line_ptr;          /* 0x228 */
	uint32_t initrd_addr_max;       /* 0x22c */
	uint32_t kernel_alignment;      /* 0x230 */
	uint8_t  relocatable_kernel;    /* 0x234 */
	uint8_t  min_alignment;         /* 0x235 */
	uint16_t xloadflags;            /* 0x236 */
	uint32_t cmdline_size;          /* 0x238 */
	uint32_t hardware_subarch;      /* 0x23c */
	uint64_t hardware_subarch_data; /* 0x240 */
	uint32_t payload_offset;        /* 0x248 */
	uint32_t payload_length;        /* 0x24c */
	uint64_t setup_data;            /* 0x250 */
	uint64_t pref_address;          /* 0x258 */
	uint32_t init_size;             /* 0x260 */
	uint32_t handover_offset;       /* 0x264 */
	uint32_t kernel_info_offset;    /* 0x268 */
} __attribute__((packed));

#define HDR_START 0x1f1u
#define HDR_OFF(f) (HDR_START + offsetof(struct setup_header, f))
_Static_assert(HDR_OFF(syssize) == 0x1f4, "boot.rst setup header");
_Static_assert(HDR_OFF(boot_flag) == 0x1fe, "boot.rst setup header");
_Static_assert(HDR_OFF(header) == 0x202, "boot.rst setup header");
_Static_assert(HDR_OFF(version) == 0x206, "boot.rst setup header");
_Static_assert(HDR_OFF(type_of_loader) == 0x210, "boot.rst setup header");
_Static_assert(HDR_OFF(loadflags) == 0x211, "boot.rst setup header");
_Static_assert(HDR_OFF(code32_start) == 0x214, "boot.rst setup header");
_Static_assert(HDR_OFF(ramdisk_image) == 0x218, "boot.rst setup header");
_Static_assert(HDR_OFF(ramdisk_size) == 0x21c, "boot.rst setup header");
_Static_assert(HDR_OFF(cmd_line_ptr) == 0x228, "boot.rst setup header");
_Static_assert(HDR_OFF(initrd_addr_max) == 0x22c, "boot.rst setup header");
_Static_assert(HDR_OFF(kernel_alignment) == 0x230, "boot.rst setup header");
_Static_assert(HDR_OFF(relocatable_kernel) == 0x234, "boot.rst setup header");
_Static_assert(HDR_OFF(xloadflags) == 0x236, "boot.rst setup header");
_Static_assert(HDR_OFF(cmdline_size) == 0x238, "boot.rst setup header");
_Static_assert(HDR_OFF(hardware_subarch) == 0x23c, "boot.rst setup header");
_Static_assert(HDR_OFF(payload_offset) == 0x248, "boot.rst setup header");
_Static_assert(HDR_OFF(setup_data) == 0x250, "boot.rst setup header");
_Static_assert(HDR_OFF(pref_address) == 0x258, "boot.rst setup header");
_Static_assert(HDR_OFF(init_size) == 0x260, "boot.rst setup header");
_Static_assert(HDR_OFF(kernel_info_offset) == 0x268, "boot.rst setup header");
_Static_assert(sizeof(struct setup_header) == 0x26c - HDR_START, "boot.rst setup header");

/* The header fields the 64-bit protocol needs all sit below init_size's end. */
#define HDR_END_MIN (HDR_OFF(init_size) + 4)

/* One E820 entry as the zero page holds it (zero-page.rst, struct boot_e820_entry). */
struct boot_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct boot_e820_entry) == 20, "zero-page.rst boot_e820_entry");

/* The zero page (zero-page.rst). Only the fields Septum writes are named. */
struct boot_params {
	uint8_t  screen_info[0x40];             /* 0x000 */
	uint8_t  apm_bios_info[0x14];           /* 0x040 */
	uint8_t  _pad2[4];                      /* 0x054 */
	uint64_t tboot_addr;                    /* 0x058 */
	uint8_t  ist_info[0x10];                /* 0x060 */
	uint64_t acpi_rsdp_addr;                /* 0x070 */
	uint8_t  _pad3[8];                      /* 0x078 */
	uint8_t  hd_info[0x20];                 /* 0x080 */
	uint8_t  sys_desc_table[0x10];          /* 0x0a0 */
	uint8_t  olpc_ofw_header[0x10];         /* 0x0b0 */
	uint32_t ext_ramdisk_image;             /* 0x0c0 */
	uint32_t ext_ramdisk_size;              /* 0x0c4 */
	uint32_t ext_cmd_line_ptr;              /* 0x0c8 */
	uint8_t  _pad4[0x1e0 - 0x0cc];          /* 0x0cc: cc_blob_address, edid_info, efi_info */
	uint32_t alt_mem_k;                     /* 0x1e0 */
	uint32_t scratch;                       /* 0x1e4 */
	uint8_t  e820_entries;                  /* 0x1e8 */
	uint8_t  eddbuf_entries;                /* 0x1e9 */
	uint8_t  edd_mbr_sig_buf_entries;       /* 0x1ea */
	uint8_t  kbd_status;                    /* 0x1eb */
	uint8_t  secure_boot;                   /* 0x1ec */
	uint8_t  _pad5[2];                      /* 0x1ed */
	uint8_t  sentinel;                      /* 0x1ef: non-zero means "loader did not clear me" */
	uint8_t  _pad6;                         /* 0x1f0 */
	struct setup_header hdr;                /* 0x1f1 */
	uint8_t  _pad7[0x290 - 0x26c];          /* 0x26c */
	uint32_t edd_mbr_sig_buffer[16];        /* 0x290 */
	struct boot_e820_entry e820_table[LINUX_E820_MAX]; /* 0x2d0 */
	uint8_t  _pad8[0xd00 - 0xcd0];          /* 0xcd0 */
	uint8_t  eddbuf[0xeec - 0xd00];         /* 0xd00 */
	uint8_t  _pad9[0x1000 - 0xeec];         /* 0xeec */
} __attribute__((packed));

#define BP_OFF(f) offsetof(struct boot_params, f)
_Static_assert(BP_OFF(acpi_rsdp_addr) == 0x070, "zero-page.rst");
_Static_assert(BP_OFF(ext_ramdisk_image) == 0x0c0, "zero-page.rst");
_Static_assert(BP_OFF(ext_ramdisk_size) == 0x0c4, "zero-page.rst");
_Static_assert(BP_OFF(ext_cmd_line_ptr) == 0x0c8, "zero-page.rst");
_Static_assert(BP_OFF(e820_entries) == 0x1e8, "zero-page.rst");
_Static_assert(BP_OFF(sentinel) == 0x1ef, "zero-page.rst");
_Static_assert(BP_OFF(hdr) == HDR_START, "zero-page.rst");
_Static_assert(BP_OFF(edd_mbr_sig_buffer) == 0x290, "zero-page.rst");
_Static_assert(BP_OFF(e820_table) == 0x2d0, "zero-page.rst");
_Static_assert(BP_OFF(eddbuf) == 0xd00, "zero-page.rst");
_Static_assert(sizeof(struct boot_params) == LINUX_ZERO_PAGE_SIZE, "zero-page.rst");

/* The header copied into the zero page ends where its slot does. */
#define HDR_SLOT_END BP_OFF(edd_mbr_sig_buffer)

static unsigned long ul(uint64_t v)
{
	return (unsigned long)v;
}

static uint64_t max64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* End of a range, saturated: a caller's range that wraps counts as reaching the top. */
static uint64_t range_end(const struct mem_range *r)
{
	return r->size > UINT64_MAX - r->start ? UINT64_MAX : r->start + r->size;
}

/* ------------------------------------------------------------ memory map */

static int check_reserved(uint64_t ram_size, const struct mem_range *r, unsigned i,
			  char *why, size_t whylen)
{
	if (r->size == 0)
		return why_fail(why, whylen, "reserved range %u at 0x%lx is empty", i, ul(r->start));
	if (r->start > ram_size || r->size > ram_size - r->start)
		return why_fail(why, whylen, "reserved range %u (0x%lx+0x%lx) is outside the 0x%lx bytes of RAM",
				i, ul(r->start), ul(r->size), ul(ram_size));
	if (r->type == MEM_RAM || r->type > MEM_UNUSABLE)
		return why_fail(why, whylen, "reserved range %u at 0x%lx has type %u (want 0 or 2..5)",
				i, ul(r->start), r->type);
	return 0;
}

int guest_memmap(uint64_t ram_size, const struct mem_range *reserved, unsigned nreserved,
		 struct mem_range *map, char *why, size_t whylen)
{
	struct mem_range sorted[GUEST_MAX_RESERVED];
	uint64_t cur = 0;
	int n = 0;

	if (nreserved > GUEST_MAX_RESERVED)
		return why_fail(why, whylen, "%u reserved ranges, at most %u", nreserved, GUEST_MAX_RESERVED);
	/* Insertion sort by start: n is tiny, and the map must be in address order. */
	for (unsigned i = 0; i < nreserved; i++) {
		unsigned k = i;

		if (check_reserved(ram_size, &reserved[i], i, why, whylen))
			return -1;
		for (; k > 0 && sorted[k - 1].start > reserved[i].start; k--)
			sorted[k] = sorted[k - 1];
		sorted[k] = reserved[i];
	}
	for (unsigned i = 0; i < nreserved; i++) {
		const struct mem_range *r = &sorted[i];

		if (r->start < cur)
			return why_fail(why, whylen, "reserved ranges at 0x%lx and 0x%lx overlap",
					ul(sorted[i - 1].start), ul(r->start));
		if (r->start > cur)
			map[n++] = (struct mem_range){ cur, r->start - cur, MEM_RAM };
		if (r->type != MEM_HOLE)
			map[n++] = *r;
		cur = r->start + r->size;
	}
	if (cur < ram_size)
		map[n++] = (struct mem_range){ cur, ram_size - cur, MEM_RAM };
	return n;
}

static bool overlaps(uint64_t a, uint64_t size, const struct mem_range *r)
{
	return r->size != 0 && a < range_end(r) && r->start < a + size;
}

/* Lowest fit: every busy range can push the candidate past itself once at most. */
static bool find_up(const struct mem_range *busy, unsigned nbusy, uint64_t size, uint64_t align,
		    uint64_t lo, uint64_t hi, uint64_t *at)
{
	uint64_t a;

	if (lo > UINT64_MAX - (align - 1))
		return false;
	a = ALIGN_UP(lo, align);
	for (unsigned pass = 0; pass <= nbusy; pass++) {
		bool moved = false;

		if (a > hi - size)
			return false;
		for (unsigned i = 0; i < nbusy && !moved; i++) {
			uint64_t end = range_end(&busy[i]);

			if (!overlaps(a, size, &busy[i]))
				continue;
			if (end > UINT64_MAX - (align - 1))
				return false;
			a = ALIGN_UP(end, align);
			moved = true;
		}
		if (!moved) {
			*at = a;
			return true;
		}
	}
	return false;
}

static bool find_down(const struct mem_range *busy, unsigned nbusy, uint64_t size, uint64_t align,
		      uint64_t lo, uint64_t hi, uint64_t *at)
{
	uint64_t a = ALIGN_DOWN(hi - size, align);

	for (unsigned pass = 0; pass <= nbusy; pass++) {
		bool moved = false;

		if (a < lo)
			return false;
		for (unsigned i = 0; i < nbusy && !moved; i++) {
			if (!overlaps(a, size, &busy[i]))
				continue;
			if (busy[i].start < size)
				return false;
			a = ALIGN_DOWN(busy[i].start - size, align);
			moved = true;
		}
		if (!moved) {
			*at = a;
			return true;
		}
	}
	return false;
}

bool guest_find_free(const struct mem_range *busy, unsigned nbusy, uint64_t size, uint64_t align,
		     uint64_t lo, uint64_t hi, bool top_down, uint64_t *at)
{
	if (size == 0 || align == 0 || (align & (align - 1)) || size > hi || lo > hi - size)
		return false;
	return top_down ? find_down(busy, nbusy, size, align, lo, hi, at)
			: find_up(busy, nbusy, size, align, lo, hi, at);
}

/* ------------------------------------------------------------ the bzImage */

static int check_signature(size_t size, const struct setup_header *h, char *why, size_t whylen)
{
	if (size < HDR_OFF(version) + sizeof(h->version))
		return why_fail(why, whylen, "file too short for a setup header (%lu bytes)", ul(size));
	if (h->boot_flag != BOOT_FLAG)
		return why_fail(why, whylen, "boot_flag at 0x1fe is 0x%04x, want 0xaa55: not a Linux kernel image",
				h->boot_flag);
	if (h->header != HDRS_MAGIC)
		return why_fail(why, whylen, "no \"HdrS\" at 0x202: boot protocol older than 2.00 or not a bzImage");
	if (h->version < LINUX_MIN_PROTOCOL)
		return why_fail(why, whylen, "boot protocol %u.%02u is too old: the 64-bit entry needs 2.12 or later",
				h->version >> 8, h->version & 0xff);
	return 0;
}

/* Where the header, the setup code and the protected-mode kernel are in the file. */
static int check_layout(const uint8_t *p, size_t size, const struct setup_header *h,
			struct linux_image *out, char *why, size_t whylen)
{
	/* boot.rst "64-bit Boot Protocol": the header ends at 0x202 + the byte at 0x201. */
	out->hdr_end = 0x202u + p[0x201];
	if (out->hdr_end < HDR_END_MIN)
		return why_fail(why, whylen, "setup header ends at 0x%lx, before init_size (needs 0x%lx)",
				ul(out->hdr_end), ul(HDR_END_MIN));
	if (out->hdr_end > size)
		return why_fail(why, whylen, "setup header ends at 0x%lx, past the end of the file (%lu bytes)",
				ul(out->hdr_end), ul(size));
	/* boot.rst "Details of Header Fields", setup_sects: 0 means 4. */
	out->setup_sects = h->setup_sects ? h->setup_sects : 4;
	out->kernel_offset = (uint64_t)(out->setup_sects + 1) * SECTOR;
	if (out->kernel_offset >= size)
		return why_fail(why, whylen, "setup_sects %u puts the kernel at 0x%lx, past the end of the file (%lu bytes)",
				out->setup_sects, ul(out->kernel_offset), ul(size));
	/* hdr_end <= 0x301 < 0x400 <= kernel_offset: the header always ends inside the setup code. */
	/* syssize counts 16-byte paragraphs (32 bits from protocol 2.04); a
	 * signed kernel carries its signature after them, so the file may be longer. */
	out->kernel_size = (uint64_t)h->syssize * 16;
	if (out->kernel_size == 0)
		return why_fail(why, whylen, "syssize is 0: no protected-mode kernel");
	if (out->kernel_size > size - out->kernel_offset)
		return why_fail(why, whylen, "kernel truncated: syssize says 0x%lx bytes, the file has 0x%lx after the setup code",
				ul(out->kernel_size), ul(size - out->kernel_offset));
	if ((uint64_t)h->payload_offset + h->payload_length > out->kernel_size)
		return why_fail(why, whylen, "payload 0x%x+0x%x is outside the 0x%lx-byte kernel",
				h->payload_offset, h->payload_length, ul(out->kernel_size));
	return 0;
}

static int check_load_fields(const struct setup_header *h, char *why, size_t whylen)
{
	if (!(h->loadflags & LINUX_LOADED_HIGH))
		return why_fail(why, whylen, "loadflags.LOADED_HIGH clear: a zImage, which loads below 1 MiB");
	if (!(h->xloadflags & LINUX_XLF_KERNEL_64))
		return why_fail(why, whylen, "no 64-bit entry point (xloadflags 0x%x lacks XLF_KERNEL_64)",
				h->xloadflags);
	if (h->relocatable_kernel && (h->kernel_alignment == 0 ||
				      (h->kernel_alignment & (h->kernel_alignment - 1))))
		return why_fail(why, whylen, "kernel_alignment 0x%x is not a power of two", h->kernel_alignment);
	return 0;
}

int linux_parse_bzimage(const void *img, size_t size, struct linux_image *out, char *why,
			size_t whylen)
{
	const uint8_t *p = img;
	struct setup_header h;

	memset(&h, 0, sizeof(h));
	memcpy(&h, p + HDR_START, min64(size > HDR_START ? size - HDR_START : 0, sizeof(h)));
	if (check_signature(size, &h, why, whylen) || check_layout(p, size, &h, out, why, whylen) ||
	    check_load_fields(&h, why, whylen))
		return -1;
	/* Fields past hdr_end were not written by the kernel's build: read them as 0. */
	if (out->hdr_end < HDR_START + sizeof(h))
		memset((uint8_t *)&h + (out->hdr_end - HDR_START), 0, HDR_START + sizeof(h) - out->hdr_end);
	out->version = h.version;
	out->loadflags = h.loadflags;
	out->xloadflags = h.xloadflags;
	out->kernel_alignment = h.kernel_alignment;
	out->relocatable = h.relocatable_kernel != 0;
	out->pref_address = h.pref_address;
	out->init_size = h.init_size;
	out->initrd_addr_max = h.initrd_addr_max;
	out->cmdline_size = h.cmdline_size;
	return 0;
}

/* ------------------------------------------------------------ boot params */

static bool inside_reserved(const struct linux_boot_args *a, uint64_t start, uint64_t size)
{
	for (unsigned i = 0; i < a->nreserved; i++) {
		const struct mem_range *r = &a->reserved[i];

		if (start >= r->start && size <= r->size && start - r->start <= r->size - size)
			return true;
	}
	return false;
}

/* Zero page and command line: inside the caller's reserved ranges, below 4 GiB, apart. */
static int check_boot_areas(const struct linux_boot_args *a, char *why, size_t whylen)
{
	if (!inside_reserved(a, a->zero_page, LINUX_ZERO_PAGE_SIZE) || a->zero_page + LINUX_ZERO_PAGE_SIZE > SZ_4G)
		return why_fail(why, whylen, "zero page at 0x%lx is not inside a reserved range below 4 GiB",
				ul(a->zero_page));
	if (a->cmdline_max == 0 || !inside_reserved(a, a->cmdline_gpa, a->cmdline_max) ||
	    a->cmdline_gpa + a->cmdline_max > SZ_4G)
		return why_fail(why, whylen, "command line area 0x%lx+0x%lx is not inside a reserved range below 4 GiB",
				ul(a->cmdline_gpa), ul(a->cmdline_max));
	if (a->cmdline_gpa < a->zero_page + LINUX_ZERO_PAGE_SIZE &&
	    a->zero_page < a->cmdline_gpa + a->cmdline_max)
		return why_fail(why, whylen, "command line area 0x%lx overlaps the zero page at 0x%lx",
				ul(a->cmdline_gpa), ul(a->zero_page));
	return 0;
}

/* The command line is never cut: too long for the kernel or the area is an error. */
static int check_cmdline(const struct linux_image *img, const struct linux_boot_args *a,
			 size_t *len, char *why, size_t whylen)
{
	*len = a->cmdline ? strlen(a->cmdline) : 0;
	if (*len > img->cmdline_size)
		return why_fail(why, whylen, "command line is %lu bytes, the kernel takes at most %u",
				ul(*len), img->cmdline_size);
	if (*len >= a->cmdline_max)
		return why_fail(why, whylen, "command line is %lu bytes, its area holds %lu with the NUL",
				ul(*len), ul(a->cmdline_max));
	return 0;
}

/* boot.rst: a relocatable kernel goes at any kernel_alignment multiple (Septum
 * keeps 2 MiB so the kernel's large pages line up), the preferred address
 * first; a non-relocatable one runs at pref_address, so it is loaded there. */
static int place_kernel(const struct linux_image *img, const struct linux_boot_args *a,
			uint64_t ram_size, struct linux_boot *out, char *why, size_t whylen)
{
	const uint64_t need = ALIGN_UP(max64(img->init_size, img->kernel_size), PAGE_SIZE);
	const uint64_t hi = (img->xloadflags & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G) ? ram_size
										 : min64(ram_size, SZ_4G);
	const uint64_t lo = max64(img->pref_address, SZ_1M);
	uint64_t at;
	bool ok;

	if (img->relocatable) {
		const uint64_t align = max64(img->kernel_alignment, SZ_2M);

		ok = guest_find_free(a->reserved, a->nreserved, need, align, lo, hi, false, &at);
		if (!ok)
			return why_fail(why, whylen, "no room for the kernel: 0x%lx bytes (init_size) at a 0x%lx-aligned address >= 0x%lx below 0x%lx",
					ul(need), ul(align), ul(lo), ul(hi));
	} else {
		if (img->pref_address < SZ_1M)
			return why_fail(why, whylen, "non-relocatable kernel wants 0x%lx, below 1 MiB",
					ul(img->pref_address));
		ok = img->pref_address <= UINT64_MAX - need &&
		     guest_find_free(a->reserved, a->nreserved, need, 1, img->pref_address,
				     min64(hi, img->pref_address + need), false, &at);
		if (!ok)
			return why_fail(why, whylen, "non-relocatable kernel: 0x%lx+0x%lx (init_size) is not free RAM below 0x%lx",
					ul(img->pref_address), ul(need), ul(hi));
	}
	out->kernel_gpa = at;
	out->kernel_end = at + need;
	out->entry = at + LINUX_ENTRY64_OFFSET;
	return 0;
}

/* boot.rst, initrd_addr_max: the initrd's last byte must not pass it, unless
 * XLF_CAN_BE_LOADED_ABOVE_4G says anywhere goes. As high as possible, so the
 * kernel's decompression space below stays free. */
static int place_initrd(const struct linux_image *img, const struct linux_boot_args *a,
			uint64_t ram_size, struct linux_boot *out, char *why, size_t whylen)
{
	struct mem_range busy[GUEST_MAX_RESERVED + 1];
	uint64_t hi = ram_size;

	out->initrd_gpa = out->initrd_size = 0;
	if (!a->initrd || a->initrd_size == 0)
		return 0;
	if (!(img->xloadflags & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G))
		hi = min64(ram_size, (uint64_t)img->initrd_addr_max + 1);
	memcpy(busy, a->reserved, a->nreserved * sizeof(*busy));
	busy[a->nreserved] = (struct mem_range){ out->kernel_gpa, out->kernel_end - out->kernel_gpa,
						 MEM_RESERVED };
	if (!guest_find_free(busy, a->nreserved + 1, ALIGN_UP(a->initrd_size, PAGE_SIZE), PAGE_SIZE,
			     SZ_1M, hi, true, &out->initrd_gpa))
		return why_fail(why, whylen, "initrd (0x%lx bytes) does not fit in free RAM below 0x%lx beside the kernel",
				ul(a->initrd_size), ul(hi));
	out->initrd_size = a->initrd_size;
	return 0;
}

static void put(uint8_t *zp, size_t off, const void *v, size_t n)
{
	memcpy(zp + off, v, n);
}

#define PUT(zp, off, val) do { __typeof__(val) v_ = (val); put((zp), (off), &v_, sizeof(v_)); } while (0)

static void write_zero_page(const struct linux_image *img, const uint8_t *data, uint8_t *zp,
			    const struct linux_boot_args *a, const struct mem_range *map, int nmap,
			    const struct linux_boot *b)
{
	/* boot.rst "64-bit Boot Protocol": all zero, then the image's setup header. */
	memset(zp, 0, LINUX_ZERO_PAGE_SIZE);
	memcpy(zp + HDR_START, data + HDR_START, min64(img->hdr_end, HDR_SLOT_END) - HDR_START);

	PUT(zp, HDR_OFF(type_of_loader), (uint8_t)LOADER_UNKNOWN);
	if (b->kernel_gpa < SZ_4G)
		PUT(zp, HDR_OFF(code32_start), (uint32_t)b->kernel_gpa);
	PUT(zp, HDR_OFF(cmd_line_ptr), (uint32_t)a->cmdline_gpa);
	PUT(zp, BP_OFF(ext_cmd_line_ptr), (uint32_t)(a->cmdline_gpa >> 32));
	PUT(zp, HDR_OFF(ramdisk_image), (uint32_t)b->initrd_gpa);
	PUT(zp, BP_OFF(ext_ramdisk_image), (uint32_t)(b->initrd_gpa >> 32));
	PUT(zp, HDR_OFF(ramdisk_size), (uint32_t)b->initrd_size);
	PUT(zp, BP_OFF(ext_ramdisk_size), (uint32_t)(b->initrd_size >> 32));
	/* The image's own values mean nothing to the guest: no setup_data list, a plain PC. */
	PUT(zp, HDR_OFF(setup_data), (uint64_t)0);
	PUT(zp, HDR_OFF(hardware_subarch), (uint32_t)SUBARCH_PC);
	PUT(zp, BP_OFF(acpi_rsdp_addr), a->acpi_rsdp);

	PUT(zp, BP_OFF(e820_entries), (uint8_t)nmap);
	for (int i = 0; i < nmap; i++) {
		const size_t e = BP_OFF(e820_table) + (size_t)i * sizeof(struct boot_e820_entry);

		PUT(zp, e + offsetof(struct boot_e820_entry, addr), map[i].start);
		PUT(zp, e + offsetof(struct boot_e820_entry, size), map[i].size);
		PUT(zp, e + offsetof(struct boot_e820_entry, type), map[i].type);
	}
}

int linux_build_boot_params(const struct linux_image *img, const void *data, size_t size,
			    uint8_t *ram, uint64_t ram_size, const struct linux_boot_args *args,
			    struct linux_boot *out, char *why, size_t whylen)
{
	struct mem_range map[GUEST_MAP_MAX];
	const uint8_t *p = data;
	size_t len;
	int nmap;

	_Static_assert(GUEST_MAP_MAX <= LINUX_E820_MAX, "the zero page holds every map");
	if (img->kernel_offset > size || img->kernel_size > size - img->kernel_offset ||
	    img->hdr_end > size)
		return why_fail(why, whylen, "image is not the one linux_parse_bzimage() accepted");
	nmap = guest_memmap(ram_size, args->reserved, args->nreserved, map, why, whylen);
	if (nmap < 0 || check_boot_areas(args, why, whylen) || check_cmdline(img, args, &len, why, whylen) ||
	    place_kernel(img, args, ram_size, out, why, whylen) ||
	    place_initrd(img, args, ram_size, out, why, whylen))
		return -1;

	memcpy(ram + out->kernel_gpa, p + img->kernel_offset, img->kernel_size);
	if (out->initrd_size)
		memcpy(ram + out->initrd_gpa, args->initrd, out->initrd_size);
	memcpy(ram + args->cmdline_gpa, len ? args->cmdline : "", len);
	ram[args->cmdline_gpa + len] = 0;
	write_zero_page(img, p, ram + args->zero_page, args, map, nmap, out);
	out->boot_params = args->zero_page;
	out->e820_entries = (unsigned)nmap;
	return 0;
}
